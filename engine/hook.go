package engine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lathe/store"
)

// hookOutput bounds what a request keeps of its hook's output: the end,
// where the reason usually is.
const hookOutput = 4 << 10

// runHook runs the configured on_promote command for version v, whose
// artifact's copy is at artifact, within the configured time: its exit,
// whether it ran out of time, and the end of its output. It runs in a
// process group of its own, which a time-out kills whole.
func (e *Engine) runHook(ctx context.Context, v *store.ModelVersion, artifact string) *store.HookResult {
	command := e.opts.Config.Registry.OnPromote
	timeout := time.Duration(e.opts.Config.Registry.HookTimeout)
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Env = append(os.Environ(), "LATHE_MODEL="+v.Model, "LATHE_VERSION="+strconv.Itoa(v.Version), "LATHE_ARTIFACT="+artifact)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := &store.HookResult{Command: command}
	var ee *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		res.TimedOut, res.ExitCode = true, -1
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
	case err != nil:
		res.ExitCode = -1
		out.WriteString("\n" + err.Error())
	}
	tail := out.Bytes()
	if len(tail) > hookOutput {
		tail = tail[len(tail)-hookOutput:]
	}
	res.Output = strings.TrimSpace(string(tail))
	e.log.Info("on_promote hook", "model", v.Model, "version", v.Version, "exit", res.ExitCode, "timed_out", res.TimedOut)
	return res
}
