package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
)

// gpuList lists the GPUs; the one under the cursor is shown in detail:
// its readings, its processes mapped to runs, and its last hour in charts.
// enter opens the device's run, x kills it (after the runs table's
// question).
type gpuList struct {
	st            *state
	styles        styles.Styles
	keys          KeyMap
	width, height int
	cursor        int
	kill          func(id string) error
	// note is what the last action did.
	note string
	// charts of the selected device: utilisation, memory, power, temperature.
	charts  [4]*chart.Chart
	shownAt int       // the device the charts show, -1 before any
	drawnAt time.Time // its last reading then
}

func newGPUList(st *state, s styles.Styles, k KeyMap, kill func(id string) error) *gpuList {
	p := &gpuList{st: st, styles: s, keys: k, shownAt: -1, kill: kill}
	for i, t := range []string{"utilisation %", "memory GiB", "power W", "temperature °C"} {
		p.charts[i] = chart.New(t, s, k.Chart)
		p.charts[i].SetXLabels(agoLabel)
		p.charts[i].SetXName(chart.XTime)
	}
	p.charts[0].SetYRange(0, 100) // utilisation reads true on 0–100%
	return p
}

// agoLabel writes an X value that is seconds relative to now.
func agoLabel(v float64) string {
	if v > -1 {
		return "now"
	}
	return "-" + format.Duration(time.Duration(-v*float64(time.Second)))
}

func (p *gpuList) Title() string    { return "GPUs" }
func (p *gpuList) SetSize(w, h int) { p.width, p.height = w, h }
func (p *gpuList) Capturing() bool  { return false }

func (p *gpuList) ShortHelp() []key.Binding {
	p.updateKeys()
	k := p.keys
	return keyhelp.Enabled(k.Table.Down, k.Table.Up, k.Open, k.Kill)
}

func (p *gpuList) FullHelp() [][]key.Binding {
	p.updateKeys()
	k := p.keys
	return keyhelp.Rows([]key.Binding{k.Table.Down, k.Table.Up}, []key.Binding{k.Table.Top, k.Table.Bottom}, []key.Binding{k.Open}, []key.Binding{k.Kill})
}

// updateKeys enables the motions that move, enter and x while the device under the cursor has a
// run, and x while that run still runs.
func (p *gpuList) updateKeys() {
	t := &p.keys.Table
	last := len(p.st.gpus.GPUs) - 1
	t.Down.SetEnabled(p.cursor < last)
	t.Bottom.SetEnabled(p.cursor < last)
	t.Up.SetEnabled(p.cursor > 0)
	t.Top.SetEnabled(p.cursor > 0)
	r, ok := p.st.run(p.selectedRun())
	p.keys.Open.SetEnabled(ok)
	p.keys.Kill.SetEnabled(ok && runLive(r))
}

// selectedRun is the run on the device under the cursor: the one a
// process on it belongs to, else the one it is leased to; "" for none.
func (p *gpuList) selectedRun() string {
	gs := p.st.gpus.GPUs
	if p.cursor >= len(gs) {
		return ""
	}
	g := gs[p.cursor]
	for _, pr := range g.Processes {
		if pr.RunID != "" {
			return pr.RunID
		}
	}
	return g.LeasedBy
}

func (p *gpuList) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case pageNoteMsg:
		p.note = msg.note
	case openGPUMsg:
		if i := slices.IndexFunc(p.st.gpus.GPUs, func(g api.GPUStatus) bool { return g.Index == msg.index }); i >= 0 {
			p.cursor = i
		}
	case tea.KeyMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *gpuList) key(k tea.KeyMsg) tea.Cmd {
	keys := p.keys.Table
	switch {
	case key.Matches(k, keys.Down):
		p.cursor++
	case key.Matches(k, keys.Up):
		p.cursor--
	case key.Matches(k, keys.Top):
		p.cursor = 0
	case key.Matches(k, keys.Bottom):
		p.cursor = len(p.st.gpus.GPUs) - 1
	case key.Matches(k, p.keys.Open):
		if id := p.selectedRun(); id != "" {
			return openRunCmd(id)
		}
	case key.Matches(k, p.keys.Kill):
		return askKillRun(p.st, gpusPage, p.selectedRun(), p.kill)
	}
	p.cursor = min(max(p.cursor, 0), max(len(p.st.gpus.GPUs)-1, 0))
	return nil
}

func (p *gpuList) View() string {
	s := p.styles
	rep := p.st.gpus
	if len(rep.GPUs) == 0 {
		msg := "no GPUs"
		if rep.Info.Notice != "" {
			msg = rep.Info.Notice
		}
		return s.Muted.Render(format.Fit(msg, p.width))
	}
	p.cursor = min(p.cursor, len(rep.GPUs)-1)
	var b strings.Builder
	b.WriteString(s.Title.Render(format.Fit(fmt.Sprintf("  %-3s %-22s %5s %15s %6s %12s  %s", "GPU", "NAME", "UTIL", "MEMORY", "TEMP", "POWER", "RUN"), p.width)) + "\n")
	for i, g := range rep.GPUs {
		util, mem, temp, power := "n/a", "n/a", "n/a", "n/a"
		if smp := g.Sample; smp != nil && !smp.Lost {
			if smp.UtilGPU != nil {
				util = fmt.Sprintf("%d%%", *smp.UtilGPU)
			}
			if smp.MemoryUsed != nil {
				mem = fmt.Sprintf("%s/%s GiB", format.GiBs(*smp.MemoryUsed), format.GiBs(g.MemoryTotal))
			}
			if smp.TemperatureC != nil {
				temp = fmt.Sprintf("%d°C", *smp.TemperatureC)
			}
			if smp.PowerW != nil {
				power = fmt.Sprintf("%.0f W", *smp.PowerW)
				if smp.PowerLimitW != nil {
					power = fmt.Sprintf("%.0f/%.0f W", *smp.PowerW, *smp.PowerLimitW)
				}
			}
		} else if smp != nil {
			util = "LOST"
		}
		run := g.LeasedByName
		if run == "" {
			run = "-"
		} else if u := procText(rep, g.LeasedBy); u != "" {
			run += "  " + u
		}
		mark := " "
		if i == p.cursor {
			mark = "›"
		}
		line := format.Fit(fmt.Sprintf("%s %-3d %-22s %5s %15s %6s %12s  %s", mark, g.Index, format.Fit(g.Name, 22), util, mem, temp, power, run), p.width)
		if i == p.cursor {
			line = s.Selected.Render(format.Pad(line, p.width))
		}
		b.WriteString(line + "\n")
	}
	g := rep.GPUs[p.cursor]
	b.WriteString(p.detail(g))
	if p.note != "" {
		b.WriteString(s.Muted.Render(format.Fit(p.note, p.width)) + "\n")
	}
	used := strings.Count(b.String(), "\n")
	if charts := p.chartsView(g, p.height-used-1); charts != "" {
		b.WriteString("\n" + charts)
	}
	return b.String()
}

// detail is what the list leaves out of a device: its identity, clocks,
// and the processes on it mapped to runs.
func (p *gpuList) detail(g api.GPUStatus) string {
	s := p.styles
	var b strings.Builder
	b.WriteString("\n" + s.Title.Render(format.Fit(fmt.Sprintf("GPU %d  %s  %s", g.Index, g.PCIBusID, g.UUID), p.width)) + "\n")
	smp := g.Sample
	switch {
	case smp == nil:
		b.WriteString("  not read yet\n")
		return b.String()
	case smp.Lost:
		b.WriteString("  " + s.Error.Render("lost: the device fell off the bus") + "\n")
		return b.String()
	}
	na := func(v *uint32, unit string) string {
		if v == nil {
			return "n/a"
		}
		return fmt.Sprintf("%d%s", *v, unit)
	}
	b.WriteString(format.Fit(fmt.Sprintf("  mem util %s  SM clock %s  fan %s", na(smp.UtilMemory, "%"), na(smp.ClockSMMHz, " MHz"), na(smp.FanPercent, "%")), p.width) + "\n")
	if len(g.Processes) == 0 {
		b.WriteString(s.Muted.Render("  no processes") + "\n")
	}
	for _, pr := range g.Processes {
		who := s.Muted.Render("another program")
		if pr.RunID != "" {
			who = pr.RunName + " (" + pr.RunID + ")"
		}
		b.WriteString(format.Fit(fmt.Sprintf("  pid %-8d %6s GiB  %s", pr.PID, format.GiBs(pr.UsedMemory), who), p.width) + "\n")
	}
	return b.String()
}

// chartsView draws the device's last hour in up to four charts in height
// lines: two by two when there is room, else utilisation and memory side
// by side, else nothing.
func (p *gpuList) chartsView(g api.GPUStatus, height int) string {
	rows := 2
	if height < 14 {
		rows = 1
	}
	ch := height / rows
	if ch < 6 {
		return ""
	}
	// The history moves by the second; the points are set again when it
	// has moved, not at every frame. X is seconds before the last reading.
	hist := p.st.gpuHist[g.Index]
	var now time.Time
	if len(hist) > 0 {
		now = hist[len(hist)-1].Time
	}
	if p.shownAt != g.Index || !p.drawnAt.Equal(now) {
		p.shownAt, p.drawnAt = g.Index, now
		vals := [4][]chart.Point{}
		for _, h := range hist {
			x := h.Time.Sub(now).Seconds()
			mem := float64(h.MemoryUsed) / (1 << 30)
			for i, v := range []float64{float64(h.Util), mem, float64(h.PowerW), float64(h.TempC)} {
				vals[i] = append(vals[i], chart.Point{X: x, Y: v})
			}
		}
		for i, c := range p.charts {
			c.SetPoints(vals[i])
		}
		p.charts[1].SetYRange(0, float64(g.MemoryTotal)/(1<<30)) // memory on 0–total
	}
	w := (p.width - 1) / 2
	for _, c := range p.charts {
		c.SetSize(w, ch)
	}
	out := lipgloss.JoinHorizontal(lipgloss.Top, p.charts[0].View(), " ", p.charts[1].View())
	if rows == 2 {
		out += "\n" + lipgloss.JoinHorizontal(lipgloss.Top, p.charts[2].View(), " ", p.charts[3].View())
	}
	return out
}
