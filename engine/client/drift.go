package client

import (
	"context"
	"net/http"

	"lathe/engine/api"
)

func (c *Client) SetDriftReference(ctx context.Context, req api.DriftReferenceRequest) (api.DriftReference, error) {
	return call[api.DriftReference](c, ctx, http.MethodPost, "/v1/drift/reference", req)
}

func (c *Client) IngestDrift(ctx context.Context, req api.DriftIngestRequest) (api.DriftIngestResult, error) {
	return call[api.DriftIngestResult](c, ctx, http.MethodPost, "/v1/drift/ingest", req)
}

func (c *Client) Drift(ctx context.Context, q api.DriftQuery) (api.ModelDrift, error) {
	return call[api.ModelDrift](c, ctx, http.MethodPost, "/v1/drift", q)
}
