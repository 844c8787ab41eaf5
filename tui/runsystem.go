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

// loadSystem reads the history of the run's GPUs, once, and the readings
// of its process tree, again while it runs.
func (p *runView) loadSystem(r api.Run) tea.Cmd {
	gpus := p.systemHist == nil
	if r.Started == nil || (!gpus && r.Status.Ended() && p.procs != nil) {
		return nil
	}
	var until time.Time
	if r.Ended != nil {
		until = *r.Ended
	}
	eng, ctx, id := p.eng, p.ctx, p.id
	return func() tea.Msg {
		msg := systemDataMsg{run: id}
		msg.procs, msg.procsErr = eng.ProcHistory(ctx, id)
		if !gpus {
			return msg
		}
		msg.hist = map[int][]api.GPUPoint{}
		for _, d := range r.Devices {
			h, err := eng.GPUHistory(ctx, d, *r.Started, until)
			if err != nil {
				msg.err = err
				break
			}
			msg.hist[d] = h
		}
		return msg
	}
}

// systemView is the grid of the charts of the run's GPUs (and of what
// else joins them, see refreshSystem).
func (p *runView) systemView(r api.Run) string {
	s := p.styles
	switch {
	case r.Started == nil:
		return s.Muted.Render("this run has not started")
	case p.systemErr != "":
		return s.Error.Render(format.Fit(p.systemErr, p.width))
	case p.systemHist == nil:
		return s.Muted.Render("loading…")
	case len(p.system.Visible()) == 0:
		return s.Muted.Render("no readings of this run's processes or GPUs")
	}
	v := p.system.View()
	if p.procsErr != "" {
		v = s.Error.Render(format.Fit(p.procsErr, p.width)) + "\n" + v
	}
	return v
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
	// The grid's charts: each GPU's two, then the process tree's two (a
	// CPU-only run has those alone).
	names := make([]string, 0, 2+2*len(r.Devices))
	for _, d := range r.Devices {
		u, m := gpuCharts(d)
		names = append(names, u, m)
	}
	memName, memUnit := p.procMemAxis()
	if len(p.procs) > 0 {
		names = append(names, procCPUChart, memName)
	}
	p.system.SetNames(names)
	if len(p.procs) > 0 {
		p.chartProcs(*r.Started, memName, memUnit)
	}
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

// procCPUChart is the chart of the run's process tree's CPU.
const procCPUChart = "CPU % (cores × 100)"

// procMemAxis is the name of the chart of the process tree's resident
// memory and its unit: MiB while it stays under a GiB, so that its labels
// read 3.1 rather than 0.003.
func (p *runView) procMemAxis() (name string, unit float64) {
	var peak uint64
	for _, pt := range p.procs {
		peak = max(peak, pt.RSS)
	}
	if peak < 1<<30 {
		return "resident memory MiB", 1 << 20
	}
	return "resident memory GiB", 1 << 30
}

// chartProcs draws the process tree's readings by time since the start:
// CPU from 0 to at least one core, memory from 0, so that a flat line
// reads flat.
func (p *runView) chartProcs(started time.Time, memName string, memUnit float64) {
	cpu, mem := make([]chart.Point, len(p.procs)), make([]chart.Point, len(p.procs))
	var peak float64
	for i, pt := range p.procs {
		x := pt.Time.Sub(started).Seconds()
		cpu[i] = chart.Point{X: x, Y: pt.CPUPercent}
		mem[i] = chart.Point{X: x, Y: float64(pt.RSS) / memUnit}
		peak = max(peak, mem[i].Y)
	}
	cc, mc := p.system.Chart(procCPUChart), p.system.Chart(memName)
	cc.SetYRange(0, 100)
	mc.SetYRange(0, peak)
	cc.SetPoints(cpu)
	mc.SetPoints(mem)
}
