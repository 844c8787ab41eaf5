package store

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lathe/store/series"
)

// buildStore writes runs with random series in many small commits, as an
// engine does (so the file has free pages to compact away).
func buildStore(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(9, 9))
	runs := map[string][]string{}
	for i := range 5 {
		r := &Run{ID: NewID(), Name: "r", Experiment: "e", Status: Running, Created: time.Unix(int64(i), 0)}
		update(t, db, func(tx *Tx) error { return tx.CreateRun(r) })
		runs[r.ID] = []string{"loss", "acc"}
		pts := randomSeries(rng, 3000)
		for start := 0; start < len(pts); start += 150 {
			update(t, db, func(tx *Tx) error {
				for _, m := range runs[r.ID] {
					if err := tx.AppendPoints(r.ID, m, pts[start:start+150]); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	return runs
}

func TestCheckCleanStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	buildStore(t, path)
	db, _ := Open(path, time.Second)
	defer db.Close()
	db.View(func(tx *Tx) error {
		rep := tx.Check(nil)
		if len(rep.Problems) != 0 || rep.Runs != 5 || rep.Series != 10 || rep.Points != 30000 {
			t.Errorf("clean store: %+v", rep)
		}
		return nil
	})
}

func TestCheckFindsDamage(t *testing.T) {
	for name, damage := range map[string]func(tx *bolt.Tx, id string) error{
		"chunk": func(tx *bolt.Tx, id string) error {
			return tx.Bucket(bucketSeries).Put(seriesKey(id, 0, 1), []byte{1, 5, 0, 0})
		},
		"missing chunk": func(tx *bolt.Tx, id string) error {
			return tx.Bucket(bucketSeries).Delete(seriesKey(id, 0, 0))
		},
		"orphan chunk": func(tx *bolt.Tx, id string) error {
			return tx.Bucket(bucketSeries).Put(seriesKey(id, 77, 0), []byte{1, 0})
		},
		"summary": func(tx *bolt.Tx, id string) error {
			raw := tx.Bucket(bucketSummaries).Get([]byte(id))
			return tx.Bucket(bucketSummaries).Put([]byte(id), []byte(strings.Replace(string(raw), `"count":3000`, `"count":2999`, 1)))
		},
		"active index": func(tx *bolt.Tx, id string) error {
			return tx.Bucket(bucketActive).Delete([]byte(id))
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lathe.db")
			runs := buildStore(t, path)
			var id string
			for id = range runs {
				break
			}
			bdb, _ := bolt.Open(path, 0o600, nil)
			if err := bdb.Update(func(tx *bolt.Tx) error { return damage(tx, id) }); err != nil {
				t.Fatal(err)
			}
			bdb.Close()
			db, err := Open(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.View(func(tx *Tx) error {
				if rep := tx.Check(nil); len(rep.Problems) == 0 {
					t.Errorf("damage not found: %+v", rep)
				} else {
					t.Logf("found: %s", rep.Problems[0])
				}
				return nil
			})
		})
	}
}

func TestCompactKeepsEveryPoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	runs := buildStore(t, path)
	db, _ := Open(path, time.Second)
	snapshot := seriesSnapshot(t, db, runs)
	var calls int
	res, err := db.Compact(context.Background(), func(done, total int) { calls++ })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Whether the file shrinks depends on how bbolt grew it (in steps, with
	// the writer's group commits): a compaction that would not shrink it
	// keeps the old file. It never grows.
	if res.After > res.Before || res.Points != 30000 || calls == 0 {
		t.Errorf("compact: %+v, %d progress calls", res, calls)
	}
	if _, err := os.Stat(path + ".compact"); err == nil {
		t.Error("the temporary file was left")
	}
	db, err = Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after := seriesSnapshot(t, db, runs)
	for k, pts := range snapshot {
		samePoints(t, after[k], pts)
	}
	db.View(func(tx *Tx) error {
		if rep := tx.Check(nil); len(rep.Problems) != 0 {
			t.Errorf("compacted store: %v", rep.Problems)
		}
		return nil
	})
	// And it goes on taking writes.
	update(t, db, func(tx *Tx) error {
		return tx.AppendPoints(firstKey(runs), "loss", randomSeries(rand.New(rand.NewPCG(1, 1)), 10))
	})
	t.Logf("compacted %d → %d bytes", res.Before, res.After)
}

func seriesSnapshot(t *testing.T, db *DB, runs map[string][]string) map[string][]series.Point {
	out := map[string][]series.Point{}
	db.View(func(tx *Tx) error {
		for id, ms := range runs {
			for _, m := range ms {
				pts, err := tx.Series(id, m)
				if err != nil {
					t.Fatal(err)
				}
				out[id+"/"+m] = pts
			}
		}
		return nil
	})
	return out
}

func firstKey(m map[string][]string) string {
	for k := range m {
		return k
	}
	return ""
}

// TestCheckDamagedVersion: a version record that does not read is one
// problem, named, and not also counted as an orphan.
func TestCheckDamagedVersion(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "lathe.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	update(t, db, func(tx *Tx) error {
		if err := tx.PutModel(&Model{Name: "m", LastVersion: 2, Count: 2}); err != nil {
			return err
		}
		if err := tx.PutVersion(&ModelVersion{Model: "m", Version: 1}); err != nil {
			return err
		}
		return tx.btx.Bucket(bucketVersions).Put(versionKey("m", 2), []byte("{garbage"))
	})
	var rep CheckReport
	db.View(func(tx *Tx) error { rep = tx.Check(nil); return nil })
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "model m") {
		t.Fatalf("problems %q", rep.Problems)
	}
}

// A reading of a run's processes that does not decode, or whose run is
// gone, is a problem Check names.
func TestCheckProcHistory(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "lathe.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := &Run{ID: NewID(), Name: "r", Experiment: "e", Status: Running, Created: time.Unix(1, 0)}
	orphan := NewID()
	update(t, db, func(tx *Tx) error {
		if err := tx.CreateRun(r); err != nil {
			return err
		}
		if err := tx.PutProcPoint(r.ID, ProcPoint{Time: time.Unix(10, 0), CPU: 50, RSS: 1 << 20, Procs: 2}); err != nil {
			return err
		}
		return tx.PutProcPoint(orphan, ProcPoint{Time: time.Unix(10, 0), CPU: 50})
	})
	var rep CheckReport
	db.View(func(tx *Tx) error { rep = tx.Check(nil); return nil })
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], orphan) {
		t.Fatalf("an orphan reading: %q", rep.Problems)
	}
	update(t, db, func(tx *Tx) error {
		return tx.btx.Bucket(bucketProcHistory).Put(procKey(r.ID, time.Unix(11, 0)), []byte("short"))
	})
	db.View(func(tx *Tx) error { rep = tx.Check(nil); return nil })
	if len(rep.Problems) != 2 || !strings.Contains(strings.Join(rep.Problems, "\n"), "process history entry of 5 bytes") {
		t.Fatalf("a damaged reading: %q", rep.Problems)
	}
}
