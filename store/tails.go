package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Source names a file of a run that the engine reads.
type Source byte

// The files the engine tails.
const (
	SourceMetrics Source = 'm' // metrics.jsonl
	SourceOutput  Source = 'o' // output.log
	// SourceEvents is TensorBoard's event files: one tail each, keyed by
	// the file's name under the folder watched (EventTail).
	SourceEvents Source = 'e'
)

// TailState is how far the engine has read one file of a run. It is written
// in the same transaction as what was read, which is what makes ingestion
// exactly-once across crashes.
type TailState struct {
	Offset   int64 `json:"offset"`
	NextStep int64 `json:"next_step"` // step given to the next line that has none
	Invalid  int64 `json:"invalid"`   // lines that could not be read
	// FirstInvalid is the first bad line (cut short) and why it is bad.
	FirstInvalid string `json:"first_invalid,omitempty"`
	// Skipping is set while the rest of an over-long line, already counted,
	// is thrown away.
	Skipping bool `json:"skipping,omitempty"`
}

func tailKey(runID string, src Source) []byte { return append([]byte(runID), byte(src)) }

// Tail reads how far a file of a run was read (zero when never).
func (tx *Tx) Tail(runID string, src Source) (TailState, error) {
	var t TailState
	if err := tx.getJSON(bucketTails, tailKey(runID, src), &t); err != nil && !errors.Is(err, ErrNotFound) {
		return t, err
	}
	return t, nil
}

// PutTail records how far a file of a run was read.
func (tx *Tx) PutTail(runID string, src Source, t TailState) error {
	if t.Offset < 0 {
		return fmt.Errorf("%w: negative offset", ErrInvalidInput)
	}
	return tx.putJSON(bucketTails, tailKey(runID, src), &t)
}

func eventTailKey(runID, file string) []byte {
	return append(tailKey(runID, SourceEvents), file...)
}

// EventTails reads how far each event file of a run was read, by name.
func (tx *Tx) EventTails(runID string) (map[string]TailState, error) {
	out := map[string]TailState{}
	prefix := tailKey(runID, SourceEvents)
	c := tx.bucket(bucketTails).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var t TailState
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("%w: tail of %q: %v", ErrDamaged, k, err)
		}
		out[string(k[len(prefix):])] = t
	}
	return out, nil
}

// PutEventTail records how far an event file of a run was read.
func (tx *Tx) PutEventTail(runID, file string, t TailState) error {
	if t.Offset < 0 || file == "" || len(file) > 4096 {
		return fmt.Errorf("%w: event file tail %q at %d", ErrInvalidInput, file, t.Offset)
	}
	return tx.putJSON(bucketTails, eventTailKey(runID, file), &t)
}

// PutPendingEnv keeps the full environment of a queued run until it starts.
func (tx *Tx) PutPendingEnv(runID string, env []string) error {
	return tx.putJSON(bucketPendingEnv, []byte(runID), env)
}

// PendingEnv returns the environment kept by PutPendingEnv.
func (tx *Tx) PendingEnv(runID string) ([]string, error) {
	var env []string
	err := tx.getJSON(bucketPendingEnv, []byte(runID), &env)
	return env, err
}

// DeletePendingEnv drops the environment once the run started or ended.
func (tx *Tx) DeletePendingEnv(runID string) error {
	return tx.bucket(bucketPendingEnv).Delete([]byte(runID))
}
