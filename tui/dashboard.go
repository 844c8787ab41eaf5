package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine/api"
	"lathe/tui/format"
	"lathe/tui/styles"
)

// dashboard is the first page: the GPUs, the jobs, and what needs looking
// at (v opens the oldest promotion waiting for the user's review, d the
// drift of the first model whose drift alerts).
type dashboard struct {
	st            *state
	styles        styles.Styles
	keys          KeyMap
	width, height int

	drawn gpuDrawings
}

// gpuDrawings are each GPU's sparkline and heat strip, drawn from the GPU
// history again only when a new report came (or the width changed), not
// at every frame.
type gpuDrawings struct {
	version, width int
	trends, heat   map[int]string // by device index
}

func newDashboard(st *state, s styles.Styles, k KeyMap) *dashboard {
	return &dashboard{st: st, styles: s, keys: k}
}

func (d *dashboard) Title() string    { return "Dashboard" }
func (d *dashboard) SetSize(w, h int) { d.width, d.height = w, h }
func (d *dashboard) Capturing() bool  { return false }

// Update takes v, which opens the oldest request waiting for the user,
// and d, which opens the drift of the first model whose drift alerts.
func (d *dashboard) Update(msg tea.Msg) (page, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	switch {
	case !ok:
	case key.Matches(k, d.keys.Review) && len(d.st.mine) > 0:
		r := d.st.mine[0]
		return d, func() tea.Msg { return openReviewMsg{model: r.Model, id: r.ID} }
	case key.Matches(k, d.keys.Drift):
		if alerts := d.st.driftAlerts(); len(alerts) > 0 {
			name := alerts[0].Name
			return d, func() tea.Msg { return openDriftMsg{model: name} }
		}
	}
	return d, nil
}

// The dashboard's keys, v and d, work while a request waits for the user
// and while a model's drift alerts; the frame's go from it.
func (d *dashboard) ShortHelp() []key.Binding { return d.attentionKeys() }

func (d *dashboard) FullHelp() [][]key.Binding {
	var rows [][]key.Binding
	for _, b := range d.attentionKeys() {
		rows = append(rows, []key.Binding{b})
	}
	return rows
}

func (d *dashboard) attentionKeys() []key.Binding {
	var out []key.Binding
	if len(d.st.mine) > 0 {
		out = append(out, d.keys.Review)
	}
	if len(d.st.driftAlerts()) > 0 {
		out = append(out, d.keys.Drift)
	}
	return out
}

// View lays out the GPUs, the jobs and the attention box, and the heat
// strip of utilisation when there is room for it.
func (d *dashboard) View() string {
	parts := []string{d.gpus(), d.jobs()}
	if att := d.attention(); att != "" {
		parts = append(parts, att)
	}
	used := 0
	for _, p := range parts {
		used += strings.Count(strings.TrimRight(p, "\n"), "\n") + 2 // its lines and a blank one
	}
	// The strip is a title, a row a GPU and the time axis.
	if n := len(d.st.gpus.GPUs); n > 0 && used+n+3 <= d.height {
		parts = append(parts[:1], append([]string{d.heat()}, parts[1:]...)...)
	}
	for i, p := range parts {
		parts[i] = strings.TrimRight(p, "\n")
	}
	return strings.Join(parts, "\n\n")
}

// heatWindow is how far back the heat strip reaches.
const heatWindow = time.Hour

// heat draws each GPU's utilisation over the last hour as a strip of
// shades, one cell per step, oldest on the left.
func (d *dashboard) heat() string {
	s := d.styles
	if len(d.st.gpus.GPUs) == 0 {
		return ""
	}
	cells := max(10, d.width-8)
	step := heatWindow / time.Duration(cells)
	var b strings.Builder
	b.WriteString(s.Title.Render("Utilisation, last hour") + s.Muted.Render(fmt.Sprintf("  one cell is %s; ░▒▓█ = 25/50/75/100%%", format.Duration(step))) + "\n")
	for _, g := range d.st.gpus.GPUs {
		b.WriteString(fmt.Sprintf(" %-3d %s\n", g.Index, d.history().heat[g.Index]))
	}
	ago := "-" + format.Duration(heatWindow)
	b.WriteString(s.Muted.Render("     " + ago + strings.Repeat(" ", max(1, cells-len(ago)-3)) + "now"))
	return b.String()
}

// history draws each GPU's 5-minute sparkline and hour-long heat strip
// when the history has moved since the last drawing.
func (d *dashboard) history() *gpuDrawings {
	c := &d.drawn
	if c.trends != nil && c.version == d.st.gpuVersion && c.width == d.width {
		return c
	}
	c.version, c.width = d.st.gpuVersion, d.width
	c.trends, c.heat = map[int]string{}, map[int]string{}
	cells := max(10, d.width-8)
	for _, g := range d.st.gpus.GPUs {
		c.trends[g.Index] = d.styles.Running.Render(format.Sparkline(d.st.gpuUtil(g.Index, 10, 30*time.Second), 10, 0, 100))
		c.heat[g.Index] = d.styles.Running.Render(heatStrip(d.st.gpuUtil(g.Index, cells, heatWindow/time.Duration(cells))))
	}
	return c
}

var shades = []rune("▁░▒▓█")

// heatStrip draws percentages as shades (idle is a low line); a cell
// without a reading is a dot.
func heatStrip(vals []float64) string {
	out := make([]rune, len(vals))
	for i, v := range vals {
		if v != v {
			out[i] = '·'
			continue
		}
		out[i] = shades[min(max(int(math.Ceil(v/25)), 0), 4)]
	}
	return string(out)
}

func (d *dashboard) gpus() string {
	s := d.styles
	rep := d.st.gpus
	var b strings.Builder
	b.WriteString(s.Title.Render("GPUs") + "\n")
	if len(rep.GPUs) == 0 {
		msg := "no GPUs"
		if rep.Info.Notice != "" {
			msg = rep.Info.Notice
		}
		b.WriteString(s.Muted.Render("  "+format.Fit(msg, d.width-2)) + "\n")
		return b.String()
	}
	barW := max(6, (d.width-72)/3)
	for _, g := range rep.GPUs {
		line := fmt.Sprintf(" %d %-12s", g.Index, format.Fit(strings.TrimPrefix(g.Name, "NVIDIA "), 12))
		smp := g.Sample
		if smp == nil || smp.Lost {
			state := "n/a"
			if smp != nil {
				state = "LOST"
			}
			b.WriteString(line + " " + s.Error.Render(state) + "\n")
			continue
		}
		util, mem := math.NaN(), math.NaN()
		utilText, memText, temp, power := " n/a", "   n/a", "n/a", "n/a"
		if smp.UtilGPU != nil {
			util = float64(*smp.UtilGPU) / 100
			utilText = fmt.Sprintf("%3d%%", *smp.UtilGPU)
		}
		if smp.MemoryUsed != nil && g.MemoryTotal > 0 {
			mem = float64(*smp.MemoryUsed) / float64(g.MemoryTotal)
			memText = fmt.Sprintf("%5sG", format.GiBs(*smp.MemoryUsed))
		}
		if smp.TemperatureC != nil {
			temp = fmt.Sprintf("%d°C", *smp.TemperatureC)
		}
		if smp.PowerW != nil {
			power = fmt.Sprintf("%.0fW", *smp.PowerW)
		}
		job := "-"
		if g.LeasedByName != "" {
			job = g.LeasedByName
		}
		line += fmt.Sprintf(" %s %s  %s %s  %5s %5s %s  %s",
			s.Running.Render(format.Bar(util, barW)), utilText, s.Accent.Render(format.Bar(mem, barW)), memText, temp, power, d.history().trends[g.Index], job)
		b.WriteString(format.Fit(line, d.width) + "\n")
	}
	return b.String()
}

func (d *dashboard) jobs() string {
	s := d.styles
	now := d.st.now()
	var running, queued []api.Run
	for _, r := range d.st.runs {
		switch r.Status {
		case api.Running:
			running = append(running, r)
		case api.Queued:
			queued = append(queued, r)
		}
	}
	var b strings.Builder
	b.WriteString(s.Title.Render(fmt.Sprintf("Jobs: %d running, %d queued", len(running), len(queued))) + "\n")
	nameW, sparkW := 18, 20
	if d.width < 100 {
		sparkW = 10
	}
	for _, r := range running {
		line := fmt.Sprintf(" %s %-*s %7s  %s", s.Running.Render("●"), nameW, format.Fit(r.Name, nameW), format.Elapsed(r.Started, r.Ended, now),
			format.Sparkline(d.st.trend[r.ID], sparkW, math.NaN(), math.NaN()))
		if m := mainMetric(r); m != "" {
			line += fmt.Sprintf(" %s %s", m, format.Number(float64(r.Metrics[m].Last), 4))
		}
		if r.Total > 0 {
			step := lastStep(r)
			line += fmt.Sprintf(" %s %d/%d %s", format.Bar(float64(step)/float64(r.Total), 8), max(step, 0), r.Total, eta(r, now))
		}
		b.WriteString(format.Fit(line, d.width) + "\n")
	}
	for _, r := range queued {
		line := fmt.Sprintf(" %s %-*s %s", s.Warn.Render("○"), nameW, format.Fit(r.Name, nameW), s.Muted.Render(r.Waiting))
		b.WriteString(format.Fit(line, d.width) + "\n")
	}
	if len(running)+len(queued) == 0 {
		b.WriteString(s.Muted.Render("  nothing runs: start a job with `lathe run -- python3 train.py`") + "\n")
	}
	return b.String()
}

// attention lists what a user should look at: the promotions waiting for
// their review, the models whose drift alerts, failed jobs of the last
// day, jobs waiting long, GPUs hot or lost.
func (d *dashboard) attention() string {
	s := d.styles
	now := d.st.now()
	var items []string
	if n := len(d.st.mine); n > 0 {
		r := d.st.mine[0]
		text := fmt.Sprintf("1 promotion waits for your review: v opens %s v%d (request #%d)", r.Model, r.Version, r.ID)
		if n > 1 {
			text = fmt.Sprintf("%d promotions wait for your review: v opens the oldest, %s v%d (request #%d)", n, r.Model, r.Version, r.ID)
		}
		items = append(items, s.Warn.Render("» ")+text)
	}
	for i, m := range d.st.driftAlerts() {
		text := m.Name + ": drift alert"
		if n := len(m.DriftAlerting); n > 0 {
			text += " (" + strings.Join(m.DriftAlerting[:min(n, 3)], ", ")
			if n > 3 {
				text += "…"
			}
			text += ")"
		}
		if i == 0 {
			text += ": d opens its drift"
		}
		items = append(items, s.Error.Render("▲ ")+text)
	}
	for _, r := range d.st.runs {
		if (r.Status == api.Failed || r.Status == api.Lost) && r.Ended != nil && now.Sub(*r.Ended) < 24*time.Hour {
			items = append(items, s.Error.Render("✗ ")+fmt.Sprintf("%s %s: %s", r.Name, r.Status, r.Reason))
		}
		if r.Status == api.Queued && now.Sub(r.Created) > 10*time.Minute {
			items = append(items, s.Warn.Render("… ")+fmt.Sprintf("%s has waited %s: %s", r.Name, format.Duration(now.Sub(r.Created)), r.Waiting))
		}
	}
	for _, g := range d.st.gpus.GPUs {
		switch {
		case g.Sample != nil && g.Sample.Lost:
			items = append(items, s.Error.Render("✗ ")+fmt.Sprintf("GPU %d is lost", g.Index))
		case g.Sample != nil && g.Sample.TemperatureC != nil && *g.Sample.TemperatureC >= 85:
			items = append(items, s.Warn.Render("! ")+fmt.Sprintf("GPU %d is hot: %d°C", g.Index, *g.Sample.TemperatureC))
		}
	}
	if len(items) == 0 {
		return ""
	}
	if len(items) > 5 {
		items = append(items[:5], fmt.Sprintf("… and %d more", len(items)-5))
	}
	for i, it := range items {
		items[i] = format.Fit(it, d.width-4)
	}
	return s.Title.Render("Attention") + "\n " + strings.Join(items, "\n ")
}
