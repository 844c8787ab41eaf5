package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The logs tab in a real terminal over a few MB of output: it opens at the
// end, g goes to the real first line (no longer a tail's fragment), paging
// goes on through the file, and a search finds a line far back, pausing
// the view on it.
func TestLogsInATerminal(t *testing.T) {
	h := newHome(t)
	h.ok("engine", "start", "--gpus", "fake:1")
	id := strings.TrimSpace(h.ok("run", "--name", "biglog", "--", "sh", "-c",
		`echo "first line"; echo "needle far back"; seq 1 150000 | sed 's/.*/output line & of the job, padded to be a little longer/'`))
	h.ok("wait", id)
	env := []string{"LATHE_HOME=" + h.dir, "XDG_CONFIG_HOME=" + filepath.Join(h.dir, "config"), "NO_COLOR=1"}
	tm := newTmux(t, 120, 40, env, lathePath+"; echo app-exited-$?; sleep 30")
	tm.waitFor("lathe › Dashboard")
	tm.keys("2")
	tm.waitFor("lathe › Runs", "biglog")
	tm.keys("Enter")
	tm.waitFor("Runs › biglog", "[overview]")
	tm.keys("l")
	tm.keys("l")
	tm.waitFor("[logs]", "output line 150000 of the job", "following · 8.5 MiB")
	tm.keys("g")
	screen := tm.waitFor("paused at 0% of 8.5 MiB")
	if !strings.Contains(screen, " first line\n") && !strings.Contains(screen, " first line ") {
		t.Errorf("g does not show the first line:\n%s", screen)
	}
	// Pages down: the lines follow on from the first ones.
	for range 4 {
		tm.keys("C-d")
	}
	tm.waitFor("output line 75 of the job")
	// Back to the end, then a search far back: found, marked, paused.
	tm.keys("G")
	tm.waitFor("following · 8.5 MiB")
	tm.keys("/")
	tm.keys("-l", "needle")
	tm.keys("Enter")
	screen = tm.waitFor("›needle far back", "/needle: match at 0%", "paused at 0%")
	if strings.Contains(screen, "output line 150000 ") {
		t.Errorf("the search did not leave the end:\n%s", screen)
	}
	tm.keys("q")
	tm.waitFor("app-exited-0")
}
