// Package python ships lathe's Python helpers inside the binary: lathe.py
// (the metrics-file writer, standard library only) and a wandb module that
// logs into lathe (`lathe run --wandb`), written into a job's run folder
// and put first on its PYTHONPATH.
package python

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed lathe.py
var latheModule []byte

//go:embed wandb/__init__.py
var wandbModule []byte

// WriteModules writes lathe.py and the wandb package into dir (made if
// missing) and returns dir, the folder to put first on PYTHONPATH.
func WriteModules(dir string) (string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "wandb"), 0o755); err != nil {
		return "", fmt.Errorf("python modules: %w", err)
	}
	for name, body := range map[string][]byte{"lathe.py": latheModule, filepath.Join("wandb", "__init__.py"): wandbModule} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return "", fmt.Errorf("python modules: %w", err)
		}
	}
	return dir, nil
}
