package logview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/config"
	"lathe/engine/gpu"
	"lathe/store"
	"lathe/themes"
	"lathe/tui/styles"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// runID is the run whose output the tests' engine serves.
const runID = "0123456789ab"

// output is a run's output served by a real engine in the process: the
// view reads it as the app does.
type output struct {
	eng  *engine.Engine
	path string
}

func (o output) LogLines(ctx context.Context, req api.LogLinesRequest) (api.LogLines, error) {
	return o.eng.LogLines(ctx, runID, req)
}

func (o output) SearchLogs(ctx context.Context, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error {
	return o.eng.SearchLogs(ctx, runID, req, fn)
}

// append adds text to the output, as a job writes it.
func (o output) append(t testing.TB, text string) {
	t.Helper()
	f, err := os.OpenFile(o.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// newOutput opens an engine on a fresh data directory holding one ended
// run whose output is text (none when text is "").
func newOutput(t testing.TB, text string, parse string) output {
	t.Helper()
	paths := api.Paths{Home: t.TempDir()}
	db, err := store.Open(paths.DB(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.CreateRun(&store.Run{ID: runID, Name: "job", Experiment: "default", Status: store.Succeeded,
			Created: now, Started: &now, Ended: &now, Command: []string{"train"}, Parse: parse})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(engine.Options{Paths: paths, Config: config.Default(), Probe: gpu.NewFake(0), Exe: os.Args[0]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	o := output{eng: e, path: filepath.Join(paths.RunDir(runID), "output.log")}
	if err := os.MkdirAll(filepath.Dir(o.path), 0o755); err != nil {
		t.Fatal(err)
	}
	if text != "" {
		o.append(t, text)
	}
	return o
}

func testStyles(t testing.TB) styles.Styles {
	t.Helper()
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	return styles.New(p)
}

// open is a view of w×h over src, after its first read.
func open(t testing.TB, src Source, w, h int) *Model {
	t.Helper()
	v := New(context.Background(), runID, src, testStyles(t), DefaultKeyMap())
	v.SetSize(w, h)
	drive(t, v, v.Refresh())
	return v
}

// drive runs a command as Bubble Tea would, gives the view what it
// produced, and so on until nothing is left.
func drive(t testing.TB, v *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			t.Fatal("commands without end")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case nil:
		default:
			_, next := v.Update(msg)
			queue = append(queue, next)
		}
	}
}

// press sends keys (a character or a named key) and runs what they ask.
func press(t testing.TB, v *Model, ks ...string) {
	t.Helper()
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "backspace": tea.KeyBackspace,
		"up": tea.KeyUp, "down": tea.KeyDown, "ctrl+u": tea.KeyCtrlU, "ctrl+d": tea.KeyCtrlD,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
	}
	for _, k := range ks {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		if kt, ok := named[k]; ok {
			msg = tea.KeyMsg{Type: kt}
		}
		_, cmd := v.Update(msg)
		drive(t, v, cmd)
	}
}

// search types /q and enter.
func search(t testing.TB, v *Model, q string) {
	t.Helper()
	press(t, v, "/")
	for _, r := range q {
		press(t, v, string(r))
	}
	press(t, v, "enter")
}

// numbered is lines "line 1" to "line n".
func numbered(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// rows is the text lines of a view, gutter and status line off.
func rows(t testing.TB, v *Model) []string {
	t.Helper()
	out := strings.Split(ansi.Strip(v.View()), "\n")
	if len(out) != v.height {
		t.Fatalf("view has %d lines, want %d:\n%s", len(out), v.height, v.View())
	}
	out = out[:len(out)-1]
	for i, r := range out {
		if r != "" {
			out[i] = string([]rune(r)[1:]) // drop the gutter
		}
	}
	return out
}

func status(v *Model) string {
	out := strings.Split(ansi.Strip(v.View()), "\n")
	return out[len(out)-1]
}

// More than the old 256 KiB tail: the view opens at the end, g goes to the
// real first line, and paging down goes through every line in order, the
// window staying a few screens.
func TestLogViewPagesTheWholeOutput(t *testing.T) {
	const n = 40000 // about 420 KiB
	o := newOutput(t, numbered(1, n), "")
	v := open(t, o, 40, 11)
	if got := rows(t, v); got[9] != fmt.Sprintf("line %d", n) || got[0] != fmt.Sprintf("line %d", n-9) {
		t.Fatalf("at the end: %q", got)
	}
	if s := status(v); s != "following · 418.8 KiB" {
		t.Errorf("status %q", s)
	}
	press(t, v, "g")
	if got := rows(t, v)[0]; got != "line 1" || v.Following() {
		t.Fatalf("g: %q, following %v", got, v.Following())
	}
	if s := status(v); !strings.HasPrefix(s, "paused at 0% of 418.8 KiB · G to follow") {
		t.Errorf("status %q", s)
	}
	// Down to the end, 5 lines a press: every line seen, in order.
	want := 1
	for range n {
		got := rows(t, v)
		if got[0] != fmt.Sprintf("line %d", want) {
			t.Fatalf("after line %d the view shows %q", want-5, got[0])
		}
		if len(v.lines) > v.maxLines() {
			t.Fatalf("the window holds %d lines", len(v.lines))
		}
		if want+9 == n {
			break
		}
		press(t, v, "ctrl+d")
		want = min(want+5, n-9)
	}
	// And back up to the top from the end.
	press(t, v, "G")
	want = n - 9
	for want > 1 {
		press(t, v, "ctrl+u")
		want = max(want-5, 1)
		if got := rows(t, v)[0]; got != fmt.Sprintf("line %d", want) {
			t.Fatalf("going up, the view shows %q, want line %d", got, want)
		}
	}
	if len(v.lines) > v.maxLines() {
		t.Errorf("the window holds %d lines", len(v.lines))
	}
}

// Following reads the new end; a paused view stays where it is.
func TestLogViewFollows(t *testing.T) {
	o := newOutput(t, numbered(1, 100), "")
	v := open(t, o, 40, 6)
	o.append(t, numbered(101, 120))
	drive(t, v, v.Refresh())
	if got := rows(t, v)[4]; got != "line 120" {
		t.Errorf("following: %q", got)
	}
	press(t, v, "k")
	if v.Following() {
		t.Fatal("scrolling up does not pause")
	}
	o.append(t, numbered(121, 130))
	drive(t, v, v.Refresh())
	if got := rows(t, v)[0]; got != "line 115" {
		t.Errorf("paused: %q", got)
	}
	// Going down past the end reads what was written meanwhile.
	press(t, v, "j", "j", "j")
	if got := rows(t, v)[4]; got != "line 121" {
		t.Errorf("down past the old end: %q", got)
	}
	press(t, v, "G")
	if got := rows(t, v)[4]; got != "line 130" || !v.Following() {
		t.Errorf("G: %q", got)
	}
}

// A read of the end under way when the user scrolls up lands where the
// view is, the end, not at the window's top.
func TestLogViewTailReadWhilePausing(t *testing.T) {
	o := newOutput(t, numbered(1, 500), "")
	v := open(t, o, 40, 6)
	o.append(t, numbered(501, 510))
	cmd := v.Refresh()
	press(t, v, "k")
	drive(t, v, cmd)
	if got := rows(t, v)[4]; got != "line 510" {
		t.Errorf("after the read: %q", rows(t, v))
	}
}

// A search runs over all the output in the engine: found far back, it
// stops following and shows the match marked; n and N go on.
func TestLogViewSearchFarBack(t *testing.T) {
	text := numbered(1, 99) + "a Loss spike\n" + numbered(101, 20000) + "loss again\n" + numbered(20002, 40000)
	o := newOutput(t, text, "")
	v := open(t, o, 100, 11)
	press(t, v, "/")
	if !v.Capturing() {
		t.Fatal("not capturing after /")
	}
	press(t, v, "esc")
	search(t, v, "loss")
	got := rows(t, v)
	if !slices.Contains(got, "loss again") || v.Following() {
		t.Fatalf("the nearest match above the end: %q", got)
	}
	if view := ansi.Strip(v.View()); !strings.Contains(view, "›loss again") {
		t.Errorf("the match is not marked:\n%s", view)
	}
	if s := status(v); !strings.Contains(s, "/loss: match at 48%") {
		t.Errorf("status %q", s)
	}
	press(t, v, "N")
	if got := rows(t, v); !slices.Contains(got, "a Loss spike") {
		t.Fatalf("N: %q", got)
	}
	press(t, v, "N")
	if s := status(v); !strings.Contains(s, `no match for "loss" above`) {
		t.Errorf("N at the first: %q", s)
	}
	press(t, v, "n")
	if got := rows(t, v); !slices.Contains(got, "loss again") {
		t.Errorf("n: %q", got)
	}
	// Smart case: a capital asks for that case.
	press(t, v, "g")
	search(t, v, "Loss")
	if got := rows(t, v); !slices.Contains(got, "a Loss spike") {
		t.Fatalf("Loss from the top: %q", got)
	}
	press(t, v, "n")
	if s := status(v); !strings.Contains(s, `no match for "Loss" below`) {
		t.Errorf("no second Loss: %q", s)
	}
}

// A search under way says how far it is, and esc stops it: what it finds
// after does not move the view.
func TestLogViewSearchStops(t *testing.T) {
	o := newOutput(t, numbered(1, 1000), "")
	v := open(t, o, 80, 6)
	press(t, v, "g", "/", "9", "9", "9")
	_, cmd := v.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if !v.Capturing() || !strings.Contains(status(v), "searching /999… 0% · esc stops") {
		t.Fatalf("while searching: %q", status(v))
	}
	press(t, v, "esc")
	drive(t, v, cmd)
	if got := rows(t, v)[0]; got != "line 1" || strings.Contains(status(v), "searching") || v.Capturing() {
		t.Errorf("a stopped search moved the view: %q, %q", got, status(v))
	}
}

// w wraps long lines; cut, they scroll sideways with > and <.
func TestLogViewWrapsAndScrollsSideways(t *testing.T) {
	long := "start " + strings.Repeat("abcdefghij", 10) + " end"
	o := newOutput(t, "short\n"+long+"\nlast\n", "")
	v := open(t, o, 21, 6)
	if got := rows(t, v); got[1] != "start abcdefghijabc…" {
		t.Fatalf("cut: %q", got)
	}
	press(t, v, ">")
	if got := rows(t, v)[1]; got != "efghijabcdefghijabc…" {
		t.Errorf("scrolled right: %q", got)
	}
	press(t, v, "<")
	if got := rows(t, v)[1]; got != "start abcdefghijabc…" {
		t.Errorf("scrolled back: %q", got)
	}
	press(t, v, "w")
	got := rows(t, v)
	// At the end, wrapped: the last line at the bottom, the end of the long
	// one above it.
	if got[3] != "efghij end" || got[4] != "last" {
		t.Errorf("wrapped: %q", got)
	}
	press(t, v, "g")
	if got := rows(t, v); got[0] != "short" || got[1] != "start abcdefghijabcd" || got[4] != "efghijabcdefghijabcd" {
		t.Errorf("wrapped, from the top: %q", got)
	}
}

// M hides the lines read as metrics (by the run's parser), in the window
// and the search.
func TestLogViewHidesMetricLines(t *testing.T) {
	text := "epoch 1\n{\"metrics\": {\"loss\": 1}}\nstep=2 loss=0.5\nepoch 2 done\n"
	v := open(t, newOutput(t, text, "kv"), 40, 6)
	press(t, v, "M")
	if got := rows(t, v); !slices.Equal(got[:2], []string{"epoch 1", "epoch 2 done"}) || got[2] != "" {
		t.Errorf("hidden: %q", got)
	}
	if s := status(v); !strings.Contains(s, "metrics hidden") {
		t.Errorf("status %q", s)
	}
	search(t, v, "loss")
	if s := status(v); !strings.Contains(s, `no match for "loss"`) {
		t.Errorf("a hidden line found: %q", s)
	}
	press(t, v, "M")
	if got := rows(t, v); len(slices.DeleteFunc(got, func(s string) bool { return s == "" })) != 4 {
		t.Errorf("shown again: %q", got)
	}
}

func TestLogViewEmpty(t *testing.T) {
	o := newOutput(t, "", "")
	v := open(t, o, 60, 6)
	if got := ansi.Strip(v.View()); got != "no output yet" {
		t.Errorf("empty: %q", got)
	}
	v.SetEmpty("no output: failed, command not found: trian.py")
	if got := ansi.Strip(v.View()); got != "no output: failed, command not found: trian.py" {
		t.Errorf("empty with a reason: %q", got)
	}
	o.append(t, "hello\n")
	drive(t, v, v.Refresh())
	if got := rows(t, v)[0]; got != "hello" {
		t.Errorf("after output: %q", rows(t, v))
	}
}

// Messages of another log are not taken.
func TestLogViewTakesItsOwnMessages(t *testing.T) {
	o := newOutput(t, "mine\n", "")
	v := New(context.Background(), "other", o, testStyles(t), DefaultKeyMap())
	v.SetSize(40, 6)
	mine := New(context.Background(), runID, o, testStyles(t), DefaultKeyMap())
	mine.SetSize(40, 6)
	msg := mine.Refresh()()
	v.Update(msg)
	if len(v.lines) != 0 {
		t.Errorf("took another log's lines: %+v", v.lines)
	}
}

func TestLogViewCleansLines(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"progress bar", " 10%|#  |\r 50%|## |\r100%|###|", "100%|###|"},
		{"bar with its next \\r", " 10%\r 20%\r", " 20%"},
		{"colours", "\x1b[1;32mok\x1b[0m loss=\x1b[31m2.1\x1b[m", "ok loss=2.1"},
		{"cursor moves and OSC", "\x1b[2K\x1b[1Aup\x1b]0;title\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "up link"},
		{"cut escape", "a\x1b[3", "a"},
		{"controls", "bell\a back\bspace shift\x0eout\x0f del\x7f c1\u009b31m", "bell backspace shiftout del c131m"},
		{"tabs", "abcdefgh\ti", "abcdefgh        i"},
		{"wide then tab", "日本\tx", "日本    x"},
		{"bad utf-8", "ok \xff\xfe end", "ok \uFFFD end"},
	} {
		if got := Clean(c.in); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// Through the engine and the view: no control character drawn.
	v := open(t, newOutput(t, "a\x1b[31mred\x1b[0m\tb\r\nbar 1\rbar 2\n\a\n", ""), 40, 6)
	if out := ansi.Strip(v.View()); strings.ContainsAny(out, "\r\a\b\t\x1b") || !strings.Contains(out, "bar 2") {
		t.Errorf("view: %q", out)
	}
}

// checkBox fails unless view has at most h lines of at most w cells.
func checkBox(t *testing.T, view string, w, h int) {
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
			b.WriteString(strings.Repeat("é", 20000) + " loss") // longer than the engine's cut
		}
		b.WriteString("\n")
	}
	full, empty := newOutput(t, b.String(), ""), newOutput(t, "", "")
	sizes := [][2]int{{120, 40}, {80, 24}, {30, 7}, {10, 3}, {3, 2}, {2, 2}, {1, 1}, {5, 1}, {1, 5}, {0, 0}, {0, 5}, {5, 0}}
	for _, sz := range sizes {
		w, h := sz[0], sz[1]
		for _, setup := range []struct {
			name string
			keys []string
		}{
			{"following", nil},
			{"paused", []string{"g", "j"}},
			{"wrapped", []string{"w", "g", "j"}},
			{"sideways", []string{">", ">"}},
			{"search", []string{"/", "l", "o", "s", "s", "enter", "n"}},
			{"failed search", []string{"/", "n", "o", "p", "e", " ", "n", "o", "p", "e", "enter"}},
			{"typing", append([]string{"/"}, strings.Split(strings.Repeat("long query ", 20), "")...)},
		} {
			for _, src := range []output{full, empty} {
				v := open(t, src, w, h)
				press(t, v, setup.keys...)
				checkBox(t, v.View(), w, h)
				if src == full && w >= 2 && h >= 2 && strings.Count(v.View(), "\n") != h-1 {
					t.Errorf("%d×%d %s: %d lines, want %d", w, h, setup.name, strings.Count(v.View(), "\n")+1, h)
				}
			}
		}
	}
}

func TestLogViewHighlightsMatches(t *testing.T) {
	// Real colours for this test: a renderer of its own.
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	s := testStyles(t)
	s.Accent = r.NewStyle().Bold(true)
	s.Selected = r.NewStyle().Reverse(true)
	s.Muted = r.NewStyle().Faint(true)
	v := New(context.Background(), runID, newOutput(t, "a loss here\nloss and loss\nnothing\n", ""), s, DefaultKeyMap())
	v.SetSize(40, 4)
	drive(t, v, v.Refresh())
	press(t, v, "g")
	search(t, v, "loss")
	lines := strings.Split(v.View(), "\n")
	bold, rev := s.Accent.Render("loss"), s.Selected.Render("loss")
	// The search landed on line 1: its match reversed; the others bold.
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
}

func TestLogViewHelp(t *testing.T) {
	keysOf := func(v *Model) []string {
		var out []string
		for _, b := range v.ShortHelp() {
			out = append(out, b.Help().Key)
		}
		return out
	}
	v := open(t, newOutput(t, numbered(1, 100), ""), 40, 6)
	if got := keysOf(v); !slices.Equal(got, []string{"k/↑", "ctrl+u", "g", "/", "w", "M"}) {
		t.Errorf("following: %q", got)
	}
	press(t, v, "k")
	if got := keysOf(v); !slices.Equal(got, []string{"G", "j/↓", "k/↑", "g", "/", "w", "M"}) {
		t.Errorf("paused: %q", got)
	}
	press(t, v, "/")
	if got := keysOf(v); !slices.Equal(got, []string{"enter", "esc"}) {
		t.Errorf("typing: %q", got)
	}
	press(t, v, "1", "enter")
	if got := keysOf(v); !slices.Contains(got, "n") {
		t.Errorf("after a search: %q", got)
	}
	for _, row := range v.FullHelp() {
		for _, b := range row {
			if !b.Enabled() {
				t.Errorf("full help lists %q, disabled", b.Help().Key)
			}
		}
	}
}

// View only draws: it does not grow with the output.
func TestLogViewViewIsCheap(t *testing.T) {
	o := newOutput(t, numbered(1, 200000), "")
	v := open(t, o, 120, 40)
	allocs := testing.AllocsPerRun(20, func() { _ = v.View() })
	if allocs > 200 {
		t.Errorf("View allocates %.0f times", allocs)
	}
}

// slowSearch is a source whose search says how far it is, then waits for
// its context to end, as a long search does.
type slowSearch struct {
	output
	stopped chan error
}

func (s slowSearch) SearchLogs(ctx context.Context, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error {
	if err := fn(api.LogSearchEvent{Scanned: 50 << 20, Size: 200 << 20}); err != nil {
		return err
	}
	<-ctx.Done()
	s.stopped <- ctx.Err()
	return ctx.Err()
}

// A long search shows its progress; esc cancels it in the engine (its
// context ends).
func TestLogViewSearchProgressAndCancel(t *testing.T) {
	src := slowSearch{output: newOutput(t, numbered(1, 100), ""), stopped: make(chan error, 1)}
	v := open(t, src, 80, 6)
	press(t, v, "/", "x")
	_, cmd := v.Update(tea.KeyMsg{Type: tea.KeyEnter})
	_, next := v.Update(cmd())
	if s := status(v); !strings.Contains(s, "searching /x… 25% · esc stops") {
		t.Errorf("progress: %q", s)
	}
	if next == nil {
		t.Fatal("no read of the search's next event")
	}
	press(t, v, "esc")
	if err := <-src.stopped; !errors.Is(err, context.Canceled) {
		t.Errorf("the search's context: %v", err)
	}
	drive(t, v, next)
	if s := status(v); strings.Contains(s, "searching") || !v.Following() {
		t.Errorf("after esc: %q", s)
	}
}
