package tui

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"lathe/themes"
	"lathe/tui/styles"
)

// layoutApp is the app on the fixture with a layout chosen before, and
// the layouts it saves.
type savedLayouts struct {
	mu  sync.Mutex
	all []RunsLayout
}

func (s *savedLayouts) save(l RunsLayout) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, l)
	return nil
}

func (s *savedLayouts) last() (RunsLayout, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.all) == 0 {
		return RunsLayout{}, 0
	}
	return s.all[len(s.all)-1], len(s.all)
}

func driveLayout(t *testing.T, l RunsLayout, saved *savedLayouts, send ...any) string {
	t.Helper()
	p, _ := themes.Load("dark")
	app := New(fixture(), Options{Styles: styles.New(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock },
		Layout: l, SaveLayout: saved.save})
	return driveApp(t, app, 120, 40, send...)
}

// C opens the column chooser: space hides a metric shown and shows a
// param, enter sorts by the column under the cursor (again: the other
// way), esc closes it and saves the choice; the next start takes it.
func TestColumnChooser(t *testing.T) {
	saved := &savedLayouts{}
	head := func(view string) string { return strings.Split(view, "\n")[1] }
	view := driveLayout(t, RunsLayout{}, saved, "Jobs:", keys("2"), "5 runs", keys("C"), "Columns: space",
		tea.KeyMsg{Type: tea.KeyDown}, "› [x] NAME", keys("jjjjjj"), "› [x] lr", keys(" "), "› [ ] lr",
		keys("j"), "› [x] loss", enter, "▲ sorted", enter, "▼ sorted", tea.KeyMsg{Type: tea.KeyEsc}, "columns saved")
	if h := head(view); strings.Contains(h, " lr ") || !strings.Contains(h, "loss▼") {
		t.Errorf("after the chooser: %q", h)
	}
	l, n := saved.last()
	if n != 1 || l.Sort != "loss" || !l.Desc || slices.Contains(l.Columns, "params.lr") || !slices.Contains(l.Columns, "metrics.loss") {
		t.Errorf("saved %d: %+v", n, l)
	}
	// The next start.
	again := driveLayout(t, l, &savedLayouts{}, "Jobs:", keys("2"), "5 runs")
	if h := head(again); strings.Contains(h, " lr ") || !strings.Contains(h, "loss▼") {
		t.Errorf("the next start: %q", h)
	}
	rows := strings.Split(again, "\n")[2:5]
	if !strings.Contains(rows[0], "bert-diverged") {
		t.Errorf("sorted by loss, greatest first: %q", rows)
	}
	// Nothing changed: nothing saved.
	none := &savedLayouts{}
	driveLayout(t, RunsLayout{}, none, "Jobs:", keys("2"), "5 runs", keys("C"), "Columns: space", tea.KeyMsg{Type: tea.KeyEsc}, "5 runs")
	if _, n := none.last(); n != 0 {
		t.Errorf("saved without a change")
	}
}
