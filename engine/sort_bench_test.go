package engine

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/store"
	"lathe/store/series"
)

// BenchmarkSortRuns100k measures what a table of runs sorted by a metric
// costs the engine: every run's last value of one metric, sorted (sort-all),
// and only the best 1 000 (sort-top), over 100 000 runs, answered from the
// engine's catalogue as `lathe runs --sort` and the app's table are. The
// store keeps no index of last values for it (schema 3 dropped one nothing
// read). The SQLite side of these rows, MLflow's latest_metrics ordered by
// value, is measured by store/compare on the same shape of data.
func BenchmarkSortRuns100k(b *testing.B) {
	const runs = 100_000
	home := b.TempDir()
	seedLastValues(b, home, runs)
	e, err := Open(testOptions(b, home, nil))
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if err := e.cat.ready(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, c := range []struct {
			unit  string
			limit int
		}{{"ms/sort-all", 0}, {"ms/sort-top", 1000}} {
			var times []float64
			for range 11 {
				start := time.Now()
				ids, err := e.queryIDs(ctx, api.RunQuery{Sort: "metrics.loss", Desc: true, Limit: c.limit})
				times = append(times, float64(time.Since(start))/1e6)
				if err != nil || len(ids) != cmpLimit(runs, c.limit) {
					b.Fatalf("%d ids, %v", len(ids), err)
				}
			}
			slices.Sort(times)
			b.ReportMetric(times[len(times)/2], c.unit)
		}
	}
}

func cmpLimit(n, limit int) int {
	if limit > 0 {
		return min(n, limit)
	}
	return n
}

// seedLastValues writes n ended runs with one "loss" value each (a few
// NaN), as a sweep leaves them.
func seedLastValues(b *testing.B, home string, n int) {
	os.MkdirAll(home, 0o755)
	db, err := store.Open(filepath.Join(home, "lathe.db"), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for first := 0; first < n; first += 5000 {
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			for i := first; i < min(first+5000, n); i++ {
				created := base.Add(time.Duration(i) * time.Second)
				r := &store.Run{ID: fmt.Sprintf("%012x", 0xc00000000000+i), Name: fmt.Sprintf("sweep-%d", i), Experiment: "sweep",
					Status: store.Succeeded, Created: created, Params: map[string]string{}, Tags: map[string]string{}}
				if err := tx.CreateRun(r); err != nil {
					return err
				}
				v := math.Sin(float64(i))*2 + 3
				if i%97 == 0 {
					v = math.NaN()
				}
				if err := tx.AppendPoints(r.ID, "loss", []series.Point{{Step: 1, Time: created.UnixMicro(), Value: v}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
