package client

import (
	"context"
	"net/http"

	"lathe/engine/api"
)

func (c *Client) Policy(ctx context.Context, model string) (api.Policy, error) {
	p, err := modelPath(model, "/policy")
	if err != nil {
		return api.Policy{}, err
	}
	return call[api.Policy](c, ctx, http.MethodGet, p, nil)
}

func (c *Client) SetPolicy(ctx context.Context, req api.PolicyRequest) (api.Policy, error) {
	return modelCall[api.Policy](c, ctx, req.Model, "/policy", req)
}

func (c *Client) Promote(ctx context.Context, req api.ReviewRequest) (api.Request, error) {
	return call[api.Request](c, ctx, http.MethodPost, "/v1/promote", req)
}

func (c *Client) Approve(ctx context.Context, req api.ReviewRequest) (api.Request, error) {
	return call[api.Request](c, ctx, http.MethodPost, "/v1/approve", req)
}

func (c *Client) Reject(ctx context.Context, req api.ReviewRequest) (api.Request, error) {
	return call[api.Request](c, ctx, http.MethodPost, "/v1/reject", req)
}

func (c *Client) Rollback(ctx context.Context, req api.ReviewRequest) (api.Request, error) {
	return call[api.Request](c, ctx, http.MethodPost, "/v1/rollback", req)
}

func (c *Client) Requests(ctx context.Context, q api.RequestQuery) ([]api.Request, error) {
	return call[[]api.Request](c, ctx, http.MethodPost, "/v1/requests", q)
}

func (c *Client) Audit(ctx context.Context, q api.AuditQuery) ([]api.AuditEntry, error) {
	return call[[]api.AuditEntry](c, ctx, http.MethodPost, "/v1/audit", q)
}

func (c *Client) VerifyAudit(ctx context.Context) (api.AuditReport, error) {
	return call[api.AuditReport](c, ctx, http.MethodGet, "/v1/audit/verify", nil)
}
