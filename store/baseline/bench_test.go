package baseline

import (
	"fmt"
	"testing"
)

// BenchmarkLogBatch1000 logs batches of 1000 points (100 steps × 10 keys) to
// one run, each batch at new steps, and reports points per second. Every
// batch is one fsync'd WAL commit (synchronous=FULL).
func BenchmarkLogBatch1000(b *testing.B) {
	db, _ := openTemp(b)
	mustRun(b, db, "0123456789abcdef0123456789abcdef")
	keys := make([]string, 10)
	for k := range keys {
		keys[k] = fmt.Sprintf("train/metric_%d", k)
	}
	batch := make([]Metric, 0, 1000)
	const t0 = 1_700_000_000_000
	n := 0
	for b.Loop() {
		batch = batch[:0]
		for s := range 100 {
			step := int64(n*100 + s)
			for k, key := range keys {
				batch = append(batch, Metric{key, float64(step)*0.001 + float64(k), t0 + step, step})
			}
		}
		if err := db.LogBatch("0123456789abcdef0123456789abcdef", batch); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*len(batch))/b.Elapsed().Seconds(), "points/s")
}
