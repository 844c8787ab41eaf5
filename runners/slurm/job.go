package slurm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"lathe/runners"
	"lathe/runners/local"
)

// job is one Slurm job the runner follows.
type job struct {
	r    *Runner
	id   string
	dir  string
	done chan struct{}
	// array and index, for a task of an array.
	array *array
	index int

	mu        sync.Mutex
	state     runners.QueueState
	signalled bool // lathe asked for it to end (scancel)
	exit      runners.Exit
	exitErr   error
}

var (
	_ runners.Job    = (*job)(nil)
	_ runners.Queued = (*job)(nil)
)

// Handle is the Slurm job id; empty for a task whose array is not
// submitted yet (Adopt then reads the id the submission left in its
// folder).
func (j *job) Handle() []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	b, _ := json.Marshal(handle{JobID: j.id})
	return b
}

func (j *job) Done() <-chan struct{} { return j.done }

func (j *job) PID() int { return 0 }

func (j *job) String() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.id == "" {
		return fmt.Sprintf("slurm array %s task %d (not submitted yet)", j.array.group, j.index)
	}
	return "slurm job " + j.id
}

func (j *job) Queue() runners.QueueState {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state
}

func (j *job) Exit() (runners.Exit, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.exit, j.exitErr
}

// Signal asks Slurm to signal every process of the job (scancel --full):
// the shim forwards it and records the exit. SIGKILL, or any signal to a
// job still pending, cancels the job.
func (j *job) Signal(sig syscall.Signal) error {
	select {
	case <-j.done:
		return nil
	default:
	}
	j.mu.Lock()
	j.signalled = true
	pending, id := j.state.Pending, j.id
	j.mu.Unlock()
	if id == "" && j.array != nil && j.r.dropTask(j) {
		return nil // killed before its array went to Slurm
	}
	args := []string{j.id}
	if sig != syscall.SIGKILL && !pending {
		args = []string{"--signal=" + strings.TrimPrefix(unix.SignalName(sig), "SIG"), "--full", j.id}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	_, err := output(exec.CommandContext(ctx, "scancel", args...))
	j.r.wakeSoon() // a kill waits for no full poll interval
	return err
}

// finish settles the job once.
func (j *job) finish(x runners.Exit, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	select {
	case <-j.done:
		return
	default:
	}
	j.exit, j.exitErr = x, err
	close(j.done)
}

// track follows a Slurm job until it ends.
func (r *Runner) track(id, runDir string) *job {
	r.mu.Lock()
	j, ok := r.jobs[id]
	r.mu.Unlock()
	if ok {
		return j
	}
	j = &job{r: r, id: id, dir: runDir, done: make(chan struct{}),
		state: runners.QueueState{Scheduler: "slurm", ID: id, State: "PENDING", Pending: true}}
	r.follow(j)
	return j
}

// wakeSoon has the poller look again within a second.
func (r *Runner) wakeSoon() {
	r.mu.Lock()
	r.soon = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// follow adds a job with its id to those the poller asks Slurm about.
func (r *Runner) follow(j *job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs[j.id] = j
	r.soon = true
	if !r.polling {
		r.polling = true
		go r.poll()
	}
}

// poll asks Slurm about every job followed, a poll interval apart, until
// none is left.
func (r *Runner) poll() {
	for {
		r.mu.Lock()
		jobs := make([]*job, 0, len(r.jobs))
		for _, j := range r.jobs {
			jobs = append(jobs, j)
		}
		if len(jobs) == 0 {
			r.polling = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		r.refresh(jobs)
		r.mu.Lock()
		for _, j := range jobs {
			select {
			case <-j.done:
				delete(r.jobs, j.id)
			default:
			}
		}
		// A job just submitted leaves PENDING within a second when
		// there is room: look again soon, once.
		wait := r.cfg.Poll
		if r.soon {
			r.soon, wait = false, min(wait, time.Second)
		}
		r.mu.Unlock()
		select {
		case <-time.After(wait):
		case <-r.wake:
		}
	}
}

// refresh reads every job's state with one squeue, and settles those that
// ended. When Slurm cannot answer, the jobs stay as they are.
func (r *Runner) refresh(jobs []*job) {
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.id
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	// -r: a task of an array on a line of its own, as "12_3".
	out, err := output(exec.CommandContext(ctx, "squeue", "-h", "-r", "-t", "all", "-j", strings.Join(ids, ","), "-o", queueFormat))
	if err != nil && !invalidJob(err) {
		return
	}
	seen, err := parseQueue(out)
	if err != nil {
		return
	}
	for _, j := range jobs {
		e, ok := seen[j.id]
		if !ok {
			// Gone from the queue (MinJobAge passed, or a restarted
			// controller): ask for its record.
			if e, ok, err = lookup(ctx, j.id); err != nil {
				continue
			}
		}
		if !ok {
			if x, err := local.ReadExit(j.dir); err == nil {
				j.finish(runners.Exit{ExitCode: x.ExitCode, Signal: x.Signal, Error: x.Error, Ended: x.Ended}, nil)
			} else {
				j.finish(runners.Exit{}, &runners.NoExitError{Reason: "Slurm no longer knows job " + j.id + ", and it left no exit record"})
			}
			continue
		}
		if endedStates[e.State] && e.ExitCode == "" {
			// squeue has no exit code: scontrol's is exact, for a job
			// that ended before the shim could record it.
			if _, err := local.ReadExit(j.dir); err != nil {
				if full, ok, _ := lookup(ctx, j.id); ok {
					e.ExitCode = full.ExitCode
				}
			}
		}
		j.update(e)
	}
}

// lookup finds an ended job's record: scontrol while the controller keeps
// it, then accounting (sacct, or sacct -c where only job completion is
// logged). ok is false when none knows the job.
func lookup(ctx context.Context, id string) (e entry, ok bool, err error) {
	out, err := output(exec.CommandContext(ctx, "scontrol", "show", "job", "-o", id))
	if err == nil {
		e, err = parseScontrol(out)
		return e, err == nil, err
	}
	if !invalidJob(err) {
		return entry{}, false, err
	}
	for _, args := range [][]string{{"-X", "-n", "-P"}, {"-c", "-X", "-n", "-P"}} {
		out, err = output(exec.CommandContext(ctx, "sacct", append(args, "-j", id, "-o", acctFormat)...))
		if err != nil {
			continue // no accounting storage: try the completion log
		}
		jobs, err := parseAcct(out)
		if err != nil {
			return entry{}, false, err
		}
		e, ok = jobs[id]
		return e, ok, nil
	}
	return entry{}, false, nil
}

// update takes what Slurm says of the job; an ended job is settled.
func (j *job) update(e entry) {
	reason := e.Reason
	if reason == "None" {
		reason = ""
	}
	j.mu.Lock()
	j.state = runners.QueueState{Scheduler: "slurm", ID: j.id, State: e.State, Pending: pendingStates[e.State],
		Reason: reason, Partition: e.Partition, Node: e.Node}
	signalled := j.signalled
	j.mu.Unlock()
	if endedStates[e.State] {
		j.finish(settle(e, j.dir, signalled), nil)
	}
}

// settle is how an ended job exited: the shim's record where it wrote one
// (the exact code and signal), with Slurm's reason where Slurm ended it.
func settle(e entry, dir string, signalled bool) runners.Exit {
	var ex runners.Exit
	x, err := local.ReadExit(dir)
	recorded := err == nil
	if recorded {
		ex = runners.Exit{ExitCode: x.ExitCode, Signal: x.Signal, Error: x.Error, Ended: x.Ended}
	}
	where := ""
	if e.Node != "" {
		where = " on " + e.Node
	}
	switch e.State {
	case "COMPLETED", "FAILED":
		if !recorded {
			code, sig, ok := parseExitCode(e.ExitCode)
			how := "no exit code"
			switch {
			case sig != 0:
				ex.ExitCode, ex.Signal = -1, unix.SignalName(syscall.Signal(sig))
				how = "signal " + ex.Signal
			case ok:
				ex.ExitCode, how = code, fmt.Sprintf("exit code %d", code)
			default:
				ex.ExitCode = -1
			}
			ex.Error = fmt.Sprintf("%s in Slurm%s before lathe's shim recorded the job (%s)%s",
				e.State, where, how, lastLine(filepath.Join(dir, slurmOut)))
		}
	case "CANCELLED":
		if !recorded {
			ex.ExitCode, ex.Signal = -1, "SIGTERM"
		}
		if !signalled {
			ex.Error = "CANCELLED in Slurm, not through lathe"
		}
	case "TIMEOUT":
		ex.Error = "TIMEOUT after " + clock(e.TimeLimit)
	default: // OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE…
		ex.Error = e.State + where
		if e.Reason != "" && e.Reason != "None" {
			ex.Error += " (" + e.Reason + ")"
		}
	}
	if ex.Ended.IsZero() {
		ex.Ended = time.Now()
	}
	return ex
}

// clock writes a Slurm time limit ("1:00", "2-00:00:00") as hours,
// minutes and seconds ("00:01:00", "48:00:00").
func clock(limit string) string {
	days, rest, ok := strings.Cut(limit, "-")
	if !ok {
		days, rest = "0", limit
	}
	parts := strings.Split(rest, ":")
	var d, h, m, s int
	if _, err := fmt.Sscanf(days, "%d", &d); err != nil || len(parts) > 3 {
		return limit
	}
	vals := []*int{&s, &m, &h}
	for i := range parts {
		if _, err := fmt.Sscanf(parts[len(parts)-1-i], "%d", vals[i]); err != nil {
			return limit
		}
	}
	return fmt.Sprintf("%02d:%02d:%02d", d*24+h, m, s)
}

// lastLine is ": " and the last line of a file (the batch script's own
// output says why the shim did not run), or "".
func lastLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) || len(b) == 0 {
		return ""
	}
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	if len(b) > 300 {
		b = b[len(b)-300:]
	}
	return ": " + string(bytes.ToValidUTF8(b, []byte("?")))
}
