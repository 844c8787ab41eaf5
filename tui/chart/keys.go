package chart

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap is the charts' keys: those of one chart's drawing (smoothing, the
// scale), which every chart takes, and those of a grid of charts (pages,
// layout, filter, inspector, zoom), which Grid takes.
type KeyMap struct {
	// One chart's drawing.
	Smooth, Smoother, Rougher, LogScale key.Binding
	// A grid: its pages and layout.
	NextPage, PrevPage, Columns, Rows key.Binding
	// A grid's filter by metric name: / opens it; while it is typed, enter
	// keeps it and esc clears it.
	Filter, ApplyFilter, ClearFilter key.Binding
	// A grid's inspector: a cursor across every chart of the page.
	Inspect, CursorLeft, CursorRight, CursorFarLeft, CursorFarRight key.Binding
	// A grid's zoom on a range of X.
	Zoom, ResetZoom key.Binding
}

// DefaultKeyMap is the keys of W&B's terminal viewer where they exist:
// s smoothing ([ ] its weight), L the scale (linear, log, heat), n/N or
// pgdn/pgup the pages, c/r the columns and rows, / the filter, i the
// inspector moved with ←/→ or h/l (shift or < > ten columns at a time), z a zoom
// and 0 back.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Smooth:         key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "smooth (EMA)")),
		Smoother:       key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "smoother")),
		Rougher:        key.NewBinding(key.WithKeys("["), key.WithHelp("[", "less smooth")),
		LogScale:       key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "scale: linear/log/heat")),
		NextPage:       key.NewBinding(key.WithKeys("n", "pgdown"), key.WithHelp("n/pgdn", "next page")),
		PrevPage:       key.NewBinding(key.WithKeys("N", "pgup"), key.WithHelp("N/pgup", "previous page")),
		Columns:        key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "columns 1-4")),
		Rows:           key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rows 1-4")),
		Filter:         key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter metrics")),
		ApplyFilter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep the filter")),
		ClearFilter:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear the filter")),
		Inspect:        key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "inspect values")),
		CursorLeft:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "cursor left")),
		CursorRight:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "cursor right")),
		CursorFarLeft:  key.NewBinding(key.WithKeys("shift+left", "<"), key.WithHelp("<", "cursor ×10 left")),
		CursorFarRight: key.NewBinding(key.WithKeys("shift+right", ">"), key.WithHelp(">", "cursor ×10 right")),
		Zoom:           key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "zoom to the middle; inspecting: z at its start, z at its end")),
		ResetZoom:      key.NewBinding(key.WithKeys("0"), key.WithHelp("0", "reset zoom")),
	}
}

// ShortHelp and FullHelp list one chart's keys (help.KeyMap), for a page
// that shows one chart or several with the same options.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Smooth, k.LogScale} }
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Smooth, k.Rougher, k.Smoother}, {k.LogScale}}
}

// Options are what the keys set.
type Options struct {
	Smooth bool    // EMA smoothing with weight Alpha
	Alpha  float64 // the EMA's weight when smoothed; 0: Smoothing
	LogY   bool    // a log10 Y scale
	Heat   bool    // a heat strip rather than a line (LogY is then false)
}

// Smoothing is the EMA's weight of smoothed charts until [ or ] change it.
const Smoothing = 0.6

// smoothingSteps are the weights [ and ] go through, as W&B's slider does
// in coarse steps; 0 is off.
var smoothingSteps = []float64{0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99}

// weight is the EMA's weight the options draw with: 0 when not smoothed.
func (o Options) weight() float64 {
	switch {
	case !o.Smooth:
		return 0
	case o.Alpha > 0:
		return o.Alpha
	}
	return Smoothing
}

// stepSmoothing moves the weight to the next step up or down.
func (o Options) stepSmoothing(up bool) Options {
	w := o.weight()
	next := w
	if up {
		next = smoothingSteps[len(smoothingSteps)-1]
		if i := slices.IndexFunc(smoothingSteps, func(s float64) bool { return s > w }); i >= 0 {
			next = smoothingSteps[i]
		}
	} else {
		next = 0
		for _, s := range smoothingSteps {
			if s < w {
				next = s
			}
		}
	}
	o.Smooth, o.Alpha = next > 0, next
	return o
}

// Toggle gives the options after a key: ok is false when msg is not one of
// one chart's keys. A page drawing several charts alike keeps one Options
// and gives it to each chart. L goes linear, log, heat and back.
func (k KeyMap) Toggle(o Options, msg tea.Msg) (Options, bool) {
	km, isKey := msg.(tea.KeyMsg)
	switch {
	case !isKey:
		return o, false
	case key.Matches(km, k.Smooth):
		o.Smooth = !o.Smooth
	case key.Matches(km, k.Smoother):
		o = o.stepSmoothing(true)
	case key.Matches(km, k.Rougher):
		o = o.stepSmoothing(false)
	case key.Matches(km, k.LogScale):
		switch {
		case o.Heat:
			o.Heat = false
		case o.LogY:
			o.LogY, o.Heat = false, true
		default:
			o.LogY = true
		}
	default:
		return o, false
	}
	return o, true
}
