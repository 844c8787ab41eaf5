package tui

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
)

// Points that arrive while a run goes on move its summary's min and max as
// the engine's store moves them: a metric's first points start them, NaN
// is left out of them (NaN while every value is NaN).
func TestAddPointsMovesMinAndMax(t *testing.T) {
	nan := api.Float(math.NaN())
	st := newState(func() time.Time { return clock })
	st.setRuns([]api.Run{{ID: "r1", Name: "r1", Status: api.Running,
		Metrics: map[string]api.MetricSummary{"acc": {Last: 0.07516, Min: 0.07516, Max: 0.07516, Count: 1}}}})
	st.addPoints("r1", map[string][]api.Point{
		"acc":  {{Step: 1, Value: 0.5}, {Step: 2, Value: nan}, {Step: 3, Value: 0.7812}},
		"loss": {{Step: 1, Value: nan}},
		"lr":   {{Step: 1, Value: 0.3}, {Step: 2, Value: 0.1}, {Step: 3, Value: 0.2}},
	})
	st.addPoints("r1", map[string][]api.Point{"loss": {{Step: 2, Value: 2.5}, {Step: 3, Value: 1.5}}})
	r, _ := st.run("r1")
	same := func(a, b api.Float) bool { return a == b || (math.IsNaN(float64(a)) && math.IsNaN(float64(b))) }
	for name, want := range map[string]api.MetricSummary{
		"acc":  {Last: 0.7812, Min: 0.07516, Max: 0.7812, Count: 4, LastStep: 3},
		"loss": {Last: 1.5, Min: 1.5, Max: 2.5, Count: 3, LastStep: 3},
		"lr":   {Last: 0.2, Min: 0.1, Max: 0.3, Count: 3, LastStep: 3},
	} {
		got := r.Metrics[name]
		if !same(got.Last, want.Last) || !same(got.Min, want.Min) || !same(got.Max, want.Max) || got.Count != want.Count || got.LastStep != want.LastStep {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	st.addPoints("r1", map[string][]api.Point{"nan": {{Step: 1, Value: nan}}})
	r, _ = st.run("r1")
	if m := r.Metrics["nan"]; !math.IsNaN(float64(m.Min)) || !math.IsNaN(float64(m.Max)) {
		t.Errorf("a metric of NaN alone: %+v", m)
	}
}

// The run's overview shows the min and max the points moved.
func TestOverviewMinMaxWhileRunning(t *testing.T) {
	f := fixture()
	a := syncApp(t, f)
	press(t, a, toRun...)
	a.Update(eventMsg(api.Event{Type: api.EventPoints, RunID: "a1b2c3d4e5f6",
		Points: map[string][]api.Point{"acc": {{Step: 1201, Value: 0.9}, {Step: 1202, Value: 0.05}}}}))
	view := ansi.Strip(a.View())
	i := strings.Index(view, " acc ")
	if i < 0 {
		t.Fatalf("no acc in\n%s", view)
	}
	line := strings.Fields(view[i : i+strings.Index(view[i:], "\n")])
	if want := []string{"acc", "0.05", "0.05", "2.5", "1202"}; strings.Join(line, " ") != strings.Join(want, " ") {
		t.Errorf("acc row %v, want %v", line, want)
	}
}

// Steps count from 0: a run at its last step (total-1), or one that
// succeeded, is done; one on its way shows its furthest step.
func TestProgressStep(t *testing.T) {
	run := func(st api.Status, step int64) api.Run {
		r := api.Run{Status: st, Total: 400, Metrics: map[string]api.MetricSummary{}}
		if step >= 0 {
			r.Metrics["loss"] = api.MetricSummary{LastStep: step, Count: step + 1}
		}
		return r
	}
	for _, c := range []struct {
		r    api.Run
		want int64
	}{
		{run(api.Running, 399), 400},
		{run(api.Succeeded, 399), 400},
		{run(api.Succeeded, 390), 400}, // the last steps were not logged
		{run(api.Running, 200), 200},
		{run(api.Failed, 200), 200},
		{run(api.Running, -1), 0}, // nothing logged yet
	} {
		if got := progressStep(c.r); got != c.want {
			t.Errorf("%s at step %d: %d/400, want %d", c.r.Status, c.r.LastStep(), got, c.want)
		}
	}
}
