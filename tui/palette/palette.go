package palette

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/sahilm/fuzzy"

	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
)

// Item is something the palette offers: its label, what choosing it
// gives, and its rank (among items that match, lower ranks come first).
type Item[T any] struct {
	Label string
	Rank  int
	Value T
}

// Model is the `:` prompt: type a few letters of an item's label, the
// items that match them show (fuzzy, best first), enter chooses one.
type Model[T any] struct {
	styles        styles.Styles
	keys          KeyMap
	width, height int
	query         string
	items         []Item[T]
	shown         []Item[T]
	cursor        int
}

// ChosenMsg carries the value of the item chosen.
type ChosenMsg[T any] struct{ Value T }

// ClosedMsg says the palette was left without a choice.
type ClosedMsg struct{}

// New is a palette of items, in the order they show before anything is
// typed.
func New[T any](items []Item[T], s styles.Styles, k KeyMap) *Model[T] {
	p := &Model[T]{styles: s, keys: k, items: items}
	p.filter()
	p.updateKeys()
	return p
}

func (p *Model[T]) filter() {
	p.cursor = 0
	if p.query == "" {
		p.shown = p.items
		return
	}
	labels := make([]string, len(p.items))
	for i, it := range p.items {
		labels[i] = it.Label
	}
	p.shown = p.shown[:0:0]
	for _, m := range fuzzy.Find(p.query, labels) {
		p.shown = append(p.shown, p.items[m.Index])
	}
	// Fuzzy scores favour short labels; the ranks say what comes first.
	slices.SortStableFunc(p.shown, func(a, b Item[T]) int { return cmp.Compare(a.Rank, b.Rank) })
}

// Update takes a key: the palette's own, or a character of the query.
func (p *Model[T]) Update(msg tea.Msg) (*Model[T], tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return p, nil
	}
	switch {
	case key.Matches(k, p.keys.Close):
		return p, func() tea.Msg { return ClosedMsg{} }
	case key.Matches(k, p.keys.Choose):
		if p.cursor < len(p.shown) {
			v := p.shown[p.cursor].Value
			return p, func() tea.Msg { return ChosenMsg[T]{v} }
		}
	case key.Matches(k, p.keys.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(k, p.keys.Down):
		p.cursor = min(p.cursor+1, max(len(p.shown)-1, 0))
	default:
		if q, ok := Edit(p.keys, p.query, k); ok && q != p.query {
			p.query = q
			p.filter()
		}
	}
	p.updateKeys()
	return p, nil
}

// updateKeys enables the motions that move, enter while something
// matches, and ctrl+u and ctrl+w while there is a query to edit.
func (p *Model[T]) updateKeys() {
	p.keys.Down.SetEnabled(p.cursor+1 < len(p.shown))
	p.keys.Up.SetEnabled(p.cursor > 0)
	p.keys.Choose.SetEnabled(len(p.shown) > 0)
	p.keys.ClearLine.SetEnabled(p.query != "")
	p.keys.DeleteWord.SetEnabled(p.query != "")
}

// SetSize sets the area the prompt and the matches take.
func (p *Model[T]) SetSize(w, h int) { p.width, p.height = w, h }

// ShortHelp and FullHelp are the palette's keys (help.KeyMap); every
// other key types.
func (p *Model[T]) ShortHelp() []key.Binding { return keyhelp.Enabled(p.keys.Choose, p.keys.Close) }
func (p *Model[T]) FullHelp() [][]key.Binding {
	return keyhelp.Rows([]key.Binding{p.keys.Down, p.keys.Up}, []key.Binding{p.keys.Choose}, []key.Binding{p.keys.Close},
		[]key.Binding{p.keys.ClearLine}, []key.Binding{p.keys.DeleteWord})
}

// View draws the prompt and up to height-2 matches.
func (p *Model[T]) View() string {
	s, width := p.styles, p.width
	var b strings.Builder
	b.WriteString(s.Accent.Render(":"+p.query+"█") + "\n")
	rows := max(1, p.height-2)
	for i, it := range p.shown {
		if i == rows {
			b.WriteString(s.Muted.Render(fmt.Sprintf("  … %d more", len(p.shown)-rows)) + "\n")
			break
		}
		line := "  " + it.Label
		if i == p.cursor {
			line = "› " + it.Label
			line = s.Selected.Render(format.Pad(format.Fit(line, width), width))
		} else {
			line = format.Fit(line, width)
		}
		b.WriteString(line + "\n")
	}
	if len(p.shown) == 0 {
		b.WriteString(s.Muted.Render("  nothing matches") + "\n")
	}
	return b.String()
}
