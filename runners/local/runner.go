package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"lathe/runners"
)

// Runner runs jobs on this machine, each under a shim that outlives the
// engine (see the package comment). It is the engine's default runner.
type Runner struct {
	exe string
	env []string
}

var (
	_ runners.Runner       = (*Runner)(nil)
	_ runners.ProcessOwner = (*Runner)(nil)
)

// New returns the local runner. exe is the binary whose `shim` subcommand
// supervises each job ("": this process's own binary, as for lathe itself);
// env is added to every shim's environment, after the job's (tests use it
// to make their own binary act as the shim).
func New(exe string, env []string) *Runner {
	return &Runner{exe: exe, env: env}
}

// Name is "local".
func (r *Runner) Name() string { return "local" }

// Files are output.log and metrics.jsonl in the run folder.
func (r *Runner) Files(runDir string) runners.Files { return ShimFiles(runDir) }

// ShimFiles are where a shim on runDir writes the job's output and
// metrics: output.log and metrics.jsonl, for any runner that runs jobs
// under `lathe shim`.
func ShimFiles(runDir string) runners.Files {
	return runners.Files{Output: filepath.Join(runDir, outputFile), Metrics: filepath.Join(runDir, metricsFile)}
}

// WriteSpec writes spec.json for a shim into runDir unless the engine
// wrote it there already.
func WriteSpec(runDir string, s runners.Spec) error {
	if _, err := os.Stat(filepath.Join(runDir, specFile)); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return writeJSONAtomic(runDir, specFile, specOf(s))
}

// Start launches a shim for runDir (see Launch). The shim reads the command
// and working directory from spec.json, which the engine writes there; a
// folder without one gets one from spec.
func (r *Runner) Start(ctx context.Context, runDir string, spec runners.Spec) (runners.Job, error) {
	exe := r.exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find lathe's own binary: %w", err)
		}
	}
	if err := WriteSpec(runDir, spec); err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	env := append(append([]string{}, spec.Env...), r.env...)
	j, err := Launch(ctx, exe, runDir, env)
	if err != nil {
		return nil, err
	}
	return &job{dir: j.runDir, h: j.Handle(), done: j.Done()}, nil
}

func specOf(s runners.Spec) spec { return spec{Command: s.Command, Cwd: s.Dir} }

// Adopt finds a shim again from the Handle the engine stored (JSON), or,
// without one, from runDir's handle.json. A shim that is gone (exited, or
// its pid recycled) gives a Job that is already done; its Exit reads
// exit.json.
func (r *Runner) Adopt(runDir string, handle []byte) (runners.Job, error) {
	var h Handle
	if len(handle) > 0 && json.Unmarshal(handle, &h) != nil {
		h = Handle{} // unreadable: look in the folder instead
	}
	if h.ShimPID == 0 {
		// The engine stopped between starting the shim and recording it.
		h, _ = ReadHandle(runDir)
	}
	if j, err := Adopt(runDir, h); err == nil {
		return &job{dir: runDir, h: h, done: j.Done()}, nil
	}
	done := make(chan struct{})
	close(done)
	return &job{dir: runDir, h: h, done: done}, nil
}

// job is a shim and its job as the engine sees it.
type job struct {
	dir  string
	h    Handle
	done <-chan struct{}
}

// Handle is the Handle as JSON.
func (j *job) Handle() []byte {
	b, _ := json.Marshal(j.h) // a struct of numbers: cannot fail
	return b
}

// Done is closed once the shim has exited.
func (j *job) Done() <-chan struct{} { return j.done }

// Signal signals the job's tree, as Job.Signal does; for a job whose shim
// is gone, what is left of it (see KillTree).
func (j *job) Signal(sig syscall.Signal) error { return signalTree(j.h, sig) }

// Exit reads exit.json.
func (j *job) Exit() (runners.Exit, error) {
	x, err := ReadExit(j.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if j.h.ShimPID == 0 {
			return runners.Exit{}, &runners.NoExitError{Reason: "the engine stopped while starting it, and it left no trace of running"}
		}
		return runners.Exit{}, &runners.NoExitError{Reason: fmt.Sprintf("its supervisor (pid %d) vanished without an exit record", j.h.ShimPID)}
	case err != nil:
		return runners.Exit{}, err
	}
	return runners.Exit{ExitCode: x.ExitCode, Signal: x.Signal, Error: x.Error, Ended: x.Ended}, nil
}

// PID is the job leader's pid, 0 when it did not start.
func (j *job) PID() int { return j.h.JobPID }

func (j *job) String() string { return fmt.Sprintf("shim %d, job %d", j.h.ShimPID, j.h.JobPID) }

// maxAncestors bounds the walk up from a process to its job's shim.
const maxAncestors = 16

// Owners finds the job of each process by its session: every process of a
// job is in its shim's session, whose id is the shim's pid. A process that
// left the session (setsid) is found through its parents, up to the shim.
func (r *Runner) Owners(pids []int, jobs []runners.Job) map[int]int {
	bySession := make(map[int]int, len(jobs))
	for i, rj := range jobs {
		if j, ok := rj.(*job); ok && j.h.ShimPID != 0 {
			bySession[j.h.ShimPID] = i
		}
	}
	out := map[int]int{}
	if len(bySession) == 0 {
		return out
	}
	for _, pid := range pids {
		if i, ok := ownerOf(pid, bySession); ok {
			out[pid] = i
		}
	}
	return out
}

func ownerOf(pid int, bySession map[int]int) (int, bool) {
	if i, ok := bySession[Session(pid)]; ok {
		return i, true
	}
	for range maxAncestors {
		ppid := Parent(pid)
		if ppid <= 1 {
			return 0, false
		}
		if i, ok := bySession[ppid]; ok {
			return i, true // the shim is the session leader: its pid keys the map
		}
		pid = ppid
	}
	return 0, false
}
