package api

import (
	"strconv"
	"time"
)

// SweepRequest starts a sweep from its file.
type SweepRequest struct {
	// File names the sweep file (its messages name it); TOML is its text.
	File string `json:"file"`
	TOML string `json:"toml"`
	// Cwd and Env are what every trial starts with, as `lathe run` gives
	// a job.
	Cwd  string   `json:"cwd"`
	Env  []string `json:"env"`
	User string   `json:"user,omitempty"`
}

// The states of a sweep.
const (
	SweepRunning = "running" // starts trials as others end
	SweepStopped = "stopped" // starts none (lathe sweep stop); resume goes on
	SweepDone    = "done"    // every trial it will run has ended
)

// The states of a trial.
const (
	TrialRunning = "running" // queued or running
	TrialDone    = "done"    // ended by itself
	TrialStopped = "stopped" // stopped early: its curve fell below its rung's cutoff
	TrialFailed  = "failed"  // failed or killed
)

// Sweep is a sweep as clients see it.
type Sweep struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	File       string `json:"file"`
	Experiment string `json:"experiment"`
	State      string `json:"state"`
	Reason     string `json:"reason,omitempty"`
	// What the file asks: the metric and its direction, the method, how
	// many trials at most (0: a whole grid), at once, and early stopping
	// ("asha", or "").
	Metric    string `json:"metric"`
	Direction string `json:"direction"`
	Method    string `json:"method"`
	MaxTrials int    `json:"max_trials"`
	Parallel  int    `json:"parallel"`
	EarlyStop string `json:"early_stop,omitempty"`
	// Rungs are the steps at which early stopping decides: those some
	// trial reached and the next.
	Rungs   []int64      `json:"rungs,omitempty"`
	User    string       `json:"user"`
	Created time.Time    `json:"created"`
	Ended   *time.Time   `json:"ended,omitempty"`
	Trials  []SweepTrial `json:"trials"`
	// Best is the best trial so far, nil before one has a value.
	Best *SweepTrial `json:"best"`
	// Counts of the trials by state.
	Running int `json:"running"`
	Done    int `json:"done"`
	Stopped int `json:"stopped"`
	Failed  int `json:"failed"`
}

// SweepTrial is one trial of a sweep.
type SweepTrial struct {
	Trial  int               `json:"trial"`
	Run    string            `json:"run"`
	Name   string            `json:"name,omitempty"`
	Params map[string]string `json:"params"`
	State  string            `json:"state"`
	// Value is the sweep's metric as the trial is ranked by it: its last
	// value; NaN when it has none.
	Value Float `json:"value"`
	// Rung is the highest early-stopping rung it reached, -1 none.
	Rung int `json:"rung"`
	// Reason says why it was stopped or failed.
	Reason string `json:"reason,omitempty"`
}

// SweepStopRequest stops a sweep starting trials; Kill also ends the
// running ones.
type SweepStopRequest struct {
	Kill bool `json:"kill"`
}

// RungOf is how trial t's rung reads: its number from 1 and the step it
// is at, "3 (90)"; "" before the first.
func (s Sweep) RungOf(t SweepTrial) string {
	if t.Rung < 0 {
		return ""
	}
	text := strconv.Itoa(t.Rung + 1)
	if t.Rung < len(s.Rungs) {
		text += " (" + strconv.FormatInt(s.Rungs[t.Rung], 10) + ")"
	}
	return text
}
