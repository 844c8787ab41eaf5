package engine

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"

	"lathe/engine/api"
)

// userHZ is the tick of /proc's CPU times: USER_HZ, 100 on Linux whatever
// the kernel's own tick.
const userHZ = 100

// procSampler reads the host's load and each running job's process tree
// from /proc, as btop does: CPU as the ticks used between two readings,
// memory as resident pages. One scan of /proc serves every job. It is
// owned by the sampling goroutine.
type procSampler struct {
	root     string // "/proc"; tests point it elsewhere
	pageSize uint64
	buf      []byte
	path     []byte

	host    cpuTicks // at the last reading
	hostSet bool
	// trees are each run's processes at its last reading, by pid.
	trees map[string]treeTicks
	at    time.Time
}

// cpuTicks is the busy and total time of all cores (/proc/stat's cpu line).
type cpuTicks struct{ busy, total uint64 }

// procTick is a process's CPU time at a reading; its start time tells a
// recycled pid from the process that had it.
type procTick struct{ start, ticks uint64 }

type treeTicks map[int]procTick

// procEntry is what one /proc/PID/stat says.
type procEntry struct {
	pid, ppid    int
	ticks, start uint64
	rssPages     uint64
}

func newProcSampler() *procSampler {
	return &procSampler{root: "/proc", pageSize: uint64(os.Getpagesize()), buf: make([]byte, 4096),
		trees: map[string]treeTicks{}}
}

// sample reads the host and the trees under each job's main process (by
// run ID). dataDir is the folder whose file system's use the host line
// shows.
func (s *procSampler) sample(now time.Time, jobs map[string]int, dataDir string) (*api.HostStats, map[string]api.ProcStats) {
	host := s.readHost(dataDir)
	dt := now.Sub(s.at).Seconds()
	if s.at.IsZero() {
		dt = 0
	}
	s.at = now
	if len(jobs) == 0 {
		clear(s.trees)
		return host, nil
	}
	procs, children := s.readProcs()
	uptime := s.uptimeTicks()
	out := make(map[string]api.ProcStats, len(jobs))
	seen := make(map[string]treeTicks, len(jobs))
	for id, pid := range jobs {
		if _, ok := procs[pid]; !ok || pid <= 0 {
			continue // gone between the listing and now
		}
		prev, known := s.trees[id]
		tree := treeTicks{}
		var st api.ProcStats
		var used float64 // ticks a second
		stack := []int{pid}
		for len(stack) > 0 {
			p := procs[stack[len(stack)-1]]
			stack = append(stack[:len(stack)-1], children[p.pid]...)
			st.Procs++
			st.RSS += p.rssPages * s.pageSize
			tree[p.pid] = procTick{start: p.start, ticks: p.ticks}
			switch old, ok := prev[p.pid]; {
			case known && dt > 0 && ok && old.start == p.start:
				used += float64(p.ticks-min(old.ticks, p.ticks)) / dt
			case known && dt > 0:
				// New in the tree: started since the last reading, all its
				// time is of the interval; an older process that joined it
				// counts at its mean over its life.
				used += float64(p.ticks) / max(dt, float64(uptime-min(p.start, uptime))/userHZ)
			case uptime > p.start:
				// The first look at this run: its mean over its life, as
				// ps shows it.
				used += float64(p.ticks) / (float64(uptime-p.start) / userHZ)
			}
		}
		st.CPUPercent = used / userHZ * 100
		seen[id] = tree
		out[id] = st
	}
	s.trees = seen
	return host, out
}

// readProcs lists every process with its parent, CPU time and resident
// pages, and each process's children.
func (s *procSampler) readProcs() (map[int]procEntry, map[int][]int) {
	d, err := os.Open(s.root)
	if err != nil {
		return nil, nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	procs := make(map[int]procEntry, len(names))
	children := map[int][]int{}
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		e, ok := s.readStat(pid)
		if !ok {
			continue
		}
		procs[pid] = e
		children[e.ppid] = append(children[e.ppid], pid)
	}
	return procs, children
}

// readFile reads a small /proc file into the sampler's buffer, which the
// result shares. Plain system calls, not an *os.File: a sample opens every
// process's stat, and the poller has nothing to do with /proc.
func (s *procSampler) readFile(name string) ([]byte, bool) {
	fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer syscall.Close(fd)
	n := 0
	for {
		m, err := syscall.Read(fd, s.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || m <= 0 {
			break
		}
		n += m
		if n == len(s.buf) {
			s.buf = append(s.buf, make([]byte, len(s.buf))...)
		}
	}
	return s.buf[:n], n > 0
}

// readStat parses /proc/PID/stat. The command name (field 2) may hold
// spaces and parentheses, so fields are counted from the last ')'.
func (s *procSampler) readStat(pid int) (procEntry, bool) {
	s.path = strconv.AppendInt(append(append(s.path[:0], s.root...), '/'), int64(pid), 10)
	s.path = append(s.path, "/stat"...)
	b, ok := s.readFile(string(s.path))
	if !ok {
		return procEntry{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procEntry{}, false
	}
	// f[0] is field 3; field n is f[n-3].
	var f [22][]byte
	k := 0
	for field := range bytes.FieldsSeq(b[i+1:]) {
		if k == len(f) {
			break
		}
		f[k] = field
		k++
	}
	if k < len(f) {
		return procEntry{}, false
	}
	num := func(n int) uint64 { return atou(f[n-3]) }
	if f[0][0] == 'Z' || f[0][0] == 'X' {
		return procEntry{}, false // done running, holding nothing
	}
	return procEntry{pid: pid, ppid: int(num(4)), ticks: num(14) + num(15), start: num(22), rssPages: num(24)}, true
}

// atou parses a decimal number of /proc; anything else is 0.
func atou(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0
		}
		v = v*10 + uint64(c-'0')
	}
	return v
}

// uptimeTicks is the time since boot in clock ticks, the unit of a
// process's start time.
func (s *procSampler) uptimeTicks() uint64 {
	b, ok := s.readFile(s.root + "/uptime")
	if !ok {
		return 0
	}
	up, err := strconv.ParseFloat(string(bytes.Fields(b)[0]), 64)
	if err != nil {
		return 0
	}
	return uint64(up * userHZ)
}

// readHost reads the machine's CPU (busy since the last reading, or since
// boot at the first), memory as `free` counts it, and the data directory's
// file system.
func (s *procSampler) readHost(dataDir string) *api.HostStats {
	h := &api.HostStats{}
	if b, ok := s.readFile(s.root + "/stat"); ok {
		var now cpuTicks
		for line := range bytes.Lines(b) {
			if !bytes.HasPrefix(line, []byte("cpu")) {
				break
			}
			f := bytes.Fields(line)
			if string(f[0]) != "cpu" {
				h.Cores++
				continue
			}
			// user nice system idle iowait irq softirq steal; guest time is
			// already in user.
			for i := 1; i < len(f) && i <= 8; i++ {
				v, _ := strconv.ParseUint(string(f[i]), 10, 64)
				now.total += v
				if i != 4 && i != 5 {
					now.busy += v
				}
			}
		}
		prev := cpuTicks{}
		if s.hostSet {
			prev = s.host
		}
		if now.total > prev.total {
			h.CPUPercent = float64(now.busy-min(prev.busy, now.busy)) / float64(now.total-prev.total) * 100
		}
		s.host, s.hostSet = now, true
	}
	if b, ok := s.readFile(s.root + "/meminfo"); ok {
		var avail uint64
		for line := range bytes.Lines(b) {
			f := bytes.Fields(line)
			if len(f) < 2 {
				continue
			}
			v, _ := strconv.ParseUint(string(f[1]), 10, 64)
			switch string(f[0]) {
			case "MemTotal:":
				h.MemTotal = v << 10
			case "MemAvailable:":
				avail = v << 10
			}
		}
		h.MemUsed = h.MemTotal - min(avail, h.MemTotal)
	}
	var fs syscall.Statfs_t
	if dataDir != "" && syscall.Statfs(dataDir, &fs) == nil {
		h.DiskTotal = fs.Blocks * uint64(fs.Bsize)
		h.DiskUsed = (fs.Blocks - fs.Bfree) * uint64(fs.Bsize)
	}
	return h
}
