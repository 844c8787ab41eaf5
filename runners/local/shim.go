package local

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"lathe/runners/capture"
	"lathe/runners/process"
)

const (
	// leftoverGrace is how long processes that outlive the job leader get
	// between SIGTERM and SIGKILL.
	leftoverGrace = 2 * time.Second
	// captureBudget bounds the environment capture as a whole (each of its
	// probes has a shorter timeout of its own); captureGrace is how much
	// longer the shim waits for it to record what it has.
	captureBudget = 30 * time.Second
	captureGrace  = 5 * time.Second
)

// RunShim is the body of `lathe shim RUNDIR`. It reads spec.json, starts the
// job as the leader of a new process group with stdin /dev/null and stdout
// and stderr on output.log, writes handle.json, records the environment the
// job started in beside it (environment.json, diff.patch), waits for the
// job, cleans up what is left of its tree, waits for that record, writes
// exit.json and returns the exit code for the shim process: 0 once exit.json
// is written (whatever the job's code), 1 when it could not be written.
//
// SIGHUP and SIGINT are ignored; SIGTERM is forwarded to the job's tree so
// that `kill SHIMPID` stops the job gracefully and its exit is still recorded.
//
// With LATHE_SHIM_EXIT=job in its environment (a batch script of a
// cluster's scheduler, which judges a job by its script's exit) the shim
// exits as the job did once exit.json is written: its code, or 128+N for
// a signal N. The variable is not passed on to the job.
func RunShim(runDir string) int {
	logger := log.New(os.Stderr, fmt.Sprintf("lathe shim %d: ", os.Getpid()), log.LstdFlags|log.Lmicroseconds)
	exitAsJob := os.Getenv(ShimExitEnv) == "job"
	os.Unsetenv(ShimExitEnv)
	// Orphans of the job (a daemon that left its session with setsid, a
	// double fork) are re-parented to the shim, not to init: they stay
	// below it, and end with the job.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		logger.Printf("cannot become a subreaper (escaped processes may outlive the job): %v", err)
	}

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
	if exitAsJob {
		return ex.code()
	}
	return 0
}

// ShimExitEnv set to "job" makes the shim exit as its job did.
const ShimExitEnv = "LATHE_SHIM_EXIT"

// code is the exit as a shell gives it: the job's code, 128+N for a
// signal N.
func (ex Exit) code() int {
	if ex.Signal != "" {
		if n := process.SignalNumber(ex.Signal); n > 0 {
			return 128 + n
		}
		return 1
	}
	if ex.ExitCode < 0 || ex.ExitCode > 255 {
		return 1
	}
	return ex.ExitCode
}

// startError is an Exit for a job that never ran.
func startError(code int, format string, args ...any) Exit {
	now := time.Now()
	return Exit{ExitCode: code, Error: fmt.Sprintf(format, args...), Started: now, Ended: now}
}

func runJob(runDir string, logger *log.Logger, sigs <-chan os.Signal) Exit {
	sp, err := readSpec(runDir)
	if err != nil {
		return startError(process.CodeCannotExecute, "read spec: %v", err)
	}
	out, err := os.OpenFile(filepath.Join(runDir, outputFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return startError(process.CodeCannotExecute, "open output: %v", err)
	}
	defer out.Close()
	cg, err := newCgroup(filepath.Base(runDir))
	if err != nil {
		cg = ""
		logger.Printf("the job has no cgroup of its own (its session and the shim find its processes): %v", err)
	}
	started := time.Now()
	cmd, serr := startJob(sp, out, cg)
	if serr != nil && cg != "" {
		// The group may be refused to a new process (a delegation that
		// does not cover it): the job runs without one rather than not.
		logger.Printf("starting the job in cgroup %s: %s; starting it without", cg, serr.Reason)
		removeCgroup(cg, time.Second)
		cg = ""
		cmd, serr = startJob(sp, out, "")
	}
	if serr != nil {
		return startError(serr.Code, "%s", serr.Reason)
	}
	defer func() {
		if err := removeCgroup(cg, 2*time.Second); err != nil {
			logger.Printf("%v", err)
		}
	}()
	pid := cmd.Process.Pid

	// Not reaped yet, so /proc/pid/stat exists even if the job already exited.
	jobStart, err1 := StartTime(pid)
	shimStart, err2 := StartTime(os.Getpid())
	h := Handle{ShimPID: os.Getpid(), ShimStart: shimStart, JobPID: pid, JobStart: jobStart, Cgroup: cg}
	herr := errors.Join(err1, err2)
	if herr == nil {
		herr = writeJSONAtomic(runDir, handleFile, h)
	}
	waitCapture := func() {}
	if herr != nil {
		// A job nobody can find again must not run unsupervised.
		logger.Printf("cannot publish handle, killing job: %v", herr)
		killJob(pid, cg, syscall.SIGKILL)
	} else {
		// Beside the job, not before it: the job never waits for this.
		waitCapture = startCapture(runDir, sp, cmd.Dir, logger)
	}

	// Learn that the leader exited WITHOUT reaping it: while it is an
	// unreaped zombie its pid stays reserved as the process group id, so
	// signalling the group can never reach a process that reused the number.
	exited := make(chan error, 1)
	go func() { exited <- process.WaitExited(pid) }()

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
				if err := killJob(pid, cg, syscall.SIGTERM); err != nil {
					logger.Printf("forward SIGTERM: %v", err)
				}
			}
		}
	}
	ended := time.Now()
	cleanupLeftovers(pid, cg, logger)

	werr := cmd.Wait()
	ex := Exit{Started: started, Ended: ended}
	if herr != nil {
		ex.Error = herr.Error()
	}
	code, sig, ok := process.Status(cmd.ProcessState)
	ex.ExitCode, ex.Signal = code, sig
	if !ok {
		ex.Error = fmt.Sprintf("wait: %v", werr)
	}
	// environment.json before exit.json: a run that ended has its record.
	waitCapture()
	return ex
}

// startCapture records the environment the job started in (environment.json
// and diff.patch, see package capture) in the background, and returns the
// function that waits for it, at most until captureBudget+captureGrace
// after it started. The shim's environment is the job's.
func startCapture(runDir string, sp spec, dir string, logger *log.Logger) (wait func()) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), captureBudget)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e, patch, err := capture.Environment(ctx, sp.Command, dir, os.Environ(), capture.Options{PatchLimit: sp.PatchLimit})
		if err != nil {
			logger.Printf("environment capture cut short after %v: %v", time.Since(began).Round(time.Millisecond), err)
		}
		if err := capture.Write(runDir, e, patch); err != nil {
			logger.Printf("cannot record the environment: %v", err)
		}
	}()
	return func() {
		defer cancel()
		t := time.NewTimer(time.Until(began.Add(captureBudget + captureGrace)))
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			logger.Printf("environment capture abandoned after %v", time.Since(began).Round(time.Second))
		}
	}
}

// startJob starts the job's command with its output to out, in the cgroup
// folder cg when not "".
func startJob(sp spec, out *os.File, cg string) (*exec.Cmd, *process.StartError) {
	// The shim's environment is the job's, PATH included.
	cmd, serr := process.Command(sp.Command, sp.Cwd, os.Getenv("PATH"))
	if serr != nil {
		return nil, serr
	}
	// The same *os.File for both makes fd 1 and 2 share one open file
	// description, so stdout and stderr interleave in write order.
	cmd.Stdout, cmd.Stderr = out, out
	// cmd.Stdin nil = /dev/null; cmd.Env nil = the shim's own environment.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cg != "" {
		// Born in the group (clone3's CLONE_INTO_CGROUP): nothing it
		// starts can run before it is in there.
		d, err := os.Open(cg)
		if err != nil {
			return nil, process.StartFailure(sp.Command[0], err)
		}
		defer d.Close()
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, int(d.Fd())
	}
	if err := cmd.Start(); err != nil {
		return nil, process.StartFailure(sp.Command[0], err)
	}
	return cmd, nil
}

// killJob sends sig to the job's group, to the rest of its processes
// (jobMembers: the shim's session, and what escaped it below the shim) and
// to its cgroup's. Inside the shim no start-time check is needed: until the
// shim reaps the leader, the leader's pid (= the group id) cannot be reused.
func killJob(pid int, cg string, sig syscall.Signal) error {
	return errors.Join(kill(-pid, sig), signalSession(os.Getpid(), sig), signalCgroup(cg, sig))
}

// cleanupLeftovers ends processes of the job that outlived its leader:
// SIGTERM, then SIGKILL after leftoverGrace. The leader is an unreaped zombie
// here (so it is not counted as live, and its group id stays reserved).
func cleanupLeftovers(pid int, cg string, logger *log.Logger) {
	self := os.Getpid()
	left := func() bool { return len(jobMembers(self, true)) > 0 || cgroupPopulated(cg) }
	if !left() {
		return
	}
	logger.Printf("job leader exited; terminating the rest of its tree")
	killJob(pid, cg, syscall.SIGTERM)
	if waitUntil(leftoverGrace, func() bool { return !left() }) {
		return
	}
	logger.Printf("leftovers ignored SIGTERM for %v; killing", leftoverGrace)
	killJob(pid, cg, syscall.SIGKILL)
	if !waitUntil(2*time.Second, func() bool { return !left() }) {
		// Only a process stuck in the kernel (state D) survives SIGKILL.
		logger.Printf("processes still present after SIGKILL: %v %v", jobMembers(self, true), cgroupProcs(cg))
	}
}

// waitUntil waits up to d for done, checking every 50 ms.
func waitUntil(d time.Duration, done func() bool) bool {
	deadline := time.Now().Add(d)
	for !done() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
