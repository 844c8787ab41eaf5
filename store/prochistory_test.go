package store

import (
	"testing"
	"time"
)

func TestProcHistoryThinAndPurge(t *testing.T) {
	db := openTemp(t)
	start := time.Unix(1_800_000_000, 0)
	a := newRun(t, db, "a", "exp", start)
	b := newRun(t, db, "b", "exp", start)
	update(t, db, func(tx *Tx) error {
		for i := range 100 {
			at := start.Add(time.Duration(i) * time.Second)
			if err := tx.PutProcPoint(a.ID, ProcPoint{Time: at, CPU: float64(i % 10), RSS: uint64(i) << 20, Procs: 1 + i%3}); err != nil {
				return err
			}
			if err := tx.PutProcPoint(b.ID, ProcPoint{Time: at, CPU: 50, RSS: 1, Procs: 1}); err != nil {
				return err
			}
		}
		return tx.ThinProcHistory(a.ID, start, 10*time.Second)
	})
	db.View(func(tx *Tx) error {
		pts, err := tx.ProcHistory(a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 10 {
			t.Fatalf("%d points after thinning to 10 s steps", len(pts))
		}
		// Each step of ten: CPU 0..9 averages 4.5; the peak RSS is its last.
		last := pts[9]
		if !last.Time.Equal(start.Add(90*time.Second)) || last.CPU != 4.5 || last.RSS != 99<<20 || last.Procs != 3 {
			t.Errorf("last merged point %+v", last)
		}
		other, _ := tx.ProcHistory(b.ID)
		if len(other) != 100 {
			t.Errorf("another run's history has %d points, not its 100", len(other))
		}
		return nil
	})
	update(t, db, func(tx *Tx) error {
		r, _ := tx.Run(a.ID)
		r.Status = Succeeded
		if err := tx.PutRun(r); err != nil {
			return err
		}
		return tx.PurgeRun(a.ID)
	})
	db.View(func(tx *Tx) error {
		if pts, _ := tx.ProcHistory(a.ID); len(pts) != 0 {
			t.Errorf("a purged run keeps %d readings", len(pts))
		}
		if pts, _ := tx.ProcHistory(b.ID); len(pts) != 100 {
			t.Errorf("purging a run took %d of another's readings", 100-len(pts))
		}
		return nil
	})
}
