package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Experiment groups runs. It is created by the first run that names it.
type Experiment struct {
	// ID is the experiments bucket's sequence when it was made (MLflow
	// clients name experiments by number); 0 for one made before schema 4
	// until NumberExperiments gives it one.
	ID      int64     `json:"id,omitempty"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Runs counts the runs ever created in it; it numbers default run names.
	Runs int64             `json:"runs"`
	Tags map[string]string `json:"tags,omitempty"`
}

// ValidExperimentName reports why name cannot name an experiment, or nil.
func ValidExperimentName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: experiment name is empty", ErrInvalidInput)
	case len(name) > 200:
		return fmt.Errorf("%w: experiment name is longer than 200 bytes", ErrInvalidInput)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("%w: experiment name %q has control characters", ErrInvalidInput, name)
	}
	return nil
}

// EnsureExperiment returns the experiment, creating it when new, and counts
// one more run in it.
func (tx *Tx) EnsureExperiment(name string, now time.Time) (*Experiment, error) {
	if err := ValidExperimentName(name); err != nil {
		return nil, err
	}
	var e Experiment
	err := tx.getJSON(bucketExperiments, []byte(name), &e)
	switch {
	case errors.Is(err, ErrNotFound):
		if e, err = tx.newExperiment(name, now); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	e.Runs++
	return &e, tx.putJSON(bucketExperiments, []byte(name), &e)
}

func (tx *Tx) newExperiment(name string, now time.Time) (Experiment, error) {
	id, err := tx.bucket(bucketExperiments).NextSequence()
	return Experiment{ID: int64(id), Name: name, Created: now}, err
}

// CreateExperiment makes an experiment no run names yet; ErrExists when
// there is one of that name.
func (tx *Tx) CreateExperiment(name string, tags map[string]string, now time.Time) (*Experiment, error) {
	if err := ValidExperimentName(name); err != nil {
		return nil, err
	}
	if tx.bucket(bucketExperiments).Get([]byte(name)) != nil {
		return nil, fmt.Errorf("experiment %q: %w", name, ErrExists)
	}
	e, err := tx.newExperiment(name, now)
	if err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		e.Tags = tags
	}
	return &e, tx.putJSON(bucketExperiments, []byte(name), &e)
}

// NumberExperiments gives an ID to each experiment made before there were
// IDs, in name order; it writes nothing when all have one.
func (tx *Tx) NumberExperiments() error {
	all, err := tx.Experiments()
	if err != nil {
		return err
	}
	for _, e := range all {
		if e.ID != 0 {
			continue
		}
		id, err := tx.bucket(bucketExperiments).NextSequence()
		if err != nil {
			return err
		}
		e.ID = int64(id)
		if err := tx.putJSON(bucketExperiments, []byte(e.Name), &e); err != nil {
			return err
		}
	}
	return nil
}

// NextRunNumber is the number the next run of experiment name will get.
func (tx *Tx) NextRunNumber(name string) int64 {
	var e Experiment
	if err := tx.getJSON(bucketExperiments, []byte(name), &e); err != nil {
		return 1
	}
	return e.Runs + 1
}

// Experiments lists every experiment, by name.
func (tx *Tx) Experiments() ([]Experiment, error) {
	var out []Experiment
	err := tx.bucket(bucketExperiments).ForEach(func(k, v []byte) error {
		var e Experiment
		if err := tx.getJSON(bucketExperiments, k, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}
