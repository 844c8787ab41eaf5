package tui

import (
	"io"

	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine/api"
	"lathe/tui/logview"
)

// logTail is how much of a run's output the logs tab reads: enough to
// search the recent output; `lathe logs` gives all of it.
const logTail = 256 << 10

// loadLogs reads the end of the run's output.
func (p *runView) loadLogs() tea.Cmd {
	return logview.Read(p.id, func(w io.Writer) error {
		return p.eng.Logs(p.ctx, p.id, api.LogOptions{Tail: logTail}, w)
	})
}
