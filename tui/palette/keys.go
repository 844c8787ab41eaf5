package palette

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the palette's keys. Letters are the query's: moving is on the
// arrows and emacs's ctrl+p/n.
type KeyMap struct {
	Up, Down, Choose, Close key.Binding
	// A line being typed (the query here, a filter elsewhere): clear it,
	// delete the word before the cursor, as in a shell.
	ClearLine, DeleteWord key.Binding
}

// DefaultKeyMap is the arrows or ctrl+p/n, enter and esc, and a shell's
// ctrl+u and ctrl+w.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑/ctrl+p", "previous")),
		Down:       key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓/ctrl+n", "next")),
		Choose:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Close:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		ClearLine:  key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear the line")),
		DeleteWord: key.NewBinding(key.WithKeys("ctrl+w"), key.WithHelp("ctrl+w", "delete a word")),
	}
}
