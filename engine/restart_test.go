package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/config"
	"lathe/runners"
	"lathe/runners/local"
	"lathe/store"
)

// A job goes on while no engine runs; the next engine adopts it and stores
// every point once. (The in-memory runner's jobs go on while the process
// does, and the engine re-opened with the same runner adopts them.)
func TestReadoptAfterClose(t *testing.T) {
	for _, tr := range testRunners {
		t.Run(tr.name, func(t *testing.T) {
			home := t.TempDir()
			gate := filepath.Join(t.TempDir(), "gate")
			rn := tr.new()
			e := openEngineWith(t, home, rn, nil)
			script := fmt.Sprintf(`i=0
while [ ! -e %s ]; do i=$((i+1)); echo "{\"step\": $i, \"metrics\": {\"x\": $i}}" >> $LATHE_METRICS_FILE; sleep 0.01; done
echo "{\"step\": 1000000, \"metrics\": {\"x\": -1}}" >> $LATHE_METRICS_FILE`, gate)
			r := submit(t, e, api.SubmitRequest{Command: sh(script)})
			handle := waitHandleRecorded(t, e, r.ID)
			// Some points are stored by this engine, the rest by the next.
			waitFor(t, func() bool { got, err := e.Run(ctxT(t), r.ID); return err == nil && got.Metrics["x"].Count > 0 })
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			// It goes on writing while no engine runs.
			j, err := rn.Adopt(filepath.Join(home, "runs", r.ID), handle)
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-j.Done():
				t.Fatal("the job did not outlive the engine")
			default:
			}
			waitGrows(t, filepath.Join(home, "runs", r.ID, "metrics.jsonl"))

			e = openEngineWith(t, home, rn, nil)
			t.Cleanup(func() { killAll(t, e); e.Close() })
			got, err := e.Run(ctxT(t), r.ID)
			if err != nil || got.Status != api.Running {
				t.Fatalf("after restart: %v %v", got.Status, err)
			}
			waitGrows(t, filepath.Join(home, "runs", r.ID, "metrics.jsonl"))
			os.WriteFile(gate, nil, 0o644)
			got = wait(t, e, r.ID)
			if got.Status != api.Succeeded {
				t.Fatalf("ended %s %q", got.Status, got.Reason)
			}
			checkSeries(t, e, r.ID)
		})
	}
}

// waitHandleRecorded waits for a run's handle to be in its record, and
// returns it.
func waitHandleRecorded(t *testing.T, e *Engine, id string) []byte {
	t.Helper()
	var handle []byte
	waitFor(t, func() bool {
		r, err := e.storedRun(id)
		if err == nil {
			handle = r.Handle
		}
		return len(handle) > 0
	})
	return handle
}

// endWhileDown closes the engine once the run's handle is recorded, lets
// the job go on (it waits for the gate file) and waits, through its runner,
// for it to end while no engine runs.
func endWhileDown(t *testing.T, e *Engine, rn runners.Runner, home, id, gate string) {
	t.Helper()
	handle := waitHandleRecorded(t, e, id)
	e.Close()
	os.WriteFile(gate, nil, 0o644)
	j, err := rn.Adopt(filepath.Join(home, "runs", id), handle)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-j.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the job did not end")
	}
}

// waitGrows waits for a file to grow.
func waitGrows(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		now, err := os.Stat(path)
		return err == nil && now.Size() > fi.Size()
	})
}

// checkSeries verifies that metric x holds 1, 2, … n once each, then -1.
func checkSeries(t *testing.T, svc api.Service, id string) {
	t.Helper()
	pts, err := svc.Metric(ctxT(t), id, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) < 2 {
		t.Fatalf("only %d points", len(pts))
	}
	for i, p := range pts[:len(pts)-1] {
		if p.Step != int64(i+1) || float64(p.Value) != float64(i+1) {
			t.Fatalf("point %d is step %d value %v: lost or repeated", i, p.Step, p.Value)
		}
	}
	if last := pts[len(pts)-1]; last.Step != 1_000_000 {
		t.Fatalf("last point %+v", last)
	}
}

// A job that ends while no engine runs is settled by the next engine from
// how it ended, with the points written after the engine stopped.
func TestJobEndedWhileEngineDown(t *testing.T) {
	for _, tr := range testRunners {
		t.Run(tr.name, func(t *testing.T) {
			home := t.TempDir()
			gate := filepath.Join(t.TempDir(), "gate")
			rn := tr.new()
			e := openEngineWith(t, home, rn, nil)
			r := submit(t, e, api.SubmitRequest{Command: sh(fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.01; done
echo '{"step": 1000000, "metrics": {"x": -1}}' >> $LATHE_METRICS_FILE
exit 4`, gate))})
			endWhileDown(t, e, rn, home, r.ID, gate)

			e = openEngineWith(t, home, rn, nil)
			defer e.Close()
			// Settled before the engine answers: no listing shows it running.
			if now, err := e.Run(context.Background(), r.ID); err != nil || now.Status != api.Failed {
				t.Fatalf("right after the engine opened: %s, %v", now.Status, err)
			}
			got := wait(t, e, r.ID)
			if got.Status != api.Failed || *got.ExitCode != 4 || got.Metrics["x"].Count != 1 {
				t.Fatalf("settled as %s code %v metrics %+v", got.Status, got.ExitCode, got.Metrics)
			}
		})
	}
}

// A run whose recorded shim pid now belongs to another process (same pid,
// other start time) is not adopted: it is lost. Local runner only: the
// handle is its, and pids are recycled only under a shim that outlives
// the engine process.
func TestRecycledPIDNotAdopted(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	r := submit(t, e, api.SubmitRequest{Command: sh("exit 0")})
	wait(t, e, r.ID)
	// Make the finished run look as if it were still running under a shim
	// whose pid is now this test process (alive, but started at another time).
	self, err := local.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	fake := local.Handle{ShimPID: os.Getpid(), ShimStart: self + 1, JobPID: os.Getpid(), JobStart: self + 1}
	dir := filepath.Join(home, "runs", r.ID)
	os.Remove(filepath.Join(dir, "exit.json"))
	e.db.Update(context.Background(), func(tx *store.Tx) error {
		rec, _ := tx.Run(r.ID)
		rec.Status, rec.Ended, rec.ExitCode = store.Running, nil, nil
		rec.Handle, _ = json.Marshal(fake)
		return tx.PutRun(rec)
	})
	e.Close()

	e = openEngine(t, home, nil)
	defer e.Close()
	got := wait(t, e, r.ID)
	if got.Status != api.Lost || !strings.Contains(got.Reason, "vanished") {
		t.Fatalf("recycled pid: %s %q", got.Status, got.Reason)
	}
	// And this process, which owned the recycled pid, was not signalled.
}

// When the shim dies without an exit record, the run is lost and what is
// left of the job is ended. Local runner only: only it has a supervisor
// that can die apart from the engine.
func TestShimKilledIsLost(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		r := submit(t, svc, api.SubmitRequest{Command: sh("while :; do sleep 0.05; done")})
		h := waitHandle(t, e.runDir(r.ID))
		syscall.Kill(h.ShimPID, syscall.SIGKILL)
		got := wait(t, svc, r.ID)
		if got.Status != api.Lost || !strings.Contains(got.Reason, fmt.Sprint(h.ShimPID)) {
			t.Fatalf("%s %q", got.Status, got.Reason)
		}
		if got.WaitExitCode() == 0 {
			t.Error("wait exits 0 for a lost run")
		}
		waitFor(t, func() bool { return !local.Alive(h.JobPID, h.JobStart) })
	})
}

func TestSecondEngineRefused(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	defer e.Close()
	_, err := Open(testOptions(t, home, nil))
	if !errors.Is(err, api.ErrEngineBusy) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second engine: %v", err)
	}
}

// serveHome runs ServeEngine on home and returns a connected client.
func serveHome(t *testing.T, home string) *client.Client {
	t.Helper()
	t.Cleanup(func() { settle(t, home, localRunner()) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeEngine(ctx, testOptions(t, home, nil)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	p := api.Paths{Home: home}
	sock, _ := p.Socket()
	c := client.New(sock)
	t.Cleanup(c.Close)
	waitFor(t, func() bool { _, err := c.Status(context.Background()); return err == nil })
	return c
}

func TestStaleSocketReplaced(t *testing.T) {
	home := t.TempDir()
	sock := filepath.Join(home, "engine.sock")
	// A socket file nobody listens on, as a SIGKILLed engine leaves.
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := client.New(sock).Status(context.Background()); !errors.Is(err, api.ErrNoEngine) {
		t.Fatalf("stale socket: %v, want api.ErrNoEngine", err)
	}
	c := serveHome(t, home)
	s, err := c.Status(context.Background())
	if err != nil || s.PID != os.Getpid() {
		t.Fatalf("status %+v %v", s, err)
	}
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v %v", fi.Mode(), err)
	}
}

func TestSocketFallbackForLongPaths(t *testing.T) {
	runtime := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	home := filepath.Join(t.TempDir(), strings.Repeat("very-long-folder-name-", 6))
	p := api.Paths{Home: home}
	sock, fallback := p.Socket()
	if !fallback || !strings.HasPrefix(sock, runtime) || len(sock) > 107 {
		t.Fatalf("socket %s (fallback %v)", sock, fallback)
	}
	c := serveHome(t, home)
	s, err := c.Status(context.Background())
	if err != nil || s.Socket != sock {
		t.Fatalf("status %+v %v", s, err)
	}
}

func TestAPIVersionMismatch(t *testing.T) {
	home := t.TempDir()
	serveHome(t, home)
	// An old client: the engine refuses it and says why.
	req, _ := http.NewRequest("GET", "http://lathe/v1/status", nil)
	req.Header.Set(api.HeaderVersion, "0")
	sock, _ := api.Paths{Home: home}.Socket()
	raw := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return new(net.Dialer).DialContext(ctx, "unix", sock)
	}}}
	defer raw.CloseIdleConnections()
	resp, err := raw.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var we api.WireError
	json.NewDecoder(resp.Body).Decode(&we)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPreconditionFailed || we.Code != "api_mismatch" || !strings.Contains(we.Error, fmt.Sprintf("API %d", api.Version)) {
		t.Fatalf("old client: %d %+v", resp.StatusCode, we)
	}
	// An engine of another version: the client refuses it.
	sock = filepath.Join(t.TempDir(), "other.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(api.HeaderVersion, strconv.Itoa(api.Version+1))
		w.Write([]byte("{}"))
	})}
	go srv.Serve(l)
	defer srv.Close()
	_, err = client.New(sock).Status(context.Background())
	if !errors.Is(err, api.ErrAPIMismatch) || !strings.Contains(err.Error(), "lathe engine stop") {
		t.Fatalf("newer engine: %v", err)
	}
}

func TestPeerCredentialsNameTheUser(t *testing.T) {
	c := serveHome(t, t.TempDir())
	r, err := c.Submit(ctxT(t), api.SubmitRequest{Command: []string{"true"}, Cwd: t.TempDir(), User: "mallory"})
	if err != nil {
		t.Fatal(err)
	}
	if r.User != currentUser() {
		t.Fatalf("user %q, want %q from the socket's credentials", r.User, currentUser())
	}
	c.Wait(ctxT(t), r.ID)
}

// waitHandle waits for the shim of a run to record its job.
func waitHandle(t *testing.T, dir string) local.Handle {
	t.Helper()
	var h local.Handle
	waitFor(t, func() bool {
		var err error
		h, err = local.ReadHandle(dir)
		return err == nil
	})
	return h
}

// A job that wrote much while no engine ran, settled by an engine that is
// stopped at once and another: every point once, nothing missing.
func TestEngineStoppedWhileCatchingUp(t *testing.T) {
	for _, tr := range testRunners {
		t.Run(tr.name, func(t *testing.T) {
			home := t.TempDir()
			const steps = 60_000
			rn := tr.new()
			opts := testOptions(t, home, nil)
			opts.Runners = []runners.Runner{rn}
			t.Cleanup(func() { settle(t, home, rn) })
			e, err := Open(opts)
			if err != nil {
				t.Fatal(err)
			}
			// The job is this test binary; GORACE: a -race binary otherwise
			// sleeps a second before exiting.
			env := append(os.Environ(), "LATHE_TEST_SYNTH="+strconv.Itoa(steps), "LATHE_TEST_SYNTH_GATE="+filepath.Join(home, "gate"),
				"GORACE=atexit_sleep_ms=0")
			r := submit(t, e, api.SubmitRequest{Command: []string{os.Args[0]}, Env: env})
			endWhileDown(t, e, rn, home, r.ID, filepath.Join(home, "gate"))
			for range 3 {
				e, err = Open(opts)
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(20 * time.Millisecond)
				e.Close()
			}
			e, err = Open(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			got := wait(t, e, r.ID)
			if got.Status != api.Succeeded {
				t.Fatalf("%s %q", got.Status, got.Reason)
			}
			pts, err := e.Metric(ctxT(t), r.ID, "loss")
			if err != nil {
				t.Fatal(err)
			}
			if len(pts) != steps {
				t.Fatalf("%d points of loss, want %d", len(pts), steps)
			}
			for i, p := range pts {
				if p.Step != int64(i+1) {
					t.Fatalf("point %d has step %d: lost or repeated", i, p.Step)
				}
			}
		})
	}
}

// The fallback socket folder sits in a shared place: one that others can
// enter is refused, not used.
func TestFallbackSocketFolderMustBePrivate(t *testing.T) {
	runtime := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	p := api.Paths{Home: filepath.Join(t.TempDir(), strings.Repeat("long-folder-name-", 8))}
	sock, fallback := p.Socket()
	if !fallback {
		t.Fatal("no fallback")
	}
	os.MkdirAll(filepath.Dir(sock), 0o777)
	os.Chmod(filepath.Dir(sock), 0o777)
	if _, err := Listen(sock); err == nil || !strings.Contains(err.Error(), "open to others") {
		t.Fatalf("listen in a folder open to all: %v", err)
	}
	os.Chmod(filepath.Dir(sock), 0o700)
	l, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}

// An engine that stops removes its socket and pid file only while they
// are still its own: the next engine may have made its own meanwhile (a
// command that found the store free started it), and keeps them.
func TestStoppingEngineLeavesTheNextOnesFiles(t *testing.T) {
	home := t.TempDir()
	p := api.Paths{Home: home}
	sock, _ := p.Socket()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeEngine(ctx, testOptions(t, home, nil)) }()
	c := client.New(sock)
	defer c.Close()
	waitFor(t, func() bool { _, err := c.Status(context.Background()); return err == nil })
	// The next engine's files, in place of this one's.
	os.Remove(sock)
	next, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	os.WriteFile(p.PIDFile(), []byte("999999\n"), 0o644)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	settle(t, home, localRunner())
	if _, err := os.Stat(sock); err != nil {
		t.Errorf("the next engine's socket was removed: %v", err)
	}
	if raw, err := os.ReadFile(p.PIDFile()); err != nil || string(raw) != "999999\n" {
		t.Errorf("the next engine's pid file: %q, %v", raw, err)
	}
}

// The socket's private folder is refused, saying why, when it is not a
// folder, is open to others, or belongs to someone else (as root, the test
// makes it nobody's).
func TestSocketFolderRefused(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o755)
	cases := map[string]string{file: "is not a folder", open: "is open to others (mode 755)"}
	if os.Getuid() == 0 {
		theirs := filepath.Join(base, "theirs")
		os.Mkdir(theirs, 0o700)
		os.Chown(theirs, 65534, 65534)
		cases[theirs] = "belongs to nobody (uid 65534), not to you"
	}
	for dir, want := range cases {
		if err := privateDir(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", dir, err, want)
		}
	}
	mine := filepath.Join(base, "mine")
	if err := privateDir(mine); err != nil {
		t.Errorf("a new folder: %v", err)
	}
}

// The engine's rotating backups keep the newest [store] backup_keep; each
// opens as a store.
func TestBackupsRotate(t *testing.T) {
	e := openEngine(t, t.TempDir(), func(c *config.Config) { c.Store.BackupKeep = 2 })
	defer e.Close()
	var paths []string
	for range 3 {
		r, err := e.BackupStore(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, r.Path)
		time.Sleep(2 * time.Millisecond)
	}
	if got := e.backups(); !slices.Equal(got, paths[1:]) {
		t.Errorf("kept %v, want the newest two of %v", got, paths)
	}
	db, err := store.Open(paths[2], time.Second)
	if err != nil {
		t.Fatalf("a backup does not open: %v", err)
	}
	db.Close()
	if _, err := e.BackupStore(context.Background(), "relative.db"); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("a relative path: %v", err)
	}
}

// One damaged summaries record does not fail a listing: that run is
// listed without its metrics, the others whole, and the damage counted.
func TestDamagedSummariesListed(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	var ids []string
	for range 3 {
		r := wait(t, e, submit(t, e, api.SubmitRequest{Command: sh(`echo '{"step": 1, "metrics": {"x": 1}}' >> $LATHE_METRICS_FILE`)}).ID)
		ids = append(ids, r.ID)
	}
	e.Close()
	bdb, err := bolt.Open(api.Paths{Home: home}.DB(), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("summaries")).Put([]byte(ids[1]), []byte("\x00garbage"))
	})
	bdb.Close()
	e = openEngine(t, home, nil)
	defer e.Close()
	runs, err := e.Runs(context.Background(), api.RunQuery{})
	if err != nil || len(runs) != 3 {
		t.Fatalf("listing: %d runs, %v", len(runs), err)
	}
	for _, r := range runs {
		if want := r.ID != ids[1]; (r.Metrics["x"].Count == 1) != want {
			t.Errorf("run %s: metrics %+v", r.ID, r.Metrics)
		}
	}
	if s, _ := e.Status(context.Background()); s.Damaged != 1 {
		t.Errorf("status counts %d damaged records", s.Damaged)
	}
}
