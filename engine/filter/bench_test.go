package filter

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

const benchExpr = `params.lr > 0.001 and metrics.val_loss < 0.5 and status = succeeded and name ~ "^sweep-"`

// benchRun is a Run as simple as the engine's catalogue entry could be.
type benchRun struct {
	id, name, experiment, status string
	params, tags                 map[string]string
	metrics                      map[string][4]float64
	started, created, ended      time.Time // zero: not yet
	now                          time.Time
	gpus                         int
}

func (r *benchRun) Text(f Field) (string, bool) {
	switch f.Kind {
	case ID:
		return r.id, true
	case Name:
		return r.name, r.name != ""
	case Experiment:
		return r.experiment, r.experiment != ""
	case Status:
		return r.status, true
	}
	return "", false
}

func (r *benchRun) Param(name string) (string, bool) {
	v, ok := r.params[name]
	return v, ok
}

func (r *benchRun) Tag(name string) (string, bool) {
	v, ok := r.tags[name]
	return v, ok
}

func (r *benchRun) Metric(name string, agg Agg) (float64, bool) {
	v, ok := r.metrics[name]
	return v[agg], ok
}

func (r *benchRun) Time(f Field) (time.Time, bool) {
	var t time.Time
	switch f.Kind {
	case Started:
		t = r.started
	case Created:
		t = r.created
	case Ended:
		t = r.ended
	}
	return t, !t.IsZero()
}

func (r *benchRun) Duration() (time.Duration, bool) {
	if r.started.IsZero() {
		return 0, false
	}
	end := r.ended
	if end.IsZero() {
		end = r.now
	}
	return end.Sub(r.started), true
}

func (r *benchRun) GPUs() int { return r.gpus }

// benchRuns makes n runs with a few params, tags and metrics each, of
// which a fair share pass benchExpr.
func benchRuns(n int) []Run {
	rng := rand.New(rand.NewPCG(1, 2))
	lrs := []string{"0.1", "0.01", "0.001", "1e-4", "3e-4"}
	statuses := []string{"succeeded", "succeeded", "failed", "running", "killed"}
	runs := make([]Run, n)
	for i := range runs {
		prefix := "sweep-"
		if i%3 == 0 {
			prefix = "bert-"
		}
		created := testNow.Add(-time.Duration(rng.IntN(30*24)) * time.Hour)
		r := &benchRun{
			id:         fmt.Sprintf("%016x", rng.Uint64()),
			name:       fmt.Sprintf("%s%d", prefix, i),
			experiment: fmt.Sprintf("exp-%d", i%50),
			status:     statuses[rng.IntN(len(statuses))],
			params:     map[string]string{"lr": lrs[rng.IntN(len(lrs))], "opt": "adam", "batch_size": "64", "seed": fmt.Sprint(i)},
			tags:       map[string]string{"team": "vision", "dataset": "digits"},
			metrics: map[string][4]float64{
				"loss":     {rng.Float64(), 0, 1, 100},
				"val_loss": {rng.Float64(), 0, 1, 10},
				"acc":      {rng.Float64(), 0, 1, 10},
			},
			created: created,
			started: created.Add(time.Minute),
			ended:   created.Add(time.Duration(rng.IntN(600)) * time.Minute),
			now:     testNow,
			gpus:    rng.IntN(9),
		}
		if i%97 == 0 {
			r.metrics["val_loss"] = [4]float64{math.NaN(), 0, 0, 1}
		}
		runs[i] = r
	}
	return runs
}

func BenchmarkMatch(b *testing.B) {
	runs := benchRuns(100_000)
	for _, bench := range []struct{ name, expr string }{
		{"brief", benchExpr},
		{"term", "bert and status = failed"},
		{"regexp", `name ~ "^(sweep|bert)-\d*7$" or experiment ~ "-4\d"`},
		{"times", "started > -7d and duration > 2h and created < 2026-11-01"},
		{"in", "params.lr in (0.01, 1e-3) and status not in (failed, killed) and gpus >= 4"},
	} {
		b.Run(bench.name, func(b *testing.B) {
			e, err := Parse(bench.expr, testNow)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			n, kept := 0, 0
			for b.Loop() {
				kept = 0
				for _, r := range runs {
					if e.Match(r) {
						kept++
					}
				}
				n++
			}
			perRun := float64(b.Elapsed().Nanoseconds()) / float64(n*len(runs))
			b.ReportMetric(perRun, "ns/run")
			b.ReportMetric(perRun*float64(len(runs))/1e6, "ms/100k-runs")
			b.ReportMetric(float64(kept), "kept")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchExpr, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMatchDoesNotAllocate: matching is in the engine's hot loop.
func TestMatchDoesNotAllocate(t *testing.T) {
	runs := benchRuns(1000)
	for _, tt := range []struct {
		expr    string
		regexps bool // uses regexp's pooled machines
	}{
		{benchExpr, false},
		{"bert and status = failed or \"EXP-4\"", false},
		{"params.lr in (0.01, 1e-3, adam) and params.opt not in (sgd) and tags.team = vision", false},
		{"params.seed >= 100 and params.seed != 7", false},
		{"started > -7d and duration > 2h and created < 2026-11-01 and ended in (2026-10-30, 2026-10-31)", false},
		{"metrics.val_loss < 0.3 or metrics.acc.count > 50 or gpus in (1, 2) and not metrics.nope exists", false},
		{`name ~ "^(sweep|bert)-\d*7$" or params.opt !~ "(?i)ADAM"`, true},
	} {
		e, err := Parse(tt.expr, testNow)
		if err != nil {
			t.Fatal(err)
		}
		kept := 0
		allocs := testing.AllocsPerRun(10, func() {
			kept = 0
			for _, r := range runs {
				if e.Match(r) {
					kept++
				}
			}
		})
		if kept == 0 || kept == len(runs) {
			t.Errorf("%q keeps %d of %d runs: not a useful check", tt.expr, kept, len(runs))
		}
		if tt.regexps && raceEnabled {
			continue // sync.Pool drops items under the race detector
		}
		if allocs != 0 {
			t.Errorf("%q: %v allocations for %d runs, want 0", tt.expr, allocs, len(runs))
		}
	}
}
