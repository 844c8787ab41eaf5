package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// runPage shows one run: what it is, how it went, its metrics.
type runPage struct {
	st            *state
	styles        Styles
	id            string
	width, height int
}

func newRunPage(st *state, s Styles, id string) *runPage { return &runPage{st: st, styles: s, id: id} }

func (p *runPage) Title() string {
	if r, ok := p.st.run(p.id); ok {
		return r.Name
	}
	return p.id
}
func (p *runPage) SetSize(w, h int)               { p.width, p.height = w, h }
func (p *runPage) ShortHelp() []key.Binding       { return nil }
func (p *runPage) Update(tea.Msg) (page, tea.Cmd) { return p, nil }

func (p *runPage) View() string {
	s := p.styles
	r, ok := p.st.run(p.id)
	if !ok {
		return s.Muted.Render("this run is gone")
	}
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
	b.WriteString(row("elapsed", elapsed(r, now)))
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
