package store

import (
	"errors"
	"fmt"
)

// bucketRunKeys finds a tracked run by what it came from (created on first
// use).
var bucketRunKeys = []byte("run_keys")

// maxRunKey bounds a run's key: it is a path or an id, not a document.
const maxRunKey = 4096

// RunByKey is the run recorded under key (Run.Key), or ErrNotFound.
func (tx *Tx) RunByKey(key string) (*Run, error) {
	b := tx.btx.Bucket(bucketRunKeys)
	if b == nil || key == "" {
		return nil, fmt.Errorf("run key %q: %w", key, ErrNotFound)
	}
	id := b.Get([]byte(key))
	if id == nil {
		return nil, fmt.Errorf("run key %q: %w", key, ErrNotFound)
	}
	r, err := tx.Run(string(id))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: run key %q names run %s, which is missing", ErrDamaged, key, id)
	}
	return r, err
}

// putRunKey indexes a new run by its key.
func (tx *Tx) putRunKey(r *Run) error {
	if r.Key == "" {
		return nil
	}
	if len(r.Key) > maxRunKey {
		return fmt.Errorf("%w: run key is longer than %d bytes", ErrInvalidInput, maxRunKey)
	}
	b, err := tx.btx.CreateBucketIfNotExists(bucketRunKeys)
	if err != nil {
		return err
	}
	if b.Get([]byte(r.Key)) != nil {
		return fmt.Errorf("%w: a run is recorded under key %q", ErrInvalidInput, r.Key)
	}
	return b.Put([]byte(r.Key), []byte(r.ID))
}

// deleteRunKey forgets a purged run's key.
func (tx *Tx) deleteRunKey(r *Run) error {
	b := tx.btx.Bucket(bucketRunKeys)
	if b == nil || r.Key == "" {
		return nil
	}
	return b.Delete([]byte(r.Key))
}
