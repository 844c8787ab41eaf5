package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"lathe/engine/api"
)

// modelPath is a model's path; a name a URL path cannot carry is refused
// here (no model has one: the engine refuses those names).
func modelPath(name, rest string) (string, error) {
	if name == "" || name == "." || name == ".." {
		return "", api.Errorf(api.ErrInvalid, "model name %q: give a model's name", name)
	}
	return "/v1/models/" + url.PathEscape(name) + rest, nil
}

func (c *Client) Rerun(ctx context.Context, req api.RerunRequest) (api.RerunResult, error) {
	if err := checkRef(req.Run); err != nil {
		return api.RerunResult{}, err
	}
	return call[api.RerunResult](c, ctx, http.MethodPost, runPath(req.Run, "/rerun"), req)
}

func (c *Client) Register(ctx context.Context, req api.RegisterRequest, progress func(done, total int64)) (api.ModelVersion, error) {
	return streamed[api.ModelVersion](c, ctx, "/v1/models/register", req, progress, "it registered the version (`lathe model NAME` says whether it did)")
}

func (c *Client) Models(ctx context.Context) ([]api.ModelSummary, error) {
	return call[[]api.ModelSummary](c, ctx, http.MethodGet, "/v1/models", nil)
}

func (c *Client) Model(ctx context.Context, name string) (api.Model, error) {
	p, err := modelPath(name, "")
	if err != nil {
		return api.Model{}, err
	}
	return call[api.Model](c, ctx, http.MethodGet, p, nil)
}

func (c *Client) ModelVersion(ctx context.Context, ref string) (api.ModelVersion, error) {
	if ref == "" || ref == "." || ref == ".." {
		return api.ModelVersion{}, api.Errorf(api.ErrInvalid, "%q names no version: write MODEL@VERSION or MODEL@ALIAS", ref)
	}
	return call[api.ModelVersion](c, ctx, http.MethodGet, "/v1/versions/"+url.PathEscape(ref), nil)
}

func (c *Client) SetAlias(ctx context.Context, req api.AliasRequest) (api.Model, error) {
	return modelCall[api.Model](c, ctx, req.Model, "/aliases", req)
}

func (c *Client) RemoveAlias(ctx context.Context, req api.AliasRequest) (api.Model, error) {
	return modelCall[api.Model](c, ctx, req.Model, "/aliases/remove", req)
}

func (c *Client) RemoveVersion(ctx context.Context, req api.RemoveVersionRequest) (api.ModelVersion, error) {
	return modelCall[api.ModelVersion](c, ctx, req.Model, "/versions/remove", req)
}

func (c *Client) Lineage(ctx context.Context, model string, version int) (api.Lineage, error) {
	p, err := modelPath(model, "/versions/"+strconv.Itoa(version)+"/lineage")
	if err != nil {
		return api.Lineage{}, err
	}
	return call[api.Lineage](c, ctx, http.MethodGet, p, nil)
}

// modelCall posts body to a path under a model.
func modelCall[T any](c *Client, ctx context.Context, model, rest string, body any) (T, error) {
	p, err := modelPath(model, rest)
	if err != nil {
		var zero T
		return zero, err
	}
	return call[T](c, ctx, http.MethodPost, p, body)
}
