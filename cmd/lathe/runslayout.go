package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"lathe/engine/config"
	"lathe/runners"
	"lathe/tui"
)

// The runs table's columns and sort as the user chose them in the app
// live in a file of the app's own beside the configuration: rewriting
// config.toml would lose the user's comments and layout, and a choice made
// in the app is the app's to keep. The configuration's [app] columns are
// the default until the user chooses.

// layoutPath is where the app keeps the runs table's layout.
func layoutPath() string { return filepath.Join(filepath.Dir(config.Path()), "runs-layout.json") }

// loadLayout reads the layout the user chose last; none yet, or a file
// that does not read, is the default (the configured columns).
func loadLayout(path string) tui.RunsLayout {
	var l tui.RunsLayout
	raw, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(raw, &l) != nil {
		return tui.RunsLayout{}
	}
	return l
}

// saveLayout writes the layout whole or not at all.
func saveLayout(path string, l tui.RunsLayout) error {
	raw, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("the app's layout: %w", err)
	}
	if err := runners.WriteFileAtomic(filepath.Dir(path), filepath.Base(path), append(raw, '\n')); err != nil {
		return fmt.Errorf("the app's layout: %w", err)
	}
	return nil
}
