package tui

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"lathe/engine"
	"lathe/engine/gpu"
	"lathe/engine/metricline"
	"lathe/store"
	"lathe/themes"
)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

var clock = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fakeEngine is the slice of the engine the app uses, with fixed data.
type fakeEngine struct {
	runs   []engine.Run
	gpus   engine.GPUReport
	events chan engine.Event
	killed []string
}

func (f *fakeEngine) Runs(context.Context, engine.RunQuery) ([]engine.Run, error) { return f.runs, nil }
func (f *fakeEngine) GPUs(context.Context) (engine.GPUReport, error)              { return f.gpus, nil }
func (f *fakeEngine) Events(context.Context) (<-chan engine.Event, error)         { return f.events, nil }
func (f *fakeEngine) MetricView(_ context.Context, ref, name string, points int) ([]engine.Bucket, error) {
	// A falling curve with a spike, as the engine would summarise it.
	var out []engine.Bucket
	for i := 0; i < min(points, 40); i++ {
		v := 2.5 / float64(i+1)
		if i == 20 {
			v = 3
		}
		out = append(out, engine.Bucket{FirstStep: int64(i * 30), LastStep: int64(i*30 + 29), Count: 30,
			Min: metricline.Float(v * 0.9), Max: metricline.Float(v), Mean: metricline.Float(v * 0.95), Last: metricline.Float(v)})
	}
	return out, nil
}

func (f *fakeEngine) Logs(_ context.Context, ref string, _ engine.LogOptions, w io.Writer) error {
	_, err := io.WriteString(w, "epoch 1 loss=2.1\nepoch 2 loss=1.4\nepoch 3 loss=0.9\n")
	return err
}

func (f *fakeEngine) Kill(_ context.Context, ref string, _ bool) (engine.Run, error) {
	f.killed = append(f.killed, ref)
	return engine.Run{}, nil
}

func ptr[T any](v T) *T { return &v }

func fixture() *fakeEngine {
	at := func(d time.Duration) *time.Time { t := clock.Add(-d); return &t }
	metric := func(last float64, step int64) engine.MetricSummary {
		return engine.MetricSummary{Last: metricline.Float(last), Min: metricline.Float(last), Max: 2.5, Count: step, LastStep: step}
	}
	run := func(id, name, exp string, st store.Status, started *time.Time) engine.Run {
		return engine.Run{Run: store.Run{ID: id, Name: name, Experiment: exp, Status: st, Created: clock.Add(-time.Hour),
			Started: started, Command: []string{"python3", "train.py"}}, Metrics: map[string]engine.MetricSummary{}}
	}
	a := run("a1b2c3d4e5f6", "resnet-baseline", "vision", store.Running, at(5*time.Minute))
	a.Devices, a.Total, a.Params = []int{0, 1}, 3000, map[string]string{"lr": "0.1"}
	a.Metrics["loss"], a.Metrics["acc"] = metric(0.42, 1200), metric(0.81, 1200)
	b := run("0123456789ab", "vit-small", "vision", store.Running, at(2*time.Minute))
	b.Devices = []int{2}
	b.Metrics["train_loss"] = metric(1.2, 300)
	c := run("fedcba987654", "llama-sweep", "nlp", store.Queued, nil)
	c.GPUs, c.Waiting = 2, "waiting for 2 GPUs, 1 free"
	d := run("abcdefabcdef", "bert-diverged", "nlp", store.Failed, at(20*time.Minute))
	d.Ended, d.Reason, d.ExitCode = at(19*time.Minute), "exit code 1", ptr(1)
	d.Metrics["loss"] = metric(9.5, 60)
	e := run("999999999999", "bert-finetune", "nlp", store.Succeeded, at(50*time.Minute))
	e.Ended = at(40 * time.Minute)
	e.Metrics["loss"] = metric(0.17, 300)

	gpuStatus := func(i int, util uint32, mem uint64, leased, name string) engine.GPUStatus {
		return engine.GPUStatus{
			Device:   gpu.Device{Index: i, UUID: "GPU-fake-00" + string(rune('0'+i)), Name: "NVIDIA Fake A100", PCIBusID: "0000:0" + string(rune('1'+i)) + ":00.0", MemoryTotal: 80 << 30},
			Sample:   &gpu.Sample{Index: i, UtilGPU: ptr(util), MemoryUsed: ptr(mem), TemperatureC: ptr(uint32(40 + util/4)), PowerW: ptr(float64(60 + 3*util)), PowerLimitW: ptr(400.0)},
			LeasedBy: leased, LeasedByName: name,
		}
	}
	return &fakeEngine{
		runs: []engine.Run{c, b, a, d, e},
		gpus: engine.GPUReport{Info: gpu.Info{Backend: "fake"}, GPUs: []engine.GPUStatus{
			gpuStatus(0, 91, 42<<30, a.ID, a.Name), gpuStatus(1, 88, 42<<30, a.ID, a.Name),
			gpuStatus(2, 67, 20<<30, b.ID, b.Name), gpuStatus(3, 0, 0, "", ""),
		}},
		events: make(chan engine.Event),
	}
}

func newTestApp(f *fakeEngine) *App {
	p, _ := themes.Load("dark")
	return New(f, Options{Styles: NewStyles(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock }})
}

func keys(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// finalView drives the app with keys at a size and returns its last view.
// A string among the messages is waited for in the output.
func finalView(t *testing.T, w, h int, waitFor string, send ...any) string {
	t.Helper()
	tm := teatest.NewTestModel(t, newTestApp(fixture()), teatest.WithInitialTermSize(w, h))
	wait := func(s string) {
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(5*time.Second))
	}
	wait(waitFor)
	for _, m := range send {
		switch m := m.(type) {
		case string:
			wait(m)
		case tea.Msg:
			tm.Send(m)
		}
	}
	tm.Send(keys("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	return tm.FinalModel(t).View()
}

func TestDashboard(t *testing.T) {
	for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
		t.Run(itoa(size.w)+"x"+itoa(size.h), func(t *testing.T) {
			view := finalView(t, size.w, size.h, "Jobs: 2 running")
			for _, want := range []string{"lathe › Dashboard", "GPUs", "resnet-baseline", "waiting for 2 GPUs, 1 free", "Attention", "bert-diverged failed", "q quit"} {
				if !strings.Contains(view, want) {
					t.Errorf("dashboard lacks %q", want)
				}
			}
			lines := strings.Split(view, "\n")
			if len(lines) != size.h {
				t.Errorf("%d lines on a %d-line terminal", len(lines), size.h)
			}
			golden.RequireEqual(t, []byte(view))
		})
	}
}

func TestRunsPageOpensARun(t *testing.T) {
	view := finalView(t, 120, 40, "Jobs:", keys("2"), keys("j"), keys("j"), tea.KeyMsg{Type: tea.KeyEnter}, "Runs › resnet-baseline")
	for _, want := range []string{"lathe › Runs › resnet-baseline", "lr=0.1", "loss", "gpus        [0 1]", "esc back"} {
		if !strings.Contains(view, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	golden.RequireEqual(t, []byte(view))
}

func TestRunsTable(t *testing.T) {
	view := finalView(t, 80, 24, "Jobs:", keys("2"), keys("G"))
	if !strings.Contains(view, "lathe › Runs") || !strings.Contains(view, "bert-finetune") {
		t.Errorf("runs table:\n%s", view)
	}
	golden.RequireEqual(t, []byte(view))
}

func TestHelpAndGPUs(t *testing.T) {
	help := finalView(t, 120, 40, "Jobs:", keys("?"))
	if !strings.Contains(help, "quit (jobs keep running)") || !strings.Contains(help, "ctrl+d") {
		t.Errorf("help:\n%s", help)
	}
	golden.RequireEqual(t, []byte(help))
	gpus := finalView(t, 120, 40, "Jobs:", keys("3"))
	if !strings.Contains(gpus, "GPU 3") || !strings.Contains(gpus, "fan n/a") {
		t.Errorf("GPUs page:\n%s", gpus)
	}
}

func TestTooSmall(t *testing.T) {
	view := finalView(t, 60, 20, "needs at least")
	if !strings.Contains(view, "lathe needs at least 80×24") {
		t.Errorf("small terminal: %q", view)
	}
}

// Events update the app: a run's new state, points for its sparkline.
func TestEventsUpdateTheDashboard(t *testing.T) {
	f := fixture()
	tm := teatest.NewTestModel(t, newTestApp(f), teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Jobs: 2 running")) })
	r := f.runs[0] // llama-sweep, queued
	r.Status, r.Started, r.Waiting, r.Devices = store.Running, &clock, "", []int{3}
	f.events <- engine.Event{Type: engine.EventRun, Run: &r}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Jobs: 3 running")) })
	tm.Send(keys("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestPointsMoveTheSummary(t *testing.T) {
	f := fixture()
	tm := teatest.NewTestModel(t, newTestApp(f), teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("loss 0.42")) })
	f.events <- engine.Event{Type: engine.EventPoints, RunID: "a1b2c3d4e5f6",
		Points: map[string][]engine.Point{"loss": {{Step: 1201, Value: 0.4}, {Step: 1202, Value: 0.39}}}}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("loss 0.39")) })
	tm.Send(keys("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestRunsFilterAndKill(t *testing.T) {
	f := fixture()
	p, _ := themes.Load("dark")
	app := New(f, Options{Styles: NewStyles(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock }})
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Jobs:")) })
	tm.Send(keys("2"))
	tm.Send(keys("/"))
	tm.Send(keys("bert"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("2 of 5 runs")) })
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	tm.Send(keys("x")) // the first kept run: bert-diverged
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("killing bert-diverged")) })
	tm.Send(keys("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	view := tm.FinalModel(t).View()
	if strings.Contains(view, "resnet-baseline") || !strings.Contains(view, "/bert") {
		t.Errorf("filtered table:\n%s", view)
	}
	if len(f.killed) != 1 || f.killed[0] != "abcdefabcdef" {
		t.Errorf("killed %v", f.killed)
	}
}

// The palette finds a run by a few letters of its name and opens it.
func TestPaletteOpensARun(t *testing.T) {
	view := finalView(t, 120, 40, "Jobs:", keys(":"), keys("vitsm"), "run vit-small", tea.KeyMsg{Type: tea.KeyEnter}, "Runs › vit-small")
	if !strings.Contains(view, "lathe › Runs › vit-small") || !strings.Contains(view, "train_loss") {
		t.Errorf("palette:\n%s", view)
	}
	pages := finalView(t, 120, 40, "Jobs:", keys(":"), keys("gpus"), tea.KeyMsg{Type: tea.KeyEnter}, "lathe › GPUs")
	if !strings.Contains(pages, "GPU 3") {
		t.Errorf("palette to GPUs:\n%s", pages)
	}
}

func TestRunTabs(t *testing.T) {
	charts := finalView(t, 120, 40, "Jobs:", keys(":"), keys("resnet"), "run resnet-baseline", tea.KeyMsg{Type: tea.KeyEnter},
		"Runs › resnet-baseline", keys("l"), "acc 0.0625", keys("s"), "EMA 0.6")
	if !strings.Contains(charts, "[charts]") || !strings.Contains(charts, "loss 0.0625") || !strings.Contains(charts, "EMA 0.6") {
		t.Errorf("charts tab:\n%s", charts)
	}
	logs := finalView(t, 120, 40, "Jobs:", keys("2"), keys("j"), keys("j"), tea.KeyMsg{Type: tea.KeyEnter},
		"Runs › resnet-baseline", keys("l"), keys("l"), "epoch 3 loss=0.9")
	if !strings.Contains(logs, "[logs]") {
		t.Errorf("logs tab:\n%s", logs)
	}
}
