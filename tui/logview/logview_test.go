package logview

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"lathe/themes"
	"lathe/tui/styles"
)

func logViewNew(t testing.TB, w, h int) *Model {
	t.Helper()
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	v := New("", styles.New(p), DefaultKeyMap())
	v.SetSize(w, h)
	return v
}

// logViewLines is lines "line 1" to "line n", newline-ended.
func logViewLines(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// logViewPress sends keys: a single character or a named key.
func logViewPress(v *Model, ks ...string) {
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "backspace": tea.KeyBackspace,
		"up": tea.KeyUp, "down": tea.KeyDown, "ctrl+u": tea.KeyCtrlU, "ctrl+d": tea.KeyCtrlD,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
	}
	for _, k := range ks {
		if t, ok := named[k]; ok {
			v.Update(tea.KeyMsg{Type: t})
			continue
		}
		v.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
	}
}

// logViewSearch types /q and enter.
func logViewSearch(v *Model, q string) {
	logViewPress(v, "/")
	for _, r := range q {
		logViewPress(v, string(r))
	}
	logViewPress(v, "enter")
}

// logViewRows is the text lines of a view, gutter and status line off.
func logViewRows(t *testing.T, v *Model) []string {
	t.Helper()
	rows := strings.Split(ansi.Strip(v.View()), "\n")
	if len(rows) != v.height {
		t.Fatalf("view has %d lines, want %d:\n%s", len(rows), v.height, v.View())
	}
	rows = rows[:len(rows)-1]
	for i, r := range rows {
		if r != "" {
			rows[i] = string([]rune(r)[1:]) // drop the gutter
		}
	}
	return rows
}

func logViewStatus(v *Model) string {
	rows := strings.Split(ansi.Strip(v.View()), "\n")
	return rows[len(rows)-1]
}

func logViewFirst(t *testing.T, v *Model) string {
	t.Helper()
	return logViewRows(t, v)[0]
}

func TestLogViewFollowsTheEnd(t *testing.T) {
	v := logViewNew(t, 40, 6) // 5 lines of text and the status line
	if !v.Following() {
		t.Fatal("not following at start")
	}
	v.SetText(logViewLines(1, 10))
	want := []string{"line 6", "line 7", "line 8", "line 9", "line 10"}
	if got := logViewRows(t, v); !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	if got := logViewStatus(v); got != "following · 10 lines" {
		t.Errorf("status %q", got)
	}
	v.SetText(logViewLines(1, 1500))
	if got := logViewRows(t, v); got[4] != "line 1500" || got[0] != "line 1496" {
		t.Errorf("after more text: %q", got)
	}
	if got := logViewStatus(v); got != "following · 1 500 lines" {
		t.Errorf("status %q", got)
	}
	// Down at the end changes nothing.
	logViewPress(v, "j", "ctrl+d")
	if !v.Following() || logViewFirst(t, v) != "line 1496" {
		t.Errorf("down at the end: following %v, first %q", v.Following(), logViewFirst(t, v))
	}
	// A taller view still ends at the end.
	v.SetSize(40, 11)
	if got := logViewRows(t, v); got[9] != "line 1500" {
		t.Errorf("after resize: %q", got)
	}
}

func TestLogViewScrollingUpPauses(t *testing.T) {
	for _, c := range []struct {
		keys  []string
		first string // the first line shown after the keys
	}{
		{[]string{"k"}, "line 95"},
		{[]string{"up"}, "line 95"},
		{[]string{"k", "k", "k"}, "line 93"},
		{[]string{"ctrl+u"}, "line 94"}, // half of 5 rows
		{[]string{"pgup", "pgup"}, "line 92"},
		{[]string{"g"}, "line 1"},
		{[]string{"home"}, "line 1"},
		{[]string{"g", "j", "j"}, "line 3"},
		{[]string{"g", "ctrl+d"}, "line 3"},
	} {
		t.Run(strings.Join(c.keys, ","), func(t *testing.T) {
			v := logViewNew(t, 40, 6)
			v.SetText(logViewLines(1, 100))
			logViewPress(v, c.keys...)
			if v.Following() {
				t.Fatal("still following")
			}
			if got := logViewFirst(t, v); got != c.first {
				t.Fatalf("first line %q, want %q", got, c.first)
			}
			status := logViewStatus(v)
			if want := "paused at line " + strings.TrimPrefix(c.first, "line ") + " of 100 · G to follow"; status != want {
				t.Errorf("status %q, want %q", status, want)
			}
			// More text at the end: the view stays.
			v.SetText(logViewLines(1, 250))
			if got := logViewFirst(t, v); got != c.first {
				t.Errorf("after more text, first line %q, want %q", got, c.first)
			}
			// G follows again.
			logViewPress(v, "G")
			if !v.Following() {
				t.Error("G does not follow")
			}
			if got := logViewRows(t, v); got[4] != "line 250" {
				t.Errorf("after G: %q", got)
			}
			v.SetText(logViewLines(1, 300))
			if got := logViewRows(t, v); got[4] != "line 300" {
				t.Errorf("after G and more text: %q", got)
			}
		})
	}
}

// The page reads a tail of the log, so while paused a newer text may start
// later: the view keeps its lines, not its line numbers.
func TestLogViewPausedInASlidingTail(t *testing.T) {
	v := logViewNew(t, 40, 6)
	v.SetText(logViewLines(1, 100))
	logViewPress(v, "g", "j", "j", "j", "j", "j", "j", "j", "j", "j") // line 10 first
	if got := logViewFirst(t, v); got != "line 10" {
		t.Fatalf("first %q", got)
	}
	// The tail moved on by 5 lines and a half (it starts inside a line).
	text := logViewLines(1, 130)
	cut := strings.Index(text, "line 6\n") + 3
	v.SetText(text[cut:])
	if got := logViewFirst(t, v); got != "line 10" {
		t.Errorf("after the tail moved: first %q, want line 10", got)
	}
	// The tail moved past what was shown: the view shows its start.
	text = logViewLines(1, 400)
	v.SetText(text[strings.Index(text, "line 100\n"):])
	if got := logViewFirst(t, v); got != "line 100" {
		t.Errorf("after the tail moved past the view: first %q", got)
	}
	// Another text altogether (another run): the view keeps its place.
	v.SetText(strings.ReplaceAll(logViewLines(1, 300), "line", "step"))
	if got := logViewFirst(t, v); got != "step 1" {
		t.Errorf("other text: first %q", got)
	}
}

// When the text fits, there is nowhere to scroll: following goes on.
func TestLogViewShortTextKeepsFollowing(t *testing.T) {
	v := logViewNew(t, 40, 10)
	v.SetText(logViewLines(1, 3))
	logViewPress(v, "k", "g", "ctrl+u")
	if !v.Following() {
		t.Error("stopped following a text that fits")
	}
	v.SetText(logViewLines(1, 20))
	if got := logViewRows(t, v); got[8] != "line 20" {
		t.Errorf("rows %q", got)
	}
}

func TestLogViewEmpty(t *testing.T) {
	v := logViewNew(t, 40, 6)
	if got := ansi.Strip(v.View()); got != "no output yet" {
		t.Errorf("empty view %q", got)
	}
	v.SetText("")
	if got := ansi.Strip(v.View()); got != "no output yet" {
		t.Errorf("empty text %q", got)
	}
	if v.ShortHelp() == nil {
		t.Error("no keys on an empty view")
	}
	// Typing a query over no text still shows it.
	logViewPress(v, "/", "x")
	if got := logViewStatus(v); got != "/x█" {
		t.Errorf("typing over no text: %q", got)
	}
}

// logViewSearchText has "loss" on lines 10, 40, 70 and 95 (of 100).
func logViewSearchText() string {
	var b strings.Builder
	for i := 1; i <= 100; i++ {
		switch i {
		case 10, 40, 70:
			fmt.Fprintf(&b, "step %d loss=0.%d\n", i, i)
		case 95:
			fmt.Fprintf(&b, "step %d LOSS spike, Loss again\n", i)
		default:
			fmt.Fprintf(&b, "step %d\n", i)
		}
	}
	return b.String()
}

func TestLogViewSearch(t *testing.T) {
	v := logViewNew(t, 80, 11) // 10 rows
	v.SetText(logViewSearchText())
	// Following: the view shows 91…100; the first match at or after the top is 95.
	logViewPress(v, "/")
	if !v.Capturing() {
		t.Fatal("not capturing after /")
	}
	for _, k := range []string{"l", "o", "x", "backspace", "s", "s"} {
		logViewPress(v, k)
	}
	if got := logViewStatus(v); got != "/loss█" {
		t.Errorf("typing status %q", got)
	}
	// Keys are the query's while typing: G and q are letters.
	logViewPress(v, "enter")
	if v.Capturing() {
		t.Fatal("still capturing after enter")
	}
	if v.mark != 94 {
		t.Errorf("jumped to line %d, want 95", v.mark+1)
	}
	if !v.Following() {
		t.Error("a jump to a line in view stopped following")
	}
	if got := logViewStatus(v); got != "following · 100 lines · /loss: 4 of 4 matches" {
		t.Errorf("status %q", got)
	}
	// n wraps to the first match, away from the end: following stops.
	steps := []struct {
		key  string
		line int // 1-based
		of   string
	}{
		{"n", 10, "1 of 4"},
		{"n", 40, "2 of 4"},
		{"n", 70, "3 of 4"},
		{"n", 95, "4 of 4"},
		{"n", 10, "1 of 4"},
		{"N", 95, "4 of 4"},
		{"N", 70, "3 of 4"},
	}
	for _, s := range steps {
		logViewPress(v, s.key)
		if v.mark+1 != s.line {
			t.Fatalf("%s: at line %d, want %d", s.key, v.mark+1, s.line)
		}
		if s.line == 10 && v.Following() {
			t.Error("a jump away from the end still follows")
		}
		rows := strings.Split(ansi.Strip(v.View()), "\n")
		marked := slices.IndexFunc(rows, func(r string) bool { return strings.HasPrefix(r, "›") })
		if marked < 0 || !strings.HasPrefix(rows[marked], fmt.Sprintf("›step %d ", s.line)) {
			t.Errorf("%s: no › on line %d:\n%s", s.key, s.line, strings.Join(rows, "\n"))
		}
		if strings.Count(ansi.Strip(v.View()), "›") != 1 {
			t.Errorf("%s: more than one mark", s.key)
		}
		if st := logViewStatus(v); !strings.HasSuffix(st, "/loss: "+s.of+" matches") {
			t.Errorf("%s: status %q, want … %s", s.key, st, s.of)
		}
	}
	// A new search starts from the top of the view.
	logViewPress(v, "g")
	logViewSearch(v, "step 4")
	if v.mark+1 != 4 {
		t.Errorf("search from the top: line %d, want 4", v.mark+1)
	}
	logViewPress(v, "N")
	if v.mark+1 != 49 {
		t.Errorf("N wraps to the end: line %d, want 49", v.mark+1)
	}
	// A failed search.
	logViewSearch(v, "nan")
	if got := logViewStatus(v); !strings.HasSuffix(got, `no match for "nan"`) {
		t.Errorf("failed search status %q", got)
	}
	before := logViewFirst(t, v)
	logViewPress(v, "n", "N")
	if logViewFirst(t, v) != before || strings.Contains(ansi.Strip(v.View()), "›") {
		t.Error("n after a failed search moved or marked")
	}
	// It finds what comes later.
	v.SetText(logViewSearchText() + "loss=nan\n")
	if got := logViewStatus(v); !strings.HasSuffix(got, "/nan: 1 matches") {
		t.Errorf("after new text: %q", got)
	}
	// esc leaves the search in force; an empty query clears it.
	logViewPress(v, "/", "x", "esc")
	if v.Capturing() || v.query != "nan" {
		t.Errorf("esc: capturing %v, query %q", v.Capturing(), v.query)
	}
	logViewSearch(v, "")
	if v.query != "" || strings.Contains(logViewStatus(v), "/") {
		t.Errorf("empty query: %q, status %q", v.query, logViewStatus(v))
	}
}

func TestLogViewSearchKeepsItsLineInANewTail(t *testing.T) {
	v := logViewNew(t, 80, 11)
	text := logViewSearchText()
	v.SetText(text)
	logViewPress(v, "g")
	logViewSearch(v, "loss")
	logViewPress(v, "n") // line 40
	if v.mark+1 != 40 {
		t.Fatalf("at %d", v.mark+1)
	}
	first := logViewFirst(t, v)
	v.SetText(text[strings.Index(text, "step 21\n"):] + "step 101 loss=1\n")
	if got := logViewFirst(t, v); got != first {
		t.Errorf("first line %q, want %q", got, first)
	}
	if got := logViewStatus(v); !strings.HasSuffix(got, "/loss: 1 of 4 matches") {
		t.Errorf("status %q", got)
	}
	if got := v.lines[v.mark]; !strings.HasPrefix(got, "step 40 ") {
		t.Errorf("mark on %q", got)
	}
}

func TestLogViewSmartCase(t *testing.T) {
	text := "Loss 1\nloss 2\nLOSS 3\nglossary 4\nvalLoss 5\nÉtape 6\nétape 7\n"
	for _, c := range []struct {
		query string
		want  []int // 1-based lines
	}{
		{"loss", []int{1, 2, 3, 4, 5}},
		{"Loss", []int{1, 5}},
		{"LOSS", []int{3}},
		{"val", []int{5}},
		{"étape", []int{6, 7}},
		{"Étape", []int{6}},
		{"x", nil},
	} {
		v := logViewNew(t, 40, 10)
		v.SetText(text)
		logViewSearch(v, c.query)
		var got []int
		for _, m := range v.matches {
			got = append(got, m+1)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q matches lines %v, want %v", c.query, got, c.want)
		}
	}
}

func TestLogViewCleansLines(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
	}{
		{"progress bar", "epoch 1\n 10%|#  |\r 50%|## |\r100%|###|\ndone\n", []string{"epoch 1", "100%|###|", "done"}},
		{"bar being drawn", "a\n 10%\r 20%", []string{"a", " 20%"}},
		{"bar with its next \\r", "a\n 10%\r 20%\r", []string{"a", " 20%"}},
		{"CRLF", "one\r\ntwo\r\n", []string{"one", "two"}},
		{"colours", "\x1b[1;32mok\x1b[0m loss=\x1b[31m2.1\x1b[m\n", []string{"ok loss=2.1"}},
		{"cursor moves and OSC", "\x1b[2K\x1b[1Aup\x1b]0;title\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\n", []string{"up link"}},
		{"cut escape", "a\x1b[3", []string{"a"}},
		{"controls", "bell\a back\bspace shift\x0eout\x0f del\x7f c1\u009b31m\n", []string{"bell backspace shiftout del c131m"}},
		{"tabs", "a\tb\n\tc\nabcdefgh\ti\n", []string{"a       b", "        c", "abcdefgh        i"}},
		{"wide then tab", "日本\tx\n", []string{"日本    x"}},
		{"bad utf-8", "ok \xff\xfe end\n", []string{"ok \uFFFD end"}},
		{"empty lines", "a\n\n\nb", []string{"a", "", "", "b"}},
		{"no newline", "partial", []string{"partial"}},
		{"just newline", "\n", []string{""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines, starts := splitLines(c.in)
			if !slices.Equal(lines, c.want) {
				t.Errorf("lines %q, want %q", lines, c.want)
			}
			if len(starts) != len(lines) {
				t.Errorf("%d starts for %d lines", len(starts), len(lines))
			}
			v := logViewNew(t, 80, 10)
			v.SetText(c.in)
			if out := v.View(); strings.ContainsAny(ansi.Strip(out), "\r\a\b\x0e\x0f\x7f\t\x1b") {
				t.Errorf("view keeps a control character: %q", out)
			}
		})
	}
}

// logViewCheckBox fails unless view has at most h lines of at most w cells.
func logViewCheckBox(t *testing.T, view string, w, h int) {
	t.Helper()
	if view == "" {
		return
	}
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Errorf("%d×%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("%d×%d: line %d is %d cells: %q", w, h, i, n, l)
		}
	}
}

func TestLogViewFitsItsSize(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		switch i % 5 {
		case 0:
			b.WriteString(strings.Repeat("a very long line with loss in it ", 40))
		case 1:
			b.WriteString(strings.Repeat("日本語のログ loss ", 30))
		case 2:
			b.WriteString("\x1b[31mred loss\x1b[0m\tand a tab")
		case 3:
			b.WriteString(strings.Repeat("é", 5000) + " loss") // a line longer than the cut
		}
		b.WriteString("\n")
	}
	text := b.String()
	sizes := [][2]int{{120, 40}, {80, 24}, {30, 7}, {10, 3}, {3, 2}, {2, 2}, {1, 1}, {5, 1}, {1, 5}, {0, 0}, {0, 5}, {5, 0}}
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		for _, setup := range []struct {
			name string
			do   func(v *Model)
		}{
			{"following", func(*Model) {}},
			{"paused", func(v *Model) { logViewPress(v, "g", "j") }},
			{"search", func(v *Model) { logViewSearch(v, "loss"); logViewPress(v, "n") }},
			{"failed search", func(v *Model) { logViewSearch(v, strings.Repeat("nothing here ", 10)) }},
			{"typing", func(v *Model) {
				logViewPress(v, "/")
				logViewPress(v, strings.Split(strings.Repeat("long query ", 20), "")...)
			}},
		} {
			for _, empty := range []bool{false, true} {
				v := logViewNew(t, w, h)
				if !empty {
					v.SetText(text)
				}
				setup.do(v)
				logViewCheckBox(t, v.View(), w, h)
				if !empty && w >= 2 && h >= 2 && strings.Count(v.View(), "\n") != h-1 {
					t.Errorf("%d×%d %s: %d lines, want %d", w, h, setup.name, strings.Count(v.View(), "\n")+1, h)
				}
			}
		}
	}
}

func TestLogViewCutsLongLines(t *testing.T) {
	v := logViewNew(t, 20, 3)
	v.SetText(strings.Repeat("x", 100) + "\n" + strings.Repeat("y", 100000) + "\nshort\n")
	logViewPress(v, "g")
	rows := logViewRows(t, v)
	if want := strings.Repeat("x", 18) + "…"; rows[0] != want {
		t.Errorf("row %q, want %q", rows[0], want)
	}
	if want := strings.Repeat("y", 18) + "…"; rows[1] != want {
		t.Errorf("row %q, want %q", rows[1], want)
	}
	if got := fitLine(strings.Repeat("\u0301", 10000), 5); !strings.HasSuffix(got, "…") {
		t.Errorf("a long line of zero-width runes does not say it is cut: %q", got)
	}
}

func TestLogViewHighlightsMatches(t *testing.T) {
	// Real colours for this test: a renderer of its own.
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	p, _ := themes.Load("dark")
	s := styles.New(p)
	s.Accent = r.NewStyle().Bold(true)
	s.Selected = r.NewStyle().Reverse(true)
	s.Muted = r.NewStyle().Faint(true)
	v := New("", s, DefaultKeyMap())
	v.SetSize(40, 4)
	v.SetText("a loss here\nloss and loss\nnothing\n")
	logViewSearch(v, "loss")
	view := v.View()
	bold, rev := s.Accent.Render("loss"), s.Selected.Render("loss")
	lines := strings.Split(view, "\n")
	// The jump landed on line 1: its match reversed; the others bold.
	if !strings.Contains(lines[0], rev) || strings.Contains(lines[0], bold) {
		t.Errorf("current line %q", lines[0])
	}
	if strings.Count(lines[1], bold) != 2 {
		t.Errorf("other line %q", lines[1])
	}
	if strings.Contains(lines[2], "\x1b") {
		t.Errorf("line without a match is styled: %q", lines[2])
	}
	if got := ansi.Strip(lines[0]); got != "›a loss here" {
		t.Errorf("marked line %q", got)
	}
	// A match cut by the width: what shows of the line is intact.
	v.SetSize(8, 4)
	if got := ansi.Strip(strings.Split(v.View(), "\n")[1]); got != " loss a…" {
		t.Errorf("cut line %q", got)
	}
}

func TestLogViewHelp(t *testing.T) {
	keysOf := func(v *Model) []string {
		var out []string
		for _, b := range v.ShortHelp() {
			out = append(out, b.Help().Key)
		}
		return out
	}
	v := logViewNew(t, 40, 6)
	v.SetText(logViewSearchText())
	if got := keysOf(v); !slices.Contains(got, "k/↑") || !slices.Contains(got, "/") || slices.Contains(got, "G") {
		t.Errorf("following: %q", got)
	}
	logViewPress(v, "/")
	if got := keysOf(v); !slices.Equal(got, []string{"enter", "esc"}) {
		t.Errorf("typing: %q", got)
	}
	for _, k := range "loss" {
		logViewPress(v, string(k))
	}
	logViewPress(v, "enter", "g")
	got := keysOf(v)
	if !slices.Contains(got, "G") || !slices.Contains(got, "n") {
		t.Errorf("paused with matches: %q", got)
	}
}

func TestLogViewCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1 000", 1234: "1 234", 123456: "123 456", 1234567: "1 234 567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// View costs the same on 100 000 lines as on 100: it formats what shows.
func TestLogViewViewIsCheap(t *testing.T) {
	allocs := func(lines int) float64 {
		v := logViewNew(t, 120, 40)
		v.SetText(logViewLines(1, lines))
		logViewSearch(v, "line") // every line matches, highlighted
		return testing.AllocsPerRun(20, func() { _ = v.View() })
	}
	small, big := allocs(100), allocs(100_000)
	if big > small+8 {
		t.Errorf("View allocates %v times on 100 000 lines, %v on 100", big, small)
	}
}

// BenchmarkLogViewView draws a 120×40 view of 100 000 lines, following
// and with a search in force (budget: well under a millisecond a frame).
func BenchmarkLogViewView(b *testing.B) {
	var sb strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&sb, "step %d loss=%.4f lr=3e-4 \x1b[32mok\x1b[0m %s\n", i, 1/float64(i+1), strings.Repeat("x", i%150))
	}
	text := sb.String()
	for _, c := range []struct {
		name  string
		setup func(v *Model)
	}{
		{"following", func(*Model) {}},
		{"search", func(v *Model) { logViewSearch(v, "loss"); logViewPress(v, "g") }},
	} {
		b.Run(c.name, func(b *testing.B) {
			v := logViewNew(b, 120, 40)
			v.SetText(text)
			c.setup(v)
			b.ReportAllocs()
			for b.Loop() {
				if v.View() == "" {
					b.Fatal("empty view")
				}
			}
		})
	}
	b.Run("SetText", func(b *testing.B) {
		v := logViewNew(b, 120, 40)
		tail := text[len(text)-256<<10:] // the size the page reads
		b.SetBytes(int64(len(tail)))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			v.SetText(tail[i%2:]) // a new text each time
		}
	})
}

// Read gives its text to the view of the same log only; an error is said.
func TestLogViewRead(t *testing.T) {
	p, _ := themes.Load("dark")
	v := New("run-a", styles.New(p), DefaultKeyMap())
	v.SetSize(60, 4)
	other := Read("run-b", func(w io.Writer) error { _, err := io.WriteString(w, "not mine\n"); return err })
	v.Update(other())
	if got := ansi.Strip(v.View()); got != "no output yet" {
		t.Errorf("another log's text was taken: %q", got)
	}
	v.Update(Read("run-a", func(w io.Writer) error { _, err := io.WriteString(w, "epoch 1\n"); return err })())
	if got := logViewRows(t, v); got[0] != "epoch 1" {
		t.Errorf("rows %q", got)
	}
	v.Update(Read("run-a", func(io.Writer) error { return io.ErrUnexpectedEOF })())
	if got := logViewRows(t, v); !strings.Contains(got[0], "the output cannot be read: unexpected EOF") {
		t.Errorf("rows %q", got)
	}
}
