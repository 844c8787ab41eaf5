package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lathe/store/series"
)

// openTemp opens a store in a temporary folder and checks bbolt's
// consistency of the file when the test ends.
func openTemp(t *testing.T) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		checkFile(t, path)
	})
	return db
}

func checkFile(t *testing.T, path string) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reopen for check: %v", err)
	}
	defer bdb.Close()
	err = bdb.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("consistency check: %v", err)
	}
}

func update(t *testing.T, db *DB, fn func(*Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func newRun(t *testing.T, db *DB, name, exp string, created time.Time) *Run {
	t.Helper()
	r := &Run{ID: NewID(), Name: name, Experiment: exp, Status: Queued, Created: created}
	update(t, db, func(tx *Tx) error { return tx.CreateRun(r) })
	return r
}

func TestRunsListAndResolve(t *testing.T) {
	db := openTemp(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newRun(t, db, "alpha", "exp1", base)
	b := newRun(t, db, "beta", "exp2", base.Add(time.Second))
	c := newRun(t, db, "beta", "exp1", base.Add(2*time.Second))

	err := db.View(func(tx *Tx) error {
		runs, err := tx.Runs(nil, 0)
		if err != nil {
			return err
		}
		if len(runs) != 3 || runs[0].ID != c.ID || runs[2].ID != a.ID {
			return fmt.Errorf("runs not newest first: %v", runs)
		}
		only, _ := tx.Runs(func(r *Run) bool { return r.Experiment == "exp1" }, 1)
		if len(only) != 1 || only[0].ID != c.ID {
			return fmt.Errorf("filter+limit: %v", only)
		}
		for _, tc := range []struct {
			ref     string
			want    string
			wantErr error
		}{
			{a.ID, a.ID, nil},
			{"alpha", a.ID, nil},
			{a.ID[:6], a.ID, nil},
			{"beta", "", ErrAmbiguous},
			{"gamma", "", ErrNotFound},
			{"", "", ErrInvalidInput},
		} {
			r, err := tx.ResolveRun(tc.ref)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					return fmt.Errorf("resolve %q: err %v, want %v", tc.ref, err, tc.wantErr)
				}
				continue
			}
			if err != nil || r.ID != tc.want {
				return fmt.Errorf("resolve %q: %v %v", tc.ref, r, err)
			}
		}
		exps, err := tx.Experiments()
		if err != nil || len(exps) != 2 || exps[0].Runs != 2 || exps[1].Runs != 1 {
			return fmt.Errorf("experiments: %+v %v", exps, err)
		}
		_ = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPrefixAmbiguous(t *testing.T) {
	db := openTemp(t)
	now := time.Now()
	ids := []string{"abc000000001", "abc000000002", "abd000000003"}
	for i, id := range ids {
		r := &Run{ID: id, Name: fmt.Sprintf("r%d", i), Experiment: "e", Created: now.Add(time.Duration(i))}
		update(t, db, func(tx *Tx) error { return tx.CreateRun(r) })
	}
	db.View(func(tx *Tx) error {
		if _, err := tx.ResolveRun("abc"); !errors.Is(err, ErrAmbiguous) {
			t.Errorf("abc: %v", err)
		}
		if r, err := tx.ResolveRun("abd"); err != nil || r.ID != ids[2] {
			t.Errorf("abd: %v %v", r, err)
		}
		return nil
	})
}

// randomSeries mixes everything a metric can hold.
func randomSeries(rng *rand.Rand, n int) []series.Point {
	pts := make([]series.Point, n)
	step, tm := int64(0), int64(1_732_280_000_000_000)
	for i := range pts {
		switch rng.IntN(10) {
		case 0:
			step -= rng.Int64N(5) // backwards
		case 1: // repeated
		default:
			step++
		}
		tm += rng.Int64N(2_000_000)
		var v float64
		switch rng.IntN(12) {
		case 0:
			v = math.NaN()
		case 1:
			v = math.Inf(1)
		case 2:
			v = math.Inf(-1)
		case 3:
			v = math.MaxFloat64 * rng.Float64()
		case 4:
			v = math.SmallestNonzeroFloat64 * float64(rng.IntN(100))
		default:
			v = rng.NormFloat64() * math.Exp(-float64(i)/1000)
		}
		pts[i] = series.Point{Step: step, Time: tm, Value: v}
	}
	return pts
}

func samePoints(t *testing.T, got, want []series.Point) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Step != want[i].Step || got[i].Time != want[i].Time ||
			math.Float64bits(got[i].Value) != math.Float64bits(want[i].Value) {
			t.Fatalf("point %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func recompute(pts []series.Point) Summary {
	var s Summary
	for _, p := range pts {
		s.add(p)
	}
	return s
}

func sameSummary(t *testing.T, got, want Summary) {
	t.Helper()
	eq := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	if got.Count != want.Count || got.LastStep != want.LastStep || !eq(float64(got.Last), float64(want.Last)) ||
		!eq(float64(got.Min), float64(want.Min)) || !eq(float64(got.Max), float64(want.Max)) {
		t.Fatalf("summary %+v, want %+v", got, want)
	}
}

func TestSeriesRoundTripAcrossCommitsAndReopen(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	path := filepath.Join(t.TempDir(), "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r := newRun(t, db, "r", "e", time.Now())
	want := map[string][]series.Point{}
	names := []string{"loss", "acc", "train/loss", "lr"}
	for name := range 4 {
		want[names[name]] = randomSeries(rng, 1+rng.IntN(3*ChunkPoints))
	}
	// Append in uneven batches, some commits holding several metrics,
	// reopening the store half way so open chunks are resumed from the file.
	pos := map[string]int{}
	for round := 0; ; round++ {
		if round == 5 {
			db.Close()
			if db, err = Open(path, time.Second); err != nil {
				t.Fatal(err)
			}
		}
		progress := false
		update(t, db, func(tx *Tx) error {
			for _, n := range names {
				p := pos[n]
				if p >= len(want[n]) {
					continue
				}
				k := min(len(want[n])-p, 1+rng.IntN(700))
				if err := tx.AppendPoints(r.ID, n, want[n][p:p+k]); err != nil {
					return err
				}
				pos[n] = p + k
				progress = true
			}
			return nil
		})
		if !progress {
			break
		}
	}
	defer db.Close()
	db.View(func(tx *Tx) error {
		sums, err := tx.Summaries(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			got, err := tx.Series(r.ID, n)
			if err != nil {
				t.Fatal(err)
			}
			samePoints(t, got, want[n])
			sameSummary(t, sums[n], recompute(want[n]))
			if wantChunks := (len(want[n]) + ChunkPoints - 1) / ChunkPoints; int(sums[n].Chunks) != wantChunks {
				t.Errorf("%s: %d chunks for %d points, want %d", n, sums[n].Chunks, len(want[n]), wantChunks)
			}
		}
		return nil
	})
}

func TestFailedWriteDoesNotFailItsGroupOrLeakPoints(t *testing.T) {
	db := openTemp(t)
	r := newRun(t, db, "r", "e", time.Now())
	pt := func(i int) []series.Point { return []series.Point{{Step: int64(i), Time: int64(i), Value: float64(i)}} }
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Update(context.Background(), func(tx *Tx) error {
				if err := tx.AppendPoints(r.ID, "m", pt(i)); err != nil {
					return err
				}
				if i%4 == 0 {
					return fmt.Errorf("refused %d", i)
				}
				return nil
			})
		}()
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		if (i%4 == 0) != (err != nil) {
			t.Fatalf("write %d: %v", i, err)
		}
		if err == nil {
			ok++
		}
	}
	db.View(func(tx *Tx) error {
		got, err := tx.Series(r.ID, "m")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != ok {
			t.Fatalf("%d points stored, want %d (a refused write leaked)", len(got), ok)
		}
		for _, p := range got {
			if int(p.Step)%4 == 0 {
				t.Fatalf("refused point %d stored", p.Step)
			}
		}
		return nil
	})
}

// A stored schema version lathe cannot read (newer, or 0, which no lathe
// writes) is refused, and the file left as it is.
func TestUnreadableSchemaRefused(t *testing.T) {
	for _, c := range []struct {
		version uint32
		want    error
	}{{SchemaVersion + 1, ErrNewerSchema}, {0, ErrDamaged}} {
		path := filepath.Join(t.TempDir(), "lathe.db")
		db, err := Open(path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		bdb, _ := bolt.Open(path, 0o600, nil)
		bdb.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint32(nil, c.version))
		})
		bdb.Close()
		before, _ := os.ReadFile(path)
		if _, err = Open(path, time.Second); !errors.Is(err, c.want) {
			t.Errorf("schema %d: %v, want %v", c.version, err, c.want)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("a store of schema %d was written to", c.version)
		}
	}
}

func TestDamagedFileGivesErrorNotPanic(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"garbage":   []byte("this is not a bbolt file at all, just text that goes on for a while........"),
		"zeros":     make([]byte, 64<<10),
		"empty":     {},
		"sqlite":    append([]byte("SQLite format 3\x00"), make([]byte, 8192)...),
		"truncated": nil,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".db")
			if name == "truncated" {
				db, err := Open(path, time.Second)
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
				raw, _ := os.ReadFile(path)
				content = raw[:len(raw)/3]
			}
			os.WriteFile(path, content, 0o600)
			db, err := Open(path, time.Second)
			if err == nil {
				db.Close()
				t.Fatal("damaged file opened")
			}
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("%v, want ErrDamaged", err)
			}
			after, _ := os.ReadFile(path)
			if string(after) != string(content) {
				t.Fatal("damaged file was written to")
			}
		})
	}
}

func TestLockedByAnotherOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// bbolt's flock is per open file description, so a second Open in the
	// same process is refused just as another process would be.
	if _, err := Open(path, 50*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestTailsAndPendingEnv(t *testing.T) {
	db := openTemp(t)
	r := newRun(t, db, "r", "e", time.Now())
	st := TailState{Offset: 123, NextStep: 7, Invalid: 2, FirstInvalid: "bad"}
	update(t, db, func(tx *Tx) error {
		if err := tx.PutTail(r.ID, SourceMetrics, st); err != nil {
			return err
		}
		return tx.PutPendingEnv(r.ID, []string{"A=1", "SECRET_TOKEN=x"})
	})
	db.View(func(tx *Tx) error {
		got, _ := tx.Tail(r.ID, SourceMetrics)
		if got != st {
			t.Errorf("tail %+v, want %+v", got, st)
		}
		if got, _ := tx.Tail(r.ID, SourceOutput); got != (TailState{}) {
			t.Errorf("unread tail %+v", got)
		}
		env, err := tx.PendingEnv(r.ID)
		if err != nil || len(env) != 2 {
			t.Errorf("env %v %v", env, err)
		}
		return nil
	})
	update(t, db, func(tx *Tx) error { return tx.DeletePendingEnv(r.ID) })
	db.View(func(tx *Tx) error {
		if _, err := tx.PendingEnv(r.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("env after delete: %v", err)
		}
		return nil
	})
}

func TestUpdateAfterClose(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "x.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.Update(context.Background(), func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("update after close: %v", err)
	}
}

// A damaged run record is left out of a listing, counted; the rest of the
// listing is whole, and check names it.
func TestDamagedRunLeftOutOfListing(t *testing.T) {
	db := openTemp(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := newRun(t, db, "alpha", "e", base)
	b := newRun(t, db, "beta", "e", base.Add(time.Second))
	c := newRun(t, db, "gamma", "e", base.Add(2*time.Second))
	update(t, db, func(tx *Tx) error {
		return tx.bucket(bucketRuns).Put([]byte(b.ID), []byte(`{"id": "`+b.ID+`", "name": `))
	})
	db.View(func(tx *Tx) error {
		runs, err := tx.Runs(nil, 0)
		if err != nil || len(runs) != 2 || runs[0].ID != c.ID || runs[1].ID != a.ID || tx.Skipped != 1 {
			t.Errorf("listing: %d runs, %d skipped, %v", len(runs), tx.Skipped, err)
		}
		rep := tx.Check(nil)
		if !strings.Contains(fmt.Sprint(rep.Problems), b.ID) {
			t.Errorf("check does not name the damaged run: %v", rep.Problems)
		}
		return nil
	})
}

// Opening and closing a whole store writes nothing to it.
func TestOpenWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	newRun(t, db, "a", "e", time.Now())
	db.Close()
	before, _ := os.ReadFile(path)
	db, err = Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *Tx) error { _, err := tx.Runs(nil, 0); return err })
	db.Close()
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("opening a store wrote to it")
	}
}

// Listings read records without their environment, and such a record
// cannot be written back over the whole one.
func TestListedRunLeavesTheEnvironmentOut(t *testing.T) {
	db := openTemp(t)
	r := &Run{ID: NewID(), Name: "a", Experiment: "e", Status: Running, Created: time.Now().UTC(),
		Env: map[string]string{"HOME": "/root"}, Params: map[string]string{"lr": "0.1"}}
	update(t, db, func(tx *Tx) error { return tx.CreateRun(r) })
	err := db.Update(context.Background(), func(tx *Tx) error {
		whole, err := tx.Run(r.ID)
		if err != nil {
			return err
		}
		listed, err := tx.ListedRun(r.ID)
		if err != nil {
			return err
		}
		active, err := tx.ActiveRuns()
		if err != nil {
			return err
		}
		if whole.Env["HOME"] != "/root" || listed.Env != nil || active[0].Env != nil || listed.Params["lr"] != "0.1" || listed.Name != "a" {
			return fmt.Errorf("whole %+v, listed %+v, active %+v", whole, listed, active[0])
		}
		if err := tx.PutRun(listed); err == nil || !strings.Contains(err.Error(), "without its environment") {
			return fmt.Errorf("a listed record written back: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
