package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// gpusPage shows each GPU in detail, with its processes mapped to runs.
type gpusPage struct {
	st            *state
	styles        Styles
	width, height int
}

func newGPUsPage(st *state, s Styles) *gpusPage { return &gpusPage{st: st, styles: s} }

func (p *gpusPage) Title() string                  { return "GPUs" }
func (p *gpusPage) SetSize(w, h int)               { p.width, p.height = w, h }
func (p *gpusPage) ShortHelp() []key.Binding       { return nil }
func (p *gpusPage) Update(tea.Msg) (page, tea.Cmd) { return p, nil }

func (p *gpusPage) View() string {
	s := p.styles
	rep := p.st.gpus
	if len(rep.GPUs) == 0 {
		msg := "no GPUs"
		if rep.Info.Notice != "" {
			msg = rep.Info.Notice
		}
		return s.Muted.Render(fitWidth(msg, p.width))
	}
	na := func(v *uint32, unit string) string {
		if v == nil {
			return "n/a"
		}
		return fmt.Sprintf("%d%s", *v, unit)
	}
	var b strings.Builder
	for _, g := range rep.GPUs {
		b.WriteString(s.Title.Render(fitWidth(fmt.Sprintf("GPU %d  %s  %s  %s", g.Index, g.Name, g.PCIBusID, g.UUID), p.width)) + "\n")
		smp := g.Sample
		switch {
		case smp == nil:
			b.WriteString("  not read yet\n")
		case smp.Lost:
			b.WriteString("  " + s.Error.Render("lost: the device fell off the bus") + "\n")
		default:
			mem := "n/a"
			if smp.MemoryUsed != nil {
				mem = fmt.Sprintf("%s / %s GiB", gib(*smp.MemoryUsed), gib(g.MemoryTotal))
			}
			power := "n/a"
			if smp.PowerW != nil {
				power = fmt.Sprintf("%.0f W", *smp.PowerW)
				if smp.PowerLimitW != nil {
					power += fmt.Sprintf(" / %.0f W", *smp.PowerLimitW)
				}
			}
			b.WriteString(fitWidth(fmt.Sprintf("  util %s  mem util %s  memory %s  %s  power %s  SM %s  fan %s",
				na(smp.UtilGPU, "%"), na(smp.UtilMemory, "%"), mem, na(smp.TemperatureC, "°C"), power,
				na(smp.ClockSMMHz, " MHz"), na(smp.FanPercent, "%")), p.width) + "\n")
			if len(g.Recent) > 0 {
				vals := make([]float64, len(g.Recent))
				for i, v := range g.Recent {
					vals[i] = float64(v)
				}
				b.WriteString("  last 5 min " + s.Running.Render(Sparkline(vals, len(vals), 0, 100)) + "\n")
			}
			for _, pr := range g.Processes {
				who := s.Muted.Render("another program")
				if pr.RunID != "" {
					who = pr.RunName + " (" + pr.RunID + ")"
				}
				b.WriteString(fitWidth(fmt.Sprintf("  pid %-8d %6s GiB  %s", pr.PID, gib(pr.UsedMemory), who), p.width) + "\n")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
