package store

import (
	"errors"
	"fmt"
)

// Source names a file of a run that the engine reads.
type Source byte

// The files the engine tails.
const (
	SourceMetrics Source = 'm' // metrics.jsonl
	SourceOutput  Source = 'o' // output.log
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
