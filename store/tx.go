package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Tx is a transaction on the store. Tx values come from DB.View and
// DB.Update; everything they return is a copy that outlives the transaction.
type Tx struct {
	btx      *bolt.Tx
	db       *DB
	writable bool

	// Summaries touched in this transaction, written back once at commit so
	// a hundred batches of one run encode its summary once.
	summaries map[string]map[string]*Summary
	onCommit  []func()
	// touched is the runs this transaction wrote, for the DB's watcher.
	touched map[string]bool
	// Skipped counts the damaged records a listing left out (Runs); the
	// rest of the listing is whole. `lathe store check` names them.
	Skipped int
}

// touch notes that the transaction wrote something of a run.
func (tx *Tx) touch(id string) {
	if tx.touched == nil {
		tx.touched = map[string]bool{}
	}
	tx.touched[id] = true
}

// OnCommit registers f to run after the transaction is durable (not if it is
// rolled back). The engine publishes its events this way.
func (tx *Tx) OnCommit(f func()) { tx.onCommit = append(tx.onCommit, f) }

// path is the store's file (a compaction's new file is opened under
// another name, then renamed).
func (tx *Tx) path() string {
	if tx.db != nil {
		return tx.db.path
	}
	return tx.btx.DB().Path()
}

func (tx *Tx) bucket(name []byte) *bolt.Bucket {
	b := tx.btx.Bucket(name)
	if b == nil {
		// initSchema creates every bucket, so this is a damaged file
		// (recoverPanic says so).
		panic(fmt.Errorf("%w: bucket %q is missing", ErrDamaged, name))
	}
	return b
}

func (tx *Tx) getJSON(bucket, key []byte, v any) error {
	raw := tx.bucket(bucket).Get(key)
	if raw == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrDamaged, bucket, key, err)
	}
	return nil
}

func (tx *Tx) putJSON(bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %q: %w", bucket, key, err)
	}
	return tx.bucket(bucket).Put(key, raw)
}

// flush writes back what the transaction cached.
func (tx *Tx) flush() error {
	for id, sums := range tx.summaries {
		if err := tx.putJSON(bucketSummaries, []byte(id), sums); err != nil {
			return err
		}
	}
	return nil
}
