package engine

import (
	"testing"

	"lathe/engine/api"
	"lathe/runners/memory"
)

// A re-run has a name of its own, so `lathe show NAME` finds one run:
// bert, bert-2, bert-3…, counted on from a re-run of a re-run, past a
// name a user took.
func TestRerunNamesAreUnique(t *testing.T) {
	e := openEngineWith(t, t.TempDir(), memory.New(), nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	first := submit(t, e, api.SubmitRequest{Name: "bert", Command: sh("true")})
	wait(t, e, first.ID)
	rerun := func(ref string) api.Run {
		t.Helper()
		res, err := e.Rerun(ctxT(t), api.RerunRequest{Run: ref})
		if err != nil {
			t.Fatal(err)
		}
		return wait(t, e, res.Run.ID)
	}
	if r := rerun("bert"); r.Name != "bert-2" {
		t.Errorf("first re-run named %q", r.Name)
	}
	submit(t, e, api.SubmitRequest{Name: "bert-3", Command: sh("true")})
	if r := rerun("bert-2"); r.Name != "bert-4" {
		t.Errorf("re-run of a re-run named %q", r.Name)
	}
	// A name that only looks like a re-run's is a base of its own.
	other := submit(t, e, api.SubmitRequest{Name: "train-7", Command: sh("true")})
	wait(t, e, other.ID)
	if r := rerun("train-7"); r.Name != "train-7-2" {
		t.Errorf("re-run of train-7 named %q", r.Name)
	}
	for _, name := range []string{"bert", "bert-2", "bert-4", "train-7-2"} {
		if _, err := e.Run(ctxT(t), name); err != nil {
			t.Errorf("show %s: %v", name, err)
		}
	}
}
