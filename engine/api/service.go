package api

import (
	"context"
	"io"
	"time"
)

// Version is the version of the socket API. A client and an engine that
// disagree refuse to talk and say so.
const Version = 7

// HeaderVersion carries Version on every request and reply.
const HeaderVersion = "Lathe-API"

// RunService is runs and their jobs: start, find, stop, wait, read the
// output of, remove and compare them.
type RunService interface {
	// Submit queues a new run and returns it (usually still queued).
	Submit(ctx context.Context, req SubmitRequest) (Run, error)
	// Cluster lists the user's jobs in the queue of a cluster's scheduler
	// (Slurm), lathe's and others', with one call of it.
	Cluster(ctx context.Context) (Cluster, error)
	// SubmitArray queues req.Array runs of one command, one a task, and
	// returns them in the order of their index.
	SubmitArray(ctx context.Context, req SubmitRequest) ([]Run, error)
	// Run returns one run named by id, unique id prefix or unique name.
	Run(ctx context.Context, ref string) (Run, error)
	// Runs lists runs, newest first.
	Runs(ctx context.Context, q RunQuery) ([]Run, error)
	// Kill stops a run: SIGTERM to its process tree, then SIGKILL after the
	// grace period (at once when now is set). It returns without waiting.
	Kill(ctx context.Context, ref string, now bool) (Run, error)
	// Wait blocks until the run has ended and returns it.
	Wait(ctx context.Context, ref string) (Run, error)
	// Logs copies the run's output to w from a byte offset; with Follow, it
	// goes on until the run has ended and its output is all written.
	Logs(ctx context.Context, ref string, opts LogOptions, w io.Writer) error
	// Remove takes runs out of every listing (they can be restored for
	// RetainRemoved), or with Purge frees their folders and series now.
	Remove(ctx context.Context, req RemoveRequest) (RemoveResult, error)
	// Restore brings removed runs back.
	Restore(ctx context.Context, refs []string) ([]Run, error)
	// Compare sets runs side by side: the params that differ, each
	// metric's summary with the best run, their use of GPUs.
	Compare(ctx context.Context, refs []string) (Comparison, error)
	// Rerun starts a run again: the same command, folder, params (but
	// those given), tags, GPU request and environment, tagged rerun_of.
	Rerun(ctx context.Context, req RerunRequest) (RerunResult, error)
}

// MetricService is the metric series of runs.
type MetricService interface {
	// Metric returns every point of one metric of a run, in arrival order.
	Metric(ctx context.Context, ref, name string) ([]Point, error)
	// MetricView returns one metric of a run in at most about points
	// buckets, for a chart: a long series is summarised from its chunks'
	// headers without reading its points.
	MetricView(ctx context.Context, ref, name string, points int) ([]Bucket, error)
}

// GPUService is the machine's GPUs.
type GPUService interface {
	// GPUs reports the GPUs: each device, its last sample, and the runs on it.
	GPUs(ctx context.Context) (GPUReport, error)
	// GPUHistory returns a device's readings from since to until (zero:
	// now), oldest first: one a second when since is within the last hour,
	// else one a minute (kept 30 days).
	GPUHistory(ctx context.Context, device int, since, until time.Time) ([]GPUPoint, error)
	// ProcHistory returns a run's process tree readings (CPU, resident
	// memory), oldest first: one a second at first, fewer and merged as the
	// run ages (about a thousand in all).
	ProcHistory(ctx context.Context, ref string) ([]ProcPoint, error)
}

// StoreService is the administration of the store (lathe.db).
type StoreService interface {
	// CheckStore verifies the store and the offsets of running jobs.
	CheckStore(ctx context.Context) (CheckReport, error)
	// StoreStats measures the store.
	StoreStats(ctx context.Context) (StoreStats, error)
	// BackupStore writes a consistent copy of the store while the engine
	// goes on: to path, or "" for the data directory's backups/.
	BackupStore(ctx context.Context, path string) (BackupResult, error)
	// CompactStore rewrites the store compactly while the engine goes on
	// (writes wait meanwhile). progress, when set, is told how far it is.
	CompactStore(ctx context.Context, progress func(done, total int)) (CompactResult, error)
}

// EngineService is the engine itself.
type EngineService interface {
	// Status describes the engine.
	Status(ctx context.Context) (EngineStatus, error)
	// Events streams changes until ctx ends. The channel is closed at the
	// end; an EventError is the last event when the stream broke.
	Events(ctx context.Context) (<-chan Event, error)
	// Shutdown asks the engine to stop; its jobs keep running.
	Shutdown(ctx context.Context) error
}

// Service is everything a client can ask of the engine.
type Service interface {
	RunService
	LogService
	MetricService
	GPUService
	StoreService
	EngineService
	RegistryService
	PromotionService
	DriftService
	TrackService
	SweepService
}

// SweepService runs hyperparameter searches.
type SweepService interface {
	// StartSweep checks a sweep file, records the sweep and starts its
	// first trials.
	StartSweep(ctx context.Context, req SweepRequest) (Sweep, error)
	// Sweeps lists the sweeps, newest first.
	Sweeps(ctx context.Context) ([]Sweep, error)
	// Sweep shows one by its id, a unique id prefix or its name.
	Sweep(ctx context.Context, ref string) (Sweep, error)
	// StopSweep has a sweep start no more trials; kill ends the running
	// ones too.
	StopSweep(ctx context.Context, ref string, kill bool) (Sweep, error)
	// ResumeSweep has a stopped sweep start trials again.
	ResumeSweep(ctx context.Context, ref string) (Sweep, error)
}
