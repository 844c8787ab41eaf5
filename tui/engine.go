package tui

import (
	"context"
	"io"
	"time"

	"lathe/engine"
)

// Engine is what the app asks of the engine; *engine.Client provides it.
type Engine interface {
	Runs(ctx context.Context, q engine.RunQuery) ([]engine.Run, error)
	GPUs(ctx context.Context) (engine.GPUReport, error)
	Events(ctx context.Context) (<-chan engine.Event, error)
	Kill(ctx context.Context, ref string, now bool) (engine.Run, error)
	MetricView(ctx context.Context, ref, name string, points int) ([]engine.Bucket, error)
	Logs(ctx context.Context, ref string, opts engine.LogOptions, w io.Writer) error
	GPUHistory(ctx context.Context, device int, since, until time.Time) ([]engine.GPUPoint, error)
	Submit(ctx context.Context, req engine.SubmitRequest) (engine.Run, error)
	Remove(ctx context.Context, req engine.RemoveRequest) (engine.RemoveResult, error)
	Compare(ctx context.Context, refs []string) (engine.Comparison, error)
}
