package client

import (
	"context"
	"net/http"
	"net/url"

	"lathe/engine/api"
)

func sweepPath(ref, rest string) (string, error) {
	if ref == "" || ref == "." || ref == ".." {
		return "", api.Errorf(api.ErrInvalid, "sweep %q: give a sweep's id, a unique id prefix or its name", ref)
	}
	return "/v1/sweeps/" + url.PathEscape(ref) + rest, nil
}

func sweepCall(c *Client, ctx context.Context, method, ref, rest string, body any) (api.Sweep, error) {
	p, err := sweepPath(ref, rest)
	if err != nil {
		return api.Sweep{}, err
	}
	return call[api.Sweep](c, ctx, method, p, body)
}

// StartSweep starts a sweep from its file.
func (c *Client) StartSweep(ctx context.Context, req api.SweepRequest) (api.Sweep, error) {
	return call[api.Sweep](c, ctx, http.MethodPost, "/v1/sweeps", req)
}

// Sweeps lists the sweeps, newest first.
func (c *Client) Sweeps(ctx context.Context) ([]api.Sweep, error) {
	return call[[]api.Sweep](c, ctx, http.MethodGet, "/v1/sweeps", nil)
}

// Sweep shows one sweep.
func (c *Client) Sweep(ctx context.Context, ref string) (api.Sweep, error) {
	return sweepCall(c, ctx, http.MethodGet, ref, "", nil)
}

// StopSweep has a sweep start no more trials; kill ends its running ones.
func (c *Client) StopSweep(ctx context.Context, ref string, kill bool) (api.Sweep, error) {
	return sweepCall(c, ctx, http.MethodPost, ref, "/stop", api.SweepStopRequest{Kill: kill})
}

// ResumeSweep has a stopped sweep start trials again.
func (c *Client) ResumeSweep(ctx context.Context, ref string) (api.Sweep, error) {
	return sweepCall(c, ctx, http.MethodPost, ref, "/resume", nil)
}
