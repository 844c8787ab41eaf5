package client

import (
	"context"
	"net/http"

	"lathe/engine/api"
)

func (c *Client) Track(ctx context.Context, req api.TrackRequest) (api.TrackResult, error) {
	return call[api.TrackResult](c, ctx, http.MethodPost, "/v1/track", req)
}

func (c *Client) Log(ctx context.Context, req api.LogRequest) (api.Run, error) {
	return call[api.Run](c, ctx, http.MethodPost, "/v1/track/log", req)
}

func (c *Client) UpdateRun(ctx context.Context, req api.UpdateRunRequest) (api.Run, error) {
	return call[api.Run](c, ctx, http.MethodPost, "/v1/track/update", req)
}

func (c *Client) Experiments(ctx context.Context) ([]api.Experiment, error) {
	return call[[]api.Experiment](c, ctx, http.MethodGet, "/v1/experiments", nil)
}

func (c *Client) CreateExperiment(ctx context.Context, req api.ExperimentRequest) (api.Experiment, error) {
	return call[api.Experiment](c, ctx, http.MethodPost, "/v1/experiments", req)
}

func (c *Client) CreateModel(ctx context.Context, req api.CreateModelRequest) (api.Model, error) {
	return call[api.Model](c, ctx, http.MethodPost, "/v1/models", req)
}
