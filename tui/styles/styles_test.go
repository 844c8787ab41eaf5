package styles

import (
	"testing"

	"github.com/charmbracelet/lipgloss"

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
