// Package runnertest is the suite every runner passes: each implementation
// of runners.Runner calls Run from its tests, so that the engine can count
// on the same behaviour from all of them.
package runnertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lathe/runners"
)

// timeout bounds every wait of the suite.
const timeout = 20 * time.Second

// Run checks that the runner newRunner returns keeps the contract of
// runners.Runner. Each subtest gets a fresh runner; a job is adopted again
// through the runner value that started it, as an engine re-opened in the
// same process would. Runners that are a runners.ProcessOwner have their
// jobs on this machine, and are checked for it too.
func Run(t *testing.T, newRunner func(t *testing.T) runners.Runner) {
	t.Run("ExitAndOutput", func(t *testing.T) {
		t.Parallel()
		r := newRunner(t)
		dir := t.TempDir()
		j := start(t, r, dir, sh(`echo out; echo err >&2; echo out2; exit 3`))
		if len(j.Handle()) == 0 {
			t.Error("empty handle")
		}
		if _, local := r.(runners.ProcessOwner); local && j.PID() <= 0 {
			t.Errorf("a job of this machine has pid %d", j.PID())
		}
		began := time.Now()
		x := exit(t, j)
		if x.ExitCode != 3 || x.Signal != "" || x.Error != "" {
			t.Errorf("exit %+v, want code 3", x)
		}
		if x.Ended.IsZero() || x.Ended.After(time.Now()) || x.Ended.Before(began.Add(-time.Minute)) {
			t.Errorf("ended %v", x.Ended)
		}
		if got := read(t, r.Files(dir).Output); got != "out\nerr\nout2\n" {
			t.Errorf("output %q", got)
		}
	})

	t.Run("EnvironmentDirAndPath", func(t *testing.T) {
		t.Parallel()
		r := newRunner(t)
		dir, cwd, bin := t.TempDir(), t.TempDir(), t.TempDir()
		// A program found only through the PATH of the job's environment.
		prog := filepath.Join(bin, "lathe-runnertest-prog")
		if err := os.WriteFile(prog, []byte("#!/bin/sh\necho \"$GREETING from $(pwd)\" >> \"$LATHE_METRICS_FILE\"\necho done\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		files := r.Files(dir)
		env := []string{"PATH=" + bin + ":/usr/bin:/bin", "GREETING=hello", "LATHE_METRICS_FILE=" + files.Metrics}
		j, err := r.Start(ctx(t), dir, runners.Spec{Command: []string{"lathe-runnertest-prog"}, Dir: cwd, Env: env})
		if err != nil {
			t.Fatal(err)
		}
		cleanup(t, j)
		if x := exit(t, j); x.ExitCode != 0 || x.Error != "" {
			t.Fatalf("exit %+v", x)
		}
		if got := read(t, files.Metrics); got != "hello from "+cwd+"\n" {
			t.Errorf("the job wrote %q to its metrics file", got)
		}
		if got := read(t, files.Output); got != "done\n" {
			t.Errorf("output %q", got)
		}
	})

	t.Run("CannotStart", func(t *testing.T) {
		t.Parallel()
		r := newRunner(t)
		j := start(t, r, t.TempDir(), []string{"lathe-runnertest-no-such-command"})
		x := exit(t, j)
		if x.ExitCode != 127 || !strings.Contains(x.Error, "command not found") {
			t.Errorf("exit %+v, want 127 and command not found", x)
		}
	})

	t.Run("SignalEndsTheJob", func(t *testing.T) {
		t.Parallel()
		r := newRunner(t)
		dir := t.TempDir()
		child := filepath.Join(t.TempDir(), "child")
		// The job and a child of its, both deaf to SIGTERM.
		j := start(t, r, dir, sh(fmt.Sprintf(`trap "" TERM; sh -c 'trap "" TERM; while :; do sleep 0.05; done' & echo $! > %s; wait`, child)))
		pid := waitPID(t, child)
		if err := j.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := j.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		x := exit(t, j)
		if x.Signal != "SIGKILL" || x.ExitCode != -1 {
			t.Errorf("exit %+v, want SIGKILL", x)
		}
		if _, local := r.(runners.ProcessOwner); local && !eventually(func() bool { return !alive(pid) }) {
			t.Errorf("the job's child %d outlived it", pid)
		}
		if err := j.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("signalling an ended job: %v", err)
		}
	})

	t.Run("AdoptRunningAndEnded", func(t *testing.T) {
		t.Parallel()
		r := newRunner(t)
		dir := t.TempDir()
		gate := filepath.Join(t.TempDir(), "gate")
		j := start(t, r, dir, sh(fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.02; done; exit 5`, gate)))
		for _, handle := range [][]byte{j.Handle(), nil} {
			a, err := r.Adopt(dir, handle)
			if err != nil {
				t.Fatalf("adopt (handle %q): %v", handle, err)
			}
			select {
			case <-a.Done():
				t.Fatalf("adopt (handle %q): a running job is done", handle)
			default:
			}
			if a.PID() != j.PID() || string(a.Handle()) != string(j.Handle()) {
				t.Errorf("adopted %v (handle %q), started %v (handle %q)", a, a.Handle(), j, j.Handle())
			}
		}
		a, _ := r.Adopt(dir, j.Handle())
		os.WriteFile(gate, nil, 0o644)
		if x := exit(t, a); x.ExitCode != 5 {
			t.Errorf("adopted job's exit %+v, want code 5", x)
		}
		exit(t, j)
		// Once it has ended, it is found done, with the same end.
		ended, err := r.Adopt(dir, j.Handle())
		if err != nil {
			t.Fatal(err)
		}
		if x := exit(t, ended); x.ExitCode != 5 {
			t.Errorf("an ended job adopted: exit %+v, want code 5", x)
		}
	})

	t.Run("AdoptUnknown", func(t *testing.T) {
		t.Parallel()
		r := newRunner(t)
		for _, handle := range [][]byte{nil, []byte("not a handle of this runner")} {
			j, err := r.Adopt(t.TempDir(), handle)
			if err != nil {
				t.Fatalf("adopt (handle %q): %v", handle, err)
			}
			select {
			case <-j.Done():
			default:
				t.Fatalf("adopt (handle %q): a job that never ran is not done", handle)
			}
			if _, err := j.Exit(); !errors.Is(err, runners.ErrNoExit) || err.Error() == "" {
				t.Errorf("adopt (handle %q): exit error %v, want ErrNoExit with a reason", handle, err)
			}
			if err := j.Signal(syscall.SIGKILL); err != nil {
				t.Errorf("adopt (handle %q): signal: %v", handle, err)
			}
		}
	})

	t.Run("Owners", func(t *testing.T) {
		t.Parallel()
		r := newRunner(t)
		po, ok := r.(runners.ProcessOwner)
		if !ok {
			t.Skip("not a runner of this machine's processes")
		}
		child := filepath.Join(t.TempDir(), "child")
		gate := filepath.Join(t.TempDir(), "gate")
		other := start(t, r, t.TempDir(), sh(fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.02; done`, gate)))
		j := start(t, r, t.TempDir(), sh(fmt.Sprintf(`sh -c 'while [ ! -e %s ]; do sleep 0.02; done' & echo $! > %s; wait`, gate, child)))
		pid := waitPID(t, child)
		got := po.Owners([]int{pid, j.PID(), other.PID(), os.Getpid()}, []runners.Job{other, j})
		want := map[int]int{pid: 1, j.PID(): 1, other.PID(): 0}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("owners %v, want %v", got, want)
		}
		os.WriteFile(gate, nil, 0o644)
		exit(t, j)
		exit(t, other)
	})
}

func sh(script string) []string { return []string{"/bin/sh", "-c", script} }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return c
}

// start starts command in dir with this process's environment, and ends
// the job when the test does.
func start(t *testing.T, r runners.Runner, dir string, command []string) runners.Job {
	t.Helper()
	j, err := r.Start(ctx(t), dir, runners.Spec{Command: command, Dir: dir, Env: os.Environ()})
	if err != nil {
		t.Fatalf("start %q: %v", command, err)
	}
	cleanup(t, j)
	return j
}

func cleanup(t *testing.T, j runners.Job) {
	t.Cleanup(func() {
		j.Signal(syscall.SIGKILL)
		select {
		case <-j.Done():
		case <-time.After(timeout):
			t.Errorf("job %v not done after SIGKILL", j)
		}
	})
}

// exit waits for a job to end and says how it did.
func exit(t *testing.T, j runners.Job) runners.Exit {
	t.Helper()
	select {
	case <-j.Done():
	case <-time.After(timeout):
		t.Fatalf("job %v not done after %v", j, timeout)
	}
	x, err := j.Exit()
	if err != nil {
		t.Fatalf("exit of %v: %v", j, err)
	}
	return x
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitPID waits for a job to write a pid into file.
func waitPID(t *testing.T, file string) int {
	t.Helper()
	var pid int
	if !eventually(func() bool {
		b, err := os.ReadFile(file)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	}) {
		t.Fatalf("no pid in %s", file)
	}
	return pid
}

func eventually(cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// alive reports whether pid runs (a zombie has ended).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && len(b) > i+2 && b[i+2] != 'Z'
}
