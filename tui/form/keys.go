package form

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the form's keys; every other key types in the focused field.
type KeyMap struct {
	// Submit sends the form; enter, which it holds, goes to the next
	// field before the last one.
	Submit key.Binding
	Next   key.Binding
	Prev   key.Binding
	Cancel key.Binding
}

// DefaultKeyMap is enter or ctrl+s to submit, tab and the arrows between
// fields, esc to leave.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Submit: key.NewBinding(key.WithKeys("enter", "ctrl+s"), key.WithHelp("enter/ctrl+s", "submit")),
		Next:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous field")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
