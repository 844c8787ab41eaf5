package main

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"lathe/runners/local"
)

// BenchmarkRunToRunning measures, with the engine up, the time from starting
// `lathe run` to the job's own process running: the command's start-up, the
// request, the queue, the shim and the exec of the job. Budget: 100 ms.
func BenchmarkRunToRunning(b *testing.B) {
	h := newHome(b)
	h.ok("engine", "start")
	fifo := filepath.Join(h.dir, "started")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		b.Fatal(err)
	}
	const reps = 30
	var took []float64
	b.ResetTimer()
	for range b.N {
		for range reps {
			start := time.Now()
			if r := h.run("run", "--", "/bin/sh", "-c", "echo up > "+fifo); r.code != 0 {
				b.Fatalf("lathe run: %s", r.stderr)
			}
			// Opening the fifo for reading blocks until the job opens it
			// for writing: the job is running.
			f, err := os.Open(fifo)
			if err != nil {
				b.Fatal(err)
			}
			f.Read(make([]byte, 8))
			took = append(took, float64(time.Since(start).Microseconds())/1000)
			f.Close()
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2], "ms/run-median")
	b.ReportMetric(took[len(took)*9/10], "ms/run-p90")
}

// BenchmarkAppIdle measures the processor the app uses while nothing
// changes but the GPUs' readings (four simulated GPUs sampled every second)
// and its clock: the app in a real terminal at 120×40 on the dashboard, for
// 10 seconds. Budget: 2% of a core.
func BenchmarkAppIdle(b *testing.B) {
	h := newHome(b)
	h.ok("engine", "start", "--gpus", "fake:4")
	env := []string{"LATHE_HOME=" + h.dir, "XDG_CONFIG_HOME=" + filepath.Join(h.dir, "config")}
	tm := newTmux(b, 120, 40, env, "exec "+lathePath)
	tm.waitFor("lathe › Dashboard", "Fake A100")
	pid := tm.pid()
	const window = 10 * time.Second
	var used, wall time.Duration
	for b.Loop() {
		before, err := local.CPUTime(pid)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		time.Sleep(window)
		after, err := local.CPUTime(pid)
		if err != nil {
			b.Fatal(err)
		}
		used += after - before
		wall += time.Since(start)
	}
	tm.keys("q")
	b.ReportMetric(used.Seconds()/wall.Seconds()*100, "%core")
}
