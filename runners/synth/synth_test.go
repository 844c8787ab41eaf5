package synth

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"lathe/engine/metricline"
)

// What the job writes is what the engine reads: a total, then one line a
// step with every metric, losses falling and accuracies rising; diverging
// ends in NaN; the log says how far it is.
func TestLinesParse(t *testing.T) {
	var out, log bytes.Buffer
	j := Job{Steps: 40, Metrics: []string{"loss", "acc", "lr"}, Seed: 3, LogEvery: 10, Diverge: true}
	if err := j.Run(&out, &log); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 41 {
		t.Fatalf("%d lines, want 41", len(lines))
	}
	first, err := metricline.ParseLine([]byte(lines[0]))
	if err != nil || first.Total != 40 {
		t.Fatalf("first line %q: %+v %v", lines[0], first, err)
	}
	var acc []float64
	for i, l := range lines[1:] {
		rec, err := metricline.ParseLine([]byte(l))
		if err != nil || !rec.HasStep || rec.Step != int64(i+1) || len(rec.Metrics) != 3 || !rec.HasTime {
			t.Fatalf("line %d %q: %+v %v", i+1, l, rec, err)
		}
		acc = append(acc, rec.Metrics[1].Value)
		if i == 39 && !math.IsNaN(rec.Metrics[0].Value) {
			t.Errorf("a diverged loss ends in NaN, not %v", rec.Metrics[0].Value)
		}
	}
	if acc[39] <= acc[0] {
		t.Errorf("accuracy did not rise: %v → %v", acc[0], acc[39])
	}
	if got := strings.Count(log.String(), "\n"); got != 5 || !strings.Contains(log.String(), "step 40/40") {
		t.Errorf("log: %q", log.String())
	}
}
