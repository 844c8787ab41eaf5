package compare

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestQuick runs every workload at a small size on both sides: the harness
// works and both sides return the same data.
func TestQuick(t *testing.T) {
	p := plan{
		main:      workload{runs: 4, metrics: 3, steps: 400, batch: 120},
		wide:      workload{runs: 2, metrics: 3, steps: 300, batch: 600},
		manyRuns:  300,
		longSteps: 5000,
		view:      40,
		top:       10,
		checkAll:  true,
	}
	res, err := measure(t.TempDir(), p, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 9 {
		t.Fatalf("%d results: %+v", len(res), res)
	}
	for _, r := range res {
		switch sortRow := r.id == "sort-all" || r.id == "sort-top"; {
		case sortRow && !(r.sql > 0):
			// lathe's side of a sort is the engine's (BenchmarkSortRuns100k).
			t.Errorf("%s: SQLite measured %v", r.name, r.sql)
		case !sortRow && !(r.lathe > 0):
			t.Errorf("%s: lathe measured %v", r.name, r.lathe)
		}
	}
}

// BenchmarkStore is the full comparison of BENCHMARKS.md. LATHE_BENCH_SCALE
// divides its sizes (2 for a quicker look); the budgets hold at 1.
func BenchmarkStore(b *testing.B) {
	scale := 1
	if s := os.Getenv("LATHE_BENCH_SCALE"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			scale = n
		}
	}
	bin := filepath.Join(b.TempDir(), "lathe")
	build := exec.Command("go", "build", "-o", bin, "lathe/cmd/lathe")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build lathe: %v %s", err, out)
	}
	p := plan{
		main:      workload{runs: 100, metrics: 10, steps: 10_000 / scale, batch: 1000},
		wide:      workload{runs: 20, metrics: 10, steps: 10_000 / scale, batch: 10_000},
		manyRuns:  100_000/scale - 101,
		longSteps: 1_000_000 / scale,
		view:      1000,
		top:       1000,
		binary:    bin,
	}
	for range b.N {
		res, err := measure(b.TempDir(), p, b.Logf)
		if err != nil {
			b.Fatal(err)
		}
		// Reported as lathe:ID:UNIT and sqlite:ID:UNIT, which make bench's
		// table pairs into rows.
		for _, r := range res {
			if !math.IsNaN(r.lathe) { // NaN: lathe's side is measured elsewhere
				b.ReportMetric(r.lathe, "lathe:"+r.id+":"+r.unit)
			}
			if r.sql != 0 {
				b.ReportMetric(r.sql, "sqlite:"+r.id+":"+r.unit)
			}
		}
	}
}
