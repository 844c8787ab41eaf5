package tui

import (
	"math"
	"slices"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/format"
)

// loadCharts asks for a view of each metric of the run, two points a column.
func (p *runView) loadCharts(r api.Run) tea.Cmd {
	var cmds []tea.Cmd
	points := max(2*p.chartWidth(), 10)
	for name := range r.Metrics {
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

// chartsKey handles a key of the charts tab.
func (p *runView) chartsKey(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.TimeX):
		p.byTime = !p.byTime
		for name := range p.views {
			p.drawMetric(name)
		}
	default:
		// The chart keys set the options of every chart.
		if o, ok := k.Chart.Toggle(p.chartOpts, msg); ok {
			p.chartOpts = o
			for _, c := range p.charts {
				c.SetOptions(o)
			}
		}
	}
	return nil
}

func (p *runView) chartWidth() int { return max(20, p.width/2-1) }

// chartHeight shares the height between the rows of the grid (two charts
// a row); with many metrics, the frame shows the first rows.
func (p *runView) chartHeight() int {
	r, _ := p.st.run(p.id)
	rows := max(1, (len(r.Metrics)+1)/2)
	return max(8, (p.height-1)/min(rows, 2))
}

// drawMetric gives a metric's chart its last view, by step or by time.
func (p *runView) drawMetric(name string) {
	c := p.charts[name]
	if c == nil {
		c = chart.New(name, p.styles, p.keys.Chart)
		c.SetSize(p.chartWidth(), p.chartHeight())
		p.charts[name] = c
	}
	var origin float64
	if r, ok := p.st.run(p.id); ok && r.Started != nil {
		origin = float64(r.Started.UnixMicro()) / 1e6
	}
	c.SetPoints(bucketPoints(p.views[name], p.byTime, origin))
	c.SetXLabels(xLabels(p.byTime))
	c.SetOptions(p.chartOpts)
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

// chartsView lays the charts out two by two, by metric name.
func (p *runView) chartsView(r api.Run) string {
	names := make([]string, 0, len(p.charts))
	for n := range p.charts {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) == 0 {
		if len(r.Metrics) == 0 {
			return p.styles.Muted.Render("no metrics logged yet")
		}
		return p.styles.Muted.Render("loading…")
	}
	var rows []string
	for i := 0; i < len(names); i += 2 {
		left := p.charts[names[i]].View()
		right := ""
		if i+1 < len(names) {
			right = p.charts[names[i+1]].View()
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, left, " ", right))
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}
