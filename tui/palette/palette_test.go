package palette

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/themes"
	"lathe/tui/styles"
)

func testPalette(t *testing.T) *Model[string] {
	t.Helper()
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	items := []Item[string]{
		{Label: "go to Runs", Value: "runs"},
		{Label: "vit-small · logs", Rank: 1, Value: "vit logs"},
		{Label: "vit-small · run 0123", Value: "vit"},
		{Label: "go to GPUs", Value: "gpus"},
	}
	m := New(items, styles.New(p), DefaultKeyMap())
	m.SetSize(60, 10)
	return m
}

func send(m *Model[string], msgs ...tea.KeyMsg) tea.Msg {
	var cmd tea.Cmd
	for _, k := range msgs {
		_, cmd = m.Update(k)
	}
	if cmd == nil {
		return nil
	}
	return cmd()
}

// Typed letters find items fuzzily, a lower rank first; enter chooses the
// one under the cursor, the arrows move it, esc leaves.
func TestPalette(t *testing.T) {
	m := testPalette(t)
	send(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("vit")})
	view := ansi.Strip(m.View())
	if !strings.Contains(view, "› vit-small · run 0123") || strings.Index(view, "run 0123") > strings.Index(view, "· logs") || strings.Contains(view, "GPUs") {
		t.Errorf("matches of vit:\n%s", view)
	}
	if got := send(m, tea.KeyMsg{Type: tea.KeyEnter}); got != (ChosenMsg[string]{"vit"}) {
		t.Errorf("enter chose %#v", got)
	}
	if got := send(m, tea.KeyMsg{Type: tea.KeyDown}, tea.KeyMsg{Type: tea.KeyDown}, tea.KeyMsg{Type: tea.KeyEnter}); got != (ChosenMsg[string]{"vit logs"}) {
		t.Errorf("down, enter chose %#v", got)
	}
	if got := send(m, tea.KeyMsg{Type: tea.KeyCtrlP}, tea.KeyMsg{Type: tea.KeyEnter}); got != (ChosenMsg[string]{"vit"}) {
		t.Errorf("ctrl+p, enter chose %#v", got)
	}
	send(m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("zzz")})
	if view := ansi.Strip(m.View()); !strings.Contains(view, "nothing matches") {
		t.Errorf("no match:\n%s", view)
	}
	if got := send(m, tea.KeyMsg{Type: tea.KeyEnter}); got != nil {
		t.Errorf("enter on no match chose %#v", got)
	}
	if got := send(m, tea.KeyMsg{Type: tea.KeyEsc}); got != (ClosedMsg{}) {
		t.Errorf("esc gave %#v", got)
	}
}

// More matches than fit: the rest are counted.
func TestPaletteMore(t *testing.T) {
	m := testPalette(t)
	m.SetSize(60, 4)
	if view := ansi.Strip(m.View()); !strings.Contains(view, "… 2 more") {
		t.Errorf("view:\n%s", view)
	}
}
