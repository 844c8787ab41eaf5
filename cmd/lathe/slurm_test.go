package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lathe/engine/api"
)

// slurmHome is a data directory whose engine polls Slurm often. The tests
// need a real Slurm: they skip where none is installed, and fail where one
// is installed but its controller does not answer (.ci/slurm-up starts a
// one-node cluster).
func slurmHome(t *testing.T, config string) *home {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("Slurm is not installed (no sbatch on PATH); .ci/run installs and starts it")
	}
	if out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput(); err != nil {
		t.Fatalf("Slurm is installed but its controller does not answer (start one with .ci/slurm-up): %v: %s", err, out)
	}
	h := newHome(t)
	os.MkdirAll(filepath.Join(h.dir, "config", "lathe"), 0o755)
	os.WriteFile(filepath.Join(h.dir, "config", "lathe", "config.toml"), []byte("[slurm]\npoll = \"300ms\"\n"+config), 0o644)
	// Nothing of a test may outlive it, in Slurm either: cancel its jobs
	// once the engine has stopped (cleanups run last first).
	t.Cleanup(func() {
		ids, _ := filepath.Glob(filepath.Join(h.dir, "runs", "*", "slurm.jobid"))
		for _, f := range ids {
			if b, err := os.ReadFile(f); err == nil {
				exec.Command("scancel", strings.TrimSpace(string(b))).Run()
			}
		}
	})
	return h
}

// untilRun polls a run until cond holds, for up to d.
func untilRun(t *testing.T, h *home, id string, d time.Duration, what string, cond func(api.Run) bool) api.Run {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		var r api.Run
		h.json(&r, "show", id)
		if cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s: no %s after %s: %s %s, queue %+v", id, what, d, r.Status, r.Reason, r.Queue)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func slurmState(t *testing.T, id string) string {
	out, err := exec.Command("squeue", "-h", "-t", "all", "-j", id, "-o", "%T").Output()
	if err != nil {
		t.Fatalf("squeue -j %s: %v", id, err)
	}
	return strings.TrimSpace(string(out))
}

// A job handed to Slurm runs in its allocation under lathe's shim: its
// output, metrics and exit land in the run folder as for a local job, it
// sees the GPUs Slurm gives it, and the run shows its Slurm job.
func TestSlurmJobSucceeds(t *testing.T) {
	h := slurmHome(t, "")
	id := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--gpus", "1", "--", "sh", "-c",
		`echo "gpus=$CUDA_VISIBLE_DEVICES slurm=$SLURM_JOB_ID"; for i in 1 2 3; do echo "{\"step\": $i, \"metrics\": {\"loss\": 0.$i}}" >> "$LATHE_METRICS_FILE"; done`))
	if r := h.run("wait", id); r.code != 0 {
		t.Fatalf("wait: exit %d: %s", r.code, r.stderr)
	}
	var r api.Run
	h.json(&r, "show", id)
	if r.Status != api.Succeeded || r.Runner != "slurm" || r.Queue == nil || r.Queue.State != "COMPLETED" || r.Queue.Node == "" {
		t.Fatalf("run: %s %q, runner %q, queue %+v", r.Status, r.Reason, r.Runner, r.Queue)
	}
	if m := r.Metrics["loss"]; m.Count != 3 || m.Last != 0.3 {
		t.Errorf("loss: %+v", m)
	}
	if out := h.ok("logs", id); out != "gpus=0 slurm="+r.Queue.ID+"\n" {
		t.Errorf("output %q: want Slurm's GPU 0 and job %s", out, r.Queue.ID)
	}
	if text := h.ok("show", id); !strings.Contains(text, "slurm        job "+r.Queue.ID+" · COMPLETED · partition") {
		t.Errorf("show lacks the Slurm job:\n%s", text)
	}
}

// A failed job keeps its exit code; a job Slurm refuses fails at once with
// Slurm's own words.
func TestSlurmJobFailsAndIsRefused(t *testing.T) {
	h := slurmHome(t, "")
	id := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--", "sh", "-c", "echo failing; exit 3"))
	if r := h.run("wait", id); r.code != 3 {
		t.Errorf("wait: exit %d, want the job's 3 (%s)", r.code, r.stderr)
	}
	var r api.Run
	h.json(&r, "show", id)
	if r.Status != api.Failed || r.ExitCode == nil || *r.ExitCode != 3 || r.Reason != "exit code 3" || r.Queue.State != "FAILED" {
		t.Errorf("failed run: %s %q, exit %v, queue %+v", r.Status, r.Reason, r.ExitCode, r.Queue)
	}
	// The node has two GPUs.
	id = strings.TrimSpace(h.ok("run", "--runner", "slurm", "--gpus", "5", "--", "true"))
	r = untilRun(t, h, id, 10*time.Second, "end", func(r api.Run) bool { return r.Status.Ended() })
	if r.Status != api.Failed || !strings.Contains(r.Reason, "sbatch: error: Batch job submission failed") {
		t.Errorf("refused run: %s %q", r.Status, r.Reason)
	}
}

// lathe kill cancels a running job through scancel, and a pending one too.
func TestSlurmKill(t *testing.T) {
	h := slurmHome(t, "")
	running := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--gpus", "2", "--", "sleep", "300"))
	r := untilRun(t, h, running, 20*time.Second, "RUNNING", func(r api.Run) bool { return r.Queue != nil && r.Queue.State == "RUNNING" })
	slurmID := r.Queue.ID
	pending := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--gpus", "2", "--", "sleep", "300"))
	p := untilRun(t, h, pending, 20*time.Second, "pending", func(r api.Run) bool { return r.Queue != nil && r.Queue.Pending })
	h.ok("kill", pending)
	h.ok("kill", running)
	for _, id := range []string{running, pending} {
		r := untilRun(t, h, id, 30*time.Second, "end", func(r api.Run) bool { return r.Status.Ended() })
		if r.Status != api.Killed {
			t.Errorf("run %s: %s %q", id, r.Status, r.Reason)
		}
	}
	if s := slurmState(t, slurmID); s == "RUNNING" || s == "PENDING" {
		t.Errorf("Slurm job %s is still %s", slurmID, s)
	}
	if s := slurmState(t, p.Queue.ID); s != "CANCELLED" {
		t.Errorf("pending Slurm job %s is %s, want CANCELLED", p.Queue.ID, s)
	}
}

// A job over its time limit fails with Slurm's reason. The shortest limit
// Slurm takes is a minute; a limit of 0 set on a running job times it out
// at the controller's next check.
func TestSlurmTimeout(t *testing.T) {
	h := slurmHome(t, "")
	id := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--", "sleep", "300"))
	r := untilRun(t, h, id, 20*time.Second, "RUNNING", func(r api.Run) bool { return r.Queue != nil && r.Queue.State == "RUNNING" })
	if out, err := exec.Command("scontrol", "update", "JobId="+r.Queue.ID, "TimeLimit=0").CombinedOutput(); err != nil {
		t.Fatalf("scontrol update: %v: %s", err, out)
	}
	r = untilRun(t, h, id, 90*time.Second, "end", func(r api.Run) bool { return r.Status.Ended() })
	if r.Status != api.Failed || !strings.HasPrefix(r.Reason, "TIMEOUT after ") || r.Queue.State != "TIMEOUT" {
		t.Errorf("timed-out run: %s %q, queue %+v", r.Status, r.Reason, r.Queue)
	}
}

// Two jobs that together want more GPUs than the node has: the second
// waits in Slurm with Slurm's reason, and runs when the first ends.
func TestSlurmPendingForGPUs(t *testing.T) {
	h := slurmHome(t, "")
	first := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--gpus", "2", "--", "sleep", "4"))
	untilRun(t, h, first, 20*time.Second, "RUNNING", func(r api.Run) bool { return r.Queue != nil && r.Queue.State == "RUNNING" })
	second := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--gpus", "1", "--", "sh", "-c", "echo ran on $CUDA_VISIBLE_DEVICES"))
	r := untilRun(t, h, second, 20*time.Second, "pending with a reason", func(r api.Run) bool { return r.Queue != nil && r.Queue.Pending && r.Queue.Reason != "" })
	if r.Queue.Reason != "Resources" || r.Waiting != "pending in slurm: Resources" {
		t.Errorf("pending run: queue %+v, waiting %q", r.Queue, r.Waiting)
	}
	// Its status is "pending" too, not "running": a line with the word
	// twice, as its status and in why it waits.
	ps := h.ok("ps")
	if line := lineWith(ps, "pending in slurm: Resources"); strings.Count(line, "pending") != 2 {
		t.Errorf("ps does not say it waits, and why:\n%s", ps)
	}
	// The user's queue, one squeue: both jobs, each with its run.
	var c api.Cluster
	h.json(&c, "cluster")
	found := map[string]api.ClusterJob{}
	for _, j := range c.Jobs {
		found[j.Run] = j
	}
	if !c.Installed || found[second].Reason != "Resources" || found[second].ID != r.Queue.ID || found[first].State != "RUNNING" {
		t.Errorf("cluster: %+v", c)
	}
	if r := h.run("wait", second); r.code != 0 {
		t.Fatalf("second: exit %d: %s", r.code, r.stderr)
	}
	var a, b api.Run
	h.json(&a, "show", first)
	h.json(&b, "show", second)
	if a.Status != api.Succeeded || b.Status != api.Succeeded || b.Started == nil || b.Ended.Before(*a.Ended) {
		t.Errorf("first %s (ended %v), second %s (ended %v)", a.Status, a.Ended, b.Status, b.Ended)
	}
}

// An engine that stops (killed) while a Slurm job runs finds the job again
// when it starts, and stores all of its metrics once.
func TestSlurmEngineRestart(t *testing.T) {
	h := slurmHome(t, "")
	id := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--", "sh", "-c",
		`for i in $(seq 1 40); do echo "{\"step\": $i, \"metrics\": {\"loss\": $i}}" >> "$LATHE_METRICS_FILE"; sleep 0.1; done`))
	untilRun(t, h, id, 20*time.Second, "RUNNING", func(r api.Run) bool { return r.Queue != nil && r.Queue.State == "RUNNING" })
	pid := h.enginePID()
	if pid == 0 {
		t.Fatal("no engine pid")
	}
	syscall.Kill(pid, syscall.SIGKILL)
	for processExists(pid) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second) // the job goes on meanwhile
	if r := h.run("wait", id); r.code != 0 {
		t.Fatalf("wait after restart: exit %d: %s", r.code, r.stderr)
	}
	var r api.Run
	h.json(&r, "show", id)
	if r.Status != api.Succeeded || r.Metrics["loss"].Count != 40 || r.Metrics["loss"].Last != 40 {
		t.Errorf("after restart: %s %q, loss %+v", r.Status, r.Reason, r.Metrics["loss"])
	}
}

// --array N queues N runs, each told its index; with --runner slurm they
// are one Slurm job array, each task its own run with its own metrics.
func TestArrays(t *testing.T) {
	script := `echo "{\"step\": 1, \"metrics\": {\"seed\": $LATHE_ARRAY_INDEX, \"size\": $LATHE_ARRAY_SIZE}}" >> "$LATHE_METRICS_FILE"; echo "task $LATHE_ARRAY_INDEX ${SLURM_ARRAY_TASK_ID:-local}"`
	check := func(t *testing.T, h *home, ids []string, slurm bool) {
		if len(ids) != 4 {
			t.Fatalf("%d ids: %q", len(ids), ids)
		}
		var group, array string
		for i, id := range ids {
			if r := h.run("wait", id); r.code != 0 {
				t.Fatalf("task %d: exit %d: %s", i, r.code, r.stderr)
			}
			var r api.Run
			h.json(&r, "show", id)
			if r.Name != fmt.Sprintf("seeds-%d", i) || r.Params["array_index"] != fmt.Sprint(i) || r.Array == nil ||
				r.Array.Index != i || r.Array.Size != 4 || r.Tags["array"] != r.Array.Group {
				t.Errorf("task %d: name %q, params %v, tags %v, array %+v", i, r.Name, r.Params, r.Tags, r.Array)
			}
			if m := r.Metrics["seed"]; float64(m.Last) != float64(i) || r.Metrics["size"].Last != 4 {
				t.Errorf("task %d: seed %+v", i, m)
			}
			if i == 0 {
				group = r.Array.Group
			} else if r.Array.Group != group {
				t.Errorf("task %d in group %s, task 0 in %s", i, r.Array.Group, group)
			}
			want := fmt.Sprintf("task %d local\n", i)
			if slurm {
				jobArray, task, ok := strings.Cut(r.Queue.ID, "_")
				if !ok || task != fmt.Sprint(i) || (array != "" && jobArray != array) {
					t.Errorf("task %d: Slurm job %q, want %s_%d", i, r.Queue.ID, array, i)
				}
				array = jobArray
				want = fmt.Sprintf("task %d %d\n", i, i)
			}
			if out := h.ok("logs", id); out != want {
				t.Errorf("task %d: output %q, want %q", i, out, want)
			}
		}
	}
	t.Run("local", func(t *testing.T) {
		h := newHome(t)
		check(t, h, strings.Fields(h.ok("run", "--array", "4", "--name", "seeds", "--", "sh", "-c", script)), false)
		if r := h.run("run", "--array", "0", "--", "true"); r.code == 0 || !strings.Contains(r.stderr, "--array 0: give 1 to 1000 tasks") {
			t.Errorf("--array 0: exit %d, %q", r.code, r.stderr)
		}
	})
	t.Run("slurm", func(t *testing.T) {
		h := slurmHome(t, "")
		check(t, h, strings.Fields(h.ok("run", "--runner", "slurm", "--array", "4", "--name", "seeds", "--", "sh", "-c", script)), true)
	})
}

// doctor runs a task on a node to check it runs this lathe and writes in
// the run folders; a lathe the nodes cannot find fails the run with the
// batch script's own words, and doctor says why.
func TestSlurmDoctorAndMissingShim(t *testing.T) {
	h := slurmHome(t, "")
	var checks []check
	h.json(&checks, "doctor")
	byName := map[string]check{}
	for _, c := range checks {
		byName[c.Name] = c
	}
	if c := byName["nodes"]; c.Status != "ok" || !strings.Contains(c.Detail, "runs this lathe") {
		t.Errorf("doctor on a working cluster: %+v", checks)
	}
	h = slurmHome(t, "lathe = \"/nonexistent/lathe\"\n")
	id := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--", "echo", "hi"))
	r := untilRun(t, h, id, 20*time.Second, "end", func(r api.Run) bool { return r.Status.Ended() })
	if r.Status != api.Failed || !strings.Contains(r.Reason, "before lathe's shim recorded the job (exit code 127)") ||
		!strings.Contains(r.Reason, "/nonexistent/lathe: not found") {
		t.Errorf("run with a missing lathe: %s %q", r.Status, r.Reason)
	}
	if res := h.run("doctor"); res.code == 0 || !strings.Contains(res.stdout, "/nonexistent/lathe: open /nonexistent/lathe: no such file") {
		t.Errorf("doctor with a missing lathe: exit %d\n%s", res.code, res.stdout)
	}
}

// With [slurm] shared, the run folder moves to the shared folder (the
// data directory keeps a link) and the job writes there.
func TestSlurmSharedFolder(t *testing.T) {
	shared := t.TempDir()
	h := slurmHome(t, fmt.Sprintf("shared = %q\n", shared))
	id := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--", "sh", "-c",
		`echo "dir=$LATHE_RUN_DIR"; echo '{"step": 1, "metrics": {"loss": 0.5}}' >> "$LATHE_METRICS_FILE"`))
	if r := h.run("wait", id); r.code != 0 {
		t.Fatalf("wait: exit %d: %s", r.code, r.stderr)
	}
	link := filepath.Join(h.dir, "runs", id)
	if target, err := os.Readlink(link); err != nil || target != filepath.Join(shared, id) {
		t.Errorf("run folder %s -> %q (%v), want a link to the shared folder", link, target, err)
	}
	if out := h.ok("logs", id); out != "dir="+filepath.Join(shared, id)+"\n" {
		t.Errorf("the job saw %q", out)
	}
	var r api.Run
	h.json(&r, "show", id)
	if r.Metrics["loss"].Count != 1 {
		t.Errorf("metrics: %+v", r.Metrics)
	}
	// Purged, the run leaves nothing in either place.
	h.ok("rm", "--purge", "--yes", id)
	for _, dir := range []string{link, filepath.Join(shared, id)} {
		if _, err := os.Lstat(dir); err == nil {
			t.Errorf("%s stays after a purge", dir)
		}
	}
}

// Without Slurm's commands a Slurm run fails at once, saying so (this one
// needs no Slurm).
func TestSlurmNotInstalled(t *testing.T) {
	h := newHome(t)
	h.env = append(h.env, "PATH="+t.TempDir())
	id := strings.TrimSpace(h.ok("run", "--runner", "slurm", "--", "true"))
	var r api.Run
	h.json(&r, "show", id)
	for !r.Status.Ended() {
		time.Sleep(50 * time.Millisecond)
		h.json(&r, "show", id)
	}
	if r.Status != api.Failed || !strings.Contains(r.Reason, "sbatch: not found: is Slurm installed") {
		t.Errorf("%s %q", r.Status, r.Reason)
	}
	if out := h.ok("cluster"); !strings.Contains(out, "slurm is not installed here") {
		t.Errorf("cluster: %q", out)
	}
}

// lineWith is the first line of text that holds s, "" when none does.
func lineWith(text, s string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
