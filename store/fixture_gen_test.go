//go:build fixture

package store

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestWriteFixture writes the committed store of the current schema,
// testdata/schemaN.db, and testdata/schemaN.json, what this code reads of
// it (go test -tags fixture -run WriteFixture ./store/). A file is written
// once, by the schema version it is named for, and kept: later versions
// must read it, upgraded, to the same dump. (testdata/v1.db was written so
// by schema 1, with writeFixture alone.)
func TestWriteFixture(t *testing.T) {
	path := filepath.Join("testdata", fmt.Sprintf("schema%d.db", SchemaVersion))
	os.Remove(path)
	writeFixture2(t, path)
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	dump := dumpStore(t, db)
	db.Close()
	if err := os.WriteFile(filepath.Join("testdata", fmt.Sprintf("schema%d.json", SchemaVersion)), dump, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFixture(t *testing.T, path string) {
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range fixtureRuns() {
		err := db.Update(context.Background(), func(tx *Tx) error {
			r := f.run
			if err := tx.CreateRun(&r); err != nil {
				return err
			}
			for name, pts := range f.metrics {
				for len(pts) > 0 { // in commits of 700, as an engine would
					n := min(700, len(pts))
					if err := tx.AppendPoints(r.ID, name, pts[:n]); err != nil {
						return err
					}
					pts = pts[n:]
				}
			}
			if r.Status == Queued {
				if err := tx.PutPendingEnv(r.ID, []string{"HF_TOKEN=secret"}); err != nil {
					return err
				}
			}
			return tx.PutTail(r.ID, SourceMetrics, f.tail)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// fixtureGPUPoint is the GPU reading of the fixture at second i.
func fixtureGPUPoint(i int) GPUPoint {
	p := GPUPoint{Time: fixtureBase.Add(time.Duration(i) * time.Second), Util: float64(i % 100),
		MemoryUsed: float64(i) * (1 << 20), PowerW: 100 + float64(i%50), TempC: 40 + float64(i%20)}
	if i%7 == 0 {
		p.TempC = math.NaN()
	}
	return p
}

// writeFixture2 writes schema 2's fixture: writeFixture's runs, then
// fixtureExtras' (the removed one removed), and GPU history of two devices
// at both resolutions.
func writeFixture2(t *testing.T, path string) {
	writeFixture(t, path)
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range fixtureExtras() {
		err := db.Update(context.Background(), func(tx *Tx) error {
			r := f.run
			if err := tx.CreateRun(&r); err != nil {
				return err
			}
			for _, name := range slices.Sorted(maps.Keys(f.metrics)) {
				pts := f.metrics[name]
				for len(pts) > 0 {
					n := min(700, len(pts))
					if err := tx.AppendPoints(r.ID, name, pts[:n]); err != nil {
						return err
					}
					pts = pts[n:]
				}
			}
			if err := tx.PutTail(r.ID, SourceMetrics, f.tail); err != nil {
				return err
			}
			if err := tx.PutTail(r.ID, SourceOutput, TailState{Offset: f.tail.Offset / 2}); err != nil {
				return err
			}
			if r.Status.Ended() {
				_, err := tx.DeleteRun(r.ID, fixtureRemovedAt)
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = db.Update(context.Background(), func(tx *Tx) error {
		for i := range 300 {
			for dev := range 2 {
				p := fixtureGPUPoint(i)
				p.Util += float64(dev)
				if err := tx.PutGPUPoint(GPUSecond, dev, p); err != nil {
					return err
				}
				if i%60 == 0 {
					if err := tx.PutGPUPoint(GPUMinute, dev, p); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
