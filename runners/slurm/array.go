package slurm

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"lathe/runners"
)

// array gathers the tasks of one job array as the engine starts them; once
// every task is started (or was killed first), they go to sbatch together
// as one job array.
type array struct {
	group string
	size  int
	// tasks started and waiting for the others, by index.
	tasks map[int]*job
	dirs  map[int]string   // the folder the nodes see, by index
	envs  map[int][]string // the task's environment, by index
	// dropped counts tasks killed before the array was submitted.
	dropped   int
	submitted bool
	gpus      int
}

// waitingForArray is a task's reason until its array is submitted.
const waitingForArray = "waiting for the other tasks of its array"

// startTask takes one task of an array; the last one submits the array.
func (r *Runner) startTask(ctx context.Context, runDir, dir, exe string, spec runners.Spec) (runners.Job, error) {
	t := spec.Array
	if t.Size < 1 || t.Index < 0 || t.Index >= t.Size {
		return nil, fmt.Errorf("array task %d of %d", t.Index, t.Size)
	}
	r.arrayMu.Lock()
	defer r.arrayMu.Unlock()
	a := r.arrays[t.Group]
	if a == nil {
		a = &array{group: t.Group, size: t.Size, tasks: map[int]*job{}, dirs: map[int]string{}, envs: map[int][]string{}}
		r.arrays[t.Group] = a
	}
	if a.submitted || a.tasks[t.Index] != nil {
		return nil, fmt.Errorf("task %d of array %s was started already", t.Index, t.Group)
	}
	a.gpus = spec.GPUs
	j := &job{r: r, dir: runDir, done: make(chan struct{}), array: a, index: t.Index,
		state: runners.QueueState{Scheduler: "slurm", State: "PENDING", Pending: true, Reason: waitingForArray}}
	a.tasks[t.Index], a.dirs[t.Index], a.envs[t.Index] = j, dir, jobEnv(spec.Env, runDir, dir)
	if len(a.tasks)+a.dropped < a.size {
		return j, nil
	}
	if err := r.submitArray(ctx, a, exe, spec.GPUs); err != nil {
		delete(a.tasks, t.Index)
		return nil, err
	}
	return j, nil
}

// dropTask leaves a task killed before its array was submitted out of it;
// it reports whether the task was still waiting.
func (r *Runner) dropTask(j *job) bool {
	r.arrayMu.Lock()
	defer r.arrayMu.Unlock()
	a := j.array
	if a.submitted || a.tasks[j.index] != j {
		return false
	}
	delete(a.tasks, j.index)
	a.dropped++
	j.finish(runners.Exit{ExitCode: -1, Signal: "SIGTERM"}, nil)
	if len(a.tasks) > 0 && len(a.tasks)+a.dropped == a.size {
		// The others are all in: they go without it.
		for _, t := range a.tasks {
			if err := r.submitArray(context.Background(), a, r.exe(), -1); err != nil {
				t.finish(runners.Exit{ExitCode: -1, Error: "could not start the job: " + err.Error()}, nil)
			}
			break
		}
	}
	return true
}

// submitArray hands the array's tasks to sbatch as one job array whose
// script runs each task's shim on its folder, with its environment. gpus
// < 0 keeps what the first task asked for.
func (r *Runner) submitArray(ctx context.Context, a *array, exe string, gpus int) error {
	idx := slices.Sorted(func(yield func(int) bool) {
		for i := range a.tasks {
			if !yield(i) {
				return
			}
		}
	})
	base := a.envs[idx[0]]
	var script strings.Builder
	script.WriteString("#!/bin/sh\n# Written by lathe: each task of the array runs under lathe's shim on\n" +
		"# its own run folder, with its own environment; the shim exits as its\n# job did.\n" +
		"case \"$SLURM_ARRAY_TASK_ID\" in\n")
	for _, i := range idx {
		fmt.Fprintf(&script, "%d)\n\tdir=%s\n", i, shellQuote(a.dirs[i]))
		for _, kv := range envDiff(base, a.envs[i]) {
			script.WriteString("\t" + kv + "\n")
		}
		script.WriteString("\t;;\n")
	}
	script.WriteString("*)\n\techo \"no task $SLURM_ARRAY_TASK_ID in this array\" >&2\n\texit 2\n\t;;\nesac\n" +
		"exec >>\"$dir/" + slurmOut + "\" 2>&1\n" +
		shimLine(exe, "\"$dir\""))
	first := a.dirs[idx[0]]
	if err := runners.WriteFileAtomic(first, arrayScript, []byte(script.String())); err != nil {
		return err
	}
	list := make([]string, len(idx))
	for k, i := range idx {
		list[k] = strconv.Itoa(i)
	}
	if gpus < 0 {
		gpus = a.gpus
	}
	args := r.sbatchArgs("lathe-array-"+a.group, "/dev/null", first, gpus)
	args = append(args, "--array="+strings.Join(list, ","), filepath.Join(first, arrayScript))
	cmd := exec.CommandContext(ctx, "sbatch", args...)
	cmd.Env = base
	cmd.Dir = first
	out, err := output(cmd)
	if err != nil {
		for _, i := range idx {
			if j := a.tasks[i]; j != nil {
				j.finish(runners.Exit{ExitCode: -1, Error: "could not start the job: " + err.Error()}, nil)
			}
		}
		a.submitted = true
		return err
	}
	id, err := parseJobID(out)
	if err != nil {
		return err
	}
	a.submitted = true
	for _, i := range idx {
		j := a.tasks[i]
		taskID := fmt.Sprintf("%s_%d", id, i)
		runners.WriteFileAtomic(j.dir, jobIDFile, []byte(taskID+"\n"))
		j.mu.Lock()
		j.id, j.state.ID, j.state.Reason = taskID, taskID, ""
		j.mu.Unlock()
		r.follow(j)
	}
	return nil
}

// arrayScript is the batch script of an array, in its first task's folder.
const arrayScript = "slurm-array.sh"

// envDiff is the shell lines that turn the environment base into env:
// export what differs, unset what env lacks.
func envDiff(base, env []string) []string {
	have := map[string]string{}
	for _, kv := range base {
		k, v, _ := strings.Cut(kv, "=")
		have[k] = v
	}
	var lines []string
	seen := map[string]bool{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		seen[k] = true
		if !shellName(k) {
			continue // not a variable a shell can set: as sbatch gave it
		}
		if old, ok := have[k]; !ok || old != v {
			lines = append(lines, "export "+k+"="+shellQuote(v))
		}
	}
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !seen[k] && shellName(k) {
			lines = append(lines, "unset "+k)
		}
	}
	return lines
}

// shellName says whether a shell can name k as a variable.
func shellName(k string) bool {
	for i, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return k != ""
}
