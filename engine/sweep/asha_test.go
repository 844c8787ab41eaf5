package sweep

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"
)

type report struct {
	trial int
	step  int64
	value float64
	want  Decision // Value is taken from the report
}

// worked is nine trials under min_steps 1, reduction 3 (rungs at steps 1,
// 3 and 9), direction max, reporting in this order. At a rung with n
// values a trial goes on if it is among the top ⌊n/3⌋, or, while that is
// 0, the best so far.
var worked = []report{
	// Rung 0 (step 1). n=1: t0 is the best so far.
	{0, 1, 0.50, Decision{Reached: true, Rung: 0, Step: 1, Cutoff: 0.50}},
	// n=2: the best is 0.50.
	{1, 1, 0.40, Decision{Reached: true, Rung: 0, Step: 1, Cutoff: 0.50, Stop: true}},
	// n=3: t2 is the new best.
	{2, 1, 0.60, Decision{Reached: true, Rung: 0, Step: 1, Cutoff: 0.60}},
	// Between rungs: nothing to decide.
	{0, 2, 0.55, Decision{}},
	// Rung 1 (step 3), n=1: t0 goes on, alone there.
	{0, 3, 0.58, Decision{Reached: true, Rung: 1, Step: 3, Cutoff: 0.58}},
	// Rung 0, n=4: top ⌊4/3⌋ = 1, which is 0.60.
	{3, 1, 0.55, Decision{Reached: true, Rung: 0, Step: 1, Cutoff: 0.60, Stop: true}},
	// t4's first report is past two rungs: 0.70 at rung 0 (n=5, the best)
	// and at rung 1 (n=2, the best); the decision is rung 1's.
	{4, 3, 0.70, Decision{Reached: true, Rung: 1, Step: 3, Cutoff: 0.70}},
	// Rung 1, n=3: t4's 0.70 is the best.
	{2, 3, 0.66, Decision{Reached: true, Rung: 1, Step: 3, Cutoff: 0.70, Stop: true}},
	// Rung 0, n=6: top 2 are 0.70 and 0.65; a tie with the cutoff goes on.
	{5, 1, 0.65, Decision{Reached: true, Rung: 0, Step: 1, Cutoff: 0.65}},
	// n=7 and n=8: top 2, cutoff 0.65.
	{6, 1, 0.30, Decision{Reached: true, Rung: 0, Step: 1, Cutoff: 0.65, Stop: true}},
	{7, 1, 0.62, Decision{Reached: true, Rung: 0, Step: 1, Cutoff: 0.65, Stop: true}},
	// n=9: top 3 are 0.80, 0.70, 0.65.
	{8, 1, 0.80, Decision{Reached: true, Rung: 0, Step: 1, Cutoff: 0.65}},
	// Rung 2 (step 9), n=1.
	{0, 9, 0.75, Decision{Reached: true, Rung: 2, Step: 9, Cutoff: 0.75}},
	// Rung 1, n=4: top 1, t5 the new best.
	{5, 3, 0.72, Decision{Reached: true, Rung: 1, Step: 3, Cutoff: 0.72}},
	// n=5: top 1 is still t5's 0.72.
	{8, 3, 0.71, Decision{Reached: true, Rung: 1, Step: 3, Cutoff: 0.72, Stop: true}},
	// Rung 2, n=2: t4 the best.
	{4, 9, 0.78, Decision{Reached: true, Rung: 2, Step: 9, Cutoff: 0.78}},
	// n=3: top 1 is 0.78.
	{5, 9, 0.74, Decision{Reached: true, Rung: 2, Step: 9, Cutoff: 0.78, Stop: true}},
	// Rungs already passed change nothing; the next, 27, is not reached.
	{0, 1, 0.99, Decision{}},
	{0, 26, 0.99, Decision{}},
}

// workedStopped is who the worked example stops at each rung.
var workedStopped = [][]int{{1, 3, 6, 7}, {2, 8}, {5}}

// play reports events to a, checking each decision, and gives who was
// stopped at each rung. sign turns values around for the min direction.
func play(t *testing.T, a *ASHA, events []report, sign float64) [][]int {
	t.Helper()
	var stopped [][]int
	for i, e := range events {
		got := a.Report(e.trial, e.step, sign*e.value)
		want := e.want
		if want.Reached {
			want.Value, want.Cutoff = sign*e.value, sign*want.Cutoff
		}
		if !sameDecision(got, want) {
			t.Errorf("report %d (trial %d, step %d, %g): got %+v, want %+v", i, e.trial, e.step, e.value, got, want)
		}
		if got.Stop {
			for len(stopped) <= got.Rung {
				stopped = append(stopped, nil)
			}
			stopped[got.Rung] = append(stopped[got.Rung], e.trial)
		}
	}
	return stopped
}

func sameDecision(a, b Decision) bool {
	same := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	return a.Reached == b.Reached && a.Rung == b.Rung && a.Step == b.Step && a.Stop == b.Stop &&
		same(a.Value, b.Value) && same(a.Cutoff, b.Cutoff)
}

func TestASHAWorkedExample(t *testing.T) {
	for _, tt := range []struct {
		name     string
		maximize bool
		sign     float64
	}{{"max", true, 1}, {"min, values negated", false, -1}} {
		t.Run(tt.name, func(t *testing.T) {
			a := NewASHA(EarlyStop{Method: "asha", MinSteps: 1, Reduction: 3}, tt.maximize)
			if got := play(t, a, worked, tt.sign); !reflect.DeepEqual(got, workedStopped) {
				t.Errorf("stopped at each rung: %v, want %v", got, workedStopped)
			}
		})
	}
}

func TestASHARungSteps(t *testing.T) {
	a := NewASHA(EarlyStop{MinSteps: 2, Reduction: 4}, true)
	var steps []int64
	for step := range int64(200) {
		if d := a.Report(0, step, 1); d.Reached {
			steps = append(steps, d.Step)
		}
	}
	if want := []int64{2, 8, 32, 128}; !slices.Equal(steps, want) {
		t.Errorf("rungs reached at steps %v, want %v", steps, want)
	}
	// A jump from nothing to step 1000 records at every rung up to it.
	d := a.Report(1, 1000, 1)
	if d.Rung != 4 || d.Step != 512 || d.Stop {
		t.Errorf("jump to step 1000: %+v, want rung 4 at step 512, going on", d)
	}
	for k, rung := range a.Rungs {
		if _, ok := rung[1]; !ok {
			t.Errorf("the jump left no value at rung %d", k)
		}
	}
	// A jump stops at the first rung that stops it, recording no further.
	d = a.Report(2, 1000, 0.5)
	if d.Rung != 0 || !d.Stop || len(a.Rungs[1]) != 2 {
		t.Errorf("a weak jump: %+v with %d values at rung 1; want stopped at rung 0, 2 values at rung 1", d, len(a.Rungs[1]))
	}
	// Steps too large for an int64 rung are no rung.
	huge := NewASHA(EarlyStop{MinSteps: math.MaxInt64 / 2, Reduction: 3}, true)
	if d := huge.Report(0, math.MaxInt64, 1); !d.Reached || d.Rung != 0 {
		t.Errorf("report at the largest step: %+v, want rung 0 only", d)
	}
}

func TestASHANaN(t *testing.T) {
	for _, maximize := range []bool{true, false} {
		a := NewASHA(EarlyStop{MinSteps: 1, Reduction: 2}, maximize)
		// NaN alone is the best so far.
		if d := a.Report(0, 1, math.NaN()); d.Stop || !math.IsNaN(d.Cutoff) {
			t.Errorf("maximize %v: NaN first: %+v, want going on, cutoff NaN", maximize, d)
		}
		// Any number beats NaN, in either direction.
		if d := a.Report(1, 1, -1e9); d.Stop || d.Cutoff != -1e9 {
			t.Errorf("maximize %v: a number after NaN: %+v, want going on", maximize, d)
		}
		for v := range 5 {
			a.Report(a.nextTrial(), 1, float64(v))
		}
		// With the top half of the rung numbers, NaN, and the infinities
		// taken for it, are below the cutoff.
		for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			d := a.Report(a.nextTrial(), 1, v)
			if !d.Stop || !math.IsNaN(d.Value) {
				t.Errorf("maximize %v: %g: %+v, want stopped, recorded as NaN", maximize, v, d)
			}
		}
	}
}

// nextTrial is a trial number not yet at rung 0.
func (a *ASHA) nextTrial() int {
	if len(a.Rungs) == 0 {
		return 0
	}
	return len(a.Rungs[0])
}

func TestASHAJSONRoundTrip(t *testing.T) {
	const half = 9
	a := NewASHA(EarlyStop{Method: "asha", MinSteps: 1, Reduction: 3}, true)
	play(t, a, worked[:half], 1)
	a.Report(20, 1, math.NaN()) // JSON has no NaN: stored as null
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	// As the engine restores it: a new ASHA from the file, then the state.
	b := NewASHA(EarlyStop{Method: "asha", MinSteps: 1, Reduction: 3}, true)
	if err := json.Unmarshal(raw, b); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(b.Rungs[0][20]) || len(b.Rungs[0]) != len(a.Rungs[0]) {
		t.Fatalf("restored rung 0: %v, want %v", b.Rungs[0], a.Rungs[0])
	}
	for i, e := range worked[half:] {
		da, db := a.Report(e.trial, e.step, e.value), b.Report(e.trial, e.step, e.value)
		if !sameDecision(da, db) {
			t.Errorf("report %d: original %+v, restored %+v", half+i, da, db)
		}
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"min_steps", "reduction", "maximize", "rungs"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("stored state %s has no %q", raw, k)
		}
	}
}
