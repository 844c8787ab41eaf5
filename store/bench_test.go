package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// benchStore is a store of 100 runs, for the cost of a View.
func benchStore(b *testing.B) (*DB, []string) {
	b.Helper()
	db, err := Open(filepath.Join(b.TempDir(), "lathe.db"), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var ids []string
	err = db.Update(b.Context(), func(tx *Tx) error {
		for i := range 100 {
			r := &Run{ID: NewID(), Name: fmt.Sprintf("r%d", i), Experiment: "e", Status: Succeeded, Created: time.Unix(int64(i), 0)}
			if err := tx.CreateRun(r); err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db, ids
}

// BenchmarkView is the cost of the smallest read: a View that reads one key.
func BenchmarkView(b *testing.B) {
	db, ids := benchStore(b)
	for i := 0; b.Loop(); i++ {
		err := db.View(func(tx *Tx) error {
			if tx.bucket(bucketRuns).Get([]byte(ids[i%len(ids)])) == nil {
				return ErrNotFound
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkViewParallel is the same from every processor at once.
func BenchmarkViewParallel(b *testing.B) {
	db, ids := benchStore(b)
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			err := db.View(func(tx *Tx) error {
				if tx.bucket(bucketRuns).Get([]byte(ids[i%len(ids)])) == nil {
					return ErrNotFound
				}
				return nil
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
