package store

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"lathe/store/series"
)

// purgeSome ends and purges all runs but keep, so that a compaction has
// pages to give back; it returns the runs kept.
func purgeSome(t *testing.T, db *DB, runs map[string][]string, keep int) []string {
	t.Helper()
	ids := slices.Sorted(maps.Keys(runs))
	update(t, db, func(tx *Tx) error {
		for _, id := range ids[keep:] {
			r, err := tx.Run(id)
			if err != nil {
				return err
			}
			r.Status = Succeeded
			if err := tx.PutRun(r); err != nil {
				return err
			}
			if err := tx.PurgeRun(id); err != nil {
				return err
			}
		}
		return nil
	})
	return ids[:keep]
}

// An open store compacts while writes and reads go on: the writes made
// meanwhile wait for the compaction, then land in the new file; every point
// is there once; the file is smaller; and the store goes on working, also
// once reopened.
func TestCompactOpenStoreWhileWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	runs := buildStore(t, path)
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close(); checkFile(t, path) }()
	kept := purgeSome(t, db, runs, 2)
	snapshot := seriesSnapshot(t, db, map[string][]string{kept[0]: runs[kept[0]], kept[1]: runs[kept[1]]})
	oldFile, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	// One goroutine appends a point at a time to a series of a kept run,
	// another reads it, until stopped.
	live := kept[0]
	var mu sync.Mutex
	var acked []int64
	written := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for step := int64(0); ; step++ {
			select {
			case <-stop:
				return
			default:
			}
			err := db.Update(context.Background(), func(tx *Tx) error {
				return tx.AppendPoints(live, "live", []series.Point{{Step: step, Time: step, Value: float64(step)}})
			})
			if err != nil {
				t.Errorf("write %d: %v", step, err)
				return
			}
			mu.Lock()
			acked = append(acked, step)
			mu.Unlock()
		}
	})
	reads := 0
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := db.View(func(tx *Tx) error {
				if _, err := tx.Series(live, "loss"); err != nil {
					return err
				}
				_, err := tx.Runs(nil, 0)
				return err
			})
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			reads++
		}
	})
	for written() < 20 {
		time.Sleep(time.Millisecond)
	}

	var atStart, atEnd, calls int
	res, err := db.Compact(context.Background(), func(done, total int) {
		// On the writer: no write lands meanwhile, and reads go on.
		if calls++; calls == 1 {
			atStart = written()
		}
		atEnd = written()
		if err := db.View(func(tx *Tx) error { _, err := tx.Series(live, "loss"); return err }); err != nil {
			t.Errorf("read during the compaction: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	compacted := written()
	for written() < compacted+20 {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()

	t.Logf("compacted %d → %d bytes, %d points; %d writes before, %d after; %d reads", res.Before, res.After, res.Points, compacted, written()-compacted, reads)
	// The writer goroutine counts a write once Update returns, so at most
	// one write made before the compaction is counted during it; none is
	// made during it.
	if copied := int(res.Points) - 12000; calls == 0 || atEnd > atStart+1 || copied < atEnd || copied > atStart+1 {
		t.Errorf("%d progress calls; %d writes counted when the copy began, %d when it ended, %d copied", calls, atStart, atEnd, copied)
	}
	if res.After >= res.Before {
		t.Errorf("compact: %+v", res)
	}
	if newFile, err := os.Stat(path); err != nil || os.SameFile(oldFile, newFile) {
		t.Errorf("the file was not replaced (%v)", err)
	}
	if _, err := os.Stat(path + ".compact"); err == nil {
		t.Error("the temporary file was left")
	}
	checkLive := func(db *DB) {
		t.Helper()
		db.View(func(tx *Tx) error {
			pts, err := tx.Series(live, "live")
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(pts) != len(acked) {
				t.Fatalf("%d points stored, %d writes acknowledged", len(pts), len(acked))
			}
			for i, p := range pts {
				if p.Step != acked[i] {
					t.Fatalf("point %d is step %d, want %d", i, p.Step, acked[i])
				}
			}
			if rep := tx.Check(nil); len(rep.Problems) != 0 {
				t.Errorf("check: %v", rep.Problems)
			}
			return nil
		})
		after := seriesSnapshot(t, db, map[string][]string{kept[0]: runs[kept[0]], kept[1]: runs[kept[1]]})
		for k, pts := range snapshot {
			samePoints(t, after[k], pts)
		}
	}
	checkLive(db)
	db.Close()
	if db, err = Open(path, time.Second); err != nil {
		t.Fatal(err)
	}
	checkLive(db)
	update(t, db, func(tx *Tx) error {
		return tx.AppendPoints(live, "loss", []series.Point{{Step: 1e6, Value: 1}})
	})
}

// A compaction that fails before its rename leaves the store's file as it
// was, byte for byte, removes its own, and leaves the store working.
func TestCompactFailureLeavesFileUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	runs := buildStore(t, path)
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close(); checkFile(t, path) }()
	kept := purgeSome(t, db, runs, 2)
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Cancelled by its last report of progress, the compaction has copied
	// and checked everything: it stops just before the rename.
	ctx, cancel := context.WithCancel(context.Background())
	_, err = db.Compact(ctx, func(done, total int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, original) {
		t.Error("the store's file changed")
	}
	if _, err := os.Stat(path + ".compact"); err == nil {
		t.Error("the temporary file was left")
	}
	update(t, db, func(tx *Tx) error {
		return tx.AppendPoints(kept[0], "loss", []series.Point{{Step: 1e6, Value: 1}})
	})
	db.View(func(tx *Tx) error {
		if pts, err := tx.Series(kept[0], "loss"); err != nil || len(pts) != 3001 {
			t.Errorf("%d points, %v", len(pts), err)
		}
		if rep := tx.Check(nil); len(rep.Problems) != 0 {
			t.Errorf("check: %v", rep.Problems)
		}
		return nil
	})
	// And the same compaction, let run, does rename.
	res, err := db.Compact(context.Background(), nil)
	if err != nil || res.After >= res.Before {
		t.Errorf("compact: %+v, %v", res, err)
	}
}

// Compact and View on a closed store say it is closed.
func TestCompactClosed(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "lathe.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := db.Compact(context.Background(), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("compact after close: %v", err)
	}
	if err := db.View(func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("view after close: %v", err)
	}
}

// A compaction a crash cut short leaves its new file beside the store; the
// next Open removes it, and the store is the old file.
func TestStaleCompactionFileRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	stale := compactPath(path)
	if err := os.WriteFile(stale, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale compaction file is still there: %v", err)
	}
}
