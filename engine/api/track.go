package api

import (
	"context"
	"time"
)

// TrackService records runs that no job of lathe's ran (an MLflow client's,
// an import of another tool's files) and what any run is told from outside
// its metrics file (an MLflow client inside a job logs into the job's run).
// Such runs are ordinary runs: they list, chart, compare and register as
// the others do.
type TrackService interface {
	// Track creates a run without a job. With Key set, a run recorded
	// under that key before is returned as it is, with Created false, so
	// an import done twice adds nothing.
	Track(ctx context.Context, req TrackRequest) (TrackResult, error)
	// Log adds points, params and tags to a run, all or nothing. A param
	// logged again with another value is refused (ErrInvalid); with the
	// same value it is fine.
	Log(ctx context.Context, req LogRequest) (Run, error)
	// UpdateRun renames a run, and ends a tracked run (a job's run ends
	// with its job: a status for one is ignored).
	UpdateRun(ctx context.Context, req UpdateRunRequest) (Run, error)
	// Experiments lists the experiments, by name.
	Experiments(ctx context.Context) ([]Experiment, error)
	// CreateExperiment makes an experiment before any run names it
	// (ErrConflict when it exists).
	CreateExperiment(ctx context.Context, req ExperimentRequest) (Experiment, error)
}

// The runners that tracked runs record: what made them, as a job's run
// records "local" or "slurm".
const (
	RunnerMLflow = "mlflow" // created by an MLflow client of the engine's endpoint
	RunnerImport = "import" // imported from another tool's files
)

// Tracked reports whether a run was made without a job of lathe's.
func (r Run) Tracked() bool { return r.Runner == RunnerMLflow || r.Runner == RunnerImport }

// Origin says, for a run without a job, what recorded it (where a job's
// run shows its command); "" for a job's run.
func (r Run) Origin() string {
	var o string
	switch r.Runner {
	case RunnerMLflow:
		o = "no job: recorded by an MLflow client"
	case RunnerImport:
		o = "no job: imported"
	default:
		return ""
	}
	if r.Key != "" {
		o += " (" + r.Key + ")"
	}
	return o
}

// TrackRequest is a run to record without a job.
type TrackRequest struct {
	// Key says what the run came from ("mlflow:<run uuid>",
	// "tfevents:<path>"): a second Track of the same key finds the first
	// run. Empty: every call makes a run.
	Key string `json:"key,omitempty"`
	// Name empty: the experiment's next "run-N".
	Name       string `json:"name,omitempty"`
	Experiment string `json:"experiment,omitempty"`
	// Runner is RunnerMLflow or RunnerImport.
	Runner string `json:"runner"`
	// Status empty is Running; an ended status with Ended records a run
	// that is over (an import).
	Status  Status     `json:"status,omitempty"`
	Started *time.Time `json:"started,omitempty"`
	Ended   *time.Time `json:"ended,omitempty"`
	// Reason says why it ended as it did, when it has.
	Reason string            `json:"reason,omitempty"`
	Params map[string]string `json:"params,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
	// Metrics are points recorded with the run, in the same transaction:
	// an import is all there or not at all.
	Metrics []LoggedPoint `json:"metrics,omitempty"`
	// Cwd is where the run's relative paths start (an import's folder).
	Cwd string `json:"cwd,omitempty"`
	// User is who records it; the socket server sets it from the peer's
	// credentials, and the MLflow endpoint from the engine's own user.
	User string `json:"user,omitempty"`
}

// TrackResult is the run Track recorded or found.
type TrackResult struct {
	Run     Run  `json:"run"`
	Created bool `json:"created"`
}

// LoggedPoint is one value of a metric told to the engine.
type LoggedPoint struct {
	Name string `json:"name"`
	// Step is the point's step; Time Unix seconds (0: now).
	Step  int64   `json:"step"`
	Time  float64 `json:"time,omitempty"`
	Value Float   `json:"value"`
}

// LogRequest is what to add to a run.
type LogRequest struct {
	Run     string            `json:"run"`
	Metrics []LoggedPoint     `json:"metrics,omitempty"`
	Params  map[string]string `json:"params,omitempty"`
	Tags    map[string]string `json:"tags,omitempty"`
	// DeleteTags are tag names to remove (after Tags are set).
	DeleteTags []string `json:"delete_tags,omitempty"`
}

// UpdateRunRequest changes a run's name or, for a tracked run, ends it.
type UpdateRunRequest struct {
	Run  string `json:"run"`
	Name string `json:"name,omitempty"` // empty: kept
	// Status empty or Running keeps a running run running; an ended one
	// ends a tracked run at Ended (nil: now).
	Status Status     `json:"status,omitempty"`
	Ended  *time.Time `json:"ended,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

// Experiment is a group of runs.
type Experiment struct {
	// ID is a number given when the experiment was made, never reused.
	ID      int64             `json:"id"`
	Name    string            `json:"name"`
	Created time.Time         `json:"created"`
	Tags    map[string]string `json:"tags,omitempty"`
	// Runs counts the runs ever created in it.
	Runs int64 `json:"runs"`
	// Default marks the experiment of runs that name none (the config's
	// default_experiment), listed even before a run is in it.
	Default bool `json:"default,omitempty"`
}

// ExperimentRequest names an experiment to make.
type ExperimentRequest struct {
	Name string            `json:"name"`
	Tags map[string]string `json:"tags,omitempty"`
}
