package tui

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine/api"
	"lathe/store"
	"lathe/store/series"
	"lathe/themes"
	"lathe/tui/styles"
)

// BenchmarkFilterAsTyped100k types a filter into the runs table over an
// engine whose store holds 100 000 runs, over the engine's socket, a key at
// a time, and times each key from the keypress to the frame that shows
// its runs (the engine's answer taken, the table laid out and drawn):
// budget 50 ms a key. ms/key is the mean over the keys, ms/key-max the
// slowest.
func BenchmarkFilterAsTyped100k(b *testing.B) {
	const runs = 100_000
	paths := api.Paths{Home: b.TempDir()}
	if err := os.MkdirAll(paths.Home, 0o755); err != nil {
		b.Fatal(err)
	}
	seedSweep(b, paths, runs)
	client := serveBench(b, paths)
	p, _ := themes.Load("dark")
	const expr = `params.lr <= 0.005 and metrics.loss > 0.5 and name ~ "sweep-1"`
	var took []time.Duration
	for b.Loop() {
		app := New(client, Options{Styles: styles.New(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock }})
		app.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
		settle(b, app, app.loadRuns())
		settle(b, app, pressKey(app, keys("2")))
		settle(b, app, pressKey(app, keys("/")))
		for _, r := range expr {
			start := time.Now()
			settle(b, app, pressKey(app, keys(string(r))))
			app.View()
			took = append(took, time.Since(start))
		}
		if view := app.View(); !strings.Contains(view, "runs match") || strings.Contains(view, "filtering…") {
			b.Fatalf("the filtered table:\n%s", view)
		}
		app.cancel()
	}
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	b.ReportMetric(float64(sum.Microseconds())/1000/float64(len(took)), "ms/key")
	b.ReportMetric(float64(slices.Max(took).Microseconds())/1000, "ms/key-max")
}

// pressKey gives the app a key and returns its command.
func pressKey(app *App, k tea.KeyMsg) tea.Cmd {
	_, cmd := app.Update(k)
	return cmd
}

// settle runs a command as Bubble Tea would, giving the app what it
// produced, and what that produced, until nothing is left.
func settle(b *testing.B, app *App, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case lostMsg:
			b.Fatal("the engine was lost")
		default:
			_, next := app.Update(msg)
			queue = append(queue, next)
		}
	}
}

// seedSweep fills a store with n ended runs of a sweep, each with three
// params and two metrics, newest last.
func seedSweep(b *testing.B, paths api.Paths, n int) {
	db, err := store.Open(paths.DB(), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < n; i += 1000 {
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			for j := i; j < min(i+1000, n); j++ {
				created := clock.Add(time.Duration(j-n) * time.Minute)
				ended := created.Add(30 * time.Minute)
				r := &store.Run{ID: fmt.Sprintf("%012x", 0xc00000000000+j), Name: fmt.Sprintf("sweep-%d", j), Experiment: fmt.Sprintf("exp-%d", j%20),
					Status: store.Succeeded, Command: []string{"python3", "train.py"}, Created: created, Started: &created, Ended: &ended,
					Params: map[string]string{"lr": fmt.Sprint(0.001 * float64(j%10+1)), "batch": "256", "seed": fmt.Sprint(j % 5)}}
				if err := tx.CreateRun(r); err != nil {
					return err
				}
				for m, name := range []string{"loss", "val_acc"} {
					if err := tx.AppendPoints(r.ID, name, []series.Point{{Step: 100, Time: ended.UnixMicro(), Value: float64(j%997+m) / 1000}}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
