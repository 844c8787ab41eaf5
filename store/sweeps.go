package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The sweeps' buckets, created on first use: each sweep's record, and the
// environment its trials start with (secrets included, as a queued run's
// pending environment: kept apart so no listing reads it, and deleted
// when the sweep is done).
var (
	bucketSweeps   = []byte("sweeps")
	bucketSweepEnv = []byte("sweep_env")
)

// Sweep is a hyperparameter search: its file as written, and each trial
// it started. The engine parses the file; the store keeps what it needs
// to go on after a restart.
type Sweep struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// File is where the sweep file was read; TOML its text, as the user
	// wrote it.
	File string `json:"file"`
	TOML string `json:"toml"`
	// Experiment is where the trials go (the file's, or the default).
	Experiment string `json:"experiment"`
	State      string `json:"state"` // running, stopped or done
	Reason     string `json:"reason,omitempty"`
	// Cwd is the folder the trials run in.
	Cwd     string       `json:"cwd"`
	User    string       `json:"user"`
	Created time.Time    `json:"created"`
	Ended   *time.Time   `json:"ended,omitempty"`
	Trials  []SweepTrial `json:"trials"`
	// ASHA is the early stopping's state, as the engine encodes it.
	ASHA json.RawMessage `json:"asha,omitempty"`
}

// SweepTrial is one trial of a sweep: a run.
type SweepTrial struct {
	Number int               `json:"trial"`
	Run    string            `json:"run"`
	Params map[string]string `json:"params"`
	State  string            `json:"state"` // running, done, stopped, failed
	// Value is the sweep's metric, the one the trial is ranked by; NaN
	// when it has none (yet).
	Value Float `json:"value"`
	// Rung is the highest early-stopping rung the trial reached, -1 none.
	Rung int `json:"rung"`
	// Stop is why early stopping stopped it, recorded before its kill: a
	// trial still running with one is killed again after a crash.
	Stop string `json:"stop,omitempty"`
}

// PutSweep writes a sweep's record.
func (tx *Tx) PutSweep(s *Sweep) error {
	if len(s.ID) != IDLen {
		return fmt.Errorf("%w: sweep id %q", ErrInvalidInput, s.ID)
	}
	if _, err := tx.btx.CreateBucketIfNotExists(bucketSweeps); err != nil {
		return err
	}
	return tx.putJSON(bucketSweeps, []byte(s.ID), s)
}

// Sweeps lists every sweep, newest first. A record that does not decode
// is skipped and counted (tx.Skipped).
func (tx *Tx) Sweeps() ([]*Sweep, error) {
	b := tx.btx.Bucket(bucketSweeps)
	if b == nil {
		return nil, nil
	}
	var out []*Sweep
	err := b.ForEach(func(k, v []byte) error {
		var s Sweep
		if err := json.Unmarshal(v, &s); err != nil {
			tx.Skipped++
			return nil
		}
		out = append(out, &s)
		return nil
	})
	slices.SortFunc(out, func(a, b *Sweep) int { return b.Created.Compare(a.Created) })
	return out, err
}

// ResolveSweep finds a sweep by its id, a prefix of it, or its name (the
// newest of that name).
func (tx *Tx) ResolveSweep(ref string) (*Sweep, error) {
	if ref == "" {
		return nil, fmt.Errorf("%w: empty sweep reference", ErrInvalidInput)
	}
	all, err := tx.Sweeps()
	if err != nil {
		return nil, err
	}
	var byPrefix []*Sweep
	for _, s := range all {
		if s.ID == ref {
			return s, nil
		}
		if strings.HasPrefix(s.ID, ref) {
			byPrefix = append(byPrefix, s)
		}
	}
	for _, s := range all { // newest first
		if s.Name == ref {
			return s, nil
		}
	}
	switch len(byPrefix) {
	case 0:
		return nil, fmt.Errorf("sweep %q: %w", ref, ErrNotFound)
	case 1:
		return byPrefix[0], nil
	}
	return nil, fmt.Errorf("sweep %q: %w: %d sweeps' ids start so", ref, ErrAmbiguous, len(byPrefix))
}

// PutSweepEnv keeps the environment a sweep's trials start with.
func (tx *Tx) PutSweepEnv(id string, env []string) error {
	if _, err := tx.btx.CreateBucketIfNotExists(bucketSweepEnv); err != nil {
		return err
	}
	return tx.putJSON(bucketSweepEnv, []byte(id), env)
}

// SweepEnv reads the environment a sweep's trials start with.
func (tx *Tx) SweepEnv(id string) ([]string, error) {
	if tx.btx.Bucket(bucketSweepEnv) == nil {
		return nil, fmt.Errorf("sweep %s's environment: %w", id, ErrNotFound)
	}
	var env []string
	err := tx.getJSON(bucketSweepEnv, []byte(id), &env)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("sweep %s's environment: %w", id, ErrNotFound)
	}
	return env, err
}

// DeleteSweepEnv forgets a sweep's environment, once it starts no trial.
func (tx *Tx) DeleteSweepEnv(id string) error {
	b := tx.btx.Bucket(bucketSweepEnv)
	if b == nil {
		return nil
	}
	return b.Delete([]byte(id))
}
