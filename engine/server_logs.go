package engine

import (
	"encoding/json"
	"net/http"

	"lathe/engine/api"
)

func (h *handler) logLines(w http.ResponseWriter, r *http.Request) {
	var req api.LogLinesRequest
	if !decode(w, r, &req) {
		return
	}
	v, err := h.e.LogLines(r.Context(), r.PathValue("ref"), req)
	reply(w, v, err)
}

// searchLogs streams a search's events as JSON lines; an error after the
// stream has begun is its last line. The client closing the request
// cancels the search.
func (h *handler) searchLogs(w http.ResponseWriter, r *http.Request) {
	var req api.LogSearchRequest
	if !decode(w, r, &req) {
		return
	}
	ref := r.PathValue("ref")
	// Resolve first, so a bad reference is an error status, not a stream.
	if _, err := h.e.Run(r.Context(), ref); err != nil {
		writeError(w, err)
		return
	}
	f, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	err := h.e.SearchLogs(r.Context(), ref, req, func(ev api.LogSearchEvent) error {
		if err := enc.Encode(api.LogSearchLine{LogSearchEvent: ev}); err != nil {
			return err
		}
		if f != nil {
			f.Flush()
		}
		return nil
	})
	if err != nil && r.Context().Err() == nil {
		we, _ := api.ToWire(err)
		enc.Encode(api.LogSearchLine{Error: &we})
	}
}
