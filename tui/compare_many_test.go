package tui

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"lathe/store"
	"lathe/themes"
	"lathe/tui/chart"
	"lathe/tui/styles"
)

// sweepSeeds are n ended runs of a sweep, sweep-00 newest: lr differs in
// each, seed only in sweep-02, and each has a loss.
func sweepSeeds(n int) []seed {
	var seeds []seed
	for i := range n {
		started, ended := clock.Add(-time.Duration(n-i+10)*time.Minute), clock.Add(-time.Duration(n-i)*time.Minute)
		r := store.Run{ID: fmt.Sprintf("%012d", 100+i), Name: fmt.Sprintf("sweep-%02d", i), Experiment: "sweep",
			Status: store.Succeeded, Created: clock.Add(-time.Duration(i+20) * time.Minute), Started: &started, Ended: &ended,
			Command: []string{"python3", "train.py"},
			Params:  map[string]string{"lr": fmt.Sprintf("0.%03d", i+1), "seed": "1", "layers": fmt.Sprint(2 + i%3)}}
		if i == 2 {
			r.Params["seed"] = "2"
		}
		seeds = append(seeds, seed{run: r, points: map[string][]float64{"loss": {2, 1 / float64(i+2)}}})
	}
	return seeds
}

// driveWith is drive with the app's styles from a theme.
func driveWith(t *testing.T, theme string, e Engine, w, h int, send ...any) string {
	t.Helper()
	p, err := themes.Load(theme)
	if err != nil {
		t.Fatal(err)
	}
	app := New(e, Options{Styles: styles.New(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock }, Cwd: "/work/exp"})
	return driveApp(t, app, w, h, send...)
}

// driveApp drives an app at a size: a string among the messages is waited
// for in the output; it returns the last view.
func driveApp(t *testing.T, app *App, w, h int, send ...any) string {
	t.Helper()
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(w, h))
	for _, m := range send {
		switch m := m.(type) {
		case string:
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(m)) }, teatest.WithDuration(5*time.Second))
		case tea.Msg:
			tm.Send(m)
		}
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	return tm.FinalModel(t).View()
}

// Twelve runs compared at 80 columns: the legend lists every one, wrapped
// onto lines; space hides the run under the legend's cursor (off in the
// legend, out of the summary's columns, and a param that differed only in
// it is the same); p pins it, drawn last, over the others.
func TestCompareManyRuns(t *testing.T) {
	e := realEngine(t, sweepSeeds(12))
	toCurves := []any{"Jobs:", keys("2"), "12 runs", keys("A"), keys("c"), "Params", keys("l"), "sweep-11"}
	view := driveWith(t, "dark", e, 80, 24, toCurves...)
	for i := range 12 {
		if want := fmt.Sprintf("%s %s sweep-%02d", runLetter(i), legendMark(i), i); !strings.Contains(view, want) {
			t.Errorf("no %q in the legend:\n%s", want, view)
		}
	}

	hidden := driveWith(t, "dark", e, 80, 24, append(slices.Clone(toCurves), keys("jj"), keys(" "), "off", keys("h"), "Params")...)
	if !strings.Contains(hidden, "C "+legendMark(2)+" sweep-02") || !strings.Contains(hidden, "hidden (space on the curves shows it)") {
		t.Errorf("C hidden, the summary's runs:\n%s", hidden)
	}
	if got := fields(hidden, "seed"); got != nil {
		t.Errorf("seed differs only in the hidden run, yet shows as differing: %q\n%s", got, hidden)
	}
	if !strings.Contains(hidden, "those that differ; 1 param is the same") {
		t.Errorf("the params' header with C hidden:\n%s", hidden)
	}
	shown := driveWith(t, "dark", e, 120, 40, "Jobs:", keys("2"), "12 runs", keys("A"), keys("c"), "Params")
	if got := fields(shown, "seed"); len(got) < 2 || !slices.Contains(got, "2") {
		t.Errorf("seed differs in C, shown: %q\n%s", got, shown)
	}
}

// The pinned run is drawn last (on top), hidden runs not at all; the
// legend marks the pin; and the last run shown cannot be hidden.
func TestComparePinAndToggle(t *testing.T) {
	c := syncCompare(t, sweepSeeds(5))
	press := func(ks ...string) {
		for _, k := range ks {
			c.Update(keyMsg(t, k))
		}
	}
	press("l", "j", "p")
	if got := c.drawOrder(); !slices.Equal(got, []int{0, 2, 3, 4, 1}) {
		t.Errorf("B pinned: drawn in %v", got)
	}
	if !strings.Contains(c.View(), "sweep-01 0.3333 ▲") {
		t.Errorf("the pin in the legend:\n%s", c.View())
	}
	press("j", " ")
	if got := c.drawOrder(); !slices.Equal(got, []int{0, 3, 4, 1}) {
		t.Errorf("C hidden: drawn in %v", got)
	}
	press("p")
	if got := c.drawOrder(); !slices.Equal(got, []int{0, 1, 3, 4}) || c.pinned != c.runs[2].ID {
		t.Errorf("p on hidden C pins it in B's place but does not draw it: %v, pinned %q", got, c.pinned)
	}
	for range 5 {
		press(" ", "j")
	}
	if n := len(c.shown()); n == 0 {
		t.Error("every run hidden")
	}
	if runLetter(25) != "Z" || runLetter(26) != "AA" || runLetter(27) != "AB" || runLetter(52) != "BA" {
		t.Errorf("letters: %s %s %s %s", runLetter(25), runLetter(26), runLetter(27), runLetter(52))
	}
}

// Without colour each run has a mark of its own in the legend, none
// alike among 12 runs.
func TestCompareMarksWithoutColour(t *testing.T) {
	e := realEngine(t, sweepSeeds(12))
	view := driveWith(t, "no-colour", e, 120, 40, "Jobs:", keys("2"), "12 runs", keys("A"), keys("c"), "Params", keys("l"), "sweep-11")
	seen := map[string]string{}
	for i := range 12 {
		letter := runLetter(i)
		at := strings.Index(view, " "+letter+" ")
		if i == 0 {
			at = strings.Index(view, "›A ")
		}
		if at < 0 {
			t.Fatalf("no %s in the legend:\n%s", letter, view)
		}
		mark := strings.Fields(view[at+1+len(letter):])[0]
		if other, ok := seen[mark]; ok {
			t.Errorf("%s and %s share the mark %q", other, letter, mark)
		}
		seen[mark] = letter
	}
}

// syncCompare is the comparison of every seeded run on the engine in the
// process, at 120×40, loaded.
func syncCompare(t *testing.T, seeds []seed) *compareView {
	t.Helper()
	e := realEngine(t, seeds)
	p, _ := themes.Load("dark")
	st := newState(nil)
	st.now = func() time.Time { return clock }
	var ids []string
	for _, s := range seeds {
		ids = append(ids, s.run.ID)
	}
	c := newCompareView(t.Context(), e, st, styles.New(p), DefaultKeyMap(), ids)
	c.SetSize(120, 40)
	drain(t, pageUpdate(c), c.Init())
	_, cmd := c.Update(keyMsg(t, "l"))
	drain(t, pageUpdate(c), cmd)
	c.Update(keyMsg(t, "h"))
	return c
}

// legendMark is the legend's mark of run i in the tests' terminal, which
// has no colour: a line for the first, then each run's own mark.
func legendMark(i int) string {
	p, _ := themes.Load("dark")
	return chart.LegendMark(styles.New(p), i)
}
