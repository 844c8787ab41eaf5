package store

import (
	"bytes"
	"encoding/binary"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// Drift's buckets, created on first use. The store keeps drift's records
// as the engine encodes them: it knows their keys, not what they mean.
//
//   - drift_refs: a version's reference summary, keyed as versions are.
//   - drift_windows: a model's scored windows, keyed by model, 0x00 and the
//     window's number (uint32 BE), so a model's windows are adjacent and in
//     order.
//   - drift_state: per model, what the engine keeps between batches (the
//     open window, the last retrain, the files a watched folder gave).
//   - drift_data: per model, the samples of its latest window, which a
//     later batch of the same window is merged into and the promotion gate
//     scores against a challenger's reference; and per model and
//     challenger version, the paired rows of its shadow evaluation.
var (
	bucketDriftRefs    = []byte("drift_refs")
	bucketDriftWindows = []byte("drift_windows")
	bucketDriftState   = []byte("drift_state")
	bucketDriftData    = []byte("drift_data")
)

// driftBlob reads a record of a drift bucket; the bytes are copied out of
// the transaction. ErrNotFound when there is none.
func (tx *Tx) driftBlob(bucket, key []byte) ([]byte, error) {
	b := tx.btx.Bucket(bucket)
	if b == nil {
		return nil, ErrNotFound
	}
	v := b.Get(key)
	if v == nil {
		return nil, ErrNotFound
	}
	return bytes.Clone(v), nil
}

func (tx *Tx) putDriftBlob(bucket, key, data []byte) error {
	b, err := tx.btx.CreateBucketIfNotExists(bucket)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// DriftReference reads a version's reference.
func (tx *Tx) DriftReference(model string, version int) ([]byte, error) {
	return tx.driftBlob(bucketDriftRefs, versionKey(model, version))
}

// PutDriftReference writes a version's reference, replacing any.
func (tx *Tx) PutDriftReference(model string, version int, data []byte) error {
	return tx.putDriftBlob(bucketDriftRefs, versionKey(model, version), data)
}

// DeleteDriftReference removes a version's reference, if it has one.
func (tx *Tx) DeleteDriftReference(model string, version int) error {
	if b := tx.btx.Bucket(bucketDriftRefs); b != nil {
		return b.Delete(versionKey(model, version))
	}
	return nil
}

// DriftReferences calls f with each version of model that has a
// reference, oldest first; data is valid only during the call.
func (tx *Tx) DriftReferences(model string, f func(version int, data []byte) error) error {
	return forEachModelKey(tx.btx.Bucket(bucketDriftRefs), model, false, f)
}

// PutDriftWindow writes a model's window seq.
func (tx *Tx) PutDriftWindow(model string, seq int, data []byte) error {
	return tx.putDriftBlob(bucketDriftWindows, versionKey(model, seq), data)
}

// DriftWindow reads a model's window seq (ErrNotFound: none).
func (tx *Tx) DriftWindow(model string, seq int) ([]byte, error) {
	return tx.driftBlob(bucketDriftWindows, versionKey(model, seq))
}

// DriftWindows calls f with a model's windows, newest first, until f
// returns ErrStop; data is valid only during the call.
func (tx *Tx) DriftWindows(model string, f func(seq int, data []byte) error) error {
	return forEachModelKey(tx.btx.Bucket(bucketDriftWindows), model, true, f)
}

// DriftState reads what the engine keeps of a model's drift.
func (tx *Tx) DriftState(model string) ([]byte, error) {
	return tx.driftBlob(bucketDriftState, []byte(model))
}

// PutDriftState writes what the engine keeps of a model's drift.
func (tx *Tx) PutDriftState(model string, data []byte) error {
	return tx.putDriftBlob(bucketDriftState, []byte(model), data)
}

// DriftData reads a model's record of drift data named key (the latest
// window's samples, a challenger's shadow rows).
func (tx *Tx) DriftData(model, key string) ([]byte, error) {
	return tx.driftBlob(bucketDriftData, driftDataKey(model, key))
}

// PutDriftData writes a model's record of drift data named key.
func (tx *Tx) PutDriftData(model, key string, data []byte) error {
	return tx.putDriftBlob(bucketDriftData, driftDataKey(model, key), data)
}

func driftDataKey(model, key string) []byte {
	return append(append([]byte(model), 0), key...)
}

// ErrStop ends an iteration early without an error.
var ErrStop = errors.New("stop")

// forEachModelKey walks the keys of model (model, 0x00, uint32 BE) in b,
// in order or reversed.
func forEachModelKey(b *bolt.Bucket, model string, reverse bool, f func(n int, data []byte) error) error {
	if b == nil {
		return nil
	}
	prefix := append([]byte(model), 0)
	c := b.Cursor()
	var k, v []byte
	if reverse {
		// Seek past the last key of the model, then step back.
		end := append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff)
		k, v = c.Seek(end)
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	} else {
		k, v = c.Seek(prefix)
	}
	for k != nil && bytes.HasPrefix(k, prefix) {
		if len(k) == len(prefix)+4 {
			err := f(int(binary.BigEndian.Uint32(k[len(prefix):])), v)
			if errors.Is(err, ErrStop) {
				return nil
			}
			if err != nil {
				return err
			}
		}
		if reverse {
			k, v = c.Prev()
		} else {
			k, v = c.Next()
		}
	}
	return nil
}
