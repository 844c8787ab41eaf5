package runners

import (
	"context"
	"errors"
	"syscall"
	"time"
)

// Runner starts jobs and finds them again. The engine calls it from many
// goroutines at once.
type Runner interface {
	// Name is what a run records as its runner and what `lathe run
	// --runner` takes.
	Name() string
	// Start starts the job spec describes, with runDir as its run folder
	// (it exists; the engine has written its spec.json there). It returns
	// once the job runs, or once it is known that the job could not start:
	// that Job is Done and its Exit says why. An error means that nothing
	// started.
	Start(ctx context.Context, runDir string, spec Spec) (Job, error)
	// Adopt finds again a job this runner started in runDir, from the
	// handle the engine stored (Job.Handle), or from what the runner left
	// in runDir when handle is empty. A job that has ended, or cannot be
	// found, is returned Done. An error means the runner cannot tell now;
	// the engine leaves the run as it is for a later engine to try again.
	Adopt(runDir string, handle []byte) (Job, error)
	// Files says where a job of runDir writes its output and its metrics.
	Files(runDir string) Files
}

// Job is one started job.
type Job interface {
	// Handle is what Adopt needs to find the job again; the engine stores
	// it and never looks inside.
	Handle() []byte
	// Done is closed once the job has ended (or its runner lost sight of
	// it). Exit is meaningful from then on.
	Done() <-chan struct{}
	// Signal sends sig to every process of the job. A job already gone is
	// not an error.
	Signal(sig syscall.Signal) error
	// Exit says how the job ended, once Done. An error wrapping ErrNoExit
	// means it left no record of it; its message is the reason the engine
	// shows.
	Exit() (Exit, error)
	// PID is the job's main process on this machine, 0 when it runs
	// elsewhere or not at all (the fake GPUs show it as the job's process).
	PID() int
	// String names the job for the engine's log ("shim 12, job 13").
	String() string
}

// ProcessOwner is implemented by a runner whose jobs are processes of this
// machine: it tells which of them a process (one seen on a GPU) belongs to.
type ProcessOwner interface {
	// Owners maps each of pids that belongs to one of jobs (all of them
	// this runner's, running) to that job's index in jobs. Pids of no job
	// are left out.
	Owners(pids []int, jobs []Job) map[int]int
}

// Spec is what a job needs to start.
type Spec struct {
	// Command is the program and its arguments; the program is looked up
	// in the PATH of Env, as a shell would.
	Command []string
	// Dir is the job's working directory, an absolute path.
	Dir string
	// Env is the job's whole environment ("NAME=value").
	Env []string
	// GPUs is how many GPUs the job asks for. A runner of this machine is
	// given its devices in Env (CUDA_VISIBLE_DEVICES) and ignores it; a
	// Scheduled runner asks its scheduler for them.
	GPUs int
	// Array, when set, makes the job one task of an array: a Scheduled
	// runner hands the tasks of a Group to its scheduler together, once
	// each has been started (a task killed before that is left out).
	Array *ArrayTask
}

// ArrayTask is one task of an array.
type ArrayTask struct {
	Group       string
	Index, Size int
}

// Scheduled is implemented by a runner whose jobs wait in a scheduler of
// their own (a cluster's): the engine hands a job over as soon as it is
// submitted (and what it runs after has succeeded), places none of this
// machine's GPUs for it; the runner drops the CUDA_VISIBLE_DEVICES of
// Spec.Env for what its scheduler gives.
type Scheduled interface {
	Runner
	// Schedules marks the interface; it does nothing.
	Schedules()
}

// Cluster is implemented by a Scheduled runner that can list the jobs of
// the engine's user in its scheduler, lathe's or not (the app's cluster
// section).
type Cluster interface {
	// Jobs lists the user's pending and running jobs with one call of the
	// scheduler; ErrNoScheduler when the scheduler is not installed.
	Jobs(ctx context.Context) ([]ClusterJob, error)
}

// ErrNoScheduler says a runner's scheduler is not installed here.
var ErrNoScheduler = errors.New("the scheduler is not installed")

// ClusterJob is one job in a cluster's queue.
type ClusterJob struct {
	QueueState
	// Name is the job's name there ("lathe-<run id>" for lathe's).
	Name string
	// Elapsed is how long it has run; Limit its time limit, as the
	// scheduler writes them.
	Elapsed, Limit string
}

// Queued is implemented by a job of a Scheduled runner: what its scheduler
// says of it now.
type Queued interface {
	Queue() QueueState
}

// QueueState is a job as its scheduler shows it.
type QueueState struct {
	// Scheduler names it ("slurm"); ID is its job id there.
	Scheduler, ID string
	// State is the scheduler's own word for it ("PENDING", "RUNNING").
	State string
	// Pending says the job waits for its resources; Reason says why, in
	// the scheduler's words ("Resources", "Priority").
	Pending bool
	Reason  string
	// Partition and Node are where it waits or runs.
	Partition, Node string
}

// Files are where a job's output and metrics are.
type Files struct {
	// Output holds the job's stdout and stderr, interleaved as a terminal
	// shows them; the engine tails it and `lathe logs` reads it.
	Output string
	// Metrics is the file the job appends metrics to: LATHE_METRICS_FILE.
	Metrics string
}

// Exit is how a job ended.
type Exit struct {
	// ExitCode is the job's exit code: -1 when a signal ended it, 126 or
	// 127 (as a shell gives them) when it could not start.
	ExitCode int
	// Signal names the signal that ended it ("SIGKILL").
	Signal string
	// Error says why the job could not start or be waited for.
	Error string
	// Ended is when it ended.
	Ended time.Time
}

// ErrNoExit reports that a job ended without a record of how.
var ErrNoExit = errors.New("the job left no exit record")

// NoExitError is an error wrapping ErrNoExit with the reason to show, such
// as "its supervisor (pid 12) vanished without an exit record".
type NoExitError struct{ Reason string }

func (e *NoExitError) Error() string { return e.Reason }

func (e *NoExitError) Unwrap() error { return ErrNoExit }
