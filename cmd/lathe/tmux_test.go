package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxSession runs a command in a real terminal (a tmux session on a
// server of its own), for end-to-end tests of the app.
type tmuxSession struct {
	t      testing.TB
	socket string
}

func newTmux(t testing.TB, w, h int, env []string, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed for the terminal tests (.ci/run installs it)")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("lathe-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	args := []string{"-L", s.socket, "new-session", "-d", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "env"}
	args = append(append(args, env...), "sh", "-c", command)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

// pid is the process the pane runs.
func (s *tmuxSession) pid() int {
	out, err := exec.Command("tmux", "-L", s.socket, "display-message", "-p", "-t", "0", "#{pane_pid}").Output()
	if err != nil {
		s.t.Fatalf("tmux pane pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		s.t.Fatalf("tmux pane pid %q", out)
	}
	return pid
}

func (s *tmuxSession) keys(k ...string) {
	exec.Command("tmux", append([]string{"-L", s.socket, "send-keys", "-t", "0"}, k...)...).Run()
	if k[len(k)-1] == "Escape" {
		// An escape read together with the next key is that key with
		// alt (esc then 3 is alt+3): let the app read it alone.
		time.Sleep(250 * time.Millisecond)
	}
}

// screen is what the terminal shows; withEscapes keeps colour codes.
func (s *tmuxSession) screen(withEscapes bool) string {
	args := []string{"-L", s.socket, "capture-pane", "-p", "-t", "0"}
	if withEscapes {
		args = append(args, "-e")
	}
	out, _ := exec.Command("tmux", args...).Output()
	return string(out)
}

// waitFor waits until the screen shows every string.
func (s *tmuxSession) waitFor(wants ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		screen := s.screen(false)
		missing := ""
		for _, w := range wants {
			if !strings.Contains(screen, w) {
				missing = w
			}
		}
		if missing == "" {
			return screen
		}
		if time.Now().After(deadline) {
			if strings.TrimSpace(screen) == "" {
				// Nothing at all: say whether the terminal is still there.
				out, err := exec.Command("tmux", "-L", s.socket, "list-panes", "-a", "-F", "#{pane_pid} #{pane_dead} #{pane_current_command}").CombinedOutput()
				s.t.Fatalf("the screen never showed %q and is empty; tmux list-panes: %v %s", missing, err, out)
			}
			// One line, so a log that keeps only the lines of failures
			// keeps the screen.
			lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
			for i := range lines {
				lines[i] = strings.TrimRight(lines[i], " ")
			}
			s.t.Fatalf("the screen never showed %q; it shows: %s", missing, strings.Join(lines, " ⏎ "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The demo in a real terminal: the dashboard, help, the runs page from the
// palette, and q stopping everything the demo started.
func TestDemoInATerminal(t *testing.T) {
	h := newHome(t)
	data := filepath.Join(h.dir, "xdg")
	demoHome := filepath.Join(data, "lathe-demo")
	demo := &home{t: t, dir: demoHome, env: append(os.Environ(), "LATHE_HOME="+demoHome, "XDG_CONFIG_HOME="+filepath.Join(h.dir, "config"))}
	// Should the test stop half way, the demo's engine and jobs go too.
	t.Cleanup(demo.cleanup)
	tm := newTmux(t, 120, 40, []string{"XDG_DATA_HOME=" + data, "XDG_CONFIG_HOME=" + filepath.Join(h.dir, "config")},
		lathePath+" demo; echo demo-exited-$?; sleep 30")
	tm.waitFor("lathe › Dashboard", "GPUs", "Fake A100", "resnet-baseline", "waiting for")
	tm.keys("?")
	tm.waitFor("q ends the demo")
	tm.keys("Escape")
	// The runs table, opened from the command palette.
	tm.keys(":")
	tm.waitFor("go to Runs")
	tm.keys("-l", "runs")
	tm.keys("Enter")
	tm.waitFor("lathe › Runs", "bert-finetune")
	// A filter in the language, then two runs marked and compared.
	tm.keys("/")
	tm.keys("-l", "experiment = vision and params.lr >= 0.1")
	tm.keys("Enter")
	tm.waitFor("runs match", "resnet-baseline", "resnet-lr-0.3")
	tm.keys("g")
	tm.keys("Space")
	tm.keys("Space")
	tm.keys("c")
	tm.waitFor("Compare (2 runs)", "Params", "Metrics")
	tm.keys("Escape")
	tm.keys("/")
	tm.keys("Escape")
	// A running run: its live charts, its output, its GPUs over time.
	tm.keys("/")
	tm.keys("-l", "resnet-baseline")
	tm.keys("Enter")
	tm.waitFor("1 run matches") // the engine's answer, before enter opens it
	tm.keys("Enter")
	tm.waitFor("Runs › resnet-baseline", "[overview]", "batch=256")
	tm.keys("l")
	tm.waitFor("[charts]", "acc", "loss", "└")
	tm.keys("l")
	tm.waitFor("[logs]", "synthetic training", "following")
	tm.keys("l")
	tm.waitFor("[system]", "GPU 0 utilisation %", "GPU 1 memory GiB")
	tm.keys("Escape")
	tm.waitFor("lathe › Runs")
	// The GPUs page maps each device's processes to runs; n opens the form.
	tm.keys("3")
	tm.waitFor("lathe › GPUs", "utilisation %", "temperature °C")
	tm.keys("n")
	tm.waitFor("Start a job", "esc cancel")
	tm.keys("Escape")
	tm.waitFor("lathe › GPUs")
	// The registry: the demo's model, its versions, a version's lineage.
	tm.keys("4")
	tm.waitFor("lathe › Models", "digits", "challenger")
	tm.keys("Enter")
	tm.waitFor("Models › digits", "v3", "v2", "v1", "digits-cnn-3")
	tm.keys("Enter")
	tm.waitFor("Models › digits › v3", "Artifact", "sha256", "digits-cnn-3", "Data sets", "digits-train (train)")
	tm.keys("q")
	tm.waitFor("demo-exited-0")
	if pid := demo.enginePID(); pid != 0 && processExists(pid) {
		t.Errorf("q in the demo left its engine (pid %d) running", pid)
	}
}

// The app on a small terminal keeps its frame; NO_COLOR gives no colour;
// q leaves the engine and a running job running.
func TestAppAt80x24(t *testing.T) {
	h := newHome(t)
	h.ok("engine", "start", "--gpus", "fake:2")
	gate := filepath.Join(h.dir, "gate")
	id := strings.TrimSpace(h.ok("run", "--gpus", "1", "--", "sh", "-c", "while [ ! -e "+gate+" ]; do sleep 0.05; done"))
	env := []string{"LATHE_HOME=" + h.dir, "XDG_CONFIG_HOME=" + filepath.Join(h.dir, "config"), "NO_COLOR=1"}
	tm := newTmux(t, 80, 24, env, lathePath+"; echo app-exited-$?; sleep 30")
	screen := tm.waitFor("lathe › Dashboard", "Jobs: 1 running", "q quit")
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "lathe › Dashboard") || !strings.Contains(lines[len(lines)-1], "q quit") {
		t.Errorf("header or footer off screen at 80×24:\n%s", screen)
	}
	if raw := tm.screen(true); strings.Contains(raw, "\x1b[3") || strings.Contains(raw, "\x1b[9") {
		t.Errorf("colour escapes with NO_COLOR:\n%q", raw)
	}
	tm.keys("q")
	tm.waitFor("app-exited-0")
	var r runJSON
	h.json(&r, "show", id)
	if r.Status != "running" {
		t.Errorf("after q in the app the job is %s", r.Status)
	}
	os.WriteFile(gate, nil, 0o644)
	h.ok("wait", id)
}

// A reviewer in a real terminal: the Models page, the model's request, its
// Review page with every gate, then an approval with a comment that makes
// the version the champion.
func TestApproveInATerminal(t *testing.T) {
	h := newHome(t)
	script := `printf 'weights' > model.bin
echo '{"step": 1, "metrics": {"val_acc": 0.93}}' >> "$LATHE_METRICS_FILE"
echo '{"eval": {"slice": "class=0", "metrics": {"acc": 0.9}}}' >> "$LATHE_METRICS_FILE"
echo '{"artifact": {"name": "model", "path": "model.bin"}}' >> "$LATHE_METRICS_FILE"`
	h.ok("run", "--name", "train-1", "--", "/bin/sh", "-c", script)
	h.ok("wait", "train-1")
	h.ok("register", "train-1", "--model", "digits")
	h.ok("promote", "digits", "1", "--comment", "the first one")
	env := []string{"LATHE_HOME=" + h.dir, "XDG_CONFIG_HOME=" + filepath.Join(h.dir, "config")}
	tm := newTmux(t, 120, 40, env, lathePath+"; echo app-exited-$?; sleep 30")
	tm.waitFor("lathe › Dashboard")
	tm.keys("4")
	tm.waitFor("lathe › Models", "digits", "1 open")
	tm.keys("Enter")
	tm.waitFor("Models › digits", "v1", "#1")
	tm.keys("j")
	tm.keys("Enter")
	tm.waitFor("Review v1", "pending", "no champion yet", "approvals 0 of 1")
	tm.keys("a")
	tm.waitFor("comment")
	tm.keys("-l", "looks right")
	tm.keys("Enter")
	tm.waitFor("approve digits v1?")
	tm.keys("y")
	tm.waitFor("promoted")
	tm.keys("q")
	tm.waitFor("app-exited-0")
	var m struct {
		Aliases map[string]int `json:"aliases"`
	}
	h.json(&m, "model", "digits")
	if m.Aliases["champion"] != 1 {
		t.Errorf("after the approval in the app the champion is %v", m.Aliases)
	}
	if out := h.ok("audit", "--model", "digits"); !strings.Contains(out, "approve") || !strings.Contains(out, "promote") {
		t.Errorf("the audit log:\n%s", out)
	}
}
