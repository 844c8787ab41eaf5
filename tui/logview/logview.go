package logview

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/tui/format"
	"lathe/tui/styles"
)

// Model shows the tail of a job's output like `less +F`: it follows the
// end as new text comes until the user scrolls up or searches away from it,
// and G follows again. The text is split and cleaned once, in SetText;
// View only formats the lines it shows.
type Model struct {
	id            string // what the log is of (a run): TextMsg names it
	styles        styles.Styles
	keys          KeyMap
	width, height int

	text   string   // the text last given, kept to place the view in the next one
	lines  []string // its lines, cleaned: no '\r', escape sequences, control characters or tabs
	starts []int    // the byte offset in text where each line starts
	top    int      // the first line shown
	follow bool

	typing bool   // a query is being typed
	input  string // what has been typed
	query  string // the search in force, "" for none
	needle string // the query, lower-cased when the search ignores case
	fold   bool   // the search ignores case (the query has no upper-case letter)
	// matches are the lines holding the query, in order.
	matches []int
	// mark is the line the last search jump landed on, or -1.
	mark int
}

// New is a view of the log of id (a run), following its end, empty until
// a TextMsg of id comes.
func New(id string, s styles.Styles, k KeyMap) *Model {
	v := &Model{id: id, styles: s, keys: k, follow: true, mark: -1}
	v.updateKeys()
	return v
}

// TextMsg is a newer tail of the log of ID.
type TextMsg struct{ ID, Text string }

// Read reads the tail of the log of id: read writes it to w. What cannot
// be read is said in the text.
func Read(id string, read func(w io.Writer) error) tea.Cmd {
	return func() tea.Msg {
		var b strings.Builder
		if err := read(&b); err != nil {
			return TextMsg{ID: id, Text: "the output cannot be read: " + err.Error()}
		}
		return TextMsg{ID: id, Text: b.String()}
	}
}

// SetSize sets the area: h lines, the last of them the status line.
func (v *Model) SetSize(w, h int) {
	v.width, v.height = max(w, 0), max(h, 0)
	v.settle()
	v.updateKeys()
}

// Following reports that the view sticks to the end of the text; while it
// does not, the text need not be read again.
func (v *Model) Following() bool { return v.follow }

// Capturing reports that the view takes every key (a query being typed).
func (v *Model) Capturing() bool { return v.typing }

// rows is how many lines of text fit above the status line.
func (v *Model) rows() int { return max(v.height-1, 0) }

// bottom is the first line shown when the view is at the end.
func (v *Model) bottom() int { return max(len(v.lines)-max(v.rows(), 1), 0) }

// settle keeps the first line shown in range, at the end when following.
func (v *Model) settle() {
	if v.follow {
		v.top = v.bottom()
	}
	v.top = min(max(v.top, 0), v.bottom())
}

// SetText replaces the text with a newer tail of the log. When not
// following, the view keeps showing the same lines: if the tail moved on,
// the lines are found again by where the old text sits in the new one.
func (v *Model) SetText(text string) {
	if text == v.text {
		return
	}
	old, oldStarts := v.text, v.starts
	v.text = text
	v.lines, v.starts = splitLines(text)
	shift, ok := tailShift(old, text)
	remap := func(i int) int {
		if i < 0 || i >= len(oldStarts) {
			return -1
		}
		if !ok {
			if i < len(v.lines) {
				return i
			}
			return -1
		}
		off := oldStarts[i] - shift
		if off < 0 || len(v.starts) == 0 {
			return -1 // the line has left the tail
		}
		// The line holding off.
		return sort.Search(len(v.starts), func(j int) bool { return v.starts[j] > off }) - 1
	}
	v.mark = remap(v.mark)
	if !v.follow {
		if t := remap(v.top); t >= 0 {
			v.top = t
		} else if ok {
			v.top = 0 // what was shown has scrolled out of the tail
		}
	}
	v.settle()
	v.research()
	v.updateKeys()
}

// tailShift finds how many bytes the log's tail moved from old to cur,
// the newer text: old[shift:] and cur start alike. ok is false when cur
// does not continue old (another run's text, or a first one).
func tailShift(old, cur string) (shift int, ok bool) {
	if old == "" || cur == "" {
		return 0, false
	}
	if strings.HasPrefix(cur, old) || strings.HasPrefix(old, cur) {
		return 0, true
	}
	// Where cur's start sits in old: a short probe finds the candidates
	// (the overlap may be short), a whole comparison settles each.
	probe := cur[:min(len(cur), 64)]
	for d, tries := 0, 0; d < len(old) && tries < 256; tries++ {
		i := strings.Index(old[d:], probe)
		if i < 0 {
			break
		}
		d += i
		if rest := old[d:]; strings.HasPrefix(cur, rest) || strings.HasPrefix(rest, cur) {
			return d, true
		}
		d++
	}
	return 0, false
}

// splitLines cuts text into cleaned lines and notes where each starts.
func splitLines(text string) (lines []string, starts []int) {
	if text == "" {
		return nil, nil
	}
	n := strings.Count(text, "\n") + 1
	lines, starts = make([]string, 0, n), make([]int, 0, n)
	for start := 0; start < len(text); {
		end := strings.IndexByte(text[start:], '\n')
		next := start + end + 1
		if end < 0 {
			end, next = len(text)-start, len(text)
		}
		lines = append(lines, cleanLine(text[start:start+end]))
		starts = append(starts, start)
		start = next
	}
	return lines, starts
}

// cleanLine makes one line of a job's output safe to draw: a progress
// bar redrawn with '\r' keeps its last state, escape sequences and control
// characters go, tabs become spaces.
func cleanLine(l string) string {
	l = strings.TrimRight(l, "\r") // CRLF, or a bar's '\r' before its next state
	if i := strings.LastIndexByte(l, '\r'); i >= 0 {
		l = l[i+1:]
	}
	if plainLine(l) {
		return l // most lines: kept as they are, no copy
	}
	if !utf8.ValidString(l) {
		l = strings.ToValidUTF8(l, "\uFFFD")
	}
	if strings.IndexByte(l, 0x1b) >= 0 {
		l = ansi.Strip(l)
	}
	var b strings.Builder
	b.Grow(len(l))
	tabs := strings.IndexByte(l, '\t') >= 0
	col := 0 // cells so far, for tab stops
	for _, r := range l {
		switch {
		case r == '\t':
			pad := 8 - col%8
			b.WriteString("        "[:pad])
			col += pad
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			// C0 and C1 controls (bell, backspace, shift-out…) would move
			// the cursor or change the terminal's state.
		default:
			b.WriteRune(r)
			switch {
			case !tabs:
			case r < utf8.RuneSelf:
				col++
			default:
				col += ansi.StringWidth(string(r))
			}
		}
	}
	return b.String()
}

// plainLine reports that l is valid UTF-8 without control characters.
func plainLine(l string) bool {
	for i := 0; i < len(l); {
		c := l[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(l[i:])
		if r == utf8.RuneError && size == 1 || r < 0xa0 {
			return false
		}
		i += size
	}
	return true
}

// research finds the lines holding the query again.
func (v *Model) research() {
	v.matches = v.matches[:0]
	if v.needle == "" {
		return
	}
	for i, l := range v.lines {
		if s, _ := find(l, v.needle, v.fold, 0); s >= 0 {
			v.matches = append(v.matches, i)
		}
	}
}

// setQuery puts a search in force (or none, for "").
func (v *Model) setQuery(q string) {
	v.query, v.mark = q, -1
	v.fold = !strings.ContainsFunc(q, unicode.IsUpper)
	v.needle = q
	if v.fold {
		v.needle = strings.Map(unicode.ToLower, q)
	}
	v.research()
}

// find returns the byte range of the first match of needle in s at
// or after from, or -1, -1. With fold, needle is lower-case and s's case is
// ignored.
func find(s, needle string, fold bool, from int) (start, end int) {
	if needle == "" || from > len(s) {
		return -1, -1
	}
	if !fold {
		if i := strings.Index(s[from:], needle); i >= 0 {
			return from + i, from + i + len(needle)
		}
		return -1, -1
	}
	if isASCII(needle) {
		n := len(needle)
		c0 := needle[0]
		for i := from; i+n <= len(s); i++ {
			if c := s[i]; c != c0 && c|0x20 != c0 {
				continue
			}
			if asciiFold(s[i:i+n], needle) {
				return i, i + n
			}
		}
		return -1, -1
	}
	for i := from; i < len(s); {
		if n := prefixFold(s[i:], needle); n >= 0 {
			return i, i + n
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1, -1
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiFold reports a == b ignoring case, b being lower-case ASCII.
func asciiFold(a, b string) bool {
	for i := 0; i < len(b); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// prefixFold returns how many bytes of s match the lower-case
// needle, ignoring case, or -1.
func prefixFold(s, needle string) int {
	j := 0
	for _, nr := range needle {
		if j >= len(s) {
			return -1
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if unicode.ToLower(r) != nr {
			return -1
		}
		j += size
	}
	return j
}

// Update takes the log's text (TextMsg) and keys: motions, and the
// search.
func (v *Model) Update(msg tea.Msg) (*Model, tea.Cmd) {
	switch msg := msg.(type) {
	case TextMsg:
		if msg.ID == v.id {
			v.SetText(msg.Text)
		}
	case tea.KeyMsg:
		v.key(msg)
		v.updateKeys()
	}
	return v, nil
}

func (v *Model) key(msg tea.KeyMsg) {
	k := v.keys
	if v.typing {
		switch {
		case key.Matches(msg, k.Confirm):
			v.typing = false
			v.setQuery(v.input)
			v.jump(true, true)
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
		return
	}
	half := max(v.rows()/2, 1)
	switch {
	case key.Matches(msg, k.Search):
		v.typing, v.input = true, ""
	case key.Matches(msg, k.SearchNext):
		v.jump(true, false)
	case key.Matches(msg, k.SearchPrev):
		v.jump(false, false)
	case key.Matches(msg, k.Down):
		v.scrollTo(v.top + 1)
	case key.Matches(msg, k.Up):
		v.scrollTo(v.top - 1)
	case key.Matches(msg, k.PageDown):
		v.scrollTo(v.top + half)
	case key.Matches(msg, k.PageUp):
		v.scrollTo(v.top - half)
	case key.Matches(msg, k.Top):
		v.scrollTo(0)
	case key.Matches(msg, k.Follow):
		v.follow = true
		v.settle()
	}
}

// updateKeys enables the keys that do something now: while a query is
// typed, only those that end it; going down and following only when not
// following already; the jumps between matches only when there are some.
func (v *Model) updateKeys() {
	k := &v.keys
	k.Confirm.SetEnabled(v.typing)
	k.Cancel.SetEnabled(v.typing)
	for _, b := range []*key.Binding{&k.Up, &k.PageUp, &k.Top, &k.Search} {
		b.SetEnabled(!v.typing)
	}
	for _, b := range []*key.Binding{&k.Down, &k.PageDown, &k.Follow} {
		b.SetEnabled(!v.typing && !v.follow)
	}
	k.SearchNext.SetEnabled(!v.typing && len(v.matches) > 0)
	k.SearchPrev.SetEnabled(!v.typing && len(v.matches) > 0)
}

// scrollTo shows line top first; leaving the end stops following.
func (v *Model) scrollTo(top int) {
	v.top = min(max(top, 0), v.bottom())
	if v.top < v.bottom() {
		v.follow = false
	}
}

// jump goes to the next (or previous) match: from the top of the view for
// a new search, else from the line the last jump landed on if it is in
// view, else from the view. It wraps around the text.
func (v *Model) jump(forward, fresh bool) {
	n := len(v.matches)
	if n == 0 {
		return
	}
	last := v.top + max(v.rows(), 1) - 1 // the last line in view
	inView := v.mark >= v.top && v.mark <= last
	var k int // an index into matches
	switch {
	case forward && (fresh || !inView):
		k = sort.SearchInts(v.matches, v.top) // first at or after the top
	case forward:
		k = sort.SearchInts(v.matches, v.mark+1)
	case inView:
		k = sort.SearchInts(v.matches, v.mark) - 1
	default:
		k = sort.SearchInts(v.matches, last+1) - 1 // last at or before the view's end
	}
	k = (k%n + n) % n
	line := v.matches[k]
	v.mark = line
	if line < v.top || line > last {
		// Show it with a little of what came before.
		v.scrollTo(line - max(v.rows(), 1)/4)
	}
}

// ShortHelp is the keys that matter most now (help.KeyMap).
func (v *Model) ShortHelp() []key.Binding {
	k := v.keys
	if v.typing {
		return []key.Binding{k.Confirm, k.Cancel}
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
	return bs
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
	if len(v.matches) > 0 {
		rows = append(rows, []key.Binding{k.SearchNext, k.SearchPrev})
	}
	return rows
}

// View draws the lines in view and the status line under them: h lines
// (one, "no output yet", before any text), none wider than w cells.
func (v *Model) View() string {
	w, h := v.width, v.height
	if w <= 0 || h <= 0 {
		return ""
	}
	s := v.styles
	if len(v.lines) == 0 && !v.typing && v.query == "" {
		return s.Muted.Render(format.Fit("no output yet", w))
	}
	gutter := 0
	if w >= 2 {
		gutter = 1
	}
	var b strings.Builder
	rows := v.rows()
	b.Grow((rows + 1) * (w + 8))
	for r := range rows {
		i := v.top + r
		switch {
		case i < len(v.lines):
			if gutter > 0 {
				if i == v.mark && v.query != "" {
					// A mark as well as a colour: the match must show without colour.
					b.WriteString(s.Accent.Render("›"))
				} else {
					b.WriteByte(' ')
				}
			}
			b.WriteString(v.line(i, w-gutter))
		case i == 0:
			b.WriteString(s.Muted.Render(format.Fit("no output yet", w)))
		}
		b.WriteByte('\n')
	}
	b.WriteString(v.status(w))
	return b.String()
}

// line draws line i in w cells, its matches highlighted.
func (v *Model) line(i, w int) string {
	l := v.lines[i]
	out := fitLine(l, w)
	if v.needle == "" {
		return out
	}
	vis, tail := out, ""
	if out != l {
		vis, tail = strings.TrimSuffix(out, "…"), "…"
		if !strings.HasPrefix(l, vis) {
			return out
		}
	}
	start, end := find(vis, v.needle, v.fold, 0)
	if start < 0 {
		return out
	}
	hl := v.styles.Accent
	if i == v.mark {
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

// fitLine cuts a line to w cells without measuring all of a very long
// one: no cell takes more than a few bytes, so a prefix is enough.
func fitLine(l string, w int) string {
	if w <= 0 {
		return ""
	}
	lim := 8*w + 64
	if len(l) <= lim {
		return format.Fit(l, w)
	}
	for lim > 0 && !utf8.RuneStart(l[lim]) {
		lim--
	}
	p := l[:lim]
	if out := format.Fit(p, w); out != p {
		return out
	}
	// The prefix fits: say that the line goes on.
	return format.Fit(p, w-1) + "…"
}

// status is the last line: where the view is, and the search.
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
	n := thousands(len(v.lines))
	var parts []string
	if v.follow {
		parts = append(parts, "following · "+n+" lines")
	} else {
		parts = append(parts, fmt.Sprintf("paused at line %s of %s · G to follow", thousands(v.top+1), n))
	}
	if v.query != "" {
		switch k := sort.SearchInts(v.matches, v.mark); {
		case len(v.matches) == 0:
			parts = append(parts, fmt.Sprintf("no match for %q", v.query))
		case v.mark >= 0 && k < len(v.matches) && v.matches[k] == v.mark:
			parts = append(parts, fmt.Sprintf("/%s: %s of %s matches", v.query, thousands(k+1), thousands(len(v.matches))))
		default:
			parts = append(parts, fmt.Sprintf("/%s: %s matches", v.query, thousands(len(v.matches))))
		}
	}
	return s.Muted.Render(format.Fit(strings.Join(parts, " · "), w))
}

// thousands writes a count with its thousands apart: 1 234 567.
func thousands(n int) string {
	d := strconv.Itoa(n)
	if n < 0 || len(d) <= 3 {
		return d
	}
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}
