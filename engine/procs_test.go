package engine

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/gpu"
	"lathe/store"
)

// hogMem is what the hog's child holds resident.
const hogMem = 96 << 20

func init() {
	// The test binary is also the job of these tests: a parent that starts
	// a child holding hogMem and keeping a core busy, then waits for it.
	// Its shim has the job's environment too, and stays a shim.
	if len(os.Args) > 1 && os.Args[1] == "shim" {
		return
	}
	switch os.Getenv("LATHE_TEST_HOG") {
	case "parent":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "LATHE_TEST_HOG=child")
		cmd.Run()
		os.Exit(0)
	case "child":
		runtime.GOMAXPROCS(1)
		mem := make([]byte, hogMem)
		for i := range mem {
			mem[i] = byte(i) // touched: resident, not just reserved
		}
		for n := 0; ; n++ {
			mem[n%hogMem]++
		}
	}
}

func hogJob() api.SubmitRequest {
	return api.SubmitRequest{Command: []string{os.Args[0]}, Env: append(os.Environ(), "LATHE_TEST_HOG=parent")}
}

func TestProcessTreeCounted(t *testing.T) {
	for _, tr := range testRunners {
		for _, over := range []string{"inprocess", "socket"} {
			t.Run(tr.name+"/"+over, func(t *testing.T) {
				e := openWithGPUsOn(t, t.TempDir(), tr.new(), gpu.NewFake(0), nil)
				t.Cleanup(func() { killAll(t, e); e.Close() })
				var svc api.Service = e
				if over == "socket" {
					svc = serveOverSocket(t, e)
				}
				testProcessTree(t, svc)
			})
		}
	}
}

func testProcessTree(t *testing.T, svc api.Service) {
	r := submit(t, svc, hogJob())
	// The child's memory and its busy core are the run's, though only the
	// parent is the job's main process.
	var st api.ProcStats
	waitFor(t, func() bool {
		rep, err := svc.GPUs(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		st = rep.Procs[r.ID]
		return rep.Host != nil && st.Procs >= 2 && st.RSS >= hogMem && st.CPUPercent > 50
	})
	rep, _ := svc.GPUs(ctxT(t))
	if h := rep.Host; h.Cores < 1 || h.MemTotal == 0 || h.MemUsed == 0 || h.MemUsed > h.MemTotal || h.DiskTotal == 0 || h.DiskUsed > h.DiskTotal {
		t.Errorf("host %+v", *h)
	}
	// The run says so too while it runs, its summary so far with it.
	live, err := svc.Run(ctxT(t), r.ID)
	if err != nil || live.ProcNow == nil || live.ProcNow.RSS < hogMem || live.Proc == nil || live.Proc.PeakRSS < hogMem {
		t.Errorf("running run's readings: now %+v, summary %+v (%v)", live.ProcNow, live.Proc, err)
	}
	waitFor(t, func() bool {
		pts, err := svc.ProcHistory(ctxT(t), r.Name)
		if err != nil {
			t.Fatal(err)
		}
		return len(pts) > 0 && pts[len(pts)-1].RSS >= hogMem
	})
	if _, err := svc.Kill(ctxT(t), r.ID, true); err != nil {
		t.Fatal(err)
	}
	done := wait(t, svc, r.ID)
	if done.Proc == nil || done.Proc.PeakRSS < hogMem || done.Proc.MeanCPUPercent <= 0 || done.Proc.Samples < 2 || done.ProcNow != nil {
		t.Fatalf("summary of the ended run %+v", done.Proc)
	}
	// What was gathered is written once the run ended.
	pts, err := svc.ProcHistory(ctxT(t), r.ID)
	if err != nil || len(pts) == 0 {
		t.Fatalf("history after the end: %v, %v", pts, err)
	}
	var peak uint64
	for _, p := range pts {
		peak = max(peak, p.RSS)
	}
	if peak < hogMem {
		t.Errorf("history's peak RSS %d", peak)
	}
}

// A run of ten hours sampled each second keeps about procMaxPoints
// readings, evenly spread.
func TestProcHistoryBounded(t *testing.T) {
	db, err := store.Open(t.TempDir()+"/lathe.db", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Unix(1_800_000_000, 0)
	id := store.NewID()
	r := &procRun{origin: start, thin: true}
	flush := func() {
		pts, thin := r.pending, r.thin
		r.pending, r.thin = nil, false
		err := db.Update(ctxT(t), func(tx *store.Tx) error {
			for _, p := range pts {
				if err := tx.PutProcPoint(id, p); err != nil {
					return err
				}
			}
			if thin {
				return tx.ThinProcHistory(id, start, r.step)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	const secs = 10 * 3600
	for i := range secs {
		r.add(start.Add(time.Duration(i)*time.Second), api.ProcStats{CPUPercent: 100, RSS: uint64(i), Procs: 1})
		if i%600 == 599 {
			flush()
		}
	}
	r.close()
	flush()
	var pts []store.ProcPoint
	db.View(func(tx *store.Tx) error { pts, err = tx.ProcHistory(id); return err })
	if len(pts) < procMaxPoints/2 || len(pts) > procMaxPoints+1 {
		t.Fatalf("%d readings of a ten-hour run", len(pts))
	}
	step := pts[1].Time.Sub(pts[0].Time)
	for i := 1; i < len(pts); i++ {
		if d := pts[i].Time.Sub(pts[i-1].Time); d != step {
			t.Fatalf("readings %d apart then %d apart at %d", step, d, i)
		}
	}
	if last := pts[len(pts)-1]; last.RSS != secs-1 || last.CPU != 100 {
		t.Errorf("last reading %+v", last)
	}
	if r.usage.PeakRSS != secs-1 || r.usage.Samples != secs {
		t.Errorf("summary %+v", r.usage)
	}
}

// A run's process readings outlive the engine that took them: the next
// engine adopts the job and goes on from the stored summary and history.
func TestProcReadingsSurviveRestart(t *testing.T) {
	home := t.TempDir()
	e := openWithGPUsOn(t, home, nil, gpu.NewFake(0), nil)
	r := submit(t, e, hogJob())
	waitFor(t, func() bool {
		v, err := e.Run(ctxT(t), r.ID)
		return err == nil && v.Proc != nil && v.Proc.PeakRSS >= hogMem && v.Proc.Samples >= 3
	})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e = openWithGPUsOn(t, home, nil, gpu.NewFake(0), nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	v, err := e.Run(ctxT(t), r.ID)
	if err != nil || v.Status != api.Running || v.Proc == nil || v.Proc.PeakRSS < hogMem || v.Proc.Samples < 3 {
		t.Fatalf("after a restart: %s %+v (%v)", v.Status, v.Proc, err)
	}
	before := v.Proc.Samples
	pts, err := e.ProcHistory(ctxT(t), r.ID)
	if err != nil || len(pts) == 0 {
		t.Fatalf("history after a restart: %d points (%v)", len(pts), err)
	}
	waitFor(t, func() bool {
		v, _ := e.Run(ctxT(t), r.ID)
		return v.Proc != nil && v.Proc.Samples > before && v.ProcNow != nil && v.ProcNow.RSS >= hogMem
	})
}
