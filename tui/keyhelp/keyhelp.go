// Package keyhelp keeps what the help of a part lists: the keys that work
// now, the bindings a part has enabled, so that help and keys agree.
package keyhelp

import "github.com/charmbracelet/bubbles/key"

// Enabled keeps the enabled bindings.
func Enabled(bs ...key.Binding) []key.Binding {
	var on []key.Binding
	for _, b := range bs {
		if b.Enabled() {
			on = append(on, b)
		}
	}
	return on
}

// Rows keeps each row's enabled bindings, and the rows left with any.
func Rows(rows ...[]key.Binding) [][]key.Binding {
	var out [][]key.Binding
	for _, r := range rows {
		if on := Enabled(r...); len(on) > 0 {
			out = append(out, on)
		}
	}
	return out
}
