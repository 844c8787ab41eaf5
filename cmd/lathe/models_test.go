package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// modelJSON is what `lathe model NAME --json` promises scripts.
type modelJSON struct {
	Aliases  map[string]int `json:"aliases"`
	Versions []struct {
		Version  int    `json:"version"`
		Run      string `json:"run"`
		Artifact struct {
			SHA256 string `json:"sha256"`
			Size   int64  `json:"size"`
		} `json:"artifact"`
		RegisteredBy string `json:"registered_by"`
		Registered   string `json:"registered"`
	} `json:"versions"`
}

// oneLineError checks a failed command said one line naming want.
func oneLineError(t *testing.T, r result, want string) {
	t.Helper()
	if r.code == 0 || strings.Count(strings.TrimRight(r.stderr, "\n"), "\n") != 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr %q: want one line saying %q", r.code, r.stderr, want)
	}
}

func TestRegistryFromTheCommandLine(t *testing.T) {
	h := newHome(t)
	if out := h.ok("models"); !strings.Contains(out, "no models yet") {
		t.Errorf("models on a fresh directory: %q", out)
	}
	script := `printf 'weights' > model.bin
echo '{"step": 1, "metrics": {"val_acc": 0.93}}' >> "$LATHE_METRICS_FILE"
echo '{"artifact": {"name": "model", "path": "model.bin"}}' >> "$LATHE_METRICS_FILE"`
	h.ok("run", "--name", "train-1", "--param", "lr=0.01", "--", "/bin/sh", "-c", script)
	h.ok("wait", "train-1")

	out := h.ok("register", "train-1", "--model", "digits", "--description", "first")
	if !strings.Contains(out, "registered digits version 1 from run train-1") {
		t.Errorf("register said %q", out)
	}
	path := strings.TrimSpace(h.ok("model", "path", "digits@1"))
	if got, err := os.ReadFile(path); err != nil || string(got) != "weights" {
		t.Fatalf("model path %s: %q %v", path, got, err)
	}
	outDir := filepath.Join(t.TempDir(), "serving")
	h.ok("model", "get", "digits@latest", "--out", outDir)
	if got, err := os.ReadFile(filepath.Join(outDir, "model")); err != nil || string(got) != "weights" {
		t.Fatalf("model get: %q %v", got, err)
	}

	h.ok("alias", "set", "digits", "challenger", "1")
	if out := h.ok("__complete", "model", "path", "digits@"); !strings.Contains(out, "digits@challenger\tv1") || !strings.Contains(out, "digits@1") {
		t.Errorf("completion of digits@: %q", out)
	}
	if out := h.ok("__complete", "lineage", "di"); !strings.Contains(out, "digits\t1 version") {
		t.Errorf("completion of a model: %q", out)
	}
	oneLineError(t, h.run("alias", "set", "digits", "champion", "1"), "only a completed promotion moves it")
	oneLineError(t, h.run("alias", "set", "digits", "latest", "1"), "reserved")
	oneLineError(t, h.run("alias", "set", "digits", "x", "one"), "not a number")
	oneLineError(t, h.run("model", "path", "digits@nope"), `no alias "nope"`)
	oneLineError(t, h.run("model", "path", "digits"), "MODEL@VERSION")
	oneLineError(t, h.run("model", "nosuch"), "not found")
	oneLineError(t, h.run("register", "train-1", "--model", "digits", "--artifact", "nothing.pt"), "no such file")
	oneLineError(t, h.run("register", "train-1"), "--model is required")

	var m modelJSON
	h.json(&m, "model", "digits")
	if m.Aliases["challenger"] != 1 || len(m.Versions) != 1 || m.Versions[0].Version != 1 || m.Versions[0].Run == "" ||
		len(m.Versions[0].Artifact.SHA256) != 64 || m.Versions[0].Artifact.Size != 7 || m.Versions[0].RegisteredBy == "" || m.Versions[0].Registered == "" {
		t.Errorf("model --json = %+v", m)
	}
	var models []struct {
		Name    string         `json:"name"`
		Aliases map[string]int `json:"aliases"`
		Latest  struct {
			Version int `json:"version"`
		} `json:"latest"`
	}
	h.json(&models, "models")
	if len(models) != 1 || models[0].Name != "digits" || models[0].Latest.Version != 1 || models[0].Aliases["challenger"] != 1 {
		t.Errorf("models --json = %+v", models)
	}
	if out := h.ok("lineage", "digits", "1"); !strings.Contains(out, "run train-1") || !strings.Contains(out, "params    lr=0.01") {
		t.Errorf("lineage:\n%s", out)
	}

	out = h.ok("rerun", "train-1", "--param", "lr=0.02")
	if !strings.Contains(out, "param lr: 0.01 → 0.02") || !strings.Contains(out, "a re-run of train-1") {
		t.Errorf("rerun said %q", out)
	}
	var runs []runJSON
	h.json(&runs, "runs", "--filter", "tags.rerun_of ~ \".\"")
	if len(runs) != 1 {
		t.Fatalf("re-runs: %+v", runs)
	}
	h.ok("wait", runs[0].ID)

	oneLineError(t, h.run("model", "rm", "digits", "1"), "challenger")
	h.ok("model", "rm", "digits", "1", "--force")
	if out := h.ok("register", "train-1", "--model", "digits"); !strings.Contains(out, "version 2") {
		t.Errorf("after removing v1, register said %q", out)
	}
	m = modelJSON{}
	h.json(&m, "model", "digits")
	if len(m.Versions) != 1 || m.Versions[0].Version != 2 || len(m.Aliases) != 0 {
		t.Errorf("after rm: %+v", m)
	}
}
