package styles

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"lathe/engine/api"
	"lathe/themes"
)

// Styles are the app's looks, built once from a palette and passed down.
type Styles struct {
	Palette  themes.Palette
	Text     lipgloss.Style
	Muted    lipgloss.Style
	Accent   lipgloss.Style
	Ok       lipgloss.Style
	Warn     lipgloss.Style
	Error    lipgloss.Style
	Running  lipgloss.Style
	Header   lipgloss.Style
	Footer   lipgloss.Style
	Title    lipgloss.Style
	Selected lipgloss.Style
	Box      lipgloss.Style
	Banner   lipgloss.Style
	// plainBadges draws badges in brackets: there is no colour to draw
	// them in (a colourless palette, or a terminal that shows none).
	plainBadges bool
}

// New builds the styles of a palette.
func New(p themes.Palette) Styles {
	fg := func(c string) lipgloss.Style {
		if c == "" {
			return lipgloss.NewStyle()
		}
		return lipgloss.NewStyle().Foreground(lipgloss.Color(c))
	}
	s := Styles{
		Palette: p,
		Text:    fg(p.Text),
		Muted:   fg(p.Muted),
		Accent:  fg(p.Accent).Bold(true),
		Ok:      fg(p.Ok),
		Warn:    fg(p.Warn),
		Error:   fg(p.Error).Bold(true),
		Running: fg(p.Running),
	}
	s.Header = fg(p.Accent).Bold(true)
	s.Footer = fg(p.Muted)
	s.Title = fg(p.Accent).Bold(true)
	s.Selected = lipgloss.NewStyle().Reverse(true)
	s.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	if p.Border != "" {
		s.Box = s.Box.BorderForeground(lipgloss.Color(p.Border))
	}
	s.Banner = fg(p.Error).Bold(true)
	s.plainBadges = p.Colourless() || lipgloss.ColorProfile() == termenv.Ascii
	return s
}

// Badge draws a short label (a model's alias) as a badge in a tone, one of
// the styles above (Ok, Warn, Accent…): reversed in the tone's colour with
// a cell of room each side, or without colour in brackets, so that it
// reads as one either way and takes as many cells.
func (s Styles) Badge(text string, tone lipgloss.Style) string {
	if s.plainBadges {
		return "[" + text + "]"
	}
	return tone.Reverse(true).Render(" " + text + " ")
}

// Status styles a run's status.
func (s Styles) Status(status api.Status) lipgloss.Style {
	switch status {
	case api.Succeeded:
		return s.Ok
	case api.Running:
		return s.Running
	case api.Queued:
		return s.Warn
	case api.Failed, api.Lost, api.Killed:
		return s.Error
	}
	return s.Text
}

// StatusOf is the style of a run's status word: a run a cluster still
// holds in its queue waits, as a queued one does.
func (s Styles) StatusOf(r api.Run) lipgloss.Style {
	if r.StatusWord() == "pending" {
		return s.Warn
	}
	return s.Status(r.Status)
}

// Series is the style of the i-th of several series drawn together (the
// runs of a comparison): the palette's series colours in turn, plain
// without colour.
func (s Styles) Series(i int) lipgloss.Style {
	p := s.Palette
	if p.Colourless() || len(p.Series) == 0 {
		return lipgloss.NewStyle()
	}
	return lipgloss.NewStyle().Foreground(lipgloss.Color(p.Series[i%len(p.Series)]))
}
