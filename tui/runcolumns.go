package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"lathe/tui/format"
)

// RunsLayout is what the user chose of the runs table in the app: the
// params and metrics it shows (params.NAME, metrics.NAME), in order, and
// the column it is sorted by (its title, "" for newest first). The app
// keeps it in a file of its own (see Options.SaveLayout), not in the
// configuration, whose comments a rewrite would lose.
type RunsLayout struct {
	Columns []string `json:"columns"` // null: the configured ones; []: none
	Sort    string   `json:"sort,omitempty"`
	Desc    bool     `json:"desc,omitempty"`
}

// chooser is the runs table's column chooser, open over the table: every
// column the runs can have, the base ones (always shown) then the params
// and the metrics; space shows or hides a param or a metric, enter sorts
// by the column (again: the other way); esc closes it and saves.
type chooser struct {
	open    bool
	at      int
	changed bool
	entries []chooserEntry
	// shown is the extra columns the table shows, found again at each
	// change, not at each frame (it ranks every run's names).
	shown []extraName
}

// chooserEntry is a column in the chooser.
type chooserEntry struct {
	title string     // as the table heads it
	extra *extraName // nil for a base column
}

// ref is how the layout names an extra column.
func (e extraName) ref() string {
	if e.metric {
		return "metrics." + e.name
	}
	return "params." + e.name
}

// openChooser lists the columns: the base ones, the extra ones shown in
// their order, then the others as ranked.
func (p *runList) openChooser() {
	_, cols := p.rows()
	c := &p.chooser
	c.open, c.at, c.changed = true, 0, false
	c.entries = c.entries[:0]
	for _, title := range tableOrder {
		c.entries = append(c.entries, chooserEntry{title: title})
	}
	shown := p.shownExtras(cols)
	c.shown = shown
	ranked := extraNames(p.st.runs, nil)
	for _, e := range append(shown, ranked...) {
		if slices.ContainsFunc(c.entries, func(x chooserEntry) bool { return x.extra != nil && *x.extra == e }) {
			continue
		}
		c.entries = append(c.entries, chooserEntry{title: e.name, extra: &e})
	}
	if i := slices.IndexFunc(c.entries, func(x chooserEntry) bool { return x.title == p.sortBy }); i >= 0 {
		c.at = i
	}
}

// shownExtras is the params and metrics the table shows, in order.
func (p *runList) shownExtras(cols []column) []extraName {
	var out []extraName
	ranked := extraNames(p.st.runs, p.configured)
	for _, col := range cols {
		title := strings.TrimPrefix(col.Title, "m.")
		if slices.Contains(tableOrder, col.Title) {
			continue
		}
		metric := col.Right // metrics align right, params left
		if i := slices.IndexFunc(ranked, func(e extraName) bool { return e.name == title && e.metric == metric }); i >= 0 {
			out = append(out, ranked[i])
		}
	}
	return out
}

// chooserKey takes a key while the chooser is open.
func (p *runList) chooserKey(k tea.KeyMsg) tea.Cmd {
	c, keys := &p.chooser, p.keys
	switch {
	case key.Matches(k, keys.Table.Down):
		c.at = min(c.at+1, len(c.entries)-1)
	case key.Matches(k, keys.Table.Up):
		c.at = max(c.at-1, 0)
	case key.Matches(k, keys.ToggleColumn):
		p.toggleColumn()
	case key.Matches(k, keys.SortByColumn):
		title := c.entries[c.at].title
		if e := c.entries[c.at].extra; e != nil {
			title = p.columnTitle(*e)
			if !p.showsExtra(*e) {
				p.toggleColumn() // a column sorted by shows
			}
		}
		p.desc = p.sortBy == title && !p.desc
		p.sortBy = title
		c.changed = true
	case key.Matches(k, keys.DoneColumns):
		c.open = false
		p.sizeTable()
		if c.changed && p.saveLayout != nil {
			layout, save := RunsLayout{Columns: slices.Clone(p.configured), Sort: p.sortBy, Desc: p.desc}, p.saveLayout
			return func() tea.Msg {
				if err := save(layout); err != nil {
					return actedMsg{note: "the columns were not saved: " + err.Error()}
				}
				return actedMsg{note: "columns saved"}
			}
		}
	}
	return nil
}

// columnTitle is how the table heads an extra column.
func (p *runList) columnTitle(e extraName) string {
	_, cols := p.rows()
	for _, col := range cols {
		if strings.TrimPrefix(col.Title, "m.") == e.name && col.Right == e.metric {
			return col.Title
		}
	}
	return e.name
}

// showsExtra reports whether the chosen columns include e.
func (p *runList) showsExtra(e extraName) bool {
	_, cols := p.rows()
	return slices.Contains(p.shownExtras(cols), e)
}

// toggleColumn shows the param or metric under the chooser's cursor, or
// hides it: the table's extra columns become the user's choice (from
// those shown the first time).
func (p *runList) toggleColumn() {
	c := &p.chooser
	e := c.entries[c.at].extra
	if e == nil {
		p.note = c.entries[c.at].title + " always shows, when the width allows"
		return
	}
	_, cols := p.rows()
	var refs []string
	for _, s := range p.shownExtras(cols) {
		refs = append(refs, s.ref())
	}
	if i := slices.Index(refs, e.ref()); i >= 0 {
		refs = slices.Delete(refs, i, i+1)
	} else {
		refs = append(refs, e.ref())
	}
	if len(refs) == 0 {
		refs = []string{} // none: not the automatic ones
	}
	p.configured, c.changed = refs, true
	p.cache.rows = nil // laid out again
	_, cols = p.rows()
	c.shown = p.shownExtras(cols)
}

// chooserView draws the chooser in the table's place: each column, [x]
// when it shows ([-]: a base column the width leaves out), the sorted
// one marked ▲ or ▼.
func (p *runList) chooserView(h int) string {
	s := p.styles
	c := &p.chooser
	_, cols := p.rows()
	shown := c.shown
	lines := []string{s.Title.Render(format.Fit("Columns: space shows/hides a param or metric, enter sorts (again: reverses)", p.width))}
	room := max(h-1, 1)
	top := min(max(c.at-room/2, 0), max(len(c.entries)-room, 0))
	for i := top; i < min(len(c.entries), top+room); i++ {
		e := c.entries[i]
		box, kind, title := "[x]", "", e.title
		if e.extra != nil {
			kind = "param"
			if e.extra.metric {
				kind = "metric"
			}
			if !slices.Contains(shown, *e.extra) {
				box = "[ ]"
			}
			title = p.columnTitle(*e.extra)
		} else {
			kind = "base" // always, when it fits
			if !slices.ContainsFunc(cols, func(col column) bool { return col.Title == e.title }) {
				box = "[-]"
			}
		}
		line := fmt.Sprintf("%s %s %-24s %-6s", map[bool]string{true: "›", false: " "}[i == c.at], box, format.Fit(e.title, 24), kind)
		if title == p.sortBy && (e.extra == nil || box == "[x]") {
			line += map[bool]string{false: "  ▲ sorted", true: "  ▼ sorted"}[p.desc]
		}
		line = format.Fit(line, p.width)
		if i == c.at {
			line = s.Selected.Render(format.Pad(line, p.width))
		}
		lines = append(lines, line)
	}
	return format.Box(strings.Join(lines, "\n"), p.width, h)
}
