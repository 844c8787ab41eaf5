package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	// launchPoll is how often Launch looks for handle.json / exit.json; the
	// shim usually writes one within milliseconds.
	launchPoll = 5 * time.Millisecond
	// adoptPoll is how often an adopted job's shim is checked in /proc: an
	// adopted shim is not our child, so no wait(2) can tell us it ended.
	adoptPoll = 200 * time.Millisecond
)

// Job is a running (or just finished) shim and the job under it.
type Job struct {
	runDir string
	h      Handle
	done   chan struct{}
}

// Handle returns the pids and start times of the shim and the job. JobPID is
// 0 when the job could not be started (exit.json then says why).
func (j *Job) Handle() Handle { return j.h }

// Done is closed once the shim has exited. exit.json, if the shim managed to
// write it, is complete by then.
func (j *Job) Done() <-chan struct{} { return j.done }

// Signal sends sig to the job's whole tree: its process group and every
// other process in the shim's session (children that moved to a process
// group of their own are still in the session), but not to the shim, which
// stays to record the exit. Processes that are already gone are not an
// error. If the shim itself is gone but the job leader is still running
// (the shim was killed), the orphaned tree is signalled as by KillTree.
func (j *Job) Signal(sig syscall.Signal) error {
	return signalTree(j.h, sig)
}

// Launch starts `exe shim RUNDIR` in a new session, with exactly env as its
// environment (the shim passes it on to the job), stdin /dev/null and
// stdout/stderr appended to RUNDIR/shim.log. It returns once the shim has
// written handle.json (the job runs) or exit.json (the job could not start);
// it fails if the shim exits without either or ctx ends first, and then
// leaves nothing running.
//
// Any handle.json and exit.json left in runDir by an earlier run are removed
// first, since they would be mistaken for this run's. The shim is reaped by
// a goroutine of this process, so it never lingers as a zombie.
func Launch(ctx context.Context, exe, runDir string, env []string) (*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	dir, err := filepath.Abs(runDir)
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	for _, name := range []string{handleFile, exitFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("launch: remove stale %s: %w", name, err)
		}
	}
	logf, err := os.OpenFile(filepath.Join(dir, shimLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	defer logf.Close() // the shim has its own copy after Start

	if env == nil {
		env = []string{} // nil would mean "inherit the engine's environment"
	}
	cmd := &exec.Cmd{
		Path:   exe,
		Args:   []string{exe, "shim", dir},
		Env:    env,
		Stdout: logf,
		Stderr: logf,
		// New session: no controlling terminal, not in the engine's process
		// group, so the shim outlives the engine however the engine ends.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("launch shim: %w", err)
	}
	pid := cmd.Process.Pid
	// Read before the reaper goroutine can run: an unreaped child's /proc
	// entry is guaranteed to exist.
	start, serr := StartTime(pid)
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()
	if serr != nil {
		cmd.Process.Kill()
		<-done
		return nil, fmt.Errorf("launch shim: %w", serr)
	}
	j := &Job{runDir: dir, h: Handle{ShimPID: pid, ShimStart: start}, done: done}

	t := time.NewTicker(launchPoll)
	defer t.Stop()
	for {
		if h, err := ReadHandle(dir); err == nil && h.ShimPID == pid {
			j.h = h
			return j, nil
		}
		if _, err := ReadExit(dir); err == nil {
			// The shim writes handle.json before exit.json, so a handle
			// missing now will never come: the job did not start.
			if h, err := ReadHandle(dir); err == nil && h.ShimPID == pid {
				j.h = h
			}
			return j, nil
		}
		select {
		case <-done:
			// Exited since the checks above? Then the files are final.
			if h, err := ReadHandle(dir); err == nil && h.ShimPID == pid {
				j.h = h
				return j, nil
			}
			if _, err := ReadExit(dir); err == nil {
				return j, nil
			}
			return nil, fmt.Errorf("launch: shim exited before starting the job (%v)%s", waitErr, logTail(dir))
		case <-ctx.Done():
			abandon(cmd, pid, done)
			return nil, fmt.Errorf("launch: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// abandon kills a shim that Launch gives up on, and whatever it may have
// started, so that no job runs without anyone knowing its handle.
func abandon(cmd *exec.Cmd, pid int, done <-chan struct{}) {
	signalSession(pid, syscall.SIGKILL) // the shim is our unreaped child: sid pinned
	cmd.Process.Kill()
	<-done
	// The job may have been forked between the scan and the kill. Its
	// session id still pins the number, so a second scan is safe.
	signalSession(pid, syscall.SIGKILL)
}

// logTail returns the end of shim.log for error messages.
func logTail(dir string) string {
	f, err := os.Open(filepath.Join(dir, shimLog))
	if err != nil {
		return ""
	}
	defer f.Close()
	const max = 2048
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		f.Seek(-max, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	s := strings.TrimSpace(string(b))
	if s == "" {
		return ""
	}
	return ": " + s
}

// Adopt re-attaches to a shim started by an earlier engine process. It
// returns an error wrapping ErrGone when no process has pid h.ShimPID with
// start time h.ShimStart: the shim has exited (read exit.json) or its pid
// now belongs to someone else.
func Adopt(runDir string, h Handle) (*Job, error) {
	if !Alive(h.ShimPID, h.ShimStart) {
		return nil, fmt.Errorf("adopt shim %d in %s: %w", h.ShimPID, runDir, ErrGone)
	}
	j := &Job{runDir: runDir, h: h, done: make(chan struct{})}
	go func() {
		t := time.NewTicker(adoptPoll)
		defer t.Stop()
		for range t.C {
			if !Alive(h.ShimPID, h.ShimStart) {
				reapIfOurs(h.ShimPID, h.ShimStart)
				close(j.done)
				return
			}
		}
	}()
	return j, nil
}

// reapIfOurs collects the exit status of an adopted shim that was reparented
// to this process, which happens when the engine is PID 1 of a container or
// a child subreaper; otherwise the zombie would stay until the engine exits.
// The start-time and parent checks make sure that the zombie is the shim and
// not some other child whose status belongs to its own exec.Cmd.
func reapIfOurs(pid int, start uint64) {
	if s, ok := present(pid, start); ok && s.state == 'Z' && s.ppid == os.Getpid() {
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	}
}
