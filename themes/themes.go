package themes

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Palette is a theme: each field a colour ("#rrggbb", an ANSI number, or ""
// for the terminal's own).
type Palette struct {
	Name    string
	Text    string // body text
	Muted   string // secondary text, help, axes
	Accent  string // selection, headings, the active tab
	Ok      string // succeeded, healthy
	Warn    string // queued, waiting, warm
	Error   string // failed, lost, hot
	Border  string
	Running string // running jobs, live lines
	// Series colours charts cycle through.
	Series []string
}

var builtin = []Palette{
	{
		Name: "dark", Text: "#d8dee9", Muted: "#7b8394", Accent: "#88c0d0", Ok: "#a3be8c",
		Warn: "#ebcb8b", Error: "#bf616a", Border: "#4c566a", Running: "#81a1c1",
		Series: []string{"#88c0d0", "#ebcb8b", "#b48ead", "#a3be8c", "#d08770", "#5e81ac"},
	},
	{
		Name: "light", Text: "#2e3440", Muted: "#6b7280", Accent: "#0b6e99", Ok: "#2f7d32",
		Warn: "#9a6700", Error: "#b42318", Border: "#c0c6d0", Running: "#1d4ed8",
		Series: []string{"#0b6e99", "#9a6700", "#7c3aed", "#2f7d32", "#c2410c", "#1d4ed8"},
	},
	{
		Name: "high-contrast", Text: "15", Muted: "7", Accent: "14", Ok: "10",
		Warn: "11", Error: "9", Border: "15", Running: "12",
		Series: []string{"14", "11", "13", "10", "9", "12"},
	},
	{Name: "no-colour"},
}

// Names lists the built-in themes.
func Names() []string {
	out := make([]string, len(builtin))
	for i, p := range builtin {
		out[i] = p.Name
	}
	return out
}

// Load returns the palette called name ("" for dark). NO_COLOR set in the
// environment (https://no-color.org) gives no-colour whatever the name.
func Load(name string) (Palette, error) {
	if os.Getenv("NO_COLOR") != "" {
		name = "no-colour"
	}
	if name == "" {
		name = "dark"
	}
	if name == "no-color" {
		name = "no-colour"
	}
	i := slices.IndexFunc(builtin, func(p Palette) bool { return p.Name == name })
	if i < 0 {
		return Palette{}, fmt.Errorf("theme %q: choose one of %s", name, strings.Join(Names(), ", "))
	}
	return builtin[i], nil
}

// Colourless reports whether the palette draws no colour at all.
func (p Palette) Colourless() bool { return p.Text == "" && p.Accent == "" }
