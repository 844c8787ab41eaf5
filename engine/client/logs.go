package client

import (
	"context"
	"encoding/json"
	"net/http"

	"lathe/engine/api"
)

func (c *Client) LogLines(ctx context.Context, ref string, req api.LogLinesRequest) (api.LogLines, error) {
	if err := checkRef(ref); err != nil {
		return api.LogLines{}, err
	}
	return call[api.LogLines](c, ctx, http.MethodPost, runPath(ref, "/logs/lines"), req)
}

// SearchLogs reads a search's stream; cancelling ctx closes the request,
// which stops the search in the engine.
func (c *Client) SearchLogs(ctx context.Context, ref string, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	resp, err := c.do(ctx, http.MethodPost, runPath(ref, "/logs/search"), req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var line api.LogSearchLine
		if err := dec.Decode(&line); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return api.Errorf(api.ErrStopped, "the engine went away during the search; engine.log in the data directory says why (%v)", err)
		}
		if line.Error != nil {
			return line.Error.Err()
		}
		if err := fn(line.LogSearchEvent); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			// Cancelled by fn, or meanwhile: what is read already (the
			// end of a short search) is not handed on.
			return err
		}
		if line.Done {
			return nil
		}
	}
}
