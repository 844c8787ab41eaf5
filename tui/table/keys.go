package table

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the table's keys: the cursor's motions and the marks.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Mark, MarkAll                           key.Binding
}

// DefaultKeyMap is vi's motions (j/k, ctrl+d/u, g/G) and the arrows,
// space to mark and A to mark all.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "down")),
		PageUp:   key.NewBinding(key.WithKeys("ctrl+u", "pgup"), key.WithHelp("ctrl+u", "page up")),
		PageDown: key.NewBinding(key.WithKeys("ctrl+d", "pgdown"), key.WithHelp("ctrl+d", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		Mark:     key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark")),
		MarkAll:  key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "mark all")),
	}
}
