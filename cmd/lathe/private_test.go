package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A job's output, spec and metrics are its user's alone: the data
// directory and run folders 0700, their files 0600, and another user of
// the machine reads none of them. A data directory an older lathe left
// open is made private when an engine starts on it.
func TestRunFilesArePrivate(t *testing.T) {
	h := newHome(t)
	// As an older lathe left it: open to all.
	old := filepath.Join(h.dir, "runs", "0123456789ab")
	os.MkdirAll(old, 0o755)
	os.WriteFile(filepath.Join(old, "output.log"), []byte("DB_PASS=hunter2\n"), 0o644)
	os.Chmod(h.dir, 0o755)
	os.Chmod(filepath.Join(h.dir, "runs"), 0o755)

	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", `echo "$DB_PASS"; echo '{"step": 1, "metrics": {"x": 1}}' >> "$LATHE_METRICS_FILE"`))
	h.ok("wait", id)
	dir := filepath.Join(h.dir, "runs", id)
	want := map[string]os.FileMode{h.dir: 0o700, filepath.Join(h.dir, "runs"): 0o700, dir: 0o700, old: 0o700,
		filepath.Join(old, "output.log"): 0o600}
	for _, f := range []string{"spec.json", "output.log", "metrics.jsonl", "exit.json", "handle.json", "environment.json", "shim.log"} {
		want[filepath.Join(dir, f)] = 0o600
	}
	for path, mode := range want {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
	}
	// A real other user, where the test may make one.
	if os.Getuid() != 0 {
		return
	}
	ensureUsers(t)
	for _, d := range []string{filepath.Dir(h.dir), filepath.Dir(filepath.Dir(h.dir))} {
		os.Chmod(d, 0o755) // the way to the data directory is open; the data directory is not
	}
	out, err := exec.Command("runuser", "-u", outsider, "--", "cat", filepath.Join(dir, "output.log")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Errorf("%s read a job's output: %v %s", outsider, err, out)
	}
}
