package logview

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the log viewer's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top key.Binding
	// Follow goes to the end and follows it again.
	Follow                         key.Binding
	Search, SearchNext, SearchPrev key.Binding
	// Confirm and Cancel end a query being typed; Cancel also stops a
	// search under way.
	Confirm, Cancel key.Binding
	// Wrap wraps long lines, or cuts them; Left and Right scroll cut lines
	// sideways.
	Wrap, Left, Right key.Binding
	// Metrics hides the lines read as metrics, or shows them again.
	Metrics key.Binding
}

// DefaultKeyMap is less's keys: j/k, ctrl+d/u, g, G, / and n/N; w wraps,
// </> scroll sideways (←/→ are the run page's tabs), M hides the metric
// lines.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "up")),
		Down:       key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "down")),
		PageUp:     key.NewBinding(key.WithKeys("ctrl+u", "pgup"), key.WithHelp("ctrl+u", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("ctrl+d", "pgdown"), key.WithHelp("ctrl+d", "page down")),
		Top:        key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Follow:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "follow")),
		Search:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		SearchNext: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		SearchPrev: key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		Confirm:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "search")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Wrap:       key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "wrap lines")),
		Left:       key.NewBinding(key.WithKeys("<", "shift+left"), key.WithHelp("<", "scroll left")),
		Right:      key.NewBinding(key.WithKeys(">", "shift+right"), key.WithHelp(">", "scroll right")),
		Metrics:    key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "hide metric lines")),
	}
}
