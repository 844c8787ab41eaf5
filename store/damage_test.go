package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lathe/store/series"
)

// A function given to Update that panics fails alone, with ErrInternal and
// the stack of its panic; the writes grouped with it are made, and the
// store goes on working.
func TestPanicInUpdateIsInternal(t *testing.T) {
	db := openTemp(t)
	r := newRun(t, db, "r", "e", time.Now())
	// Hold the writer so that what follows is queued, and grouped.
	hold, held := make(chan struct{}), make(chan struct{})
	go db.Update(context.Background(), func(*Tx) error {
		select {
		case held <- struct{}{}:
		default: // run again, alone
		}
		<-hold
		return nil
	})
	<-held
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			errs[i] = db.Update(context.Background(), func(tx *Tx) error {
				if err := tx.AppendPoints(r.ID, "m", []series.Point{{Step: int64(i), Value: float64(i)}}); err != nil {
					return err
				}
				if i == 3 {
					panic(boom)
				}
				return nil
			})
		})
	}
	for len(db.ops) < len(errs) {
		time.Sleep(time.Millisecond)
	}
	close(hold)
	wg.Wait()
	for i, err := range errs {
		if i != 3 {
			if err != nil {
				t.Errorf("write %d, grouped with the one that panicked: %v", i, err)
			}
			continue
		}
		var pe *PanicError
		if !errors.Is(err, ErrInternal) || errors.Is(err, ErrDamaged) || !errors.As(err, &pe) {
			t.Fatalf("the write that panicked: %v", err)
		}
		if pe.Value != boom || !strings.Contains(string(pe.Stack), "TestPanicInUpdateIsInternal") {
			t.Errorf("panic %v, stack:\n%s", pe.Value, pe.Stack)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("the error is more than a line: %q", err)
		}
	}
	update(t, db, func(tx *Tx) error {
		return tx.AppendPoints(r.ID, "m", []series.Point{{Step: 100, Value: 100}})
	})
	db.View(func(tx *Tx) error {
		pts, err := tx.Series(r.ID, "m")
		if err != nil || len(pts) != 10 {
			t.Errorf("%d points (%v), want the 9 grouped writes and the one after", len(pts), err)
		}
		for _, p := range pts {
			if p.Step == 3 {
				t.Error("the write that panicked was stored")
			}
		}
		if rep := tx.Check(nil); len(rep.Problems) != 0 {
			t.Errorf("check: %v", rep.Problems)
		}
		return nil
	})
}

func TestPanicInViewIsInternal(t *testing.T) {
	db := openTemp(t)
	err := db.View(func(tx *Tx) error {
		var m map[string]int
		m["x"] = 1 // a bug: a nil map written to
		return nil
	})
	var pe *PanicError
	if !errors.Is(err, ErrInternal) || errors.Is(err, ErrDamaged) || !errors.As(err, &pe) ||
		!strings.Contains(string(pe.Stack), "TestPanicInViewIsInternal") {
		t.Fatalf("err = %v", err)
	}
	if err := db.View(func(tx *Tx) error { _, err := tx.RunIDs(); return err }); err != nil {
		t.Fatalf("a view after the panic: %v", err)
	}
}

// A page of the file that is not what it should be gives ErrDamaged, from a
// read and from a write, not a crash and not ErrInternal.
func TestDamagedPageGivesErrDamaged(t *testing.T) {
	for name, damage := range map[string]func(page []byte){
		// bbolt panics "invalid page type".
		"page type": func(page []byte) { binary.LittleEndian.PutUint16(page[8:], 0xff) },
		// bbolt slices past what it mapped: a runtime error in bbolt.
		"key size": func(page []byte) { binary.LittleEndian.PutUint32(page[16+8:], 0xf0000000) },
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lathe.db")
			db, err := Open(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 4 {
				r := newRun(t, db, fmt.Sprintf("run-%d", i), "e", time.Unix(int64(i), 0))
				r.Command = []string{strings.Repeat("x", 400)} // not inline in its bucket
				update(t, db, func(tx *Tx) error { return tx.PutRun(r) })
			}
			db.Close()
			damagePage(t, path, bucketRuns, damage)
			if db, err = Open(path, time.Second); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Every run is read, so the damaged key is.
			err = db.View(func(tx *Tx) error { _, err := tx.Runs(nil, 0); return err })
			if !errors.Is(err, ErrDamaged) || errors.Is(err, ErrInternal) {
				t.Errorf("read: %v", err)
			}
			t.Logf("read: %v", err)
			err = db.Update(context.Background(), func(tx *Tx) error { _, err := tx.Runs(nil, 0); return err })
			if !errors.Is(err, ErrDamaged) || errors.Is(err, ErrInternal) {
				t.Errorf("write: %v", err)
			}
		})
	}
}

// damagePage changes the root page of a bucket in the file at path.
func damagePage(t *testing.T, path string, bucket []byte, damage func(page []byte)) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	bdb.View(func(tx *bolt.Tx) error { root = uint64(tx.Bucket(bucket).Root()); return nil })
	pageSize := bdb.Info().PageSize
	bdb.Close()
	if root == 0 {
		t.Fatalf("bucket %s is inline", bucket)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := raw[int(root)*pageSize:][:pageSize]
	if flags := binary.LittleEndian.Uint16(page[8:]); flags != 0x02 {
		t.Fatalf("page %d of bucket %s is no leaf (flags %#x)", root, bucket, flags)
	}
	damage(page)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDamagedSaysWhichPanicsAreDamage(t *testing.T) {
	for _, tc := range []struct {
		v    any
		site string
		want bool
	}{
		{"invalid page type: 12: 0xff", "go.etcd.io/bbolt.(*Cursor).search", true},
		{"pgid (99) above high water mark (12)", "go.etcd.io/bbolt.(*Tx).page", true},
		{"assertion failed: Page expected to be: 3, but self identifies as 4", "go.etcd.io/bbolt/internal/common.(*Page).FastCheck", true},
		{"page 7 already freed", "go.etcd.io/bbolt/internal/freelist.(*shared).Free", true},
		{fmt.Errorf("mergepgids bad len %d < %d + %d", 1, 2, 3), "go.etcd.io/bbolt/internal/common.Mergepgids", true},
		{fmt.Errorf("%w: bucket %q is missing", ErrDamaged, "runs"), "lathe/store.(*Tx).bucket", true},
		{indexError(), "go.etcd.io/bbolt.(*node).read", true},
		{indexError(), "lathe/store.TestX.func1", false},
		{nilDereference(), "go.etcd.io/bbolt.(*Bucket).Get", false},
		{"assertion failed: tx closed", "go.etcd.io/bbolt/internal/common.Assert", false},
		{errors.New("boom"), "lathe/store.TestX.func1", false},
		{"boom", "lathe/engine.ingest", false},
		{42, "lathe/engine.ingest", false},
	} {
		if got := damaged(tc.v, tc.site); got != tc.want {
			t.Errorf("damaged(%v, %s) = %v", tc.v, tc.site, got)
		}
	}
}

func indexError() (v any) {
	defer func() { v = recover() }()
	s := []int{}
	i := 3
	_ = s[i]
	return nil
}

func nilDereference() (v any) {
	defer func() { v = recover() }()
	var p *struct{ x int }
	_ = p.x
	return nil
}

// panicSite finds the function that panicked, past the runtime's own.
func TestPanicSite(t *testing.T) {
	var site string
	func() {
		defer func() {
			site = panicSite()
			recover()
		}()
		s := []int{}
		i := 3
		_ = s[i]
	}()
	if site != "lathe/store.TestPanicSite.func1" {
		t.Errorf("site %q", site)
	}
}
