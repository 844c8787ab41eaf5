package tui

import (
	"fmt"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/format"
)

// loadSystem reads the history of the run's GPUs, once.
func (p *runView) loadSystem(r api.Run) tea.Cmd {
	if p.systemHist != nil || r.Started == nil {
		return nil
	}
	var until time.Time
	if r.Ended != nil {
		until = *r.Ended
	}
	return func() tea.Msg {
		hist := map[int][]api.GPUPoint{}
		for _, d := range r.Devices {
			h, err := p.eng.GPUHistory(p.ctx, d, *r.Started, until)
			if err != nil {
				return systemDataMsg{run: p.id, err: err}
			}
			hist[d] = h
		}
		return systemDataMsg{run: p.id, hist: hist}
	}
}

// systemView is the grid of the charts of the run's GPUs (and of what
// else joins them, see refreshSystem).
func (p *runView) systemView(r api.Run) string {
	s := p.styles
	switch {
	case len(r.Devices) == 0 && len(p.system.Visible()) == 0:
		return s.Muted.Render("this run uses no GPU")
	case p.systemErr != "":
		return s.Error.Render(format.Fit(p.systemErr, p.width))
	case p.systemHist == nil:
		return s.Muted.Render("loading…")
	}
	return p.system.View()
}

// gpuCharts are the names of the charts of a device: its utilisation and
// its memory.
func gpuCharts(device int) (util, mem string) {
	return fmt.Sprintf("GPU %d utilisation %%", device), fmt.Sprintf("GPU %d memory GiB", device)
}

// refreshSystem charts the run's GPUs over its life, utilisation and memory
// of each device by time since the start: the engine's history, and while
// the run goes on, the app's readings where the history stops. Utilisation
// is drawn on 0–100% and memory on 0–the device's total, so that a flat
// line reads flat.
func (p *runView) refreshSystem() {
	r, ok := p.st.run(p.id)
	if !ok || p.systemHist == nil || r.Started == nil {
		return
	}
	// The grid's charts: each GPU's two; charts of the run's processes
	// (CPU %, memory) would join these names, so a run without a GPU has
	// a system tab too.
	names := make([]string, 0, 2*len(r.Devices))
	for _, d := range r.Devices {
		u, m := gpuCharts(d)
		names = append(names, u, m)
	}
	p.system.SetNames(names)
	for _, d := range r.Devices {
		pts := p.systemHist[d]
		if live := p.st.gpuHist[d]; r.Ended == nil && len(live) > 0 {
			var last time.Time
			if len(pts) > 0 {
				last = pts[len(pts)-1].Time
			}
			j, _ := slices.BinarySearchFunc(live, last, func(p api.GPUPoint, t time.Time) int { return p.Time.Compare(t) })
			for j < len(live) && !live[j].Time.After(last) {
				j++
			}
			pts = append(slices.Clip(pts), live[j:]...)
		}
		util, mem := make([]chart.Point, 0, len(pts)), make([]chart.Point, 0, len(pts))
		for _, g := range pts {
			if r.Ended != nil && g.Time.After(*r.Ended) {
				break
			}
			x := g.Time.Sub(*r.Started).Seconds()
			util = append(util, chart.Point{X: x, Y: float64(g.Util)})
			mem = append(mem, chart.Point{X: x, Y: float64(g.MemoryUsed) / (1 << 30)})
		}
		un, mn := gpuCharts(d)
		uc, mc := p.system.Chart(un), p.system.Chart(mn)
		uc.SetYRange(0, 100)
		mc.SetYRange(0, p.gpuMemoryGiB(d))
		uc.SetPoints(util)
		mc.SetPoints(mem)
	}
}

// gpuMemoryGiB is a device's memory in GiB as the app last read it, 0 when
// unknown (the chart then spans the values).
func (p *runView) gpuMemoryGiB(device int) float64 {
	for _, g := range p.st.gpus.GPUs {
		if g.Index == device {
			return float64(g.MemoryTotal) / (1 << 30)
		}
	}
	return 0
}
