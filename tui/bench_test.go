package tui

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/config"
	"lathe/engine/gpu"
	"lathe/store"
	"lathe/store/series"
	"lathe/themes"
	"lathe/tui/styles"
)

// BenchmarkDashboardView draws the dashboard with 8 GPUs and their last
// hour, and 50 jobs, each with a sparkline (budget: 5 ms a frame).
func BenchmarkDashboardView(b *testing.B) {
	p, _ := themes.Load("dark")
	st := newState(func() time.Time { return clock })
	started := clock.Add(-time.Hour)
	for i := range 50 {
		r := api.Run{ID: fmt.Sprintf("%012d", i), Name: fmt.Sprintf("job-%d", i), Status: api.Running,
			Started: &started, Created: started, Total: 1000, Metrics: map[string]api.MetricSummary{
				"loss": {Last: api.Float(0.5), LastStep: int64(i * 10)}}}
		st.runs = append(st.runs, r)
		for k := range trendLen {
			st.trend[r.ID] = append(st.trend[r.ID], float64(k%7))
		}
	}
	for i := range 8 {
		st.gpus.GPUs = append(st.gpus.GPUs, api.GPUStatus{GPUDevice: api.GPUDevice{Index: i, Name: "NVIDIA A100", MemoryTotal: 80 << 30},
			Sample:   &api.GPUSample{UtilGPU: ptr(uint32(50)), MemoryUsed: ptr(uint64(40 << 30)), TemperatureC: ptr(uint32(60)), PowerW: ptr(300.0)},
			LeasedBy: st.runs[i].ID, LeasedByName: st.runs[i].Name})
	}
	// An hour of readings a second per GPU, for the sparklines and the heat
	// strip.
	for i := range 8 {
		for k := range 3600 {
			st.gpuHist[i] = append(st.gpuHist[i], api.GPUPoint{Time: clock.Add(time.Duration(k-3600) * time.Second),
				Util: api.Float(k % 100), MemoryUsed: 40 << 30, PowerW: 300, TempC: 60})
		}
	}
	d := newDashboard(st, styles.New(p), DefaultKeyMap(), nil)
	d.SetSize(160, 60)
	start := time.Now()
	for b.Loop() {
		_ = d.View()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
}

// BenchmarkChartsFrame is a frame of a run's charts tab at 160×50 with four
// live metrics of 1 000 000 points each (budget: 16 ms): between frames each
// metric gains a point, as while the run goes on; a frame reads each
// metric's view from the store, as the engine's MetricView does, gives it
// to the page, and draws the page. ms/frame-ui is the part on the app's
// side (the views are read in commands, off the UI's goroutine).
func BenchmarkChartsFrame(b *testing.B) {
	metrics := []string{"loss", "acc", "lr", "grad_norm"}
	lr := newLiveRun(b, "c0ffee000001", metrics, 1_000_000, 200_000)
	page := lr.page(160, 50)
	var ui, view time.Duration
	for b.Loop() {
		b.StopTimer()
		lr.appendPoints(1)
		b.StartTimer()
		start := time.Now()
		msgs := lr.views(metrics, 2*page.chartWidth())
		mid := time.Now()
		for _, m := range msgs {
			page.Update(m)
		}
		if v := page.View(); !strings.Contains(v, "grad_norm") {
			b.Fatalf("the frame lacks a chart:\n%s", v)
		}
		view += mid.Sub(start)
		ui += time.Since(mid)
	}
	for _, name := range metrics {
		if c := page.grid.Chart(name); c.Renders() < b.N {
			b.Fatalf("chart %s drawn %d times in %d frames: not live", name, c.Renders(), b.N)
		}
	}
	b.ReportMetric(float64((ui+view).Microseconds())/1000/float64(b.N), "ms/frame")
	b.ReportMetric(float64(ui.Microseconds())/1000/float64(b.N), "ms/frame-ui")
}

// liveRun is a running run in a store of its own, its metrics of many
// points each, for the charts' benchmarks.
type liveRun struct {
	b       *testing.B
	db      *store.DB
	id      string
	metrics []string
	points  int64
	started time.Time
	step    int64
}

// newLiveRun stores a running run whose metrics have points each, written
// perTx a transaction.
func newLiveRun(b *testing.B, id string, metrics []string, points, perTx int) *liveRun {
	db, err := store.Open(filepath.Join(b.TempDir(), "lathe.db"), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	lr := &liveRun{b: b, db: db, id: id, metrics: metrics, points: int64(points), started: clock.Add(-time.Hour)}
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.CreateRun(&store.Run{ID: id, Name: "big", Experiment: "default", Status: store.Running, Created: lr.started, Started: &lr.started})
	})
	if err != nil {
		b.Fatal(err)
	}
	for range points / perTx {
		lr.appendPoints(perTx)
	}
	return lr
}

// appendPoints gives each metric n more points, as while the run goes on.
func (lr *liveRun) appendPoints(n int) {
	err := lr.db.Update(context.Background(), func(tx *store.Tx) error {
		for m, name := range lr.metrics {
			pts := make([]series.Point, n)
			for i := range pts {
				s := lr.step + int64(i) + 1
				pts[i] = series.Point{Step: s, Time: lr.started.Add(time.Duration(s) * time.Millisecond).UnixMicro(),
					Value: math.Sin(float64(s)/1e4+float64(m)) + 1.5}
			}
			if err := tx.AppendPoints(lr.id, name, pts); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		lr.b.Fatal(err)
	}
	lr.step += int64(n)
}

// page is the run's charts tab at w×h, on an app state that knows it.
func (lr *liveRun) page(w, h int) *runView {
	p, _ := themes.Load("dark")
	st := newState(func() time.Time { return clock })
	summaries := map[string]api.MetricSummary{}
	for _, m := range lr.metrics {
		summaries[m] = api.MetricSummary{Count: lr.points}
	}
	st.setRuns([]api.Run{{ID: lr.id, Name: "big", Status: api.Running, Started: &lr.started, Metrics: summaries}})
	page := newRunView(context.Background(), nil, st, styles.New(p), DefaultKeyMap(), lr.id)
	page.SetSize(w, h)
	page.tab = chartsTab
	page.grid.SetNames(lr.metrics)
	return page
}

// views reads the named metrics' views of about points points from the
// store, as the engine's MetricView does, as the page receives them.
func (lr *liveRun) views(names []string, points int) []chartDataMsg {
	msgs := make([]chartDataMsg, 0, len(names))
	err := lr.db.View(func(tx *store.Tx) error {
		for _, name := range names {
			bs, err := tx.SeriesView(lr.id, name, points)
			if err != nil {
				return err
			}
			out := make([]api.Bucket, len(bs))
			for i, x := range bs {
				out[i] = api.Bucket{FirstStep: x.FirstStep, LastStep: x.LastStep, FirstTime: float64(x.FirstTime) / 1e6,
					LastTime: float64(x.LastTime) / 1e6, Count: x.Count, Min: api.Float(x.Min),
					Max: api.Float(x.Max), Mean: api.Float(x.Mean), Last: api.Float(x.Last)}
			}
			msgs = append(msgs, chartDataMsg{run: lr.id, metric: name, buckets: out})
		}
		return nil
	})
	if err != nil {
		lr.b.Fatal(err)
	}
	return msgs
}

// BenchmarkFirstFrame opens the app on an engine whose store holds 100 000
// runs, over the engine's socket, and times it from the app's creation to
// its first frame, the dashboard with the active runs and the GPUs (budget:
// 200 ms); and to the first frame of the runs table with the newest 5 000
// runs loaded, sorted and laid out.
func BenchmarkFirstFrame(b *testing.B) {
	const runs = 100_000
	home := b.TempDir()
	paths := api.Paths{Home: home}
	if err := os.MkdirAll(home, 0o755); err != nil {
		b.Fatal(err)
	}
	seedSweep(b, paths, runs)
	client := serveBench(b, paths)

	p, _ := themes.Load("dark")
	var first, table time.Duration
	for b.Loop() {
		start := time.Now()
		app := New(client, Options{Styles: styles.New(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock }})
		app.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
		// Run the commands of Init as Bubble Tea would, each in its own
		// goroutine, taking their messages until the frame has runs and
		// GPUs (the one-second tick is left out: it only redraws clocks).
		msgs := make(chan tea.Msg, 8)
		init := app.Init()().(tea.BatchMsg)
		for _, cmd := range init[:len(init)-1] {
			go func() { msgs <- cmd() }()
		}
		// The first frame: the active runs, the GPUs, the event stream.
		var active, all, gpus, stream bool
		take := func() {
			switch m := (<-msgs).(type) {
			case tea.BatchMsg: // the loads are a batch of their own
				for _, cmd := range m {
					if cmd != nil {
						go func() { msgs <- cmd() }()
					}
				}
			case lostMsg:
				b.Fatal("the engine was lost")
			case runsMsg:
				active, all = active || m.active, all || !m.active
				app.Update(m)
			case gpusMsg:
				gpus = true
				app.Update(m)
			case streamMsg:
				stream = true
				app.Update(m)
			}
		}
		for !active || !gpus || !stream {
			take()
		}
		view := app.View()
		first += time.Since(start)
		if !strings.Contains(view, "Fake A100") || !strings.Contains(view, "nothing runs") {
			b.Fatalf("the first frame lacks the GPUs or the jobs:\n%s", view)
		}
		for !all {
			take()
		}
		app.Update(keys("2"))
		view = app.View()
		table += time.Since(start)
		if !strings.Contains(view, "5000 runs (the newest") {
			b.Fatalf("the runs table:\n%s", view)
		}
		app.cancel()
	}
	b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "ms/first-frame")
	b.ReportMetric(float64(table.Microseconds())/1000/float64(b.N), "ms/runs-table")
}

// serveBench opens an engine on a data directory, serves it on its socket
// until the benchmark ends, and returns a client of it, as the app has.
func serveBench(b *testing.B, paths api.Paths) *client.Client {
	e, err := engine.Open(engine.Options{Paths: paths, Config: config.Default(), Probe: gpu.NewFake(8)})
	if err != nil {
		b.Fatal(err)
	}
	sock, _ := paths.Socket()
	l, err := engine.Listen(sock)
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- engine.Serve(ctx, e, l, slog.New(slog.DiscardHandler)) }()
	client := client.New(sock)
	// The engine is up and settled: its catalogue of runs is loaded (a
	// filtered listing waits for it).
	if _, err := client.Runs(ctx, api.RunQuery{Filter: "nosuchrun", Limit: 1}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		client.Close()
		stop()
		<-served
		e.Close()
	})
	return client
}

// BenchmarkCompareOpen opens the comparison of 10 runs of 1 000 000 points
// each, over the engine's socket, until its curves tab is drawn with every
// run's curve (budget: 100 ms): the comparison, then the ten runs' views
// read at once, as the app's commands run, and the frame. ms/summary is the
// time to the summary tab's frame.
func BenchmarkCompareOpen(b *testing.B) {
	const runs, points, perTx = 10, 1_000_000, 250_000
	home := b.TempDir()
	paths := api.Paths{Home: home}
	db, err := store.Open(paths.DB(), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	started := clock.Add(-time.Hour)
	for i := range runs {
		id := fmt.Sprintf("c0c0c0c0c0%02d", i)
		ids = append(ids, id)
		err := db.Update(ctx, func(tx *store.Tx) error {
			return tx.CreateRun(&store.Run{ID: id, Name: fmt.Sprintf("sweep-%d", i), Experiment: "default", Status: store.Succeeded,
				Created: started, Started: &started, Ended: &clock, Params: map[string]string{"lr": fmt.Sprint(0.01 * float64(i+1)), "batch": "256"}})
		})
		if err != nil {
			b.Fatal(err)
		}
		for from := 0; from < points; from += perTx {
			err := db.Update(ctx, func(tx *store.Tx) error {
				pts := make([]series.Point, perTx)
				for j := range pts {
					s := int64(from + j + 1)
					pts[j] = series.Point{Step: s, Time: started.Add(time.Duration(s) * time.Millisecond).UnixMicro(),
						Value: math.Exp(-float64(s)/3e5)*(1+0.1*float64(i)) + 0.01*math.Sin(float64(s))}
				}
				return tx.AppendPoints(id, "loss", pts)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	db.Close()
	client := serveBench(b, paths)
	p, _ := themes.Load("dark")
	st := newState(func() time.Time { return clock })
	var summary, open time.Duration
	for b.Loop() {
		start := time.Now()
		page := newCompareView(ctx, client, st, styles.New(p), DefaultKeyMap(), ids)
		page.SetSize(160, 50)
		page.Update(page.Init()())
		if v := page.View(); !strings.Contains(v, "sweep-9") {
			b.Fatalf("the summary:\n%s", v)
		}
		summary += time.Since(start)
		// The ten views are read at once, each in its command.
		cmds := page.showTab(curvesTab)().(tea.BatchMsg)
		msgs := make(chan tea.Msg, len(cmds))
		for _, cmd := range cmds {
			go func() { msgs <- cmd() }()
		}
		for range cmds {
			page.Update(<-msgs)
		}
		if v := page.View(); !strings.Contains(v, "loss") || len(page.curves) != runs {
			b.Fatalf("the curves (%d of %d):\n%s", len(page.curves), runs, v)
		}
		open += time.Since(start)
	}
	b.ReportMetric(float64(open.Microseconds())/1000/float64(b.N), "ms/open")
	b.ReportMetric(float64(summary.Microseconds())/1000/float64(b.N), "ms/summary")
}
