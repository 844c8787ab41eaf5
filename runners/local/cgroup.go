package local

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A job's cgroup: where the cgroup v2 hierarchy is writable (root, or a
// subtree systemd delegated to the user), the shim starts the job in a
// cgroup of its own, as systemd does for each unit. Every process the job
// ever starts is in it, whatever it does to leave its session or its
// parent (setsid, double forks, a shim killed under it), and cgroup.kill
// ends them all at once. Where it is not writable, the process group, the
// session and the shim as subreaper are what find the job's processes.

// cgroupPrefix starts the name of every job's cgroup: a handle naming any
// other folder is not trusted.
const cgroupPrefix = "lathe-"

// newCgroup makes the job's cgroup beside the shim's own: lathe-RUNID-PID.
// The error says why there is none (no cgroup v2, not writable, a kernel
// without cgroup.kill).
func newCgroup(runID string) (string, error) {
	parent, err := ownCgroup()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(parent, fmt.Sprintf("%s%s-%d", cgroupPrefix, runID, os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err != nil {
		os.Remove(dir)
		return "", fmt.Errorf("cgroup.kill: %w (a kernel older than 5.14)", err)
	}
	return dir, nil
}

// ownCgroup is the folder of the calling process's cgroup v2 group.
func ownCgroup() (string, error) {
	raw, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	var own string
	for line := range strings.SplitSeq(string(raw), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			own = p
		}
	}
	if own == "" || strings.Contains(own, "..") {
		return "", errors.New("no cgroup v2 group")
	}
	mountRoot, mountPoint, err := cgroup2Mount()
	if err != nil {
		return "", err
	}
	rel, ok := strings.CutPrefix(own, mountRoot)
	if !ok {
		return "", fmt.Errorf("cgroup %s is outside the mounted hierarchy %s", own, mountRoot)
	}
	return filepath.Join(mountPoint, rel), nil
}

// cgroup2Mount finds the cgroup v2 hierarchy in /proc/self/mountinfo: the
// group it shows at its mount point, and where.
func cgroup2Mount() (root, point string, err error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root point options [optional…] - fstype source super
		before, after, ok := strings.Cut(sc.Text(), " - ")
		if !ok || !strings.HasPrefix(after, "cgroup2 ") {
			continue
		}
		fields := strings.Fields(before)
		if len(fields) >= 5 {
			return fields[3], fields[4], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	return "", "", errors.New("no cgroup v2 hierarchy is mounted")
}

// trustedCgroup reports whether dir may be a job's cgroup: a handle's
// field is read from a file, and signals go where it points.
func trustedCgroup(dir string) bool {
	return dir != "" && filepath.IsAbs(dir) && strings.HasPrefix(filepath.Base(dir), cgroupPrefix) &&
		filepath.Clean(dir) == dir
}

// signalCgroup sends sig to every process in the cgroup: SIGKILL through
// cgroup.kill, which no fork escapes; another signal to each process it
// lists. A cgroup that is gone has no process left.
func signalCgroup(dir string, sig syscall.Signal) error {
	if !trustedCgroup(dir) {
		return nil
	}
	if sig == syscall.SIGKILL {
		err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cgroup.kill: %w", err)
		}
		return nil
	}
	var errs []error
	for _, pid := range cgroupProcs(dir) {
		errs = append(errs, kill(pid, sig))
	}
	return errors.Join(errs...)
}

// cgroupProcs lists the processes in the cgroup.
func cgroupProcs(dir string) []int {
	raw, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var pids []int
	for f := range bytes.FieldsSeq(raw) {
		if pid, err := strconv.Atoi(string(f)); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cgroupPopulated reports whether a process is left in the cgroup.
func cgroupPopulated(dir string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	return err == nil && bytes.Contains(raw, []byte("populated 1"))
}

// removeCgroup ends what is left in the cgroup and removes it, waiting up
// to d for its last processes to go.
func removeCgroup(dir string, d time.Duration) error {
	if !trustedCgroup(dir) {
		return nil
	}
	deadline := time.Now().Add(d)
	for cgroupPopulated(dir) {
		if err := signalCgroup(dir, syscall.SIGKILL); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup %s: processes left after SIGKILL: %v", dir, cgroupProcs(dir))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
