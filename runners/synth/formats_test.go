package synth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lathe/engine/ingest"
	"lathe/engine/metricline"
	"lathe/engine/tfevents"
	"lathe/store"
)

// expected is each metric's value a step, as every format writes them.
func expected(t *testing.T, j Job) [][]float64 {
	var all [][]float64
	if err := j.steps(func(step int, values []float64) error {
		all = append(all, append([]float64(nil), values...))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return all
}

// Keras's output, read by the engine's --parse auto as the terminal shows
// it, gives one point an epoch: the last step's values, at the epoch's step.
func TestKerasOutputParses(t *testing.T) {
	j := Job{Steps: 45, Metrics: []string{"loss", "accuracy"}, Seed: 3}
	var b strings.Builder
	if err := j.Keras(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\r"); n != 42 {
		t.Errorf("%d carriage returns, want 42 (a redraw a step but the first of each epoch)", n)
	}
	path := filepath.Join(t.TempDir(), "output.log")
	os.WriteFile(path, []byte(b.String()), 0o644)
	tl := ingest.NewTailer(path, store.SourceOutput, store.TailState{}, metricline.ModeAuto)
	defer tl.Close()
	batch, _, err := tl.Read(true)
	if err != nil {
		t.Fatal(err)
	}
	want := expected(t, j)
	for i, m := range j.Metrics {
		got := batch.Metrics[m]
		if len(got) != 3 {
			t.Fatalf("%s: %+v, want 3 epochs", m, got)
		}
		for e, last := range []int{20, 40, 45} {
			if got[e].Step != int64(e) || got[e].Value-want[last-1][i] > 1e-4 || want[last-1][i]-got[e].Value > 1e-4 {
				t.Errorf("%s epoch %d: %+v, want %.4f", m, e+1, got[e], want[last-1][i])
			}
		}
	}
	if batch.Total != 3 || batch.Tail.Invalid != 0 {
		t.Errorf("total %d, invalid %d", batch.Total, batch.Tail.Invalid)
	}
}

// The event file holds the version record, then every metric of every step.
func TestTFEventsFile(t *testing.T) {
	j := Job{Steps: 10, Metrics: []string{"loss", "acc"}, Seed: 2}
	dir := t.TempDir()
	if err := j.TFEvents(dir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "events.out.tfevents.*"))
	if len(files) != 1 {
		t.Fatalf("event files: %v", files)
	}
	raw, _ := os.ReadFile(files[0])
	f := tfevents.Read(raw)
	want := expected(t, j)
	if f.Version != "brain.Event:2" || f.Corrupt != 0 || len(f.Scalars) != 20 {
		t.Fatalf("file: version %q, %d corrupt, %d scalars", f.Version, f.Corrupt, len(f.Scalars))
	}
	for k, s := range f.Scalars {
		step, i := k/2, k%2
		if s.Tag != j.Metrics[i] || s.Step != int64(step+1) || s.Value != float64(float32(want[step][i])) {
			t.Errorf("scalar %d: %+v, want %s at %d = %v", k, s, j.Metrics[i], step+1, want[step][i])
		}
	}
}
