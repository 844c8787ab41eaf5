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
// artifact's copy is at artifact.
func (e *Engine) runHook(ctx context.Context, v *store.ModelVersion, artifact string) *store.HookResult {
	return e.runCommand(ctx, "on_promote", e.opts.Config.Registry.OnPromote,
		[]string{"LATHE_MODEL=" + v.Model, "LATHE_VERSION=" + strconv.Itoa(v.Version), "LATHE_ARTIFACT=" + artifact})
}

// runCommand runs a hook's command by /bin/sh -c with env added to the
// engine's, within [registry] hook_timeout, in a process group of its own
// that a time-out kills whole: its exit, whether it ran out of time, and
// the end of its output.
func (e *Engine) runCommand(ctx context.Context, hook, command string, env []string) *store.HookResult {
	timeout := time.Duration(e.opts.Config.Registry.HookTimeout)
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Env = append(os.Environ(), env...)
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
	log := e.log.Info
	if res.ExitCode != 0 {
		log = e.log.Warn
	}
	log("hook", "hook", hook, "env", env, "exit", res.ExitCode, "timed_out", res.TimedOut, "output", res.Output)
	return res
}
