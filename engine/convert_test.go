package engine

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/store"
)

// What clients see of a run is mapped from its record: the runner's handle
// stays in the engine, every other field carries over, and the JSON keys
// of a run are the contract's, whatever the record gains.
func TestRunCrossesTheEdge(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	code := 3
	rec := &store.Run{ID: "a1b2c3d4e5f6", Name: "n", Experiment: "e", Status: store.Failed, Reason: "exit code 3",
		ExitCode: &code, Signal: "SIGTERM", Command: []string{"python3", "t.py"}, Cwd: "/w", Env: map[string]string{"A": "1"},
		Params: map[string]string{"lr": "0.1"}, Tags: map[string]string{"t": "v"}, Priority: 2, GPUs: 1, GPUIDs: []int{1},
		MinGPUMem: 1 << 30, Devices: []int{1}, Usage: &store.GPUUsage{GPUHours: 1.5, Samples: 3, Through: now},
		After: "ffffffffffff", Parse: "kv", TensorBoard: "/w/tb", WandB: true, Runner: "local", Key: "k", Git: &store.Git{Commit: "abc", Dirty: true}, User: "u",
		Host: "h", Dir: "/d", Created: now, Started: &now, Ended: &now, Total: 10,
		Evals:     map[string]map[string]store.Float{"class=1": {"acc": store.Float(math.NaN())}},
		Artifacts: []store.Artifact{{Name: "model", Path: "m.pt"}}, KillRequested: true, Deleted: &now,
		Datasets: []store.Dataset{{Name: "train", Path: "t.csv", Abs: "/w/t.csv", Role: "train", Kind: "file", Size: 9,
			Modified: now, SHA256: "ab", Partial: true}},
		Handle: []byte(`{"shim_pid":1}`)}
	v := apiRun(rec)
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "handle") || strings.Contains(string(raw), "shim_pid") {
		t.Errorf("the runner's handle reached the wire: %s", raw)
	}
	// Every exported field of the record but the handle has its
	// counterpart.
	rt := reflect.TypeOf(*rec)
	vt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		name := rt.Field(i).Name
		if name == "Handle" || !rt.Field(i).IsExported() {
			continue
		}
		if _, ok := vt.FieldByName(name); !ok {
			t.Errorf("store.Run.%s has no counterpart in api.Run", name)
		}
	}
	if v.Status != api.Failed || *v.ExitCode != 3 || v.Usage.GPUHours != 1.5 || !v.Git.Dirty || v.Artifacts[0].Path != "m.pt" ||
		!math.IsNaN(float64(v.Evals["class=1"]["acc"])) || v.Runner != "local" || v.Deleted == nil ||
		len(v.Datasets) != 1 || v.Datasets[0] != api.Dataset(rec.Datasets[0]) {
		t.Errorf("mapped run: %+v", v)
	}
	// The keys clients read.
	var keys map[string]json.RawMessage
	json.Unmarshal(raw, &keys)
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	})
	want := []string{"after", "artifacts", "command", "created", "cwd", "datasets", "deleted", "devices", "dir", "ended", "env",
		"evals", "exit_code", "experiment", "git", "gpu_ids", "gpus", "host", "id", "invalid_lines", "key", "kill_requested",
		"metrics", "min_gpu_mem", "name", "params", "parse", "priority", "reason", "runner", "signal", "started",
		"status", "tags", "tensorboard", "total", "usage", "user", "wandb"}
	if !slices.Equal(got, want) {
		t.Errorf("a run's keys on the wire:\n got %v\nwant %v", got, want)
	}
}
