package memory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"lathe/runners"
	"lathe/runners/process"
)

// Runner starts jobs as child processes of this process.
type Runner struct {
	prefix string // makes the handles of two Runners differ

	mu    sync.Mutex
	seq   int
	jobs  map[string]*job // by handle
	byDir map[string]*job // the last job started in each run folder
}

var (
	_ runners.Runner       = (*Runner)(nil)
	_ runners.ProcessOwner = (*Runner)(nil)
)

// runnerCount numbers the Runners of this process.
var runnerCount atomic.Int64

// New returns a runner with no jobs.
func New() *Runner {
	return &Runner{prefix: fmt.Sprintf("%d.%d", os.Getpid(), runnerCount.Add(1)),
		jobs: map[string]*job{}, byDir: map[string]*job{}}
}

// Name is "memory".
func (r *Runner) Name() string { return "memory" }

// Files are output.log and metrics.jsonl in the run folder.
func (r *Runner) Files(runDir string) runners.Files {
	return runners.Files{Output: filepath.Join(runDir, "output.log"), Metrics: filepath.Join(runDir, "metrics.jsonl")}
}

// Start starts the job. A command that cannot start gives a Job that is
// already done, whose Exit says why, as a shell would.
func (r *Runner) Start(ctx context.Context, runDir string, spec runners.Spec) (runners.Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	out, err := os.OpenFile(r.Files(runDir).Output, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	defer out.Close() // the child has its own copy once started
	j := &job{dir: runDir, done: make(chan struct{})}
	cmd, serr := process.Command(spec.Command, spec.Dir, process.PathOf(spec.Env))
	if serr == nil {
		cmd.Env = spec.Env
		if cmd.Env == nil {
			cmd.Env = []string{} // nil would mean "inherit the engine's environment"
		}
		// The same *os.File for both: stdout and stderr interleave in
		// write order. Stdin nil is /dev/null.
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			serr = process.StartFailure(spec.Command[0], err)
		}
	}
	if serr != nil {
		j.exit = runners.Exit{ExitCode: serr.Code, Error: serr.Reason, Ended: time.Now()}
		close(j.done)
	} else {
		j.cmd, j.pid = cmd, cmd.Process.Pid
	}
	r.mu.Lock()
	r.seq++
	j.key = fmt.Sprintf("%s.%d", r.prefix, r.seq)
	r.jobs[j.key] = j
	r.byDir[runDir] = j
	r.mu.Unlock()
	if j.cmd != nil {
		go j.wait()
	}
	return j, nil
}

// Adopt finds a job this Runner started: by its handle, or, with none, the
// last one started in runDir. Any other is returned done, with no exit
// record.
func (r *Runner) Adopt(runDir string, handle []byte) (runners.Job, error) {
	r.mu.Lock()
	j := r.jobs[string(handle)]
	if len(handle) == 0 {
		j = r.byDir[runDir]
	}
	r.mu.Unlock()
	if j != nil {
		return j, nil
	}
	reason := fmt.Sprintf("its in-memory handle %q names no job of this engine process (memory jobs do not outlive it)", handle)
	if len(handle) == 0 {
		reason = "the engine stopped while starting it, and it left no trace of running"
	}
	done := make(chan struct{})
	close(done)
	return &job{key: string(handle), dir: runDir, done: done, exitErr: &runners.NoExitError{Reason: reason}}, nil
}

// Owners finds the job of each process by its process group, the job's
// main pid.
func (r *Runner) Owners(pids []int, jobs []runners.Job) map[int]int {
	byGroup := make(map[int]int, len(jobs))
	for i, rj := range jobs {
		if j, ok := rj.(*job); ok && j.pid > 0 {
			byGroup[j.pid] = i
		}
	}
	out := map[int]int{}
	if len(byGroup) == 0 {
		return out
	}
	for _, pid := range pids {
		if pgid, err := syscall.Getpgid(pid); err == nil {
			if i, ok := byGroup[pgid]; ok {
				out[pid] = i
			}
		}
	}
	return out
}

// job is one child process and its group.
type job struct {
	key string
	dir string
	cmd *exec.Cmd // nil when it did not start
	pid int

	// mu orders signals before the main process is reaped: until then its
	// pid, the group's id, cannot name another process.
	mu     sync.Mutex
	reaped bool

	done    chan struct{}
	exit    runners.Exit // set before done is closed
	exitErr error
}

// wait collects the job's end.
func (j *job) wait() {
	err := process.WaitExited(j.pid)
	ended := time.Now()
	j.mu.Lock()
	if err == nil {
		// What the job left in its group ends with it; the main process,
		// not reaped yet, still holds the group's id.
		syscall.Kill(-j.pid, syscall.SIGKILL)
	}
	werr := j.cmd.Wait()
	j.reaped = true
	j.mu.Unlock()
	code, sig, ok := process.Status(j.cmd.ProcessState)
	j.exit = runners.Exit{ExitCode: code, Signal: sig, Ended: ended}
	if !ok {
		j.exit.Error = fmt.Sprintf("wait: %v", werr)
	}
	close(j.done)
}

// Handle is the job's key in its Runner's table.
func (j *job) Handle() []byte { return []byte(j.key) }

func (j *job) Done() <-chan struct{} { return j.done }

// Signal sends sig to the job's process group.
func (j *job) Signal(sig syscall.Signal) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cmd == nil || j.reaped {
		return nil
	}
	if err := syscall.Kill(-j.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal job %d: %w", j.pid, err)
	}
	return nil
}

// errRunning is Exit's error before the job has ended.
var errRunning = errors.New("the job is still running")

func (j *job) Exit() (runners.Exit, error) {
	select {
	case <-j.done:
		return j.exit, j.exitErr
	default:
		return runners.Exit{}, errRunning
	}
}

func (j *job) PID() int { return j.pid }

func (j *job) String() string {
	if j.pid == 0 {
		return "not started"
	}
	return fmt.Sprintf("pid %d", j.pid)
}
