package tui

import (
	"context"
	"io"
	"time"

	"lathe/engine/api"
)

// Engine is what the app asks of the engine; *client.Client and
// *engine.Engine provide it.
type Engine interface {
	Runs(ctx context.Context, q api.RunQuery) ([]api.Run, error)
	// Run is one run with what listings leave out (its environment).
	Run(ctx context.Context, ref string) (api.Run, error)
	GPUs(ctx context.Context) (api.GPUReport, error)
	Events(ctx context.Context) (<-chan api.Event, error)
	Kill(ctx context.Context, ref string, now bool) (api.Run, error)
	MetricView(ctx context.Context, ref, name string, points int) ([]api.Bucket, error)
	Logs(ctx context.Context, ref string, opts api.LogOptions, w io.Writer) error
	LogLines(ctx context.Context, ref string, req api.LogLinesRequest) (api.LogLines, error)
	SearchLogs(ctx context.Context, ref string, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error
	GPUHistory(ctx context.Context, device int, since, until time.Time) ([]api.GPUPoint, error)
	ProcHistory(ctx context.Context, ref string) ([]api.ProcPoint, error)
	Submit(ctx context.Context, req api.SubmitRequest) (api.Run, error)
	Rerun(ctx context.Context, req api.RerunRequest) (api.RerunResult, error)
	Remove(ctx context.Context, req api.RemoveRequest) (api.RemoveResult, error)
	Compare(ctx context.Context, refs []string) (api.Comparison, error)
	// Cluster is the user's jobs in a cluster's queue (one squeue).
	Cluster(ctx context.Context) (api.Cluster, error)

	// The registry.
	Register(ctx context.Context, req api.RegisterRequest, progress func(done, total int64)) (api.ModelVersion, error)
	Models(ctx context.Context) ([]api.ModelSummary, error)
	Model(ctx context.Context, name string) (api.Model, error)
	Lineage(ctx context.Context, model string, version int) (api.Lineage, error)

	// Promotions: the requests (all, or those waiting for the caller), and
	// the steps the app takes. The engine knows who calls; a refusal is
	// one line, shown as it is.
	Requests(ctx context.Context, q api.RequestQuery) ([]api.Request, error)
	Promote(ctx context.Context, req api.ReviewRequest) (api.Request, error)
	Approve(ctx context.Context, req api.ReviewRequest) (api.Request, error)
	Reject(ctx context.Context, req api.ReviewRequest) (api.Request, error)

	// Drift: a model's drift settings, references and windows, newest
	// first.
	Drift(ctx context.Context, q api.DriftQuery) (api.ModelDrift, error)

	// Sweeps: the list (newest first), one by id or name, and what the
	// app may do to one (stop starting trials, with kill ending the
	// running ones too; resume). A refusal is one line, shown as it is.
	Sweeps(ctx context.Context) ([]api.Sweep, error)
	Sweep(ctx context.Context, ref string) (api.Sweep, error)
	StopSweep(ctx context.Context, ref string, kill bool) (api.Sweep, error)
	ResumeSweep(ctx context.Context, ref string) (api.Sweep, error)
}
