package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lathe/engine/api"
)

var fixtures = filepath.Join("..", "..", "..", "shared", "fixtures")

func TestImportMlrunsCommand(t *testing.T) {
	h := newHome(t)
	store, _ := filepath.Abs(filepath.Join(fixtures, "mlruns", "silver6wings-MLFlowSample"))
	out := h.ok("import", "mlruns", store)
	if !strings.HasPrefix(out, "imported 38 runs (54 points) in 1 experiment, 4 models with 8 versions") || !strings.Contains(out, "0 problems") {
		t.Errorf("first import says %q", out)
	}
	out = h.ok("import", "mlruns", store)
	if !strings.Contains(out, "38 runs and 8 versions were imported before") {
		t.Errorf("second import says %q", out)
	}
	var runs []api.Run
	h.json(&runs, "runs")
	if len(runs) != 38 {
		t.Errorf("%d runs listed", len(runs))
	}
	var m api.Model
	h.json(&m, "model", "sk-learn-random-forest-reg-model")
	if len(m.Versions) != 4 || m.Versions[0].Tags["mlflow.stage"] != "Production" {
		t.Errorf("model = %d versions, newest tags %v", len(m.Versions), m.Versions[0].Tags)
	}
	r := h.run("import", "mlruns", t.TempDir())
	if r.code == 0 || !strings.Contains(r.stderr, "not an MLflow file store") {
		t.Errorf("an empty folder: %d %q", r.code, r.stderr)
	}
}

func TestImportTfeventsCommand(t *testing.T) {
	h := newHome(t)
	file, _ := filepath.Abs(filepath.Join(fixtures, "tfevents", "events.out.tfevents.1661684667.applepie4"))
	if out := h.ok("import", "tfevents", file, "--exp", "tb"); out != "imported 1 run (10 points) from 1 event file; 0 problems\n" {
		t.Errorf("import says %q", out)
	}
	if out := h.ok("import", "tfevents", file, "--exp", "tb"); !strings.Contains(out, "1 run was imported before") {
		t.Errorf("second import says %q", out)
	}
	var runs []api.Run
	h.json(&runs, "runs", "--exp", "tb")
	if len(runs) != 1 || len(runs[0].Metrics) != 1 {
		t.Errorf("runs = %+v", runs)
	}
	if r := h.run("import", "tfevents", filepath.Join(h.dir, "nothing")); r.code == 0 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("a missing path: %d %q", r.code, r.stderr)
	}
	// Garbage named as an event file: listed, and the import fails.
	junk := filepath.Join(t.TempDir(), "events.out.tfevents.1.junk")
	os.WriteFile(junk, []byte(strings.Repeat("not a record ", 100)), 0o644)
	if r := h.run("import", "tfevents", junk); r.code != 1 || !strings.Contains(r.stdout, junk+": not a TFRecord file") ||
		!strings.Contains(r.stderr, "nothing could be imported") {
		t.Errorf("garbage: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
}
