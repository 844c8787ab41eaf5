package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lathe/runners"
	"lathe/runners/runnertest"
)

// The test binary doubles as the shim (LATHE_TEST_SHIM=1, as `lathe shim`
// would be in production) and as a helper process for jobs
// (LATHE_TEST_HELPER). The helper check comes first because jobs inherit
// the shim's environment, LATHE_TEST_SHIM included.
func TestMain(m *testing.M) {
	switch os.Getenv("LATHE_TEST_HELPER") {
	case "newpgrp":
		os.Exit(helperNewPgrp(os.Args[len(os.Args)-1]))
	case "":
	default:
		fmt.Fprintln(os.Stderr, "unknown helper")
		os.Exit(2)
	}
	if os.Getenv("LATHE_TEST_SHIM") == "1" {
		os.Exit(RunShim(os.Args[len(os.Args)-1]))
	}
	code := m.Run()
	if left := leftovers(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "processes left running in test sessions: %v\n", left)
		code = 1
	}
	os.Exit(code)
}

// helperNewPgrp moves into a process group of its own (without setsid, so it
// stays in the shim's session), ignores SIGTERM, records SIGUSR1 in a marker
// file, writes its pid to pidFile and sleeps.
func helperNewPgrp(pidFile string) int {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	signal.Ignore(syscall.SIGTERM)
	if err := syscall.Setpgid(0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "setpgid:", err)
		return 1
	}
	if err := os.WriteFile(pidFile+".tmp", []byte(fmt.Sprint(os.Getpid())), 0o644); err != nil {
		return 1
	}
	os.Rename(pidFile+".tmp", pidFile)
	for {
		select {
		case <-usr1:
			os.WriteFile(pidFile+".usr1", []byte("got"), 0o644)
		case <-time.After(time.Hour):
		}
	}
}

var (
	shimsMu sync.Mutex
	shims   []int // session ids of every shim started by the tests
)

func leftovers() []int {
	shimsMu.Lock()
	defer shimsMu.Unlock()
	var left []int
	for _, sid := range shims {
		left = append(left, jobMembers(sid, true)...)
		if s, err := readStat(sid); err == nil && s.session == sid && s.state != 'Z' {
			left = append(left, sid)
		}
	}
	return left
}

func testBin(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// shimEnv is the test process's environment plus what makes the test binary
// act as the shim. GORACE: a -race binary otherwise sleeps 1s before exiting.
func shimEnv(extra ...string) []string {
	return append(append(os.Environ(), "LATHE_TEST_SHIM=1", "GORACE=atexit_sleep_ms=0"), extra...)
}

// newRun makes a run dir with a spec.json. cwd "" means the run dir itself.
func newRun(t *testing.T, cwd string, command ...string) string {
	t.Helper()
	dir := t.TempDir()
	if cwd == "" {
		cwd = dir
	}
	b, err := json.Marshal(map[string]any{"command": command, "cwd": cwd, "name": "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, specFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// launch starts a shim for dir and makes sure that nothing of it survives
// the test.
func launch(t *testing.T, dir string, env []string) *Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	j, err := Launch(ctx, testBin(t), dir, env)
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	h := j.Handle()
	shimsMu.Lock()
	shims = append(shims, h.ShimPID)
	shimsMu.Unlock()
	t.Cleanup(func() {
		signalTree(h, syscall.SIGKILL)
		if Alive(h.ShimPID, h.ShimStart) {
			syscall.Kill(h.ShimPID, syscall.SIGKILL)
		}
		select {
		case <-j.Done():
		case <-time.After(10 * time.Second):
			t.Errorf("shim %d did not exit", h.ShimPID)
		}
		signalSession(h.ShimPID, syscall.SIGKILL) // anything forked meanwhile
	})
	return j
}

func waitDone(t *testing.T, j *Job, d time.Duration) {
	t.Helper()
	select {
	case <-j.Done():
	case <-time.After(d):
		t.Fatalf("job %+v not done after %v", j.Handle(), d)
	}
}

func mustExit(t *testing.T, dir string) Exit {
	t.Helper()
	e, err := ReadExit(dir)
	if err != nil {
		t.Fatalf("ReadExit: %v", err)
	}
	return e
}

func output(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, outputFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// eventually polls cond every 20ms for up to d.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func TestSuccessAndFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		script, out string
		code        int
	}{{"echo hi", "hi\n", 0}, {"echo bye; exit 3", "bye\n", 3}} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			t.Parallel()
			dir := newRun(t, "", "/bin/sh", "-c", tc.script)
			j := launch(t, dir, shimEnv())
			h := j.Handle()
			if h.JobPID <= 0 || h.JobStart == 0 || h.ShimStart == 0 {
				t.Fatalf("bad handle %+v", h)
			}
			if onDisk, err := ReadHandle(dir); err != nil || onDisk != h {
				t.Fatalf("ReadHandle = %+v, %v; want %+v", onDisk, err, h)
			}
			waitDone(t, j, 10*time.Second)
			e := mustExit(t, dir)
			if e.ExitCode != tc.code || e.Signal != "" || e.Error != "" {
				t.Errorf("exit = %+v, want code %d", e, tc.code)
			}
			if e.Started.IsZero() || e.Ended.Before(e.Started) {
				t.Errorf("bad times %v .. %v", e.Started, e.Ended)
			}
			if out := output(t, dir); out != tc.out {
				t.Errorf("output %q", out)
			}
			// RFC3339Nano on disk.
			b, _ := os.ReadFile(filepath.Join(dir, exitFile))
			var raw map[string]any
			json.Unmarshal(b, &raw)
			if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(raw["ended"])); err != nil {
				t.Errorf("ended not RFC3339Nano: %s", b)
			}
		})
	}
}

func TestOutputInterleaving(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/sh", "-c", "echo out1; echo err1 >&2; echo out2; echo err2 >&2; echo out3")
	j := launch(t, dir, shimEnv())
	waitDone(t, j, 10*time.Second)
	if got, want := output(t, dir), "out1\nerr1\nout2\nerr2\nout3\n"; got != want {
		t.Errorf("output.log = %q, want %q", got, want)
	}
	if e := mustExit(t, dir); e.ExitCode != 0 {
		t.Errorf("exit %+v", e)
	}
}

func TestEnvironmentPassedThrough(t *testing.T) {
	// Not parallel: uses t.Setenv.
	t.Setenv("LATHE_TEST_NOT_PASSED", "engine-only")
	dir := newRun(t, "", "/bin/sh", "-c", `echo "marker=$LATHE_TEST_MARKER"; echo "leak=${LATHE_TEST_NOT_PASSED-unset}"; echo "pwd=$(pwd)"; read x; echo "stdin=$? $x"`)
	env := []string{"PATH=" + os.Getenv("PATH"), "LATHE_TEST_SHIM=1", "GORACE=atexit_sleep_ms=0", "LATHE_TEST_MARKER=hello world"}
	j := launch(t, dir, env)
	waitDone(t, j, 10*time.Second)
	out := output(t, dir)
	realDir, _ := filepath.EvalSymlinks(dir)
	for _, want := range []string{"marker=hello world\n", "leak=unset\n", "stdin=1 \n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if !strings.Contains(out, "pwd="+dir+"\n") && !strings.Contains(out, "pwd="+realDir+"\n") {
		t.Errorf("job did not run in its cwd: %q", out)
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	notExec := t.TempDir()
	if err := os.WriteFile(filepath.Join(notExec, "train.sh"), []byte("#!/bin/sh\necho hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, cwd string
		cmd       []string
		code      int
		msg       string
	}{
		{"not found", "", []string{"lathe-no-such-command", "x"}, 127, "command not found: lathe-no-such-command"},
		{"missing path", "", []string{"./missing.sh"}, 127, "command not found: ./missing.sh"},
		{"not executable", notExec, []string{"./train.sh"}, 126, "permission denied: ./train.sh is not executable"},
		{"bad cwd", "/nonexistent-lathe/x", []string{"/bin/true"}, 126, "cwd /nonexistent-lathe/x: no such file or directory"},
		{"empty", "", []string{}, 126, "empty command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := newRun(t, tc.cwd, tc.cmd...)
			j := launch(t, dir, shimEnv())
			if h := j.Handle(); h.JobPID != 0 || h.ShimPID == 0 {
				t.Errorf("handle %+v, want shim only", h)
			}
			waitDone(t, j, 10*time.Second)
			e := mustExit(t, dir)
			if e.ExitCode != tc.code || e.Error != tc.msg {
				t.Errorf("exit = %+v, want %d %q", e, tc.code, tc.msg)
			}
			if _, err := ReadHandle(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("ReadHandle err = %v, want ErrNotExist", err)
			}
		})
	}
}

type proc struct {
	pid   int
	start uint64
}

func treeOf(h Handle) []proc {
	var ps []proc
	for _, pid := range jobMembers(h.ShimPID, true) {
		if st, err := StartTime(pid); err == nil {
			ps = append(ps, proc{pid, st})
		}
	}
	return ps
}

func TestKillTree(t *testing.T) {
	t.Parallel()
	// The leader dies of SIGTERM; the inner sh (and its sleep) ignore it.
	dir := newRun(t, "", "/bin/sh", "-c", `sh -c 'trap "" TERM; sleep 1000; :' & sleep 1000 & wait`)
	j := launch(t, dir, shimEnv())
	h := j.Handle()
	var tree []proc
	if !eventually(5*time.Second, func() bool { tree = treeOf(h); return len(tree) >= 4 }) {
		t.Fatalf("tree never grew: %v", tree)
	}
	if err := j.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("Signal TERM: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	survivors := 0
	for _, p := range tree {
		if Alive(p.pid, p.start) {
			survivors++
		}
	}
	if survivors == 0 {
		t.Fatalf("SIGTERM killed everything; the TERM-ignoring child should survive")
	}
	if err := j.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("Signal KILL: %v", err)
	}
	waitDone(t, j, 10*time.Second)
	for _, p := range tree {
		if Alive(p.pid, p.start) {
			t.Errorf("pid %d still alive", p.pid)
		}
	}
	if e := mustExit(t, dir); e.ExitCode != -1 || e.Signal != "SIGTERM" {
		t.Errorf("exit = %+v, want signal SIGTERM", e)
	}
	if err := j.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("Signal after exit: %v", err)
	}
}

func TestSignalReachesOtherProcessGroup(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/sh", "-c",
		`trap "" USR1; LATHE_TEST_HELPER=newpgrp "$LATHE_TEST_BIN" "$PWD/helper.pid" & while :; do sleep 0.1; done`)
	j := launch(t, dir, shimEnv("LATHE_TEST_BIN="+testBin(t)))
	h := j.Handle()
	pidFile := filepath.Join(dir, "helper.pid")
	var helper int
	if !eventually(10*time.Second, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		_, err = fmt.Sscan(string(b), &helper)
		return err == nil
	}) {
		t.Fatalf("helper did not start; output: %s", output(t, dir))
	}
	st, err := readStat(helper)
	if err != nil {
		t.Fatal(err)
	}
	if st.pgrp == h.JobPID || st.pgrp != helper || st.session != h.ShimPID {
		t.Fatalf("helper pgrp %d session %d; want own group in session %d", st.pgrp, st.session, h.ShimPID)
	}
	// SIGUSR1 is never sent by the shim itself, so only Signal's session
	// scan can deliver it to a process outside the job's group.
	if err := j.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if !eventually(5*time.Second, func() bool { _, err := os.Stat(pidFile + ".usr1"); return err == nil }) {
		t.Fatalf("helper in its own process group did not get SIGUSR1")
	}
	if !Alive(h.JobPID, h.JobStart) {
		t.Fatalf("leader should have ignored SIGUSR1")
	}
	// The helper ignores SIGTERM, so only Signal's SIGKILL (not the shim's
	// SIGTERM cleanup, whose SIGKILL comes after leftoverGrace) ends it fast.
	if err := j.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !eventually(leftoverGrace/2, func() bool { return !Alive(helper, st.start) }) {
		t.Errorf("helper %d survived SIGKILL", helper)
	}
	waitDone(t, j, 10*time.Second)
	if e := mustExit(t, dir); e.Signal != "SIGKILL" {
		t.Errorf("exit = %+v", e)
	}
}

func TestLeftoversKilledWhenLeaderExits(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/sh", "-c", `sh -c 'trap "" TERM; sleep 1000; :' & sleep 0.3; exit 4`)
	j := launch(t, dir, shimEnv())
	h := j.Handle()
	var tree []proc
	eventually(5*time.Second, func() bool { tree = treeOf(h); return len(tree) >= 3 })
	waitDone(t, j, 10*time.Second)
	for _, p := range tree {
		if Alive(p.pid, p.start) {
			t.Errorf("pid %d outlived the shim", p.pid)
		}
	}
	if e := mustExit(t, dir); e.ExitCode != 4 {
		t.Errorf("exit = %+v", e)
	}
}

func TestAdoptAfterLauncherGone(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/sh", "-c", "sleep 0.5; echo finished; exit 7")
	func() {
		j := launch(t, dir, shimEnv())
		_ = j // the "engine" forgets the job
	}()
	h, err := ReadHandle(dir)
	if err != nil {
		t.Fatal(err)
	}
	j, err := Adopt(dir, h)
	if err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	if j.Handle() != h {
		t.Errorf("Handle = %+v, want %+v", j.Handle(), h)
	}
	if _, err := ReadExit(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadExit while running: %v", err)
	}
	waitDone(t, j, 10*time.Second)
	if e := mustExit(t, dir); e.ExitCode != 7 {
		t.Errorf("exit = %+v", e)
	}
	if out := output(t, dir); out != "finished\n" {
		t.Errorf("output %q", out)
	}
	if _, err := Adopt(dir, h); !errors.Is(err, ErrGone) {
		t.Errorf("Adopt after exit: %v, want ErrGone", err)
	}
}

func TestAdoptRejectsRecycledOrDeadPID(t *testing.T) {
	t.Parallel()
	me := os.Getpid()
	start, err := StartTime(me)
	if err != nil {
		t.Fatal(err)
	}
	if !Alive(me, start) {
		t.Fatal("Alive(self) = false")
	}
	// A live pid with another start time is a different process.
	if _, err := Adopt(t.TempDir(), Handle{ShimPID: me, ShimStart: start + 1}); !errors.Is(err, ErrGone) {
		t.Errorf("Adopt(wrong start) = %v, want ErrGone", err)
	}
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	if _, err := Adopt(t.TempDir(), Handle{ShimPID: dead, ShimStart: start}); !errors.Is(err, ErrGone) {
		t.Errorf("Adopt(dead) = %v, want ErrGone", err)
	}
	if _, err := Adopt(t.TempDir(), Handle{}); !errors.Is(err, ErrGone) {
		t.Errorf("Adopt(zero) = %v, want ErrGone", err)
	}
	if err := KillTree(Handle{JobPID: me, JobStart: start + 1}, syscall.SIGKILL); !errors.Is(err, ErrGone) {
		t.Errorf("KillTree(wrong start) = %v, want ErrGone", err) // and we are still here
	}
}

func TestZombieIsNotAlive(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	start, err := StartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	// Not waited for: it becomes a zombie.
	if !eventually(5*time.Second, func() bool { return !Alive(pid, start) }) {
		t.Error("zombie reported alive")
	}
	if st, err := readStat(pid); err != nil || st.state != 'Z' {
		t.Errorf("state %q, %v; want zombie", st.state, err)
	}
	cmd.Wait()
}

func TestShimKilledOrphansJob(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/sleep", "1000")
	j := launch(t, dir, shimEnv())
	h := j.Handle()
	if err := syscall.Kill(h.ShimPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitDone(t, j, 10*time.Second)
	if _, err := ReadExit(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadExit = %v, want ErrNotExist", err)
	}
	if !Alive(h.JobPID, h.JobStart) {
		t.Fatal("job died with its shim")
	}
	if _, err := Adopt(dir, h); !errors.Is(err, ErrGone) {
		t.Errorf("Adopt = %v, want ErrGone", err)
	}
	if err := KillTree(h, syscall.SIGKILL); err != nil {
		t.Fatalf("KillTree: %v", err)
	}
	if !eventually(5*time.Second, func() bool { return !Alive(h.JobPID, h.JobStart) }) {
		t.Fatal("orphan survived KillTree")
	}
	if err := KillTree(h, syscall.SIGKILL); !errors.Is(err, ErrGone) {
		t.Errorf("second KillTree = %v, want ErrGone", err)
	}
}

func TestShimForwardsSIGTERM(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/sh", "-c", `trap 'echo got-term; exit 5' TERM; echo ready; sleep 1000 & wait`)
	j := launch(t, dir, shimEnv())
	h := j.Handle()
	if !eventually(5*time.Second, func() bool { return strings.Contains(output(t, dir), "ready") }) {
		t.Fatal("job never got ready")
	}
	// Hang-up and interrupt are ignored by the shim and not forwarded.
	syscall.Kill(h.ShimPID, syscall.SIGHUP)
	syscall.Kill(h.ShimPID, syscall.SIGINT)
	time.Sleep(200 * time.Millisecond)
	if !Alive(h.ShimPID, h.ShimStart) || !Alive(h.JobPID, h.JobStart) {
		t.Fatal("SIGHUP/SIGINT to the shim ended something")
	}
	if err := syscall.Kill(h.ShimPID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitDone(t, j, 10*time.Second)
	if e := mustExit(t, dir); e.ExitCode != 5 || e.Signal != "" {
		t.Errorf("exit = %+v, want 5", e)
	}
	if out := output(t, dir); !strings.Contains(out, "got-term") {
		t.Errorf("output %q", out)
	}
}

func TestLaunchShimDiesEarly(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/true")
	_, err := Launch(context.Background(), "/bin/false", dir, nil)
	if err == nil || !strings.Contains(err.Error(), "shim exited") {
		t.Errorf("Launch(/bin/false) = %v", err)
	}
}

func TestLaunchContextCancelled(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/true")
	script := filepath.Join(t.TempDir(), "hang.sh")
	// A "shim" that never writes anything, but does start a child.
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsleep 1000 &\nexec sleep 1000\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Launch(ctx, script, dir, []string{"PATH=" + os.Getenv("PATH")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Launch = %v, want deadline exceeded", err)
	}
	// Launch records nothing for us to clean, so check its sessions: every
	// session led by a process running hang.sh's sleeps must be empty.
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(cmdline), script) {
			if s, err := readStat(pid); err == nil && s.state != 'Z' {
				t.Errorf("pid %d (%q) still running", pid, cmdline)
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

func TestStaleFilesRemovedOnLaunch(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/sh", "-c", "exit 2")
	stale := Handle{ShimPID: 1, ShimStart: 1, JobPID: 1, JobStart: 1}
	if err := writeJSONAtomic(dir, handleFile, stale); err != nil {
		t.Fatal(err)
	}
	if err := writeJSONAtomic(dir, exitFile, Exit{ExitCode: 99}); err != nil {
		t.Fatal(err)
	}
	j := launch(t, dir, shimEnv())
	if j.Handle() == stale {
		t.Fatal("stale handle returned")
	}
	waitDone(t, j, 10*time.Second)
	if e := mustExit(t, dir); e.ExitCode != 2 {
		t.Errorf("exit = %+v", e)
	}
	if fi, err := os.Stat(filepath.Join(dir, exitFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("exit.json mode: %v %v", fi, err)
	}
}

func TestReadMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := ReadHandle(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadHandle = %v", err)
	}
	if _, err := ReadExit(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadExit = %v", err)
	}
	os.WriteFile(filepath.Join(dir, handleFile), []byte("{"), 0o644)
	if _, err := ReadHandle(dir); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadHandle(garbage) = %v", err)
	}
}

func TestParseStat(t *testing.T) {
	t.Parallel()
	line := "4242 (we) (ird name) S 1 4242 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654321 1000 200 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n"
	s, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if s.start != 987654321 || s.ppid != 1 || s.pgrp != 4242 || s.session != 4240 || s.state != 'S' || s.cpu != 3 {
		t.Errorf("parsed %+v", s)
	}
	for _, bad := range []string{"", "12 (x", "12 (x) S 1 2 3"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) succeeded", bad)
		}
	}
}

// CPUTime reads a real process's time: this one, before and after it
// burns 200 ms of processor.
func TestCPUTime(t *testing.T) {
	before, err := CPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; x++ {
	}
	after, _ := CPUTime(os.Getpid())
	if d := after - before; d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("200 ms of spinning (%d loops) read as %v", x, d)
	}
	if _, err := CPUTime(1 << 30); !errors.Is(err, ErrGone) {
		t.Errorf("a pid that is not there: %v", err)
	}
}

func TestStartTimeOfOddlyNamedProcess(t *testing.T) {
	t.Parallel()
	// comm comes from the executable's file name: make it "a) (b c".
	link := filepath.Join(t.TempDir(), "a) (b c")
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip(err)
	}
	if err := os.Symlink(sleep, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
	if strings.TrimSpace(string(comm)) != "a) (b c" {
		t.Logf("comm is %q", comm)
	}
	st, err := StartTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	mine, _ := StartTime(os.Getpid())
	if st < mine || !Alive(cmd.Process.Pid, st) {
		t.Errorf("start %d (mine %d)", st, mine)
	}
	if _, err := StartTime(-1); err == nil {
		t.Error("StartTime(-1) succeeded")
	}
}

// The local runner keeps the contract every runner keeps.
func TestRunnerContract(t *testing.T) {
	runnertest.Run(t, func(t *testing.T) runners.Runner {
		return New(testBin(t), []string{"LATHE_TEST_SHIM=1", "GORACE=atexit_sleep_ms=0"})
	})
}

// With LATHE_SHIM_EXIT=job the shim exits as a shell reports its job.
func TestShimExitsAsTheJob(t *testing.T) {
	for _, c := range []struct {
		ex   Exit
		want int
	}{
		{Exit{ExitCode: 0}, 0}, {Exit{ExitCode: 3}, 3}, {Exit{ExitCode: -1, Signal: "SIGTERM"}, 143},
		{Exit{ExitCode: -1, Signal: "SIGKILL"}, 137}, {Exit{ExitCode: -1, Signal: "signal 40"}, 168},
		{Exit{ExitCode: 127, Error: "command not found: x"}, 127}, {Exit{ExitCode: 300}, 1},
	} {
		if got := c.ex.code(); got != c.want {
			t.Errorf("%+v: exit %d, want %d", c.ex, got, c.want)
		}
	}
}

// A process that leaves the job's session (setsid) and ignores SIGTERM is
// still the job's: it ends with the job, whichever way it escaped.
// escape is a process that tries to outlive its job (escape.sh in the run
// folder): SIGTERM ignored, its pid written where the test finds it;
// setsid gives it a session of its own.
const escape = `trap "" TERM; echo $$ > "$PWD/escaped.pid"; exec sleep 1000`

// escaped waits for the escaping process of the run in dir to start.
func escaped(t *testing.T, dir string) (int, procStat) {
	t.Helper()
	var pid int
	var st procStat
	if !eventually(10*time.Second, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "escaped.pid"))
		if err != nil || len(b) == 0 || b[len(b)-1] != '\n' {
			return false
		}
		if _, err := fmt.Sscan(string(b), &pid); err != nil {
			return false
		}
		st, err = readStat(pid)
		return err == nil
	}) {
		t.Fatalf("the escaping process did not start; output: %s", output(t, dir))
	}
	return pid, st
}

func TestEscapedProcessesEnd(t *testing.T) {
	for _, c := range []struct {
		name, script string
		kill         bool // the job runs until killed; else it ends by itself
	}{
		{"direct setsid child, job killed", `setsid sh escape.sh & while :; do sleep 0.1; done`, true},
		{"double fork", `sh -c 'setsid sh escape.sh &'; sleep 0.5; exit 0`, false},
		{"job exits 0 after spawning it", `setsid sh escape.sh & sleep 0.5; exit 0`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := newRun(t, "", "/bin/sh", "-c", c.script)
			if err := os.WriteFile(filepath.Join(dir, "escape.sh"), []byte(escape), 0o644); err != nil {
				t.Fatal(err)
			}
			j := launch(t, dir, shimEnv())
			pid, st := escaped(t, dir)
			if st.session == j.Handle().ShimPID {
				t.Fatalf("pid %d did not leave the shim's session", pid)
			}
			if c.kill {
				if err := j.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			}
			waitDone(t, j, leftoverGrace+10*time.Second)
			if Alive(pid, st.start) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Errorf("pid %d (its own session, SIGTERM ignored) outlived the job", pid)
			}
		})
	}
}

// Where the cgroup v2 hierarchy is writable, a job runs in a cgroup of its
// own: a process that left its session and whose shim was killed (so no
// subreaper holds it) still ends when the job is killed, and the cgroup
// is removed.
func TestJobCgroupEndsWhatEscapedADeadShim(t *testing.T) {
	if dir, err := newCgroup("probe"); err != nil {
		t.Skipf("no writable cgroup v2 hierarchy here: %v", err)
	} else {
		os.Remove(dir)
	}
	dir := newRun(t, "", "/bin/sh", "-c", `setsid sh escape.sh & while :; do sleep 0.1; done`)
	if err := os.WriteFile(filepath.Join(dir, "escape.sh"), []byte(escape), 0o644); err != nil {
		t.Fatal(err)
	}
	j := launch(t, dir, shimEnv())
	pid, st := escaped(t, dir)
	h := j.Handle()
	own, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil || h.Cgroup == "" || !strings.Contains(string(own), "/"+filepath.Base(h.Cgroup)+"\n") {
		t.Fatalf("the escaped process's cgroup %q (err %v), the job's %q", own, err, h.Cgroup)
	}
	// The shim dies: nothing holds the job's processes below it now.
	syscall.Kill(h.ShimPID, syscall.SIGKILL)
	waitDone(t, j, 10*time.Second)
	if !Alive(pid, st.start) {
		t.Fatal("the escaped process ended with its shim: the test shows nothing")
	}
	handle, _ := json.Marshal(h)
	adopted, err := New(testBin(t), nil).Adopt(dir, handle)
	if err != nil {
		t.Fatal(err)
	}
	if err := adopted.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !eventually(5*time.Second, func() bool { return !Alive(pid, st.start) }) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("pid %d (its own session, its shim gone) outlived the kill of its job", pid)
	}
	if !eventually(5*time.Second, func() bool { _, err := os.Stat(h.Cgroup); return err != nil }) {
		t.Errorf("the job's cgroup %s is left", h.Cgroup)
	}
}
