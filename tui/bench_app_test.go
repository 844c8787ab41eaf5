package tui

import (
	"fmt"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/themes"
	"lathe/tui/styles"
)

// BenchmarkDashboardFrameRows is a frame of the dashboard at 160×60 over
// the app's 5 000 runs (50 running, 100 failed in the last day, the rest
// ended): its view and the footer's keys, which both walk the rows the
// cursor goes over (the jobs and the attention items).
func BenchmarkDashboardFrameRows(b *testing.B) {
	p, _ := themes.Load("dark")
	st := newState(func() time.Time { return clock })
	started := clock.Add(-time.Hour)
	ended := clock.Add(-time.Minute)
	for i := range 5000 {
		r := api.Run{ID: fmt.Sprintf("%012d", i), Name: fmt.Sprintf("job-%d", i), Status: api.Succeeded,
			Started: &started, Created: started, Ended: &ended, Total: 1000, Metrics: map[string]api.MetricSummary{
				"loss": {Last: api.Float(0.5), LastStep: int64(i % 1000)}}}
		switch {
		case i < 50:
			r.Status, r.Ended = api.Running, nil
		case i < 150:
			r.Status, r.Reason = api.Failed, "exit code 1"
		}
		st.runs = append(st.runs, r)
	}
	d := newDashboard(st, styles.New(p), DefaultKeyMap(), nil)
	d.SetSize(160, 60)
	start := time.Now()
	for b.Loop() {
		_ = d.View()
		_ = d.ShortHelp()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
}
