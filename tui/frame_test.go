package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"lathe/tui/palette"
)

// tab goes through a run's tabs and a comparison's, shift+tab back; on a
// top page it goes to the next page.
func TestTabOnTabbedPages(t *testing.T) {
	a := syncApp(t, helpFixture())
	press(t, a, "tab")
	if a.active != runsPage {
		t.Fatalf("tab on the dashboard went to page %d", a.active)
	}
	press(t, a, "1")
	press(t, a, toRun...)
	press(t, a, "tab")
	if v := view(a); a.active != runPage || !strings.Contains(v, "[charts]") {
		t.Fatalf("tab on a run:\n%s", v)
	}
	press(t, a, "shift+tab", "shift+tab")
	if v := view(a); a.active != runPage || !strings.Contains(v, "[system]") {
		t.Fatalf("shift+tab twice from the charts:\n%s", v)
	}
	if strings.Contains(view(a), "tab next page") {
		t.Errorf("a run's page names tab as the next page")
	}
	a = syncApp(t, helpFixture())
	press(t, a, toCompare...)
	press(t, a, "tab")
	if v := view(a); a.active != comparePage || !strings.Contains(v, "[curves]") {
		t.Errorf("tab on a comparison:\n%s", v)
	}
}

// ctrl+w deletes the word before the end of what is typed, ctrl+u the
// line: in the palette and in the runs filter.
func TestLineEditing(t *testing.T) {
	a := syncApp(t, helpFixture())
	press(t, a, ":", "g", "o", " ", "t", "o", " ", "r", "u")
	press(t, a, "ctrl+w")
	if v := view(a); !strings.Contains(v, ":go to █") {
		t.Errorf("ctrl+w in the palette:\n%s", v)
	}
	press(t, a, "ctrl+u")
	if v := view(a); !strings.Contains(v, ":█") || !strings.Contains(v, "go to Dashboard") {
		t.Errorf("ctrl+u in the palette:\n%s", v)
	}
	// enter on an empty query takes the first item; on no match, nothing.
	press(t, a, "enter")
	if a.overlay != noOverlay || a.active != dashboardPage {
		t.Errorf("enter on an empty query: overlay %d, page %d", a.overlay, a.active)
	}
	press(t, a, ":", "z", "z", "z", "enter")
	if v := view(a); a.overlay != paletteOverlay || !strings.Contains(v, "nothing matches") {
		t.Errorf("enter on no match:\n%s", v)
	}
	press(t, a, "esc", "2", "/")
	a.Update(keys("status = running and"))
	press(t, a, "ctrl+w")
	if v := view(a); !strings.Contains(v, "/status = running █") {
		t.Errorf("ctrl+w in the filter:\n%s", v)
	}
	press(t, a, "ctrl+u")
	if v := view(a); !strings.Contains(v, "/█") {
		t.Errorf("ctrl+u in the filter:\n%s", v)
	}
}

// The line editor: characters, backspace, a word and the spaces after it,
// the line.
func TestEdit(t *testing.T) {
	k := palette.DefaultKeyMap()
	for _, c := range []struct {
		line string
		key  tea.KeyMsg
		want string
	}{
		{"ab", keys("c"), "abc"},
		{"ab", tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}, "ab "},
		{"ab", tea.KeyMsg{Type: tea.KeyBackspace}, "a"},
		{"", tea.KeyMsg{Type: tea.KeyBackspace}, ""},
		{"go to runs  ", tea.KeyMsg{Type: tea.KeyCtrlW}, "go to "},
		{"runs", tea.KeyMsg{Type: tea.KeyCtrlW}, ""},
		{"go to runs", tea.KeyMsg{Type: tea.KeyCtrlU}, ""},
	} {
		if got, ok := palette.Edit(k, c.line, c.key); !ok || got != c.want {
			t.Errorf("%q then %s: %q, %v; want %q", c.line, c.key, got, ok, c.want)
		}
	}
	if _, ok := palette.Edit(k, "x", tea.KeyMsg{Type: tea.KeyEnter}); ok {
		t.Error("enter edits the line")
	}
}
