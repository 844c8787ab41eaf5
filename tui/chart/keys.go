package chart

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap is the chart's keys: each toggles an option of the drawing.
type KeyMap struct {
	Smooth, LogScale key.Binding
}

// DefaultKeyMap is s for smoothing and L for a log scale.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Smooth:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "smooth (EMA)")),
		LogScale: key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "log scale")),
	}
}

// ShortHelp and FullHelp list the keys (help.KeyMap), for a page that
// shows several charts with the same options.
func (k KeyMap) ShortHelp() []key.Binding  { return []key.Binding{k.Smooth, k.LogScale} }
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{{k.Smooth}, {k.LogScale}} }

// Options are what the keys toggle.
type Options struct {
	Smooth bool // EMA smoothing with alpha Smoothing
	LogY   bool // a log10 Y scale
}

// Smoothing is the EMA's alpha of smoothed charts.
const Smoothing = 0.6

// Toggle gives the options after a key: ok is false when msg is not one of
// the chart's keys. A page drawing several charts alike keeps one Options
// and gives it to each chart.
func (k KeyMap) Toggle(o Options, msg tea.Msg) (Options, bool) {
	km, isKey := msg.(tea.KeyMsg)
	switch {
	case !isKey:
		return o, false
	case key.Matches(km, k.Smooth):
		o.Smooth = !o.Smooth
	case key.Matches(km, k.LogScale):
		o.LogY = !o.LogY
	default:
		return o, false
	}
	return o, true
}
