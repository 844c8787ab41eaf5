package sweep

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkTPENext1000 is one proposal of a long sweep: trial 1000 after
// 1000 finished trials of three params. Budget: 10 ms.
func BenchmarkTPENext1000(b *testing.B) {
	s := Spec{Method: "tpe", Direction: "min", Trials: 2000, Params: []Param{
		{Name: "act", Distribution: "categorical", Values: []string{"relu", "gelu", "tanh", "silu"}},
		{Name: "dropout", Distribution: "uniform", Min: 0, Max: 0.5},
		{Name: "lr", Distribution: "log_uniform", Min: 1e-5, Max: 1e-1},
	}}
	r := s
	r.Method = "random"
	rng := rand.New(rand.NewPCG(7, 7))
	history := make([]Trial, 1000)
	for i := range history {
		p, _ := Next(r, i, nil)
		history[i] = Trial{Number: i, Params: p, State: Done, Value: rng.Float64()}
	}
	for b.Loop() {
		Next(s, 1000, history)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/proposal")
}

// BenchmarkASHAReport is a report at a rung of 1000 trials, and the far
// more common one between rungs.
func BenchmarkASHAReport(b *testing.B) {
	a := NewASHA(EarlyStop{Method: "asha", MinSteps: 1, Reduction: 3}, true)
	rng := rand.New(rand.NewPCG(8, 8))
	for trial := range 1000 {
		a.Report(trial, 1, rng.Float64())
	}
	b.Run("no rung", func(b *testing.B) {
		for b.Loop() {
			a.Report(500, 2, 0.5)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/point")
	})
	b.Run("rung", func(b *testing.B) {
		for b.Loop() {
			a.Report(1000, 1, 0.5)
			delete(a.Rungs[0], 1000) // as it was, for the next round
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/decision")
	})
}
