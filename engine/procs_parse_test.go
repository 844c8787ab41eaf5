package engine

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeProc is a /proc of a few processes, for the sampler's arithmetic.
type fakeProc struct {
	t    *testing.T
	root string
}

func newFakeProc(t *testing.T) *fakeProc {
	root := t.TempDir()
	p := &fakeProc{t, root}
	p.write("uptime", "1000.00 1900.00\n")
	p.write("meminfo", "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    6000000 kB\n")
	p.host(1000, 9000)
	return p
}

func (p *fakeProc) write(name, text string) {
	p.t.Helper()
	path := filepath.Join(p.root, name)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// host writes /proc/stat for two cores: busy ticks in user, the rest idle.
func (p *fakeProc) host(busy, idle uint64) {
	p.write("stat", fmt.Sprintf("cpu  %d 0 0 %d 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\nintr 1\n", busy, idle))
}

// proc writes /proc/PID/stat: a command name with a space and a
// parenthesis, as a process may name itself.
func (p *fakeProc) proc(pid, ppid int, utime, stime, start, rssPages uint64) {
	fields := fmt.Sprintf("S %d %d %d 0 -1 0 0 0 0 0 %d %d 0 0 20 0 1 0 %d 1000000 %d", ppid, pid, pid, utime, stime, start, rssPages)
	p.write(fmt.Sprintf("%d/stat", pid), fmt.Sprintf("%d (py (worker) 1) %s 0 0 0\n", pid, fields))
}

func TestProcSamplerArithmetic(t *testing.T) {
	p := newFakeProc(t)
	// A job 10 with a child 11 and a grandchild 12; 20 is not the job's.
	p.proc(10, 1, 100, 0, 50_000, 1000)
	p.proc(11, 10, 300, 100, 60_000, 2000)
	p.proc(12, 11, 0, 0, 70_000, 500)
	p.proc(20, 1, 5000, 0, 100, 9999)
	s := newProcSampler()
	s.root = p.root
	s.pageSize = 4096
	t0 := time.Unix(1_800_000_000, 0)
	jobs := map[string]int{"run": 10}

	host, stats := s.sample(t0, jobs, p.root)
	st := stats["run"]
	if st.Procs != 3 || st.RSS != 3500*4096 {
		t.Errorf("first reading %+v", st)
	}
	// The first look: each process's mean over its life (uptime 1000 s is
	// 100 000 ticks of 10 ms): 1 s in 500 + 4 s in 400 + 0 = 1.2%.
	if math.Abs(st.CPUPercent-1.2) > 1e-9 {
		t.Errorf("first CPU %.3f%%, want 1.2%%", st.CPUPercent)
	}
	if host.Cores != 2 || math.Abs(host.CPUPercent-10) > 1e-9 || host.MemTotal != 16000000<<10 || host.MemUsed != 10000000<<10 || host.DiskTotal == 0 {
		t.Errorf("host %+v", *host)
	}

	// A second later: the child used 150 ticks, the job 50; the grandchild
	// is gone and a new one (13) started and used 20; the host was busy
	// 300 of 400 ticks.
	p.proc(10, 1, 150, 0, 50_000, 1000)
	p.proc(11, 10, 400, 150, 60_000, 4000)
	os.RemoveAll(filepath.Join(p.root, "12"))
	p.proc(13, 11, 15, 5, 100_050, 100) // half a second old
	p.write("uptime", "1001.00 1901.00\n")
	p.host(1300, 9100)
	host, stats = s.sample(t0.Add(time.Second), jobs, p.root)
	st = stats["run"]
	if st.Procs != 3 || st.RSS != 5100*4096 || math.Abs(st.CPUPercent-220) > 1e-9 {
		t.Errorf("second reading %+v, want 3 processes, %d bytes, 220%%", st, 5100*4096)
	}
	if math.Abs(host.CPUPercent-75) > 1e-9 {
		t.Errorf("host CPU %.3f%%, want 75%%", host.CPUPercent)
	}

	// The job's pid now names another process (a later start): its ticks
	// are all new, not a difference with a stranger's.
	p.proc(10, 1, 30, 0, 100_150, 10)
	p.write("uptime", "1002.00 1902.00\n")
	os.RemoveAll(filepath.Join(p.root, "11"))
	os.RemoveAll(filepath.Join(p.root, "13"))
	_, stats = s.sample(t0.Add(2*time.Second), jobs, p.root)
	if st := stats["run"]; st.Procs != 1 || math.Abs(st.CPUPercent-30) > 1e-9 {
		t.Errorf("recycled pid %+v, want 30%%", st)
	}
	// An old process that joins the tree counts at its mean over its life,
	// not all its time in one second: 90 s of CPU in 903 s.
	p.proc(30, 10, 9000, 0, 10_000, 10)
	p.write("uptime", "1003.00 1903.00\n")
	_, stats = s.sample(t0.Add(3*time.Second), jobs, p.root)
	if st, want := stats["run"], 9000.0/903; st.Procs != 2 || math.Abs(st.CPUPercent-want) > 1e-9 {
		t.Errorf("an old process joined: %+v, want %.3f%%", st, want)
	}
	// A job whose process is gone has no reading.
	_, stats = s.sample(t0.Add(4*time.Second), map[string]int{"gone": 99}, p.root)
	if _, ok := stats["gone"]; ok {
		t.Errorf("a gone job has a reading: %+v", stats)
	}
}
