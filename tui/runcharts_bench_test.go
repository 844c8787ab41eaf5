package tui

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/store"
	"lathe/store/series"
	"lathe/themes"
	"lathe/tui/styles"
)

// BenchmarkChartsPaging is a frame of a run's charts tab at 160×50 paging
// through 16 live metrics of 1 000 000 points each, four a page (budget:
// 16 ms): between frames each metric gains a point, as while the run goes
// on; a frame is n, the views of the page's metrics read from the store as
// the engine's MetricView reads them, given to the page, and the page
// drawn. ms/frame-ui is the part on the app's side (the views are read in
// commands, off the UI's goroutine).
func BenchmarkChartsPaging(b *testing.B) {
	const metricsN, points, perTx = 16, 1_000_000, 250_000
	metrics := make([]string, metricsN)
	for i := range metrics {
		metrics[i] = fmt.Sprintf("metric/%02d", i)
	}
	db, err := store.Open(filepath.Join(b.TempDir(), "lathe.db"), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const id = "c0ffee000002"
	started := clock.Add(-time.Hour)
	ctx := context.Background()
	err = db.Update(ctx, func(tx *store.Tx) error {
		return tx.CreateRun(&store.Run{ID: id, Name: "wide", Experiment: "default", Status: store.Running, Created: started, Started: &started})
	})
	if err != nil {
		b.Fatal(err)
	}
	step := int64(0)
	appendPoints := func(n int) {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for m, name := range metrics {
				pts := make([]series.Point, n)
				for i := range pts {
					s := step + int64(i) + 1
					pts[i] = series.Point{Step: s, Time: started.Add(time.Duration(s) * time.Millisecond).UnixMicro(),
						Value: math.Sin(float64(s)/1e4+float64(m)) + 1.5}
				}
				if err := tx.AppendPoints(id, name, pts); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		step += int64(n)
	}
	for range points / perTx {
		appendPoints(perTx)
	}

	p, _ := themes.Load("dark")
	st := newState(func() time.Time { return clock })
	summaries := map[string]api.MetricSummary{}
	for _, m := range metrics {
		summaries[m] = api.MetricSummary{Count: points}
	}
	st.setRuns([]api.Run{{ID: id, Name: "wide", Status: api.Running, Started: &started, Metrics: summaries}})
	page := newRunView(ctx, nil, st, styles.New(p), DefaultKeyMap(), id)
	page.SetSize(160, 50)
	page.tab = chartsTab
	page.grid.SetNames(metrics)
	readPage := func() []chartDataMsg {
		var msgs []chartDataMsg
		err := db.View(func(tx *store.Tx) error {
			for _, name := range page.grid.Visible() {
				bs, err := tx.SeriesView(id, name, 2*page.chartWidth())
				if err != nil {
					return err
				}
				out := make([]api.Bucket, len(bs))
				for i, x := range bs {
					out[i] = api.Bucket{FirstStep: x.FirstStep, LastStep: x.LastStep, FirstTime: float64(x.FirstTime) / 1e6,
						LastTime: float64(x.LastTime) / 1e6, Count: x.Count, Min: api.Float(x.Min),
						Max: api.Float(x.Max), Mean: api.Float(x.Mean), Last: api.Float(x.Last)}
				}
				msgs = append(msgs, chartDataMsg{run: id, metric: name, buckets: out})
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return msgs
	}
	var ui, read time.Duration
	seen := map[string]bool{}
	for b.Loop() {
		b.StopTimer()
		appendPoints(1)
		b.StartTimer()
		start := time.Now()
		page.Update(keys("n"))
		visible := slices.Clone(page.grid.Visible())
		mid := time.Now()
		msgs := readPage()
		end := time.Now()
		for _, m := range msgs {
			page.Update(m)
		}
		v := page.View()
		ui += mid.Sub(start) + time.Since(end)
		read += end.Sub(mid)
		for _, name := range visible {
			if !strings.Contains(v, name) {
				b.Fatalf("the page lacks %s:\n%s", name, v)
			}
			seen[name] = true
		}
	}
	if b.N >= 4 && len(seen) != metricsN {
		b.Fatalf("paging showed %d of %d metrics", len(seen), metricsN)
	}
	b.ReportMetric(float64((ui+read).Microseconds())/1000/float64(b.N), "ms/frame")
	b.ReportMetric(float64(ui.Microseconds())/1000/float64(b.N), "ms/frame-ui")
}
