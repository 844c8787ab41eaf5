package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lathe/engine/api"
)

// Client is the Service of an engine in another process, over its socket.
type Client struct {
	socket string
	http   *http.Client
	// spawned is set when Connect started the engine.
	spawned bool
}

// Spawned reports whether Connect started the engine this client talks to.
func (c *Client) Spawned() bool { return c.spawned }

var _ api.Service = (*Client)(nil)

// New talks to the engine listening on socket. It does not connect
// until the first call.
func New(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, "unix", socket)
			if err != nil {
				return nil, err
			}
			// Requests carry the caller's environment: send them only to an
			// engine of the same user, or of the user whose data directory
			// this is (a team sharing one engine through its socket's group).
			if uid, ok := api.PeerUID(c); ok && int(uid) != os.Getuid() && !ownsFolder(socket, int(uid)) {
				c.Close()
				return nil, api.Errorf(api.ErrForeignEngine, "the engine on %s runs as uid %d, not as you (uid %d): refusing to talk to it", socket, uid, os.Getuid())
			}
			return c, nil
		},
		MaxIdleConns: 4,
	}
	return &Client{socket: socket, http: &http.Client{Transport: tr}}
}

// ownsFolder reports whether uid owns the folder the socket is in: the
// data directory someone chose (LATHE_HOME) is theirs, so their engine is
// the one meant. Never for the shared fallback folder (in /tmp), where
// anyone could have made a folder of that name.
func ownsFolder(socket string, uid int) bool {
	dir := filepath.Dir(socket)
	if dir == api.SocketFallbackDir() {
		return false
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == uid
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

func (c *Client) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://lathe"+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set(api.HeaderVersion, strconv.Itoa(api.Version))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, dialError(c.socket, err)
	}
	if v := resp.Header.Get(api.HeaderVersion); v != strconv.Itoa(api.Version) {
		resp.Body.Close()
		return nil, api.Errorf(api.ErrAPIMismatch, "the running engine speaks API %q and this lathe API %d: stop it with `lathe engine stop` (jobs keep running) and run the command again", v, api.Version)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		var we api.WireError
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&we); err != nil || we.Error == "" {
			return nil, fmt.Errorf("engine answered %s", resp.Status)
		}
		return nil, we.Err()
	}
	return resp, nil
}

// Reconnectable reports an error after which a client may connect again
// (starting an engine) and repeat the call: the engine stopped or went away.
func Reconnectable(err error) bool {
	return errors.Is(err, api.ErrStopped) || errors.Is(err, api.ErrNoEngine) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// isNoEngine reports an error that means nothing listens on the socket.
func isNoEngine(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
}

// dialError says in one line why a request did not reach the engine.
func dialError(socket string, err error) error {
	var ue *url.Error
	switch {
	case isNoEngine(err):
		return api.Errorf(api.ErrNoEngine, "no engine answers on %s", socket)
	case errors.Is(err, api.ErrForeignEngine) && errors.As(err, &ue):
		return ue.Err // the refusal of dial, without the URL
	case errors.Is(err, syscall.EACCES):
		// The socket is its owner's alone (mode 0600).
		return api.Errorf(api.ErrForeignEngine, "the engine on %s belongs to another user (permission denied): use a data directory of your own (LATHE_HOME)", socket)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return &goneError{socket: socket, err: err}
	}
	return fmt.Errorf("engine at %s: %w", socket, err)
}

// goneError is an engine that closed the connection before it answered:
// it stopped or crashed mid-request. It is still the error underneath for
// errors.Is (Reconnectable), without its raw text.
type goneError struct {
	socket string
	err    error
}

func (e *goneError) Error() string {
	return fmt.Sprintf("the engine on %s went away before answering (it stopped or crashed: its engine.log says why); run the command again", e.socket)
}

func (e *goneError) Unwrap() error { return e.err }

type rawKey struct{}

// RawReply makes the calls made with the context it returns copy the
// engine's JSON reply into *dst instead of decoding it (the value they
// return is then zero): a command that prints the reply as JSON passes it
// through rather than decoding and encoding it again.
func RawReply(ctx context.Context, dst *[]byte) context.Context {
	return context.WithValue(ctx, rawKey{}, dst)
}

func call[T any](c *Client, ctx context.Context, method, path string, body any) (T, error) {
	var out T
	resp, err := c.do(ctx, method, path, body)
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	if dst, ok := ctx.Value(rawKey{}).(*[]byte); ok {
		b := bytes.NewBuffer(make([]byte, 0, max(resp.ContentLength+1, 4096)))
		if _, err := b.ReadFrom(resp.Body); err != nil {
			return out, fmt.Errorf("engine reply: %w", err)
		}
		*dst = b.Bytes()
		return out, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return out, fmt.Errorf("engine reply: %w", err)
	}
	return out, nil
}

func runPath(ref string, rest string) string { return "/v1/runs/" + url.PathEscape(ref) + rest }

// checkRef refuses references a URL path cannot carry; no run has them as
// its name (Submit refuses those names).
func checkRef(ref string) error {
	if ref == "" || ref == "." || ref == ".." {
		return api.Errorf(api.ErrInvalid, "run %q: give a run id, a unique id prefix or a unique name", ref)
	}
	return nil
}

func (c *Client) Submit(ctx context.Context, req api.SubmitRequest) (api.Run, error) {
	return call[api.Run](c, ctx, http.MethodPost, "/v1/runs", req)
}

func (c *Client) Cluster(ctx context.Context) (api.Cluster, error) {
	return call[api.Cluster](c, ctx, http.MethodGet, "/v1/cluster", nil)
}

func (c *Client) SubmitArray(ctx context.Context, req api.SubmitRequest) ([]api.Run, error) {
	return call[[]api.Run](c, ctx, http.MethodPost, "/v1/arrays", req)
}

func (c *Client) Run(ctx context.Context, ref string) (api.Run, error) {
	if err := checkRef(ref); err != nil {
		return api.Run{}, err
	}
	return call[api.Run](c, ctx, http.MethodGet, runPath(ref, ""), nil)
}

func (c *Client) Runs(ctx context.Context, q api.RunQuery) ([]api.Run, error) {
	v := url.Values{}
	if q.Experiment != "" {
		v.Set("exp", q.Experiment)
	}
	for _, s := range q.Statuses {
		v.Add("status", string(s))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.Sort != "" {
		v.Set("sort", q.Sort)
	}
	if q.Desc {
		v.Set("desc", "1")
	}
	if q.Deleted {
		v.Set("deleted", "1")
	}
	return call[[]api.Run](c, ctx, http.MethodGet, "/v1/runs?"+v.Encode(), nil)
}

func (c *Client) Remove(ctx context.Context, req api.RemoveRequest) (api.RemoveResult, error) {
	return call[api.RemoveResult](c, ctx, http.MethodPost, "/v1/runs/remove", req)
}

func (c *Client) Restore(ctx context.Context, refs []string) ([]api.Run, error) {
	return call[[]api.Run](c, ctx, http.MethodPost, "/v1/runs/restore", refs)
}

func (c *Client) Compare(ctx context.Context, refs []string) (api.Comparison, error) {
	return call[api.Comparison](c, ctx, http.MethodPost, "/v1/compare", refs)
}

func (c *Client) Kill(ctx context.Context, ref string, now bool) (api.Run, error) {
	if err := checkRef(ref); err != nil {
		return api.Run{}, err
	}
	q := ""
	if now {
		q = "?now=1"
	}
	return call[api.Run](c, ctx, http.MethodPost, runPath(ref, "/kill"+q), nil)
}

func (c *Client) Wait(ctx context.Context, ref string) (api.Run, error) {
	if err := checkRef(ref); err != nil {
		return api.Run{}, err
	}
	return call[api.Run](c, ctx, http.MethodGet, runPath(ref, "/wait"), nil)
}

func (c *Client) Metric(ctx context.Context, ref, name string) ([]api.Point, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	return call[[]api.Point](c, ctx, http.MethodGet, runPath(ref, "/metric?name="+url.QueryEscape(name)), nil)
}

func (c *Client) MetricView(ctx context.Context, ref, name string, points int) ([]api.Bucket, error) {
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	q := url.Values{"name": {name}, "points": {strconv.Itoa(points)}}
	return call[[]api.Bucket](c, ctx, http.MethodGet, runPath(ref, "/view?"+q.Encode()), nil)
}

func (c *Client) Logs(ctx context.Context, ref string, opts api.LogOptions, w io.Writer) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	q := url.Values{}
	if opts.Follow {
		q.Set("follow", "1")
	}
	if opts.Offset > 0 {
		q.Set("offset", strconv.FormatInt(opts.Offset, 10))
	}
	if opts.Tail > 0 {
		q.Set("tail", strconv.FormatInt(opts.Tail, 10))
	}
	resp, err := c.do(ctx, http.MethodGet, runPath(ref, "/logs?"+q.Encode()), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (c *Client) Events(ctx context.Context) (<-chan api.Event, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/events", nil)
	if err != nil {
		return nil, err
	}
	out := make(chan api.Event, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 256<<20)
		for sc.Scan() {
			var ev api.Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				continue
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
		if ctx.Err() == nil {
			select {
			case out <- api.Event{Type: api.EventError, Error: "event stream ended: the engine stopped"}:
			case <-ctx.Done():
			}
		}
	}()
	return out, nil
}

func (c *Client) Status(ctx context.Context) (api.EngineStatus, error) {
	return call[api.EngineStatus](c, ctx, http.MethodGet, "/v1/status", nil)
}

func (c *Client) GPUs(ctx context.Context) (api.GPUReport, error) {
	return call[api.GPUReport](c, ctx, http.MethodGet, "/v1/gpus", nil)
}

func (c *Client) GPUHistory(ctx context.Context, device int, since, until time.Time) ([]api.GPUPoint, error) {
	q := url.Values{"since": {since.Format(time.RFC3339Nano)}}
	if !until.IsZero() {
		q.Set("until", until.Format(time.RFC3339Nano))
	}
	return call[[]api.GPUPoint](c, ctx, http.MethodGet, "/v1/gpus/"+strconv.Itoa(device)+"/history?"+q.Encode(), nil)
}

// ProcHistory reads a run's process tree readings.
func (c *Client) ProcHistory(ctx context.Context, ref string) ([]api.ProcPoint, error) {
	return call[[]api.ProcPoint](c, ctx, http.MethodGet, runPath(ref, "/procs"), nil)
}

func (c *Client) CheckStore(ctx context.Context) (api.CheckReport, error) {
	return call[api.CheckReport](c, ctx, http.MethodGet, "/v1/store/check", nil)
}

func (c *Client) BackupStore(ctx context.Context, path string) (api.BackupResult, error) {
	return call[api.BackupResult](c, ctx, http.MethodPost, "/v1/store/backup", api.BackupRequest{Path: path})
}

func (c *Client) StoreStats(ctx context.Context) (api.StoreStats, error) {
	return call[api.StoreStats](c, ctx, http.MethodGet, "/v1/store/stats", nil)
}

// CompactStore has the engine compact the store. The engine answers with a
// line of progress now and then, and the result last.
func (c *Client) CompactStore(ctx context.Context, progress func(done, total int)) (api.CompactResult, error) {
	var p func(done, total int64)
	if progress != nil {
		p = func(done, total int64) { progress(int(done), int(total)) }
	}
	// The store is whole either way: the new file replaces the old by a
	// rename, the compaction's last step.
	return streamed[api.CompactResult](c, ctx, "/v1/store/compact", nil, p, "the compaction finished (the store is whole, compacted or as it was)")
}

// streamed makes a request answered by lines of api.Progress, passing on
// the progress, and returns the last line's result or error. unsure says
// what is unknown when the engine goes away part-way.
func streamed[T any](c *Client, ctx context.Context, path string, body any, progress func(done, total int64), unsure string) (T, error) {
	var zero T
	resp, err := c.do(ctx, http.MethodPost, path, body)
	if err != nil {
		return zero, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var line api.Progress[T]
		if err := dec.Decode(&line); err != nil {
			if ctx.Err() != nil {
				return zero, ctx.Err()
			}
			return zero, api.Errorf(api.ErrStopped, "the engine went away before %s; engine.log in the data directory says why (%v)", unsure, err)
		}
		switch {
		case line.Error != nil:
			return zero, line.Error.Err()
		case line.Result != nil:
			return *line.Result, nil
		case progress != nil:
			progress(line.Done, line.Total)
		}
	}
}

// Shutdown asks the engine to stop (its jobs keep running).
func (c *Client) Shutdown(ctx context.Context) error {
	resp, err := c.do(ctx, http.MethodPost, "/v1/shutdown", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// startTimeout is how long a client waits for an engine it started.
const startTimeout = 10 * time.Second

// Connect returns a client of the engine of p, starting one in the background
// (`exe engine start --foreground`, detached in its own session, its output
// appended to engine.log) when none runs and autostart is set.
func Connect(ctx context.Context, p api.Paths, exe string, autostart bool) (*Client, error) {
	sock, _ := p.Socket()
	c := New(sock)
	_, err := c.Status(ctx)
	if err == nil || !errors.Is(err, api.ErrNoEngine) || !autostart {
		return c, err
	}
	exited, err := SpawnEngine(p, exe)
	if err != nil {
		return nil, err
	}
	c.spawned = true
	return c, c.waitReady(ctx, p, exited)
}

// maxLog is the size past which an engine's log is set aside when the next
// engine starts: the log keeps the last engines' lines, not every one.
const maxLog = 8 << 20

// rotateLog moves a log grown past maxLog to path.1 (replacing the one
// before it).
func rotateLog(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLog {
		os.Rename(path, path+".1")
	}
}

// SpawnEngine starts an engine in the background. The channel is closed if
// it exits.
func SpawnEngine(p api.Paths, exe string) (<-chan struct{}, error) {
	if err := os.MkdirAll(p.Home, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	rotateLog(p.Log())
	logf, err := os.OpenFile(p.Log(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("engine log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(exe, "engine", "start", "--foreground")
	cmd.Env = append(os.Environ(), "LATHE_HOME="+p.Home)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	// Reaped in the background so a long-lived caller (the app, tests)
	// leaves no zombie; a short command exits first and init adopts it.
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	return exited, nil
}

// waitReady waits for a just-started engine to answer. If it exits first
// (another engine won the race, or it could not open the store), the engine
// that runs is used, or the engine's last words are the error.
func (c *Client) waitReady(ctx context.Context, p api.Paths, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	delay := 5 * time.Millisecond
	for {
		_, err := c.Status(ctx)
		if err == nil {
			return nil
		}
		if !errors.Is(err, api.ErrNoEngine) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the engine did not start within %s; see %s", startTimeout, p.Log())
		case <-exited:
			if _, err := c.Status(ctx); err == nil {
				return nil
			}
			return fmt.Errorf("the engine could not start: %s (log: %s)", lastLogLine(p.Log()), p.Log())
		case <-time.After(delay):
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// lastLogLine is the last line an engine wrote to its log: when it fails to
// start, its error.
func lastLogLine(path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "no log"
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	return strings.TrimPrefix(lines[len(lines)-1], "lathe: ")
}
