package process

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestCommand(t *testing.T) {
	dir, bin := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(bin, "tool"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(bin, "plain"), []byte("#!/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "script.sh"), []byte("#!/bin/sh\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	for _, tc := range []struct {
		argv   []string
		dir    string
		path   string // found at this path, or
		code   int    // refused with this code and
		reason string // reason
	}{
		{argv: []string{"tool"}, dir: dir, path: filepath.Join(bin, "tool")},
		{argv: []string{"plain"}, dir: dir, code: CodeNotFound, reason: "command not found: plain"},
		{argv: []string{"nope"}, dir: dir, code: CodeNotFound, reason: "command not found: nope"},
		{argv: []string{"./script.sh"}, dir: dir, code: CodeCannotExecute, reason: "permission denied: ./script.sh is not executable"},
		{argv: []string{"./sub"}, dir: dir, code: CodeCannotExecute, reason: "permission denied: ./sub is a directory"},
		{argv: []string{"./missing"}, dir: dir, code: CodeNotFound, reason: "command not found: ./missing"},
		{argv: []string{"tool"}, dir: filepath.Join(dir, "none"), code: CodeCannotExecute, reason: "cwd " + filepath.Join(dir, "none") + ": no such file or directory"},
		{argv: []string{""}, dir: dir, code: CodeCannotExecute, reason: "empty command"},
	} {
		cmd, serr := Command(tc.argv, tc.dir, bin+":/usr/bin:/bin")
		switch {
		case tc.path != "" && (serr != nil || cmd.Path != tc.path || cmd.Dir != tc.dir):
			t.Errorf("%q: %v %+v, want %s in %s", tc.argv, serr, cmd, tc.path, tc.dir)
		case tc.path == "" && (serr == nil || serr.Code != tc.code || serr.Reason != tc.reason):
			t.Errorf("%q: %+v, want %d %q", tc.argv, serr, tc.code, tc.reason)
		}
	}
}

func TestPathOf(t *testing.T) {
	if got := PathOf([]string{"PATH=/a", "X=1", "PATH=/b"}); got != "/b" {
		t.Errorf("PathOf = %q, want the last PATH", got)
	}
	if got := PathOf(nil); got != os.Getenv("PATH") {
		t.Errorf("PathOf(nil) = %q, want this process's", got)
	}
}

func TestSignalName(t *testing.T) {
	for sig, want := range map[syscall.Signal]string{syscall.SIGKILL: "SIGKILL", syscall.SIGTERM: "SIGTERM",
		syscall.SIGABRT: "SIGABRT", syscall.SIGIO: "SIGIO", syscall.SIGSTKFLT: "SIGSTKFLT", syscall.SIGSYS: "SIGSYS",
		syscall.Signal(40): "signal 40"} {
		if got := SignalName(sig); got != want {
			t.Errorf("SignalName(%d) = %q, want %q", int(sig), got, want)
		}
	}
}
