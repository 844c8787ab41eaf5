package main

import (
	"strings"
	"testing"
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
