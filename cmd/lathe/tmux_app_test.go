package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The demo in a real terminal: its first frame comes at once, while its
// engine starts; then, from the dashboard, a running job is selected,
// enter opens it and x kills it after a question; the footer says q stops
// the demo's jobs.
func TestDemoFirstFrameAndDashboardActions(t *testing.T) {
	h := newHome(t)
	data := filepath.Join(h.dir, "xdg")
	demoHome := filepath.Join(data, "lathe-demo")
	demo := &home{t: t, dir: demoHome, env: append(os.Environ(), "LATHE_HOME="+demoHome, "XDG_CONFIG_HOME="+filepath.Join(h.dir, "config"))}
	t.Cleanup(demo.cleanup)
	start := time.Now()
	tm := newTmux(t, 120, 40, []string{"XDG_DATA_HOME=" + data, "XDG_CONFIG_HOME=" + filepath.Join(h.dir, "config")},
		lathePath+" demo; echo demo-exited-$?; sleep 30")
	tm.waitFor("lathe › Dashboard")
	first := time.Since(start)
	t.Logf("the demo's first frame after %v", first.Round(time.Millisecond))
	// Before, the screen stayed blank for the seconds the engine took to
	// start and the model's runs to end; tmux itself takes a little.
	if first > time.Second {
		t.Errorf("the demo's first frame took %v", first)
	}
	// The cursor onto resnet-baseline, which runs for minutes: the
	// demo's model's short runs start and end meanwhile.
	tm.waitFor("Jobs:", "● resnet-baseline", "q quit (stops the demo's jobs)")
	name := ""
	for range 10 {
		if name = selectedJob(t, tm.screen(false)); name == "resnet-baseline" {
			break
		}
		tm.keys("j")
		time.Sleep(100 * time.Millisecond)
	}
	if name != "resnet-baseline" {
		t.Fatalf("j never reached resnet-baseline:\n%s", tm.screen(false))
	}
	tm.keys("Enter")
	tm.waitFor("lathe › Runs › "+name, "[overview]")
	tm.keys("1")
	tm.waitFor("lathe › Dashboard", "›● "+name)
	tm.keys("x")
	tm.waitFor("kill " + name + "? y/n")
	tm.keys("y")
	tm.waitFor("killing " + name)
	tm.keys("q")
	tm.waitFor("demo-exited-0")
	if pid := demo.enginePID(); pid != 0 && processExists(pid) {
		t.Errorf("q in the demo left its engine (pid %d) running", pid)
	}
}

// selectedJob is the name of the running job under the dashboard's
// cursor, "" when the cursor is on another row.
func selectedJob(t *testing.T, screen string) string {
	t.Helper()
	for _, l := range strings.Split(screen, "\n") {
		if rest, ok := strings.CutPrefix(l, "›● "); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return f[0]
			}
		}
	}
	return ""
}
