package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
)

// lathe metrics RUN lists a run's metrics; a shell completes their names
// after the run.
func TestMetricsListAndCompletion(t *testing.T) {
	h := newHome(t)
	id := strings.TrimSpace(h.ok("run", "--name", "m", "--", "sh", "-c",
		`for i in 0 1 2; do echo "{\"step\": $i, \"metrics\": {\"loss\": $((3-i)), \"acc\": 0.$i}}" >> $LATHE_METRICS_FILE; done`))
	h.ok("wait", id)
	want := "METRIC  LAST  MIN  MAX  COUNT  LAST STEP\n" +
		"acc     0.2   0    0.2  3      2\n" +
		"loss    1     1    3    3      2\n"
	if got := h.ok("metrics", "m"); got != want {
		t.Errorf("metrics m:\n%s\nwant\n%s", got, want)
	}
	var rows []struct {
		Name     string  `json:"name"`
		Last     float64 `json:"last"`
		Count    int64   `json:"count"`
		LastStep int64   `json:"last_step"`
	}
	h.json(&rows, "metrics", id)
	if len(rows) != 2 || rows[1].Name != "loss" || rows[1].Last != 1 || rows[1].Count != 3 || rows[1].LastStep != 2 {
		t.Errorf("metrics --json: %+v", rows)
	}
	// One metric's points, as before.
	if got := h.ok("metrics", "m", "loss"); strings.Count(got, "\n") != 4 {
		t.Errorf("metrics m loss:\n%s", got)
	}
	comp := h.ok("__complete", "metrics", "m", "l")
	if !strings.HasPrefix(comp, "loss\tlast 1\n") || strings.Contains(comp, "acc") {
		t.Errorf("completion after a run:\n%s", comp)
	}
	if comp := h.ok("__complete", "metrics", "m", ""); !strings.Contains(comp, "acc\t") || !strings.Contains(comp, "loss\t") {
		t.Errorf("completion of every metric:\n%s", comp)
	}
}

// lathe kill takes several runs, or a filter (asking first when it selects
// more than one).
func TestKillSeveralAndByFilter(t *testing.T) {
	h := newHome(t)
	start := func(name, exp string) string {
		return strings.TrimSpace(h.ok("run", "--name", name, "--exp", exp, "--", "sleep", "600"))
	}
	a, b := start("a", "one"), start("b", "one")
	c, d := start("c", "sweep"), start("d", "sweep")
	for _, id := range []string{a, b, c, d} {
		waitStatusCLI(t, h, id, "running")
	}
	// A typo among the names kills none of them.
	if r := h.run("kill", "a", "nosuch"); r.code == 0 || !strings.Contains(r.stderr, "nosuch") {
		t.Fatalf("kill with an unknown run: %d %q", r.code, r.stderr)
	}
	waitStatusCLI(t, h, a, "running")
	if out := h.ok("kill", "--now", "a", "b"); out != a+" killed\n"+b+" killed\n" {
		t.Errorf("kill a b printed %q", out)
	}
	// One already ended: said, and the others are killed all the same.
	e := start("e", "one")
	waitStatusCLI(t, h, e, "running")
	if r := h.run("kill", "--now", "a", "e"); r.code == 0 || !strings.Contains(r.stderr, "already ended") || r.stdout != e+" killed\n" {
		t.Errorf("kill of an ended run and a running one: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// Two runs selected, no terminal to ask on: nothing is killed.
	r := h.run("kill", "--filter", "experiment = sweep")
	if r.code == 0 || !strings.Contains(r.stderr, "kill 2 runs (d, c)?") || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("kill --filter without --yes: %d %q", r.code, r.stderr)
	}
	waitStatusCLI(t, h, c, "running")
	out := h.ok("kill", "--now", "--yes", "--filter", "experiment = sweep")
	if !strings.Contains(out, c+" killed\n") || !strings.Contains(out, d+" killed\n") {
		t.Errorf("kill --filter --yes printed %q", out)
	}
	if out := h.ok("kill", "--filter", "experiment = sweep"); out != "no queued or running run matches: nothing killed\n" {
		t.Errorf("kill --filter with nothing left: %q", out)
	}
	if r := h.run("kill", "a", "--filter", "experiment = one"); r.code == 0 {
		t.Error("kill with names and a filter accepted")
	}
}

func waitStatusCLI(t *testing.T, h *home, id, status string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var r runJSON
		h.json(&r, "show", id)
		if r.Status == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s is %s, not %s", id, r.Status, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lathe runs and ps into a pipe or a file keep every value whole; only a
// terminal's listing is cut to fit.
func TestListingsWholeWhenNotATerminal(t *testing.T) {
	h := newHome(t)
	id := strings.TrimSpace(h.ok("run", "--name", "wide", "--", "sh", "-c",
		`echo '{"step": 0, "metrics": {"validation_accuracy_top1": 0.91, "validation_accuracy_top5": 0.99, "training_loss_smoothed": 0.123}}' >> $LATHE_METRICS_FILE`))
	h.ok("wait", id)
	whole := "training_loss_smoothed=0.123 validation_accuracy_top1=0.91 validation_accuracy_top5=0.99"
	if out := h.ok("runs"); !strings.Contains(out, whole) || strings.Contains(out, "…") {
		t.Errorf("runs into a pipe cut its values:\n%s", out)
	}
	cols, err := parseColumns(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var run api.Run
	h.json(&run, "show", id)
	var term strings.Builder
	printRuns(&term, []api.Run{run}, cols, time.Now())
	if strings.Contains(term.String(), whole) || !strings.Contains(term.String(), "…") {
		t.Errorf("runs on a terminal not cut:\n%s", term.String())
	}
}

// lathe doctor ticks the config file it read, and only one that exists.
func TestDoctorConfigFile(t *testing.T) {
	h := newHome(t)
	configOf := func() check {
		t.Helper()
		r := h.run("doctor", "--json")
		var checks []check
		if err := json.Unmarshal([]byte(r.stdout), &checks); err != nil {
			t.Fatalf("doctor --json: %v\n%s", err, r.stdout)
		}
		for _, c := range checks {
			if c.Name == "config" {
				return c
			}
		}
		t.Fatalf("doctor has no config line:\n%s", r.stdout)
		return check{}
	}
	path := filepath.Join(h.dir, "config", "lathe", "config.toml")
	if c := configOf(); c.Status != "info" || !strings.Contains(c.Detail, "no file") || !strings.Contains(c.Detail, path) {
		t.Errorf("doctor with no config file: %+v", c)
	}
	if out := h.run("doctor").stdout; !strings.Contains(out, "-  config  no file") {
		t.Errorf("doctor ticks a missing config:\n%s", out)
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("[jobs]\nkill_grace = \"3s\"\n"), 0o644)
	if c := configOf(); c.Status != "ok" || c.Detail != path {
		t.Errorf("doctor with a config file: %+v", c)
	}
}

// A job that did steps 0 to 399 of 400 and succeeded shows as done.
func TestFinalStepShowsDone(t *testing.T) {
	h := newHome(t)
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c",
		`echo '{"total": 400}' >> $LATHE_METRICS_FILE; i=0; while [ $i -lt 400 ]; do echo "{\"step\": $i, \"metrics\": {\"loss\": 1}}"; i=$((i+1)); done >> $LATHE_METRICS_FILE`))
	h.ok("wait", id)
	if out := h.ok("show", id); !strings.Contains(out, "progress     400/400\n") {
		t.Errorf("show of a finished run:\n%s", out)
	}
}

// One 250-character metric name is printed whole on a line of its own; the
// other rows of `lathe show` keep their width.
func TestLongMetricNameWidensNothing(t *testing.T) {
	h := newHome(t)
	long := strings.Repeat("n", 250)
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", `i=0; while [ $i -lt 200 ]; do printf '{"step": 1, "metrics": {"m%03d": 1}}\n' $i >> "$LATHE_METRICS_FILE"; i=$((i+1)); done
echo '{"step": 1, "metrics": {"`+long+`": 2}}' >> "$LATHE_METRICS_FILE"`))
	h.ok("wait", id)
	out := h.ok("show", id)
	if !strings.Contains(out, "\n"+long+"\n") {
		t.Errorf("the long name is not whole on its own line:\n%.2000s", out)
	}
	if len(out) > 40_000 {
		t.Errorf("show printed %d bytes for 201 metrics", len(out))
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "m1") && len(line) > 80 {
			t.Errorf("a short name's row is %d wide: %q", len(line), line)
			break
		}
	}
}

// lathe store salvage: refused while an engine runs; on a stopped one, a
// damaged store is kept aside and replaced by what could be read of it.
func TestStoreSalvageCommand(t *testing.T) {
	h := newHome(t)
	for i := range 3 {
		h.ok("wait", strings.TrimSpace(h.ok("run", "--name", fmt.Sprint("r", i), "--", "sh", "-c",
			`i=0; while [ $i -lt 500 ]; do echo "{\"step\": $i, \"metrics\": {\"loss\": $i}}"; i=$((i+1)); done >> "$LATHE_METRICS_FILE"`)))
	}
	if r := h.run("store", "salvage"); r.code == 0 || !strings.Contains(r.stderr, "stop it first") {
		t.Errorf("salvage with an engine running: exit %d, %q", r.code, r.stderr)
	}
	h.ok("engine", "stop")
	out := h.ok("store", "salvage", "--replace")
	if !strings.Contains(out, "the old store is kept as") || !strings.Contains(out, "0 buckets could not be read to their end, 0 problems") {
		t.Errorf("salvage of a whole store:\n%s", out)
	}
	var runs []api.Run
	h.json(&runs, "runs")
	if len(runs) != 3 || runs[0].Metrics["loss"].Count != 500 {
		t.Errorf("after salvage: %d runs", len(runs))
	}
}

// lathe store backup writes a whole store while the engine runs; stopped,
// the backup put in lathe.db's place is the store as it was.
func TestStoreBackupCommand(t *testing.T) {
	h := newHome(t)
	id := strings.TrimSpace(h.ok("run", "--name", "before", "--", "sh", "-c", `echo '{"step": 1, "metrics": {"x": 1}}' >> "$LATHE_METRICS_FILE"`))
	h.ok("wait", id)
	out := h.ok("store", "backup")
	path := strings.Fields(strings.TrimPrefix(out, "backed up the store to "))[0]
	if !strings.HasPrefix(path, filepath.Join(h.dir, "backups", "lathe-")) {
		t.Fatalf("backup said %q", out)
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	var res api.BackupResult
	h.json(&res, "store", "backup", "--to", to)
	if res.Path != to || res.Bytes == 0 {
		t.Errorf("backup --to: %+v", res)
	}
	h.ok("wait", strings.TrimSpace(h.ok("run", "--name", "after", "--", "true")))
	h.ok("engine", "stop")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(h.dir, "lathe.db"), raw, 0o600)
	var runs []api.Run
	h.json(&runs, "runs")
	if len(runs) != 1 || runs[0].Name != "before" || runs[0].Metrics["x"].Count != 1 {
		t.Errorf("the store from the backup: %+v", runs)
	}
}

// lathe store rebuild: a store destroyed while jobs ran is made again from
// the run folders; ended runs come back as they were, a running job is
// found again and its points are stored exactly once, a queued one is
// marked lost with the way to start it again.
func TestStoreRebuildCommand(t *testing.T) {
	h := newHome(t)
	done := strings.TrimSpace(h.ok("run", "--name", "done", "--param", "given=1", "--", "sh", "-c",
		`echo '{"params": {"lr": 0.1}}' >> "$LATHE_METRICS_FILE"
		echo '{"eval": {"slice": "all", "metrics": {"acc": 0.9}}}' >> "$LATHE_METRICS_FILE"
		i=0; while [ $i -lt 500 ]; do echo "{\"step\": $i, \"metrics\": {\"loss\": $i}}"; i=$((i+1)); done >> "$LATHE_METRICS_FILE"
		echo 'loss=7 not-a-metric-line'`))
	failed := strings.TrimSpace(h.ok("run", "--name", "failed", "--", "sh", "-c", `echo '{"step": 1, "metrics": {"x": 1}}'; exit 3`))
	h.ok("wait", done)
	h.run("wait", failed)
	killed := strings.TrimSpace(h.ok("run", "--name", "killed", "--", "sleep", "600"))
	waitStatusCLI(t, h, killed, "running")
	h.ok("kill", "--now", killed)
	waitStatusCLI(t, h, killed, "killed")
	goOn := filepath.Join(t.TempDir(), "go-on")
	live := strings.TrimSpace(h.ok("run", "--name", "live", "--", "sh", "-c",
		`i=0; while [ $i -lt 100 ]; do echo "{\"step\": $i, \"metrics\": {\"y\": $i}}"; i=$((i+1)); done >> "$LATHE_METRICS_FILE"
		while [ ! -e `+goOn+` ]; do sleep 0.05; done
		while [ $i -lt 200 ]; do echo "{\"step\": $i, \"metrics\": {\"y\": $i}}"; i=$((i+1)); done >> "$LATHE_METRICS_FILE"`))
	later := strings.TrimSpace(h.ok("run", "--name", "later", "--after", live, "--", "true"))
	waitStatusCLI(t, h, live, "running")
	var before []api.Run
	h.json(&before, "runs")

	h.ok("engine", "stop")
	db := filepath.Join(h.dir, "lathe.db")
	if err := os.WriteFile(db, bytes.Repeat([]byte("garbage!"), 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := h.run("ps"); r.code == 0 || !strings.Contains(r.stderr, "lathe store rebuild") {
		t.Errorf("ps on a destroyed store: exit %d, %q", r.code, r.stderr)
	}
	out := h.ok("store", "rebuild")
	for _, want := range []string{"the old store is kept as " + db + ".damaged-", "5 runs, 601 points",
		"1 run running or handed to Slurm", "1 run queued, now lost"} {
		if !strings.Contains(out, want) {
			t.Errorf("rebuild said:\n%s\nwithout %q", out, want)
		}
	}
	if aside, _ := filepath.Glob(db + ".damaged-*"); len(aside) != 1 {
		t.Errorf("the damaged store kept aside: %v", aside)
	}
	what := func(r api.Run) string {
		return fmt.Sprintf("%s %q exit %d, started %s, ended %s, params %v, evals %v, metrics %v, %d invalid lines",
			r.Status, r.Reason, *r.ExitCode, r.Started, r.Ended, r.Params, r.Evals, r.Metrics, r.InvalidLines)
	}
	var after []api.Run
	h.json(&after, "runs")
	byID := map[string]api.Run{}
	for _, r := range after {
		byID[r.ID] = r
	}
	for _, b := range before {
		a, ok := byID[b.ID]
		switch {
		case !ok:
			t.Errorf("run %s is not back", b.Name)
		case b.ID == later || b.ID == live:
		case what(a) != what(b):
			t.Errorf("run %s was\n%s\nis\n%s", b.Name, what(b), what(a))
		}
	}
	if r := byID[later]; r.Status != api.Lost || !strings.Contains(r.Reason, "lathe rerun") {
		t.Errorf("the queued run after the rebuild: %s %q", r.Status, r.Reason)
	}
	if err := os.WriteFile(goOn, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.ok("wait", live)
	var r api.Run
	h.json(&r, "show", live)
	if y := r.Metrics["y"]; r.Status != api.Succeeded || y.Count != 200 || y.LastStep != 199 {
		t.Errorf("the job that ran through the rebuild: %s, %+v", r.Status, y)
	}
	if r := h.run("store", "rebuild"); r.code == 0 || !strings.Contains(r.stderr, "stop it first") {
		t.Errorf("rebuild with an engine running: exit %d, %q", r.code, r.stderr)
	}
}
