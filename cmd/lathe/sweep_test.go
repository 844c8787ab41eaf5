package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lathe/engine/api"
)

// A sweep of the real PyTorch example through the engine: 8 trials, 2 at
// a time, ASHA stopping the weak ones; the engine is killed mid-sweep and
// the sweep still ends with exactly 8 trials, none started twice; the
// best is registered as a model version.
func TestSweepTrainDigits(t *testing.T) {
	py := pythonWithTorch(t)
	h := newHome(t)
	script, _ := filepath.Abs("../../runners/examples/train_digits.py")
	file := filepath.Join(h.dir, "digits.toml")
	os.WriteFile(file, []byte(fmt.Sprintf(`name = "digits-lr"
experiment = "digits"
command = [%q, %q, "--epochs", "6", "--lr", "{lr}", "--hidden", "{hidden}"]
metric = "val_acc"
direction = "max"
method = "tpe"
trials = 8
parallel = 2
seed = 7
[params]
lr = { distribution = "log_uniform", min = 1e-5, max = 1e-1 }
hidden = { values = [16, 64] }
[early_stop]
method = "asha"
min_steps = 2
reduction = 2
`, py, script)), 0o644)
	id := strings.TrimSpace(h.ok("sweep", "start", file))
	var s api.Sweep
	// Killed once two trials have ended.
	deadline := time.Now().Add(3 * time.Minute)
	for killed := false; s.State != api.SweepDone; {
		if time.Now().After(deadline) {
			t.Fatalf("sweep not done: %s", h.ok("sweep", "show", id))
		}
		time.Sleep(200 * time.Millisecond)
		s = api.Sweep{}
		h.json(&s, "sweep", "show", id)
		if s.Running > 2 {
			t.Errorf("%d trials at once", s.Running)
		}
		if !killed && s.Done+s.Stopped+s.Failed >= 2 && s.Running > 0 {
			syscall.Kill(h.enginePID(), syscall.SIGKILL)
			killed = true
		}
	}
	var runs []api.Run
	h.json(&runs, "runs", "--filter", `tags.sweep_id = "`+id+`"`)
	if len(s.Trials) != 8 || len(runs) != 8 {
		t.Fatalf("%d trials, %d runs:\n%s", len(s.Trials), len(runs), h.ok("sweep", "show", id))
	}
	if s.Stopped == 0 || s.Failed != 0 || s.Best == nil {
		t.Errorf("early stopping stopped none, or trials failed:\n%s", h.ok("sweep", "show", id))
	}
	for _, tr := range s.Trials {
		if tr.State == api.TrialStopped && !strings.HasPrefix(tr.Reason, "stopped early at step ") {
			t.Errorf("trial %d stopped with %q", tr.Trial, tr.Reason)
		}
	}
	out := h.ok("sweep", "best", id, "--register", "digits")
	if !strings.Contains(out, "registered digits version 1 from run "+s.Best.Name) {
		t.Errorf("register the best: %q", out)
	}
	if out := h.ok("sweeps"); !strings.Contains(out, "digits-lr") || !strings.Contains(out, "done") {
		t.Errorf("sweeps:\n%s", out)
	}
}

// A bad sweep file: every problem, one line each, and no sweep.
func TestSweepStartRefusesABadFile(t *testing.T) {
	h := newHome(t)
	file := filepath.Join(h.dir, "bad.toml")
	os.WriteFile(file, []byte(`command = ["python3", "train.py", "--lr", "{lr}", "--drop", "{dropout}"]
metric = "val_acc"
direction = "up"
[params]
lr = { distribution = "log_uniform", min = 0.1, max = 0.01 }
`), 0o644)
	r := h.run("sweep", "start", file)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code == 0 || len(lines) < 3 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"direction", "params.lr", "{dropout}"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("no line about %s:\n%s", want, r.stderr)
		}
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "lathe: bad.toml: ") {
			t.Errorf("line %q", l)
		}
	}
	if r := h.run("sweep", "start", filepath.Join(h.dir, "none.toml")); r.code == 0 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("a missing file: %d %q", r.code, r.stderr)
	}
	if out := h.ok("sweeps"); !strings.Contains(out, "no sweeps yet") {
		t.Errorf("sweeps after refusals: %q", out)
	}
}
