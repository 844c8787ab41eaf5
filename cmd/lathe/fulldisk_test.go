package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lathe/engine/api"
)

// On a full disk the engine starts and serves reads; a job's metrics that
// cannot be stored show as such in ps, show and doctor, and are all stored
// once space returns. The store is on a small file system of its own (a
// tmpfs, which needs root and the right to mount), the run folders are not,
// so the job can write what the engine cannot store.
func TestFullDisk(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounts a small file system to fill: needs root (CI runs as root)")
	}
	h := newHome(t)
	small := filepath.Join(h.dir, "small")
	os.MkdirAll(small, 0o700)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", small).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (%v: %s): the full-disk test needs CAP_SYS_ADMIN", err, strings.TrimSpace(string(out)))
	}
	// Cleanups run last first: this one, before the home's, stops the
	// engine while its data directory is still there.
	orig := h.dir
	t.Cleanup(func() {
		h.cleanup()
		exec.Command("umount", "-l", small).Run()
		h.dir = orig // for the home's own cleanup, which finds the engine stopped
	})
	home := filepath.Join(small, "home")
	runs := filepath.Join(h.dir, "runs-elsewhere")
	os.MkdirAll(home, 0o700)
	os.MkdirAll(runs, 0o700)
	os.Symlink(runs, filepath.Join(home, "runs"))
	h.env = append(h.env, "LATHE_HOME="+home)
	h.dir = home

	gate := filepath.Join(t.TempDir(), "gate")
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", fmt.Sprintf(`while [ ! -e %s ]; do sleep 0.05; done
i=0; while [ $i -lt 20000 ]; do echo "{\"step\": $i, \"metrics\": {\"loss\": $i, \"acc\": 0.$i}}"; i=$((i+1)); done >> "$LATHE_METRICS_FILE"`, gate)))
	filler := fill(t, small)
	os.WriteFile(gate, nil, 0o600)

	var r api.Run
	deadline := time.Now().Add(30 * time.Second)
	for r.Stall == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no stall shown after 30 s: %+v", r)
		}
		time.Sleep(100 * time.Millisecond)
		h.json(&r, "show", id)
	}
	if !strings.Contains(r.Stall, "no space left") {
		t.Errorf("stall: %q", r.Stall)
	}
	if ps := h.ok("ps"); !strings.Contains(ps, "no space left") {
		t.Errorf("ps does not say it:\n%s", ps)
	}
	if d := h.run("doctor"); d.code == 0 || !strings.Contains(d.stdout, "ingest") || !strings.Contains(d.stdout, "no space left") {
		t.Errorf("doctor: exit %d\n%s", d.code, d.stdout)
	}
	// A stopped engine starts again on the full disk and answers.
	h.ok("engine", "stop")
	if out := h.ok("show", id); !strings.Contains(out, "running") {
		t.Errorf("show after a restart on a full disk:\n%s", out)
	}
	// Space returns: everything is stored, once.
	os.Remove(filler)
	if res := h.run("wait", id); res.code != 0 {
		t.Fatalf("wait: %d %s", res.code, res.stderr)
	}
	deadline = time.Now().Add(30 * time.Second)
	show := func() { r = api.Run{}; h.json(&r, "show", id) } // a field left out is empty, not the last one's
	for show(); r.Metrics["loss"].Count != 20000 || r.Stall != ""; show() {
		if time.Now().After(deadline) {
			t.Fatalf("after space returned: %s, loss %+v, stall %q", r.Status, r.Metrics["loss"], r.Stall)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fill writes a file into dir until its file system is full, and returns it.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for size := 4096; size >= 1; size /= 2 { // the last bytes
		for {
			if _, err := f.Write(chunk[:size]); err != nil {
				break
			}
		}
	}
	return path
}
