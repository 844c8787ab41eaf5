package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/sahilm/fuzzy"
)

// paletteItem is something the palette can go to (a page or a run) or do.
type paletteItem struct {
	label string
	page  int    // a page index, or -1
	run   string // a run id to open
	tab   int    // the tab to open it on
	do    string // an action: "submit" (the form that starts a job), "help" or "compare" (the marked runs)
}

// palette is the `:` prompt: type a few letters of a page or a run, enter
// goes there.
type palette struct {
	styles Styles
	query  string
	items  []paletteItem
	shown  []paletteItem
	cursor int
}

// paletteChoiceMsg carries what the palette chose.
type paletteChoiceMsg paletteItem

// paletteClosedMsg says the palette was left without a choice.
type paletteClosedMsg struct{}

func newPalette(s Styles, st *state, pages []page) *palette {
	p := &palette{styles: s}
	for i, pg := range pages {
		p.items = append(p.items, paletteItem{label: "go to " + pg.Title(), page: i})
	}
	p.items = append(p.items, paletteItem{label: "new job: start a run", page: -1, do: "submit"},
		paletteItem{label: "help: every key", page: -1, do: "help"},
		paletteItem{label: "compare the marked runs", page: -1, do: "compare"})
	// A run's name first: typing it finds the run, then its logs.
	for _, r := range st.runs {
		p.items = append(p.items, paletteItem{label: fmt.Sprintf("%s · run %s, %s", r.Name, r.ID, r.Status), page: -1, run: r.ID})
	}
	for _, r := range st.runs {
		p.items = append(p.items, paletteItem{label: fmt.Sprintf("%s · logs", r.Name), page: -1, run: r.ID, tab: tabLogs})
	}
	p.filter()
	return p
}

func (p *palette) filter() {
	p.cursor = 0
	if p.query == "" {
		p.shown = p.items
		return
	}
	labels := make([]string, len(p.items))
	for i, it := range p.items {
		labels[i] = it.label
	}
	p.shown = p.shown[:0:0]
	for _, m := range fuzzy.Find(p.query, labels) {
		p.shown = append(p.shown, p.items[m.Index])
	}
	// Fuzzy scores favour short labels; a run's logs come after the runs.
	slices.SortStableFunc(p.shown, func(a, b paletteItem) int {
		return cmp.Compare(boolInt(a.tab == tabLogs), boolInt(b.tab == tabLogs))
	})
}

func (p *palette) Update(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		return func() tea.Msg { return paletteClosedMsg{} }
	case tea.KeyEnter:
		if p.cursor < len(p.shown) {
			it := p.shown[p.cursor]
			return func() tea.Msg { return paletteChoiceMsg(it) }
		}
		return nil
	case tea.KeyUp, tea.KeyCtrlP:
		p.cursor = max(p.cursor-1, 0)
	case tea.KeyDown, tea.KeyCtrlN:
		p.cursor = min(p.cursor+1, max(len(p.shown)-1, 0))
	case tea.KeyBackspace:
		if r := []rune(p.query); len(r) > 0 {
			p.query = string(r[:len(r)-1])
			p.filter()
		}
	case tea.KeyRunes, tea.KeySpace:
		p.query += string(msg.Runes)
		p.filter()
	}
	return nil
}

// View draws the prompt and up to height-2 matches.
func (p *palette) View(width, height int) string {
	s := p.styles
	var b strings.Builder
	b.WriteString(s.Accent.Render(":"+p.query+"█") + "\n")
	rows := max(1, height-2)
	for i, it := range p.shown {
		if i == rows {
			b.WriteString(s.Muted.Render(fmt.Sprintf("  … %d more", len(p.shown)-rows)) + "\n")
			break
		}
		line := "  " + it.label
		if i == p.cursor {
			line = "› " + it.label
			line = s.Selected.Render(padRight(fitWidth(line, width), width))
		} else {
			line = fitWidth(line, width)
		}
		b.WriteString(line + "\n")
	}
	if len(p.shown) == 0 {
		b.WriteString(s.Muted.Render("  nothing matches") + "\n")
	}
	return b.String()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
