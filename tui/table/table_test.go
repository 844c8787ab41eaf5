package table

import (
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/themes"
	"lathe/tui/styles"
)

type row struct {
	name string
	n    int
}

func testTable(t *testing.T, rows int) *Model[row] {
	t.Helper()
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	m := New(func(r row) string { return r.name }, styles.New(p), DefaultKeyMap())
	m.SetColumns([]Column[row]{
		{Title: "NAME", Width: 6, Cell: func(r row) string { return r.name }},
		{Title: "N", Width: 4, Right: true, Cell: func(r row) string { return strconv.Itoa(r.n) }},
	})
	var rs []row
	for i := range rows {
		rs = append(rs, row{"row-" + strconv.Itoa(i), i * 10})
	}
	m.SetRows(rs)
	m.SetSize(20, 5) // a header and four rows
	return m
}

func press(m *Model[row], ks ...string) {
	for _, k := range ks {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		switch k {
		case " ":
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}
		case "ctrl+d":
			msg = tea.KeyMsg{Type: tea.KeyCtrlD}
		case "ctrl+u":
			msg = tea.KeyMsg{Type: tea.KeyCtrlU}
		}
		m.Update(msg)
	}
}

// The header marks the sorted column; cells align; the cursor and the
// marks show without colour; the cursor stays in view as it moves.
func TestTable(t *testing.T) {
	m := testTable(t, 10)
	m.SetSort("N", true)
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	if want := []string{"  NAME     N▼ ", "› row-0     0       ", "  row-1    10 ", "  row-2    20 ", "  row-3    30 "}; strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("view %q, want %q", lines, want)
	}
	press(m, " ", " ", "j")
	if got := m.MarkCount(); got != 2 || !m.Marked("row-0") || !m.Marked("row-1") {
		t.Errorf("marks: %d", got)
	}
	if r, _ := m.Selected(); r.name != "row-3" {
		t.Errorf("cursor on %q", r.name)
	}
	press(m, "j", "j")
	lines = strings.Split(ansi.Strip(m.View()), "\n")
	if lines[1] != "  row-2    20 " || lines[4] != "› row-5    50       " {
		t.Errorf("scrolled: %q", lines)
	}
	press(m, "G")
	if r, _ := m.Selected(); r.name != "row-9" {
		t.Errorf("G: %q", r.name)
	}
	press(m, "ctrl+u", "ctrl+u")
	if r, _ := m.Selected(); r.name != "row-5" {
		t.Errorf("ctrl+u twice: %q", r.name)
	}
	press(m, "g", "A")
	if m.MarkCount() != 10 {
		t.Errorf("A marked %d", m.MarkCount())
	}
	press(m, "A")
	if m.MarkCount() != 0 {
		t.Errorf("A again left %d", m.MarkCount())
	}
	// Fewer rows: the cursor stays on one.
	press(m, "G")
	m.SetRows([]row{{"a", 1}, {"b", 2}})
	if r, ok := m.Selected(); !ok || r.name != "b" {
		t.Errorf("after fewer rows: %q %v", r.name, ok)
	}
	if got := Align("abcdef", 4, true) + "|" + Align("ab", 4, true) + "|" + Align("ab", 4, false); got != "abc…|  ab|ab  " {
		t.Errorf("Align: %q", got)
	}
}

// A column with a styled cell draws it on every row but the cursor's,
// which shows the plain cell: codes inside the reversed row would end its
// reversal.
func TestStyledCell(t *testing.T) {
	m := testTable(t, 3)
	m.SetColumns([]Column[row]{{Title: "NAME", Width: 8, Cell: func(r row) string { return "[" + r.name + "]" },
		Styled: func(r row) string { return "<" + r.name + ">" }}})
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	if !strings.Contains(lines[1], "[row-0]") || !strings.Contains(lines[2], "<row-1>") || !strings.Contains(lines[3], "<row-2>") {
		t.Errorf("styled cells:\n%s", strings.Join(lines, "\n"))
	}
}

// A table without the focus draws its cursor's row as the others, and
// keeps the cursor where it was.
func TestTableFocus(t *testing.T) {
	m := testTable(t, 3)
	press(m, "j")
	m.SetFocused(false)
	lines := strings.Split(ansi.Strip(m.View()), "\n")
	if lines[2] != "  row-1    10 " || strings.Contains(m.View(), "›") {
		t.Errorf("blurred: %q", lines)
	}
	m.SetFocused(true)
	if lines := strings.Split(ansi.Strip(m.View()), "\n"); lines[2] != "› row-1    10       " {
		t.Errorf("focused again: %q", lines)
	}
}

// The cursor follows its row, not its row number: a row added above it or
// a new order leaves it on the same row; a row gone leaves it at its place.
func TestCursorFollowsRow(t *testing.T) {
	m := testTable(t, 4)
	press(m, "j", "j") // row-2
	m.SetRows([]row{{"new", 0}, {"row-0", 0}, {"row-1", 10}, {"row-2", 20}, {"row-3", 30}})
	if r, _ := m.Selected(); r.name != "row-2" {
		t.Errorf("after a row above: on %s, want row-2", r.name)
	}
	m.SetRows([]row{{"row-2", 20}, {"row-3", 30}, {"new", 0}, {"row-1", 10}, {"row-0", 0}})
	if r, _ := m.Selected(); r.name != "row-2" {
		t.Errorf("after a new order: on %s, want row-2", r.name)
	}
	press(m, "j") // row-3, at 1
	m.SetRows([]row{{"row-2", 20}, {"new", 0}, {"row-1", 10}})
	if r, _ := m.Selected(); r.name != "new" {
		t.Errorf("its row gone: on %s, want the row at its place (new)", r.name)
	}
	m.Top()
	m.SetRows([]row{{"row-1", 10}, {"new", 0}})
	if r, _ := m.Selected(); r.name != "row-1" {
		t.Errorf("after Top: on %s, want the first row", r.name)
	}
}
