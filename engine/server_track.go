package engine

import (
	"net/http"

	"lathe/engine/api"
)

// trackRoutes serve the TrackService and the making of models before their
// first version.
func (h *handler) trackRoutes() {
	h.mux.HandleFunc("POST /v1/track", h.track)
	h.mux.HandleFunc("POST /v1/track/log", h.logTracked)
	h.mux.HandleFunc("POST /v1/track/update", h.updateRun)
	h.mux.HandleFunc("GET /v1/experiments", h.experiments)
	h.mux.HandleFunc("POST /v1/experiments", h.createExperiment)
	h.mux.HandleFunc("POST /v1/models", h.createModel)
}

func (h *handler) track(w http.ResponseWriter, r *http.Request) {
	var req api.TrackRequest
	if decode(w, r, &req) {
		req.User = peer(r)
		v, err := h.e.Track(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) logTracked(w http.ResponseWriter, r *http.Request) {
	var req api.LogRequest
	if decode(w, r, &req) {
		v, err := h.e.Log(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) updateRun(w http.ResponseWriter, r *http.Request) {
	var req api.UpdateRunRequest
	if decode(w, r, &req) {
		v, err := h.e.UpdateRun(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) experiments(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Experiments(r.Context())
	reply(w, v, err)
}

func (h *handler) createExperiment(w http.ResponseWriter, r *http.Request) {
	var req api.ExperimentRequest
	if decode(w, r, &req) {
		v, err := h.e.CreateExperiment(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) createModel(w http.ResponseWriter, r *http.Request) {
	var req api.CreateModelRequest
	if decode(w, r, &req) {
		req.User = peer(r)
		v, err := h.e.CreateModel(r.Context(), req)
		reply(w, v, err)
	}
}
