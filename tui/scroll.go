package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"lathe/tui/format"
	"lathe/tui/styles"
	"lathe/tui/table"
)

// scroller shows lines drawn beforehand in a room that may be shorter: a
// screenful at a time, moved by the table's motions; when they do not fit,
// the room's last line says which lines show.
type scroller struct{ top int }

// maxTop is the last line the lines can be scrolled to.
func (sc scroller) maxTop(lines, room int) int {
	if lines <= room {
		return 0
	}
	return lines - (room - 1)
}

// key moves by a motion of the table's (the caller checks it is one).
func (sc *scroller) key(k table.KeyMap, msg tea.KeyMsg, lines, room int) {
	switch {
	case key.Matches(msg, k.Down):
		sc.top++
	case key.Matches(msg, k.Up):
		sc.top--
	case key.Matches(msg, k.PageDown):
		sc.top += room / 2
	case key.Matches(msg, k.PageUp):
		sc.top -= room / 2
	case key.Matches(msg, k.Top):
		sc.top = 0
	case key.Matches(msg, k.Bottom):
		sc.top = lines
	}
	sc.clamp(lines, room)
}

// clamp keeps the scroll within lines (after they changed).
func (sc *scroller) clamp(lines, room int) { sc.top = min(max(sc.top, 0), sc.maxTop(lines, room)) }

// view is the lines that show in a room of width × room.
func (sc scroller) view(s styles.Styles, lines []string, room, width int) string {
	if len(lines) <= room {
		return strings.Join(lines, "\n")
	}
	top := min(max(sc.top, 0), sc.maxTop(len(lines), room))
	end := top + room - 1
	return strings.Join(lines[top:end], "\n") + "\n" +
		s.Muted.Render(format.Fit(fmt.Sprintf("lines %d–%d of %d · j/k scroll", top+1, end, len(lines)), width))
}

// scrollKeys are the motions of a scroller: keys that go together in rows
// (help.KeyMap).
func scrollKeys(k table.KeyMap) [][]key.Binding {
	return [][]key.Binding{{k.Down, k.Up}, {k.Top, k.Bottom}, {k.PageDown, k.PageUp}}
}

// fetch coalesces the reloads of one thing: asked again while a load is
// under way, it loads once more after it, not once for each ask.
type fetch struct{ busy, again bool }

// start is load, or nothing while a load is under way.
func (f *fetch) start(load tea.Cmd) tea.Cmd {
	if f.busy {
		f.again = true
		return nil
	}
	f.busy = true
	return load
}

// done ends a load, and starts the one asked for meanwhile.
func (f *fetch) done(load tea.Cmd) tea.Cmd {
	f.busy = false
	if f.again {
		f.again = false
		return f.start(load)
	}
	return nil
}
