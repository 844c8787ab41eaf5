package palette

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Edit applies a key to a line being typed at its end, as a shell does:
// characters add, backspace deletes one, ctrl+w the word before the end
// (and the spaces after it), ctrl+u the whole line. It reports whether
// the key was one of those; other keys leave the line.
func Edit(k KeyMap, line string, msg tea.KeyMsg) (string, bool) {
	switch {
	case key.Matches(msg, k.ClearLine):
		return "", true
	case key.Matches(msg, k.DeleteWord):
		trimmed := strings.TrimRightFunc(line, unicode.IsSpace)
		return strings.TrimRightFunc(trimmed, func(r rune) bool { return !unicode.IsSpace(r) }), true
	case msg.Type == tea.KeyBackspace:
		r := []rune(line)
		return string(r[:max(len(r)-1, 0)]), true
	case msg.Type == tea.KeyRunes, msg.Type == tea.KeySpace:
		return line + string(msg.Runes), true
	}
	return line, false
}
