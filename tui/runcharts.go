package tui

import (
	"math"
	"slices"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/format"
)

// The charts tab is a grid of the run's metrics (chart.Grid): pages of
// charts, a filter, an inspector and a zoom; the engine is asked only for
// the views of the metrics of the page shown.

// maxViewPoints caps the points of a view read for a zoom.
const maxViewPoints = 1 << 16

// loadCharts gives the grid the run's metrics and asks for a view of each
// one of the page shown, two points a column (times the zoom's
// magnification, so that a zoom shows detail the whole range hid).
func (p *runView) loadCharts(r api.Run) tea.Cmd {
	names := make([]string, 0, len(r.Metrics))
	for name := range r.Metrics {
		names = append(names, name)
	}
	slices.Sort(names)
	p.grid.SetNames(names)
	var cmds []tea.Cmd
	points := min(max(int(2*float64(p.chartWidth())*p.grid.Detail()), 10), maxViewPoints)
	for _, name := range p.grid.Visible() {
		cmds = append(cmds, func() tea.Msg {
			b, err := p.eng.MetricView(p.ctx, p.id, name, points)
			if err != nil {
				return nil
			}
			return chartDataMsg{run: p.id, metric: name, buckets: b}
		})
	}
	return tea.Batch(cmds...)
}

// chartsKey handles a key of the charts tab: t switches the X axis, the
// grid takes the others; when they show other metrics, their views are
// read.
func (p *runView) chartsKey(msg tea.KeyMsg) tea.Cmd {
	if !p.grid.Capturing() && key.Matches(msg, p.keys.TimeX) {
		p.byTime = !p.byTime
		p.setXAxis()
		for name := range p.views {
			p.drawMetric(name)
		}
		return nil
	}
	before := slices.Clone(p.grid.Visible())
	width, detail := p.chartWidth(), p.grid.Detail()
	p.grid.Update(msg)
	if slices.Equal(before, p.grid.Visible()) && width == p.chartWidth() && detail == p.grid.Detail() {
		return nil
	}
	if r, ok := p.st.run(p.id); ok {
		return p.loadCharts(r)
	}
	return nil
}

// chartsMissing reports that the charts tab shows metrics whose views were
// never read (the page grew with the terminal).
func (p *runView) chartsMissing() bool {
	if p.tab != chartsTab {
		return false
	}
	for _, n := range p.grid.Visible() {
		if _, ok := p.views[n]; !ok {
			return true
		}
	}
	return false
}

// chartWidth is the width of a chart of the page shown.
func (p *runView) chartWidth() int {
	w, _ := p.grid.ChartSize()
	return w
}

// setXAxis names the charts' X axis, step or time.
func (p *runView) setXAxis() {
	if p.byTime {
		p.grid.SetXAxis(chart.XTime, durationLabel)
	} else {
		p.grid.SetXAxis(chart.XStep, stepLabel)
	}
}

// drawMetric gives a metric's chart its last view, by step or by time.
func (p *runView) drawMetric(name string) {
	var origin float64
	if r, ok := p.st.run(p.id); ok && r.Started != nil {
		origin = float64(r.Started.UnixMicro()) / 1e6
	}
	p.grid.SetPoints(name, bucketPoints(p.views[name], p.byTime, origin))
}

// bucketPoints are a metric's view as a chart's points: X by step, or by
// time since origin (Unix seconds).
func bucketPoints(buckets []api.Bucket, byTime bool, origin float64) []chart.Point {
	pts := make([]chart.Point, 0, 2*len(buckets))
	for _, b := range buckets {
		x0, x1 := float64(b.FirstStep), float64(b.LastStep)
		if byTime {
			x0, x1 = b.FirstTime-origin, b.LastTime-origin
		}
		// A bucket of many points draws as its span, so spikes stay.
		if b.Count > 1 {
			pts = append(pts, chart.Point{X: x0, Y: float64(b.Min)}, chart.Point{X: x1, Y: float64(b.Max)})
			continue
		}
		pts = append(pts, chart.Point{X: x1, Y: float64(b.Last)})
	}
	return pts
}

// stepLabel writes an X value that is a step: a whole number.
func stepLabel(v float64) string { return format.Short(math.Round(v), 3) }

// durationLabel writes an X value that is seconds since the start.
func durationLabel(v float64) string { return format.Duration(time.Duration(v * float64(time.Second))) }

// xLabels is how a chart by step or by time writes its X labels.
func xLabels(byTime bool) func(float64) string {
	if byTime {
		return durationLabel
	}
	return stepLabel
}

// setXAxisOf gives a chart of curves by step or by time its X axis: its
// name and how it writes its labels.
func setXAxisOf(c *chart.Chart, byTime bool) {
	c.SetXLabels(xLabels(byTime))
	if byTime {
		c.SetXName(chart.XTime)
	} else {
		c.SetXName(chart.XStep)
	}
}

// chartsView is the grid of the run's metrics.
func (p *runView) chartsView(r api.Run) string {
	if len(r.Metrics) == 0 {
		return p.styles.Muted.Render("no metrics logged yet")
	}
	return p.grid.View()
}
