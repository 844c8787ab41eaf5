package tui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine/api"
)

// runOutput is a run's output as the log view reads it: through the
// engine, which reads and searches the file, however large.
type runOutput struct {
	eng Engine
	id  string
}

func (o runOutput) LogLines(ctx context.Context, req api.LogLinesRequest) (api.LogLines, error) {
	return o.eng.LogLines(ctx, o.id, req)
}

func (o runOutput) SearchLogs(ctx context.Context, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error {
	return o.eng.SearchLogs(ctx, o.id, req, fn)
}

// loadLogs reads the output where the logs tab needs it (its end while
// following). A run that ended without output says why in the tab: a
// job that could not start (a command not found) has its reason.
func (p *runView) loadLogs() tea.Cmd {
	if r, ok := p.st.run(p.id); ok {
		p.logs.SetEmpty(emptyLogNote(r))
	}
	return p.logs.Refresh()
}

// emptyLogNote is what the logs tab says while a run's output is empty.
func emptyLogNote(r api.Run) string {
	switch {
	case r.Status == api.Queued:
		return "no output yet: the run is queued"
	case r.Status.Ended() && r.Reason != "":
		return "no output: " + string(r.Status) + ", " + r.Reason
	case r.Status.Ended():
		return "no output: the job wrote nothing"
	}
	return "no output yet"
}
