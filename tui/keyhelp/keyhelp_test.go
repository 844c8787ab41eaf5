package keyhelp

import (
	"testing"

	"github.com/charmbracelet/bubbles/key"
)

// Help lists only the keys that work: disabled bindings, and rows left
// empty, go.
func TestRows(t *testing.T) {
	a := key.NewBinding(key.WithKeys("a"))
	b := key.NewBinding(key.WithKeys("b"), key.WithDisabled())
	c := key.NewBinding(key.WithKeys("c"))
	rows := Rows([]key.Binding{a, b}, []key.Binding{b}, []key.Binding{c})
	if len(rows) != 2 || len(rows[0]) != 1 || rows[0][0].Keys()[0] != "a" || rows[1][0].Keys()[0] != "c" {
		t.Errorf("rows %v", rows)
	}
	if got := Enabled(b); got != nil {
		t.Errorf("a disabled binding listed: %v", got)
	}
}
