package main

import (
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/tui/format"
)

func TestPsAndShowResources(t *testing.T) {
	now := time.Now()
	started := now.Add(-time.Minute)
	r := api.Run{ID: "0123456789ab", Name: "spin", Experiment: "e", Status: api.Running, Started: &started,
		ProcNow: &api.ProcStats{CPUPercent: 250, RSS: 3 << 29, Procs: 3},
		Proc:    &api.ProcSummary{PeakRSS: 2 << 30, MeanCPUPercent: 149.6, Samples: 60}}
	var ps strings.Builder
	printPs(&ps, []api.Run{r, {ID: "ba9876543210", Name: "waits", Status: api.Queued}}, now, true)
	lines := strings.Split(ps.String(), "\n")
	if f := strings.Fields(lines[0]); f[6] != "CPU" || f[7] != "RSS" {
		t.Errorf("ps header %q", lines[0])
	}
	if !strings.Contains(lines[1], " 250%  1.5 GiB ") {
		t.Errorf("ps of a running job lacks its CPU and memory:\n%s", ps.String())
	}
	if f := strings.Fields(lines[2]); f[5] != "-" || f[6] != "-" {
		t.Errorf("ps of a queued job: %q", lines[2])
	}
	var show strings.Builder
	showRun(&show, r, now)
	if want := "cpu use      peak memory 2.0 GiB, mean CPU 150% of a core; now 250%, 1.5 GiB in 3 processes\n"; !strings.Contains(show.String(), want) {
		t.Errorf("show lacks %q:\n%s", want, show.String())
	}
}

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n          int
		thing, out string
	}{{1, "job", "1 job"}, {2, "job", "2 jobs"}, {0, "run", "0 runs"}, {3, "process", "3 processes"}, {1, "process", "1 process"},
		{2, "audit entry", "2 audit entries"}, {4, "artifact copy", "4 artifact copies"}, {2, "day", "2 days"}} {
		if got := format.Plural(c.n, c.thing); got != c.out {
			t.Errorf("format.Plural(%d, %q) = %q, want %q", c.n, c.thing, got, c.out)
		}
	}
}

// A job that keeps a core busy in a child shows its CPU in `lathe ps`, and
// `lathe show` sums it up once it ended.
func TestJobResourcesFromTheCommandLine(t *testing.T) {
	h := newHome(t)
	id := strings.TrimSpace(h.ok("run", "--", "sh", "-c", `sh -c 'while :; do :; done' & wait`))
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ps []runJSONProc
		h.json(&ps, "ps")
		if len(ps) == 1 && ps[0].ProcNow != nil && ps[0].ProcNow.Procs >= 2 && ps[0].ProcNow.CPUPercent > 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ps never showed the job busy: %+v", ps)
		}
		time.Sleep(200 * time.Millisecond)
	}
	text := h.ok("jobs")
	if !strings.Contains(text, " GiB ") || !strings.Contains(text, "%") || !strings.HasPrefix(text, "ID ") {
		t.Errorf("jobs:\n%s", text)
	}
	h.ok("kill", "--now", id)
	var r runJSONProc
	h.json(&r, "show", id)
	if r.Proc == nil || r.Proc.MeanCPUPercent <= 0 || r.Proc.PeakRSS == 0 || r.ProcNow != nil {
		t.Fatalf("show --json of the ended run: %+v %+v", r.Proc, r.ProcNow)
	}
	if out := h.ok("show", id); !strings.Contains(out, "cpu use      peak memory ") {
		t.Errorf("show lacks the CPU use:\n%s", out)
	}
}

type runJSONProc struct {
	ID      string           `json:"id"`
	Proc    *api.ProcSummary `json:"proc"`
	ProcNow *api.ProcStats   `json:"proc_now"`
}

func TestSizesInGiB(t *testing.T) {
	for _, c := range []struct {
		n   uint64
		out string
	}{{0, "0 GiB"}, {80 << 30, "80.0 GiB"}, {512 << 20, "0.5 GiB"}, {3 << 20, "0.003 GiB"}, {2048, "<0.001 GiB"}} {
		if got := gib(c.n); got != c.out {
			t.Errorf("gib(%d) = %q, want %q", c.n, got, c.out)
		}
	}
}

func TestCountsReadRight(t *testing.T) {
	for n, want := range map[int]string{0: "no job was running", 1: "1 running job keeps running", 2: "2 running jobs keep running"} {
		if got := jobsKeepRunning(n); got != want {
			t.Errorf("jobsKeepRunning(%d) = %q, want %q", n, got, want)
		}
	}
	var b strings.Builder
	showRun(&b, api.Run{ID: "0123456789ab", Name: "r", Status: api.Succeeded, InvalidLines: 1, FirstInvalid: "oops"}, time.Now())
	if !strings.Contains(b.String(), "1 line could not be read; the first: oops") {
		t.Errorf("show of a run with one bad line:\n%s", b.String())
	}
}

func TestProgressFinalStepDone(t *testing.T) {
	run := func(status api.Status, last, total int64) api.Run {
		return api.Run{Status: status, Total: total, Metrics: map[string]api.MetricSummary{"loss": {LastStep: last}}}
	}
	for _, c := range []struct {
		r    api.Run
		want string
	}{
		{run(api.Succeeded, 399, 400), "400/400"}, // 0-based: the last step is 399
		{run(api.Succeeded, 400, 400), "400/400"}, // 1-based
		{run(api.Running, 399, 400), "399/400"},
		{run(api.Failed, 399, 400), "399/400"},
		{run(api.Killed, 120, 400), "120/400"},
		{run(api.Succeeded, 7, 0), "step 7"},
	} {
		if got := progress(c.r); got != c.want {
			t.Errorf("%s at %d of %d: %q, want %q", c.r.Status, c.r.Metrics["loss"].LastStep, c.r.Total, got, c.want)
		}
	}
}

func TestGPUsShowsTheHost(t *testing.T) {
	var b strings.Builder
	printGPUs(&b, api.GPUReport{Info: api.GPUInfo{Backend: "none"},
		Host: &api.HostStats{CPUPercent: 23.4, Cores: 16, MemUsed: 12 << 30, MemTotal: 64 << 30, DiskUsed: 100 << 30, DiskTotal: 500 << 30}})
	want := "no GPUs\nhost: CPU 23% of 16 cores, memory 12.0 / 64.0 GiB, disk 100.0 / 500.0 GiB (the data directory's)\n"
	if b.String() != want {
		t.Errorf("gpus without GPUs:\n%s\nwant\n%s", b.String(), want)
	}
}
