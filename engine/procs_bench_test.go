package engine

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSampleProcs is the engine's work each second for 50 running
// jobs of three processes each (a shell and two children): one scan of
// /proc, each job's tree summed, the host read, the readings kept for the
// history. Reported as the share of one core it takes at one sample a
// second.
func BenchmarkSampleProcs(b *testing.B) {
	const jobs = 50
	pids := map[string]int{}
	for i := range jobs {
		cmd := exec.Command("/bin/sh", "-c", "sleep 600 & sleep 600 & wait")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		// The whole group: the shell's children too.
		defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }()
		pids[fmt.Sprintf("run%02d", i)] = cmd.Process.Pid
	}
	p := newProcs()
	now := time.Now()
	for id := range pids {
		p.start(id, now, nil)
	}
	// Wait for every shell to have started its children.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, stats := p.sampler.sample(now, pids, b.TempDir())
		n := 0
		for _, st := range stats {
			n += st.Procs
		}
		if n == 3*jobs {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of the jobs' %d processes found", n, 3*jobs)
		}
	}
	dir := b.TempDir()
	start := time.Now()
	for b.Loop() {
		now = now.Add(time.Second)
		host, stats := p.sampler.sample(now, pids, dir)
		p.record(now, host, stats)
		if len(stats) != jobs {
			b.Fatalf("%d of %d jobs read", len(stats), jobs)
		}
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N)*100, "%core")
}
