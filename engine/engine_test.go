package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/config"
	"lathe/runners"
	"lathe/runners/local"
	"lathe/runners/local/localtest"
	"lathe/runners/memory"
	"lathe/store"
)

func TestMain(m *testing.M) {
	// The test binary is also the shim of the jobs the tests start.
	if os.Getenv("LATHE_TEST_SHIM") == "1" && len(os.Args) == 3 && os.Args[1] == "shim" {
		os.Exit(local.RunShim(os.Args[2]))
	}
	// And the job of the ingestion benchmark.
	if steps, err := strconv.Atoi(os.Getenv("LATHE_TEST_SYNTH")); err == nil {
		os.Exit(synthJob(steps))
	}
	// Every shim and job of these tests inherits the marker, so any left
	// running is found.
	os.Setenv("LATHE_TEST_MARK", "engine")
	code := m.Run()
	os.Exit(localtest.Check("LATHE_TEST_MARK=engine", code))
}

// testShimEnv makes the test binary act as the local runner's shim.
// GORACE: a -race binary otherwise sleeps 1s before exiting.
var testShimEnv = []string{"LATHE_TEST_SHIM=1", "GORACE=atexit_sleep_ms=0"}

// testRunner is a runner the engine's job tests run over.
type testRunner struct {
	name string
	new  func() runners.Runner
}

// testRunners are the runners every job test runs over: the local one
// (shims, with this test binary as the shim) and the in-memory one.
var testRunners = []testRunner{
	{"local", localRunner},
	{"memory", func() runners.Runner { return memory.New() }},
}

// localOnly is the local runner alone, for the tests of what only it does
// (each says what).
var localOnly = testRunners[:1]

func localRunner() runners.Runner { return local.New(os.Args[0], testShimEnv) }

// options for an engine on a fresh data directory whose runner is the
// default one, the local runner with this test binary as its shim.
func testOptions(t testing.TB, home string, tune func(*config.Config)) Options {
	t.Helper()
	cfg := config.Default()
	cfg.Jobs.KillGrace = config.Duration(500 * time.Millisecond)
	if tune != nil {
		tune(&cfg)
	}
	return Options{
		Paths:   api.Paths{Home: home},
		Config:  cfg,
		Exe:     os.Args[0],
		ShimEnv: testShimEnv,
	}
}

// openEngine opens an engine with the default runner.
func openEngine(t *testing.T, home string, tune func(*config.Config)) *Engine {
	t.Helper()
	return openEngineWith(t, home, nil, tune)
}

// openEngineWith opens an engine whose one runner is rn (nil: the default).
func openEngineWith(t *testing.T, home string, rn runners.Runner, tune func(*config.Config)) *Engine {
	t.Helper()
	opts := testOptions(t, home, tune)
	if rn != nil {
		opts.Runners = []runners.Runner{rn}
	} else {
		rn = localRunner()
	}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { settle(t, home, rn) })
	return e
}

// settle waits for the jobs of a data directory to finish (a job launched
// as the engine closed goes on without it), and kills what does not, so
// that nothing outlives the test or writes into its removed folder.
func settle(t *testing.T, home string, rn runners.Runner) {
	dirs, _ := filepath.Glob(filepath.Join(home, "runs", "*"))
	for _, dir := range dirs {
		j, err := rn.Adopt(dir, nil)
		if err != nil {
			continue
		}
		select {
		case <-j.Done():
		case <-time.After(5 * time.Second):
			t.Errorf("run %s still runs after its test", filepath.Base(dir))
			j.Signal(syscall.SIGKILL)
			<-j.Done()
		}
	}
}

// impls runs a test over every runner and both implementations of Service:
// the engine in the process, and a client over a real unix socket.
func impls(t *testing.T, tune func(*config.Config), test func(t *testing.T, svc api.Service, e *Engine)) {
	implsOver(t, testRunners, tune, test)
}

// implsOver runs a test over the given runners and both implementations of
// Service.
func implsOver(t *testing.T, over []testRunner, tune func(*config.Config), test func(t *testing.T, svc api.Service, e *Engine)) {
	for _, tr := range over {
		t.Run(tr.name, func(t *testing.T) {
			t.Run("inprocess", func(t *testing.T) {
				e := openEngineWith(t, t.TempDir(), tr.new(), tune)
				t.Cleanup(func() { killAll(t, e); e.Close() })
				test(t, e, e)
			})
			t.Run("socket", func(t *testing.T) {
				e := openEngineWith(t, t.TempDir(), tr.new(), tune)
				t.Cleanup(func() { killAll(t, e); e.Close() })
				test(t, serveOverSocket(t, e), e)
			})
		})
	}
}

// serveOverSocket serves e on its socket until the test ends, and returns a
// client of it.
func serveOverSocket(t *testing.T, e *Engine) *client.Client {
	sock, _ := e.opts.Paths.Socket()
	l, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, e, l, e.log) }()
	c := client.New(sock)
	t.Cleanup(func() {
		c.Close()
		cancel()
		<-served
	})
	return c
}

// killAll ends whatever a test left running, so no process outlives it.
func killAll(t *testing.T, e *Engine) {
	e.mu.Lock()
	sups := make([]*supervisor, 0, len(e.jobs))
	for _, s := range e.jobs {
		sups = append(sups, s)
	}
	e.mu.Unlock()
	for _, s := range sups {
		s.job.Signal(syscall.SIGKILL)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			t.Errorf("run %s did not end after SIGKILL", s.id)
		}
	}
}

// runningJob waits for a run's job to run under the engine, and returns it.
func runningJob(t *testing.T, e *Engine, id string) runners.Job {
	t.Helper()
	var j runners.Job
	waitFor(t, func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		if s := e.jobs[id]; s != nil {
			j = s.job
		}
		return j != nil
	})
	return j
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func submit(t *testing.T, svc api.Service, req api.SubmitRequest) api.Run {
	t.Helper()
	if req.Cwd == "" {
		req.Cwd = t.TempDir()
	}
	if req.Env == nil {
		req.Env = os.Environ()
	}
	r, err := svc.Submit(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sh(script string) []string { return []string{"/bin/sh", "-c", script} }

func wait(t *testing.T, svc api.Service, id string) api.Run {
	t.Helper()
	r, err := svc.Wait(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func logs(t *testing.T, svc api.Service, id string) string {
	var buf bytes.Buffer
	if err := svc.Logs(ctxT(t), id, api.LogOptions{}, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestLifecycle(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		notExec := filepath.Join(t.TempDir(), "train.sh")
		os.WriteFile(notExec, []byte("#!/bin/sh\necho hi\n"), 0o644)
		tests := []struct {
			name     string
			command  []string
			status   api.Status
			reason   string
			waitCode int
			output   string
		}{
			{"success", sh("echo out; echo err >&2; echo out2"), api.Succeeded, "", 0, "out\nerr\nout2\n"},
			{"failure", sh("echo before; exit 3"), api.Failed, "exit code 3", 3, "before\n"},
			{"not found", []string{"no-such-command-xyz"}, api.Failed, "command not found: no-such-command-xyz", 127, ""},
			{"not executable", []string{notExec}, api.Failed, "permission denied", 126, ""},
			{"signalled", sh("kill -9 $$"), api.Failed, "ended by signal SIGKILL", 137, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := submit(t, svc, api.SubmitRequest{Command: tt.command})
				if r.Status != api.Queued && r.Status != api.Running {
					t.Fatalf("new run is %s", r.Status)
				}
				r = wait(t, svc, r.ID)
				if r.Status != tt.status || !strings.Contains(r.Reason, tt.reason) {
					t.Fatalf("ended %s %q, want %s %q", r.Status, r.Reason, tt.status, tt.reason)
				}
				if got := r.WaitExitCode(); got != tt.waitCode {
					t.Errorf("wait exit code %d, want %d", got, tt.waitCode)
				}
				if r.Started == nil || r.Ended == nil || r.Ended.Before(*r.Started) {
					t.Errorf("times: started %v ended %v", r.Started, r.Ended)
				}
				if got := logs(t, svc, r.ID); got != tt.output {
					t.Errorf("output %q, want %q", got, tt.output)
				}
			})
		}
	})
}

func TestMetricsFromFileAndOutput(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		script := `
m=$LATHE_METRICS_FILE
echo '{"params": {"lr": 0.01, "opt": "adam"}}' >> $m
echo '{"tags": {"dataset": "digits"}}' >> $m
echo '{"total": 3}' >> $m
echo '{"step": 1, "metrics": {"loss": 1.5, "acc": 0.5}}' >> $m
echo 'not json' >> $m
echo '{"step": 2, "metrics": {"loss": "NaN", "acc": 0.7}}' >> $m
echo '{"metrics": {"loss": "Infinity"}}' >> $m
echo '{"eval": {"slice": "class=3", "metrics": {"acc": 0.81}}}' >> $m
echo '{"artifact": {"name": "model", "path": "/tmp/model.pt"}}' >> $m
echo '{"metrics": {"stdout_metric": 42}}'
echo 'epoch 1 loss=9 grad_norm=0.5'
printf '{"step": 7, "metrics": {"loss": -1}}' >> $m
`
		r := submit(t, svc, api.SubmitRequest{Command: sh(script), Params: map[string]string{"from_cli": "1"}})
		r = wait(t, svc, r.ID)
		if r.Status != api.Succeeded {
			t.Fatalf("run %s: %s", r.Status, r.Reason)
		}
		if r.Params["lr"] != "0.01" || r.Params["opt"] != "adam" || r.Params["from_cli"] != "1" || r.Tags["dataset"] != "digits" {
			t.Errorf("params %v tags %v", r.Params, r.Tags)
		}
		if r.Total != 3 || len(r.Artifacts) != 1 || r.Artifacts[0].Path != "/tmp/model.pt" || float64(r.Evals["class=3"]["acc"]) != 0.81 {
			t.Errorf("total %d artifacts %v evals %v", r.Total, r.Artifacts, r.Evals)
		}
		if r.InvalidLines != 1 || !strings.Contains(r.FirstInvalid, "not json") {
			t.Errorf("invalid %d %q", r.InvalidLines, r.FirstInvalid)
		}
		loss, err := svc.Metric(ctxT(t), r.ID, "loss")
		if err != nil {
			t.Fatal(err)
		}
		// The line without a step follows step 2; the last line has no
		// newline but counts, since the job has ended.
		want := []struct {
			step  int64
			value string
		}{{1, "1.5"}, {2, "NaN"}, {3, "+Inf"}, {7, "-1"}}
		if len(loss) != len(want) {
			t.Fatalf("loss: %+v", loss)
		}
		for i, w := range want {
			if loss[i].Step != w.step || fmt.Sprint(float64(loss[i].Value)) != w.value || loss[i].Time <= 0 {
				t.Errorf("loss[%d] = %+v, want step %d value %s", i, loss[i], w.step, w.value)
			}
		}
		if m := r.Metrics["loss"]; m.Count != 4 || float64(m.Min) != -1 || m.LastStep != 7 {
			t.Errorf("loss summary %+v", m)
		}
		if m := r.Metrics["stdout_metric"]; m.Count != 1 || float64(m.Last) != 42 {
			t.Errorf("a JSON metrics line on stdout was not read: %+v", r.Metrics)
		}
		if _, ok := r.Metrics["grad_norm"]; ok {
			t.Error("kv pairs read without --parse kv")
		}
		_, err = svc.Metric(ctxT(t), r.ID, "nope")
		if !errors.Is(err, api.ErrNotFound) || !strings.Contains(err.Error(), "acc, loss, stdout_metric") {
			t.Errorf("missing metric: %v", err)
		}
	})
}

func TestParseKV(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		r := submit(t, svc, api.SubmitRequest{Parse: "kv", Command: sh("echo 'epoch 1 loss=0.5 mode=train'; echo 'step=10 loss=0.25'")})
		r = wait(t, svc, r.ID)
		pts, err := svc.Metric(ctxT(t), r.ID, "loss")
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 2 || float64(pts[0].Value) != 0.5 || pts[1].Step != 10 || float64(pts[1].Value) != 0.25 {
			t.Fatalf("kv points %+v", pts)
		}
	})
}

func TestKillEndsWholeTree(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		// A job whose child ignores SIGTERM, and which ignores it too.
		pidFile := filepath.Join(t.TempDir(), "child.pid")
		script := fmt.Sprintf(`sh -c 'trap "" TERM; echo $$ > %s; while :; do sleep 0.05; done' & trap "" TERM; while :; do sleep 0.05; done`, pidFile)
		r := submit(t, svc, api.SubmitRequest{Command: sh(script)})
		waitFor(t, func() bool { _, err := os.Stat(pidFile); return err == nil })
		leader := runningJob(t, e, r.ID).PID()
		start := time.Now()
		if _, err := svc.Kill(ctxT(t), r.ID, false); err != nil {
			t.Fatal(err)
		}
		r = wait(t, svc, r.ID)
		if r.Status != api.Killed || !strings.Contains(r.Reason, "SIGKILL") {
			t.Fatalf("after kill: %s %q", r.Status, r.Reason)
		}
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Errorf("SIGKILL came after %s, before the grace period", d)
		}
		var child int
		raw, _ := os.ReadFile(pidFile)
		fmt.Sscan(string(raw), &child)
		if child == 0 || processAlive(child) || processAlive(leader) {
			t.Fatalf("processes left: job %d child %d", leader, child)
		}
		if _, err := svc.Kill(ctxT(t), r.ID, false); !errors.Is(err, api.ErrConflict) {
			t.Errorf("killing an ended run: %v", err)
		}
	})
}

func TestKillNow(t *testing.T) {
	impls(t, func(c *config.Config) { c.Jobs.KillGrace = config.Duration(time.Hour) }, func(t *testing.T, svc api.Service, e *Engine) {
		r := submit(t, svc, api.SubmitRequest{Command: sh(`trap "" TERM; while :; do sleep 0.05; done`)})
		waitStatus(t, svc, r.ID, api.Running)
		if _, err := svc.Kill(ctxT(t), r.ID, true); err != nil {
			t.Fatal(err)
		}
		if r = wait(t, svc, r.ID); r.Status != api.Killed || r.WaitExitCode() != 137 {
			t.Fatalf("%s %q code %d", r.Status, r.Reason, r.WaitExitCode())
		}
	})
}

func TestQueueOrderKillQueuedAndAfter(t *testing.T) {
	impls(t, func(c *config.Config) { c.Jobs.MaxRunning = 1 }, func(t *testing.T, svc api.Service, e *Engine) {
		gate := filepath.Join(t.TempDir(), "gate")
		blocker := submit(t, svc, api.SubmitRequest{Name: "blocker", Command: sh("while [ ! -e " + gate + " ]; do sleep 0.02; done")})
		waitStatus(t, svc, blocker.ID, api.Running)
		low := submit(t, svc, api.SubmitRequest{Name: "low", Command: sh("true")})
		high := submit(t, svc, api.SubmitRequest{Name: "high", Priority: 5, Command: sh("true")})
		doomed := submit(t, svc, api.SubmitRequest{Name: "doomed", Command: sh("true")})
		after := submit(t, svc, api.SubmitRequest{Name: "after", After: "high", Command: sh("true")})
		afterFail := submit(t, svc, api.SubmitRequest{Name: "afterfail", After: "doomed", Command: sh("true")})

		// The queue says why low waits once it has looked at it.
		waitFor(t, func() bool {
			got, err := svc.Run(ctxT(t), "low")
			return err == nil && got.Status == api.Queued && strings.Contains(got.Waiting, "free slot")
		})
		k, err := svc.Kill(ctxT(t), doomed.ID, false)
		if err != nil || k.Status != api.Killed {
			t.Fatalf("kill queued: %v %v", k.Status, err)
		}
		os.WriteFile(gate, nil, 0o644)
		runs := map[string]api.Run{}
		for _, r := range []api.Run{low, high, after, afterFail} {
			runs[r.Name] = wait(t, svc, r.ID)
		}
		if runs["high"].Started.After(*runs["low"].Started) {
			t.Error("the higher priority run started after the lower one")
		}
		if runs["after"].Status != api.Succeeded || runs["after"].Started.Before(*runs["high"].Ended) {
			t.Errorf("after: %s, started %v, high ended %v", runs["after"].Status, runs["after"].Started, runs["high"].Ended)
		}
		if r := runs["afterfail"]; r.Status != api.Failed || !strings.Contains(r.Reason, "ended killed") {
			t.Errorf("afterfail: %s %q", r.Status, r.Reason)
		}
	})
}

func TestEventsStream(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		ctx, cancel := context.WithCancel(ctxT(t))
		defer cancel()
		ch, err := svc.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := submit(t, svc, api.SubmitRequest{Command: sh(`echo '{"step":1,"metrics":{"loss":2}}' >> $LATHE_METRICS_FILE`)})
		seen := map[api.Status]bool{}
		points := 0
		for ev := range ch {
			switch ev.Type {
			case api.EventRun:
				if ev.Run.ID == r.ID {
					seen[ev.Run.Status] = true
				}
			case api.EventPoints:
				if ev.RunID == r.ID {
					points += len(ev.Points["loss"])
				}
			case api.EventError:
				t.Fatalf("stream broke: %s", ev.Error)
			}
			if seen[api.Succeeded] {
				break
			}
		}
		if !seen[api.Queued] || !seen[api.Running] || points != 1 {
			t.Fatalf("events: states %v, points %d", seen, points)
		}
	})
}

// A running job's lines that cannot be read reach clients while it runs:
// the run is published with their count and the first one, not only once
// it ends.
func TestInvalidLinesPublishedWhileRunning(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		ctx, cancel := context.WithCancel(ctxT(t))
		defer cancel()
		ch, err := svc.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r := submit(t, svc, api.SubmitRequest{Command: sh(`echo '{step: 1, loss: 2}' >> $LATHE_METRICS_FILE; sleep 30`)})
		for ev := range ch {
			if ev.Type == api.EventError {
				t.Fatalf("stream broke: %s", ev.Error)
			}
			if ev.Type != api.EventRun || ev.Run.ID != r.ID {
				continue
			}
			if ev.Run.Status.Ended() {
				t.Fatalf("the run ended (%s) before its invalid line was published", ev.Run.Status)
			}
			if ev.Run.InvalidLines == 1 && strings.Contains(ev.Run.FirstInvalid, "{step: 1") {
				break
			}
		}
		if _, err := svc.Kill(ctx, r.ID, true); err != nil {
			t.Fatal(err)
		}
		wait(t, svc, r.ID)
	})
}

func TestFollowLogs(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		r := submit(t, svc, api.SubmitRequest{Command: sh("for i in 1 2 3; do echo line $i; sleep 0.1; done")})
		var buf bytes.Buffer
		if err := svc.Logs(ctxT(t), r.ID, api.LogOptions{Follow: true}, &buf); err != nil {
			t.Fatal(err)
		}
		if buf.String() != "line 1\nline 2\nline 3\n" {
			t.Fatalf("followed %q", buf.String())
		}
	})
}

func TestBadRequests(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		ctx := ctxT(t)
		cwd := t.TempDir()
		for _, tc := range []struct {
			req  api.SubmitRequest
			kind error
			msg  string
		}{
			{api.SubmitRequest{Cwd: cwd}, api.ErrInvalid, "no command"},
			{api.SubmitRequest{Cwd: "relative", Command: []string{"true"}}, api.ErrInvalid, "not an absolute path"},
			{api.SubmitRequest{Cwd: "/no/such/dir", Command: []string{"true"}}, api.ErrInvalid, "does not exist"},
			{api.SubmitRequest{Cwd: cwd, Command: []string{"true"}, Parse: "yaml"}, api.ErrInvalid, "the parsers are kv, auto"},
			{api.SubmitRequest{Cwd: cwd, Command: []string{"true"}, After: "nope"}, api.ErrNotFound, `--after: run "nope": not found`},
			{api.SubmitRequest{Cwd: cwd, Command: []string{"true"}, Experiment: "a\x01b"}, api.ErrInvalid, "control characters"},
		} {
			_, err := svc.Submit(ctx, tc.req)
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%+v: %v, want %v %q", tc.req, err, tc.kind, tc.msg)
			}
		}
		if _, err := svc.Run(ctx, "nope"); !errors.Is(err, api.ErrNotFound) || err.Error() != `run "nope": not found` {
			t.Errorf("missing run: %q", err)
		}
		submit(t, svc, api.SubmitRequest{Name: "twin", Command: []string{"true"}})
		submit(t, svc, api.SubmitRequest{Name: "twin", Command: []string{"true"}})
		if _, err := svc.Run(ctx, "twin"); !errors.Is(err, api.ErrAmbiguous) {
			t.Errorf("ambiguous name: %v", err)
		}
	})
}

func TestDefaultNamesAndExperiments(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		a := submit(t, svc, api.SubmitRequest{Command: []string{"python3", "-u", "/x/train.py"}, Experiment: "digits"})
		b := submit(t, svc, api.SubmitRequest{Command: []string{"true"}, Experiment: "digits"})
		c := submit(t, svc, api.SubmitRequest{Command: []string{"true"}})
		if a.Name != "train-1" || b.Name != "true-2" || c.Name != "true-1" || c.Experiment != "default" {
			t.Fatalf("names %q %q %q (%s)", a.Name, b.Name, c.Name, c.Experiment)
		}
		for _, r := range []api.Run{a, b, c} {
			wait(t, svc, r.ID)
		}
		runs, err := svc.Runs(ctxT(t), api.RunQuery{Experiment: "digits"})
		if err != nil || len(runs) != 2 {
			t.Fatalf("runs of digits: %d %v", len(runs), err)
		}
	})
}

func TestSpecRedactsSecretsButJobSeesThem(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		env := append(os.Environ(), "HF_TOKEN=s3cret", "MY_PASSWORD=pw", "PLAIN=visible")
		r := submit(t, svc, api.SubmitRequest{Env: env, Command: sh(`echo "$HF_TOKEN $PLAIN $LATHE_RUN_ID"`)})
		r = wait(t, svc, r.ID)
		if got := logs(t, svc, r.ID); got != "s3cret visible "+r.ID+"\n" {
			t.Errorf("job saw %q", got)
		}
		spec, err := os.ReadFile(filepath.Join(r.Dir, "spec.json"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(spec, []byte("s3cret")) || bytes.Contains(spec, []byte(`"pw"`)) || !bytes.Contains(spec, []byte("visible")) {
			t.Errorf("spec.json does not redact secrets: %s", spec)
		}
		if r.Env["HF_TOKEN"] != "[redacted]" {
			t.Errorf("stored env: %v", r.Env["HF_TOKEN"])
		}
		// Once started, the store no longer holds the secrets either.
		e.db.View(func(tx *store.Tx) error {
			if _, err := tx.PendingEnv(r.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("pending env kept after start: %v", err)
			}
			return nil
		})
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, svc api.Service, id string, want api.Status) {
	t.Helper()
	waitFor(t, func() bool {
		r, err := svc.Run(context.Background(), id)
		return err == nil && r.Status == want
	})
}

func processAlive(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(raw, ')')
	return i > 0 && len(raw) > i+2 && raw[i+2] != 'Z'
}

func TestMetricViewAndLogTail(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		r := submit(t, svc, api.SubmitRequest{Command: sh(`i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo "{\"step\": $i, \"metrics\": {\"x\": $i}}" >> $LATHE_METRICS_FILE; echo "line $i"; done`)})
		r = wait(t, svc, r.ID)
		view, err := svc.MetricView(ctxT(t), r.ID, "x", 30)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, b := range view {
			total += b.Count
		}
		if len(view) > 30 || total != 300 || float64(view[len(view)-1].Max) != 300 {
			t.Fatalf("view: %d buckets, %d points, %+v", len(view), total, view[len(view)-1])
		}
		// Buckets carry their times (Unix seconds), for charts by time.
		started, ended := float64(r.Started.UnixMicro())/1e6, float64(r.Ended.UnixMicro())/1e6
		if first, last := view[0], view[len(view)-1]; first.FirstTime < started-1 || last.LastTime > ended+1 || last.LastTime < first.FirstTime {
			t.Errorf("view times %f..%f, run %f..%f", first.FirstTime, last.LastTime, started, ended)
		}
		if _, err := svc.MetricView(ctxT(t), r.ID, "x", 0); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("a 0-point view: %v", err)
		}
		var buf bytes.Buffer
		if err := svc.Logs(ctxT(t), r.ID, api.LogOptions{Tail: 9}, &buf); err != nil || buf.String() != "line 300\n" {
			t.Errorf("tail: %q %v", buf.String(), err)
		}
	})
}

// What a run records of its environment: secrets by a part of their name
// (KEY only as a whole part), a URL's password by value.
func TestRedact(t *testing.T) {
	for _, c := range []struct{ kv, want string }{
		{"DB_PASS=hunter2", redacted},
		{"DB_PASSWORD=x", redacted},
		{"PGPASSWORD=x", redacted},
		{"SLACK_WEBHOOK_URL=https://hooks.slack.com/T/B/x", redacted},
		{"HF_TOKEN=x", redacted},
		{"GITHUB_APITOKEN=x", redacted},
		{"AWS_SECRET_ACCESS_KEY=x", redacted},
		{"AWS_ACCESS_KEY_ID=AKIA", redacted},
		{"API_KEY=x", redacted},
		{"KEY_ID=x", redacted},
		{"OPENAI_APIKEY=x", redacted},
		{"GOOGLE_APPLICATION_CREDENTIALS=/k.json", redacted},
		{"NPM_AUTH=x", redacted},
		{"MONKEY=banana", "banana"},
		{"KEYBOARD=us", "us"},
		{"PWD=/home/ada", "/home/ada"},
		{"OLDPWD=/tmp", "/tmp"},
		{"AUTHOR=ada", "ada"},
		{"COMPASS=north", "north"},
		{"DATABASE_URL=postgres://u:pw@h:5432/db", "postgres://u:***@h:5432/db"},
		{"REDIS=redis://:pw@h/0", "redis://:***@h/0"},
		{"HOMEPAGE=https://example.com/a@b", "https://example.com/a@b"},
		{"PLAIN=visible", "visible"},
	} {
		name, _, _ := strings.Cut(c.kv, "=")
		if got := redact([]string{c.kv}, nil)[name]; got != c.want {
			t.Errorf("%s: recorded %q, want %q", c.kv, got, c.want)
		}
	}
	if got := redact([]string{"HF_HOME=/x"}, []string{"hf_"})["HF_HOME"]; got != redacted {
		t.Errorf("a configured word: %q", got)
	}
}
