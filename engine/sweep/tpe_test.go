package sweep

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
)

// branin is the Branin–Hoo function, a standard test of optimisers: three
// global minima of 0.397887 on x1 ∈ [-5, 10], x2 ∈ [0, 15].
func branin(x1, x2 float64) float64 {
	b, c, t := 5.1/(4*math.Pi*math.Pi), 5/math.Pi, 1/(8*math.Pi)
	return math.Pow(x2-b*x1*x1+c*x1-6, 2) + 10*(1-t)*math.Cos(x1) + 10
}

const braninMin = 0.397887

// optimise runs a sweep of s.Trials trials one after another, each
// scored by f, and gives the best value found.
func optimise(t *testing.T, s Spec, f func(map[string]string) float64) float64 {
	t.Helper()
	var history []Trial
	best := math.Inf(-1)
	for n := range s.Trials {
		params, ok := Next(s, n, history)
		if !ok {
			t.Fatalf("trial %d: nothing to propose", n)
		}
		v := f(params)
		history = append(history, Trial{Number: n, Params: params, State: Done, Value: v})
		best = max(best, v)
	}
	return best
}

func number(t *testing.T, params map[string]string, name string) float64 {
	v, err := strconv.ParseFloat(params[name], 64)
	if err != nil {
		t.Fatalf("%s = %q: %v", name, params[name], err)
	}
	return v
}

func TestTPEBeatsRandomOnBranin(t *testing.T) {
	negBranin := func(p map[string]string) float64 { return -branin(number(t, p, "x1"), number(t, p, "x2")) }
	mean := func(method string) float64 {
		var sum float64
		for seed := range uint64(20) {
			s := Spec{Method: method, Direction: "max", Trials: 60, Seed: seed, Params: []Param{
				{Name: "x1", Distribution: "uniform", Min: -5, Max: 10},
				{Name: "x2", Distribution: "uniform", Min: 0, Max: 15},
			}}
			sum += optimise(t, s, negBranin)
		}
		return sum / 20
	}
	tpe, random := mean("tpe"), mean("random")
	t.Logf("Branin, 60 trials, 20 seeds: mean best TPE %.4f (regret %.4f), random %.4f (regret %.4f); TPE's regret is %.2f× random's",
		tpe, -tpe-braninMin, random, -random-braninMin, (-tpe-braninMin)/(-random-braninMin))
	if tpe <= random {
		t.Errorf("TPE's mean best %.4f is not better than random's %.4f", tpe, random)
	}
}

// TestTPEAvoidsFailures: in this history the value grows with x up to
// 0.8 and every trial past it failed, with a value that would be the best
// if failures were ranked by it. TPE must propose less in the failed
// region than random search does, where it would propose mostly there if
// those trials had been good.
func TestTPEAvoidsFailures(t *testing.T) {
	s := Spec{Method: "tpe", Direction: "max", Trials: 1000, Params: []Param{{Name: "x", Distribution: "uniform", Min: 0, Max: 1}}}
	history := func(failed State) []Trial {
		var h []Trial
		for i := range 50 {
			x := (float64(i) + 0.5) / 50
			tr := Trial{Number: i, Params: map[string]string{"x": formatFloat(x)}, State: Done, Value: x}
			if x > 0.8 {
				tr.State, tr.Value = failed, 10
			}
			h = append(h, tr)
		}
		return h
	}
	share := func(h []Trial) float64 {
		in := 0
		for n := 50; n < 450; n++ {
			p, _ := Next(s, n, h)
			if number(t, p, "x") > 0.8 {
				in++
			}
		}
		return float64(in) / 400
	}
	failed, good := share(history(Failed)), share(history(Done))
	t.Logf("proposals past x = 0.8: %.3f after failures there, %.3f had they been the best, 0.2 for random search", failed, good)
	if failed >= 0.1 {
		t.Errorf("%.3f of proposals fell where trials failed; random search would put 0.2 there", failed)
	}
	if good < 0.5 {
		t.Errorf("control: only %.3f of proposals where the best trials were", good)
	}
}

func TestTPEFailuresNeverGood(t *testing.T) {
	// Only failures and one trial with a value: the good group is that
	// one trial, so every failed category stays less likely than it.
	p := Param{Name: "act", Distribution: "categorical", Values: []string{"relu", "gelu", "tanh"}}
	s := Spec{Method: "tpe", Direction: "min", Trials: 100, Params: []Param{p}}
	var h []Trial
	for i := range 20 {
		h = append(h, Trial{Number: i, Params: map[string]string{"act": "relu"}, State: Failed, Value: -100})
	}
	h = append(h, Trial{Number: 20, Params: map[string]string{"act": "gelu"}, State: Done, Value: 5})
	h = append(h, Trial{Number: 21, Params: map[string]string{"act": "tanh"}, State: Stopped, Value: math.NaN()})
	for n := 22; n < 60; n++ {
		got, _ := Next(s, n, h)
		if got["act"] != "gelu" {
			t.Fatalf("trial %d proposed %s, want gelu, the only category of a trial with a value", n, got["act"])
		}
	}
}

func TestTPEStartsRandom(t *testing.T) {
	h := []Trial{{Number: 0, Params: map[string]string{"lr": "0.01"}, State: Done, Value: 1}}
	for _, tt := range []struct{ trials, startup int }{{40, 10}, {19, 3}, {5, 2}} {
		tpe := Spec{Method: "tpe", Trials: tt.trials, Params: every}
		random := tpe
		random.Method = "random"
		if got := startupTrials(tt.trials); got != tt.startup {
			t.Errorf("startupTrials(%d) = %d, want %d", tt.trials, got, tt.startup)
		}
		for n := range tt.startup {
			a, _ := Next(tpe, n, h)
			b, _ := Next(random, n, h)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("trials %d, trial %d: TPE %v differs from random %v during start-up", tt.trials, n, a, b)
			}
		}
	}
}

// randomHistory is n finished trials of every param with made-up values
// (some failed, some still running).
func randomHistory(t *testing.T, s Spec, n int) []Trial {
	r := s
	r.Method, r.Trials = "random", 0
	rng := rand.New(rand.NewPCG(1, 2))
	h := make([]Trial, n)
	for i := range h {
		p, _ := Next(r, i, nil)
		h[i] = Trial{Number: i, Params: p, State: Done, Value: rng.NormFloat64()}
		switch i % 10 {
		case 3:
			h[i].State, h[i].Value = Failed, math.NaN()
		case 7:
			h[i].State = Stopped
		case 9:
			h[i].State, h[i].Value = Running, math.NaN()
		}
	}
	return h
}

func TestTPEProposals(t *testing.T) {
	s := Spec{Method: "tpe", Direction: "max", Trials: 1000, Params: every}
	h := randomHistory(t, s, 200)
	var drawn []map[string]string
	for n := 200; n < 400; n++ {
		p, ok := Next(s, n, h)
		if !ok {
			t.Fatal("nothing proposed")
		}
		drawn = append(drawn, p)
	}
	checkBounds(t, every, drawn)

	// The order of history does not matter.
	shuffled := append([]Trial(nil), h...)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for n := 200; n < 220; n++ {
		a, _ := Next(s, n, h)
		b, _ := Next(s, n, shuffled)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("trial %d: %v, and %v with history shuffled", n, a, b)
		}
	}
}

func TestParzen(t *testing.T) {
	// The density integrates to 1 over the range, and no more outside.
	for _, obs := range [][]float64{nil, {0.5}, {0, 0, 0.1, 0.9, 1}, {0.2, 0.21, 0.22, 0.23}} {
		e := newParzen(obs, 0, 1)
		var sum float64
		const steps = 20000
		for i := range steps {
			sum += math.Exp(e.logPDF((float64(i)+0.5)/steps)) / steps
		}
		if math.Abs(sum-1) > 1e-3 {
			t.Errorf("observations %v: density integrates to %g", obs, sum)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		for range 1000 {
			if x := e.draw(rng); x < 0 || x > 1 {
				t.Fatalf("observations %v: drew %g outside [0, 1]", obs, x)
			}
		}
	}
}
