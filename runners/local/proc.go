package local

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"lathe/runners/capture"
)

// ErrGone reports that a process is no longer there: it exited, or its pid
// now belongs to a different process (the start time does not match).
var ErrGone = errors.New("process is gone")

// procStat holds the fields of /proc/PID/stat that this package uses.
type procStat struct {
	state   byte   // field 3: R, S, D, Z, …
	ppid    int    // field 4
	pgrp    int    // field 5
	session int    // field 6
	cpu     uint64 // fields 14 and 15: user and system time, in clock ticks
	start   uint64 // field 22: start time in clock ticks since boot
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// parseStat parses a /proc/PID/stat line. Field 2 is the command name in
// parentheses, which may itself contain spaces and parentheses (a process
// can name itself "a) (b"), so the fixed fields are counted from the LAST
// ')' rather than by splitting the whole line.
func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("parse stat %q: no ')'", b)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3, so field n is f[n-3].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("parse stat %q: too few fields", b)
	}
	var s procStat
	var err error
	s.state = f[0][0]
	if s.ppid, err = strconv.Atoi(string(f[4-3])); err != nil {
		return procStat{}, fmt.Errorf("parse stat ppid: %w", err)
	}
	if s.pgrp, err = strconv.Atoi(string(f[5-3])); err != nil {
		return procStat{}, fmt.Errorf("parse stat pgrp: %w", err)
	}
	if s.session, err = strconv.Atoi(string(f[6-3])); err != nil {
		return procStat{}, fmt.Errorf("parse stat session: %w", err)
	}
	for _, n := range []int{14, 15} {
		t, err := strconv.ParseUint(string(f[n-3]), 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("parse stat field %d: %w", n, err)
		}
		s.cpu += t
	}
	if s.start, err = strconv.ParseUint(string(f[22-3]), 10, 64); err != nil {
		return procStat{}, fmt.Errorf("parse stat starttime: %w", err)
	}
	return s, nil
}

// Session returns the session id of pid, or 0 when it is gone. Every process
// of a job is in its shim's session, whose id is the shim's pid.
func Session(pid int) int {
	s, err := readStat(pid)
	if err != nil {
		return 0
	}
	return s.session
}

// userHZ is the clock tick of /proc's times: USER_HZ, 100 on Linux
// whatever the kernel's own tick.
const userHZ = 100

// CPUTime is the processor time pid has used, user and system.
func CPUTime(pid int) (time.Duration, error) {
	s, err := readStat(pid)
	if err != nil {
		return 0, fmt.Errorf("%w: pid %d", ErrGone, pid)
	}
	return time.Duration(s.cpu) * time.Second / userHZ, nil
}

// Parent returns the parent of pid, or 0 when it is gone.
func Parent(pid int) int {
	s, err := readStat(pid)
	if err != nil {
		return 0
	}
	return s.ppid
}

// StartTime returns the start time of pid in clock ticks since boot (field 22
// of /proc/PID/stat). Together with the pid it names a process uniquely until
// reboot.
func StartTime(pid int) (uint64, error) {
	s, err := readStat(pid)
	if err != nil {
		return 0, fmt.Errorf("start time of %d: %w", pid, err)
	}
	return s.start, nil
}

// Alive reports whether pid exists, is not a zombie, and started at start.
// A zombie has finished running and only waits for its parent to collect the
// status, so for the engine it is as good as gone.
func Alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	s, err := readStat(pid)
	return err == nil && s.start == start && s.state != 'Z' && s.state != 'X'
}

// present is like Alive but also accepts a zombie. An unreaped zombie still
// holds its pid, process group id and session id, so signalling its group or
// session cannot hit a stranger who got the number recycled.
func present(pid int, start uint64) (procStat, bool) {
	if pid <= 0 {
		return procStat{}, false
	}
	s, err := readStat(pid)
	return s, err == nil && s.start == start
}

// jobMembers lists the processes of the job under shim: every process in
// the shim's session but the shim, and every descendant of the shim that
// left the session (setsid, a double fork): the shim is a child subreaper,
// so an orphaned one is re-parented to it and stays below it. The shim's
// own probes (the environment capture, marked by capture.ProbeEnv in their
// environment) are not the job's. With live, zombies are left out.
func jobMembers(shim int, live bool) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	all := make(map[int]procStat, len(names))
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil {
			if s, err := readStat(pid); err == nil {
				all[pid] = s
			}
		}
	}
	below := func(pid int) bool {
		for range 128 { // a deeper tree is no process tree
			s, ok := all[pid]
			if !ok || s.ppid <= 1 {
				return false
			}
			if s.ppid == shim {
				return true
			}
			pid = s.ppid
		}
		return false
	}
	var pids []int
	for pid, s := range all {
		switch {
		case pid == shim:
			continue
		case s.ppid == shim && s.pgrp == shim:
			// A probe of the shim's own in the instant between fork and
			// its setsid: not the job's.
			continue
		case live && (s.state == 'Z' || s.state == 'X'):
			continue
		case s.session == shim:
		case below(pid) && !isProbe(pid):
		default:
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// isProbe says whether a process is one of the shim's probes.
func isProbe(pid int) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	for kv := range bytes.SplitSeq(env, []byte{0}) {
		if string(kv) == capture.ProbeEnv {
			return true
		}
	}
	return false
}

// kill is syscall.Kill with ESRCH (already gone) treated as success: the
// purpose of signalling is that the process ends, and it has.
func kill(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %d %v: %w", pid, sig, err)
	}
	return nil
}

// signalTree sends sig to the job's process group and to the rest of its
// processes under the shim (jobMembers). Each target is first proved to be the
// original one (pid + start time), so a stale handle never hits strangers:
//   - the group is signalled only while the job leader (maybe a zombie)
//     exists, because it pins the process group id;
//   - the session is scanned only while the shim (the session leader, maybe
//     a zombie) exists, or the job leader still belongs to that session,
//     because either pins the session id.
func signalTree(h Handle, sig syscall.Signal) error {
	var errs []error
	leader, leaderOK := present(h.JobPID, h.JobStart)
	if leaderOK {
		errs = append(errs, kill(-h.JobPID, sig))
	}
	_, shimOK := present(h.ShimPID, h.ShimStart)
	if h.ShimPID > 0 && (shimOK || (leaderOK && leader.session == h.ShimPID)) {
		errs = append(errs, signalSession(h.ShimPID, sig))
	}
	// The cgroup holds exactly the job's processes, even those that left
	// a shim that is gone; with no shim left to remove it, it goes here.
	errs = append(errs, signalCgroup(h.Cgroup, sig))
	if !shimOK && sig == syscall.SIGKILL && h.Cgroup != "" {
		removeCgroup(h.Cgroup, time.Second)
	}
	return errors.Join(errs...)
}

// signalSession sends sig once to each process of the job under the shim
// sid (jobMembers). A process may fork while /proc is being read, so it
// rescans until a pass finds nobody new; a process is signalled only once so
// that a catchable signal is not delivered twice.
func signalSession(sid int, sig syscall.Signal) error {
	seen := map[int]bool{}
	var errs []error
	for pass := 0; pass < 10; pass++ {
		fresh := false
		for _, pid := range jobMembers(sid, false) {
			if seen[pid] {
				continue
			}
			seen[pid] = true
			fresh = true
			errs = append(errs, kill(pid, sig))
		}
		if !fresh {
			break
		}
	}
	return errors.Join(errs...)
}

// KillTree sends sig to the process group and session of a job known only
// by its handle, typically an orphan whose shim was killed. It acts only if
// the job leader h.JobPID is alive with start time h.JobStart; otherwise it
// returns an error wrapping ErrGone and signals nothing, because once the
// leader is gone the numbers in h can no longer be trusted.
func KillTree(h Handle, sig syscall.Signal) error {
	if !Alive(h.JobPID, h.JobStart) {
		return fmt.Errorf("kill job %d: %w", h.JobPID, ErrGone)
	}
	return signalTree(h, sig)
}
