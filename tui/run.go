package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"lathe/engine"
)

// The tabs of a run.
const (
	tabOverview = iota
	tabCharts
	tabLogs
)

var tabNames = []string{"overview", "charts", "logs"}

// logTail is how much of a run's output the logs tab reads.
const logTail = 64 << 10

// runPage shows one run: what it is, its charts, its output.
type runPage struct {
	st            *state
	styles        Styles
	keys          KeyMap
	eng           Engine
	ctx           context.Context
	id            string
	width, height int
	tab           int
	charts        map[string]*chart
	logs          string
	smooth        bool
	logY          bool
}

// Messages of the run page's own I/O; each names its run.
type (
	chartDataMsg struct {
		run, metric string
		buckets     []engine.Bucket
	}
	logsMsg struct{ run, text string }
)

func newRunPage(ctx context.Context, eng Engine, st *state, s Styles, k KeyMap, id string) *runPage {
	return &runPage{st: st, styles: s, keys: k, eng: eng, ctx: ctx, id: id, charts: map[string]*chart{}}
}

// load asks the engine for what the current tab shows.
func (p *runPage) load() tea.Cmd {
	r, ok := p.st.run(p.id)
	if !ok {
		return nil
	}
	switch p.tab {
	case tabCharts:
		var cmds []tea.Cmd
		points := max(2*p.chartWidth(), 10)
		for name := range r.Metrics {
			name := name
			cmds = append(cmds, func() tea.Msg {
				b, err := p.eng.MetricView(p.ctx, p.id, name, points)
				if err != nil {
					return nil
				}
				return chartDataMsg{run: p.id, metric: name, buckets: b}
			})
		}
		return tea.Batch(cmds...)
	case tabLogs:
		return func() tea.Msg {
			var buf strings.Builder
			if err := p.eng.Logs(p.ctx, p.id, engine.LogOptions{Tail: logTail}, &buf); err != nil {
				return logsMsg{run: p.id, text: "the output cannot be read: " + err.Error()}
			}
			return logsMsg{run: p.id, text: buf.String()}
		}
	}
	return nil
}

func (p *runPage) chartWidth() int { return max(20, p.width/2-1) }

func (p *runPage) chartHeight() int { return max(6, (p.height-2)/2) }

func (p *runPage) Title() string {
	if r, ok := p.st.run(p.id); ok {
		return r.Name
	}
	return p.id
}
func (p *runPage) SetSize(w, h int) {
	p.width, p.height = w, h
	for _, c := range p.charts {
		c.SetSize(p.chartWidth(), p.chartHeight())
	}
}

func (p *runPage) ShortHelp() []key.Binding {
	bs := []key.Binding{p.keys.Tab}
	if p.tab == tabCharts {
		bs = append(bs, p.keys.Smooth, p.keys.LogScale)
	}
	return bs
}

func (p *runPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case chartDataMsg:
		if msg.run != p.id {
			return p, nil
		}
		c := p.charts[msg.metric]
		if c == nil {
			c = newChart(msg.metric, p.styles)
			c.SetSize(p.chartWidth(), p.chartHeight())
			p.charts[msg.metric] = c
		}
		pts := make([]chartPoint, 0, 2*len(msg.buckets))
		for _, b := range msg.buckets {
			// A bucket of many points draws as its span, so spikes stay.
			if b.Count > 1 {
				pts = append(pts, chartPoint{X: float64(b.FirstStep), Y: float64(b.Min)}, chartPoint{X: float64(b.LastStep), Y: float64(b.Max)})
				continue
			}
			pts = append(pts, chartPoint{X: float64(b.LastStep), Y: float64(b.Last)})
		}
		c.SetPoints(pts)
		p.applyChartOptions(c)
	case logsMsg:
		if msg.run == p.id {
			p.logs = msg.text
		}
	case tickMsg:
		// A running run's charts and output move: read them again.
		if r, ok := p.st.run(p.id); ok && r.Status == "running" {
			return p, p.load()
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.Tab):
			p.tab = (p.tab + 1) % len(tabNames)
			return p, p.load()
		case key.Matches(msg, p.keys.Smooth) && p.tab == tabCharts:
			p.smooth = !p.smooth
		case key.Matches(msg, p.keys.LogScale) && p.tab == tabCharts:
			p.logY = !p.logY
		}
		for _, c := range p.charts {
			p.applyChartOptions(c)
		}
	}
	return p, nil
}

func (p *runPage) applyChartOptions(c *chart) {
	alpha := 0.0
	if p.smooth {
		alpha = 0.6
	}
	c.SetSmoothing(alpha)
	c.SetLogY(p.logY)
}

func (p *runPage) View() string {
	s := p.styles
	r, ok := p.st.run(p.id)
	if !ok {
		return s.Muted.Render("this run is gone")
	}
	tabs := make([]string, len(tabNames))
	for i, n := range tabNames {
		if i == p.tab {
			tabs[i] = s.Accent.Render("[" + n + "]")
		} else {
			tabs[i] = s.Muted.Render(" " + n + " ")
		}
	}
	head := strings.Join(tabs, " ") + "\n"
	switch p.tab {
	case tabCharts:
		return head + p.chartsView(r)
	case tabLogs:
		return head + p.logsView()
	}
	return head + p.overview(r)
}

// chartsView lays the charts out two by two, by metric name.
func (p *runPage) chartsView(r engine.Run) string {
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

// logsView shows the end of the run's output that fits.
func (p *runPage) logsView() string {
	if p.logs == "" {
		return p.styles.Muted.Render("no output yet")
	}
	lines := strings.Split(strings.TrimRight(p.logs, "\n"), "\n")
	if room := max(1, p.height-2); len(lines) > room {
		lines = lines[len(lines)-room:]
	}
	for i, l := range lines {
		lines[i] = fitWidth(strings.ReplaceAll(l, "\r", ""), p.width)
	}
	return strings.Join(lines, "\n")
}

// overview is what the run is and how it went.
func (p *runPage) overview(r engine.Run) string {
	s := p.styles
	now := p.st.now()
	row := func(k, v string) string { return s.Muted.Render(padRight(k, 12)) + fitWidth(v, p.width-12) + "\n" }
	var b strings.Builder
	status := s.status(string(r.Status)).Render(string(r.Status))
	if r.Reason != "" {
		status += " — " + r.Reason
	}
	if r.Waiting != "" {
		status += " — " + r.Waiting
	}
	b.WriteString(row("run", r.Name+" ("+r.ID+")"))
	b.WriteString(row("experiment", r.Experiment))
	b.WriteString(row("status", status))
	b.WriteString(row("command", strings.Join(r.Command, " ")))
	b.WriteString(row("elapsed", Elapsed(r, now)))
	if len(r.Devices) > 0 {
		b.WriteString(row("gpus", fmt.Sprint(r.Devices)))
	}
	if u := r.Usage; u != nil {
		b.WriteString(row("gpu use", fmt.Sprintf("%.3f GPU-h, %.1f Wh, peak %s GiB, mean %.0f%%", u.GPUHours, u.EnergyWh, gib(u.PeakGPUMemBytes), u.MeanGPUUtil)))
	}
	if len(r.Params) > 0 {
		keys := make([]string, 0, len(r.Params))
		for k := range r.Params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + r.Params[k]
		}
		b.WriteString(row("params", strings.Join(parts, " ")))
	}
	if len(r.Metrics) > 0 {
		names := make([]string, 0, len(r.Metrics))
		for n := range r.Metrics {
			names = append(names, n)
		}
		slices.Sort(names)
		b.WriteString("\n" + s.Title.Render(fmt.Sprintf(" %-20s %10s %10s %10s %8s", "METRIC", "LAST", "MIN", "MAX", "STEP")) + "\n")
		for _, n := range names {
			m := r.Metrics[n]
			b.WriteString(fitWidth(fmt.Sprintf(" %-20s %10s %10s %10s %8d", fitWidth(n, 20), number(float64(m.Last)),
				number(float64(m.Min)), number(float64(m.Max)), m.LastStep), p.width) + "\n")
		}
	}
	return b.String()
}
