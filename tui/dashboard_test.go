package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
)

// view is the app's view without its styles.
func view(a *App) string { return ansi.Strip(a.View()) }

// The dashboard's jobs are rows, the longest running first: the cursor
// starts on the first, j and k move it, enter opens the run, x kills it
// after the runs table's question.
func TestDashboardActsOnJobs(t *testing.T) {
	f := helpFixture()
	a := syncApp(t, f)
	// The longest running first.
	if v := view(a); !strings.Contains(v, "›● resnet-baseline") || strings.Index(v, "resnet-baseline  ") > strings.Index(v, "vit-small  ") {
		t.Fatalf("no cursor on the first job:\n%s", v)
	}
	press(t, a, "j", "enter")
	if v := view(a); !strings.Contains(v, "lathe › Runs › vit-small") || a.active != runPage {
		t.Fatalf("enter on vit-small:\n%s", v)
	}
	press(t, a, "1", "k", "enter")
	if v := view(a); !strings.Contains(v, "lathe › Runs › resnet-baseline") {
		t.Fatalf("enter on resnet-baseline:\n%s", v)
	}
	press(t, a, "1", "x") // the cursor stayed on resnet-baseline
	if v := view(a); !strings.Contains(v, "kill resnet-baseline? y/n") {
		t.Fatalf("x asks nothing:\n%s", v)
	}
	press(t, a, "n")
	if len(f.killed) != 0 {
		t.Fatalf("n killed %v", f.killed)
	}
	press(t, a, "x", "y")
	if !slices.Equal(f.killed, []string{"a1b2c3d4e5f6"}) {
		t.Errorf("killed %v", f.killed)
	}
	if v := view(a); !strings.Contains(v, "killing resnet-baseline") || a.active != dashboardPage {
		t.Errorf("after the kill:\n%s", v)
	}
}

// An attention item opens what it names (a failed run, a hot GPU) and D
// puts it away; x, on an item of a run that has ended, does nothing.
func TestDashboardAttentionItems(t *testing.T) {
	f := helpFixture()
	f.gpus.GPUs[3].Sample.TemperatureC = ptr(uint32(91))
	a := syncApp(t, f)
	press(t, a, "j", "j", "j", "j") // past the three jobs and the queued one's wait
	if v := view(a); !strings.Contains(v, "›✗ bert-diverged failed: exit code 1") {
		t.Fatalf("no cursor on the failed run:\n%s", v)
	}
	press(t, a, "x")
	if a.overlay != noOverlay || len(f.killed) != 0 {
		t.Errorf("x on an ended run: overlay %d, killed %v", a.overlay, f.killed)
	}
	press(t, a, "enter")
	if v := view(a); !strings.Contains(v, "lathe › Runs › bert-diverged") {
		t.Fatalf("enter on the failed run:\n%s", v)
	}
	press(t, a, "1", "D")
	v := view(a)
	if strings.Contains(v, "✗ bert-diverged failed") || !strings.Contains(v, "dismissed: bert-diverged failed") {
		t.Fatalf("D left the item:\n%s", v)
	}
	// The cursor is on the next item now: the hot GPU, which opens on the
	// GPUs page.
	if !strings.Contains(v, "›! GPU 3 is hot: 91°C") {
		t.Fatalf("the cursor after D:\n%s", v)
	}
	press(t, a, "enter")
	if v := view(a); a.active != gpusPage || !strings.Contains(v, "› 3") || !strings.Contains(v, "GPU 3  0000:04:00.0") {
		t.Errorf("enter on a hot GPU:\n%s", v)
	}
}

// A job whose metric lines could not be read says so, with the first, on
// its page and in the attention box.
func TestInvalidLinesShow(t *testing.T) {
	f := helpFixture()
	f.runs[2].InvalidLines, f.runs[2].FirstInvalid = 119, `{"step": 1, "loss": }`
	a := syncApp(t, f)
	want := `resnet-baseline: 119 metric lines could not be read; the first: {"step": 1, "loss": }`
	if v := view(a); !strings.Contains(v, want) {
		t.Errorf("the attention box lacks %q:\n%s", want, v)
	}
	press(t, a, toRun...)
	if v := view(a); !strings.Contains(v, `metrics     119 metric lines could not be read; the first: {"step": 1, "loss": }`) {
		t.Errorf("the run's page lacks it:\n%s", v)
	}
}

// On the GPUs page, enter opens the run on the device under the cursor
// (the one its processes belong to), x kills it after a question; an idle
// device has neither.
func TestGPUsActOnRuns(t *testing.T) {
	f := helpFixture()
	f.gpus.GPUs[2].LeasedBy, f.gpus.GPUs[2].LeasedByName = "", ""
	f.gpus.GPUs[2].Processes = []api.GPUProcess{{PID: 4242, UsedMemory: 20 << 30, RunID: "0123456789ab", RunName: "vit-small"}}
	a := syncApp(t, f)
	press(t, a, "3", "j", "j", "enter")
	if v := view(a); !strings.Contains(v, "lathe › Runs › vit-small") {
		t.Fatalf("enter on GPU 2:\n%s", v)
	}
	press(t, a, "3", "x", "y")
	if !slices.Equal(f.killed, []string{"0123456789ab"}) {
		t.Errorf("killed %v", f.killed)
	}
	if v := view(a); !strings.Contains(v, "killing vit-small") {
		t.Errorf("no note of the kill:\n%s", v)
	}
	press(t, a, "G", "enter", "x")
	if a.active != gpusPage || a.overlay != noOverlay {
		t.Errorf("enter or x on an idle device: page %d, overlay %d", a.active, a.overlay)
	}
}

// With the host's load in the report, the dashboard shows its CPU,
// memory and disk under the GPUs; a run's process tree's CPU and memory
// show beside its job and on its GPUs. Without them, nothing is said.
func TestHostAndProcesses(t *testing.T) {
	f := helpFixture()
	f.gpus.Host = &api.HostStats{CPUPercent: 42, Cores: 16, MemUsed: 12 << 30, MemTotal: 64 << 30, DiskUsed: 120 << 30, DiskTotal: 500 << 30}
	f.gpus.Procs = map[string]api.ProcStats{"a1b2c3d4e5f6": {CPUPercent: 250, RSS: 3 << 30, Procs: 5}}
	a := syncApp(t, f)
	v := view(a)
	for _, want := range []string{"host  cpu", " 42% of 16", "12.0/64.0G", "120.0/500.0G", "cpu 250% rss 3.0 GiB"} {
		if !strings.Contains(v, want) {
			t.Errorf("the dashboard lacks %q:\n%s", want, v)
		}
	}
	press(t, a, "3")
	if v := view(a); !strings.Contains(v, "resnet-baseline  cpu 250% rss 3.0 GiB") {
		t.Errorf("the GPUs page lacks the run's use:\n%s", v)
	}
	plain := view(syncApp(t, helpFixture()))
	if strings.Contains(plain, "host") || strings.Contains(plain, "rss") {
		t.Errorf("a report without the host's load:\n%s", plain)
	}
}

// With a cluster to ask, the dashboard lists the user's jobs in its queue
// (lathe's by their run's name, running first, pending with Slurm's
// reason) and the app asks again; without one, neither.
func TestDashboardCluster(t *testing.T) {
	f := helpFixture()
	a := syncApp(t, f)
	resnet := f.runs[2]
	f.cluster = api.Cluster{Scheduler: "slurm", Installed: true, Jobs: []api.ClusterJob{
		{QueueState: api.QueueState{ID: "77_1", State: "PENDING", Pending: true, Reason: "QOSMaxGRESPerUser", Partition: "gpu"},
			Name: "lathe-array-x", Elapsed: "0:00"},
		{QueueState: api.QueueState{ID: "76", State: "RUNNING", Partition: "gpu", Node: "node07"},
			Name: "lathe-" + resnet.ID, Elapsed: "1:02:03", Run: resnet.ID},
	}}
	_, next := a.Update(a.pollCluster()())
	v := view(a)
	for _, want := range []string{"Cluster · slurm: 1 running, 1 pending", "● 76         " + resnet.Name, "node07",
		"○ 77_1       lathe-array-x", "QOSMaxGRESPerUser"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in\n%s", want, v)
		}
	}
	if strings.Index(v, "77_1") < strings.Index(v, "node07") {
		t.Errorf("the pending job is listed before the running one:\n%s", v)
	}
	if next == nil {
		t.Error("the app does not ask the cluster again")
	}
	f.cluster = api.Cluster{Scheduler: "slurm", Jobs: []api.ClusterJob{}}
	if _, next := a.Update(a.pollCluster()()); next != nil || strings.Contains(view(a), "Cluster ·") {
		t.Errorf("Slurm is not installed, yet the app polls (%v) or shows it:\n%s", next != nil, view(a))
	}
}
