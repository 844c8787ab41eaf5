package engine

import (
	"path/filepath"
	"strings"

	"lathe/runners/python"
)

// wandbEnv writes lathe's wandb module (and lathe.py) into the run folder
// and puts that folder first on the job's PYTHONPATH.
func wandbEnv(runDir string, env []string) ([]string, error) {
	dir, err := python.WriteModules(filepath.Join(runDir, "python"))
	if err != nil {
		return env, err
	}
	path := dir
	out := env[:0:0]
	for _, kv := range env {
		if old, ok := strings.CutPrefix(kv, "PYTHONPATH="); ok {
			if old != "" {
				path += ":" + old
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PYTHONPATH="+path), nil
}
