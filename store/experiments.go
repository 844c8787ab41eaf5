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
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Runs counts the runs ever created in it; it numbers default run names.
	Runs int64 `json:"runs"`
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
		e = Experiment{Name: name, Created: now}
	case err != nil:
		return nil, err
	}
	e.Runs++
	return &e, tx.putJSON(bucketExperiments, []byte(name), &e)
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
