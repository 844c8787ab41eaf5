package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/gpu"
	"lathe/engine/metricline"
	"lathe/runners"
	"lathe/store/baseline"
)

// synthJob is the body of a benchmark job (the test binary started with
// LATHE_TEST_SYNTH=steps): it writes steps lines of 10 metrics as fast as it
// can, as a training job logging in a tight loop would.
func synthJob(steps int) int {
	// A test may hold the job back until the engine is gone.
	if gate := os.Getenv("LATHE_TEST_SYNTH_GATE"); gate != "" {
		for {
			if _, err := os.Stat(gate); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	f, err := os.OpenFile(os.Getenv("LATHE_METRICS_FILE"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// LATHE_TEST_SYNTH_RATE paces it: that many steps a second, each
	// written as it is made, as a training job logs.
	rate, _ := strconv.Atoi(os.Getenv("LATHE_TEST_SYNTH_RATE"))
	if err := writeSynth(f, steps, rate); err != nil {
		return 1
	}
	return 0
}

// writeSynth writes steps lines of 10 metrics to f, rate steps a second
// (0: as fast as it can).
func writeSynth(f *os.File, steps, rate int) error {
	w := bufio.NewWriterSize(f, 1<<16)
	now := float64(time.Now().UnixMicro()) / 1e6
	start := time.Now()
	v := 2.5
	for step := 1; step <= steps; step++ {
		v = v*0.9995 + 0.0001*float64(step%7)
		fmt.Fprintf(w, `{"step":%d,"time":%.3f,"metrics":{"loss":%g,"acc":%g,"lr":%g,"grad_norm":%g,"m4":%g,"m5":%g,"m6":%g,"m7":%g,"m8":%g,"m9":%g}}`+"\n",
			step, now+float64(step)*0.01, v, 1-v/3, 0.001, v*2, v+1, v+2, v+3, v+4, v+5, v+6)
		if rate > 0 && step%10 == 0 {
			w.Flush()
			time.Sleep(time.Until(start.Add(time.Duration(step) * time.Second / time.Duration(rate))))
		}
	}
	return w.Flush()
}

// BenchmarkIngestOneFile2M measures one job's file stored end to end: the
// job appends a 2 000 000-point metrics file at once (200 000 lines of 10
// metrics, 48 MB) and the engine reads and stores every point; in the same
// run, MLflow's schema on SQLite (store/baseline) stores the same file,
// read with the same parser and written as MLflow's log_batch writes (1 000
// metrics a call). Reported: both rates, and how many times faster lathe
// is (budget: at least 10).
func BenchmarkIngestOneFile2M(b *testing.B) {
	const steps, metrics = 200_000, 10
	src := filepath.Join(b.TempDir(), "metrics.jsonl")
	f, err := os.Create(src)
	if err != nil {
		b.Fatal(err)
	}
	if err := writeSynth(f, steps, 0); err != nil {
		b.Fatal(err)
	}
	f.Close()
	for range b.N {
		b.StopTimer()
		e, err := Open(testOptions(b, b.TempDir(), nil))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.StartTimer()
		start := time.Now()
		r, err := e.Submit(ctx, api.SubmitRequest{Command: []string{"sh", "-c", `cat "$0" >> "$LATHE_METRICS_FILE"`, src},
			Cwd: b.TempDir(), Env: os.Environ()})
		if err != nil {
			b.Fatal(err)
		}
		if r, err = e.Wait(ctx, r.ID); err != nil || r.Status != api.Succeeded {
			b.Fatalf("run: %s %s %v", r.Status, r.Reason, err)
		}
		lathe := time.Since(start)
		b.StopTimer()
		e.Close()
		var stored int64
		for _, m := range r.Metrics {
			stored += m.Count
		}
		if stored != steps*metrics {
			b.Fatalf("lathe stored %d points, want %d", stored, steps*metrics)
		}
		sql, err := ingestSQLite(filepath.Join(b.TempDir(), "mlflow.db"), src)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(stored)/lathe.Seconds(), "points/s")
		b.ReportMetric(float64(stored)/sql.Seconds(), "sqlite-points/s")
		b.ReportMetric(sql.Seconds()/lathe.Seconds(), "x-faster")
	}
}

// ingestSQLite stores the metrics file at src in a new MLflow-schema
// SQLite file at path, as an MLflow client logging it would, and says how
// long that took.
func ingestSQLite(path, src string) (time.Duration, error) {
	db, err := baseline.Open(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	const run = "a00000000001"
	if err := db.CreateRun(run, "one-file", "0"); err != nil {
		return 0, err
	}
	start := time.Now()
	f, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	batch := make([]baseline.Metric, 0, 1000)
	for sc.Scan() {
		rec, err := metricline.ParseLine(sc.Bytes())
		if err != nil {
			return 0, err
		}
		for _, m := range rec.Metrics {
			batch = append(batch, baseline.Metric{Key: m.Name, Value: m.Value, Timestamp: rec.Time / 1000, Step: rec.Step})
		}
		if len(batch) >= 1000 {
			if err := db.LogBatch(run, batch); err != nil {
				return 0, err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if err := db.LogBatch(run, batch); err != nil {
			return 0, err
		}
	}
	return time.Since(start), sc.Err()
}

// BenchmarkIngest100Jobs measures ingestion through the engine: 100 jobs
// write their metrics files at once and the engine stores every point.
// Reported: points stored a second, from the first submit until every point
// of every run is stored, and the engine's peak resident memory (the jobs are
// other processes). LATHE_BENCH_STEPS sets the steps a job (default 10 000:
// 10 000 000 points in all).
func BenchmarkIngest100Jobs(b *testing.B) {
	steps := 10_000
	if s, err := strconv.Atoi(os.Getenv("LATHE_BENCH_STEPS")); err == nil && s > 0 {
		steps = s
	}
	const jobs, metrics = 100, 10
	for range b.N {
		b.StopTimer()
		opts := testOptions(b, b.TempDir(), nil)
		opts.ShimEnv = append(opts.ShimEnv, "LATHE_TEST_SYNTH="+strconv.Itoa(steps))
		e, err := Open(opts)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		cwd := b.TempDir()
		b.StartTimer()
		start := time.Now()
		ids := make([]string, jobs)
		for i := range ids {
			r, err := e.Submit(ctx, api.SubmitRequest{Command: []string{os.Args[0]}, Cwd: cwd, Env: os.Environ()})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = r.ID
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var stored int64
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.Wait(ctx, id)
				if err != nil || r.Status != api.Succeeded {
					b.Errorf("run %s: %s %s %v", id, r.Status, r.Reason, err)
					return
				}
				mu.Lock()
				for _, m := range r.Metrics {
					stored += m.Count
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		b.StopTimer()
		if want := int64(jobs * steps * metrics); stored != want {
			b.Fatalf("%d points stored, want %d", stored, want)
		}
		b.ReportMetric(float64(stored)/elapsed.Seconds(), "points/s")
		b.ReportMetric(float64(stored), "points")
		b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-rss")
		e.Close()
	}
}

// BenchmarkIngest200PacedJobs is the load test: 200 jobs each logging
// 1 000 points a second (100 steps of 10 metrics) for LATHE_BENCH_SECONDS
// (default 60) while 20 clients list and show runs over the socket.
// Reported: points lost (none may be), lathe ps's p99 latency, the
// engine's peak resident memory and its memory 5 s after the last job
// ended, and its CPU (this process: the jobs are other processes).
func BenchmarkIngest200PacedJobs(b *testing.B) {
	seconds := 60
	if s, err := strconv.Atoi(os.Getenv("LATHE_BENCH_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	for range b.N {
		res := loadTest(b, 200, seconds, 20)
		b.ReportMetric(float64(res.lost), "points-lost")
		b.ReportMetric(float64(res.psP99.Microseconds())/1000, "ms-ps-p99")
		b.ReportMetric(res.cpu*100, "%core")
		b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-rss")
		b.ReportMetric(float64(res.rssAfter)/(1<<20), "MB-rss-after")
		b.ReportMetric(float64(res.peakAnon)/(1<<20), "MB-peak-anon")
		b.ReportMetric(float64(res.anonAfter)/(1<<20), "MB-anon-after")
	}
}

// A short form of the load test: 20 jobs at 1 000 points a second for 3 s
// while 5 clients list and show; nothing is lost, ps answers.
func TestLoadShort(t *testing.T) {
	res := loadTest(t, 20, 3, 5)
	if res.lost != 0 {
		t.Errorf("%d points lost", res.lost)
	}
	if res.psP99 > 2*time.Second {
		t.Errorf("ps p99 %v under load", res.psP99)
	}
}

type loadResult struct {
	lost     int64
	psP99    time.Duration
	cpu      float64 // cores, on average
	rssAfter int64
	// peakAnon and anonAfter are the process's own memory (RssAnon): its
	// resident set less the pages of the store's file it maps, which are
	// the kernel's cache of that file.
	peakAnon, anonAfter int64
}

// loadTest runs jobs paced jobs of 1 000 points a second for seconds while
// clients list (ps, and all runs) and show runs over the engine's socket.
func loadTest(tb testing.TB, jobs, seconds, clients int) loadResult {
	const rate, metrics = 100, 10
	opts := testOptions(tb, tb.TempDir(), nil)
	opts.ShimEnv = append(opts.ShimEnv, "LATHE_TEST_SYNTH="+strconv.Itoa(rate*seconds), "LATHE_TEST_SYNTH_RATE="+strconv.Itoa(rate))
	e, err := Open(opts)
	if err != nil {
		tb.Fatal(err)
	}
	defer e.Close()
	sock, _ := e.opts.Paths.Socket()
	l, err := Listen(sock)
	if err != nil {
		tb.Fatal(err)
	}
	sctx, stopServe := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(sctx, e, l, e.log) }()
	defer func() { stopServe(); <-served }()

	ctx := context.Background()
	cwd := tb.TempDir()
	var cpu0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
	start := time.Now()
	ids := make([]string, jobs)
	for i := range ids {
		r, err := e.Submit(ctx, api.SubmitRequest{Command: []string{os.Args[0]}, Cwd: cwd, Env: os.Environ()})
		if err != nil {
			tb.Fatal(err)
		}
		ids[i] = r.ID
	}
	done := make(chan struct{})
	var mu sync.Mutex
	var ps []time.Duration
	var wg sync.WaitGroup
	var peakAnon int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			peakAnon = max(peakAnon, statusKiB("RssAnon:")<<10)
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(sock)
			defer c.Close()
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				t0 := time.Now()
				_, err := c.Runs(ctx, api.RunQuery{Statuses: []api.Status{api.Queued, api.Running}})
				d := time.Since(t0)
				if err != nil {
					tb.Errorf("ps: %v", err)
					return
				}
				mu.Lock()
				ps = append(ps, d)
				mu.Unlock()
				if n%2 == 0 {
					c.Runs(ctx, api.RunQuery{Limit: 50})
				} else {
					c.Run(ctx, ids[(i+n)%len(ids)])
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	var stored int64
	for _, id := range ids {
		r, err := e.Wait(ctx, id)
		if err != nil || r.Status != api.Succeeded {
			tb.Fatalf("run %s: %s %s %v", id, r.Status, r.Reason, err)
		}
		for _, m := range r.Metrics {
			stored += m.Count
		}
	}
	close(done)
	wg.Wait()
	var cpu1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
	elapsed := time.Since(start)
	used := time.Duration(cpu1.Utime.Nano()+cpu1.Stime.Nano()-cpu0.Utime.Nano()-cpu0.Stime.Nano()) * time.Nanosecond
	slices.Sort(ps)
	res := loadResult{lost: int64(jobs*rate*seconds*metrics) - stored, cpu: used.Seconds() / elapsed.Seconds()}
	if len(ps) > 0 {
		res.psP99 = ps[len(ps)*99/100]
	}
	res.peakAnon = peakAnon
	time.Sleep(5 * time.Second)
	res.rssAfter = rss()
	res.anonAfter = statusKiB("RssAnon:") << 10
	return res
}

// rss is this process's resident memory now (VmRSS), in bytes.
func rss() int64 { return statusKiB("VmRSS:") << 10 }

// peakRSS is this process's peak resident memory (VmHWM), in bytes.
func peakRSS() int64 { return statusKiB("VmHWM:") << 10 }

// statusKiB reads a field of /proc/self/status given in kB.
func statusKiB(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

// BenchmarkSampleAttribute8 is the engine's work each second for 8 GPUs
// with 4 processes each: read the probe, attribute every process to its
// run through its runner (the local one reads /proc), account usage,
// gather history. Reported as the share of one core it takes at one sample
// a second (budget: under 1%).
func BenchmarkSampleAttribute8(b *testing.B) {
	fake := gpu.NewFake(8)
	// A job under a shim with four live processes, so each attribution
	// reads a real /proc entry.
	ctx := context.Background()
	rn := localRunner()
	dir := b.TempDir()
	pidFile := filepath.Join(dir, "pids")
	j, err := rn.Start(ctx, dir, runners.Spec{Dir: dir, Env: os.Environ(),
		Command: sh("for i in 1 2 3 4; do sleep 60 & echo $! >> " + pidFile + "; done; wait")})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { j.Signal(syscall.SIGKILL); <-j.Done() }()
	var pids []int
	for deadline := time.Now().Add(10 * time.Second); len(pids) < 4; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("the job's processes did not start: %v", pids)
		}
		raw, _ := os.ReadFile(pidFile)
		pids = pids[:0]
		for _, f := range strings.Fields(string(raw)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	for d := range 8 {
		for k, p := range pids {
			fake.Assign(d, p, uint64(1+k)<<30, 50)
		}
	}
	e := &Engine{db: nil, gpus: newGPUs(fake, 1),
		jobs: map[string]*supervisor{"run0": {id: "run0", runner: rn, job: j}}}
	for d := range 8 {
		e.gpus.lease(fmt.Sprint("run", d), []int{d}, nil)
	}
	start := time.Now()
	for b.Loop() {
		samples, err := fake.Sample(ctx)
		if err != nil {
			b.Fatal(err)
		}
		e.gpus.record(samples, e.owners(samples))
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N)*100, "%core")
	samples, _ := fake.Sample(ctx)
	if owners := e.owners(samples); len(owners) != 4 {
		b.Fatalf("%d of the job's 4 processes attributed to it", len(owners))
	}
}
