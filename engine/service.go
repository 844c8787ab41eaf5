package engine

import (
	"context"
	"io"
	"time"

	"lathe/engine/gpu"
	"lathe/engine/metricline"
	"lathe/store"
)

// APIVersion is the version of the socket API. A client and an engine that
// disagree refuse to talk and say so.
const APIVersion = 1

// Service is what a client can ask of the engine.
type Service interface {
	// Submit queues a new run and returns it (usually still queued).
	Submit(ctx context.Context, req SubmitRequest) (Run, error)
	// Run returns one run named by id, unique id prefix or unique name.
	Run(ctx context.Context, ref string) (Run, error)
	// Runs lists runs, newest first.
	Runs(ctx context.Context, q RunQuery) ([]Run, error)
	// Kill stops a run: SIGTERM to its process tree, then SIGKILL after the
	// grace period (at once when now is set). It returns without waiting.
	Kill(ctx context.Context, ref string, now bool) (Run, error)
	// Wait blocks until the run has ended and returns it.
	Wait(ctx context.Context, ref string) (Run, error)
	// Metric returns every point of one metric of a run, in arrival order.
	Metric(ctx context.Context, ref, name string) ([]Point, error)
	// MetricView returns one metric of a run in at most about points
	// buckets, for a chart: a long series is summarised from its chunks'
	// headers without reading its points.
	MetricView(ctx context.Context, ref, name string, points int) ([]Bucket, error)
	// Logs copies the run's output to w from a byte offset; with Follow, it
	// goes on until the run has ended and its output is all written.
	Logs(ctx context.Context, ref string, opts LogOptions, w io.Writer) error
	// Events streams changes until ctx ends. The channel is closed at the
	// end; an EventError is the last event when the stream broke.
	Events(ctx context.Context) (<-chan Event, error)
	// Status describes the engine.
	Status(ctx context.Context) (Status, error)
	// CheckStore verifies the store and the offsets of running jobs.
	CheckStore(ctx context.Context) (store.CheckReport, error)
	// StoreStats measures the store.
	StoreStats(ctx context.Context) (store.Stats, error)
	// GPUs reports the GPUs: each device, its last sample, and the runs on it.
	GPUs(ctx context.Context) (GPUReport, error)
	// Remove takes runs out of every listing (they can be restored for
	// RetainRemoved), or with Purge frees their folders and series now.
	Remove(ctx context.Context, req RemoveRequest) (RemoveResult, error)
	// Restore brings removed runs back.
	Restore(ctx context.Context, refs []string) ([]Run, error)
	// Compare sets runs side by side: the params that differ, each
	// metric's summary with the best run, their use of GPUs.
	Compare(ctx context.Context, refs []string) (Comparison, error)
	// GPUHistory returns a device's readings from since to until (zero:
	// now), oldest first: one a second when since is within the last hour,
	// else one a minute (kept 30 days).
	GPUHistory(ctx context.Context, device int, since, until time.Time) ([]GPUPoint, error)
}

// GPUPoint is one reading of a GPU; NaN means n/a.
type GPUPoint struct {
	Time       time.Time        `json:"time"`
	Util       metricline.Float `json:"util"`        // percent
	MemoryUsed metricline.Float `json:"memory_used"` // bytes
	PowerW     metricline.Float `json:"power_w"`
	TempC      metricline.Float `json:"temp_c"`
}

// SubmitRequest is what `lathe run` sends.
type SubmitRequest struct {
	Name       string            `json:"name,omitempty"`
	Experiment string            `json:"experiment,omitempty"`
	Command    []string          `json:"command"`
	Cwd        string            `json:"cwd"`
	Env        []string          `json:"env"`
	Params     map[string]string `json:"params,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Priority   int               `json:"priority,omitempty"`
	After      string            `json:"after,omitempty"`
	// GPUs asks for that many GPUs; GPUIDs for exactly those; MinGPUMem for
	// GPUs with at least that much memory (bytes).
	GPUs      int    `json:"gpus,omitempty"`
	GPUIDs    []int  `json:"gpu_ids,omitempty"`
	MinGPUMem uint64 `json:"min_gpu_mem,omitempty"`
	// Parse is "" or "kv": read name=value pairs on output lines as metrics.
	Parse string `json:"parse,omitempty"`
	// User is who submits. The socket server sets it from the peer's
	// credentials, whatever the client sent.
	User string `json:"user,omitempty"`
}

// LogOptions choose what Logs copies.
type LogOptions struct {
	Follow bool
	// Offset is the byte of output.log to start at (a client that lost its
	// engine mid-stream goes on where it was).
	Offset int64
	// Tail, when set, starts that many bytes before the end instead.
	Tail int64
}

// RunQuery selects runs.
type RunQuery struct {
	Experiment string         `json:"experiment,omitempty"`
	Statuses   []store.Status `json:"statuses,omitempty"`
	Limit      int            `json:"limit,omitempty"`
	// Filter is an expression of the filter language (engine/filter).
	Filter string `json:"filter,omitempty"`
	// Sort names a field to order by, as the filter language writes it
	// (metrics.val_loss, params.lr, duration, started…): runs without it
	// come last in either direction. Empty: newest first.
	Sort string `json:"sort,omitempty"`
	Desc bool   `json:"desc,omitempty"`
	// Deleted lists the removed runs that can still be restored, instead
	// of the others.
	Deleted bool `json:"deleted,omitempty"`
}

// RemoveRequest names the runs to remove: by reference, or every run a
// filter keeps.
type RemoveRequest struct {
	Refs   []string `json:"refs,omitempty"`
	Filter string   `json:"filter,omitempty"`
	// Purge frees the runs' folders and series at once, removed runs
	// included; they cannot be restored.
	Purge bool `json:"purge,omitempty"`
	// DryRun says which runs it would remove, and removes none.
	DryRun bool `json:"dry_run,omitempty"`
}

// RemoveResult is the runs a removal took (or would take).
type RemoveResult struct {
	Runs   []Run `json:"runs"`
	Purged bool  `json:"purged"`
}

// RetainRemoved is how long a removed run can be restored; then its folder
// and series are freed.
const RetainRemoved = 7 * 24 * time.Hour

// Comparison is runs side by side, as `lathe compare --json` prints it.
type Comparison struct {
	Runs   []Run           `json:"runs"`
	Params ParamComparison `json:"params"`
	// Metrics holds every metric any of the runs has, by name.
	Metrics map[string]MetricComparison `json:"metrics"`
	// Usage is each run's duration and use of GPUs, by run id.
	Usage map[string]RunUsage `json:"usage"`
}

// ParamComparison splits the params into those whose value differs
// between the runs (a run without the param has null) and those all runs
// share.
type ParamComparison struct {
	Differ map[string]map[string]*string `json:"differ"`
	Same   map[string]string             `json:"same"`
}

// MetricComparison is one metric across runs: its summary in each run that
// has it (nil in one that has not), and the best run by the last value in
// the metric's direction ("" when there is no direction or no value).
type MetricComparison struct {
	ByRun     map[string]*MetricStat
	Best      string
	Direction string // "min", "max", or "" when unknown
}

// MetricStat is a metric's summary in one run.
type MetricStat struct {
	Last  metricline.Float `json:"last"`
	Min   metricline.Float `json:"min"`
	Max   metricline.Float `json:"max"`
	Count int64            `json:"count"`
}

// RunUsage is a run's time and use of GPUs; Cost is GPU-hours at the
// configured price (0 when none is set).
type RunUsage struct {
	DurationS float64 `json:"duration_s"`
	GPUHours  float64 `json:"gpu_hours"`
	EnergyWh  float64 `json:"energy_wh"`
	Cost      float64 `json:"cost"`
	PeakMemGB float64 `json:"peak_gpu_mem_gb"`
	MeanUtil  float64 `json:"mean_gpu_util"`
}

// Run is a run as clients see it: the stored record, its metric summaries and
// what the engine knows of it now.
type Run struct {
	store.Run
	Metrics      map[string]MetricSummary `json:"metrics"`
	InvalidLines int64                    `json:"invalid_lines"`
	FirstInvalid string                   `json:"first_invalid,omitempty"`
	// Waiting says why a queued run has not started.
	Waiting string `json:"waiting,omitempty"`
}

// MetricSummary is the summary of one metric of a run.
type MetricSummary struct {
	Last     metricline.Float `json:"last"`
	Min      metricline.Float `json:"min"`
	Max      metricline.Float `json:"max"`
	Count    int64            `json:"count"`
	LastStep int64            `json:"last_step"`
}

// Bucket summarises consecutive points of a metric (one point when the
// series is short); a chart draws the span from Min to Max.
type Bucket struct {
	FirstStep int64 `json:"first_step"`
	LastStep  int64 `json:"last_step"`
	// FirstTime and LastTime are Unix seconds, like Point.Time.
	FirstTime float64          `json:"first_time"`
	LastTime  float64          `json:"last_time"`
	Count     int              `json:"count"`
	Min       metricline.Float `json:"min"`
	Max       metricline.Float `json:"max"`
	Mean      metricline.Float `json:"mean"`
	Last      metricline.Float `json:"last"`
}

// Point is one value of a metric; Time is Unix seconds.
type Point struct {
	Step  int64            `json:"step"`
	Time  float64          `json:"time"`
	Value metricline.Float `json:"value"`
}

// Event kinds.
const (
	EventRun    = "run"    // a run was created or changed state; Run is set
	EventPoints = "points" // new points of a running run; RunID and Points are set
	EventError  = "error"  // the stream broke (the client lagged, or the engine stopped)
	EventGPUs   = "gpus"   // a new sample of the GPUs; GPUs is set
)

// Event is one change.
type Event struct {
	Type   string             `json:"type"`
	Run    *Run               `json:"run,omitempty"`
	RunID  string             `json:"run_id,omitempty"`
	Points map[string][]Point `json:"points,omitempty"`
	GPUs   *GPUReport         `json:"gpus,omitempty"`
	Error  string             `json:"error,omitempty"`
}

// Status describes a running engine.
type Status struct {
	API     int       `json:"api"`
	Version string    `json:"version"`
	PID     int       `json:"pid"`
	Home    string    `json:"home"`
	Socket  string    `json:"socket"`
	Started time.Time `json:"started"`
	Running int       `json:"running"`
	Queued  int       `json:"queued"`
	// Upgrade is set when this engine upgraded the store as it opened it.
	Upgrade *store.Upgrade `json:"upgrade,omitempty"`
	GPU     gpu.Info       `json:"gpu"`
	Devices int            `json:"devices"`
}
