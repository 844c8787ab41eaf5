package main

import (
	"context"
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"

	"lathe/themes"
	"lathe/tui"
	"lathe/tui/styles"
)

// runApp opens the full-screen app on the engine (starting one if needed).
// Quitting it leaves the engine and every job running.
func runApp(ctx context.Context, theme string, mouse bool) error {
	c, err := connect(ctx)
	if err != nil {
		return err
	}
	return openApp(ctx, c, theme, mouse, nil)
}

// openApp runs the app on an engine until the user quits; tune, when set,
// changes the app's options (the demo's: an engine that comes up after
// the app opened, a q that stops the demo).
func openApp(ctx context.Context, eng tui.Engine, theme string, mouse bool, tune func(*tui.Options)) error {
	e, err := loadEnv()
	if err != nil {
		return err
	}
	if theme == "" {
		theme = e.cfg.App.Theme
	}
	palette, err := themes.Load(theme)
	if err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("the current directory: %w", err)
	}
	layout := layoutPath()
	opts := tui.Options{Styles: styles.New(palette), Keys: tui.DefaultKeyMap(),
		Cwd: cwd, Env: os.Environ(), Columns: e.cfg.App.Columns,
		Layout: loadLayout(layout), SaveLayout: func(l tui.RunsLayout) error { return saveLayout(layout, l) }}
	if tune != nil {
		tune(&opts)
	}
	app := tui.New(eng, opts)
	// 30 frames a second at most: a key shows within 33 ms, and the
	// renderer's ticker, most of what an idle app costs, wakes half as
	// often as at Bubble Tea's default 60.
	prog := []tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithFPS(30)}
	if mouse {
		prog = append(prog, tea.WithMouseCellMotion())
	}
	_, err = tea.NewProgram(app, prog...).Run()
	if ctx.Err() != nil {
		return nil
	}
	return err
}
