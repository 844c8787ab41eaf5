package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkChartsPaging is a frame of a run's charts tab at 160×50 paging
// through 16 live metrics of 1 000 000 points each, four a page (budget:
// 16 ms): between frames each metric gains a point, as while the run goes
// on; a frame is n, the views of the page's metrics read from the store as
// the engine's MetricView reads them, given to the page, and the page
// drawn. ms/frame-ui is the part on the app's side (the views are read in
// commands, off the UI's goroutine).
func BenchmarkChartsPaging(b *testing.B) {
	const metricsN = 16
	metrics := make([]string, metricsN)
	for i := range metrics {
		metrics[i] = fmt.Sprintf("metric/%02d", i)
	}
	lr := newLiveRun(b, "c0ffee000002", metrics, 1_000_000, 250_000)
	page := lr.page(160, 50)
	readPage := func() []chartDataMsg { return lr.views(page.grid.Visible(), 2*page.chartWidth()) }
	var ui, read time.Duration
	seen := map[string]bool{}
	for b.Loop() {
		b.StopTimer()
		lr.appendPoints(1)
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
