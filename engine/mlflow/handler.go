package mlflow

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"lathe/engine/api"
)

// Service is what the endpoint asks of the engine.
type Service interface {
	Track(ctx context.Context, req api.TrackRequest) (api.TrackResult, error)
	Log(ctx context.Context, req api.LogRequest) (api.Run, error)
	UpdateRun(ctx context.Context, req api.UpdateRunRequest) (api.Run, error)
	Experiments(ctx context.Context) ([]api.Experiment, error)
	CreateExperiment(ctx context.Context, req api.ExperimentRequest) (api.Experiment, error)
	Run(ctx context.Context, ref string) (api.Run, error)
	Runs(ctx context.Context, q api.RunQuery) ([]api.Run, error)
	Metric(ctx context.Context, ref, name string) ([]api.Point, error)
	Remove(ctx context.Context, req api.RemoveRequest) (api.RemoveResult, error)
	Restore(ctx context.Context, refs []string) ([]api.Run, error)
	CreateModel(ctx context.Context, req api.CreateModelRequest) (api.Model, error)
	Model(ctx context.Context, name string) (api.Model, error)
	Models(ctx context.Context) ([]api.ModelSummary, error)
	Register(ctx context.Context, req api.RegisterRequest, progress func(done, total int64)) (api.ModelVersion, error)
	ModelVersion(ctx context.Context, ref string) (api.ModelVersion, error)
	SetAlias(ctx context.Context, req api.AliasRequest) (api.Model, error)
	RemoveAlias(ctx context.Context, req api.AliasRequest) (api.Model, error)
}

// Options configure the endpoint.
type Options struct {
	// Token is the bearer token every request must carry (the client's
	// MLFLOW_TRACKING_TOKEN). Empty refuses every request.
	Token string
	Log   *slog.Logger
}

// MLflow's limits, as its server checks them.
const (
	maxBatchBytes    = 1 << 20
	maxBatchMetrics  = 1000
	maxBatchParams   = 100
	maxBatchTags     = 100
	maxBatchEntities = 1000
	maxKey           = 250
	maxParamValue    = 6000
	maxTagValue      = 8000
	maxResults       = 50000
	defaultResults   = 1000
)

// The path prefixes MLflow serves its API under: clients use the first, its
// web UI the second.
var prefixes = []string{"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}

type route struct {
	methods []string
	fn      func(s *server, ctx context.Context, q request) (any, error)
}

type server struct {
	svc   Service
	token []byte
	log   *slog.Logger
}

// New serves MLflow's REST API over svc.
func New(svc Service, opts Options) http.Handler {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &server{svc: svc, token: []byte(opts.Token), log: opts.Log}
}

var routes = map[string]route{
	"experiments/create":       {[]string{"POST"}, (*server).createExperiment},
	"experiments/get":          {[]string{"GET"}, (*server).getExperiment},
	"experiments/get-by-name":  {[]string{"GET"}, (*server).getExperimentByName},
	"experiments/search":       {[]string{"GET", "POST"}, (*server).searchExperiments},
	"runs/create":              {[]string{"POST"}, (*server).createRun},
	"runs/get":                 {[]string{"GET"}, (*server).getRun},
	"runs/update":              {[]string{"POST"}, (*server).updateRun},
	"runs/search":              {[]string{"POST"}, (*server).searchRuns},
	"runs/delete":              {[]string{"POST"}, (*server).deleteRun},
	"runs/restore":             {[]string{"POST"}, (*server).restoreRun},
	"runs/log-metric":          {[]string{"POST"}, (*server).logMetric},
	"runs/log-parameter":       {[]string{"POST"}, (*server).logParam},
	"runs/set-tag":             {[]string{"POST"}, (*server).setTag},
	"runs/delete-tag":          {[]string{"POST"}, (*server).deleteTag},
	"runs/log-batch":           {[]string{"POST"}, (*server).logBatch},
	"metrics/get-history":      {[]string{"GET"}, (*server).metricHistory},
	"registered-models/create": {[]string{"POST"}, (*server).createModel},
	"registered-models/get":    {[]string{"GET"}, (*server).getModel},
	"registered-models/search": {[]string{"GET"}, (*server).searchModels},
	"model-versions/create":    {[]string{"POST"}, (*server).createVersion},
	"model-versions/get":       {[]string{"GET"}, (*server).getVersion},
	"model-versions/search":    {[]string{"GET"}, (*server).searchVersions},
	"registered-models/alias":  {[]string{"POST", "GET", "DELETE"}, (*server).alias},
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var name string
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(r.URL.Path, p); ok {
			name = rest
		}
	}
	rt, ok := routes[name]
	switch {
	case !s.authorised(r):
		writeError(w, &Error{Code: "UNAUTHENTICATED", Status: http.StatusUnauthorized,
			Message: "a bearer token is required (set MLFLOW_TRACKING_TOKEN; `lathe mlflow env` prints it)"})
		return
	case !ok:
		writeError(w, &Error{Code: "ENDPOINT_NOT_FOUND", Status: http.StatusNotFound,
			Message: fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path)})
		return
	}
	if !contains(rt.methods, r.Method) {
		w.Header().Set("Allow", strings.Join(rt.methods, ", "))
		writeError(w, &Error{Code: "ENDPOINT_NOT_FOUND", Status: http.StatusMethodNotAllowed,
			Message: fmt.Sprintf("%s takes %s, not %s", name, strings.Join(rt.methods, " or "), r.Method)})
		return
	}
	q, err := readRequest(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q.method = r.Method
	out, err := rt.fn(s, r.Context(), q)
	if err != nil {
		writeError(w, s.mlflowError(err))
		return
	}
	if out == nil {
		out = struct{}{}
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		s.log.Warn("mlflow: write reply", "path", r.URL.Path, "err", err)
	}
}

func (s *server) authorised(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && len(s.token) > 0 && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), s.token) == 1
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Error is an error as MLflow's server writes it.
type Error struct {
	Code    string `json:"error_code"`
	Message string `json:"message"`
	Status  int    `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func invalid(format string, args ...any) *Error {
	return &Error{Code: "INVALID_PARAMETER_VALUE", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Error {
	return &Error{Code: "RESOURCE_DOES_NOT_EXIST", Status: http.StatusNotFound, Message: fmt.Sprintf(format, args...)}
}

func exists(format string, args ...any) *Error {
	return &Error{Code: "RESOURCE_ALREADY_EXISTS", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func denied(format string, args ...any) *Error {
	return &Error{Code: "PERMISSION_DENIED", Status: http.StatusForbidden, Message: fmt.Sprintf(format, args...)}
}

// mlflowError gives an engine error MLflow's code.
func (s *server) mlflowError(err error) *Error {
	var me *Error
	switch {
	case errors.As(err, &me):
		return me
	case errors.Is(err, api.ErrNotFound):
		return notFound("%v", err)
	case errors.Is(err, api.ErrConflict):
		return &Error{Code: "INVALID_STATE", Status: http.StatusBadRequest, Message: err.Error()}
	case errors.Is(err, api.ErrInvalid), errors.Is(err, api.ErrAmbiguous):
		return invalid("%v", err)
	case errors.Is(err, api.ErrForbidden):
		return denied("%v", err)
	case errors.Is(err, api.ErrStopped):
		return &Error{Code: "TEMPORARILY_UNAVAILABLE", Status: http.StatusServiceUnavailable, Message: err.Error()}
	}
	s.log.Error("mlflow: internal error", "err", err)
	return &Error{Code: "INTERNAL_ERROR", Status: http.StatusInternalServerError, Message: err.Error()}
}

func writeError(w http.ResponseWriter, err error) {
	var me *Error
	if !errors.As(err, &me) {
		me = &Error{Code: "INTERNAL_ERROR", Status: http.StatusInternalServerError, Message: err.Error()}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(me.Status)
	json.NewEncoder(w).Encode(me)
}

// readRequest reads a request's fields: a GET's from its query, others'
// from their JSON body (and the query, which DELETE clients use).
func readRequest(r *http.Request) (request, error) {
	q := request{fields: map[string]any{}}
	for k, vs := range r.URL.Query() {
		if len(vs) == 1 {
			q.fields[k] = vs[0]
		} else {
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = v
			}
			q.fields[k] = list
		}
	}
	if r.Method == http.MethodGet {
		return q, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBatchBytes+1))
	if err != nil {
		return q, invalid("read the request: %v", err)
	}
	if len(body) > maxBatchBytes {
		return q, invalid("the request is larger than %d bytes, MLflow's limit", maxBatchBytes)
	}
	fields, err := decodeBody(body)
	if err != nil {
		return q, err
	}
	for k, v := range fields {
		q.fields[k] = v
	}
	return q, nil
}

// decodeBody reads a JSON object; an empty body is an empty object.
func decodeBody(body []byte) (map[string]any, error) {
	fields := map[string]any{}
	if len(strings.TrimSpace(string(body))) == 0 {
		return fields, nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil {
		return nil, invalid("malformed JSON body: %v", err)
	}
	if dec.More() {
		return nil, invalid("malformed JSON body: more than one value")
	}
	return fields, nil
}
