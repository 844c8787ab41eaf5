package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// runsPage is the table of every run, newest first.
type runsPage struct {
	st            *state
	styles        Styles
	keys          KeyMap
	cursor, top   int
	width, height int
}

func newRunsPage(st *state, s Styles, k KeyMap) *runsPage {
	return &runsPage{st: st, styles: s, keys: k}
}

func (p *runsPage) Title() string    { return "Runs" }
func (p *runsPage) SetSize(w, h int) { p.width, p.height = w, h }
func (p *runsPage) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Down, p.keys.Up, p.keys.Open}
}

// rows is how many runs fit under the table's header.
func (p *runsPage) rows() int { return max(1, p.height-2) }

func (p *runsPage) Update(msg tea.Msg) (page, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	n := len(p.st.runs)
	switch {
	case key.Matches(k, p.keys.Down):
		p.cursor++
	case key.Matches(k, p.keys.Up):
		p.cursor--
	case key.Matches(k, p.keys.Top):
		p.cursor = 0
	case key.Matches(k, p.keys.Bottom):
		p.cursor = n - 1
	case key.Matches(k, p.keys.PageDown):
		p.cursor += p.rows() / 2
	case key.Matches(k, p.keys.PageUp):
		p.cursor -= p.rows() / 2
	case key.Matches(k, p.keys.Open):
		if p.cursor < n {
			id := p.st.runs[p.cursor].ID
			return p, func() tea.Msg { return openRunMsg(id) }
		}
	}
	p.cursor = min(max(p.cursor, 0), max(n-1, 0))
	// Keep the cursor in view.
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+p.rows() {
		p.top = p.cursor - p.rows() + 1
	}
	return p, nil
}

func (p *runsPage) View() string {
	s := p.styles
	now := p.st.now()
	if len(p.st.runs) == 0 {
		return s.Muted.Render("no runs yet: start one with `lathe run -- COMMAND`")
	}
	cols := fmt.Sprintf(" %-12s %-20s %-12s %-10s %8s %-6s %s", "ID", "NAME", "EXPERIMENT", "STATUS", "ELAPSED", "GPUS", "LAST")
	var b strings.Builder
	b.WriteString(s.Title.Render(fitWidth(cols, p.width)) + "\n")
	end := min(len(p.st.runs), p.top+p.rows())
	for i := p.top; i < end; i++ {
		r := p.st.runs[i]
		gpus := "-"
		if len(r.Devices) > 0 {
			gpus = strings.Trim(strings.Join(strings.Fields(fmt.Sprint(r.Devices)), ","), "[]")
		}
		last := ""
		if m := mainMetric(r); m != "" {
			last = m + "=" + number(float64(r.Metrics[m].Last))
		}
		mark := " "
		if i == p.cursor {
			// A mark as well as a colour: the cursor must show without colour.
			mark = "›"
		}
		line := fmt.Sprintf("%s%-12s %-20s %-12s %s %8s %-6s %s", mark, r.ID, fitWidth(r.Name, 20), fitWidth(r.Experiment, 12),
			s.status(string(r.Status)).Render(padRight(string(r.Status), 10)), elapsed(r, now), gpus, last)
		line = fitWidth(line, p.width)
		if i == p.cursor {
			line = s.Selected.Render(padRight(line, p.width))
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
