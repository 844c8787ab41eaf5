package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"lathe/tui"
)

// The layout chosen in the app is read back as saved, beside the
// configuration, which it leaves as the user wrote it; no file, or one
// that does not read, is the default.
func TestRunsLayoutFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	cfg := filepath.Join(dir, "lathe", "config.toml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
		t.Fatal(err)
	}
	const written = "# my settings\n[app]\ntheme = \"light\" # the light one\ncolumns = [\"lr\"]\n"
	if err := os.WriteFile(cfg, []byte(written), 0o644); err != nil {
		t.Fatal(err)
	}
	path := layoutPath()
	if filepath.Dir(path) != filepath.Dir(cfg) {
		t.Errorf("the layout at %s, not beside %s", path, cfg)
	}
	if got := loadLayout(path); !reflect.DeepEqual(got, tui.RunsLayout{}) {
		t.Errorf("no file: %+v", got)
	}
	want := tui.RunsLayout{Columns: []string{"metrics.loss", "params.lr"}, Sort: "loss", Desc: true}
	if err := saveLayout(path, want); err != nil {
		t.Fatal(err)
	}
	if got := loadLayout(path); !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v, want %+v", got, want)
	}
	none := tui.RunsLayout{Columns: []string{}}
	if err := saveLayout(path, none); err != nil {
		t.Fatal(err)
	}
	if got := loadLayout(path); got.Columns == nil || len(got.Columns) != 0 {
		t.Errorf("no columns chosen reads back as %#v: the automatic ones would show", got.Columns)
	}
	if raw, _ := os.ReadFile(cfg); string(raw) != written {
		t.Errorf("the configuration changed:\n%s", raw)
	}
	os.WriteFile(path, []byte("{not json"), 0o644)
	if got := loadLayout(path); !reflect.DeepEqual(got, tui.RunsLayout{}) {
		t.Errorf("a file that does not read: %+v", got)
	}
}
