package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lathe/engine/api"
	"lathe/tui/format"
)

// freePort is a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// withMLflow starts h's engine with the MLflow endpoint and returns the
// environment a client needs, read through `lathe mlflow env --json`.
func withMLflow(t *testing.T, h *home) []string {
	t.Helper()
	h.ok("engine", "start", "--mlflow-port", strconv.Itoa(freePort(t)))
	var m struct{ URI, Token string }
	h.json(&m, "mlflow", "env")
	if !strings.HasPrefix(m.URI, "http://127.0.0.1:") || len(m.Token) != 64 {
		t.Fatalf("mlflow env = %+v", m)
	}
	out := h.ok("mlflow", "env")
	if out != "export MLFLOW_TRACKING_URI="+format.Quote(m.URI)+"\nexport MLFLOW_TRACKING_TOKEN="+format.Quote(m.Token)+"\n" {
		t.Errorf("mlflow env prints %q", out)
	}
	return []string{"MLFLOW_TRACKING_URI=" + m.URI, "MLFLOW_TRACKING_TOKEN=" + m.Token}
}

// TestMLflowClientEndToEnd drives lathe's endpoint with an MLflow client
// nobody here wrote (npm's `mlflow`), then reads the run back through the
// command line.
func TestMLflowClientEndToEnd(t *testing.T) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (CI installs nodejs and npm)", tool)
		}
	}
	h := newHome(t)
	env := withMLflow(t, h)

	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "client.js"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "mlflow-client", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), raw, 0o644)
	}
	install := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	node := exec.Command("node", "client.js")
	node.Dir = dir
	node.Env = append(os.Environ(), env...)
	out, err := node.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node client.js: %v\n%s\n%s", err, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res struct {
		ExperimentID   string   `json:"experiment_id"`
		ExperimentName string   `json:"experiment_name"`
		RunID          string   `json:"run_id"`
		Relog          string   `json:"relog"`
		LossPoints     int      `json:"loss_points"`
		Found          []string `json:"found"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if res.ExperimentName != "npm-client" || res.Relog != "INVALID_PARAMETER_VALUE" || res.LossPoints != 5 ||
		len(res.Found) != 1 || res.Found[0] != res.RunID {
		t.Errorf("what the client saw: %+v", res)
	}

	var r api.Run
	h.json(&r, "show", res.RunID)
	if r.Name != "from-npm" || r.Experiment != "npm-client" || r.Status != api.Succeeded || r.Runner != api.RunnerMLflow ||
		r.Params["lr"] != "0.01" || r.Params["epochs"] != "2" || r.Tags["team"] != "vision" || r.Tags["note"] != "batch" ||
		r.Tags["stage"] != "test" || r.Metrics["loss"].Count != 5 || r.Metrics["loss"].Last != 0.2 || r.Metrics["acc"].Last != 0.75 {
		t.Errorf("lathe show: %s %q in %q by %s, params %v, tags %v, metrics %v", r.Status, r.Name, r.Experiment, r.Runner, r.Params, r.Tags, r.Metrics)
	}
	if text := h.ok("show", res.RunID); !strings.Contains(text, "recorded by an MLflow client") {
		t.Errorf("lathe show does not say where the run came from:\n%s", text)
	}
}

// TestJobLogsThroughMLflow runs a job whose script speaks MLflow's REST API
// (standard library only) with what lathe told it: its metrics land in the
// job's own run, and the run still ends as its job does.
func TestJobLogsThroughMLflow(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	h := newHome(t)
	withMLflow(t, h)
	script := filepath.Join(h.dir, "train.py")
	os.WriteFile(script, []byte(`import json, os, time, urllib.request
uri, token, run = os.environ["MLFLOW_TRACKING_URI"], os.environ["MLFLOW_TRACKING_TOKEN"], os.environ["MLFLOW_RUN_ID"]
def call(path, body):
    req = urllib.request.Request(uri + "/api/2.0/mlflow/" + path, json.dumps(body).encode(),
        {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
call("runs/update", {"run_id": run, "status": "RUNNING"})
now = int(time.time() * 1000)
call("runs/log-batch", {"run_id": run, "metrics": [{"key": "loss", "value": 1.0 / (i + 1), "timestamp": now, "step": i} for i in range(3)],
    "params": [{"key": "lr", "value": "0.1"}]})
call("runs/update", {"run_id": run, "status": "FINISHED", "end_time": now})
print("logged", run)
`), 0o644)
	id := strings.TrimSpace(h.ok("run", "--", python, script))
	if r := h.run("wait", id); r.code != 0 {
		t.Fatalf("the job failed: %d %s\n%s", r.code, r.stderr, h.ok("logs", id))
	}
	var r api.Run
	h.json(&r, "show", id)
	if r.Metrics["loss"].Count != 3 || r.Params["lr"] != "0.1" || r.Runner != "local" || r.Status != api.Succeeded {
		t.Errorf("the job's run: %s by %s, params %v, metrics %v", r.Status, r.Runner, r.Params, r.Metrics)
	}
	for k, v := range r.Env {
		if strings.HasPrefix(k, "MLFLOW_TRACKING_TOKEN") && v != "[redacted]" {
			t.Errorf("the run's record keeps the token: %s=%s", k, v)
		}
	}
}

func TestMLflowEnvWithoutEndpoint(t *testing.T) {
	h := newHome(t)
	r := h.run("mlflow", "env")
	if r.code == 0 || !strings.Contains(r.stderr, "does not serve MLflow") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("mlflow env without the endpoint: %d %q", r.code, r.stderr)
	}
}
