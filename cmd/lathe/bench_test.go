package main

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
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
