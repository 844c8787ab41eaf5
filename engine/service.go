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
