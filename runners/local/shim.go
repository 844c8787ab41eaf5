package local

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	"unsafe"
)

const (
	// leftoverGrace is how long processes that outlive the job leader get
	// between SIGTERM and SIGKILL.
	leftoverGrace = 2 * time.Second
	// Exit codes of a job that could not start, as a shell reports them.
	codeNotFound      = 127
	codeCannotExecute = 126
)

// RunShim is the body of `lathe shim RUNDIR`. It reads spec.json, starts the
// job as the leader of a new process group with stdin /dev/null and stdout
// and stderr on output.log, writes handle.json, waits for the job, cleans up
// what is left of its tree, writes exit.json and returns the exit code for
// the shim process: 0 once exit.json is written (whatever the job's code), 1
// when it could not be written.
//
// SIGHUP and SIGINT are ignored; SIGTERM is forwarded to the job's tree so
// that `kill SHIMPID` stops the job gracefully and its exit is still recorded.
func RunShim(runDir string) int {
	logger := log.New(os.Stderr, fmt.Sprintf("lathe shim %d: ", os.Getpid()), log.LstdFlags|log.Lmicroseconds)

	// Catch rather than ignore: an ignored disposition (SIG_IGN) would be
	// inherited by the job across exec, a caught one is reset to default.
	// Registering before the job starts also means a SIGTERM that arrives
	// during start-up is queued and forwarded, not lost.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT)
	defer signal.Stop(sigs)

	ex := runJob(runDir, logger, sigs)
	if err := writeJSONAtomic(runDir, exitFile, ex); err != nil {
		logger.Printf("cannot record exit %+v: %v", ex, err)
		return 1
	}
	return 0
}

// startError is an Exit for a job that never ran.
func startError(code int, format string, args ...any) Exit {
	now := time.Now()
	return Exit{ExitCode: code, Error: fmt.Sprintf(format, args...), Started: now, Ended: now}
}

func runJob(runDir string, logger *log.Logger, sigs <-chan os.Signal) Exit {
	sp, err := readSpec(runDir)
	if err != nil {
		return startError(codeCannotExecute, "read spec: %v", err)
	}
	cmd, ex, ok := buildCmd(sp)
	if !ok {
		return ex
	}
	out, err := os.OpenFile(filepath.Join(runDir, outputFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return startError(codeCannotExecute, "open output: %v", err)
	}
	defer out.Close()
	// The same *os.File for both makes fd 1 and 2 share one open file
	// description, so stdout and stderr interleave in write order.
	cmd.Stdout, cmd.Stderr = out, out
	// cmd.Stdin nil = /dev/null; cmd.Env nil = the shim's own environment.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	started := time.Now()
	if err := cmd.Start(); err != nil {
		return startFailure(sp.Command[0], err)
	}
	pid := cmd.Process.Pid

	// Not reaped yet, so /proc/pid/stat exists even if the job already exited.
	jobStart, err1 := StartTime(pid)
	shimStart, err2 := StartTime(os.Getpid())
	h := Handle{ShimPID: os.Getpid(), ShimStart: shimStart, JobPID: pid, JobStart: jobStart}
	herr := errors.Join(err1, err2)
	if herr == nil {
		herr = writeJSONAtomic(runDir, handleFile, h)
	}
	if herr != nil {
		// A job nobody can find again must not run unsupervised.
		logger.Printf("cannot publish handle, killing job: %v", herr)
		killJob(pid, syscall.SIGKILL)
	}

	// Learn that the leader exited WITHOUT reaping it: while it is an
	// unreaped zombie its pid stays reserved as the process group id, so
	// signalling the group can never reach a process that reused the number.
	exited := make(chan error, 1)
	go func() { exited <- waitNoReap(pid) }()

wait:
	for {
		select {
		case err := <-exited:
			if err != nil {
				logger.Printf("waitid: %v", err)
			}
			break wait
		case s := <-sigs:
			if s == syscall.SIGTERM {
				if err := killJob(pid, syscall.SIGTERM); err != nil {
					logger.Printf("forward SIGTERM: %v", err)
				}
			}
		}
	}
	ended := time.Now()
	cleanupLeftovers(pid, logger)

	werr := cmd.Wait()
	ex = Exit{Started: started, Ended: ended}
	if herr != nil {
		ex.Error = herr.Error()
	}
	var ws syscall.WaitStatus
	ok = false
	if cmd.ProcessState != nil {
		ws, ok = cmd.ProcessState.Sys().(syscall.WaitStatus)
	}
	switch {
	case !ok:
		ex.ExitCode = -1
		ex.Error = fmt.Sprintf("wait: %v", werr)
	case ws.Signaled():
		ex.ExitCode = -1
		ex.Signal = signalName(ws.Signal())
	default:
		ex.ExitCode = ws.ExitStatus()
	}
	return ex
}

// buildCmd resolves the command the way a shell would, but before starting
// it, so that failures can be reported as a short reason and a shell-like
// exit code instead of a Go error string.
func buildCmd(sp spec) (*exec.Cmd, Exit, bool) {
	if len(sp.Command) == 0 || sp.Command[0] == "" {
		return nil, startError(codeCannotExecute, "empty command"), false
	}
	if sp.Cwd != "" {
		// Absolute, so that the path checks below and the child (which
		// resolves a relative program path after chdir) agree.
		abs, err := filepath.Abs(sp.Cwd)
		if err != nil {
			return nil, startError(codeCannotExecute, "cwd %s: %v", sp.Cwd, err), false
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, startError(codeCannotExecute, "cwd %s: %s", sp.Cwd, reason(err)), false
		}
		if !fi.IsDir() {
			return nil, startError(codeCannotExecute, "cwd %s: not a directory", sp.Cwd), false
		}
		sp.Cwd = abs
	}
	name := sp.Command[0]
	var path string
	if filepath.Base(name) != name { // contains a '/': no PATH search
		path = name
		if !filepath.IsAbs(path) {
			// Relative to the job's cwd, where the child will exec it.
			path = filepath.Join(sp.Cwd, path)
		}
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, startError(codeNotFound, "command not found: %s", name), false
		case err != nil:
			return nil, startError(codeCannotExecute, "%s: %s", name, reason(err)), false
		case fi.IsDir():
			return nil, startError(codeCannotExecute, "permission denied: %s is a directory", name), false
		case fi.Mode().Perm()&0o111 == 0:
			return nil, startError(codeCannotExecute, "permission denied: %s is not executable", name), false
		}
	} else {
		lp, err := exec.LookPath(name)
		switch {
		case errors.Is(err, exec.ErrDot):
			// PATH has a relative entry; it was meant relative to the
			// shim's directory, where LookPath found it.
			abs, aerr := filepath.Abs(lp)
			if aerr != nil {
				return nil, startError(codeCannotExecute, "%s: %v", name, aerr), false
			}
			lp = abs
		case errors.Is(err, exec.ErrNotFound):
			return nil, startError(codeNotFound, "command not found: %s", name), false
		case err != nil:
			return nil, startError(codeCannotExecute, "%s: %s", name, reason(err)), false
		}
		path = lp
	}
	cmd := &exec.Cmd{Path: path, Args: sp.Command, Dir: sp.Cwd}
	return cmd, Exit{}, true
}

// startFailure maps what execve reported (the file changed since buildCmd
// looked, an interpreter in #! is missing, …) to a reason and exit code.
func startFailure(name string, err error) Exit {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// ENOENT after a successful stat: usually the #! interpreter.
		return startError(codeNotFound, "command not found: %s (or its interpreter)", name)
	case errors.Is(err, fs.ErrPermission):
		return startError(codeCannotExecute, "permission denied: %s is not executable", name)
	case errors.Is(err, syscall.ENOEXEC):
		return startError(codeCannotExecute, "cannot execute %s: exec format error (missing #! line?)", name)
	default:
		return startError(codeCannotExecute, "cannot start %s: %s", name, reason(err))
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

// waitNoReap blocks until pid exits, leaving it a zombie (WNOWAIT). The
// syscall package has no Waitid, and golang.org/x/sys is not a direct
// requirement of the module, so waitid(2) is called directly.
func waitNoReap(pid int) error {
	const pPID = 1     // P_PID from <sys/wait.h>
	var info [128]byte // siginfo_t, not inspected: cmd.Wait reports the status
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		if e != syscall.EINTR {
			if e != 0 {
				return e
			}
			return nil
		}
	}
}

// killJob sends sig to the job's group and to everything else in the shim's
// session. Inside the shim no start-time check is needed: until the shim
// reaps the leader, the leader's pid (= the group id) cannot be reused.
func killJob(pid int, sig syscall.Signal) error {
	return errors.Join(kill(-pid, sig), signalSession(os.Getpid(), sig))
}

// cleanupLeftovers ends processes of the job that outlived its leader:
// SIGTERM, then SIGKILL after leftoverGrace. The leader is an unreaped zombie
// here (so it is not counted as live, and its group id stays reserved).
func cleanupLeftovers(pid int, logger *log.Logger) {
	self := os.Getpid()
	if len(sessionMembers(self, true)) == 0 {
		return
	}
	logger.Printf("job leader exited; terminating the rest of its tree")
	killJob(pid, syscall.SIGTERM)
	if waitSessionEmpty(self, leftoverGrace) {
		return
	}
	logger.Printf("leftovers ignored SIGTERM for %v; killing", leftoverGrace)
	killJob(pid, syscall.SIGKILL)
	if !waitSessionEmpty(self, 2*time.Second) {
		// Only a process stuck in the kernel (state D) survives SIGKILL.
		logger.Printf("processes still present after SIGKILL: %v", sessionMembers(self, true))
	}
}

// waitSessionEmpty waits up to d until session sid has no live process
// besides its leader.
func waitSessionEmpty(sid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for len(sessionMembers(sid, true)) > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// signalNames are the Linux names of the standard signals. syscall's
// Signal.String gives descriptions ("killed"), not names.
var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGILL: "SIGILL", syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT",
	syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE", syscall.SIGKILL: "SIGKILL",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM",
	syscall.SIGSTKFLT: "SIGSTKFLT", syscall.SIGCHLD: "SIGCHLD", syscall.SIGCONT: "SIGCONT",
	syscall.SIGSTOP: "SIGSTOP", syscall.SIGTSTP: "SIGTSTP", syscall.SIGTTIN: "SIGTTIN",
	syscall.SIGTTOU: "SIGTTOU", syscall.SIGURG: "SIGURG", syscall.SIGXCPU: "SIGXCPU",
	syscall.SIGXFSZ: "SIGXFSZ", syscall.SIGVTALRM: "SIGVTALRM", syscall.SIGPROF: "SIGPROF",
	syscall.SIGWINCH: "SIGWINCH", syscall.SIGIO: "SIGIO", syscall.SIGPWR: "SIGPWR",
	syscall.SIGSYS: "SIGSYS",
}

// signalName gives "SIGKILL" etc., falling back to the number for signals
// without a name (real-time signals).
func signalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}
