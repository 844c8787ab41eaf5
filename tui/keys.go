package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds every key of the app; pages take the ones they use.
type KeyMap struct {
	Quit, Help, Back, NextPage, Dashboard, Runs, GPUs   key.Binding
	Up, Down, Top, Bottom, PageDown, PageUp, Open, Kill key.Binding
	Filter, Palette, Tab, PrevTab, Smooth, LogScale     key.Binding
	TimeX, Mark, MarkAll, Sort, Reverse, Logs, Rerun    key.Binding
	Submit, Yes, No, Compare, Remove                    key.Binding
	// The keys of a comparison.
	ShowAll, NextMetric, PrevMetric key.Binding
}

// DefaultKeyMap is the keys users know from k9s and lazygit.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit (jobs keep running)")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		NextPage:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next page")),
		Dashboard:  key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "dashboard")),
		Runs:       key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "runs")),
		GPUs:       key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "GPUs")),
		Up:         key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "up")),
		Down:       key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "down")),
		Top:        key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageDown:   key.NewBinding(key.WithKeys("ctrl+d", "pgdown"), key.WithHelp("ctrl+d", "page down")),
		PageUp:     key.NewBinding(key.WithKeys("ctrl+u", "pgup"), key.WithHelp("ctrl+u", "page up")),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Kill:       key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "kill")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Palette:    key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "go to…")),
		Tab:        key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "next tab")),
		PrevTab:    key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "previous tab")),
		Smooth:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "smooth (EMA)")),
		LogScale:   key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "log scale")),
		TimeX:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "x by step/time")),
		Mark:       key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark")),
		MarkAll:    key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "mark all")),
		Sort:       key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort")),
		Reverse:    key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "reverse sort")),
		Logs:       key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "logs")),
		Rerun:      key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "re-run")),
		Submit:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new job")),
		Yes:        key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y", "yes")),
		No:         key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "no")),
		Compare:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compare")),
		Remove:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "remove")),
		ShowAll:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "all params")),
		NextMetric: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "next metric")),
		PrevMetric: key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "previous metric")),
	}
}
