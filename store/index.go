package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The active index keeps the runs an engine must look after when it starts,
// so it reads those and not every run.

// markActive keeps the active index in step with a run's status.
func (tx *Tx) markActive(r *Run) error {
	b := tx.bucket(bucketActive)
	if r.Status.Ended() {
		return b.Delete([]byte(r.ID))
	}
	return b.Put([]byte(r.ID), nil)
}

// ActiveRuns returns the runs that are queued or running, oldest first,
// as listings read them (ListedRun).
func (tx *Tx) ActiveRuns() ([]*Run, error) {
	var out []*Run
	err := tx.bucket(bucketActive).ForEach(func(k, _ []byte) error {
		r, err := tx.ListedRun(string(k))
		if err != nil {
			return fmt.Errorf("%w: active run %s: %v", ErrDamaged, k, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Run) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}
