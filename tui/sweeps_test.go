package tui

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"lathe/engine/api"
	"lathe/store"
	"lathe/themes"
	"lathe/tui/styles"
)

// The fake engine's sweeps: canned, found by id or name; a stop or a
// resume changes the canned sweep's state as the engine would, and is
// noted.

func (f *fakeEngine) Sweeps(context.Context) ([]api.Sweep, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweepReads++
	return slices.Clone(f.sweeps), nil
}

func (f *fakeEngine) sweepIndex(ref string) (int, error) {
	i := slices.IndexFunc(f.sweeps, func(s api.Sweep) bool { return s.ID == ref || s.Name == ref })
	if i < 0 {
		return i, api.Errorf(api.ErrNotFound, "no sweep %s", ref)
	}
	return i, nil
}

func (f *fakeEngine) Sweep(_ context.Context, ref string) (api.Sweep, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweepReads++
	i, err := f.sweepIndex(ref)
	if err != nil {
		return api.Sweep{}, err
	}
	return f.sweeps[i], nil
}

// sweepStep notes a stop or a resume ("stop ID kill") and sets the
// sweep's state, or refuses with sweepErr.
func (f *fakeEngine) sweepStep(step, ref, state, reason string) (api.Sweep, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweepSteps = append(f.sweepSteps, step)
	if f.sweepErr != nil {
		return api.Sweep{}, f.sweepErr
	}
	i, err := f.sweepIndex(ref)
	if err != nil {
		return api.Sweep{}, err
	}
	f.sweeps[i].State, f.sweeps[i].Reason = state, reason
	return f.sweeps[i], nil
}

func (f *fakeEngine) StopSweep(_ context.Context, ref string, kill bool) (api.Sweep, error) {
	if kill {
		return f.sweepStep("stop "+ref+" kill", ref, api.SweepStopped, "stopped, its running trials killed")
	}
	return f.sweepStep("stop "+ref, ref, api.SweepStopped, "stopped with lathe sweep stop")
}

func (f *fakeEngine) ResumeSweep(_ context.Context, ref string) (api.Sweep, error) {
	return f.sweepStep("resume "+ref, ref, api.SweepRunning, "")
}

// The sweeps of withSweeps, by id.
const (
	lrSearch      = "5ee9a0000001"
	batchGrid     = "5ee9a0000002"
	dropoutRandom = "5ee9a0000003"
)

// withSweeps gives the fixture three sweeps, newest first: lr-search,
// running, 7 of its 12 trials started (2 done, 2 stopped early, 1
// failed, 2 running; #3 the best), with early stopping; dropout-random,
// stopped, none running; batch-grid, a whole grid, done. lr-search's
// trials are runs of the fixture, which the filter of its id keeps.
func withSweeps(f *fakeEngine) {
	type trial struct {
		state, lr, batch string
		value            float64
		rung             int
		reason           string
	}
	nan := math.NaN()
	trials := []trial{
		{api.TrialDone, "0.001", "32", 0.91, 2, ""},
		{api.TrialStopped, "0.1", "64", 0.42, 0, "stopped early at step 100: acc 0.42, rung cutoff 0.61"},
		{api.TrialDone, "0.01", "32", 0.9722, 2, ""},
		{api.TrialFailed, "0.3", "128", nan, -1, "exit code 1"},
		{api.TrialStopped, "0.05", "64", 0.58, 1, "stopped early at step 200: acc 0.58, rung cutoff 0.74"},
		{api.TrialRunning, "0.003", "32", 0.88, 1, ""},
		{api.TrialRunning, "0.02", "128", 0.7, 0, ""},
	}
	status := map[string]api.Status{api.TrialDone: api.Succeeded, api.TrialStopped: api.Killed,
		api.TrialFailed: api.Failed, api.TrialRunning: api.Running}
	lr := api.Sweep{ID: lrSearch, Name: "lr-search", File: "sweeps/lr.toml", Experiment: "digits", State: api.SweepRunning,
		Metric: "acc", Direction: "max", Method: "tpe", MaxTrials: 12, Parallel: 2, EarlyStop: "asha", Rungs: []int64{100, 200, 400},
		User: "ada", Created: clock.Add(-40 * time.Minute), Running: 2, Done: 2, Stopped: 2, Failed: 1}
	var runs []api.Run
	for i, tr := range trials {
		n := i + 1
		id := fmt.Sprintf("7a100000000%d", n)
		name := "lr-search-" + strconv.Itoa(n)
		params := map[string]string{"lr": tr.lr, "batch": tr.batch}
		lr.Trials = append(lr.Trials, api.SweepTrial{Trial: n, Run: id, Name: name, Params: params, State: tr.state,
			Value: api.Float(tr.value), Rung: tr.rung, Reason: tr.reason})
		started := clock.Add(-time.Duration(40-4*n) * time.Minute)
		r := api.Run{ID: id, Name: name, Experiment: "digits", Status: status[tr.state], Reason: tr.reason, Created: started,
			Started: &started, Command: []string{"python3", "train.py"}, Params: params,
			Tags:    map[string]string{"sweep": "lr-search", sweepIDTag: lrSearch, "trial": strconv.Itoa(n)},
			Metrics: map[string]api.MetricSummary{}}
		if !math.IsNaN(tr.value) {
			r.Metrics["acc"] = api.MetricSummary{Last: api.Float(tr.value), Min: 0.1, Max: api.Float(tr.value), Count: 40, LastStep: 1199}
		}
		if tr.state != api.TrialRunning {
			ended := started.Add(3 * time.Minute)
			r.Ended = &ended
		}
		runs = append(runs, r)
	}
	best := lr.Trials[2]
	lr.Best = &best

	ended := clock.Add(-2 * time.Hour)
	grid := api.Sweep{ID: batchGrid, Name: "batch-grid", File: "sweeps/batch.toml", Experiment: "digits", State: api.SweepDone,
		Metric: "loss", Direction: "min", Method: "grid", Parallel: 4, User: "ada", Created: clock.Add(-3 * time.Hour), Ended: &ended, Done: 4}
	for i, v := range []float64{0.31, 0.21, 0.25, 0.4} {
		grid.Trials = append(grid.Trials, api.SweepTrial{Trial: i + 1, Run: fmt.Sprintf("9b100000000%d", i+1),
			Name: fmt.Sprintf("batch-grid-%d", i+1), Params: map[string]string{"batch": strconv.Itoa(16 << i)},
			State: api.TrialDone, Value: api.Float(v), Rung: -1})
	}
	gridBest := grid.Trials[1]
	grid.Best = &gridBest

	dropout := api.Sweep{ID: dropoutRandom, Name: "dropout-random", File: "sweeps/dropout.toml", Experiment: "digits",
		State: api.SweepStopped, Reason: "stopped with lathe sweep stop", Metric: "acc", Direction: "max", Method: "random",
		MaxTrials: 20, Parallel: 2, User: "ada", Created: clock.Add(-2 * time.Hour), Done: 2, Failed: 1}
	for i, tr := range []trial{{api.TrialDone, "", "0.1", 0.8, -1, ""}, {api.TrialDone, "", "0.3", 0.85, -1, ""},
		{api.TrialFailed, "", "0.5", nan, -1, "exit code 137"}} {
		dropout.Trials = append(dropout.Trials, api.SweepTrial{Trial: i + 1, Run: fmt.Sprintf("8c100000000%d", i+1),
			Name: fmt.Sprintf("dropout-random-%d", i+1), Params: map[string]string{"dropout": tr.batch},
			State: tr.state, Value: api.Float(tr.value), Rung: -1, Reason: tr.reason})
	}
	dropoutBest := dropout.Trials[1]
	dropout.Best = &dropoutBest

	f.sweeps = []api.Sweep{lr, dropout, grid}
	f.runs = append(f.runs, runs...)
	f.filtered = map[string][]api.Run{`tags.sweep_id = "` + lrSearch + `"`: runs}
}

// sweepFixture is the fixture with withSweeps' sweeps.
func sweepFixture() *fakeEngine {
	f := fixture()
	withSweeps(f)
	return f
}

// sweepApp is the app on the sweeps' fixture at a size, loaded, with the
// keys pressed.
func sweepApp(t *testing.T, f *fakeEngine, w, h int, ks ...string) *App {
	t.Helper()
	a := syncApp(t, f)
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	press(t, a, ks...)
	return a
}

// The sweeps' pages at 120×40 and 80×24: the list, a sweep (with its
// curves under the leaderboard when they fit), the curves in place of the
// leaderboard (c).
func TestSweepPages(t *testing.T) {
	pages := []struct {
		name  string
		keys  []string
		wants []string
	}{
		{"sweeps", []string{"5"}, []string{"lathe › Sweeps", "lr-search", "running", "dropout-random", "stopped", "batch-grid", "done",
			"5/12", "3/20", "4/4", "acc=0.9722 #3", "loss=0.21 #2", "3 sweeps", "█ done", "▒ stopped early", "enter open"}},
		{"sweep", []string{"5", "enter"}, []string{"lathe › Sweeps › lr-search", "running", "sweeps/lr.toml", "experiment digits",
			"acc ↑ (higher is better)", "tpe", "12 trials, 2 at once", "early stopping (asha) at steps 100, 200, 400",
			"2 done · 2 stopped early · 1 failed · 2 running", "★ best acc=0.9722 #3", "acc ↑▼", "lr-search-3", "esc back",
			"#3 lr-search-3 · done · batch=32 lr=0.01 · enter opens its run"}},
		{"sweep-curves", []string{"5", "enter", "c"}, []string{"lathe › Sweeps › lr-search", "★#3 0.9722", "#6 0.88", "#7 0.7",
			"┆ rungs", "c leaderboard"}},
	}
	for _, pg := range pages {
		for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
			t.Run(pg.name+"/"+itoa(size.w)+"x"+itoa(size.h), func(t *testing.T) {
				view := sweepApp(t, sweepFixture(), size.w, size.h, pg.keys...).View()
				for _, want := range pg.wants {
					if !strings.Contains(view, want) {
						t.Errorf("%s lacks %q", pg.name, want)
					}
				}
				lines := strings.Split(view, "\n")
				if len(lines) != size.h {
					t.Errorf("%d lines on a %d-line terminal", len(lines), size.h)
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > size.w {
						t.Errorf("line %d is %d cells wide: %q", i, w, l)
					}
				}
				golden.RequireEqual(t, []byte(view))
			})
		}
	}
	// At 120×40 the curves fit under the leaderboard, with a mark at each
	// rung the trials reached; at 80×24 c shows them.
	if v := sweepApp(t, sweepFixture(), 120, 40, "5", "enter").View(); !strings.Contains(v, "★#3 0.9722") || strings.Count(v, "┆") < 10 {
		t.Errorf("no curves under the leaderboard at 120×40:\n%s", v)
	}
	if v := sweepApp(t, sweepFixture(), 80, 24, "5", "enter").View(); strings.Contains(v, "┆ rungs") {
		t.Errorf("curves squeezed under the leaderboard at 80×24:\n%s", v)
	}
}

// Without sweeps the page says how to start one, in a line.
func TestSweepsEmpty(t *testing.T) {
	v := sweepApp(t, fixture(), 80, 24, "5").View()
	if !strings.Contains(v, "no sweeps yet: start one with `lathe sweep start FILE`") {
		t.Errorf("the empty page:\n%s", v)
	}
}

// With NO_COLOR (the no-colour theme) on a terminal of colours, the
// sweeps read by their words and marks: the best's star, the states, the
// bar's runes; nothing is told by colour alone.
func TestSweepNoColour(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	p, err := themes.Load("dark")
	if err != nil || !p.Colourless() {
		t.Fatalf("NO_COLOR gave %+v, %v", p, err)
	}
	a := New(sweepFixture(), Options{Styles: styles.New(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock }})
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for _, cmd := range []tea.Cmd{a.loadRuns(), loadSweeps} {
		runCmd(t, a, cmd)
	}
	press(t, a, "5")
	list := a.View()
	press(t, a, "enter", "j")
	page := a.View()
	for _, v := range []string{list, page} {
		if strings.Contains(v, "38;") {
			t.Errorf("a colour without colour:\n%q", v)
		}
	}
	list, page = ansi.Strip(list), ansi.Strip(page)
	for _, want := range []string{"running", "stopped", "done", "██", "▒", "✗", "▓"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q:\n%s", want, list)
		}
	}
	// The best is the first row (by value), the cursor on the second.
	var best string
	for _, l := range strings.Split(page, "\n") {
		if strings.Contains(l, "lr-search-3") && !strings.HasPrefix(l, "#") {
			best = l
			break
		}
	}
	if !strings.HasPrefix(best, "  ★      3 lr-search-3") || !strings.Contains(best, "done") {
		t.Errorf("the best's row: %q\n%s", best, page)
	}
	for _, want := range []string{"› ", "stopped", "failed", "running", "★ best acc=0.9722 #3", "#1 lr-search-1 · done"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
}

// lineWith is the first line of a view that holds s.
func lineWith(view, s string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// trialOrder is the trials' numbers in the leaderboard's order.
func trialOrder(view string) []int {
	var out []int
	for _, l := range strings.Split(view, "\n") {
		fields := strings.Fields(strings.TrimLeft(l, "›★ "))
		if len(fields) < 2 || !strings.HasPrefix(fields[1], "lr-search-") {
			continue
		}
		if n, err := strconv.Atoi(fields[0]); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// o cycles the leaderboard's sort: the value best first (the sweep's
// direction, no value last), the trial's number, each param (as numbers),
// and back; the header marks the column.
func TestSweepSort(t *testing.T) {
	a := sweepApp(t, sweepFixture(), 120, 40, "5", "enter")
	steps := []struct {
		head  string
		order []int
		next  string
	}{
		{"acc ↑▼", []int{3, 1, 6, 7, 5, 2, 4}, "sort by trial"},
		{"TRIAL▲", []int{1, 2, 3, 4, 5, 6, 7}, "sort by batch"},
		{"batch▲", []int{1, 3, 6, 2, 5, 4, 7}, "sort by lr"},
		{"lr▲", []int{1, 6, 3, 7, 5, 2, 4}, "sort by value"},
		{"acc ↑▼", []int{3, 1, 6, 7, 5, 2, 4}, "sort by trial"},
	}
	for i, st := range steps {
		if i > 0 {
			press(t, a, "o")
		}
		v := a.View()
		if got := trialOrder(v); !strings.Contains(v, st.head) || !slices.Equal(got, st.order) {
			t.Errorf("sort %d: %v, want %v under %q:\n%s", i, got, st.order, st.head, v)
		}
		if got := a.pages[sweepPage].(*sweepView).sortKey().Help().Desc; got != st.next {
			t.Errorf("sort %d: o says %q, want %q", i, got, st.next)
		}
	}
	// A sweep whose metric is better lower sorts up.
	grid := sweepApp(t, sweepFixture(), 120, 40, "5", "G", "enter")
	var batches []string
	for _, l := range strings.Split(grid.View(), "\n") {
		if f := strings.Fields(strings.TrimLeft(l, "›★ ")); len(f) > 1 && strings.HasPrefix(f[1], "batch-grid-") && !strings.HasPrefix(f[0], "#") {
			batches = append(batches, f[1])
		}
	}
	if want := []string{"batch-grid-2", "batch-grid-3", "batch-grid-1", "batch-grid-4"}; !slices.Equal(batches, want) {
		t.Errorf("by loss, lower first: %v", batches)
	}
}

// The trial under the cursor says why it stopped.
func TestSweepTrialReason(t *testing.T) {
	a := sweepApp(t, sweepFixture(), 80, 24, "5", "enter", "o", "g", "j")
	lines := strings.Split(a.View(), "\n")
	if last := lines[len(lines)-2]; !strings.HasPrefix(last, "#2 lr-search-2 · stopped: stopped early at step 100: acc 0.42") {
		t.Errorf("the line of a trial stopped early (over the footer): %q", last)
	}
}

// s asks, then has the engine stop the sweep; r resumes it; x and K ask,
// then stop it and kill its running trials; each says what it did, or
// the engine's refusal.
func TestSweepStopAndResume(t *testing.T) {
	f := sweepFixture()
	a := sweepApp(t, f, 120, 40, "5", "enter", "s")
	if v := a.View(); !strings.Contains(v, "stop lr-search? it starts no more trials; its 2 running trials go on, and r resumes it y/n") {
		t.Fatalf("s asks nothing:\n%s", v)
	}
	press(t, a, "n")
	if len(f.sweepSteps) != 0 {
		t.Fatalf("n stopped it: %v", f.sweepSteps)
	}
	press(t, a, "s", "y")
	v := a.View()
	if !slices.Equal(f.sweepSteps, []string{"stop " + lrSearch}) || !strings.Contains(v, "stopped lr-search: it starts no more trials; r resumes it") ||
		!strings.Contains(v, "lr-search  stopped — stopped with lathe sweep stop") {
		t.Fatalf("after s, y: %v\n%s", f.sweepSteps, v)
	}
	// The list says it too.
	if l := lineWith(sweepApp(t, f, 120, 40, "5").View(), "lr-search"); !strings.Contains(l, " stopped ") {
		t.Errorf("the list after the stop: %q", l)
	}
	press(t, a, "r")
	if v := a.View(); !slices.Equal(f.sweepSteps[1:], []string{"resume " + lrSearch}) || !strings.Contains(v, "resumed lr-search: it starts trials again") {
		t.Errorf("r: %v\n%s", f.sweepSteps, v)
	}
	for _, k := range []string{"x", "K"} {
		f.sweepSteps = nil
		press(t, a, k)
		if v := a.View(); !strings.Contains(v, "stop lr-search and kill its 2 running trials? y/n") {
			t.Fatalf("%s asks nothing:\n%s", k, v)
		}
		press(t, a, "y")
		if v := a.View(); !slices.Equal(f.sweepSteps, []string{"stop " + lrSearch + " kill"}) || !strings.Contains(v, "stopped lr-search and killed its 2 running trials") {
			t.Errorf("%s, y: %v\n%s", k, f.sweepSteps, v)
		}
		press(t, a, "r")
	}
	// The engine's refusal, as it says it.
	f.sweepErr = api.Errorf(api.ErrConflict, "sweep lr-search is done: start it again from its file (lathe sweep start)")
	press(t, a, "s", "y")
	if v := a.View(); !strings.Contains(v, "sweep lr-search is done: start it again from its file (lathe sweep start)") {
		t.Errorf("the refusal:\n%s", v)
	}
	// A stopped sweep resumes, or stops for good; a done one does neither.
	stopped := sweepApp(t, sweepFixture(), 120, 40, "5", "j", "enter")
	if v := stopped.View(); !strings.Contains(v, "r resume") || strings.Contains(v, "s stop") || !strings.Contains(v, "x/K") {
		t.Errorf("the keys of a stopped sweep:\n%s", v)
	}
	done := sweepApp(t, sweepFixture(), 120, 40, "5", "G", "enter")
	if v := done.View(); strings.Contains(v, "r resume") || strings.Contains(v, "s stop") || strings.Contains(v, "x/K") {
		t.Errorf("the keys of a done sweep:\n%s", v)
	}
}

// enter opens the trial's run over the sweep's page, and esc goes back to
// it; so does enter in the trials' scatter.
func TestSweepOpensTrial(t *testing.T) {
	a := sweepApp(t, sweepFixture(), 120, 40, "5", "enter", "j", "enter")
	if v := a.View(); a.active != trialPage || !strings.Contains(v, "lathe › Sweeps › lr-search › lr-search-1") || !strings.Contains(v, "[overview]") {
		t.Fatalf("enter on trial 1:\n%s", v)
	}
	press(t, a, "esc")
	if v := a.View(); a.active != sweepPage || !strings.Contains(v, "#1 lr-search-1 · done") {
		t.Fatalf("esc from the trial:\n%s", v)
	}
	press(t, a, "esc")
	if a.active != sweepsPage {
		t.Errorf("esc from the sweep: page %d", a.active)
	}
}

// S reads the trials' runs (the filter of the sweep's id) and opens their
// scatter, the sweep's metric on Y; P the parallel coordinates; enter in
// them opens a trial's run over the sweep.
func TestSweepScatter(t *testing.T) {
	a := sweepApp(t, sweepFixture(), 120, 40, "5", "enter", "S")
	v := a.View()
	if a.active != trialScatterPage || !strings.Contains(v, "lathe › Sweeps › lr-search › Scatter (7 runs)") ||
		!strings.Contains(v, "acc against lr · 7 runs (trials of lr-search) · 1 without both, not plotted") {
		t.Fatalf("S:\n%s", v)
	}
	press(t, a, "enter")
	if v := a.View(); a.active != trialPage || !strings.Contains(v, "lathe › Sweeps › lr-search › ") {
		t.Fatalf("enter in the scatter:\n%s", v)
	}
	press(t, a, "esc", "P")
	if v := a.View(); a.active != trialScatterPage || !strings.Contains(v, "parallel coordinates: params → acc · 7 runs (trials of lr-search)") {
		t.Errorf("P:\n%s", v)
	}
	// The engine's refusal of the filter shows as a line.
	f := sweepFixture()
	f.filtered = nil
	b := sweepApp(t, f, 120, 40, "5", "enter", "S")
	if v := b.View(); b.active != sweepPage || !strings.Contains(v, "the trials' runs cannot be read: the fake engine does not filter") {
		t.Errorf("a refused filter:\n%s", v)
	}
}

// The sweeps page reads the list every 2 s while it is shown (the app
// gives it the clock's ticks only then), and when a run event of a trial
// comes; the sweep page its sweep likewise.
func TestSweepsFollowTheEngine(t *testing.T) {
	f := sweepFixture()
	a := sweepApp(t, f, 120, 40)
	reads := func() int { f.mu.Lock(); defer f.mu.Unlock(); n := f.sweepReads; f.sweepReads = 0; return n }
	reads()
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tickAt := func(d time.Duration) { runCmd(t, a, a.tickPage(tickMsg(t0.Add(d)))) }
	tickAt(0)
	if n := reads(); n != 0 {
		t.Errorf("the dashboard's tick read the sweeps %d times", n)
	}
	press(t, a, "5")
	for _, c := range []struct {
		d     time.Duration
		reads int
	}{{0, 1}, {time.Second, 0}, {2 * time.Second, 1}, {3 * time.Second, 0}, {4500 * time.Millisecond, 1}} {
		tickAt(c.d)
		if n := reads(); n != c.reads {
			t.Errorf("a tick at %v read %d times, want %d", c.d, n, c.reads)
		}
	}
	// A trial ends: its event has the list read again, and shows it.
	f.mu.Lock()
	f.sweeps[0].Running, f.sweeps[0].Done = 1, 3
	f.sweeps[0].Trials = slices.Clone(f.sweeps[0].Trials)
	f.sweeps[0].Trials[5].State = api.TrialDone
	run := f.runs[len(f.runs)-2] // lr-search-6
	f.mu.Unlock()
	run.Status = api.Succeeded
	runCmd(t, a, a.apply(api.Event{Type: api.EventRun, Run: &run}))
	if v := a.View(); !strings.Contains(v, "6/12") {
		t.Errorf("after trial 6 ended:\n%s", v)
	}
	// A run of no sweep asks nothing.
	reads()
	other := f.runs[0]
	runCmd(t, a, a.apply(api.Event{Type: api.EventRun, Run: &other}))
	if n := reads(); n != 0 {
		t.Errorf("a run of no sweep read the sweeps %d times", n)
	}
	// On the sweep's page, the event reads the sweep (and the list).
	press(t, a, "enter")
	reads()
	runCmd(t, a, a.apply(api.Event{Type: api.EventRun, Run: &run}))
	if n := reads(); n != 2 {
		t.Errorf("an event on the sweep's page read %d times, want the sweep and the list", n)
	}
	if v := a.View(); !strings.Contains(v, "3 done · 2 stopped early · 1 failed · 1 running") {
		t.Errorf("the sweep after trial 6 ended:\n%s", v)
	}
}

// The palette goes to a sweep by its name.
func TestPaletteOpensASweep(t *testing.T) {
	a := sweepApp(t, sweepFixture(), 120, 40, ":", "d", "r", "o", "p")
	if v := a.View(); !strings.Contains(v, "sweep dropout-random · stopped, 3/20 ended") {
		t.Fatalf("the palette:\n%s", v)
	}
	press(t, a, "enter")
	if v := a.View(); a.active != sweepPage || !strings.Contains(v, "lathe › Sweeps › dropout-random") {
		t.Errorf("enter on the sweep:\n%s", v)
	}
}

// shares splits the bar in proportion, and a state of one trial among
// many still shows.
func TestShares(t *testing.T) {
	for _, c := range []struct {
		counts    []int
		total, w  int
		want      []int
		wantTotal int
	}{
		{[]int{2, 2, 1, 2}, 12, 16, []int{3, 2, 2, 2}, 9},
		{[]int{4, 0, 0, 0}, 4, 16, []int{16, 0, 0, 0}, 16},
		{[]int{98, 0, 1, 1}, 100, 10, []int{8, 0, 1, 1}, 10},
		{[]int{0, 0, 0, 0}, 0, 16, []int{0, 0, 0, 0}, 0},
	} {
		got := shares(c.counts, c.total, c.w)
		sum := 0
		for _, n := range got {
			sum += n
		}
		if !slices.Equal(got, c.want) || sum != c.wantTotal {
			t.Errorf("shares(%v, %d, %d) = %v, want %v", c.counts, c.total, c.w, got, c.want)
		}
	}
}

// The best after each ended trial, by number, in the sweep's direction.
func TestBestSoFar(t *testing.T) {
	f := sweepFixture()
	got := bestSoFar(f.sweeps[0]) // trials 1–5 ended: 0.91, 0.42, 0.9722, NaN, 0.58
	want := []float64{0.91, 0.91, 0.9722, 0.9722, 0.9722}
	if !slices.Equal(got, want) {
		t.Errorf("lr-search: %v, want %v", got, want)
	}
	if got := bestSoFar(f.sweeps[2]); !slices.Equal(got, []float64{0.31, 0.21, 0.21, 0.21}) {
		t.Errorf("batch-grid (lower is better): %v", got)
	}
}

// The sweeps on the engine in the process: a stopped sweep recorded with
// its two trials' runs is listed and shown; S reads its trials through
// the engine's filter of its id; x stops it for good.
func TestSweepsOnTheEngine(t *testing.T) {
	const id = "5ee9a00000aa"
	seeds := seedFixture(nil)
	at := func(d time.Duration) *time.Time { t := clock.Add(-d); return &t }
	for i, x := range []string{"1", "2"} {
		r := store.Run{ID: fmt.Sprintf("7e000000000%d", i+1), Name: "s-" + x, Experiment: "default", Status: store.Succeeded,
			Created: clock.Add(-time.Hour), Started: at(time.Hour), Ended: at(50 * time.Minute), Command: []string{"true"},
			Params: map[string]string{"x": x}, Tags: map[string]string{"sweep": "s", sweepIDTag: id, "trial": strconv.Itoa(i)}}
		seeds = append(seeds, seed{run: r, points: map[string][]float64{"score": {1, float64(i + 1)}}})
	}
	file := `name = "s"
command = ["/bin/sh", "-c", "true"]
metric = "score"
direction = "max"
method = "grid"
parallel = 1
[params]
x = { values = [1, 2, 3] }
`
	e := realEngineWith(t, seeds, func(tx *store.Tx) error {
		return tx.PutSweep(&store.Sweep{ID: id, Name: "s", File: "/x/s.toml", TOML: file, Experiment: "default",
			State: api.SweepStopped, Reason: "stopped with lathe sweep stop", Cwd: os.TempDir(), User: "ada", Created: clock.Add(-time.Hour),
			Trials: []store.SweepTrial{
				{Number: 0, Run: "7e0000000001", Params: map[string]string{"x": "1"}, State: api.TrialDone, Value: 1, Rung: -1},
				{Number: 1, Run: "7e0000000002", Params: map[string]string{"x": "2"}, State: api.TrialDone, Value: 2, Rung: -1},
			}})
	})
	a := newTestApp(e)
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for _, cmd := range []tea.Cmd{a.loadRuns(), loadSweeps} {
		runCmd(t, a, cmd)
	}
	press(t, a, "5")
	if v := a.View(); !strings.Contains(lineWith(v, "score=2 #1"), " stopped ") {
		t.Fatalf("the list:\n%s", v)
	}
	press(t, a, "enter")
	if v := a.View(); !strings.Contains(v, "score ↑ (higher is better) · grid · a whole grid, 1 at once") || !strings.Contains(v, "★      1 s-2") {
		t.Fatalf("the sweep:\n%s", v)
	}
	press(t, a, "S")
	if v := a.View(); a.active != trialScatterPage || !strings.Contains(v, "score against x · 2 runs (trials of s)") {
		t.Fatalf("S:\n%s", v)
	}
	queries, _, _, _ := e.asked()
	if !slices.ContainsFunc(queries, func(q api.RunQuery) bool { return q.Filter == `tags.sweep_id = "`+id+`"` }) {
		t.Errorf("the trials were not asked by their sweep: %+v", queries)
	}
	press(t, a, "esc", "x")
	if v := a.View(); !strings.Contains(v, "stop s for good? no trial of it is running y/n") {
		t.Fatalf("x:\n%s", v)
	}
	press(t, a, "y")
	if v := a.View(); !strings.Contains(v, "stopped s for good") {
		t.Errorf("after x, y:\n%s", v)
	}
	// Done once the engine has looked at it again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		sw, err := e.eng.Sweep(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if sw.State == api.SweepDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sweep stopped for good is %s", sw.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The page reads it at its next poll, and says what it may do no more.
	runCmd(t, a, a.tickPage(tickMsg(time.Now())))
	if v := a.View(); !strings.Contains(v, "s  done") || strings.Contains(v, "r resume") {
		t.Errorf("once done:\n%s", v)
	}
}

// BenchmarkSweepView is a frame of a sweep's page at 160×50 with 200
// trials of six params, curves under the leaderboard: its view and the
// footer's keys, which only join what was drawn when the sweep came.
func BenchmarkSweepView(b *testing.B) {
	p, _ := themes.Load("dark")
	sw := api.Sweep{ID: lrSearch, Name: "big", State: api.SweepRunning, Metric: "acc", Direction: "max", Method: "tpe",
		MaxTrials: 500, Parallel: 8, EarlyStop: "asha", Rungs: []int64{100, 200, 400}}
	for i := range 200 {
		params := map[string]string{}
		for k := range 6 {
			params[fmt.Sprintf("p%d", k)] = strconv.Itoa(i * k)
		}
		state := api.TrialDone
		if i%25 == 0 {
			state = api.TrialRunning
		}
		sw.Trials = append(sw.Trials, api.SweepTrial{Trial: i + 1, Run: fmt.Sprintf("%012d", i), Name: fmt.Sprintf("big-%d", i+1),
			Params: params, State: state, Value: api.Float(float64(i%97) / 97), Rung: i % 3})
	}
	best := sw.Trials[95]
	sw.Best = &best
	v := newSweepView(context.Background(), nil, styles.New(p), DefaultKeyMap(), lrSearch)
	v.SetSize(160, 50)
	v.Update(sweepMsg{id: lrSearch, sweep: sw})
	for _, t := range v.plotted {
		bs, _ := fixture().MetricView(context.Background(), t.Run, "acc", 320)
		v.Update(trialCurveMsg{sweep: lrSearch, run: t.Run, metric: "acc", buckets: bs})
	}
	if !strings.Contains(v.View(), "big-96") {
		b.Fatalf("the frame lacks the best:\n%s", v.View())
	}
	start := time.Now()
	for b.Loop() {
		_ = v.View()
		_ = v.ShortHelp()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
}
