package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine"
)

// runsPage is the table of every run, newest first.
type runsPage struct {
	st            *state
	styles        Styles
	keys          KeyMap
	cursor, top   int
	width, height int
	// filter narrows the table to runs whose id, name, experiment or
	// status holds it; filtering is set while it is being typed.
	filter    string
	filtering bool
	note      string // the outcome of the last action
	kill      func(id string) (engine.Run, error)
}

func newRunsPage(st *state, s Styles, k KeyMap, kill func(id string) (engine.Run, error)) *runsPage {
	return &runsPage{st: st, styles: s, keys: k, kill: kill}
}

func (p *runsPage) Title() string    { return "Runs" }
func (p *runsPage) SetSize(w, h int) { p.width, p.height = w, h }
func (p *runsPage) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Down, p.keys.Up, p.keys.Open, p.keys.Filter, p.keys.Kill}
}

// Capturing reports that the page takes every key (a filter being typed).
func (p *runsPage) Capturing() bool { return p.filtering }

// visible is the runs the filter keeps.
func (p *runsPage) visible() []engine.Run {
	if p.filter == "" {
		return p.st.runs
	}
	f := strings.ToLower(p.filter)
	var out []engine.Run
	for _, r := range p.st.runs {
		if strings.Contains(strings.ToLower(r.ID+" "+r.Name+" "+r.Experiment+" "+string(r.Status)), f) {
			out = append(out, r)
		}
	}
	return out
}

// killedMsg reports a kill's outcome.
type killedMsg struct {
	name string
	err  error
}

// rows is how many runs fit between the table's header and its status line.
func (p *runsPage) rows() int { return max(1, p.height-3) }

func (p *runsPage) Update(msg tea.Msg) (page, tea.Cmd) {
	if m, ok := msg.(killedMsg); ok {
		p.note = "killing " + m.name
		if m.err != nil {
			p.note = m.err.Error()
		}
		return p, nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	if p.filtering {
		switch k.Type {
		case tea.KeyEnter:
			p.filtering = false
		case tea.KeyEsc:
			p.filtering, p.filter = false, ""
		case tea.KeyBackspace:
			if r := []rune(p.filter); len(r) > 0 {
				p.filter = string(r[:len(r)-1])
			}
		case tea.KeyRunes, tea.KeySpace:
			p.filter += string(k.Runes)
		}
		p.cursor, p.top = 0, 0
		return p, nil
	}
	runs := p.visible()
	n := len(runs)
	switch {
	case key.Matches(k, p.keys.Filter):
		p.filtering = true
		return p, nil
	case key.Matches(k, p.keys.Kill) && p.cursor < n:
		r := runs[p.cursor]
		return p, func() tea.Msg {
			_, err := p.kill(r.ID)
			return killedMsg{name: r.Name, err: err}
		}
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
			id := runs[p.cursor].ID
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
	runs := p.visible()
	cols := fmt.Sprintf(" %-12s %-20s %-12s %-10s %8s %-6s %s", "ID", "NAME", "EXPERIMENT", "STATUS", "ELAPSED", "GPUS", "LAST")
	var b strings.Builder
	b.WriteString(s.Title.Render(fitWidth(cols, p.width)) + "\n")
	end := min(len(runs), p.top+p.rows())
	for i := p.top; i < end; i++ {
		r := runs[i]
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
			s.status(string(r.Status)).Render(padRight(string(r.Status), 10)), Elapsed(r, now), gpus, last)
		line = fitWidth(line, p.width)
		if i == p.cursor {
			line = s.Selected.Render(padRight(line, p.width))
		}
		b.WriteString(line + "\n")
	}
	if p.filtering || p.filter != "" {
		cursor := ""
		if p.filtering {
			cursor = "█"
		}
		b.WriteString(s.Accent.Render(fmt.Sprintf("/%s%s", p.filter, cursor)) + s.Muted.Render(fmt.Sprintf("  %d of %d runs  ", len(runs), len(p.st.runs))))
	}
	if p.note != "" {
		b.WriteString(s.Muted.Render(p.note))
	}
	return b.String()
}
