package styles

import (
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"lathe/engine/api"
	"lathe/themes"
)

// Each status has the style of what it means; without colour, none.
func TestStatus(t *testing.T) {
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	s := New(p)
	fg := func(st lipgloss.Style) lipgloss.TerminalColor { return st.GetForeground() }
	for status, want := range map[api.Status]lipgloss.Style{
		api.Succeeded: s.Ok, api.Running: s.Running, api.Queued: s.Warn,
		api.Failed: s.Error, api.Lost: s.Error, api.Killed: s.Error, api.Status("other"): s.Text,
	} {
		if got := s.Status(status); fg(got) != fg(want) {
			t.Errorf("%s: %v, want %v", status, fg(got), fg(want))
		}
	}
	if s.Series(0).GetForeground() == s.Series(1).GetForeground() {
		t.Error("two series of one colour")
	}
	none, _ := themes.Load("no-colour")
	if _, plain := New(none).Series(3).GetForeground().(lipgloss.NoColor); !plain {
		t.Error("a series colour without colour")
	}
}

// A badge is its text reversed in a tone with a cell of room each side;
// without colour, in brackets: as wide either way.
func TestBadge(t *testing.T) {
	defer lipgloss.SetColorProfile(lipgloss.ColorProfile())
	dark, _ := themes.Load("dark")
	none, _ := themes.Load("no-colour")
	lipgloss.SetColorProfile(termenv.TrueColor)
	coloured := New(dark)
	if b := coloured.Badge("champion v3", coloured.Ok); ansi.Strip(b) != " champion v3 " || b == ansi.Strip(b) {
		t.Errorf("coloured badge %q", b)
	}
	if b := New(none).Badge("champion v3", coloured.Ok); b != "[champion v3]" {
		t.Errorf("no-colour badge %q", b)
	}
	lipgloss.SetColorProfile(termenv.Ascii)
	if b := New(dark).Badge("champion v3", coloured.Ok); b != "[champion v3]" {
		t.Errorf("badge on a terminal without colour %q", b)
	}
}
