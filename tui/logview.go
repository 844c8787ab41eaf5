package tui

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// logViewKeys are the log viewer's own keys, on top of the app's KeyMap.
type logViewKeys struct {
	SearchNext, SearchPrev key.Binding
	// Confirm and Cancel end a query being typed.
	Confirm, Cancel key.Binding
	// Search and Follow are the KeyMap's Filter and Bottom, named for what
	// they do here.
	Search, Follow key.Binding
}

func newLogViewKeys(k KeyMap) logViewKeys {
	rename := func(b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
	}
	return logViewKeys{
		SearchNext: key.NewBinding(key.WithKeys("n"), key.WithHelp("n/N", "next/previous match")),
		SearchPrev: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		Confirm:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "search")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Search:     rename(k.Filter, "search"),
		Follow:     rename(k.Bottom, "follow"),
	}
}

// logView shows the tail of a job's output like `less +F`: it follows the
// end as new text comes until the user scrolls up or searches away from it,
// and G follows again. The text is split and cleaned once, in SetText;
// View only formats the lines it shows.
type logView struct {
	styles        Styles
	keys          KeyMap
	own           logViewKeys
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

func newLogView(s Styles, k KeyMap) *logView {
	return &logView{styles: s, keys: k, own: newLogViewKeys(k), follow: true, mark: -1}
}

// SetSize sets the area: h lines, the last of them the status line.
func (v *logView) SetSize(w, h int) {
	v.width, v.height = max(w, 0), max(h, 0)
	v.settle()
}

// Following reports that the view sticks to the end of the text; while it
// does not, the text need not be read again.
func (v *logView) Following() bool { return v.follow }

// Capturing reports that the view takes every key (a query being typed).
func (v *logView) Capturing() bool { return v.typing }

// rows is how many lines of text fit above the status line.
func (v *logView) rows() int { return max(v.height-1, 0) }

// bottom is the first line shown when the view is at the end.
func (v *logView) bottom() int { return max(len(v.lines)-max(v.rows(), 1), 0) }

// settle keeps the first line shown in range, at the end when following.
func (v *logView) settle() {
	if v.follow {
		v.top = v.bottom()
	}
	v.top = min(max(v.top, 0), v.bottom())
}

// SetText replaces the text with a newer tail of the log. When not
// following, the view keeps showing the same lines: if the tail moved on,
// the lines are found again by where the old text sits in the new one.
func (v *logView) SetText(text string) {
	if text == v.text {
		return
	}
	old, oldStarts := v.text, v.starts
	v.text = text
	v.lines, v.starts = logViewSplit(text)
	shift, ok := logViewShift(old, text)
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
}

// logViewShift finds how many bytes the log's tail moved from old to cur,
// the newer text: old[shift:] and cur start alike. ok is false when cur
// does not continue old (another run's text, or a first one).
func logViewShift(old, cur string) (shift int, ok bool) {
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

// logViewSplit cuts text into cleaned lines and notes where each starts.
func logViewSplit(text string) (lines []string, starts []int) {
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
		lines = append(lines, logViewClean(text[start:start+end]))
		starts = append(starts, start)
		start = next
	}
	return lines, starts
}

// logViewClean makes one line of a job's output safe to draw: a progress
// bar redrawn with '\r' keeps its last state, escape sequences and control
// characters go, tabs become spaces.
func logViewClean(l string) string {
	l = strings.TrimRight(l, "\r") // CRLF, or a bar's '\r' before its next state
	if i := strings.LastIndexByte(l, '\r'); i >= 0 {
		l = l[i+1:]
	}
	if logViewPlain(l) {
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

// logViewPlain reports that l is valid UTF-8 without control characters.
func logViewPlain(l string) bool {
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
func (v *logView) research() {
	v.matches = v.matches[:0]
	if v.needle == "" {
		return
	}
	for i, l := range v.lines {
		if s, _ := logViewFind(l, v.needle, v.fold, 0); s >= 0 {
			v.matches = append(v.matches, i)
		}
	}
}

// setQuery puts a search in force (or none, for "").
func (v *logView) setQuery(q string) {
	v.query, v.mark = q, -1
	v.fold = !strings.ContainsFunc(q, unicode.IsUpper)
	v.needle = q
	if v.fold {
		v.needle = strings.Map(unicode.ToLower, q)
	}
	v.research()
}

// logViewFind returns the byte range of the first match of needle in s at
// or after from, or -1, -1. With fold, needle is lower-case and s's case is
// ignored.
func logViewFind(s, needle string, fold bool, from int) (start, end int) {
	if needle == "" || from > len(s) {
		return -1, -1
	}
	if !fold {
		if i := strings.Index(s[from:], needle); i >= 0 {
			return from + i, from + i + len(needle)
		}
		return -1, -1
	}
	if logViewASCII(needle) {
		n := len(needle)
		c0 := needle[0]
		for i := from; i+n <= len(s); i++ {
			if c := s[i]; c != c0 && c|0x20 != c0 {
				continue
			}
			if logViewASCIIFold(s[i:i+n], needle) {
				return i, i + n
			}
		}
		return -1, -1
	}
	for i := from; i < len(s); {
		if n := logViewPrefixFold(s[i:], needle); n >= 0 {
			return i, i + n
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1, -1
}

func logViewASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// logViewASCIIFold reports a == b ignoring case, b being lower-case ASCII.
func logViewASCIIFold(a, b string) bool {
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

// logViewPrefixFold returns how many bytes of s match the lower-case
// needle, ignoring case, or -1.
func logViewPrefixFold(s, needle string) int {
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

// Update handles a key: motions, and the search.
func (v *logView) Update(msg tea.KeyMsg) tea.Cmd {
	if v.typing {
		switch msg.Type {
		case tea.KeyEnter:
			v.typing = false
			v.setQuery(v.input)
			v.jump(true, true)
		case tea.KeyEsc, tea.KeyCtrlC:
			v.typing = false
		case tea.KeyBackspace:
			if r := []rune(v.input); len(r) > 0 {
				v.input = string(r[:len(r)-1])
			}
		case tea.KeyCtrlU:
			v.input = ""
		case tea.KeyRunes, tea.KeySpace:
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
	half := max(v.rows()/2, 1)
	switch {
	case key.Matches(msg, v.own.Search):
		v.typing, v.input = true, ""
	case key.Matches(msg, v.own.SearchNext):
		v.jump(true, false)
	case key.Matches(msg, v.own.SearchPrev):
		v.jump(false, false)
	case key.Matches(msg, v.keys.Down):
		v.scrollTo(v.top + 1)
	case key.Matches(msg, v.keys.Up):
		v.scrollTo(v.top - 1)
	case key.Matches(msg, v.keys.PageDown):
		v.scrollTo(v.top + half)
	case key.Matches(msg, v.keys.PageUp):
		v.scrollTo(v.top - half)
	case key.Matches(msg, v.keys.Top):
		v.scrollTo(0)
	case key.Matches(msg, v.keys.Bottom):
		v.follow = true
		v.settle()
	}
	return nil
}

// scrollTo shows line top first; leaving the end stops following.
func (v *logView) scrollTo(top int) {
	v.top = min(max(top, 0), v.bottom())
	if v.top < v.bottom() {
		v.follow = false
	}
}

// jump goes to the next (or previous) match: from the top of the view for
// a new search, else from the line the last jump landed on if it is in
// view, else from the view. It wraps around the text.
func (v *logView) jump(forward, fresh bool) {
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

// ShortHelp is the keys that do something now.
func (v *logView) ShortHelp() []key.Binding {
	if v.typing {
		return []key.Binding{v.own.Confirm, v.own.Cancel}
	}
	var bs []key.Binding
	if v.follow {
		bs = []key.Binding{v.keys.Up, v.keys.PageUp, v.keys.Top, v.own.Search}
	} else {
		bs = []key.Binding{v.own.Follow, v.keys.Down, v.keys.Up, v.keys.Top, v.own.Search}
	}
	if len(v.matches) > 0 {
		bs = append(bs, v.own.SearchNext)
	}
	return bs
}

// View draws the lines in view and the status line under them: h lines
// (one, "no output yet", before any text), none wider than w cells.
func (v *logView) View() string {
	w, h := v.width, v.height
	if w <= 0 || h <= 0 {
		return ""
	}
	s := v.styles
	if len(v.lines) == 0 && !v.typing && v.query == "" {
		return s.Muted.Render(fitWidth("no output yet", w))
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
			b.WriteString(s.Muted.Render(fitWidth("no output yet", w)))
		}
		b.WriteByte('\n')
	}
	b.WriteString(v.status(w))
	return b.String()
}

// line draws line i in w cells, its matches highlighted.
func (v *logView) line(i, w int) string {
	l := v.lines[i]
	out := logViewFit(l, w)
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
	start, end := logViewFind(vis, v.needle, v.fold, 0)
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
		start, end = logViewFind(vis, v.needle, v.fold, pos)
	}
	b.WriteString(vis[pos:])
	b.WriteString(tail)
	return b.String()
}

// logViewFit cuts a line to w cells without measuring all of a very long
// one: no cell takes more than a few bytes, so a prefix is enough.
func logViewFit(l string, w int) string {
	if w <= 0 {
		return ""
	}
	lim := 8*w + 64
	if len(l) <= lim {
		return fitWidth(l, w)
	}
	for lim > 0 && !utf8.RuneStart(l[lim]) {
		lim--
	}
	p := l[:lim]
	if out := fitWidth(p, w); out != p {
		return out
	}
	// The prefix fits: say that the line goes on.
	return fitWidth(p, w-1) + "…"
}

// status is the last line: where the view is, and the search.
func (v *logView) status(w int) string {
	s := v.styles
	if v.typing {
		prompt := "/" + v.input + "█"
		if over := ansi.StringWidth(prompt) - w; over > 0 {
			// Keep the end of the query, where the cursor is, in view.
			prompt = fitWidth("…"+ansi.TruncateLeft(prompt, over+1, ""), w)
		}
		return s.Accent.Render(prompt)
	}
	n := logViewCount(len(v.lines))
	var parts []string
	if v.follow {
		parts = append(parts, "following · "+n+" lines")
	} else {
		parts = append(parts, fmt.Sprintf("paused at line %s of %s · G to follow", logViewCount(v.top+1), n))
	}
	if v.query != "" {
		switch k := sort.SearchInts(v.matches, v.mark); {
		case len(v.matches) == 0:
			parts = append(parts, fmt.Sprintf("no match for %q", v.query))
		case v.mark >= 0 && k < len(v.matches) && v.matches[k] == v.mark:
			parts = append(parts, fmt.Sprintf("/%s: %s of %s matches", v.query, logViewCount(k+1), logViewCount(len(v.matches))))
		default:
			parts = append(parts, fmt.Sprintf("/%s: %s matches", v.query, logViewCount(len(v.matches))))
		}
	}
	return s.Muted.Render(fitWidth(strings.Join(parts, " · "), w))
}

// logViewCount writes a count with its thousands apart: 1 234 567.
func logViewCount(n int) string {
	d := itoa(n)
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
