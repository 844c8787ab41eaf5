package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"lathe/engine/api"
	"lathe/engine/filter"
)

var backspace = tea.KeyMsg{Type: tea.KeyBackspace}

// While a filter is typed, an expression that does not parse shows its
// error under it, the caret under the column, in place of the status line;
// the table stays. Once it parses, the count comes back; enter sends it to
// the engine, which filters; esc shows all runs again.
func TestFilterErrorInline(t *testing.T) {
	const bad = "status = runing"
	_, err := filter.Parse(bad, clock)
	var fe *filter.Error
	if !errors.As(err, &fe) {
		t.Fatalf("%q parses: %v", bad, err)
	}
	e := realEngine(t, fixtureSeeds())
	typing := drive(t, e, 120, 40, "Jobs:", keys("2"), keys("/"), keys(bad), "is not a status")
	lines := strings.Split(typing, "\n")
	if len(lines) != 40 {
		t.Errorf("%d lines", len(lines))
	}
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "/"+bad+"█") })
	if i < 0 || i+1 >= len(lines) {
		t.Fatalf("no prompt:\n%s", typing)
	}
	caret := lines[i+1]
	// The "/" takes a column; the error is at byte fe.Pos of the expression.
	if got, want := strings.Index(caret, "^"), 1+ansi.StringWidth(bad[:fe.Pos]); got != want || !strings.Contains(caret, fe.Msg) {
		t.Errorf("caret at %d, want %d (under %q): %q", got, want, bad[fe.Pos:], caret)
	}
	if strings.Contains(typing, "runs match") {
		t.Errorf("the count shows with the error:\n%s", typing)
	}

	// The filter applies as it is typed; an expression that does not parse
	// keeps the last good one's runs.
	kept := drive(t, e, 120, 40, "Jobs:", keys("2"), keys("/"), keys("experiment = vision"), "2 runs match", keys(" and ("), "^")
	for _, name := range []string{"NAME", "vit-small", "resnet-baseline"} {
		if !strings.Contains(kept, name) || strings.Contains(kept, "bert-finetune") {
			t.Errorf("the last good filter's table went while typing: no %s\n%s", name, kept)
		}
	}

	fixed := drive(t, e, 120, 40, "Jobs:", keys("2"), keys("/"), keys(bad), "is not a status",
		backspace, backspace, backspace, keys("ning"), "0 runs match")
	if strings.Contains(fixed, "^") || strings.Contains(fixed, "is not a status") || !strings.Contains(fixed, "/status = running█") {
		t.Errorf("valid again:\n%s", fixed)
	}

	applied := drive(t, e, 120, 40, "Jobs:", keys("2"), keys("/"), keys("experiment = vision"), enter, "/experiment = vision  2 runs match")
	// As typed, a screenful and more; on enter, all of them.
	queries, _, _, _ := e.asked()
	if !slices.ContainsFunc(queries, func(q api.RunQuery) bool { return q.Filter == "experiment = vision" && q.Limit == runsLimit }) ||
		!slices.ContainsFunc(queries, func(q api.RunQuery) bool { return q.Filter == "experiment = vision" && q.Limit == typedLimit }) {
		t.Errorf("the engine was asked %+v", queries)
	}
	if !strings.Contains(applied, "/experiment = vision  2 runs match") || strings.Contains(applied, "bert-finetune") ||
		!strings.Contains(applied, "vit-small") || !strings.Contains(applied, "resnet-baseline") {
		t.Errorf("filtered table:\n%s", applied)
	}
	// enter on an expression that does not parse keeps it being typed.
	stays := drive(t, e, 120, 40, "Jobs:", keys("2"), keys("/"), keys("(bert"), enter, "unclosed (")
	if !strings.Contains(stays, "/(bert█") {
		t.Errorf("enter on an error:\n%s", stays)
	}

	all := drive(t, e, 120, 40, "Jobs:", keys("2"), keys("/"), keys("experiment = vision"), enter, "2 runs match",
		keys("/"), tea.KeyMsg{Type: tea.KeyEsc}, "5 runs")
	if !strings.Contains(all, "bert-finetune") || strings.Contains(all, "/experiment") {
		t.Errorf("esc:\n%s", all)
	}
}

// d asks before removing the marked runs; yes sends their ids and they
// leave the table; n removes nothing.
func TestRemoveRuns(t *testing.T) {
	e := realEngine(t, fixtureSeeds())
	view := drive(t, e, 120, 40, "Jobs:", keys("2"), "5 runs", keys("jjj"), keys("  "), keys("d"),
		"remove 2 runs? They can be restored for 7 days (lathe restore). y/n", keys("y"), "removed 2 runs")
	_, removed, _, _ := e.asked()
	if len(removed) != 1 || !slices.Equal(removed[0].Refs, []string{"abcdefabcdef", "999999999999"}) || removed[0].Purge {
		t.Errorf("removal asked: %+v", removed)
	}
	if strings.Contains(view, "bert-diverged") || strings.Contains(view, "bert-finetune") || !strings.Contains(view, "3 runs") {
		t.Errorf("after the removal:\n%s", view)
	}

	e = realEngine(t, fixtureSeeds())
	drive(t, e, 120, 40, "Jobs:", keys("2"), "5 runs", keys("jjj"), keys("d"), "remove bert-diverged? It can be restored", keys("n"), "5 runs")
	if _, removed, _, _ := e.asked(); len(removed) != 0 {
		t.Errorf("n removed %+v", removed)
	}
}

// The engine's refusal of a removal is the note, and the run stays.
func TestRemoveRefused(t *testing.T) {
	f := fixture()
	f.removeErr = errors.New("resnet-baseline is running: kill it first (lathe kill a1b2c3d4)")
	view := drive(t, f, 120, 40, "Jobs:", keys("2"), keys("jj"), keys("d"), "remove resnet-baseline?", keys("y"),
		"resnet-baseline is running: kill it first")
	if !strings.Contains(view, "resnet-baseline") || !strings.Contains(view, "5 runs") {
		t.Errorf("a refused removal:\n%s", view)
	}
}

// A removal while a filter shows some runs takes them out of it too.
func TestRemoveFiltered(t *testing.T) {
	e := realEngine(t, fixtureSeeds())
	view := drive(t, e, 120, 40, "Jobs:", keys("2"), "5 runs", keys("/"), keys("bert"), enter, "2 runs match",
		keys("A"), keys("d"), "remove 2 runs?", keys("y"), "removed 2 runs")
	if !strings.Contains(view, "/bert  0 runs match") {
		t.Errorf("filtered, after the removal:\n%s", view)
	}
	st := newState(nil)
	st.setRuns(fixture().runs)
	st.remove([]string{"abcdefabcdef"})
	if _, ok := st.run("abcdefabcdef"); ok || len(st.runs) != 4 {
		t.Errorf("state.remove: %d runs", len(st.runs))
	}
}

// A filter keeps the runs the engine says; x on them kills only those that
// run.
func TestRunsFilter(t *testing.T) {
	e := realEngine(t, fixtureSeeds())
	view := drive(t, e, 120, 40, "Jobs:", keys("2"), "5 runs", keys("/"), keys("bert"), enter, "/bert  2 runs match",
		keys("x"), "nothing to kill", // the runs have ended
		keys("/"), tea.KeyMsg{Type: tea.KeyBackspace}, tea.KeyMsg{Type: tea.KeyBackspace}, tea.KeyMsg{Type: tea.KeyBackspace},
		tea.KeyMsg{Type: tea.KeyBackspace}, keys("resnet"), enter, "/resnet  1 run matches")
	if strings.Contains(view, "bert-diverged") || !strings.Contains(view, "resnet-baseline") {
		t.Errorf("filtered table:\n%s", view)
	}
}

// A run removed elsewhere (`lathe rm`) leaves the table: the engine's event
// says so.
func TestRemovedRunEvent(t *testing.T) {
	f := fixture()
	tm := teatest.NewTestModel(t, newTestApp(f), teatest.WithInitialTermSize(120, 40))
	wait := func(s string) {
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) }, teatest.WithDuration(5*time.Second))
	}
	wait("Jobs:")
	tm.Send(keys("2"))
	wait("5 runs")
	r := f.runs[4] // bert-finetune
	r.Deleted = &clock
	f.events <- api.Event{Type: api.EventRun, Run: &r}
	wait("4 runs")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if v := tm.FinalModel(t).View(); strings.Contains(v, "bert-finetune") {
		t.Errorf("a removed run stays:\n%s", v)
	}
}

// A run that starts while the cursor is on another does not move the
// cursor onto a neighbour: x asks to kill the run the cursor was put on.
func TestCursorFollowsRunOnNewRun(t *testing.T) {
	f := fixture()
	started := f.runs[2] // resnet-baseline, third
	started.ID, started.Name = "777777777777", "fresh-run"
	view := drive(t, f, 120, 40, "Jobs:", keys("2"), "5 runs", keys("jj"),
		func() { f.events <- api.Event{Type: api.EventRun, Run: &started} }, "6 runs",
		keys("x"), "kill ")
	if !strings.Contains(view, "kill resnet-baseline?") {
		t.Errorf("x after a new run:\n%s", view)
	}
}

// Each key of a filter asks the engine at once, cancelling the question
// before; an older answer that comes after a newer one is dropped.
func TestFilterAsTypedDropsStale(t *testing.T) {
	var asked []context.Context
	p := newRunList(newState(func() time.Time { return clock }), newTestApp(fixture()).styles, DefaultKeyMap(), runActions{
		query: func(ctx context.Context, expr string, limit int) ([]api.Run, error) {
			asked = append(asked, ctx)
			if limit != typedLimit {
				t.Errorf("a filter being typed asks for %d runs", limit)
			}
			return []api.Run{{ID: expr, Name: expr}}, nil
		}}, nil)
	p.st.setRuns(fixture().runs)
	p.SetSize(120, 30)
	p.Update(keys("/"))
	_, first := p.Update(keys("b"))
	_, second := p.Update(keys("e"))
	if first == nil || second == nil {
		t.Fatal("a key of a filter that parses asks nothing")
	}
	newer, older := second(), first()
	if asked[0].Err() == nil {
		t.Error("the older question is not cancelled")
	}
	p.Update(newer)
	p.Update(older)
	if rows, _ := p.rows(); len(rows) != 1 || rows[0].Name != "be" || p.applied != "be" {
		t.Errorf("after the older answer: %v, applied %q", runIDs(rows), p.applied)
	}
	// A key that breaks it keeps the runs shown, and asks nothing.
	if _, cmd := p.Update(keys("(")); cmd != nil || p.applied != "be" {
		t.Errorf("an expression that does not parse: asked %v, applied %q", cmd != nil, p.applied)
	}
}

// runsEngine is the fixture's engine with other runs.
func runsEngine(runs []api.Run) *fakeEngine {
	f := fixture()
	f.runs = runs
	return f
}

// The name column widens to the longest name, so that runs of a sweep
// whose names differ at the end are told apart; cut, a name keeps its end.
func TestNameColumnWidens(t *testing.T) {
	var runs []api.Run
	for _, seed := range []string{"seed1", "seed2"} {
		r := fixture().runs[4]
		r.ID, r.Name = "1111111111"+seed[4:]+"0", "resnet50-imagenet-lr0.1-bs256-"+seed
		runs = append(runs, r)
	}
	wide := drive(t, runsEngine(runs), 120, 40, "Jobs:", keys("2"), "2 runs")
	for _, r := range runs {
		if !strings.Contains(wide, r.Name) {
			t.Errorf("120 columns: no %s\n%s", r.Name, wide)
		}
	}
	narrow := drive(t, runsEngine(runs), 80, 24, "Jobs:", keys("2"), "2 runs")
	for _, end := range []string{"…-bs256-seed1", "…-bs256-seed2"} {
		if !strings.Contains(narrow, end) {
			t.Errorf("80 columns: no %s\n%s", end, narrow)
		}
	}
}

// Without configured columns, the metrics most runs have come before the
// params one run has, and the columns take the width there is.
func TestAutoColumnsPreferCommonMetrics(t *testing.T) {
	var runs []api.Run
	for i := range 4 {
		r := fixture().runs[4]
		r.ID, r.Name = fmt.Sprintf("%012d", i), fmt.Sprintf("run-%d", i)
		r.Metrics = map[string]api.MetricSummary{}
		for _, m := range []string{"loss", "val_loss", "acc", "val_acc"} {
			r.Metrics[m] = api.MetricSummary{Last: api.Float(0.5), Count: 1}
		}
		if i == 0 {
			r.Params = map[string]string{"alpha": "1", "beta": "2", "gamma": "3"}
		}
		runs = append(runs, r)
	}
	head := func(view string) string { return strings.Split(view, "\n")[1] }
	view := head(drive(t, runsEngine(runs), 120, 40, "Jobs:", keys("2"), "4 runs"))
	for _, m := range []string{"loss", "val_loss", "acc", "val_acc"} {
		if !strings.Contains(view, " "+m) {
			t.Errorf("120 columns: no %s column: %q", m, view)
		}
	}
	if strings.Contains(view, "gamma") {
		t.Errorf("a param one run has before the metrics: %q", view)
	}
	wide := head(drive(t, runsEngine(runs), 200, 40, "Jobs:", keys("2"), "4 runs"))
	for _, name := range []string{"alpha", "beta", "gamma", "val_acc"} {
		if !strings.Contains(wide, name) {
			t.Errorf("200 columns: no %s column: %q", name, wide)
		}
	}
}

// A filter's runs choose the columns: filtered down to a sweep's trials,
// the table shows their params, which the many other runs' metrics
// crowded out before.
func TestFilteredRunsChooseTheColumns(t *testing.T) {
	var runs []api.Run
	for i := range 30 {
		r := fixture().runs[4]
		r.ID, r.Name, r.Params = fmt.Sprintf("%012d", i), fmt.Sprintf("run-%d", i), nil
		r.Metrics = map[string]api.MetricSummary{}
		for _, m := range []string{"loss", "val_loss", "acc", "val_acc", "f1", "recall"} {
			r.Metrics[m] = api.MetricSummary{Last: api.Float(0.5), Count: 1}
		}
		runs = append(runs, r)
	}
	trial := fixture().runs[4]
	trial.ID, trial.Name, trial.Metrics = "999999999999", "lr-search-0", nil
	trial.Params = map[string]string{"lr": "0.001", "hidden": "128"}
	runs = append(runs, trial)
	p := newRunList(newState(func() time.Time { return clock }), newTestApp(fixture()).styles, DefaultKeyMap(), runActions{
		query: func(context.Context, string, int) ([]api.Run, error) { return []api.Run{trial}, nil }}, nil)
	p.st.setRuns(runs)
	p.SetSize(120, 40)
	titles := func() []string {
		_, cols := p.rows()
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = c.Title
		}
		return out
	}
	if all := titles(); slices.Contains(all, "lr") {
		t.Fatalf("unfiltered, a param of one run among 31 before the metrics: %q", all)
	}
	p.Update(keys("/"))
	_, ask := p.Update(keys("lr"))
	if ask == nil {
		t.Fatal("the filter asks nothing")
	}
	p.Update(ask())
	if got := titles(); !slices.Contains(got, "lr") || !slices.Contains(got, "hidden") || slices.Contains(got, "val_loss") {
		t.Errorf("filtered to the trial: columns %q", got)
	}
}
