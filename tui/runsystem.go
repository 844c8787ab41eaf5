package tui

import (
	"fmt"
	"slices"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

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

// systemView lays out the charts of the run's GPUs.
func (p *runView) systemView(r api.Run) string {
	s := p.styles
	switch {
	case len(r.Devices) == 0:
		return s.Muted.Render("this run uses no GPU")
	case p.systemErr != "":
		return s.Error.Render(format.Fit(p.systemErr, p.width))
	case len(p.system) == 0:
		return s.Muted.Render("loading…")
	}
	rows := make([]string, 0, len(p.system)/2)
	for i := 0; i+1 < len(p.system); i += 2 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, p.system[i].View(), " ", p.system[i+1].View()))
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

// systemChartHeight shares the height between the devices; with many, the
// frame shows the first ones.
func (p *runView) systemChartHeight(devices int) int { return max(6, (p.height-1)/max(devices, 1)) }

// refreshSystem charts the run's GPUs over its life, utilisation and memory
// of each device by time since the start: the engine's history, and while
// the run goes on, the app's readings where the history stops.
func (p *runView) refreshSystem() {
	r, ok := p.st.run(p.id)
	if !ok || p.systemHist == nil || r.Started == nil {
		return
	}
	n := len(r.Devices)
	if len(p.system) != 2*n {
		p.system = make([]*chart.Chart, 2*n)
		for i, d := range r.Devices {
			p.system[2*i] = chart.New(fmt.Sprintf("GPU %d utilisation %%", d), p.styles, p.keys.Chart)
			p.system[2*i+1] = chart.New(fmt.Sprintf("GPU %d memory GiB", d), p.styles, p.keys.Chart)
		}
		for _, c := range p.system {
			c.SetXLabels(durationLabel)
			c.SetSize(p.chartWidth(), p.systemChartHeight(n))
		}
	}
	for i, d := range r.Devices {
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
		p.system[2*i].SetPoints(util)
		p.system[2*i+1].SetPoints(mem)
	}
}
