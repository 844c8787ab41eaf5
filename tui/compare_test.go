package tui

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/themes"
	"lathe/tui/styles"
)

// The comparison's tests run against the engine in the process: what
// differs, what is best and how runs are used are the engine's answers.

// compareMarked drives the app to the comparison of resnet-baseline (A),
// bert-diverged (B) and bert-finetune (C), then sends more.
func compareMarked(t *testing.T, e Engine, w, h int, send ...any) string {
	t.Helper()
	return drive(t, e, w, h, "Jobs:", append([]any{keys("2"), keys("jj"), keys("   "), keys("c"), "Params"}, send...)...)
}

// fields returns the words of the first line of view whose first word is
// label, nil when there is none.
func fields(view, label string) []string {
	for _, l := range strings.Split(view, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == label {
			return f
		}
	}
	return nil
}

// Runs with params none of the others has: each param is a row, "—" where
// a run lacks it; the shared ones show on d, and hide again on d.
func TestCompareDisjointParams(t *testing.T) {
	e := realEngine(t, seedFixture(func(s map[string]*seed) {
		s["resnet-baseline"].run.Params = map[string]string{"lr": "0.1", "seed": "1"}
		s["bert-diverged"].run.Params = map[string]string{"batch": "32", "seed": "1"}
		s["bert-finetune"].run.Params = map[string]string{"dropout": "0.2", "seed": "1"}
	}))
	view := compareMarked(t, e, 80, 24)
	for label, want := range map[string][]string{
		"lr": {"lr", "0.1", "—", "—"}, "batch": {"batch", "—", "32", "—"}, "dropout": {"dropout", "—", "—", "0.2"},
	} {
		if got := fields(view, label); !slices.Equal(got, want) {
			t.Errorf("row %s: %q, want %q", label, got, want)
		}
	}
	if got := fields(view, "seed"); got != nil || !strings.Contains(view, "those that differ; 1 param is the same (d shows all)") {
		t.Errorf("the shared param shows, or the mode is not said: %q\n%s", got, view)
	}

	// At 120 columns: at 80 the footer keeps esc back over d's.
	all := compareMarked(t, e, 120, 40, keys("d"), "all 4;")
	if got := fields(all, "seed"); !slices.Equal(got, []string{"seed", "1", "1", "1"}) || !strings.Contains(all, "d differing params") {
		t.Errorf("d: seed %q\n%s", got, all)
	}
	again := compareMarked(t, e, 80, 24, keys("d"), "all 4;", keys("d"), "(d shows all)")
	if got := fields(again, "seed"); got != nil {
		t.Errorf("d twice: seed %q", got)
	}
}

// A metric only one run has: "—" in the others' columns and legends; its
// curve is read from that run alone.
func TestCompareMetricOneRunLacks(t *testing.T) {
	e := realEngine(t, fixtureSeeds())
	view := compareMarked(t, e, 80, 24)
	if got := fields(view, "acc"); !slices.Equal(got, []string{"acc", "↑", "★0.81", "—", "—"}) {
		t.Errorf("acc: %q\n%s", got, view)
	}
	curves := compareMarked(t, e, 120, 40, keys("l"), "bert-finetune 0.17", keys("m"),
		"A ━━ resnet-baseline 0.81   B "+legendMark(1)+" bert-diverged —   C "+legendMark(2)+" bert-finetune —")
	if !strings.Contains(curves, "acc (1/2)") {
		t.Errorf("m goes to acc:\n%s", curves)
	}
	_, _, _, views := e.asked()
	var acc []string
	for _, v := range views {
		if strings.HasSuffix(v, " acc") {
			acc = append(acc, v)
		}
	}
	if !slices.Equal(acc, []string{"a1b2c3d4e5f6 acc"}) {
		t.Errorf("acc read from %q", acc)
	}
}

// NaN is never best: the engine skips it, and should it not, the page does.
func TestCompareNaNIsNeverBest(t *testing.T) {
	e := realEngine(t, seedFixture(func(s map[string]*seed) {
		s["bert-finetune"].points["loss"] = []float64{math.NaN(), math.NaN()}
	}))
	view := compareMarked(t, e, 80, 24)
	if got := fields(view, "loss"); !slices.Equal(got, []string{"loss", "↓", "★0.42", "9.5", "NaN"}) {
		t.Errorf("loss: %q\n%s", got, view)
	}
	e.edit = func(c *api.Comparison) {
		mc := c.Metrics["loss"]
		mc.Best = "999999999999"
		c.Metrics["loss"] = mc
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		view = compareMarked(t, e, size[0], size[1])
		if got := fields(view, "loss"); len(got) < 5 || strings.Contains(strings.Join(got, " "), "★") || !slices.Contains(got, "NaN") {
			t.Errorf("%dx%d: loss with the engine naming NaN best: %q", size[0], size[1], got)
		}
	}
}

// c and the palette need two marked runs or more; with them, the page
// compares them in the table's order.
func TestCompareNeedsTwoMarkedRuns(t *testing.T) {
	view := finalView(t, 120, 40, "Jobs:", keys("2"), keys(" "), keys("c"), "mark two runs or more with space to compare")
	if !strings.HasPrefix(view, "lathe › Runs ") || strings.Contains(view, "Compare") {
		t.Errorf("one marked run:\n%s", view)
	}
	finalView(t, 120, 40, "Jobs:", keys(":"), keys("compare the marked"), enter, "mark two runs or more with space to compare")
	e := realEngine(t, fixtureSeeds())
	view = drive(t, e, 120, 40, "Jobs:", keys("2"), "5 runs", keys("  "), keys(":"), keys("compare the marked"), enter, "Params")
	_, _, compared, _ := e.asked()
	if !strings.Contains(view, "lathe › Runs › Compare (2 runs)") || len(compared) == 0 ||
		!slices.Equal(compared[0], []string{"fedcba987654", "0123456789ab"}) {
		t.Errorf("compared %q:\n%s", compared, view)
	}
}

// Taller than the screen, the summary scrolls with j/k and says where it is.
func TestCompareScrolls(t *testing.T) {
	e := realEngine(t, seedFixture(func(s map[string]*seed) {
		for i := range 20 {
			s["resnet-baseline"].run.Params[fmt.Sprintf("p%02d", i)] = "1"
		}
	}))
	view := compareMarked(t, e, 80, 24)
	if !strings.Contains(view, "A ━━ resnet-baseline") || !strings.Contains(view, "j/k scroll") {
		t.Errorf("top:\n%s", view)
	}
	scrolled := compareMarked(t, e, 80, 24, keys("jjj"), "lines 4–")
	if strings.Contains(scrolled, "A ━━ resnet-baseline") || !strings.Contains(scrolled, "p00") {
		t.Errorf("three lines down:\n%s", scrolled)
	}
	lines := strings.Split(scrolled, "\n")
	if len(lines) != 24 {
		t.Errorf("%d lines", len(lines))
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("a line of %d cells: %q", ansi.StringWidth(l), l)
		}
	}
}

// newTestCompareView is a comparison page on an engine, loaded; the app
// knows the runs as runs says.
func newTestCompareView(t *testing.T, e Engine, runs []api.Run, ids ...string) *compareView {
	t.Helper()
	st := newState(func() time.Time { return clock })
	st.setRuns(runs)
	p, _ := themes.Load("dark")
	cp := newCompareView(context.Background(), e, st, styles.New(p), DefaultKeyMap(), ids)
	cp.SetSize(120, 38)
	drain(t, pageUpdate(cp), cp.Init())
	return cp
}

// On the app's tick, the comparison is read again, and the curves of the
// runs that go on (as the app knows them: resnet-baseline here); a view of
// another metric than the one shown changes nothing; the view is drawn
// once for all the frames between changes.
func TestCompareLiveAndStale(t *testing.T) {
	e := realEngine(t, fixtureSeeds())
	runs, err := e.Engine.Runs(context.Background(), api.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	live := slices.Clone(runs)
	live[2].Status = api.Running // resnet-baseline
	cp := newTestCompareView(t, e, live, "a1b2c3d4e5f6", "abcdefabcdef", "999999999999")
	drain(t, pageUpdate(cp), cp.showTab(curvesTab))
	_, _, compared, views := e.asked()
	if len(compared) != 1 || len(views) != 3 {
		t.Fatalf("compared %d times, %d views", len(compared), len(views))
	}
	drain(t, pageUpdate(cp), func() tea.Msg { return tickMsg(clock) })
	_, _, compared2, views2 := e.asked()
	if len(compared2) != 2 || !slices.Equal(views2[3:], []string{"a1b2c3d4e5f6 loss"}) {
		t.Errorf("after a tick: compared %d times, read %q", len(compared2), views2[3:])
	}

	before, renders := cp.View(), cp.chart.Renders()
	cp.Update(compareCurveMsg{run: "a1b2c3d4e5f6", metric: "acc", buckets: []api.Bucket{{LastStep: 1, Count: 1, Last: 99}}})
	cp.Update(compareCurveMsg{run: "fedcba987654", metric: "loss", buckets: []api.Bucket{{LastStep: 1, Count: 1, Last: 99}}})
	if after := cp.View(); after != before || cp.chart.Renders() != renders || strings.Contains(after, "99") {
		t.Errorf("a stale view was drawn:\n%s", after)
	}

	// Ended runs only: a tick reads nothing.
	done := newTestCompareView(t, e, runs, "abcdefabcdef", "999999999999")
	if _, cmd := done.Update(tickMsg(clock)); cmd != nil {
		t.Errorf("a tick on ended runs reads again")
	}
}

// Numbers are never cut with …: the runs table and the comparison write
// the digits that fit, in exponent form when that keeps more.
func TestNumbersNeverCut(t *testing.T) {
	e := realEngine(t, seedFixture(func(s map[string]*seed) {
		s["resnet-baseline"].points["loss"] = []float64{2.5, 1.913e-5}
		s["bert-diverged"].points["loss"] = []float64{2.5, 0.0073456}
		s["bert-finetune"].points["loss"] = []float64{2.5, 123456.7}
	}))
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		view := compareMarked(t, e, size[0], size[1])
		loss := fields(view, "loss")
		row := strings.Join(loss, " ")
		if len(loss) < 5 || strings.Contains(row, "…") || !strings.Contains(row, "★1.9") || !strings.Contains(row, "e-5") ||
			!strings.Contains(row, " 0.007") || !strings.Contains(row, " 1.2e5") && !strings.Contains(row, " 123457") {
			t.Errorf("%dx%d compare: loss %q\n%s", size[0], size[1], loss, view)
		}
		runs := drive(t, e, size[0], size[1], "Jobs:", keys("2"), "5 runs")
		for _, want := range []string{"1.91e-5", "0.00735", "123457"} {
			if !strings.Contains(runs, want) {
				t.Errorf("%dx%d runs table: no %s\n%s", size[0], size[1], want, runs)
			}
		}
	}
}

// A column narrowed to share the width keeps its numbers whole.
func TestCompareCellFit(t *testing.T) {
	for _, c := range []struct {
		cell compareCell
		w    int
		want string
	}{
		{numbersCell(true, 1.913e-5), 6, "★2e-5"},
		{numbersCell(true, 1.913e-5), 8, "★1.91e-5"},
		{numbersCell(false, 0.0073456, 0.001, 2.5), 20, "0.0073  0.001    2.5"},
	} {
		if got := c.cell.fit(c.w); got != c.want || ansi.StringWidth(got) > c.w {
			t.Errorf("fit(%d) = %q, want %q", c.w, got, c.want)
		}
	}
}
