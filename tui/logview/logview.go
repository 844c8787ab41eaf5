package logview

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/format"
	"lathe/tui/styles"
)

// Source is the output of one job, read from the engine: ranges of lines
// by byte offset, and a search of all of it.
type Source interface {
	LogLines(ctx context.Context, req api.LogLinesRequest) (api.LogLines, error)
	SearchLogs(ctx context.Context, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error
}

// line is one line of the output in the window, cleaned to be drawn.
type line struct {
	off, len int64
	text     string
}

// Model pages through a job's output like less: it holds a window of a few
// screens of lines, read from the engine around where the user is, and
// follows the end (like `less +F`) until the user scrolls up or a search
// finds a match. Searches run in the engine over all the output.
type Model struct {
	ctx           context.Context
	id            string // what the log is of (a run): its messages name it
	src           Source
	styles        styles.Styles
	keys          KeyMap
	width, height int

	lines []line
	// start and end are the bytes the window covers; size the output's
	// size when last read.
	start, end, size int64
	top              int // the first line shown
	xoff             int // cells scrolled sideways, when not wrapping
	follow           bool
	wrap             bool
	hideMetrics      bool
	gen              int  // the window's generation: reads of an older one are dropped
	loadingBefore    bool // a read of the lines above the window is under way
	loadingAfter     bool
	loaded           bool   // a first read came
	err              string // why the output cannot be read
	empty            string // what an empty output says ("no output yet")

	typing bool   // a query is being typed
	input  string // what has been typed
	query  string // the search in force, "" for none
	needle string // the query, lower-cased when the search ignores case
	fold   bool   // the search ignores case (the query has no upper-case letter)
	// mark is the offset of the line the last search landed on, or -1.
	mark int64
	// The search under way: its generation, how far it is, how to stop it.
	searching      bool
	searchGen      int
	scanned, total int64
	cancel         context.CancelFunc
	searchBack     bool
	notFound       bool // the last search found nothing in its direction
}

// New is a view of the output of id (a run) read from src, following its
// end; Refresh reads it.
func New(ctx context.Context, id string, src Source, s styles.Styles, k KeyMap) *Model {
	v := &Model{ctx: ctx, id: id, src: src, styles: s, keys: k, follow: true, mark: -1, empty: "no output yet"}
	v.updateKeys()
	return v
}

// Msg is the answer to one of the view's reads: a range of lines, or an
// event of a search. It names the log it is of; a Model takes only its own.
type Msg struct {
	id    string
	gen   int
	kind  readKind
	lines api.LogLines
	// top is the line a new window shows first; -1: its end.
	top    int
	err    error
	search *searchEvent
}

type readKind int

const (
	readReplace readKind = iota // a new window (the end, the start, a match)
	readBefore                  // lines above the window
	readAfter                   // lines below it
)

type searchEvent struct {
	ev   api.LogSearchEvent
	done bool
	next tea.Cmd // reads the next event
}

// SetEmpty sets what the view says while the output is empty: "no output
// yet" by default; a job that could not start says why.
func (v *Model) SetEmpty(s string) { v.empty = s }

// SetSize sets the area: h lines, the last of them the status line.
func (v *Model) SetSize(w, h int) {
	v.width, v.height = max(w, 0), max(h, 0)
	v.settle()
	v.updateKeys()
}

// Following reports that the view sticks to the end of the output; while
// it does not, the output need not be read again.
func (v *Model) Following() bool { return v.follow }

// Capturing reports that the view takes every key: a query being typed,
// or a search that esc stops.
func (v *Model) Capturing() bool { return v.typing || v.searching }

// rows is how many lines of text fit above the status line.
func (v *Model) rows() int { return max(v.height-1, 0) }

// window is how many lines a read asks for: a few screens.
func (v *Model) window() int { return max(3*v.rows(), 64) }

// maxLines bounds the lines held.
func (v *Model) maxLines() int { return 4 * v.window() }

func (v *Model) atStart() bool { return v.start <= 0 }
func (v *Model) atEnd() bool   { return v.end >= v.size }

// Refresh reads the output again where it is needed: the end when
// following, the window's first read otherwise.
func (v *Model) Refresh() tea.Cmd {
	if v.follow || !v.loaded {
		return v.readTail()
	}
	return nil
}

// readTail reads the last lines as a new window, shown at its end.
func (v *Model) readTail() tea.Cmd {
	return v.read(readReplace, api.LogLinesRequest{From: -1, Back: true, Count: v.window()})
}

// readHead reads the first lines as a new window.
func (v *Model) readHead() tea.Cmd {
	return v.read(readReplace, api.LogLinesRequest{From: 0, Count: v.window()})
}

// read reads lines for the window of now.
func (v *Model) read(kind readKind, req api.LogLinesRequest) tea.Cmd {
	if kind == readReplace {
		v.gen++
		v.loadingBefore, v.loadingAfter = false, false
	}
	req.HideMetrics = v.hideMetrics
	ctx, id, gen, src := v.ctx, v.id, v.gen, v.src
	top := 0
	if req.Back {
		top = -1
	}
	return func() tea.Msg {
		ls, err := src.LogLines(ctx, req)
		return Msg{id: id, gen: gen, kind: kind, lines: ls, top: top, err: err}
	}
}

// jumpTo reads a new window around the line at off, shown below lead
// lines of what comes before it.
func (v *Model) jumpTo(off int64, lead int) tea.Cmd {
	v.gen++
	v.loadingBefore, v.loadingAfter = false, false
	ctx, id, gen, src, hide := v.ctx, v.id, v.gen, v.src, v.hideMetrics
	above, below := max(v.rows(), 4), v.window()
	return func() tea.Msg {
		up, err := src.LogLines(ctx, api.LogLinesRequest{From: off, Back: true, Count: above, HideMetrics: hide})
		if err != nil {
			return Msg{id: id, gen: gen, err: err}
		}
		down, err := src.LogLines(ctx, api.LogLinesRequest{From: off, Count: below, HideMetrics: hide})
		ls := api.LogLines{Lines: append(up.Lines, down.Lines...), Start: up.Start, End: down.End, Size: max(up.Size, down.Size)}
		return Msg{id: id, gen: gen, kind: readReplace, lines: ls, top: max(len(up.Lines)-lead, 0), err: err}
	}
}

// Update takes the view's reads and keys: motions, the search, the
// toggles.
func (v *Model) Update(msg tea.Msg) (*Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case Msg:
		if msg.id != v.id {
			return v, nil
		}
		if msg.search != nil {
			cmd = v.searched(msg)
		} else {
			v.took(msg)
			cmd = v.fill()
		}
	case tea.KeyMsg:
		cmd = v.key(msg)
	}
	v.updateKeys()
	return v, cmd
}

// took puts a read's lines in the window.
func (v *Model) took(msg Msg) {
	if msg.gen != v.gen {
		return // for a window since replaced
	}
	switch msg.kind {
	case readBefore:
		v.loadingBefore = false
	case readAfter:
		v.loadingAfter = false
	}
	if msg.err != nil {
		v.err = "the output cannot be read: " + msg.err.Error()
		return
	}
	v.err, v.loaded = "", true
	ls := msg.lines
	v.size = max(v.size, ls.Size)
	got := make([]line, len(ls.Lines))
	for i, l := range ls.Lines {
		got[i] = line{off: l.Offset, len: l.Len, text: Clean(l.Text)}
	}
	switch msg.kind {
	case readReplace:
		v.lines, v.start, v.end, v.size = got, ls.Start, ls.End, ls.Size
		if v.follow || msg.top < 0 {
			v.top = v.bottom()
		} else {
			v.top = msg.top
		}
	case readBefore:
		v.lines = append(got, v.lines...)
		v.top += len(got)
		v.start = ls.Start
		if extra := len(v.lines) - v.maxLines(); extra > 0 && v.top+v.rows() < len(v.lines)-extra {
			v.lines = v.lines[:len(v.lines)-extra]
			last := v.lines[len(v.lines)-1]
			v.end = last.off + last.len
		}
	case readAfter:
		// The window's last line may have been unfinished: read again from it.
		if n := len(v.lines); n > 0 && len(got) > 0 && got[0].off <= v.lines[n-1].off {
			v.lines = v.lines[:n-1]
		}
		v.lines = append(v.lines, got...)
		v.end = max(ls.End, v.end)
		if extra := len(v.lines) - v.maxLines(); extra > 0 && v.top > extra {
			v.lines = v.lines[extra:]
			v.top -= extra
			v.start = v.lines[0].off
		}
	}
	v.settle()
}

// fill reads more of the output when the view comes near the window's
// edges.
func (v *Model) fill() tea.Cmd {
	if !v.loaded {
		return nil
	}
	var cmds []tea.Cmd
	if v.top < v.rows() && !v.atStart() && !v.loadingBefore {
		v.loadingBefore = true
		from := v.start
		cmds = append(cmds, v.read(readBefore, api.LogLinesRequest{From: from, Back: true, Count: v.window()}))
	}
	if len(v.lines)-(v.top+v.rows()) < v.rows() && !v.atEnd() && !v.loadingAfter {
		cmds = append(cmds, v.readAfter())
	}
	return tea.Batch(cmds...)
}

// readAfter reads the lines below the window, from its last line (which
// may have been unfinished when read).
func (v *Model) readAfter() tea.Cmd {
	from := v.end
	if n := len(v.lines); n > 0 {
		from = v.lines[n-1].off
	}
	v.loadingAfter = true
	return v.read(readAfter, api.LogLinesRequest{From: from, Count: v.window()})
}

// bottom is the first line shown when the view is at the window's end.
func (v *Model) bottom() int {
	if !v.wrap {
		return max(len(v.lines)-max(v.rows(), 1), 0)
	}
	room := max(v.rows(), 1)
	i := len(v.lines)
	for i > 0 {
		h := v.wrapHeight(v.lines[i-1].text)
		if h > room {
			break
		}
		room -= h
		i--
	}
	return min(i, max(len(v.lines)-1, 0))
}

// settle keeps the first line shown in range, at the end when following.
func (v *Model) settle() {
	if v.follow {
		v.top = v.bottom()
	}
	v.top = min(max(v.top, 0), v.bottom())
}

// setQuery puts a search in force (or none, for "").
func (v *Model) setQuery(q string) {
	v.query, v.mark, v.notFound = q, -1, false
	v.fold = !strings.ContainsFunc(q, unicode.IsUpper)
	v.needle = q
	if v.fold {
		v.needle = strings.Map(unicode.ToLower, q)
	}
}

func (v *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := v.keys
	if v.typing {
		return v.typeKey(msg)
	}
	if v.searching && (key.Matches(msg, k.Cancel) || msg.Type == tea.KeyCtrlC) {
		v.stopSearch()
		return nil
	}
	half := max(v.rows()/2, 1)
	switch {
	case key.Matches(msg, k.Search):
		v.typing, v.input = true, ""
	case key.Matches(msg, k.SearchNext):
		return v.search(false)
	case key.Matches(msg, k.SearchPrev):
		return v.search(true)
	case key.Matches(msg, k.Down):
		return v.scrollTo(v.top + 1)
	case key.Matches(msg, k.Up):
		return v.scrollTo(v.top - 1)
	case key.Matches(msg, k.PageDown):
		return v.scrollTo(v.top + half)
	case key.Matches(msg, k.PageUp):
		return v.scrollTo(v.top - half)
	case key.Matches(msg, k.Top):
		v.follow = false
		v.top = 0
		return v.readHead()
	case key.Matches(msg, k.Follow):
		v.follow = true
		return v.readTail()
	case key.Matches(msg, k.Wrap):
		v.wrap, v.xoff = !v.wrap, 0
		v.settle()
	case key.Matches(msg, k.Right) && !v.wrap:
		v.xoff += max(v.width/2, 1)
	case key.Matches(msg, k.Left) && !v.wrap:
		v.xoff = max(v.xoff-max(v.width/2, 1), 0)
	case key.Matches(msg, k.Metrics):
		v.hideMetrics = !v.hideMetrics
		if v.follow || len(v.lines) == 0 {
			return v.readTail()
		}
		return v.jumpTo(v.lines[v.top].off, 0)
	}
	return nil
}

// typeKey edits the query being typed; enter searches for it.
func (v *Model) typeKey(msg tea.KeyMsg) tea.Cmd {
	k := v.keys
	switch {
	case key.Matches(msg, k.Confirm):
		v.typing = false
		v.setQuery(v.input)
		if v.query == "" {
			return nil
		}
		if v.follow {
			// At the end, what is sought was written before.
			return v.startSearch(-1, true)
		}
		return v.startSearch(v.topOffset(), false)
	case key.Matches(msg, k.Cancel), msg.Type == tea.KeyCtrlC:
		v.typing = false
	case msg.Type == tea.KeyBackspace:
		if r := []rune(v.input); len(r) > 0 {
			v.input = string(r[:len(r)-1])
		}
	case msg.Type == tea.KeyCtrlU:
		v.input = ""
	case msg.Type == tea.KeyRunes, msg.Type == tea.KeySpace:
		// A paste may hold line breaks and other controls.
		v.input += strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, string(msg.Runes))
	}
	return nil
}

// topOffset is where the first line shown starts (the end when none).
func (v *Model) topOffset() int64 {
	if v.top < len(v.lines) {
		return v.lines[v.top].off
	}
	return v.end
}

// markShown is the index of the line the last search landed on, if it is
// in view, or -1.
func (v *Model) markShown() int {
	for i := v.top; i < min(v.top+max(v.rows(), 1), len(v.lines)); i++ {
		if v.lines[i].off == v.mark {
			return i
		}
	}
	return -1
}

// search goes to the next (or, back, previous) match: from the line the
// last search landed on if it is in view, else from the view.
func (v *Model) search(back bool) tea.Cmd {
	if v.query == "" {
		return nil
	}
	var from int64
	switch i := v.markShown(); {
	case i >= 0 && back:
		from = v.lines[i].off
	case i >= 0:
		from = v.lines[i].off + v.lines[i].len
	case back && v.top < len(v.lines):
		// Above the view's last line.
		last := min(v.top+max(v.rows(), 1), len(v.lines)) - 1
		from = v.lines[last].off + v.lines[last].len
	default:
		from = v.topOffset()
	}
	return v.startSearch(from, back)
}

// startSearch asks the engine for the first match from a line's start in
// a direction; the events come one message each.
func (v *Model) startSearch(from int64, back bool) tea.Cmd {
	v.stopSearch()
	ctx, cancel := context.WithCancel(v.ctx)
	v.searchGen++
	v.searching, v.cancel, v.scanned, v.total, v.searchBack, v.notFound = true, cancel, 0, 0, back, false
	req := api.LogSearchRequest{Query: v.query, Fold: v.fold, From: from, Back: back, Max: 1, HideMetrics: v.hideMetrics}
	id, gen, src := v.id, v.searchGen, v.src
	return func() tea.Msg {
		ch := make(chan searchEvent, 8)
		go func() {
			defer close(ch)
			err := src.SearchLogs(ctx, req, func(ev api.LogSearchEvent) error {
				select {
				case ch <- searchEvent{ev: ev}:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			if err != nil && ctx.Err() == nil {
				ch <- searchEvent{done: true, ev: api.LogSearchEvent{}, next: errCmd(id, gen, err)}
			}
		}()
		return nextSearchEvent(id, gen, ch)()
	}
}

// nextSearchEvent reads a search's next event.
func nextSearchEvent(id string, gen int, ch <-chan searchEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return Msg{id: id, gen: gen, search: &searchEvent{done: true}}
		}
		if ev.next != nil {
			return ev.next()
		}
		ev.next = nextSearchEvent(id, gen, ch)
		return Msg{id: id, gen: gen, search: &ev}
	}
}

// errCmd is a search's end by an error.
func errCmd(id string, gen int, err error) tea.Cmd {
	return func() tea.Msg { return Msg{id: id, gen: gen, err: err, search: &searchEvent{done: true}} }
}

// searched takes an event of the search under way: a match stops
// following and shows it.
func (v *Model) searched(msg Msg) tea.Cmd {
	if msg.gen != v.searchGen || !v.searching {
		return nil // a search since stopped
	}
	s := msg.search
	if msg.err != nil {
		v.stopSearch()
		v.err = "the search failed: " + msg.err.Error()
		return nil
	}
	v.scanned, v.total = max(v.scanned, s.ev.Scanned), max(v.total, s.ev.Size)
	if m := s.ev.Match; m != nil {
		v.stopSearch()
		v.mark, v.follow = m.Offset, false
		if i := v.indexOf(m.Offset); i >= 0 {
			if i < v.top || i >= v.top+max(v.rows(), 1) {
				return v.scrollTo(i - max(v.rows(), 4)/4)
			}
			return nil
		}
		return v.jumpTo(m.Offset, max(v.rows(), 4)/4)
	}
	if s.done {
		v.stopSearch()
		v.notFound = true
		return nil
	}
	return s.next
}

// indexOf is the index of the window's line at off, or -1.
func (v *Model) indexOf(off int64) int {
	for i, l := range v.lines {
		if l.off == off {
			return i
		}
	}
	return -1
}

// stopSearch ends the search under way, if any.
func (v *Model) stopSearch() {
	if v.cancel != nil {
		v.cancel()
	}
	v.searching, v.cancel = false, nil
}

// scrollTo shows line top first, reading more of the output as the view
// nears the window's edges; leaving the end stops following.
func (v *Model) scrollTo(top int) tea.Cmd {
	wanted := top
	v.top = min(max(top, 0), v.bottom())
	if v.top < v.bottom() || !v.atEnd() || top < 0 {
		v.follow = false
	}
	if wanted > v.bottom() && v.atEnd() && !v.loadingAfter && v.loaded {
		// At the end of what was read: the job may have written more.
		return v.readAfter()
	}
	return v.fill()
}

// updateKeys enables the keys that do something now: while a query is
// typed, only those that end it; going down and following only when not
// following already; the jumps between matches only with a query.
func (v *Model) updateKeys() {
	k := &v.keys
	k.Confirm.SetEnabled(v.typing)
	k.Cancel.SetEnabled(v.typing || v.searching)
	for _, b := range []*key.Binding{&k.Up, &k.PageUp, &k.Top, &k.Search, &k.Wrap, &k.Metrics} {
		b.SetEnabled(!v.typing)
	}
	for _, b := range []*key.Binding{&k.Down, &k.PageDown, &k.Follow} {
		b.SetEnabled(!v.typing && !v.follow)
	}
	k.Right.SetEnabled(!v.typing && !v.wrap)
	k.Left.SetEnabled(!v.typing && !v.wrap && v.xoff > 0)
	k.SearchNext.SetEnabled(!v.typing && v.query != "")
	k.SearchPrev.SetEnabled(!v.typing && v.query != "")
}

// ShortHelp is the keys that matter most now (help.KeyMap).
func (v *Model) ShortHelp() []key.Binding {
	k := v.keys
	if v.typing {
		return []key.Binding{k.Confirm, k.Cancel}
	}
	if v.searching {
		return []key.Binding{k.Cancel}
	}
	var bs []key.Binding
	if v.follow {
		bs = []key.Binding{k.Up, k.PageUp, k.Top, k.Search}
	} else {
		bs = []key.Binding{k.Follow, k.Down, k.Up, k.Top, k.Search}
	}
	if k.SearchNext.Enabled() {
		bs = append(bs, k.SearchNext)
	}
	return append(bs, k.Wrap, k.Metrics)
}

// FullHelp is every key that does something now, keys that go together
// in a row (help.KeyMap).
func (v *Model) FullHelp() [][]key.Binding {
	k := v.keys
	if v.typing {
		return [][]key.Binding{{k.Confirm}, {k.Cancel}}
	}
	rows := [][]key.Binding{{k.Up}, {k.Top}, {k.PageUp}}
	if !v.follow {
		rows = [][]key.Binding{{k.Down, k.Up}, {k.Top, k.Follow}, {k.PageDown, k.PageUp}}
	}
	rows = append(rows, []key.Binding{k.Search})
	if v.query != "" {
		rows = append(rows, []key.Binding{k.SearchNext, k.SearchPrev})
	}
	if v.searching {
		rows = append(rows, []key.Binding{k.Cancel})
	}
	rows = append(rows, []key.Binding{k.Wrap, k.Metrics})
	switch {
	case v.wrap:
	case v.xoff > 0:
		rows = append(rows, []key.Binding{k.Left, k.Right})
	default:
		rows = append(rows, []key.Binding{k.Right})
	}
	return rows
}

// View draws the lines in view and the status line under them: h lines
// (one, "no output yet" or why there is none, before any output), none
// wider than w cells.
func (v *Model) View() string {
	w, h := v.width, v.height
	if w <= 0 || h <= 0 {
		return ""
	}
	s := v.styles
	if len(v.lines) == 0 && !v.typing && v.query == "" && v.err == "" && v.end >= v.size && !v.hideMetrics {
		return s.Muted.Render(format.Fit(v.empty, w))
	}
	gutter := 0
	if w >= 2 {
		gutter = 1
	}
	rows := v.rows()
	drawn := make([]string, 0, rows)
	for i := v.top; i < len(v.lines) && len(drawn) < rows; i++ {
		drawn = v.appendRows(drawn, i, w-gutter, gutter, rows-len(drawn))
	}
	if v.wrap && v.top > 0 && v.top == v.bottom() && len(drawn) < rows {
		// At the end, wrapped: the rows left show the end of the line
		// above, so that the last line sits at the bottom.
		above := v.appendRows(nil, v.top-1, w-gutter, gutter, math.MaxInt)
		drawn = append(above[max(len(above)-(rows-len(drawn)), 0):], drawn...)
	}
	if len(drawn) == 0 && rows > 0 {
		drawn = append(drawn, s.Muted.Render(format.Fit(v.empty, w)))
	}
	var b strings.Builder
	b.Grow((rows + 1) * (w + 8))
	for r := range rows {
		if r < len(drawn) {
			b.WriteString(drawn[r])
		}
		b.WriteByte('\n')
	}
	b.WriteString(v.status(w))
	return b.String()
}

// appendRows appends up to n rows of line i drawn in w cells after the
// gutter.
func (v *Model) appendRows(out []string, i, w, gutter, n int) []string {
	s := v.styles
	marked := v.lines[i].off == v.mark && v.query != ""
	for j, seg := range v.segments(i, w) {
		if j == n {
			break
		}
		row := v.highlight(seg, marked)
		switch {
		case gutter == 0:
		case marked && j == 0:
			// A mark as well as a colour: the match must show without colour.
			row = s.Accent.Render("›") + row
		default:
			row = " " + row
		}
		out = append(out, row)
	}
	return out
}

// segments is line i as drawn in w cells: cut (after the sideways
// scroll), or wrapped into rows.
func (v *Model) segments(i, w int) []string {
	l := v.lines[i].text
	if !v.wrap {
		if v.xoff > 0 {
			l = ansi.TruncateLeft(prefix(l, v.xoff+w), v.xoff, "")
		}
		return []string{fitLine(l, w)}
	}
	if w <= 0 {
		return []string{""}
	}
	// No more of a long line than the screen can show is wrapped.
	segs := strings.Split(ansi.Hardwrap(prefix(l, w*max(v.rows(), 1)), w, true), "\n")
	for i, seg := range segs {
		segs[i] = format.Fit(seg, w) // a wide rune in a column of one
	}
	return segs
}

// wrapHeight is how many rows a line takes wrapped.
func (v *Model) wrapHeight(l string) int {
	w := max(v.width-1, 1)
	cells := ansi.StringWidth(prefix(l, w*max(v.rows(), 1)))
	return max((cells+w-1)/w, 1)
}

// prefix is enough of l to fill n cells: no cell takes more than a few
// bytes.
func prefix(l string, n int) string {
	if lim := 8*n + 64; len(l) > lim {
		for lim > 0 && !utf8.RuneStart(l[lim]) {
			lim--
		}
		return l[:lim]
	}
	return l
}

// highlight colours the query's matches in a drawn segment.
func (v *Model) highlight(out string, marked bool) string {
	if v.needle == "" {
		return out
	}
	vis, tail := out, ""
	if strings.HasSuffix(out, "…") {
		vis, tail = strings.TrimSuffix(out, "…"), "…"
	}
	start, end := find(vis, v.needle, v.fold, 0)
	if start < 0 {
		return out
	}
	hl := v.styles.Accent
	if marked {
		hl = v.styles.Selected
	}
	var b strings.Builder
	b.Grow(len(out) + 64)
	pos := 0
	for start >= 0 {
		b.WriteString(vis[pos:start])
		b.WriteString(hl.Render(vis[start:end]))
		pos = end
		start, end = find(vis, v.needle, v.fold, pos)
	}
	b.WriteString(vis[pos:])
	b.WriteString(tail)
	return b.String()
}

// status is the last line: where the view is in the output, the search,
// the toggles.
func (v *Model) status(w int) string {
	s := v.styles
	if v.typing {
		prompt := "/" + v.input + "█"
		if over := ansi.StringWidth(prompt) - w; over > 0 {
			// Keep the end of the query, where the cursor is, in view.
			prompt = format.Fit("…"+ansi.TruncateLeft(prompt, over+1, ""), w)
		}
		return s.Accent.Render(prompt)
	}
	if v.err != "" {
		return s.Error.Render(format.Fit(v.err, w))
	}
	var parts []string
	if v.follow {
		parts = append(parts, "following · "+format.Bytes(uint64(v.size)))
	} else {
		parts = append(parts, fmt.Sprintf("paused at %s of %s · G to follow", percent(v.topOffset(), v.size), format.Bytes(uint64(v.size))))
	}
	switch {
	case v.searching:
		parts = append(parts, fmt.Sprintf("searching /%s… %s · esc stops", v.query, percent(v.scanned, v.total)))
	case v.notFound && v.searchBack:
		parts = append(parts, fmt.Sprintf("no match for %q above", v.query))
	case v.notFound:
		parts = append(parts, fmt.Sprintf("no match for %q below", v.query))
	case v.query != "" && v.mark >= 0:
		parts = append(parts, fmt.Sprintf("/%s: match at %s · n/N next/previous", v.query, percent(v.mark, v.size)))
	}
	if v.hideMetrics {
		parts = append(parts, "metrics hidden")
	}
	if v.wrap {
		parts = append(parts, "wrapped")
	} else if v.xoff > 0 {
		parts = append(parts, fmt.Sprintf("→%d", v.xoff))
	}
	return s.Muted.Render(format.Fit(strings.Join(parts, " · "), w))
}

// percent is how far off is in size.
func percent(off, size int64) string {
	if size <= 0 {
		return "0%"
	}
	return fmt.Sprintf("%d%%", min(off*100/size, 100))
}
