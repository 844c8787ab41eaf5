package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"lathe/runners/local"
	"lathe/store"
	"lathe/store/series"
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

// BenchmarkFilterSort100k runs, from the command line with the engine up,
// a filter and a sort over a store of 100 000 runs with 20 params and 10
// metrics each, and prints the 50 best: `lathe runs --filter … --sort
// metrics.m3 --limit 50`, end to end (budget: 100 ms).
func BenchmarkFilterSort100k(b *testing.B) {
	const runs = 100_000
	h := newHome(b)
	db, err := store.Open(filepath.Join(h.dir, "lathe.db"), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	base := time.Now().Add(-runs * time.Minute)
	for i := 0; i < runs; i += 1000 {
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			for j := i; j < i+1000; j++ {
				created := base.Add(time.Duration(j) * time.Minute)
				ended := created.Add(time.Duration(j%90) * time.Minute)
				r := &store.Run{ID: fmt.Sprintf("%012x", 0xe00000000000+j), Name: fmt.Sprintf("sweep-%d", j), Experiment: fmt.Sprintf("exp-%d", j%10),
					Status: []store.Status{store.Succeeded, store.Failed}[j%7/6], Created: created, Started: &created, Ended: &ended,
					Params: map[string]string{}}
				for p := range 20 {
					r.Params[fmt.Sprintf("p%d", p)] = fmt.Sprint((j * (p + 7)) % 97) // values repeat, as in sweeps
				}
				r.Params["lr"] = fmt.Sprint([]float64{0.1, 0.03, 0.01, 0.003, 0.001}[j%5])
				if err := tx.CreateRun(r); err != nil {
					return err
				}
				for m := range 10 {
					v := float64((j*(m+3))%1009) / 1009
					if err := tx.AppendPoints(r.ID, fmt.Sprintf("m%d", m), []series.Point{{Step: 1, Time: ended.UnixMicro(), Value: v}}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	h.ok("engine", "start")
	args := []string{"runs", "--filter", `params.lr <= 0.01 and metrics.m1 > 0.2 and status = succeeded and name ~ "^sweep-"`,
		"--sort", "metrics.m3", "--limit", "50"}
	if out := h.ok(args...); strings.Count(out, "\n") != 51 { // warms the engine's catalogue
		b.Fatalf("the listing:\n%s", out)
	}
	var took []float64
	b.ResetTimer()
	for range b.N {
		for range 20 {
			start := time.Now()
			h.ok(args...)
			took = append(took, float64(time.Since(start).Microseconds())/1000)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2], "ms/query-median")
	b.ReportMetric(took[len(took)*9/10], "ms/query-p90")
}

// BenchmarkModel1000Versions measures `lathe model NAME --json` end to end
// (the command's start, the request, the engine reading and encoding every
// version) for a model of 1 000 versions, each with a run's worth of params,
// metrics, eval slices and data sets. Budget: 50 ms.
func BenchmarkModel1000Versions(b *testing.B) {
	const versions = 1000
	h := newHome(b)
	db, err := store.Open(filepath.Join(h.dir, "lathe.db"), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		m := &store.Model{Name: "digits", Created: now, CreatedBy: "bench", Updated: now, PrimaryMetric: "val_acc",
			Direction: "max", LastVersion: versions, Count: versions, Aliases: map[string]int{"challenger": versions, "staging": versions - 1}}
		if err := tx.PutModel(m); err != nil {
			return err
		}
		for n := 1; n <= versions; n++ {
			v := &store.ModelVersion{Model: "digits", Version: n, Run: fmt.Sprintf("%012x", n), RunName: fmt.Sprintf("train-%d", n),
				Experiment: "digits", RunStatus: store.Succeeded, Description: "a version of the benchmark",
				Artifact: store.VersionArtifact{Name: "model", Source: "/data/ckpt/model.pt", SHA256: fmt.Sprintf("%064x", n), Size: 1 << 30, Kind: "file"},
				Params:   map[string]string{}, Metrics: map[string]store.Float{}, Evals: map[string]map[string]store.Float{},
				Git: &store.Git{Commit: fmt.Sprintf("%040x", n)}, RegisteredBy: "bench", Registered: now,
				Datasets: []store.Dataset{{Name: "train", Path: "data/train.csv", Role: "train", Size: 1 << 20, SHA256: fmt.Sprintf("%064x", 7)},
					{Name: "test", Path: "data/test.csv", Role: "test", Size: 1 << 18, SHA256: fmt.Sprintf("%064x", 8)}}}
			for p := range 10 {
				v.Params[fmt.Sprintf("p%d", p)] = fmt.Sprint((n * (p + 7)) % 97)
			}
			for k := range 10 {
				v.Metrics[fmt.Sprintf("m%d", k)] = store.Float(float64((n*(k+3))%1009) / 1009)
				v.Evals[fmt.Sprintf("class=%d", k)] = map[string]store.Float{"acc": store.Float(float64(n%89) / 89), "f1": 0.5}
			}
			if err := tx.PutVersion(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	h.ok("engine", "start")
	if out := h.ok("model", "digits", "--json"); strings.Count(out, `"version": `) != versions {
		b.Fatalf("the model lists %d versions", strings.Count(out, `"version": `))
	}
	var took []float64
	b.ResetTimer()
	for range b.N {
		for range 20 {
			start := time.Now()
			h.ok("model", "digits", "--json")
			took = append(took, float64(time.Since(start).Microseconds())/1000)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2], "ms/op-median")
	b.ReportMetric(took[len(took)*9/10], "ms/op-p90")
}
