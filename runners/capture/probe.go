package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"lathe/runners/process"
)

// errNotInstalled reports that a probe's program is not on the job's PATH.
var errNotInstalled = errors.New("not installed")

// probeWaitDelay is how long a probe's output pipes may stay open after the
// probe was killed or exited (a grandchild holding them) before they are
// closed under it.
const probeWaitDelay = time.Second

// maxOutput bounds what a probe's output may take in memory (pip freeze of
// a large environment is a few tens of KiB).
const maxOutput = 8 << 20

// prober runs the probes of one capture: the job's environment and
// working directory, and the time each probe may take.
type prober struct {
	env     []string
	dir     string
	timeout time.Duration
}

// exitError is a probe that ran and failed: its exit status and the first
// line of what it wrote on stderr.
type exitError struct {
	status string
	stderr string
}

func (e *exitError) Error() string {
	if e.stderr == "" {
		return e.status
	}
	return e.status + ": " + e.stderr
}

// output runs prog and returns its standard output (at most maxOutput
// bytes of it).
func (p prober) output(ctx context.Context, prog string, args ...string) ([]byte, error) {
	var out cappedBuffer
	out.limit = maxOutput
	err := p.run(ctx, &out, prog, args...)
	return out.Bytes(), err
}

// ProbeEnv is in the environment of every probe the capture runs.
const ProbeEnv = "LATHE_PROBE=1"

// run runs prog (looked up in the job's PATH unless it has a '/') with
// args, its standard output going to stdout. The error wraps
// errNotInstalled when prog is not there, is an *exitError when it failed,
// and says "timed out after 10s" when its time ran out.
func (p prober) run(ctx context.Context, stdout io.Writer, prog string, args ...string) error {
	if err := ctx.Err(); err != nil {
		return cutShort(ctx)
	}
	resolved, serr := process.Command([]string{prog}, p.dir, process.PathOf(p.env))
	if serr != nil {
		if serr.Code == process.CodeNotFound {
			return fmt.Errorf("%s: %w", prog, errNotInstalled)
		}
		return errors.New(serr.Reason)
	}
	pctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	cmd := exec.CommandContext(pctx, resolved.Path, args...)
	cmd.Dir = resolved.Dir
	// Marked, so that the shim's clean-up and signals know it is not the
	// job's (it is below the shim, a subreaper).
	cmd.Env = append(slices.Clip(p.env), ProbeEnv)
	cmd.Stdout = stdout
	stderr := &cappedBuffer{limit: 4096}
	cmd.Stderr = stderr
	// A session of its own: not a member of the job's tree for the shim's
	// clean-up and signals. Killed with the shim, and as a group on timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = probeWaitDelay
	err := cmd.Run()
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return cutShort(ctx)
	case pctx.Err() != nil:
		return fmt.Errorf("timed out after %v", p.timeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitError{status: ee.ProcessState.String(), stderr: summary(stderr.String())}
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		return nil // it exited; something it started kept the pipe open
	}
	return err
}

// cutShort is the error of a probe stopped because the whole capture's time
// (ctx) ran out or was cancelled.
func cutShort(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errors.New("cut short: the capture's time ran out")
	}
	return fmt.Errorf("cut short: %w", ctx.Err())
}

// firstLine is the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

// summary is the line of a probe's stderr that says what went wrong: the
// last of a Python traceback (the exception), else the first.
func summary(stderr string) string {
	if !strings.Contains(stderr, "Traceback (most recent call last)") {
		return firstLine(stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// cappedBuffer keeps the first limit bytes written to it and drops the
// rest, so that a chatty probe cannot exhaust memory.
type cappedBuffer struct {
	bytes.Buffer
	limit int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
