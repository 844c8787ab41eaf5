package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
	"unicode/utf8"

	"lathe/engine/api"
)

// Listen creates the engine's socket (mode 0600), replacing a stale one:
// the caller holds the store, so no other engine can be using it.
func Listen(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if dir == api.SocketFallbackDir() {
		if err := privateDir(dir); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("socket folder: %w", err)
	}
	os.Remove(path)
	// The socket is created private, not chmod-ed after: no moment exists
	// when another user could connect.
	old := syscall.Umask(0o177)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, err
	}
	// The path is removed by whoever knows it is still this socket (see
	// ServeEngine), not by Close: by then it may be the next engine's.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	return l, nil
}

// serverTimeouts bound how long a client may take to send a request's
// header and body, and stay idle between requests (tests shorten them).
var serverTimeouts = struct{ header, read, idle time.Duration }{10 * time.Second, time.Minute, 2 * time.Minute}

// Serve answers clients on l until the engine stops or ctx ends.
func Serve(ctx context.Context, e *Engine, l net.Listener, log *slog.Logger) error {
	srv := &http.Server{
		Handler:     newHandler(e),
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext: withPeer,
		// A client that sends slowly (or not at all) is cut off, and
		// holds only its own connection meanwhile. No write timeout:
		// events and followed logs stream for as long as they are read.
		ReadHeaderTimeout: serverTimeouts.header,
		ReadTimeout:       serverTimeouts.read,
		IdleTimeout:       serverTimeouts.idle,
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-e.Done():
		}
		// Streams (events, followed logs) end when the engine's context
		// does; give the rest a moment.
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

type peerKey struct{}

// withPeer records who is on the other end of the socket, from the kernel's
// credentials (SO_PEERCRED), never from what the client says.
func withPeer(ctx context.Context, c net.Conn) context.Context {
	uid, ok := api.PeerUID(c)
	if !ok {
		return ctx
	}
	name := strconv.Itoa(int(uid))
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	return context.WithValue(ctx, peerKey{}, name)
}

type handler struct {
	e   *Engine
	mux *http.ServeMux
}

func newHandler(e *Engine) http.Handler {
	h := &handler{e: e, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /v1/status", h.status)
	h.mux.HandleFunc("POST /v1/shutdown", h.shutdown)
	h.mux.HandleFunc("POST /v1/runs", h.submit)
	h.mux.HandleFunc("POST /v1/arrays", h.submitArray)
	h.mux.HandleFunc("GET /v1/cluster", h.cluster)
	h.mux.HandleFunc("GET /v1/runs", h.runs)
	h.mux.HandleFunc("GET /v1/runs/{ref}", h.run)
	h.mux.HandleFunc("POST /v1/runs/remove", h.remove)
	h.mux.HandleFunc("POST /v1/runs/restore", h.restore)
	h.mux.HandleFunc("POST /v1/compare", h.compare)
	h.mux.HandleFunc("POST /v1/runs/{ref}/kill", h.kill)
	h.mux.HandleFunc("GET /v1/runs/{ref}/wait", h.wait)
	h.mux.HandleFunc("GET /v1/runs/{ref}/metric", h.metric)
	h.mux.HandleFunc("GET /v1/runs/{ref}/view", h.metricView)
	h.mux.HandleFunc("GET /v1/runs/{ref}/logs", h.logs)
	h.mux.HandleFunc("POST /v1/runs/{ref}/logs/lines", h.logLines)
	h.mux.HandleFunc("POST /v1/runs/{ref}/logs/search", h.searchLogs)
	h.mux.HandleFunc("GET /v1/events", h.events)
	h.mux.HandleFunc("GET /v1/gpus", h.gpus)
	h.mux.HandleFunc("GET /v1/gpus/{index}/history", h.gpuHistory)
	h.mux.HandleFunc("GET /v1/runs/{ref}/procs", h.procHistory)
	h.mux.HandleFunc("GET /v1/store/check", h.checkStore)
	h.mux.HandleFunc("GET /v1/store/stats", h.storeStats)
	h.mux.HandleFunc("POST /v1/store/compact", h.compactStore)
	h.mux.HandleFunc("POST /v1/store/backup", h.backupStore)
	h.mux.HandleFunc("POST /v1/runs/{ref}/rerun", h.rerun)
	h.mux.HandleFunc("POST /v1/models/register", h.register)
	h.mux.HandleFunc("GET /v1/models", h.models)
	h.mux.HandleFunc("GET /v1/models/{name}", h.model)
	h.mux.HandleFunc("GET /v1/versions/{ref}", h.modelVersion)
	h.mux.HandleFunc("POST /v1/models/{name}/aliases", h.setAlias)
	h.mux.HandleFunc("POST /v1/models/{name}/aliases/remove", h.removeAlias)
	h.mux.HandleFunc("POST /v1/models/{name}/versions/remove", h.removeVersion)
	h.mux.HandleFunc("GET /v1/models/{name}/versions/{version}/lineage", h.lineage)
	h.mux.HandleFunc("GET /v1/models/{name}/policy", h.policy)
	h.mux.HandleFunc("POST /v1/models/{name}/policy", h.setPolicy)
	h.mux.HandleFunc("POST /v1/promote", h.review(h.e.Promote))
	h.mux.HandleFunc("POST /v1/approve", h.review(h.e.Approve))
	h.mux.HandleFunc("POST /v1/reject", h.review(h.e.Reject))
	h.mux.HandleFunc("POST /v1/rollback", h.review(h.e.Rollback))
	h.mux.HandleFunc("POST /v1/requests", h.requests)
	h.mux.HandleFunc("POST /v1/audit", h.auditEntries)
	h.mux.HandleFunc("GET /v1/audit/verify", h.verifyAudit)
	h.mux.HandleFunc("POST /v1/drift/reference", h.driftReference)
	h.mux.HandleFunc("POST /v1/drift/ingest", h.driftIngest)
	h.mux.HandleFunc("POST /v1/drift", h.drift)
	h.mux.HandleFunc("POST /v1/sweeps", h.startSweep)
	h.mux.HandleFunc("GET /v1/sweeps", h.sweeps)
	h.mux.HandleFunc("GET /v1/sweeps/{ref}", h.sweep)
	h.mux.HandleFunc("POST /v1/sweeps/{ref}/stop", h.stopSweep)
	h.mux.HandleFunc("POST /v1/sweeps/{ref}/resume", h.resumeSweep)
	h.trackRoutes()
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(api.HeaderVersion, strconv.Itoa(api.Version))
	if got := r.Header.Get(api.HeaderVersion); got != strconv.Itoa(api.Version) {
		writeError(w, api.Errorf(api.ErrAPIMismatch, "this engine speaks API %d and the client API %q: restart the engine with the same lathe (`lathe engine stop`, then any command)", api.Version, got))
		return
	}
	h.mux.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	we, status := api.ToWire(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(we)
}

func reply[T any](w http.ResponseWriter, v T, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, v)
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	s, err := h.e.Status(r.Context())
	reply(w, s, err)
}

func (h *handler) gpus(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.GPUs(r.Context())
	reply(w, v, err)
}

func (h *handler) gpuHistory(w http.ResponseWriter, r *http.Request) {
	index, err := strconv.Atoi(r.PathValue("index"))
	if err != nil {
		writeError(w, api.Errorf(api.ErrInvalid, "GPU %q is not a device index", r.PathValue("index")))
		return
	}
	var since, until time.Time
	for _, t := range []struct {
		name string
		to   *time.Time
	}{{"since", &since}, {"until", &until}} {
		if v := r.URL.Query().Get(t.name); v != "" {
			if *t.to, err = time.Parse(time.RFC3339Nano, v); err != nil {
				writeError(w, api.Errorf(api.ErrInvalid, "%s %q is not an RFC 3339 time", t.name, v))
				return
			}
		}
	}
	v, err := h.e.GPUHistory(r.Context(), index, since, until)
	reply(w, v, err)
}

func (h *handler) procHistory(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.ProcHistory(r.Context(), r.PathValue("ref"))
	reply(w, v, err)
}

func (h *handler) checkStore(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.CheckStore(r.Context())
	reply(w, v, err)
}

func (h *handler) storeStats(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.StoreStats(r.Context())
	reply(w, v, err)
}

func (h *handler) backupStore(w http.ResponseWriter, r *http.Request) {
	var req api.BackupRequest
	if decode(w, r, &req) {
		v, err := h.e.BackupStore(r.Context(), req.Path)
		reply(w, v, err)
	}
}

// compactStore answers with a line of progress now and then (a long
// compaction shows that it goes on), then the result or the error.
func (h *handler) compactStore(w http.ResponseWriter, r *http.Request) {
	stream(w, func(progress func(done, total int64)) (api.CompactResult, error) {
		return h.e.CompactStore(r.Context(), func(done, total int) { progress(int64(done), int64(total)) })
	})
}

// stream answers a long request with lines of api.Progress: how far it is
// now and then, then the result or the error. Once the first line is out
// the status is sent, so the error can only be a line.
func stream[T any](w http.ResponseWriter, work func(progress func(done, total int64)) (T, error)) {
	f, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	var last time.Time
	res, err := work(func(done, total int64) {
		if time.Since(last) < 100*time.Millisecond {
			return
		}
		last = time.Now()
		enc.Encode(api.Progress[T]{Done: done, Total: total})
		if f != nil {
			f.Flush()
		}
	})
	if err != nil {
		we, _ := api.ToWire(err)
		enc.Encode(api.Progress[T]{Error: &we})
		return
	}
	enc.Encode(api.Progress[T]{Result: &res})
}

func (h *handler) shutdown(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "stopping"})
	h.e.Stop()
}

func (h *handler) submit(w http.ResponseWriter, r *http.Request) {
	var req api.SubmitRequest
	if !decode(w, r, &req) {
		return
	}
	req.User = peer(r)
	v, err := h.e.Submit(r.Context(), req)
	reply(w, v, err)
}

func (h *handler) submitArray(w http.ResponseWriter, r *http.Request) {
	var req api.SubmitRequest
	if !decode(w, r, &req) {
		return
	}
	req.User = peer(r)
	v, err := h.e.SubmitArray(r.Context(), req)
	if err != nil && len(v) > 0 {
		// Some tasks are queued: say which, and why the rest are not.
		err = fmt.Errorf("%w (tasks 0 to %d are queued: %s…)", err, len(v)-1, v[0].Name)
	}
	reply(w, v, err)
}

func (h *handler) cluster(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Cluster(r.Context())
	reply(w, v, err)
}

// peer is who is on the other end of the socket (empty in process).
func peer(r *http.Request) string {
	user, _ := r.Context().Value(peerKey{}).(string)
	return user
}

func (h *handler) rerun(w http.ResponseWriter, r *http.Request) {
	var req api.RerunRequest
	if decode(w, r, &req) {
		req.Run, req.User = r.PathValue("ref"), peer(r)
		v, err := h.e.Rerun(r.Context(), req)
		reply(w, v, err)
	}
}

// register streams the copy's progress: a large artifact takes seconds.
func (h *handler) register(w http.ResponseWriter, r *http.Request) {
	var req api.RegisterRequest
	if decode(w, r, &req) {
		req.User = peer(r)
		stream(w, func(progress func(done, total int64)) (api.ModelVersion, error) {
			return h.e.Register(r.Context(), req, progress)
		})
	}
}

func (h *handler) models(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Models(r.Context())
	reply(w, v, err)
}

func (h *handler) model(w http.ResponseWriter, r *http.Request) {
	raw, err := h.e.modelJSON(r.Context(), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.Write(raw)
}

func (h *handler) modelVersion(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.ModelVersion(r.Context(), r.PathValue("ref"))
	reply(w, v, err)
}

func (h *handler) setAlias(w http.ResponseWriter, r *http.Request) {
	var req api.AliasRequest
	if decode(w, r, &req) {
		req.Model, req.User = r.PathValue("name"), peer(r)
		v, err := h.e.SetAlias(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) removeAlias(w http.ResponseWriter, r *http.Request) {
	var req api.AliasRequest
	if decode(w, r, &req) {
		req.Model, req.User = r.PathValue("name"), peer(r)
		v, err := h.e.RemoveAlias(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) removeVersion(w http.ResponseWriter, r *http.Request) {
	var req api.RemoveVersionRequest
	if decode(w, r, &req) {
		req.Model, req.User = r.PathValue("name"), peer(r)
		v, err := h.e.RemoveVersion(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) lineage(w http.ResponseWriter, r *http.Request) {
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		writeError(w, api.Errorf(api.ErrInvalid, "version %q is not a number", r.PathValue("version")))
		return
	}
	v, err := h.e.Lineage(r.Context(), r.PathValue("name"), version)
	reply(w, v, err)
}

func (h *handler) policy(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Policy(r.Context(), r.PathValue("name"))
	reply(w, v, err)
}

func (h *handler) setPolicy(w http.ResponseWriter, r *http.Request) {
	var req api.PolicyRequest
	if decode(w, r, &req) {
		req.Model, req.User = r.PathValue("name"), peer(r)
		v, err := h.e.SetPolicy(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) startSweep(w http.ResponseWriter, r *http.Request) {
	var req api.SweepRequest
	if decode(w, r, &req) {
		req.User = peer(r)
		v, err := h.e.StartSweep(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) sweeps(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Sweeps(r.Context())
	reply(w, v, err)
}

func (h *handler) sweep(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Sweep(r.Context(), r.PathValue("ref"))
	reply(w, v, err)
}

func (h *handler) stopSweep(w http.ResponseWriter, r *http.Request) {
	var req api.SweepStopRequest
	if decode(w, r, &req) {
		v, err := h.e.StopSweep(r.Context(), r.PathValue("ref"), req.Kill)
		reply(w, v, err)
	}
}

func (h *handler) resumeSweep(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.ResumeSweep(r.Context(), r.PathValue("ref"))
	reply(w, v, err)
}

func (h *handler) driftReference(w http.ResponseWriter, r *http.Request) {
	var req api.DriftReferenceRequest
	if decode(w, r, &req) {
		req.User = peer(r)
		v, err := h.e.SetDriftReference(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) driftIngest(w http.ResponseWriter, r *http.Request) {
	var req api.DriftIngestRequest
	if decode(w, r, &req) {
		req.User = peer(r)
		v, err := h.e.IngestDrift(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) drift(w http.ResponseWriter, r *http.Request) {
	var q api.DriftQuery
	if decode(w, r, &q) {
		v, err := h.e.Drift(r.Context(), q)
		reply(w, v, err)
	}
}

// review answers a step of a promotion, its caller taken from the socket.
func (h *handler) review(step func(context.Context, api.ReviewRequest) (api.Request, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req api.ReviewRequest
		if decode(w, r, &req) {
			req.User = peer(r)
			v, err := step(r.Context(), req)
			reply(w, v, err)
		}
	}
}

func (h *handler) requests(w http.ResponseWriter, r *http.Request) {
	var q api.RequestQuery
	if decode(w, r, &q) {
		q.User = peer(r)
		v, err := h.e.Requests(r.Context(), q)
		reply(w, v, err)
	}
}

func (h *handler) auditEntries(w http.ResponseWriter, r *http.Request) {
	var q api.AuditQuery
	if decode(w, r, &q) {
		v, err := h.e.Audit(r.Context(), q)
		reply(w, v, err)
	}
}

func (h *handler) verifyAudit(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.VerifyAudit(r.Context())
	reply(w, v, err)
}

func (h *handler) runs(w http.ResponseWriter, r *http.Request) {
	q := api.RunQuery{Experiment: r.URL.Query().Get("exp"), Filter: r.URL.Query().Get("filter"), Sort: r.URL.Query().Get("sort"),
		Desc: r.URL.Query().Get("desc") == "1", Deleted: r.URL.Query().Get("deleted") == "1"}
	for _, s := range r.URL.Query()["status"] {
		q.Statuses = append(q.Statuses, api.Status(s))
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			writeError(w, api.Errorf(api.ErrInvalid, "limit %q is not a number", l))
			return
		}
		q.Limit = n
	}
	v, err := h.e.Runs(r.Context(), q)
	reply(w, v, err)
}

// decode reads a request's JSON body into v, or answers the error.
// maxRequest bounds a request's body: the largest is a job's environment
// or a batch of tracked points, far below it.
const maxRequest = 64 << 20

// decode reads a request's JSON body into v, strictly: at most
// maxRequest bytes, valid UTF-8, one value of v's shape with no field v
// lacks. Anything else is refused with one line saying what.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, api.Errorf(api.ErrInvalid, "bad request: the body is over %d MiB", maxRequest>>20))
		return false
	case err != nil:
		writeError(w, api.Errorf(api.ErrInvalid, "bad request: %v", err))
		return false
	case !utf8.Valid(body):
		writeError(w, api.Errorf(api.ErrInvalid, "bad request: the body is not valid UTF-8"))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, api.Errorf(api.ErrInvalid, "bad request: %v", err))
		return false
	}
	if dec.More() {
		writeError(w, api.Errorf(api.ErrInvalid, "bad request: more than one JSON value in the body"))
		return false
	}
	return true
}

func (h *handler) remove(w http.ResponseWriter, r *http.Request) {
	var req api.RemoveRequest
	if decode(w, r, &req) {
		v, err := h.e.Remove(r.Context(), req)
		reply(w, v, err)
	}
}

func (h *handler) restore(w http.ResponseWriter, r *http.Request) {
	var refs []string
	if decode(w, r, &refs) {
		v, err := h.e.Restore(r.Context(), refs)
		reply(w, v, err)
	}
}

func (h *handler) compare(w http.ResponseWriter, r *http.Request) {
	var refs []string
	if decode(w, r, &refs) {
		v, err := h.e.Compare(r.Context(), refs)
		reply(w, v, err)
	}
}

func (h *handler) run(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Run(r.Context(), r.PathValue("ref"))
	reply(w, v, err)
}

func (h *handler) kill(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Kill(r.Context(), r.PathValue("ref"), r.URL.Query().Get("now") == "1")
	reply(w, v, err)
}

func (h *handler) wait(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Wait(r.Context(), r.PathValue("ref"))
	reply(w, v, err)
}

func (h *handler) metric(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Metric(r.Context(), r.PathValue("ref"), r.URL.Query().Get("name"))
	reply(w, v, err)
}

func (h *handler) metricView(w http.ResponseWriter, r *http.Request) {
	points, err := strconv.Atoi(r.URL.Query().Get("points"))
	if err != nil {
		writeError(w, api.Errorf(api.ErrInvalid, "points %q is not a number", r.URL.Query().Get("points")))
		return
	}
	v, err := h.e.MetricView(r.Context(), r.PathValue("ref"), r.URL.Query().Get("name"), points)
	reply(w, v, err)
}

// flushWriter sends each write to the client at once (followed logs).
type flushWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func (fw flushWriter) Write(p []byte) (int, error) { return fw.w.Write(p) }
func (fw flushWriter) Flush()                      { fw.f.Flush() }

func (h *handler) logs(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	// Resolve first, so a bad reference is an error status, not a stream.
	// Once the body has begun, the stream can only end: the client asks
	// the run's state to know whether it was complete.
	if _, err := h.e.Run(r.Context(), ref); err != nil {
		writeError(w, err)
		return
	}
	f, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	if f != nil {
		f.Flush()
	}
	opts := api.LogOptions{Follow: r.URL.Query().Get("follow") == "1"}
	opts.Offset, _ = strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	opts.Tail, _ = strconv.ParseInt(r.URL.Query().Get("tail"), 10, 64)
	h.e.Logs(r.Context(), ref, opts, flushWriter{w, f})
}

func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	ch, err := h.e.Events(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	f, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	if f != nil {
		f.Flush()
	}
	for ev := range ch {
		if err := enc.Encode(ev); err != nil {
			return
		}
		// Flush when nothing else is waiting, so a burst goes out together.
		if len(ch) == 0 && f != nil {
			f.Flush()
		}
	}
}

// ServeEngine runs an engine and its socket until ctx ends or a client asks it to
// stop. Jobs keep running after it returns.
func ServeEngine(ctx context.Context, opts Options) error {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	sock, fallback := opts.Paths.Socket()
	opts.Socket = sock
	var ml net.Listener
	if port := opts.Config.MLflow.Port; port > 0 {
		ml, opts.MLflow = listenMLflow(opts.Paths, port)
		if opts.MLflow.Error != "" {
			// The engine serves its own clients all the same; status and
			// doctor say why MLflow's cannot connect.
			opts.Log.Error("MLflow endpoint not started", "err", opts.MLflow.Error)
		}
	}
	e, err := Open(opts)
	if err != nil {
		if ml != nil {
			ml.Close()
		}
		return err
	}
	if ml != nil {
		mctx, stop := context.WithCancel(ctx)
		defer stop()
		go serveMLflow(mctx, e, ml)
	}
	log := opts.Log
	if fallback {
		log.Warn("the data directory's path is too long for a unix socket; listening elsewhere", "socket", sock)
	}
	l, err := Listen(sock)
	ours, _ := os.Stat(sock)
	if err != nil {
		e.Close()
		return err
	}
	if g := opts.Config.Access.SocketGroup; g != "" {
		if err := shareWithGroup(sock, opts.Paths.Home, g); err != nil {
			l.Close()
			e.Close()
			return err
		}
		log.Info("the socket is shared with a group", "group", g)
	}
	log.Info("engine started", "pid", os.Getpid(), "home", opts.Paths.Home, "socket", sock, "version", opts.Version)
	err = Serve(ctx, e, l, log)
	log.Info("engine stopping; jobs keep running")
	// The store is released before the socket goes: a command that finds no
	// socket starts an engine, which must be able to open the store.
	if cerr := e.Close(); err == nil {
		err = cerr
	}
	// Meanwhile a command may have started the next engine, whose socket
	// this path now is: leave that one.
	if now, serr := os.Stat(sock); serr == nil && ours != nil && os.SameFile(ours, now) {
		os.Remove(sock)
	}
	return err
}

// shareWithGroup opens the socket to a group ([access] socket_group): mode
// 0660 and that group, and the data directory traversable by it, so a team
// on one workstation reaches one engine. The kernel refuses everyone else at
// connect.
func shareWithGroup(sock, home, group string) error {
	g, err := user.LookupGroup(group)
	if err != nil {
		return fmt.Errorf("[access] socket_group %q: %w", group, err)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return fmt.Errorf("[access] socket_group %q: gid %q", group, g.Gid)
	}
	// The folders: the team's group, traversable (not readable) by it.
	dirs := []string{home}
	if d := filepath.Dir(sock); d != home {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if err := os.Chown(d, -1, gid); err != nil {
			return fmt.Errorf("[access] socket_group %q: %w", group, err)
		}
		if err := os.Chmod(d, fi.Mode().Perm()|0o010); err != nil {
			return fmt.Errorf("[access] socket_group %q: %w", group, err)
		}
	}
	if err := os.Chown(sock, -1, gid); err != nil {
		return fmt.Errorf("[access] socket_group %q: %w", group, err)
	}
	if err := os.Chmod(sock, 0o660); err != nil {
		return fmt.Errorf("[access] socket_group %q: %w", group, err)
	}
	return nil
}

// privateDir makes sure dir exists, is a real folder of this user's, and
// nobody else can enter it. The socket's fallback folder is in a shared
// place such as /tmp, where another user could otherwise plant a socket of
// their own where clients look for the engine's, and read every environment
// `lathe run` sends.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil && !errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("socket folder: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket folder: %w", err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("socket folder %s is not a folder (a symbolic link?); remove it", dir)
	case st != nil && int(st.Uid) != os.Getuid():
		owner := fmt.Sprintf("uid %d", st.Uid)
		if u, err := user.LookupId(strconv.Itoa(int(st.Uid))); err == nil {
			owner = fmt.Sprintf("%s (uid %d)", u.Username, st.Uid)
		}
		return fmt.Errorf("the socket's private folder %s belongs to %s, not to you: someone made it before you (ask them or root to remove it), or set XDG_RUNTIME_DIR", dir, owner)
	case fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("socket folder %s is open to others (mode %o); run chmod 700 on it", dir, fi.Mode().Perm())
	}
	return nil
}
