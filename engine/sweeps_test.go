package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/store"
)

// trialScript logs score = step × {x} for 8 steps, and the params it was
// given (LATHE_PARAMS) to its output.
const trialScript = `echo "given $LATHE_PARAMS"; s=1; while [ $s -le 8 ]; do
  echo "{\"step\": $s, \"metrics\": {\"score\": $((s * {x}))}}" >> "$LATHE_METRICS_FILE"; s=$((s+1)); sleep %s; done`

func sweepFile(method, values string, parallel int, pause string, asha bool) string {
	f := fmt.Sprintf(`name = "s"
command = ["/bin/sh", "-c", '''%s''']
metric = "score"
direction = "max"
method = %q
parallel = %d
[params]
x = { values = [%s] }
`, fmt.Sprintf(trialScript, pause), method, parallel, values)
	if asha {
		f += "[early_stop]\nmethod = \"asha\"\nmin_steps = 2\nreduction = 2\n"
	}
	return f
}

func startSweep(t *testing.T, svc api.Service, file string) api.Sweep {
	t.Helper()
	s, err := svc.StartSweep(ctxT(t), api.SweepRequest{File: "/x/s.toml", TOML: file, Cwd: t.TempDir(), Env: os.Environ()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitSweep waits for a sweep to be done, checking at every look that no
// more than limit trials run at once.
func waitSweep(t *testing.T, svc api.Service, id string, limit int) api.Sweep {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, err := svc.Sweep(ctxT(t), id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Running > limit {
			t.Errorf("%d trials run at once, the limit is %d", s.Running, limit)
		}
		if s.State == api.SweepDone {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("sweep not done: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A grid sweep runs every grid point, at most parallel at once, each with
// its params in its command and in LATHE_PARAMS; the best is the highest.
func TestSweepGrid(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		s := startSweep(t, svc, sweepFile("grid", "1, 3, 2, 5, 4", 2, "0.01", false))
		if s.State != api.SweepRunning || s.Running != 2 || len(s.Trials) != 2 {
			t.Fatalf("just started: %+v", s)
		}
		s = waitSweep(t, svc, s.ID, 2)
		if len(s.Trials) != 5 || s.Done != 5 || s.Best == nil || s.Best.Params["x"] != "5" || float64(s.Best.Value) != 40 {
			t.Fatalf("done: %+v best %+v", s, s.Best)
		}
		for i, tr := range s.Trials {
			want := strings.Split("1,3,2,5,4", ",")[i]
			if tr.Trial != i || tr.Params["x"] != want || tr.State != api.TrialDone {
				t.Errorf("trial %d: %+v", i, tr)
			}
			r, err := svc.Run(ctxT(t), tr.Run)
			if err != nil {
				t.Fatal(err)
			}
			if r.Tags[tagSweepID] != s.ID || r.Tags[tagTrial] != fmt.Sprint(i) || r.Params["x"] != want || r.Name != fmt.Sprintf("s-%d", i) {
				t.Errorf("trial %d's run: tags %v params %v name %s", i, r.Tags, r.Params, r.Name)
			}
			out, _ := os.ReadFile(filepath.Join(r.Dir, "output.log"))
			if !strings.Contains(string(out), `given {"x":"`+want+`"}`) {
				t.Errorf("trial %d's output: %q", i, out)
			}
		}
		all, err := svc.Sweeps(ctxT(t))
		if err != nil || len(all) != 1 || all[0].ID != s.ID {
			t.Errorf("sweeps: %+v %v", all, err)
		}
	})
}

// ASHA stops the trials that fall behind at a rung: one at a time, in
// the order 6, 5, 4, 3, the first is the best at step 2 and the rest
// are each below the top half there.
func TestSweepStopsTheWeakEarly(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	s := startSweep(t, e, sweepFile("grid", "6, 5, 4, 3", 1, "0.1", true))
	s = waitSweep(t, e, s.ID, 1)
	if s.Done != 1 || s.Stopped != 3 || s.Best.Params["x"] != "6" || !slices.Equal(s.Rungs[:3], []int64{2, 4, 8}) {
		t.Fatalf("done: %+v", s)
	}
	for _, tr := range s.Trials[1:] {
		x := tr.Params["x"]
		// The top ⌊n/2⌋ of the n at the rung go on, at least the best:
		// the cutoff is 12 until the fourth, when the top two are 12, 10.
		score, cutoff := map[string]string{"5": "10", "4": "8", "3": "6"}[x], map[string]string{"5": "12", "4": "12", "3": "10"}[x]
		want := fmt.Sprintf("stopped early at step 2: score %s, rung cutoff %s", score, cutoff)
		r, _ := e.Run(ctxT(t), tr.Run)
		if tr.State != api.TrialStopped || tr.Rung != 0 || tr.Reason != want || r.Status != api.Killed || r.Reason != want {
			t.Errorf("trial x=%s: %+v; run %s %q", x, tr, r.Status, r.Reason)
		}
	}
	if s.Trials[0].Rung != 2 {
		t.Errorf("the best reached rung %d, want 2 (steps 2, 4, 8)", s.Trials[0].Rung)
	}
}

// A sweep goes on after the engine stops mid-way: its running trial is
// re-adopted, none starts twice, and it ends with every trial.
func TestSweepSurvivesARestart(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	s := startSweep(t, e, sweepFile("grid", "1, 2, 3, 4", 1, "0.1", false))
	waitFor(t, func() bool {
		v, _ := e.Sweep(context.Background(), s.ID)
		return len(v.Trials) == 2
	})
	e.Close()
	e = openEngine(t, home, nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	v := waitSweep(t, e, s.ID, 1)
	if len(v.Trials) != 4 || v.Done != 4 {
		t.Fatalf("after the restart: %+v", v)
	}
	runs, err := e.Runs(ctxT(t), api.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 {
		t.Errorf("%d runs for 4 trials", len(runs))
	}
}

// A trial started just before a crash, before the sweep recorded it, is
// found again by its run's tags, not started twice.
func TestSweepFindsAnUnrecordedTrial(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	s := startSweep(t, e, sweepFile("grid", "1, 2", 1, "0.1", false))
	// The record as it was before trial 0 was recorded; the engine stops
	// before it can write it again.
	e.sweeps.mu.Lock()
	ls := e.sweeps.live[s.ID]
	ls.rec.Trials = nil
	err := e.db.Update(context.Background(), func(tx *store.Tx) error { return tx.PutSweep(ls.rec) })
	e.Stop()
	e.sweeps.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = openEngine(t, home, nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	v := waitSweep(t, e, s.ID, 1)
	runs, _ := e.Runs(ctxT(t), api.RunQuery{})
	if len(v.Trials) != 2 || v.Trials[0].Run != s.Trials[0].Run || len(runs) != 2 {
		t.Fatalf("trials %+v, %d runs", v.Trials, len(runs))
	}
}

// A trial early stopping stopped just before a crash, its kill not yet
// recorded, is killed by the next engine with the same reason.
func TestSweepKillsAStoppedTrialAfterACrash(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	s := startSweep(t, e, sweepFile("grid", "1", 1, "1", false))
	const reason = "stopped early at step 2: score 2, rung cutoff 4"
	e.sweeps.mu.Lock()
	ls := e.sweeps.live[s.ID]
	ls.rec.Trials[0].Stop = reason
	err := e.db.Update(context.Background(), func(tx *store.Tx) error { return tx.PutSweep(ls.rec) })
	e.Stop()
	e.sweeps.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = openEngine(t, home, nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	v := waitSweep(t, e, s.ID, 1)
	r, _ := e.Run(ctxT(t), s.Trials[0].Run)
	if v.Stopped != 1 || v.Trials[0].Reason != reason || r.Status != api.Killed || r.Reason != reason {
		t.Fatalf("after the restart: %+v; run %s %q", v, r.Status, r.Reason)
	}
}

// stop keeps the running trials and starts no more; resume goes on;
// stop --kill ends the running ones and the sweep.
func TestSweepStopResumeKill(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	s := startSweep(t, e, sweepFile("grid", "1, 2, 3, 4, 5", 1, "0.2", false))
	v, err := e.StopSweep(ctxT(t), s.Name, false)
	if err != nil || v.State != api.SweepStopped || v.Running != 1 {
		t.Fatalf("stop: %+v %v", v, err)
	}
	waitFor(t, func() bool { v, _ = e.Sweep(ctxT(t), s.ID); return v.Running == 0 })
	time.Sleep(300 * time.Millisecond)
	if v, _ = e.Sweep(ctxT(t), s.ID); len(v.Trials) != 1 || v.State != api.SweepStopped {
		t.Fatalf("a stopped sweep went on: %+v", v)
	}
	if v, err = e.ResumeSweep(ctxT(t), s.ID); err != nil || v.State != api.SweepRunning || len(v.Trials) != 2 {
		t.Fatalf("resume: %+v %v", v, err)
	}
	if v, err = e.StopSweep(ctxT(t), s.ID, true); err != nil {
		t.Fatal(err)
	}
	v = waitSweep(t, e, s.ID, 1)
	if len(v.Trials) != 2 || v.Trials[1].State != api.TrialFailed {
		t.Errorf("after stop --kill: %+v", v)
	}
	if _, err := e.ResumeSweep(ctxT(t), s.ID); !errors.Is(err, api.ErrConflict) {
		t.Errorf("resume of a done sweep: %v", err)
	}
}

// A bad file is refused whole, every problem named.
func TestSweepFileRefused(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	t.Cleanup(func() { e.Close() })
	_, err := e.StartSweep(ctxT(t), api.SweepRequest{File: "/x/bad.toml", TOML: "command = [\"x\", \"{y}\"]\nmetric = \"m\"\n", Cwd: t.TempDir()})
	if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), "bad.toml") {
		t.Fatalf("bad file: %v", err)
	}
	if all, _ := e.Sweeps(ctxT(t)); len(all) != 0 {
		t.Errorf("a refused sweep was recorded: %+v", all)
	}
}
