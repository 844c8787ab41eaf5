package process

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Exit codes of a job that could not start, as a shell reports them.
const (
	CodeNotFound      = 127
	CodeCannotExecute = 126
)

// StartError says why a command could not start.
type StartError struct {
	Code   int    // CodeNotFound or CodeCannotExecute
	Reason string // "command not found: trian.py"
}

func (e *StartError) Error() string { return e.Reason }

func startError(code int, format string, args ...any) *StartError {
	return &StartError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

// Command resolves argv the way a shell would, but before starting it, so
// that a failure is a short reason and a shell's exit code rather than a Go
// error string. The program is looked up in path (a PATH value) when its
// name has no '/', else relative to dir. dir "" is the current directory.
// The command it returns has Path, Args and Dir set, nothing else.
func Command(argv []string, dir, path string) (*exec.Cmd, *StartError) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, startError(CodeCannotExecute, "empty command")
	}
	if dir != "" {
		// Absolute, so that the path checks below and the child (which
		// resolves a relative program path after chdir) agree.
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, startError(CodeCannotExecute, "cwd %s: %v", dir, err)
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, startError(CodeCannotExecute, "cwd %s: %s", dir, reason(err))
		}
		if !fi.IsDir() {
			return nil, startError(CodeCannotExecute, "cwd %s: not a directory", dir)
		}
		dir = abs
	}
	name := argv[0]
	var prog string
	if filepath.Base(name) != name { // contains a '/': no PATH search
		prog = name
		if !filepath.IsAbs(prog) {
			// Relative to the job's cwd, where the child will exec it.
			prog = filepath.Join(dir, prog)
		}
		fi, err := os.Stat(prog)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, startError(CodeNotFound, "command not found: %s", name)
		case err != nil:
			return nil, startError(CodeCannotExecute, "%s: %s", name, reason(err))
		case fi.IsDir():
			return nil, startError(CodeCannotExecute, "permission denied: %s is a directory", name)
		case fi.Mode().Perm()&0o111 == 0:
			return nil, startError(CodeCannotExecute, "permission denied: %s is not executable", name)
		}
	} else {
		var ok bool
		if prog, ok = lookPath(name, path); !ok {
			return nil, startError(CodeNotFound, "command not found: %s", name)
		}
	}
	return &exec.Cmd{Path: prog, Args: argv, Dir: dir}, nil
}

// lookPath finds an executable file called name in the folders of path, as
// exec.LookPath does in $PATH. A relative folder is taken relative to the
// current directory (the shim's, or the engine's), as a shell would, and
// the result made absolute, since the job runs elsewhere.
func lookPath(name, path string) (string, bool) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "." // an empty entry is the current directory
		}
		prog := filepath.Join(dir, name)
		if !executable(prog) {
			continue
		}
		if abs, err := filepath.Abs(prog); err == nil {
			return abs, true
		}
	}
	return "", false
}

// executable reports whether this process may execute the file prog, as
// exec.LookPath decides it.
func executable(prog string) bool {
	fi, err := os.Stat(prog)
	if err != nil || fi.IsDir() {
		return false
	}
	err = unix.Faccessat(unix.AT_FDCWD, prog, unix.X_OK, unix.AT_EACCESS)
	if err == nil || (err != unix.ENOSYS && err != unix.EPERM) {
		return err == nil
	}
	return fi.Mode().Perm()&0o111 != 0
}

// PathOf is the value of PATH in env, or this process's when env has none.
func PathOf(env []string) string {
	for i := len(env) - 1; i >= 0; i-- { // the last one wins, as for exec
		if v, ok := strings.CutPrefix(env[i], "PATH="); ok {
			return v
		}
	}
	return os.Getenv("PATH")
}

// StartFailure maps what execve reported (the file changed since Command
// looked, an interpreter in #! is missing, …) to a reason and exit code.
func StartFailure(name string, err error) *StartError {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// ENOENT after a successful stat: usually the #! interpreter.
		return startError(CodeNotFound, "command not found: %s (or its interpreter)", name)
	case errors.Is(err, fs.ErrPermission):
		return startError(CodeCannotExecute, "permission denied: %s is not executable", name)
	case errors.Is(err, syscall.ENOEXEC):
		return startError(CodeCannotExecute, "cannot execute %s: exec format error (missing #! line?)", name)
	default:
		return startError(CodeCannotExecute, "cannot start %s: %s", name, reason(err))
	}
}

// reason strips the path/op decoration of an error, leaving e.g. "no such
// file or directory", since the caller already names the path.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err.Error()
	}
	return err.Error()
}

// WaitExited blocks until the child pid exits, leaving it unreaped (a
// zombie): while it is, its pid stays reserved, and so does its process
// group id, so signalling the group can never reach a process that reused
// the number. Collect it with exec.Cmd.Wait afterwards.
func WaitExited(pid int) error {
	var info unix.Siginfo // not inspected: Wait reports the status
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// Status says how a reaped process ended: its exit code, or -1 and the
// name of the signal that ended it. ok is false when state does not tell.
func Status(state *os.ProcessState) (code int, signal string, ok bool) {
	if state == nil {
		return -1, "", false
	}
	ws, isWS := state.Sys().(syscall.WaitStatus)
	switch {
	case !isWS:
		return -1, "", false
	case ws.Signaled():
		return -1, SignalName(ws.Signal()), true
	}
	return ws.ExitStatus(), "", true
}

// SignalName gives "SIGKILL" etc. (syscall's Signal.String gives
// descriptions, "killed"), or "signal 40" for one without a name.
func SignalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

// SignalNumber is the number of a signal SignalName names, 0 when it
// names none.
func SignalNumber(name string) int {
	if s := unix.SignalNum(name); s != 0 {
		return int(s)
	}
	var n int
	if _, err := fmt.Sscanf(name, "signal %d", &n); err == nil && n > 0 {
		return n
	}
	return 0
}
