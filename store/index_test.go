package store

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"lathe/store/series"
)

func TestActiveRuns(t *testing.T) {
	db := openTemp(t)
	a := newRun(t, db, "a", "e", time.Unix(1, 0))
	b := newRun(t, db, "b", "e", time.Unix(2, 0))
	update(t, db, func(tx *Tx) error {
		r, _ := tx.Run(a.ID)
		r.Status = Succeeded
		return tx.PutRun(r)
	})
	db.View(func(tx *Tx) error {
		active, err := tx.ActiveRuns()
		if err != nil || len(active) != 1 || active[0].ID != b.ID {
			t.Errorf("active %v %v", active, err)
		}
		return nil
	})
}

func TestSeriesView(t *testing.T) {
	db := openTemp(t)
	r := newRun(t, db, "r", "e", time.Now())
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 40 * ChunkPoints
	pts := make([]series.Point, n)
	for i := range pts {
		pts[i] = series.Point{Step: int64(i), Time: int64(i) * 1000, Value: rng.NormFloat64()}
	}
	pts[12345].Value = 50 // a spike the view must keep
	update(t, db, func(tx *Tx) error { return tx.AppendPoints(r.ID, "m", pts) })
	db.View(func(tx *Tx) error {
		for _, maxPoints := range []int{n, 100, 40, 7} {
			view, err := tx.SeriesView(r.ID, "m", maxPoints)
			if err != nil {
				t.Fatal(err)
			}
			if len(view) > maxPoints || len(view) < maxPoints/4 {
				t.Errorf("view of %d: %d buckets", maxPoints, len(view))
			}
			total, top := 0, math.Inf(-1)
			for i, b := range view {
				total += b.Count
				top = math.Max(top, b.Max)
				if i > 0 && b.FirstStep != view[i-1].LastStep+1 {
					t.Fatalf("view of %d: bucket %d starts at %d after %d", maxPoints, i, b.FirstStep, view[i-1].LastStep)
				}
			}
			if total != n || top != 50 || view[len(view)-1].Last != pts[n-1].Value {
				t.Errorf("view of %d: %d points, max %v, last %v", maxPoints, total, top, view[len(view)-1].Last)
			}
		}
		return nil
	})
}
