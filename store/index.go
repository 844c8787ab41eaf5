package store

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The indexes keep what listings ask for in the order they ask it, so a
// runs table of 100 000 runs sorted by a metric reads only what it shows.

// markActive keeps the active index in step with a run's status.
func (tx *Tx) markActive(r *Run) error {
	b := tx.bucket(bucketActive)
	if r.Status.Ended() {
		return b.Delete([]byte(r.ID))
	}
	return b.Put([]byte(r.ID), nil)
}

// ActiveRuns returns the runs that are queued or running, oldest first.
func (tx *Tx) ActiveRuns() ([]*Run, error) {
	var out []*Run
	err := tx.bucket(bucketActive).ForEach(func(k, _ []byte) error {
		r, err := tx.Run(string(k))
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

// Latest is the last value of a metric of one run.
type Latest struct {
	RunID string
	Value float64
}

// latestKey orders values as numbers: a class byte (0 for NaN, so NaN sorts
// apart from every number), then the float's bits made to sort as unsigned
// integers (negative values flipped whole, positive ones with the sign bit
// set), then the run id.
func latestKey(v float64, runID string) []byte {
	k := make([]byte, 0, 1+8+IDLen)
	if math.IsNaN(v) {
		k = append(k, 0)
		k = binary.BigEndian.AppendUint64(k, 0)
		return append(k, runID...)
	}
	bits := math.Float64bits(v)
	if bits>>63 == 1 {
		bits = ^bits
	} else {
		bits |= 1 << 63
	}
	k = append(k, 1)
	k = binary.BigEndian.AppendUint64(k, bits)
	return append(k, runID...)
}

func latestValue(k []byte) (float64, string, error) {
	if len(k) != 1+8+IDLen {
		return 0, "", fmt.Errorf("%w: latest index key of %d bytes", ErrDamaged, len(k))
	}
	if k[0] == 0 {
		return math.NaN(), string(k[9:]), nil
	}
	bits := binary.BigEndian.Uint64(k[1:9])
	if bits>>63 == 1 {
		bits &^= 1 << 63
	} else {
		bits = ^bits
	}
	return math.Float64frombits(bits), string(k[9:]), nil
}

// moveLatest records that a run's last value of metric went from old (when
// had) to now.
func (tx *Tx) moveLatest(metric, runID string, had bool, old, now float64) error {
	if had && math.Float64bits(old) == math.Float64bits(now) {
		return nil
	}
	b, err := tx.bucket(bucketLatest).CreateBucketIfNotExists([]byte(metric))
	if err != nil {
		return err
	}
	if had {
		if err := b.Delete(latestKey(old, runID)); err != nil {
			return err
		}
	}
	return b.Put(latestKey(now, runID), nil)
}

// LatestSorted lists, for one metric, every run's last value in order
// (descending when desc), NaN last either way; at most limit of them (all
// when limit <= 0).
func (tx *Tx) LatestSorted(metric string, desc bool, limit int) ([]Latest, error) {
	b := tx.bucket(bucketLatest).Bucket([]byte(metric))
	if b == nil {
		return nil, nil
	}
	out := make([]Latest, 0, min(max(limit, 0), 1<<16))
	full := func() bool { return limit > 0 && len(out) >= limit }
	add := func(k []byte) error {
		v, id, err := latestValue(k)
		if err == nil {
			out = append(out, Latest{RunID: id, Value: v})
		}
		return err
	}
	c := b.Cursor()
	numbers := []byte{1}
	if desc {
		for k, _ := c.Last(); k != nil && k[0] == 1 && !full(); k, _ = c.Prev() {
			if err := add(k); err != nil {
				return nil, err
			}
		}
	} else {
		for k, _ := c.Seek(numbers); k != nil && !full(); k, _ = c.Next() {
			if err := add(k); err != nil {
				return nil, err
			}
		}
	}
	for k, _ := c.First(); k != nil && k[0] == 0 && !full(); k, _ = c.Next() {
		if err := add(k); err != nil {
			return nil, err
		}
	}
	return out, nil
}
