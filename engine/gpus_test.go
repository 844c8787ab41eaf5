package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/config"
	"lathe/engine/gpu"
	"lathe/runners"
	"lathe/runners/local"
	"lathe/store"
)

// gpuInterval is how often the engines of these tests read their GPUs:
// often, so that a test waits for samples, not for seconds.
const gpuInterval = 20 * time.Millisecond

// openWithGPUs opens an engine with the default runner whose probe is the
// given fake.
func openWithGPUs(t *testing.T, home string, fake *gpu.Fake, tune func(*config.Config)) *Engine {
	t.Helper()
	return openWithGPUsOn(t, home, nil, fake, tune)
}

// openWithGPUsOn opens an engine whose runner is rn (nil: the default) and
// whose probe is the given fake.
func openWithGPUsOn(t *testing.T, home string, rn runners.Runner, fake *gpu.Fake, tune func(*config.Config)) *Engine {
	t.Helper()
	opts := testOptions(t, home, tune)
	opts.Probe = fake
	opts.GPUSampleInterval = gpuInterval
	if rn != nil {
		opts.Runners = []runners.Runner{rn}
	} else {
		rn = localRunner()
	}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { settle(t, home, rn) })
	return e
}

// gpuReports follows the report an engine sends after each sample of its
// GPUs.
type gpuReports struct {
	events <-chan api.Event
}

func watchGPUs(t *testing.T, svc api.Service) *gpuReports {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := svc.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &gpuReports{events: ch}
}

// until waits for a report that satisfies cond, and returns it.
func (w *gpuReports) until(t *testing.T, cond func(api.GPUReport) bool) api.GPUReport {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok || ev.Type == api.EventError {
				t.Fatalf("the event stream ended: %s", ev.Error)
			}
			if ev.Type == api.EventGPUs && cond(*ev.GPUs) {
				return *ev.GPUs
			}
		case <-timeout:
			t.Fatal("no such GPU report in time")
		}
	}
}

// next waits for n samples taken from now on.
func (w *gpuReports) next(t *testing.T, n int) {
	t.Helper()
	since := time.Now()
	for range n {
		w.until(t, func(rep api.GPUReport) bool {
			return len(rep.GPUs) > 0 && rep.GPUs[0].Sample != nil && rep.GPUs[0].Sample.Time.After(since)
		})
		since = time.Time{}
	}
}

// memoryAbove is a condition on reports: each device holds more than min
// bytes.
func memoryAbove(min uint64, devices ...int) func(api.GPUReport) bool {
	return func(rep api.GPUReport) bool {
		for _, d := range devices {
			s := rep.GPUs[d].Sample
			if s == nil || s.MemoryUsed == nil || *s.MemoryUsed <= min {
				return false
			}
		}
		return true
	}
}

// gpuJob prints the GPUs it was given, then runs until its gate exists.
func gpuJob(gate string) []string {
	return sh(`echo "cuda=$CUDA_VISIBLE_DEVICES order=$CUDA_DEVICE_ORDER"; while [ ! -e ` + gate + ` ]; do sleep 0.02; done`)
}

func TestTwoGPUsThreeJobs(t *testing.T) {
	home := t.TempDir()
	e := openWithGPUs(t, home, gpu.NewFake(2), nil)
	defer e.Close()
	reports := watchGPUs(t, e)
	gate := filepath.Join(t.TempDir(), "gate")
	var runs []api.Run
	for range 3 {
		runs = append(runs, submit(t, e, api.SubmitRequest{GPUs: 1, Command: gpuJob(gate)}))
	}
	waitStatus(t, e, runs[0].ID, api.Running)
	waitStatus(t, e, runs[1].ID, api.Running)
	waitFor(t, func() bool {
		third, _ := e.Run(ctxT(t), runs[2].ID)
		return third.Status == api.Queued && third.Waiting == "waiting for 1 GPU, 0 free"
	})
	a, _ := e.Run(ctxT(t), runs[0].ID)
	b, _ := e.Run(ctxT(t), runs[1].ID)
	if len(a.Devices) != 1 || len(b.Devices) != 1 || a.Devices[0] == b.Devices[0] {
		t.Fatalf("devices %v and %v", a.Devices, b.Devices)
	}
	// The GPUs fill with the jobs' memory, more than others may hold on a
	// GPU given to a job: once the jobs end, it must not count as someone
	// else's.
	reports.until(t, memoryAbove(10<<30, 0, 1))
	os.WriteFile(gate, nil, 0o644)
	for _, r := range runs {
		r = wait(t, e, r.ID)
		out := logs(t, e, r.ID)
		if r.Status != api.Succeeded || len(r.Devices) != 1 || !strings.Contains(out, "order=PCI_BUS_ID") ||
			!strings.Contains(out, fmt.Sprintf("cuda=%d ", r.Devices[0])) {
			t.Errorf("run %s: %s devices %v output %q", r.Name, r.Status, r.Devices, out)
		}
	}
}

func TestCPUJobSeesNoGPU(t *testing.T) {
	home := t.TempDir()
	e := openWithGPUs(t, home, gpu.NewFake(2), nil)
	defer e.Close()
	r := wait(t, e, submit(t, e, api.SubmitRequest{Command: sh(`echo "[${CUDA_VISIBLE_DEVICES-unset}]"`)}).ID)
	if got := logs(t, e, r.ID); got != "[]\n" {
		t.Fatalf("a CPU job saw CUDA_VISIBLE_DEVICES %q", got)
	}
}

func TestImpossibleRequestsRefused(t *testing.T) {
	home := t.TempDir()
	e := openWithGPUs(t, home, gpu.NewFake(2), func(c *config.Config) { c.GPUs.Allow = []int{0, 1} })
	defer e.Close()
	for _, tc := range []struct {
		req  api.SubmitRequest
		want string
	}{
		{api.SubmitRequest{GPUs: 3}, "3 GPUs asked, this machine has 2"},
		{api.SubmitRequest{GPUs: 1, MinGPUMem: 200 << 30}, "the largest GPU has 80GiB"},
		{api.SubmitRequest{GPUIDs: []int{5}}, "no GPU 5"},
	} {
		tc.req.Command, tc.req.Cwd = []string{"true"}, t.TempDir()
		_, err := e.Submit(ctxT(t), tc.req)
		if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.req, err, tc.want)
		}
	}
}

func TestForeignLoadRespected(t *testing.T) {
	home := t.TempDir()
	fake := gpu.NewFake(2)
	fake.SetForeign(0, 30<<30, 60) // someone's notebook on GPU 0
	e := openWithGPUs(t, home, fake, nil)
	defer e.Close()
	// Samples that show the foreign load (more than the 8 GiB others may
	// hold on a GPU given to a job).
	watchGPUs(t, e).until(t, memoryAbove(10<<30, 0))
	r := wait(t, e, submit(t, e, api.SubmitRequest{GPUs: 1, Command: []string{"true"}}).ID)
	if len(r.Devices) != 1 || r.Devices[0] != 1 {
		t.Fatalf("placed on %v beside a foreign load on GPU 0", r.Devices)
	}
}

// Leases are restored by a restarted engine: a new job does not get a
// device a running job holds.
func TestLeasesSurviveRestart(t *testing.T) {
	home := t.TempDir()
	gate := filepath.Join(t.TempDir(), "gate")
	e := openWithGPUs(t, home, gpu.NewFake(2), nil)
	first := submit(t, e, api.SubmitRequest{GPUs: 1, GPUIDs: []int{1}, Command: gpuJob(gate)})
	waitHandleRecorded(t, e, first.ID)
	e.Close()

	e = openWithGPUs(t, home, gpu.NewFake(2), nil)
	defer e.Close()
	second := submit(t, e, api.SubmitRequest{GPUs: 1, Command: gpuJob(gate)})
	third := submit(t, e, api.SubmitRequest{GPUs: 1, Command: gpuJob(gate)})
	waitStatus(t, e, second.ID, api.Running)
	s, _ := e.Run(ctxT(t), second.ID)
	if len(s.Devices) != 1 || s.Devices[0] != 0 {
		t.Fatalf("after restart: second on %v", s.Devices)
	}
	waitFor(t, func() bool {
		th, _ := e.Run(ctxT(t), third.ID)
		return th.Status == api.Queued && th.Waiting != ""
	})
	os.WriteFile(gate, nil, 0o644)
	for _, r := range []api.Run{first, second, third} {
		wait(t, e, r.ID)
	}
}

// The fake reports the job's real pid on its GPU: the engine attributes it
// to the run (through the run's runner) and accounts what the run used.
func TestAttributionAndUsage(t *testing.T) {
	for _, tr := range testRunners {
		t.Run(tr.name, func(t *testing.T) {
			home := t.TempDir()
			e := openWithGPUsOn(t, home, tr.new(), gpu.NewFake(2), func(c *config.Config) { c.GPUs.PricePerGPUHour = 3600 })
			defer e.Close()
			reports := watchGPUs(t, e)
			gate := filepath.Join(t.TempDir(), "gate")
			r := submit(t, e, api.SubmitRequest{GPUs: 1, Command: gpuJob(gate)})
			waitStatus(t, e, r.ID, api.Running)
			reports.until(t, func(rep api.GPUReport) bool {
				for _, g := range rep.GPUs {
					for _, p := range g.Processes {
						if p.RunID == r.ID && g.LeasedBy == r.ID && p.RunName == r.Name &&
							g.Sample != nil && g.Sample.UtilGPU != nil && *g.Sample.UtilGPU > 0 {
							return true
						}
					}
				}
				return false
			})
			reports.next(t, 3) // more samples, busy ones, to integrate
			os.WriteFile(gate, nil, 0o644)
			r = wait(t, e, r.ID)
			u := r.Usage
			if u == nil || u.GPUHours <= 0 || u.EnergyWh <= 0 || u.PeakGPUMemBytes == 0 || u.MeanGPUUtil <= 0 || u.Cost <= 0 {
				t.Fatalf("usage %+v", u)
			}
			// One GPU for at most as long as the run held it; a GPU-second
			// at a price of 3600 a GPU-hour costs 1.
			held := r.Ended.Sub(*r.Started)
			if gs := u.GPUHours * 3600; gs > held.Seconds()+0.1 || math.Abs(u.Cost-gs) > 1e-9 {
				t.Errorf("%.3f GPU-seconds costing %.3f for a job that held one GPU %v", gs, u.Cost, held)
			}
			rep, _ := e.GPUs(context.Background())
			for _, g := range rep.GPUs {
				if g.LeasedBy != "" {
					t.Errorf("GPU %d still leased to %s after the run ended", g.Index, g.LeasedBy)
				}
			}
		})
	}
}

// The engine keeps each GPU's readings in the store: the last hour by the
// second (a report shows the last minutes of it), 30 days by the minute.
func TestGPUHistoryKept(t *testing.T) {
	home := t.TempDir()
	fake := gpu.NewFake(2)
	e := openWithGPUs(t, home, fake, nil)
	// Readings more than a second apart: two seconds of history.
	reports := watchGPUs(t, e)
	first := reports.until(t, func(rep api.GPUReport) bool { return rep.GPUs[1].Sample != nil })
	reports.until(t, func(rep api.GPUReport) bool {
		return rep.GPUs[1].Sample.Time.Sub(first.GPUs[1].Sample.Time) > 1100*time.Millisecond
	})
	e.Close() // writes what it gathered

	e = openWithGPUs(t, home, gpu.NewFake(2), nil)
	defer e.Close()
	// By the second over the socket (NaN readings must cross JSON), by the
	// minute for a window reaching back more than an hour.
	pts, err := serveOverSocket(t, e).GPUHistory(ctxT(t), 1, time.Now().Add(-time.Minute), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) < 2 || pts[0].PowerW <= 0 || pts[1].Time.Sub(pts[0].Time) != time.Second {
		t.Fatalf("history of GPU 1: %+v", pts)
	}
	minutes, err := e.GPUHistory(ctxT(t), 1, time.Now().Add(-2*time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(minutes) == 0 || len(minutes) > 2 || minutes[0].Time.Second() != 0 { // two when the test straddled a minute
		t.Errorf("history of GPU 1 by the minute: %+v", minutes)
	}
	if _, err := e.GPUHistory(ctxT(t), 1, time.Now(), time.Now().Add(-time.Hour)); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("a window that ends before it starts: %v", err)
	}
	rep, err := e.GPUs(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	readings := 0
	for _, v := range rep.GPUs[1].Recent {
		if !math.IsNaN(float64(v)) {
			readings++
		}
	}
	if len(rep.GPUs[1].Recent) != 30 || readings == 0 {
		t.Errorf("recent utilisation %v", rep.GPUs[1].Recent)
	}
}

// A GPU that falls off the bus is marked lost and given to no job; the
// engine goes on.
func TestLostGPU(t *testing.T) {
	home := t.TempDir()
	fake := gpu.NewFake(2)
	fake.SetLost(0, true)
	e := openWithGPUs(t, home, fake, nil)
	defer e.Close()
	watchGPUs(t, e).until(t, func(rep api.GPUReport) bool { return rep.GPUs[0].Sample != nil && rep.GPUs[0].Sample.Lost })
	r := wait(t, e, submit(t, e, api.SubmitRequest{GPUs: 1, Command: []string{"true"}}).ID)
	if len(r.Devices) != 1 || r.Devices[0] != 1 {
		t.Fatalf("placed on %v with GPU 0 lost", r.Devices)
	}
	rep, _ := e.GPUs(ctxT(t))
	if rep.GPUs[0].Sample == nil || !rep.GPUs[0].Sample.Lost {
		t.Errorf("GPU 0 not reported lost: %+v", rep.GPUs[0].Sample)
	}
}

// A process of a job that left the job's session (setsid) is still the
// job's: it is found through its parents. Local runner only: the in-memory
// runner knows a job's processes by their process group, which such a
// process has left too.
func TestAttributionAcrossSetsid(t *testing.T) {
	home := t.TempDir()
	fake := gpu.NewFake(1)
	e := openWithGPUs(t, home, fake, nil)
	defer e.Close()
	reports := watchGPUs(t, e)
	pidFile := filepath.Join(t.TempDir(), "child")
	gate := filepath.Join(t.TempDir(), "gate")
	r := submit(t, e, api.SubmitRequest{GPUs: 1, Command: sh(fmt.Sprintf(
		`setsid sh -c 'echo $$ > %s; while [ ! -e %s ]; do sleep 0.02; done' & wait`, pidFile, gate))})
	var child int
	waitFor(t, func() bool {
		raw, err := os.ReadFile(pidFile)
		_, serr := fmt.Sscan(string(raw), &child)
		return err == nil && serr == nil && child > 0
	})
	if local.Session(child) != child {
		t.Fatalf("process %d did not leave the job's session", child)
	}
	fake.Assign(0, child, 4<<30, 50)
	reports.until(t, func(rep api.GPUReport) bool {
		for _, p := range rep.GPUs[0].Processes {
			if p.PID == child && p.RunID == r.ID {
				return true
			}
		}
		return false
	})
	os.WriteFile(gate, nil, 0o644)
	wait(t, e, r.ID)
}

// GPU-hours count the time a run held its GPUs while no engine ran: an
// engine that re-adopts a job charges it from the last count, and one
// that finds it ended charges it up to its end.
func TestGPUHoursWhileEngineDown(t *testing.T) {
	home := t.TempDir()
	gate := filepath.Join(home, "gate")
	e := openWithGPUs(t, home, gpu.NewFake(2), nil)
	reports := watchGPUs(t, e)
	r := submit(t, e, api.SubmitRequest{GPUs: 2, Command: gpuJob(gate)})
	waitHandleRecorded(t, e, r.ID)
	reports.next(t, 3) // its use counted
	e.Close()          // writes the usage counted so far

	// No engine runs for a while: the run's start and the last count of
	// its GPU-hours move back by that much, as if the clock had gone on.
	const down = 10 * time.Second
	db, err := store.Open(api.Paths{Home: home}.DB(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		rec, err := tx.Run(r.ID)
		if err != nil {
			return err
		}
		if rec.Usage == nil || rec.Usage.Through.IsZero() {
			return fmt.Errorf("no usage recorded at close: %+v", rec.Usage)
		}
		started := rec.Started.Add(-down)
		rec.Started, rec.Usage.Through = &started, rec.Usage.Through.Add(-down)
		return tx.PutRun(rec)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	e = openWithGPUs(t, home, gpu.NewFake(2), nil)
	defer e.Close()
	watchGPUs(t, e).next(t, 2)
	os.WriteFile(gate, nil, 0o644)
	got := wait(t, e, r.ID)
	held := got.Ended.Sub(*got.Started)
	if got.Usage == nil {
		t.Fatal("no usage recorded")
	}
	// Two GPUs for the whole run, less what falls before an engine's first
	// sample (a sample interval or so each time, per GPU); without the
	// downtime it would be 20 GPU-seconds short.
	want, slack := 2*held.Hours(), time.Second.Hours()
	if got.Usage.GPUHours < want-slack || got.Usage.GPUHours > want+slack {
		t.Errorf("%.6f GPU-hours for two GPUs held %v (want about %.6f; %v of it with no engine)", got.Usage.GPUHours, held, want, down)
	}
}
