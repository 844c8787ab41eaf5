package table

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/tui/format"
	"lathe/tui/styles"
)

// Column is one column of a table of rows of type R.
type Column[R any] struct {
	Title string
	Width int
	Right bool // numbers align right
	Cell  func(r R) string
	// Style styles the column's cell of a row, but on the cursor's row
	// (drawn reversed); nil: plain.
	Style func(r R) lipgloss.Style
	// Styled, when set, draws the cell with styles of its own (badges of
	// several colours) on every row but the cursor's, which shows Cell:
	// codes inside the reversed row would end its reversal.
	Styled func(r R) string
}

// Model is a table of rows of type R: a header (the sorted column marked
// ▲ or ▼), then the rows that fit, scrolled to keep the cursor (›) in
// view, the marked ones with a ●. It does not sort: the caller gives the
// rows in order and says by which column (SetSort). View draws only the
// rows in view, so a table of thousands costs what a screenful does.
type Model[R any] struct {
	styles      styles.Styles
	keys        KeyMap
	key         func(R) string // names a row, for its mark
	cols        []Column[R]
	rows        []R
	cursor, top int
	// at is the key of the row under the cursor: when the rows change (a
	// new one comes, a live sort moves them) the cursor stays on that row,
	// not on a row number, so an action goes to the row the user chose.
	// "" after Top, or while there are no rows.
	at            string
	width, height int
	// marked are the rows marked, by key; marks stay when the rows change
	// (a row filtered out keeps its mark).
	marked map[string]bool
	sortBy string
	desc   bool
	// blurred says another part of the page has the focus: the cursor's
	// row is drawn as the others.
	blurred bool
}

// New is an empty table whose rows are named by key.
func New[R any](key func(R) string, s styles.Styles, k KeyMap) *Model[R] {
	return &Model[R]{styles: s, keys: k, key: key, marked: map[string]bool{}}
}

// SetColumns sets the columns, in order.
func (t *Model[R]) SetColumns(cols []Column[R]) { t.cols = cols }

// SetRows replaces the rows; the cursor stays on the row it was on,
// wherever that row is now, or at its place when that row is gone.
func (t *Model[R]) SetRows(rows []R) {
	t.rows = rows
	if t.at != "" {
		if t.cursor < len(rows) && t.key(rows[t.cursor]) == t.at {
			t.clamp()
			return
		}
		for i, r := range rows {
			if t.key(r) == t.at {
				t.cursor = i
				break
			}
		}
	}
	t.clamp()
}

// SetSort says the column the rows are sorted by ("" for none), and the
// direction: the header marks it.
func (t *Model[R]) SetSort(title string, desc bool) { t.sortBy, t.desc = title, desc }

// SetSize sets the area: the header and the rows (h-1 of them at most).
func (t *Model[R]) SetSize(w, h int) {
	t.width, t.height = w, h
	t.clamp()
}

// SetFocused says whether the table has the page's focus (it has by
// default); without it, its cursor does not show, so that a page of two
// tables shows one cursor.
func (t *Model[R]) SetFocused(on bool) { t.blurred = !on }

// Top puts the cursor on the first row and scrolls there.
func (t *Model[R]) Top() { t.cursor, t.top, t.at = 0, 0, "" }

// Selected is the row under the cursor.
func (t *Model[R]) Selected() (R, bool) {
	if t.cursor < len(t.rows) {
		return t.rows[t.cursor], true
	}
	var none R
	return none, false
}

// Marked reports whether the row named k is marked.
func (t *Model[R]) Marked(k string) bool { return t.marked[k] }

// MarkCount is how many rows are marked, shown or not.
func (t *Model[R]) MarkCount() int { return len(t.marked) }

// ClearMarks unmarks every row.
func (t *Model[R]) ClearMarks() { clear(t.marked) }

// Unmark unmarks the rows named keys.
func (t *Model[R]) Unmark(keys ...string) {
	for _, k := range keys {
		delete(t.marked, k)
	}
}

// room is how many rows fit under the header.
func (t *Model[R]) room() int { return max(1, t.height-1) }

// clamp keeps the cursor on a row, and in view, and notes which row.
func (t *Model[R]) clamp() {
	t.cursor = min(max(t.cursor, 0), max(len(t.rows)-1, 0))
	t.at = ""
	if t.cursor < len(t.rows) {
		t.at = t.key(t.rows[t.cursor])
	}
	if t.cursor < t.top {
		t.top = t.cursor
	}
	if t.cursor >= t.top+t.room() {
		t.top = t.cursor - t.room() + 1
	}
}

// Update takes the table's keys: the cursor's motions and the marks.
func (t *Model[R]) Update(msg tea.Msg) (*Model[R], tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return t, nil
	}
	n := len(t.rows)
	switch {
	case key.Matches(k, t.keys.Mark) && t.cursor < n:
		if id := t.key(t.rows[t.cursor]); t.marked[id] {
			delete(t.marked, id)
		} else {
			t.marked[id] = true
		}
		t.cursor++
	case key.Matches(k, t.keys.MarkAll):
		if len(t.marked) == n {
			clear(t.marked)
		} else {
			for _, r := range t.rows {
				t.marked[t.key(r)] = true
			}
		}
	case key.Matches(k, t.keys.Down):
		t.cursor++
	case key.Matches(k, t.keys.Up):
		t.cursor--
	case key.Matches(k, t.keys.Top):
		t.cursor = 0
	case key.Matches(k, t.keys.Bottom):
		t.cursor = n - 1
	case key.Matches(k, t.keys.PageDown):
		t.cursor += t.room() / 2
	case key.Matches(k, t.keys.PageUp):
		t.cursor -= t.room() / 2
	}
	t.clamp()
	return t, nil
}

// ShortHelp is the table's key worth a place in a footer (help.KeyMap).
func (t *Model[R]) ShortHelp() []key.Binding { return []key.Binding{t.keys.Mark} }

// FullHelp is every key of the table, keys that go together in a row
// (help.KeyMap).
func (t *Model[R]) FullHelp() [][]key.Binding {
	k := t.keys
	return [][]key.Binding{{k.Down, k.Up}, {k.Top, k.Bottom}, {k.PageDown, k.PageUp}, {k.Mark}, {k.MarkAll}}
}

// View draws the header and the rows in view, each cut to the width.
func (t *Model[R]) View() string {
	s := t.styles
	var b strings.Builder
	head := "  " // over the cursor and the mark
	for _, c := range t.cols {
		title := c.Title
		if title == t.sortBy {
			title += map[bool]string{false: "▲", true: "▼"}[t.desc]
		}
		head += Align(title, c.Width, c.Right) + " "
	}
	b.WriteString(s.Title.Render(format.Fit(head, t.width)))
	end := min(len(t.rows), t.top+t.room())
	for i := t.top; i < end; i++ {
		r := t.rows[i]
		cur := i == t.cursor && !t.blurred
		// Marks as well as colours: the cursor and the marks must show
		// without colour.
		line := " "
		if cur {
			line = "›"
		}
		if t.marked[t.key(r)] {
			line += "●"
		} else {
			line += " "
		}
		for _, c := range t.cols {
			var text string
			switch {
			case c.Styled != nil && !cur:
				text = Align(c.Styled(r), c.Width, c.Right)
			case c.Style != nil && !cur:
				text = c.Style(r).Render(Align(c.Cell(r), c.Width, c.Right))
			default:
				text = Align(c.Cell(r), c.Width, c.Right)
			}
			line += text + " "
		}
		line = format.Fit(line, t.width)
		if cur {
			line = s.Selected.Render(format.Pad(line, t.width))
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// Align fits text to a column's width, aligned left or right.
func Align(text string, w int, right bool) string {
	text = format.Fit(text, w)
	if right {
		return strings.Repeat(" ", max(0, w-ansi.StringWidth(text))) + text
	}
	return format.Pad(text, w)
}
