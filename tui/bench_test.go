package tui

import (
	"fmt"
	"testing"
	"time"

	"lathe/engine"
	"lathe/engine/gpu"
	"lathe/engine/metricline"
	"lathe/store"
	"lathe/themes"
)

// BenchmarkDashboardView draws the dashboard with 8 GPUs and 50 jobs, each
// with a sparkline (budget: 5 ms a frame).
func BenchmarkDashboardView(b *testing.B) {
	p, _ := themes.Load("dark")
	st := &state{trend: map[string][]float64{}, now: func() time.Time { return clock }}
	started := clock.Add(-time.Hour)
	for i := range 50 {
		r := engine.Run{Run: store.Run{ID: fmt.Sprintf("%012d", i), Name: fmt.Sprintf("job-%d", i), Status: store.Running,
			Started: &started, Created: started, Total: 1000}, Metrics: map[string]engine.MetricSummary{
			"loss": {Last: metricline.Float(0.5), LastStep: int64(i * 10)}}}
		st.runs = append(st.runs, r)
		for k := range trendLen {
			st.trend[r.ID] = append(st.trend[r.ID], float64(k%7))
		}
	}
	for i := range 8 {
		st.gpus.GPUs = append(st.gpus.GPUs, engine.GPUStatus{Device: gpu.Device{Index: i, Name: "NVIDIA A100", MemoryTotal: 80 << 30},
			Sample:   &gpu.Sample{UtilGPU: ptr(uint32(50)), MemoryUsed: ptr(uint64(40 << 30)), TemperatureC: ptr(uint32(60)), PowerW: ptr(300.0)},
			LeasedBy: st.runs[i].ID, LeasedByName: st.runs[i].Name})
	}
	d := newDashboard(st, NewStyles(p))
	d.SetSize(160, 60)
	start := time.Now()
	for b.Loop() {
		_ = d.View()
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/frame")
}
