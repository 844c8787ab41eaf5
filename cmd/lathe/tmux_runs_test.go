package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Twelve runs of a sweep in a real terminal without colour: compared, the
// legend lists every one with a mark of its own; a run hidden leaves the
// summary; the scatter of the sweep plots lr against the loss and opens
// the run under its cursor.
func TestCompareAndScatterInATerminal(t *testing.T) {
	h := newHome(t)
	h.ok("engine", "start", "--gpus", "fake:2")
	for i := range 12 {
		script := fmt.Sprintf(`echo '{"step": 1, "metrics": {"loss": %g}}' >> "$LATHE_METRICS_FILE"`, 1/float64(i+2))
		h.ok("run", "--name", fmt.Sprintf("sweep-%02d", i), "--param", fmt.Sprintf("lr=0.%03d", i+1), "--", "/bin/sh", "-c", script)
	}
	for i := range 12 {
		h.ok("wait", fmt.Sprintf("sweep-%02d", i))
	}
	env := []string{"LATHE_HOME=" + h.dir, "XDG_CONFIG_HOME=" + filepath.Join(h.dir, "config"), "NO_COLOR=1"}
	tm := newTmux(t, 120, 40, env, lathePath+"; echo app-exited-$?; sleep 30")
	tm.waitFor("lathe › Dashboard")
	tm.keys("2")
	tm.waitFor("lathe › Runs", "12 runs")
	tm.keys("A")
	tm.keys("c")
	tm.waitFor("Compare (12 runs)", "Params")
	tm.keys("l")
	screen := tm.waitFor("[curves]", "sweep-11", "sweep-00")
	marks := map[string]bool{}
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimLeft(line, " ›"))
		for i := 0; i+2 < len(f); i++ {
			if strings.HasPrefix(f[i+2], "sweep-") && len(f[i]) <= 2 && f[i] >= "A" && f[i] <= "L" {
				if marks[f[i+1]] {
					t.Errorf("the mark %q twice:\n%s", f[i+1], screen)
				}
				marks[f[i+1]] = true
			}
		}
	}
	if len(marks) != 12 {
		t.Errorf("%d runs with a mark in the legend, want 12:\n%s", len(marks), screen)
	}
	tm.keys("Space")
	tm.waitFor(" off")
	tm.keys("h")
	tm.waitFor("[summary]", "hidden (space on the curves shows it)")
	tm.keys("Escape")
	tm.waitFor("lathe › Runs")
	tm.keys("Escape") // the marks
	tm.keys("S")
	tm.waitFor("Runs › Scatter (12 runs)", "against lr", "◆")
	tm.keys("l")
	tm.waitFor("◆ sweep-")
	tm.keys("Enter")
	tm.waitFor("[overview]")
	tm.keys("q")
	tm.waitFor("app-exited-0")
}
