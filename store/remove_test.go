package store

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// A removed run leaves the deleted index when restored, and a purged one
// leaves nothing behind: the store checks clean at every step.
func TestRemoveRestorePurge(t *testing.T) {
	db := openTemp(t)
	rng := rand.New(rand.NewPCG(3, 3))
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	ids := []string{"aaaaaaaaaaa1", "aaaaaaaaaaa2", "aaaaaaaaaaa3"}
	update(t, db, func(tx *Tx) error {
		for i, id := range ids {
			r := &Run{ID: id, Name: "r" + id[11:], Experiment: "e", Status: Succeeded, Created: at.Add(time.Duration(i) * time.Minute)}
			if i == 2 {
				r.Status = Running
			}
			if err := tx.CreateRun(r); err != nil {
				return err
			}
			for _, m := range []string{"loss", "acc"} {
				if err := tx.AppendPoints(id, m, randomSeries(rng, 3000)); err != nil {
					return err
				}
			}
			if err := tx.PutTail(id, SourceMetrics, TailState{Offset: 10}); err != nil {
				return err
			}
		}
		return nil
	})
	clean := func(when string) {
		t.Helper()
		db.View(func(tx *Tx) error {
			if rep := tx.Check(nil); len(rep.Problems) != 0 {
				t.Errorf("%s: %v", when, rep.Problems)
			}
			return nil
		})
	}
	update(t, db, func(tx *Tx) error {
		if _, err := tx.DeleteRun(ids[2], at); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("removing a running run: %v", err)
		}
		for i, id := range ids[:2] {
			if _, err := tx.DeleteRun(id, at.Add(time.Duration(i)*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	clean("after removing")
	db.View(func(tx *Tx) error {
		all, _ := tx.DeletedRuns(time.Time{})
		early, _ := tx.DeletedRuns(at.Add(30 * time.Minute))
		if len(all) != 2 || all[0].ID != ids[0] || all[1].ID != ids[1] || len(early) != 1 || early[0].ID != ids[0] {
			t.Errorf("deleted runs: all %d, before the second removal %d", len(all), len(early))
		}
		return nil
	})
	update(t, db, func(tx *Tx) error {
		r, err := tx.RestoreRun(ids[1])
		if err == nil && r.Deleted != nil {
			t.Errorf("restored run still removed")
		}
		return err
	})
	clean("after restoring")
	update(t, db, func(tx *Tx) error {
		if err := tx.PurgeRun(ids[2]); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("purging a running run: %v", err)
		}
		return tx.PurgeRun(ids[0])
	})
	clean("after purging")
	db.View(func(tx *Tx) error {
		if _, err := tx.Run(ids[0]); !errors.Is(err, ErrNotFound) {
			t.Errorf("purged run: %v", err)
		}
		if _, err := tx.ResolveRun("r1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("purged run by name: %v", err)
		}
		if deleted, _ := tx.DeletedRuns(time.Time{}); len(deleted) != 0 {
			t.Errorf("deleted index after the purge: %d runs", len(deleted))
		}
		for _, id := range ids[1:] {
			if pts, err := tx.Series(id, "loss"); err != nil || len(pts) != 3000 {
				t.Errorf("run %s kept %d points, %v", id, len(pts), err)
			}
		}
		return nil
	})
	// The purged series' keys are free: a new run appends from scratch.
	update(t, db, func(tx *Tx) error {
		return tx.AppendPoints(ids[1], "loss", randomSeries(rng, 10))
	})
	clean("after appending again")
}

// The watcher hears of every run a durable transaction wrote, and of none a
// failed one did.
func TestWatch(t *testing.T) {
	db := openTemp(t)
	heard := make(chan []string, 10)
	db.Watch(func(ids []string) { heard <- ids })
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	update(t, db, func(tx *Tx) error {
		return tx.CreateRun(&Run{ID: "bbbbbbbbbbb1", Name: "a", Experiment: "e", Status: Running, Created: at})
	})
	if ids := <-heard; len(ids) != 1 || ids[0] != "bbbbbbbbbbb1" {
		t.Errorf("after a create: %v", ids)
	}
	update(t, db, func(tx *Tx) error {
		return tx.AppendPoints("bbbbbbbbbbb1", "loss", randomSeries(rand.New(rand.NewPCG(1, 1)), 5))
	})
	if ids := <-heard; len(ids) != 1 || ids[0] != "bbbbbbbbbbb1" {
		t.Errorf("after points: %v", ids)
	}
	err := db.Update(t.Context(), func(tx *Tx) error {
		tx.PutRun(&Run{ID: "bbbbbbbbbbb1", Name: "a", Experiment: "e", Status: Failed, Created: at})
		return errors.New("no")
	})
	if err == nil {
		t.Fatal("the failed update succeeded")
	}
	select {
	case ids := <-heard:
		t.Errorf("a rolled-back transaction was heard: %v", ids)
	case <-time.After(100 * time.Millisecond):
	}
}
