package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lathe/store/series"
)

// Whatever damage a file has, salvage never writes it, and makes a store
// that opens with what could be read; an undamaged file comes out whole.
func TestSalvage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The same store every time (fixed ids and times), so each seed
	// damages the same bytes: a damaged page tree can hold a cycle, which
	// sends bbolt's cursor down forever (see the note in Salvage).
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 6 {
		r := &Run{ID: fmt.Sprintf("%012x", i+1), Name: "r", Experiment: "e", Status: Queued, Created: base.Add(time.Duration(i) * time.Second)}
		update(t, db, func(tx *Tx) error { return tx.CreateRun(r) })
		pts := make([]series.Point, 3000)
		for j := range pts {
			pts[j] = series.Point{Step: int64(j), Time: base.UnixMicro() + int64(j), Value: float64(j) / 7}
		}
		update(t, db, func(tx *Tx) error { return tx.AppendPoints(r.ID, "loss", pts) })
	}
	db.Close()
	clean, _ := os.ReadFile(path)

	// Undamaged: every run and point.
	whole := filepath.Join(dir, "whole.db")
	rep, err := Salvage(context.Background(), path, whole)
	if err != nil || len(rep.Lost) != 0 || len(rep.Problems) != 0 {
		t.Fatalf("an undamaged store: %+v, %v", rep, err)
	}
	if got := openAndCount(t, whole); got != 6 {
		t.Errorf("%d runs from an undamaged store, want 6", got)
	}
	if _, err := Salvage(context.Background(), path, whole); err == nil {
		t.Error("salvage wrote over an existing file")
	}

	for seed := range uint64(12) {
		damaged := filepath.Join(dir, "damaged.db")
		b := bytes.Clone(clean)
		r := rand.New(rand.NewPCG(seed, seed))
		for range 200 {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		os.WriteFile(damaged, b, 0o600)
		out := filepath.Join(dir, "out.db")
		os.Remove(out)
		rep, err := Salvage(context.Background(), damaged, out)
		if now, _ := os.ReadFile(damaged); !bytes.Equal(now, b) {
			t.Fatalf("seed %d: salvage wrote to the damaged file", seed)
		}
		if err != nil {
			// Only damage bbolt refuses to map (its meta pages) stops it.
			t.Logf("seed %d: %v", seed, err)
			continue
		}
		db, err := Open(out, time.Second)
		if err != nil {
			t.Errorf("seed %d: the salvaged store does not open: %v (%+v)", seed, err, rep)
			continue
		}
		db.Close()
	}
}

func openAndCount(t *testing.T, path string) int {
	t.Helper()
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	db.View(func(tx *Tx) error {
		runs, err := tx.Runs(nil, 0)
		n = len(runs)
		if err != nil {
			t.Error(err)
		}
		for _, r := range runs {
			if s, _ := tx.Summaries(r.ID); s["loss"].Count != 3000 {
				t.Errorf("run %s: %+v", r.ID, s["loss"])
			}
		}
		return nil
	})
	return n
}

// A branch page that points back up its own tree (a cycle) would send
// bbolt's cursor down forever: check reports it, compact refuses, salvage
// leaves that bucket out and copies the rest, each at once.
func TestPageTreeCycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	update(t, db, func(tx *Tx) error {
		for i := range 3000 { // runs enough for branch pages
			r := &Run{ID: fmt.Sprintf("%012x", i+1), Name: fmt.Sprint("r", i), Experiment: "e", Status: Succeeded, Created: base.Add(time.Duration(i) * time.Second)}
			if err := tx.CreateRun(r); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()

	// The first branch page of the file: its first child becomes itself.
	b, _ := os.ReadFile(path)
	const pageSize = 4096
	branch := -1
	for id := 2; id*pageSize < len(b); id++ {
		p := b[id*pageSize:]
		if binary.LittleEndian.Uint64(p) == uint64(id) && binary.LittleEndian.Uint16(p[8:]) == pageBranch {
			binary.LittleEndian.PutUint64(p[boltPageHeader+8:], uint64(id))
			branch = id
			break
		}
	}
	if branch < 0 {
		t.Fatal("no branch page in the file")
	}
	os.WriteFile(path, b, 0o600)

	bad, err := walkTree(path)
	if err != nil || len(bad) != 1 {
		t.Fatalf("walk: %v, %v", bad, err)
	}
	db, err = Open(path, time.Second)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	done := make(chan CheckReport, 1)
	go db.View(func(tx *Tx) error { done <- tx.Check(nil); return nil })
	select {
	case rep := <-done:
		if !strings.Contains(fmt.Sprint(rep.Problems), fmt.Sprintf("page %d is reached twice", branch)) {
			t.Errorf("check: %v", rep.Problems)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("check did not end")
	}
	if _, err := db.Compact(context.Background(), nil); !errors.Is(err, ErrDamaged) {
		t.Errorf("compact: %v", err)
	}
	db.Close()
	rep, err := Salvage(context.Background(), path, filepath.Join(t.TempDir(), "out.db"))
	if err != nil || !strings.Contains(fmt.Sprint(rep.Lost), "reached twice") || rep.Keys == 0 {
		t.Errorf("salvage: %+v, %v", rep, err)
	}
}

// A freelist that names a page past the end (bbolt would hand it out and
// write there) is found at open, and the file is left as it is.
func TestDamagedFreelistRefusedAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		newRun(t, db, fmt.Sprint("r", i), "e", time.Now())
	}
	db.Close()
	f, _ := os.Open(path)
	meta, ok, err := readMeta(f)
	f.Close()
	if !ok || err != nil || meta.freelist == pgidNoFreelist {
		t.Fatalf("meta %+v %v %v", meta, ok, err)
	}
	b, _ := os.ReadFile(path)
	p := b[meta.freelist*meta.pageSize:]
	binary.LittleEndian.PutUint16(p[10:], 1)
	binary.LittleEndian.PutUint64(p[boltPageHeader:], meta.hwm+5)
	os.WriteFile(path, b, 0o600)
	if _, err := Open(path, time.Second); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "the freelist names page") {
		t.Errorf("open: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, b) {
		t.Error("the damaged file was written to")
	}
}
