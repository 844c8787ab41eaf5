package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --tail N prints the last N lines, however long the output.
func TestLogsTail(t *testing.T) {
	h := newHome(t)
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", `i=1; while [ $i -le 25000 ]; do echo "line $i"; i=$((i+1)); done; printf 'no newline'`))
	h.ok("wait", id)
	for _, c := range []struct {
		n    int
		want string
	}{
		{1, "no newline"},
		{3, "line 24999\nline 25000\nno newline"},
		{0, ""},
	} {
		if got := h.ok("logs", "--tail", fmt.Sprint(c.n), id); got != c.want {
			t.Errorf("--tail %d: %q, want %q", c.n, got, c.want)
		}
	}
	// More than a batch of lines, and more than there are.
	if got := h.ok("logs", "-n", "12001", id); !strings.HasPrefix(got, "line 13001\n") || strings.Count(got, "\n") != 12000 {
		t.Errorf("--tail 12001: %d lines from %.12q", strings.Count(got, "\n"), got)
	}
	if got := h.ok("logs", "--tail", "99999", id); !strings.HasPrefix(got, "line 1\n") || strings.Count(got, "\n") != 25000 {
		t.Errorf("--tail 99999: %d lines", strings.Count(got, "\n"))
	}
	if r := h.run("logs", "--tail", "-1", id); r.code == 0 || !strings.Contains(r.stderr, "--tail -1") {
		t.Errorf("--tail -1: exit %d, %q", r.code, r.stderr)
	}
}

// logs -f exits as lathe wait does, with the job's code; a job that could
// not start says why.
func TestLogsFollowExitCode(t *testing.T) {
	h := newHome(t)
	for _, c := range []struct {
		cmd    []string
		code   int
		out    string
		stderr string
	}{
		{[]string{"sh", "-c", "echo fine"}, 0, "fine\n", ""},
		{[]string{"sh", "-c", "echo failing; exit 7"}, 7, "failing\n", "exit code 7"},
		{[]string{"no-such-program-here"}, 127, "", "command not found: no-such-program-here"},
	} {
		id := strings.TrimSpace(h.ok(append([]string{"run", "--"}, c.cmd...)...))
		r := h.run("logs", "-f", id)
		if r.code != c.code || r.stdout != c.out || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%v: logs -f exit %d, %q, stderr %q; want %d, %q, %q", c.cmd, r.code, r.stdout, r.stderr, c.code, c.out, c.stderr)
		}
		// Without -f, the output only, exit 0.
		if r := h.run("logs", id); r.code != 0 || r.stdout != c.out {
			t.Errorf("%v: logs exit %d, %q", c.cmd, r.code, r.stdout)
		}
	}
	help := h.ok("logs", "--help")
	for _, want := range []string{"--tail", "like\n'lathe wait'", "128+N", "command not found"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
}

// A progress bar redrawn with carriage returns prints as its last state,
// one line, whether the output is read whole, from its tail or followed
// into a file; the bytes kept in output.log are the job's own.
func TestLogsShowProgressBarsAsTheTerminalDoes(t *testing.T) {
	h := newHome(t)
	script := `printf 'epoch 1\n'; i=0; while [ $i -le 500 ]; do printf '\r%3d%%|bar' $i; i=$((i+1)); done; printf '\nepoch 2\n'; printf '\r50%%\r99%%'`
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", script))
	want := "epoch 1\n500%|bar\nepoch 2\n99%"
	if r := h.run("logs", "-f", id); r.code != 0 || r.stdout != want {
		t.Errorf("logs -f: exit %d, %q, want %q", r.code, r.stdout, want)
	}
	if got := h.ok("logs", id); got != want {
		t.Errorf("logs: %q, want %q", got, want)
	}
	if got := h.ok("logs", "--tail", "2", id); got != "epoch 2\n99%" {
		t.Errorf("logs --tail 2: %q", got)
	}
	raw, err := os.ReadFile(filepath.Join(h.dir, "runs", id, "output.log"))
	if err != nil || strings.Count(string(raw), "\r") != 503 {
		t.Errorf("output.log has %d carriage returns (%v), want the job's 503", strings.Count(string(raw), "\r"), err)
	}
}
