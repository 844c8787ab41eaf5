package tui

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"lathe/themes"
	"lathe/tui/styles"
)

// demoApp is the app as the demo opens it: q stops the demo, and the
// engine comes up after the app opened, through ch.
func demoApp(ch <-chan Startup) *App {
	p, _ := themes.Load("dark")
	return New(nil, Options{Styles: styles.New(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock },
		Demo: true, Startup: ch})
}

func waitScreen(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) }, teatest.WithDuration(5*time.Second))
}

// The app shows its first frame before the engine is up, with each step
// of its start; keys wait (but q), and the engine's data comes once it is
// up. In a demo, q says it stops the demo's jobs, in the footer and the
// help.
func TestStartupThenEngine(t *testing.T) {
	ch := make(chan Startup)
	tm := teatest.NewTestModel(t, demoApp(ch), teatest.WithInitialTermSize(120, 40))
	waitScreen(t, tm, "starting the engine…")
	ch <- Startup{Progress: "starting the demo's engine… (seeding runs 3/8)"}
	waitScreen(t, tm, "(seeding runs 3/8)")
	tm.Send(keys("2")) // no runs page while nothing can fill it
	ch <- Startup{Engine: fixture()}
	waitScreen(t, tm, "Jobs: 2 running")
	tm.Send(keys("?"))
	waitScreen(t, tm, "q ends the demo: its jobs, those started here too, and its engine stop.")
	tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
	close(ch)
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	v := tm.FinalModel(t).View()
	if !strings.Contains(v, "lathe › Dashboard") || !strings.Contains(v, "q quit (stops the demo's jobs)") || strings.Contains(v, "keep running") {
		t.Errorf("the demo's dashboard:\n%s", v)
	}
}

// While the engine starts, the footer names q alone, and q quits; an
// engine that did not start says why.
func TestStartupFails(t *testing.T) {
	ch := make(chan Startup, 1)
	ch <- Startup{Err: errors.New("the socket is taken")}
	tm := teatest.NewTestModel(t, demoApp(ch), teatest.WithInitialTermSize(80, 24))
	waitScreen(t, tm, "the engine did not start: the socket is taken")
	tm.Send(keys("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	lines := strings.Split(tm.FinalModel(t).View(), "\n")
	if foot := strings.TrimSpace(lines[len(lines)-1]); foot != "q quit (stops the demo's jobs)" {
		t.Errorf("footer while starting: %q", foot)
	}
}
