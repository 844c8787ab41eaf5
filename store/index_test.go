package store

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"lathe/store/series"
)

func TestLatestKeyOrder(t *testing.T) {
	values := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0,
		math.SmallestNonzeroFloat64, 1, 2.5, math.MaxFloat64, math.Inf(1)}
	for i := 1; i < len(values); i++ {
		a, b := latestKey(values[i-1], "aaaaaaaaaaaa"), latestKey(values[i], "aaaaaaaaaaaa")
		if string(a) >= string(b) && values[i-1] != values[i] {
			t.Errorf("%v does not sort before %v", values[i-1], values[i])
		}
	}
	for _, v := range append(values, math.NaN()) {
		got, id, err := latestValue(latestKey(v, "0123456789ab"))
		if err != nil || id != "0123456789ab" || math.Float64bits(got) != math.Float64bits(v) && !(math.IsNaN(v) && math.IsNaN(got)) {
			t.Errorf("%v round-trips as %v %q %v", v, got, id, err)
		}
	}
}

// The index always equals a sort of every run's summary.
func TestLatestSortedFollowsAppends(t *testing.T) {
	db := openTemp(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var ids []string
	for i := range 60 {
		ids = append(ids, newRun(t, db, "r", "e", time.Unix(int64(i), 0)).ID)
	}
	for round := range 5 {
		update(t, db, func(tx *Tx) error {
			for _, id := range ids {
				if rng.IntN(3) == 0 {
					continue
				}
				v := math.Round(rng.NormFloat64()*100) / 10 // ties happen
				if rng.IntN(20) == 0 {
					v = math.NaN()
				}
				if err := tx.AppendPoints(id, "loss", []series.Point{{Step: int64(round), Value: v}}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	db.View(func(tx *Tx) error {
		var want []Latest
		for _, id := range ids {
			sums, _ := tx.Summaries(id)
			if s, ok := sums["loss"]; ok {
				want = append(want, Latest{RunID: id, Value: float64(s.Last)})
			}
		}
		for _, desc := range []bool{false, true} {
			exp := slices.Clone(want)
			slices.SortFunc(exp, func(a, b Latest) int {
				an, bn := math.IsNaN(a.Value), math.IsNaN(b.Value)
				switch {
				case an && bn:
					return cmp.Compare(a.RunID, b.RunID)
				case an:
					return 1
				case bn:
					return -1
				}
				c := cmp.Compare(a.Value, b.Value)
				if desc {
					c = -c
				}
				if c == 0 {
					c = cmp.Compare(a.RunID, b.RunID)
					if desc {
						c = -c
					}
				}
				return c
			})
			got, err := tx.LatestSorted("loss", desc, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(exp) {
				t.Fatalf("desc=%v: %d runs, want %d", desc, len(got), len(exp))
			}
			for i := range got {
				if got[i].RunID != exp[i].RunID {
					t.Fatalf("desc=%v: position %d is %+v, want %+v", desc, i, got[i], exp[i])
				}
			}
			top, _ := tx.LatestSorted("loss", desc, 5)
			if len(top) != 5 || top[0] != got[0] || top[4] != got[4] {
				t.Errorf("desc=%v top 5: %v", desc, top)
			}
		}
		return nil
	})
}

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
