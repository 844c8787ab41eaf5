package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// Removing a run is in two steps. DeleteRun marks it (Run.Deleted) and
// indexes it in the deleted bucket by the time it was removed: listings
// leave it out, RestoreRun brings it back. PurgeRun, then, deletes
// everything the store holds of it; the engine purges the runs removed long
// enough ago by scanning the deleted bucket from its oldest entry.
var bucketDeleted = []byte("deleted")

// DeleteRun marks an ended run removed at a time.
func (tx *Tx) DeleteRun(id string, at time.Time) (*Run, error) {
	r, err := tx.Run(id)
	if err != nil {
		return nil, err
	}
	if !r.Status.Ended() {
		return nil, fmt.Errorf("%w: run %s (%s) is %s; kill it first", ErrInvalidInput, r.Name, r.ID, r.Status)
	}
	if r.Deleted != nil {
		return r, nil
	}
	b, err := tx.btx.CreateBucketIfNotExists(bucketDeleted)
	if err != nil {
		return nil, err
	}
	at = at.UTC()
	r.Deleted = &at
	if err := b.Put(timeKey(at, r.ID), nil); err != nil {
		return nil, err
	}
	return r, tx.PutRun(r)
}

// RestoreRun brings a removed run back into the listings.
func (tx *Tx) RestoreRun(id string) (*Run, error) {
	r, err := tx.Run(id)
	if err != nil {
		return nil, err
	}
	if r.Deleted == nil {
		return r, nil
	}
	if b := tx.btx.Bucket(bucketDeleted); b != nil {
		if err := b.Delete(timeKey(*r.Deleted, r.ID)); err != nil {
			return nil, err
		}
	}
	r.Deleted = nil
	return r, tx.PutRun(r)
}

// DeletedRuns lists the runs removed before a time (the zero time: all of
// them), the oldest removal first.
func (tx *Tx) DeletedRuns(before time.Time) ([]*Run, error) {
	b := tx.btx.Bucket(bucketDeleted)
	if b == nil {
		return nil, nil
	}
	var out []*Run
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) != 8+IDLen {
			return nil, fmt.Errorf("%w: deleted entry of %d bytes", ErrDamaged, len(k))
		}
		if !before.IsZero() && int64(binary.BigEndian.Uint64(k)) >= before.UnixNano() {
			break
		}
		r, err := tx.Run(string(k[8:]))
		if err != nil {
			return nil, fmt.Errorf("%w: deleted entry %x: %v", ErrDamaged, k, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// PurgeRun deletes everything of an ended run: its record and the indexes
// that name it, its summaries, series, tails and pending environment. The
// run's folder is the caller's to delete.
func (tx *Tx) PurgeRun(id string) error {
	r, err := tx.Run(id)
	if err != nil {
		return err
	}
	if !r.Status.Ended() {
		return fmt.Errorf("%w: run %s (%s) is %s; kill it first", ErrInvalidInput, r.Name, r.ID, r.Status)
	}
	tx.touch(id)
	sums, err := tx.summariesFor(id)
	if err != nil {
		return err
	}
	// The series chunks: every key that starts with the run's id.
	prefix := []byte(id)
	c := tx.bucket(bucketSeries).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	c = tx.bucket(bucketTails).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	if err := tx.deleteProcHistory(id); err != nil {
		return err
	}
	if err := tx.deleteRunKey(r); err != nil {
		return err
	}
	if r.Deleted != nil {
		if b := tx.btx.Bucket(bucketDeleted); b != nil {
			if err := b.Delete(timeKey(*r.Deleted, id)); err != nil {
				return err
			}
		}
	}
	for _, del := range []struct {
		bucket, key []byte
	}{
		{bucketSummaries, []byte(id)},
		{bucketPendingEnv, []byte(id)},
		{bucketActive, []byte(id)},
		{bucketRunNames, nameKey(r.Name, id)},
		{bucketRunsByTime, timeKey(r.Created, id)},
		{bucketRuns, []byte(id)},
	} {
		if err := tx.bucket(del.bucket).Delete(del.key); err != nil {
			return err
		}
	}
	if tx.summaries != nil {
		delete(tx.summaries, id)
	}
	for m := range sums {
		tx.db.open.forget(id, sums[m].ID)
	}
	return nil
}
