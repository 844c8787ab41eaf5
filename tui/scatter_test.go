package tui

import (
	"slices"
	"strings"
	"testing"

	"lathe/engine/api"
	"lathe/themes"
	"lathe/tui/styles"
)

// S on the runs table plots the runs it shows; x and y cycle the axes
// among the params and metrics they have; the cursor says the run it is
// on and goes to the nearest point in a direction; enter opens the run.
func TestScatter(t *testing.T) {
	e := realEngine(t, sweepSeeds(12))
	// X is the param of most values: lr (12) over layers (3) and seed (2).
	view := driveWith(t, "dark", e, 120, 40, "Jobs:", keys("2"), "12 runs", keys("S"), "loss against lr")
	if !strings.Contains(view, "12 runs (all shown)") || !strings.Contains(view, "◆ sweep-00  lr 0.001  loss 0.5") {
		t.Errorf("the scatter of lr:\n%s", view)
	}
	// sweep-00 is at the left, highest: → goes to sweep-01, the nearest.
	moved := driveWith(t, "dark", e, 120, 40, "Jobs:", keys("2"), "12 runs", keys("S"), "loss against lr", keys("l"), "◆ sweep-01", keys("h"), "◆ sweep-00", keys("h"), "no run left",
		keys("l"), keys("l"), "◆ sweep-02", enter, "Runs › sweep-02")
	if !strings.Contains(moved, "[overview]") {
		t.Errorf("enter on a point:\n%s", moved)
	}
	marked := driveWith(t, "dark", e, 120, 40, "Jobs:", keys("2"), "12 runs", keys(" "), keys(" "), keys(" "), keys("S"), "against",
		keys("y"), keys("y"), "against")
	if !strings.Contains(marked, "3 runs (the marked)") {
		t.Errorf("the marked runs:\n%s", marked)
	}
	parallel := driveWith(t, "dark", e, 120, 40, "Jobs:", keys("2"), "12 runs", keys("S"), "against", keys("v"), "parallel coordinates")
	for _, name := range []string{"layers", "lr", "seed", "loss"} {
		if fields(parallel, name) == nil && !strings.Contains(parallel, " "+name+" ") {
			t.Errorf("no %s axis:\n%s", name, parallel)
		}
	}
}

// scatterOf is the scatter of seeds' runs, as the engine lists them, at a
// size.
func scatterOf(t *testing.T, seeds []seed, w, h int) *scatterView {
	t.Helper()
	e := realEngine(t, seeds)
	runs, err := e.Runs(t.Context(), api.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := themes.Load("dark")
	sv := newScatterView(styles.New(p), DefaultKeyMap(), runs, "all")
	sv.SetSize(w, h)
	return sv
}

// A param swept over decades (a learning rate from 1e-4 to 3e-2) is placed
// by its log: the six runs spread over the width, not five crowded at the
// left; the axis says it is a log one.
func TestScatterLogAxis(t *testing.T) {
	seeds := sweepSeeds(6)
	for i, lr := range []string{"1e-4", "3e-4", "1e-3", "3e-3", "1e-2", "3e-2"} {
		seeds[i].run.Params["lr"] = lr
	}
	sv := scatterOf(t, seeds, 80, 24)
	sv.draw()
	if sv.fields[sv.x].name != "lr" {
		t.Fatalf("X is %s, not the swept lr", sv.fields[sv.x].name)
	}
	var cols []int
	for i := range sv.runs {
		cols = append(cols, sv.cells[i][0])
	}
	slices.Sort(cols)
	for i := 1; i < len(cols); i++ {
		if gap := cols[i] - cols[i-1]; gap < 8 {
			t.Errorf("points %d columns apart, crowded: %v\n%s", gap, cols, sv.View())
		}
	}
	if !strings.Contains(sv.View(), "(log)") {
		t.Errorf("the axis does not say it is a log one:\n%s", sv.View())
	}
}

// A param that is not all numbers is an axis of positions, one a value,
// each named under its place; every run is a point at its value.
func TestScatterCategorical(t *testing.T) {
	seeds := sweepSeeds(6)
	for i := range seeds {
		seeds[i].run.Params["opt"] = []string{"adam", "sgd", "lion"}[i%3]
	}
	sv := scatterOf(t, seeds, 80, 24)
	sv.x = slices.IndexFunc(sv.fields, func(f sweepField) bool { return f.name == "opt" })
	sv.draw()
	if f := sv.fields[sv.x]; !slices.Equal(f.cats, []string{"adam", "lion", "sgd"}) {
		t.Fatalf("opt's positions: %q", f.cats)
	}
	lines := strings.Split(sv.View(), "\n")
	labels := lines[len(lines)-2]
	cols := map[string]int{}
	for i, r := range sv.runs {
		c, ok := sv.cells[i]
		if !ok {
			t.Fatalf("%s not plotted", r.Name)
		}
		if prev, seen := cols[r.Params["opt"]]; seen && prev != c[0] {
			t.Errorf("%s: opt %s at column %d and %d", r.Name, r.Params["opt"], prev, c[0])
		}
		cols[r.Params["opt"]] = c[0]
	}
	if !(cols["adam"] < cols["lion"] && cols["lion"] < cols["sgd"]) {
		t.Errorf("positions %v", cols)
	}
	for _, cat := range []string{"adam", "lion", "sgd"} {
		if !strings.Contains(labels, cat) {
			t.Errorf("no %s under the axis: %q", cat, labels)
		}
	}
}

// The cursor goes to the nearest point in the direction asked, a step
// across counting double; none there: it stays and says so.
func TestScatterMove(t *testing.T) {
	sv := &scatterView{cells: map[int][2]int{0: {10, 10}, 1: {14, 10}, 2: {12, 8}, 3: {30, 10}, 4: {10, 2}, 5: {10, 10}}}
	for _, c := range []struct {
		from, dx, dy, want int
	}{
		{0, 1, 0, 5},  // the run in the same cell first
		{5, 1, 0, 1},  // 1 is 4 along; 2 is 2 along and 2 across: 6
		{1, 1, 0, 3},  // along the row
		{0, 0, -1, 2}, // 2 up, 2 across: 6; 4 is 8 up
		{4, 0, -1, 4}, // nothing above: stays
		{3, -1, 0, 1},
	} {
		sv.at, sv.note = c.from, ""
		sv.move(c.dx, c.dy)
		if sv.at != c.want {
			t.Errorf("from %d by (%d,%d): at %d, want %d", c.from, c.dx, c.dy, sv.at, c.want)
		}
	}
	sv.at = 4
	sv.move(0, -1)
	if sv.note != "no run above" {
		t.Errorf("note %q", sv.note)
	}
}

// A metric named as a param is m.NAME on its axis, as in the runs table.
func TestScatterFieldClash(t *testing.T) {
	seeds := sweepSeeds(3)
	for i := range seeds {
		seeds[i].run.Params["loss"] = "l1"
	}
	sv := scatterOf(t, seeds, 80, 24)
	var labels []string
	for _, f := range sv.fields {
		labels = append(labels, f.label())
	}
	if !slices.Contains(labels, "loss") || !slices.Contains(labels, "m.loss") {
		t.Errorf("the fields: %q", labels)
	}
}
