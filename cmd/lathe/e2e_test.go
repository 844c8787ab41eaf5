package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/runners/local"
	"lathe/runners/local/localtest"
	"lathe/store"
)

// These tests drive the real lathe binary: a real engine process, real shims
// and jobs, SIGKILLs and restarts.

var lathePath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lathe-bin")
	if err != nil {
		panic(err)
	}
	lathePath = filepath.Join(dir, "lathe")
	build := exec.Command("go", "build", "-o", lathePath, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build lathe:", err)
		os.Exit(2)
	}
	// Every engine, shim and job of these tests inherits the marker, so any
	// left running is found.
	os.Setenv("LATHE_TEST_MARK", "e2e")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(localtest.Check("LATHE_TEST_MARK=e2e", code))
}

// home is one data directory with its own engine, stopped (and every job of
// it killed) when the test ends.
type home struct {
	t   testing.TB
	dir string
	env []string
}

func newHome(t testing.TB) *home {
	t.Helper()
	dir := t.TempDir()
	h := &home{t: t, dir: dir, env: append(os.Environ(),
		"LATHE_HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))}
	t.Cleanup(h.cleanup)
	return h
}

type result struct {
	stdout, stderr string
	code           int
}

func (h *home) run(args ...string) result {
	h.t.Helper()
	cmd := exec.Command(lathePath, args...)
	cmd.Env = h.env
	cmd.Dir = h.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("lathe %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// ok runs lathe and fails the test unless it succeeds.
func (h *home) ok(args ...string) string {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("lathe %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

func (h *home) json(v any, args ...string) {
	h.t.Helper()
	out := h.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		h.t.Fatalf("lathe %v --json: %v\n%s", args, err, out)
	}
}

func (h *home) enginePID() int {
	raw, err := os.ReadFile(filepath.Join(h.dir, "engine.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	return pid
}

// cleanup stops the engine and makes sure no job of this home outlives the
// test.
func (h *home) cleanup() {
	h.run("engine", "stop")
	if pid := h.enginePID(); pid > 0 && processExists(pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	runs, _ := filepath.Glob(filepath.Join(h.dir, "runs", "*"))
	for _, dir := range runs {
		hd, err := local.ReadHandle(dir)
		if err != nil {
			continue
		}
		if local.Alive(hd.ShimPID, hd.ShimStart) || local.Alive(hd.JobPID, hd.JobStart) {
			h.t.Errorf("run %s still running after the test", filepath.Base(dir))
			syscall.Kill(hd.ShimPID, syscall.SIGKILL)
			local.KillTree(hd, syscall.SIGKILL)
		}
	}
}

type runJSON struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Experiment   string            `json:"experiment"`
	Status       string            `json:"status"`
	ExitCode     *int              `json:"exit_code"`
	Reason       string            `json:"reason"`
	Command      []string          `json:"command"`
	Created      string            `json:"created"`
	Started      *string           `json:"started"`
	Ended        *string           `json:"ended"`
	Params       map[string]string `json:"params"`
	Tags         map[string]string `json:"tags"`
	InvalidLines int64             `json:"invalid_lines"`
	Git          *struct {
		Commit string `json:"commit"`
		Dirty  bool   `json:"dirty"`
	} `json:"git"`
	Metrics map[string]struct {
		Last     any   `json:"last"`
		Min      any   `json:"min"`
		Max      any   `json:"max"`
		Count    int64 `json:"count"`
		LastStep int64 `json:"last_step"`
	} `json:"metrics"`
	Evals     map[string]map[string]float64 `json:"evals"`
	Artifacts []struct{ Name, Path string } `json:"artifacts"`
	Total     int64                         `json:"total"`
}

func TestRunPrintsIDAloneAndShowHasTheContract(t *testing.T) {
	h := newHome(t)
	out := h.ok("run", "--name", "first", "--exp", "demo", "--param", "lr=0.1", "--tag", "k=v", "--",
		"sh", "-c", `echo '{"step": 1, "metrics": {"loss": "NaN", "acc": 0.5}}' >> $LATHE_METRICS_FILE; echo '{"metrics": {"loss": "-Infinity"}}' >> $LATHE_METRICS_FILE; echo oops >> $LATHE_METRICS_FILE`)
	id := strings.TrimSpace(out)
	if len(id) != 12 || out != id+"\n" {
		t.Fatalf("lathe run printed %q, want the run id alone", out)
	}
	if r := h.run("wait", id); r.code != 0 {
		t.Fatalf("wait: %d %s", r.code, r.stderr)
	}
	// Every field the contract names is present in show --json.
	var raw map[string]any
	h.json(&raw, "show", "first")
	for _, k := range []string{"id", "name", "experiment", "status", "exit_code", "reason", "command", "created",
		"started", "ended", "params", "tags", "metrics", "invalid_lines", "git"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("show --json lacks %q", k)
		}
	}
	var r runJSON
	h.json(&r, "show", id[:5])
	if r.ID != id || r.Experiment != "demo" || r.Status != "succeeded" || *r.ExitCode != 0 || r.Params["lr"] != "0.1" || r.Tags["k"] != "v" {
		t.Errorf("show: %+v", r)
	}
	if m := r.Metrics["loss"]; m.Count != 2 || m.Last != "-Infinity" || m.LastStep != 2 || m.Min != "-Infinity" {
		t.Errorf("loss summary %+v", m)
	}
	if r.InvalidLines != 1 {
		t.Errorf("invalid lines %d", r.InvalidLines)
	}
	var pts []map[string]any
	h.json(&pts, "metrics", id, "loss")
	if len(pts) != 2 || pts[0]["value"] != "NaN" || pts[1]["value"] != "-Infinity" || pts[0]["step"] != 1.0 {
		t.Errorf("metrics --json: %v", pts)
	}
	text := h.ok("show", id)
	for _, want := range []string{"first (" + id + ")", "succeeded", "lr=0.1", "loss", "NaN", "1 line could not be read"} {
		if !strings.Contains(text, want) {
			t.Errorf("show lacks %q:\n%s", want, text)
		}
	}
	var runs []runJSON
	h.json(&runs, "runs", "--exp", "demo")
	if len(runs) != 1 || runs[0].ID != id {
		t.Errorf("runs --exp demo: %+v", runs)
	}
	var ps []runJSON
	h.json(&ps, "ps")
	if len(ps) != 0 {
		t.Errorf("ps lists ended runs: %+v", ps)
	}
}

func TestFailuresAreOneLine(t *testing.T) {
	h := newHome(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"show", "nope"}, `lathe: run "nope": not found`},
		{[]string{"run"}, "no command"},
		{[]string{"run", "--param", "novalue", "--", "true"}, `--param "novalue": want key=value`},
		{[]string{"run", "--cwd", "/no/such", "--", "true"}, "--cwd /no/such: no such directory"},
		{[]string{"run", "--after", "ghost", "--", "true"}, `--after: run "ghost": not found`},
		{[]string{"run", "--bogus", "--", "true"}, "unknown flag: --bogus"},
		{[]string{"metrics", "nope", "loss"}, "not found"},
		{[]string{"runs", "--status", "done"}, `--status "done"`},
		{[]string{"frobnicate"}, "unknown command"},
	} {
		r := h.run(tc.args...)
		lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
		if r.code == 0 || len(lines) != 1 || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("lathe %v: exit %d, stderr %q; want one line with %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	// A bad config file is named, with the key.
	os.MkdirAll(filepath.Join(h.dir, "config", "lathe"), 0o755)
	os.WriteFile(filepath.Join(h.dir, "config", "lathe", "config.toml"), []byte("[jobs]\nkill_grase = \"1s\"\n"), 0o644)
	if r := h.run("config"); r.code == 0 || !strings.Contains(r.stderr, "unknown key jobs.kill_grase") {
		t.Errorf("bad config: %d %q", r.code, r.stderr)
	}
}

func TestWaitExitCodes(t *testing.T) {
	h := newHome(t)
	cases := []struct {
		cmd  []string
		code int
	}{
		{[]string{"true"}, 0},
		{[]string{"sh", "-c", "exit 7"}, 7},
		{[]string{"no-such-program-here"}, 127},
		{[]string{"sh", "-c", "kill -TERM $$"}, 143},
	}
	for _, c := range cases {
		id := strings.TrimSpace(h.ok(append([]string{"run", "--"}, c.cmd...)...))
		if r := h.run("wait", id); r.code != c.code {
			t.Errorf("%v: wait exit %d, want %d (%s)", c.cmd, r.code, c.code, r.stderr)
		}
	}
}

func TestKillAndLogs(t *testing.T) {
	h := newHome(t)
	os.MkdirAll(filepath.Join(h.dir, "config", "lathe"), 0o755)
	os.WriteFile(filepath.Join(h.dir, "config", "lathe", "config.toml"), []byte("[jobs]\nkill_grace = \"300ms\"\n"), 0o644)
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", `trap "" TERM; echo started; sleep 1000 & wait; while :; do sleep 0.1; done`))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.ok("logs", id), "started") {
		if time.Now().After(deadline) {
			t.Fatal("job never printed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := h.ok("kill", id)
	if out != id+" killed\n" {
		t.Fatalf("kill printed %q", out)
	}
	if r := h.run("wait", id); r.code != 137 {
		t.Errorf("wait after kill: %d", r.code)
	}
	if got := h.run("logs", "-f", id); got.stdout != "started\n" || got.code != 137 {
		t.Errorf("logs -f of a killed run: %q, exit %d", got.stdout, got.code)
	}
}

// The engine is SIGKILLed (and, every other time, stopped) again and again
// while a job appends 100 000 metric lines; in the end every point is stored
// exactly once.
func TestEngineSIGKILLLosesNothing(t *testing.T) {
	h := newHome(t)
	const steps = 100_000
	id := strings.TrimSpace(h.ok("run", "--", lathePath, "synth", "--steps", strconv.Itoa(steps), "--rate", "15000", "--metrics", "loss,acc"))
	kills := 0
	for {
		time.Sleep(time.Duration(150+kills*37%200) * time.Millisecond)
		pid := h.enginePID()
		if pid > 0 {
			if kills%2 == 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			} else {
				h.ok("engine", "stop")
			}
			kills++
			for processExists(pid) {
				time.Sleep(5 * time.Millisecond)
			}
		}
		var r runJSON
		h.json(&r, "show", id) // starts a new engine
		if r.Status != "running" && r.Status != "queued" {
			break
		}
	}
	h.ok("wait", id)
	var r runJSON
	h.json(&r, "show", id)
	if r.Status != "succeeded" {
		t.Fatalf("run %s: %s", r.Status, r.Reason)
	}
	t.Logf("engine SIGKILLed or stopped %d times while the job wrote %d lines", kills, steps)
	if kills < 3 {
		t.Errorf("only %d kills happened while the job ran; the test proves little", kills)
	}
	for _, name := range []string{"loss", "acc"} {
		var pts []struct {
			Step int64 `json:"step"`
		}
		h.json(&pts, "metrics", id, name)
		if len(pts) != steps {
			t.Fatalf("%s: %d points stored, want %d", name, len(pts), steps)
		}
		for i, p := range pts {
			if p.Step != int64(i+1) {
				t.Fatalf("%s: point %d has step %d: lost or repeated", name, i, p.Step)
			}
		}
	}
	if r.Total != steps || r.InvalidLines != 0 {
		t.Errorf("total %d invalid %d", r.Total, r.InvalidLines)
	}
}

// engine stop leaves jobs running; a job that ends while no engine runs is
// settled by the next one; one that runs on is re-adopted.
func TestEngineStopLeavesJobs(t *testing.T) {
	h := newHome(t)
	gate := filepath.Join(h.dir, "gate")
	ends := strings.TrimSpace(h.ok("run", "--name", "ends", "--", "sh", "-c", fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.02; done; exit 5`, gate)))
	runsOn := strings.TrimSpace(h.ok("run", "--name", "runs-on", "--", "sh", "-c", fmt.Sprintf(`while [ ! -e %s.2 ]; do sleep 0.02; done`, gate)))
	for _, id := range []string{ends, runsOn} {
		for {
			if _, err := local.ReadHandle(filepath.Join(h.dir, "runs", id)); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	out := h.ok("engine", "stop")
	if !strings.Contains(out, "2 running jobs keep running") {
		t.Errorf("engine stop: %q", out)
	}
	if r := h.run("engine", "status"); r.code != 3 {
		t.Errorf("status after stop: %d %q", r.code, r.stdout)
	}
	os.WriteFile(gate, nil, 0o644)
	for {
		if _, err := local.ReadExit(filepath.Join(h.dir, "runs", ends)); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := h.run("wait", ends); r.code != 5 {
		t.Errorf("job ended while the engine was down: wait exit %d (%s)", r.code, r.stderr)
	}
	var r runJSON
	h.json(&r, "show", "runs-on")
	if r.Status != "running" {
		t.Fatalf("re-adopted job: %s %s", r.Status, r.Reason)
	}
	os.WriteFile(gate+".2", nil, 0o644)
	h.ok("wait", runsOn)
}

func pythonWithTorch(t *testing.T) string {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import torch, sklearn").Run(); err == nil {
			return py
		}
	}
	t.Fatal("no python3 with torch and sklearn: install python3-torch python3-sklearn (.ci/run does)")
	return ""
}

// A real PyTorch training script, run through lathe.
func TestTrainDigits(t *testing.T) {
	py := pythonWithTorch(t)
	h := newHome(t)
	script, _ := filepath.Abs("../../runners/examples/train_digits.py")
	id := strings.TrimSpace(h.ok("run", "--exp", "digits", "--", py, script, "--epochs", "8"))
	if r := h.run("wait", id); r.code != 0 {
		t.Fatalf("train_digits failed (%d): %s\n%s", r.code, r.stderr, h.ok("logs", id))
	}
	var r runJSON
	h.json(&r, "show", id)
	if r.Name != "train_digits-1" || r.Params["epochs"] != "8" || r.Tags["dataset"] != "sklearn-digits" || r.Total != 8 {
		t.Errorf("recorded: name %s params %v tags %v total %d", r.Name, r.Params, r.Tags, r.Total)
	}
	for _, m := range []string{"train_loss", "val_loss", "val_acc"} {
		if s := r.Metrics[m]; s.Count != 8 || s.LastStep != 8 {
			t.Errorf("%s: %+v", m, s)
		}
	}
	if acc, _ := r.Metrics["val_acc"].Last.(float64); acc < 0.8 {
		t.Errorf("val_acc %v after 8 epochs", r.Metrics["val_acc"].Last)
	}
	if len(r.Evals) != 10 {
		t.Errorf("%d eval slices, want one per class", len(r.Evals))
	}
	if len(r.Artifacts) != 1 {
		t.Fatalf("artifacts %+v", r.Artifacts)
	}
	if fi, err := os.Stat(r.Artifacts[0].Path); err != nil || fi.Size() == 0 {
		t.Errorf("model artifact %s: %v", r.Artifacts[0].Path, err)
	}
	if logs := h.ok("logs", id); !strings.Contains(logs, "epoch 8/8") {
		t.Errorf("output: %q", logs)
	}
	trainDigitsDrift(t, h, id)
}

// trainDigitsDrift registers the real training run; the version's drift
// reference comes from the features the script wrote (its train data
// set) with no other step. The same features pass; a batch whose pixels
// brightened alerts, through the engine and through `drift stat`.
func trainDigitsDrift(t *testing.T, h *home, id string) {
	h.ok("register", id, "--model", "digits")
	var d api.ModelDrift
	deadline := time.Now().Add(30 * time.Second)
	for len(d.References) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no drift reference from the script's train data set: %s", h.ok("drift", "show", "digits"))
		}
		time.Sleep(50 * time.Millisecond)
		h.json(&d, "drift", "show", "digits")
	}
	ref := d.References[0]
	if ref.Dataset != "digits-train" || ref.Rows < 1000 || len(ref.Features) != 66 || ref.Features["label"] != "numeric" {
		t.Fatalf("reference %+v", ref)
	}
	raw, err := os.ReadFile(ref.Source)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	same := filepath.Join(h.dir, "same.csv")
	os.WriteFile(same, []byte(strings.Join(lines[:400], "\n")+"\n"), 0o644)
	// Brighter: the pixels of the first 40 columns (of 64) up by a third of the range.
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for _, line := range lines[1:400] {
		cells := strings.Split(line, ",")
		for i := range 40 {
			v, _ := strconv.ParseFloat(cells[i], 64)
			cells[i] = strconv.FormatFloat(v+0.33, 'g', 4, 64)
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	bright := filepath.Join(h.dir, "bright.csv")
	os.WriteFile(bright, []byte(b.String()), 0o644)

	var res api.DriftIngestResult
	h.json(&res, "drift", "ingest", "digits", "--data", same)
	if res.Window.DatasetStatus == api.DriftAlert || res.Window.Quality == nil || res.Window.Quality.Metric != "accuracy" || float64(res.Window.Quality.Value) < 0.8 {
		t.Errorf("the training rows again: %s, quality %+v", res.Window.DatasetStatus, res.Window.Quality)
	}
	h.json(&res, "drift", "ingest", "digits", "--data", bright)
	if !res.Alerted || res.Window.DatasetStatus != api.DriftAlert {
		t.Errorf("brighter pixels: alerted %v, %s (share %v)", res.Alerted, res.Window.DatasetStatus, res.Window.DriftShare)
	}
	if r := h.run("drift", "stat", "--reference", ref.Source, "--current", bright, "--fail-on", "alert"); r.code != 2 || !strings.Contains(r.stdout, "data set: ALERT") {
		t.Errorf("drift stat --fail-on alert: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := h.run("drift", "stat", "--reference", ref.Source, "--current", same, "--fail-on", "alert"); r.code != 0 {
		t.Errorf("drift stat of the training rows: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestGitRecorded(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed (.ci/run installs it)")
	}
	h := newHome(t)
	repo := filepath.Join(h.dir, "repo")
	os.MkdirAll(repo, 0o755)
	gitc := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	gitc("init", "-q")
	os.WriteFile(filepath.Join(repo, "train.py"), []byte("print(1)\n"), 0o644)
	gitc("add", ".")
	gitc("commit", "-qm", "x")
	head := gitc("rev-parse", "HEAD")
	clean := strings.TrimSpace(h.ok("run", "--cwd", repo, "--", "true"))
	os.WriteFile(filepath.Join(repo, "train.py"), []byte("print(2)\n"), 0o644)
	dirty := strings.TrimSpace(h.ok("run", "--cwd", repo, "--", "true"))
	for id, wantDirty := range map[string]bool{clean: false, dirty: true} {
		var r runJSON
		h.json(&r, "show", id)
		if r.Git == nil || r.Git.Commit != head || r.Git.Dirty != wantDirty {
			t.Errorf("git of %s: %+v, want %s dirty=%v", id, r.Git, head, wantDirty)
		}
	}
	var r runJSON
	h.json(&r, "show", strings.TrimSpace(h.ok("run", "--", "true")))
	if r.Git != nil {
		t.Errorf("git outside a repository: %+v", r.Git)
	}
}

func TestSecondEngineRefusedClearly(t *testing.T) {
	h := newHome(t)
	h.ok("engine", "start")
	pid := h.enginePID()
	r := h.run("engine", "start", "--foreground")
	if r.code == 0 || !strings.Contains(r.stderr, fmt.Sprintf("an engine already runs on %s (pid %d", h.dir, pid)) {
		t.Fatalf("second engine: %d %q", r.code, r.stderr)
	}
	if out := h.ok("engine", "start"); !strings.Contains(out, "already running") {
		t.Errorf("engine start twice: %q", out)
	}
}

func TestCompletionAndHelp(t *testing.T) {
	h := newHome(t)
	if out := h.ok("completion", "bash"); !strings.Contains(out, "bash completion") {
		t.Error("no bash completion")
	}
	if out := h.ok(); !strings.Contains(out, "lathe run -- python3 train.py") {
		t.Errorf("lathe without arguments: %q", out)
	}
	cfg := h.ok("config")
	if !strings.Contains(cfg, `kill_grace = "10s"`) || !strings.Contains(cfg, "default_experiment") {
		t.Errorf("config: %s", cfg)
	}
}

// The demo starts its own engine and jobs in its own data directory and,
// when it ends, leaves nothing running.
func TestDemo(t *testing.T) {
	h := newHome(t)
	data := filepath.Join(h.dir, "xdg")
	h.env = append(h.env, "XDG_DATA_HOME="+data)
	out := h.ok("demo", "--duration", "3s")
	for _, want := range []string{"bert-finetune", "resnet-baseline", "waiting for run resnet-baseline", "failed (1)", "demo stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	demoDir := filepath.Join(data, "lathe-demo")
	demo := &home{t: t, dir: demoDir, env: append(os.Environ(), "LATHE_HOME="+demoDir, "XDG_CONFIG_HOME="+filepath.Join(h.dir, "config"))}
	if _, err := os.Stat(filepath.Join(h.dir, "lathe.db")); err == nil {
		t.Error("the demo wrote to the user's data directory")
	}
	demo.cleanup() // fails the test if a demo job still runs
	if pid := demo.enginePID(); pid != 0 && processExists(pid) {
		t.Errorf("the demo's engine (pid %d) still runs", pid)
	}
}

func TestDamagedStoreSaysSo(t *testing.T) {
	h := newHome(t)
	garbage := []byte("not a store at all, but somebody's notes")
	os.WriteFile(filepath.Join(h.dir, "lathe.db"), garbage, 0o600)
	r := h.run("runs")
	if r.code == 0 || !strings.Contains(r.stderr, "store file is damaged") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("damaged store: exit %d %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(h.dir, "lathe.db")); string(after) != string(garbage) {
		t.Fatal("the damaged store was overwritten")
	}
}

// After an engine SIGKILL, a job that ended while no engine ran is settled
// from its exit record by the next engine.
func TestJobEndsWhileEngineKilled(t *testing.T) {
	h := newHome(t)
	gate := filepath.Join(h.dir, "gate")
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.02; done; echo '{"metrics": {"x": 1}}' >> $LATHE_METRICS_FILE; exit 6`, gate)))
	dir := filepath.Join(h.dir, "runs", id)
	for {
		if _, err := local.ReadHandle(dir); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	pid := h.enginePID()
	syscall.Kill(pid, syscall.SIGKILL)
	for processExists(pid) {
		time.Sleep(5 * time.Millisecond)
	}
	os.WriteFile(gate, nil, 0o644)
	for {
		if _, err := local.ReadExit(dir); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := h.run("wait", id); r.code != 6 {
		t.Fatalf("wait: exit %d (%s)", r.code, r.stderr)
	}
	var r runJSON
	h.json(&r, "show", id)
	if r.Status != "failed" || r.Metrics["x"].Count != 1 {
		t.Fatalf("settled as %s with metrics %+v", r.Status, r.Metrics)
	}
}

// lathe wait and lathe logs -f outlive the engine, as the job does.
func TestWaitAndFollowSurviveEngineStop(t *testing.T) {
	h := newHome(t)
	gate := filepath.Join(h.dir, "gate")
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", fmt.Sprintf(`echo one; while [ ! -e %s ]; do sleep 0.02; done; echo two; exit 9`, gate)))
	wait := exec.Command(lathePath, "wait", id)
	follow := exec.Command(lathePath, "logs", "-f", id)
	var followed bytes.Buffer
	for _, c := range []*exec.Cmd{wait, follow} {
		c.Env = h.env
	}
	follow.Stdout = &followed
	if err := wait.Start(); err != nil {
		t.Fatal(err)
	}
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	h.ok("engine", "stop")
	time.Sleep(300 * time.Millisecond)
	os.WriteFile(gate, nil, 0o644)
	err := wait.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 9 {
		t.Errorf("wait across an engine stop: %v, want exit 9", err)
	}
	if err := follow.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 9 || followed.String() != "one\ntwo\n" {
		t.Errorf("logs -f across an engine stop: %v, %q", err, followed.String())
	}
}

func TestReservedReferences(t *testing.T) {
	h := newHome(t)
	for _, ref := range []string{".", "..", ""} {
		r := h.run("show", ref)
		if r.code == 0 || !strings.Contains(r.stderr, "give a run id") {
			t.Errorf("show %q: %d %q", ref, r.code, r.stderr)
		}
	}
	if r := h.run("run", "--name", "..", "--", "true"); r.code == 0 || !strings.Contains(r.stderr, "reserved") {
		t.Errorf("run named ..: %d %q", r.code, r.stderr)
	}
}

// engineStatus is `lathe engine status --json`.
func engineStatus(t *testing.T, h *home) api.EngineStatus {
	t.Helper()
	var s api.EngineStatus
	h.json(&s, "engine", "status")
	return s
}

func TestStoreCommands(t *testing.T) {
	h := newHome(t)
	id := strings.TrimSpace(h.ok("run", "--", lathePath, "synth", "--steps", "3000"))
	h.ok("wait", id)
	if out := h.ok("store", "check"); !strings.Contains(out, "6000 points") || !strings.Contains(out, "the store is sound") {
		t.Errorf("check: %s", out)
	}
	var st struct {
		Points  int64 `json:"points"`
		Schema  int   `json:"schema"`
		Buckets []struct {
			Name string `json:"name"`
		} `json:"buckets"`
	}
	h.json(&st, "store", "stats")
	if st.Points != 6000 || st.Schema != store.SchemaVersion || len(st.Buckets) < 9 {
		t.Errorf("stats: %+v", st)
	}
	before := engineStatus(t, h)
	out := h.ok("store", "compact")
	if !strings.Contains(out, "6000 points") {
		t.Errorf("compact: %s", out)
	}
	// The engine compacted in place: the same engine still answers, with
	// every point.
	if after := engineStatus(t, h); after.PID != before.PID {
		t.Errorf("the engine changed during compaction: pid %d, then %d", before.PID, after.PID)
	}
	var pts []any
	h.json(&pts, "metrics", id, "loss")
	if len(pts) != 3000 {
		t.Errorf("%d points after compaction", len(pts))
	}
}

// A store of schema 1 is upgraded when the engine opens it, with a backup
// and a message.
func TestOldStoreUpgraded(t *testing.T) {
	h := newHome(t)
	old, err := os.ReadFile("../../store/testdata/v1.db")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(h.dir, "lathe.db"), old, 0o600)
	r := h.run("runs", "--exp", "digits")
	if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("upgraded the store from schema 1 to %d", store.SchemaVersion)) {
		t.Fatalf("upgrade: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "train-1") || !strings.Contains(r.stdout, "train-2") {
		t.Errorf("runs after the upgrade: %s", r.stdout)
	}
	backup, err := os.ReadFile(filepath.Join(h.dir, "lathe.db.schema1.bak"))
	if err != nil || !bytes.Equal(backup, old) {
		t.Errorf("backup: %v", err)
	}
	if r := h.run("runs"); strings.Contains(r.stderr, "upgraded") {
		t.Errorf("the upgrade is reported again: %q", r.stderr)
	}
	h.ok("store", "check")
}

func TestGPUsCommandLine(t *testing.T) {
	h := newHome(t)
	h.ok("engine", "start", "--gpus", "fake:2")
	gate := filepath.Join(h.dir, "gate")
	id := strings.TrimSpace(h.ok("run", "--gpus", "1", "--min-gpu-mem", "40GiB", "--", "sh", "-c",
		fmt.Sprintf(`echo "cuda=$CUDA_VISIBLE_DEVICES"; while [ ! -e %s ]; do sleep 0.02; done`, gate)))
	var rep struct {
		Info struct{ Backend string } `json:"info"`
		GPUs []struct {
			Index     int    `json:"index"`
			LeasedBy  string `json:"leased_by"`
			Processes []struct {
				RunID string `json:"run_id"`
			} `json:"processes"`
		} `json:"gpus"`
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		h.json(&rep, "gpus")
		if len(rep.GPUs) == 2 && rep.GPUs[0].LeasedBy == id && len(rep.GPUs[0].Processes) == 1 && rep.GPUs[0].Processes[0].RunID == id {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gpus never showed the job on GPU 0: %+v", rep)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if out := h.ok("gpus"); !strings.Contains(out, "NVIDIA Fake A100") || !strings.Contains(out, "sh-1") {
		t.Errorf("gpus: %s", out)
	}
	if out := h.ok("ps"); !strings.Contains(out, "sh-1") {
		t.Errorf("ps: %s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--gpus", "3", "--", "true"}, "3 GPUs asked, this machine has 2"},
		{[]string{"run", "--gpus", "1", "--min-gpu-mem", "lots", "--", "true"}, "want a size with its unit"},
		{[]string{"run", "--gpu-ids", "9", "--", "true"}, "no GPU 9"},
	} {
		r := h.run(tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: %d %q", tc.args, r.code, r.stderr)
		}
	}
	time.Sleep(1500 * time.Millisecond)
	os.WriteFile(gate, nil, 0o644)
	h.ok("wait", id)
	if out := h.ok("show", id); !strings.Contains(out, "given [0]") || !strings.Contains(out, "GPU-hours") {
		t.Errorf("show: %s", out)
	}
	if out := h.ok("logs", id); out != "cuda=0\n" {
		t.Errorf("the job saw %q", out)
	}
	if r := h.run("doctor"); r.code != 0 || !strings.Contains(r.stdout, "2 via fake") {
		t.Errorf("doctor: %d %s %s", r.code, r.stdout, r.stderr)
	}
}
