package local

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"lathe/runners"
)

// Names of the files in a run directory (see the package comment).
const (
	specFile    = "spec.json"
	outputFile  = "output.log"
	metricsFile = "metrics.jsonl"
	shimLog     = "shim.log"
	handleFile  = "handle.json"
	exitFile    = "exit.json"
)

// Handle identifies a running job: a pid alone may be recycled, so every pid
// travels with its start time.
type Handle struct {
	ShimPID   int    `json:"shim_pid"`
	ShimStart uint64 `json:"shim_start"`
	JobPID    int    `json:"job_pid"` // also the job's process group id
	JobStart  uint64 `json:"job_start"`
	// Cgroup is the job's own cgroup v2 folder, "" when it has none (see
	// cgroup.go).
	Cgroup string `json:"cgroup,omitempty"`
}

// Exit records how a job ended.
type Exit struct {
	ExitCode int       `json:"exit_code"`
	Signal   string    `json:"signal,omitempty"`
	Error    string    `json:"error,omitempty"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
}

// spec is the part of spec.json that the shim needs; the engine may store
// more there.
type spec struct {
	Command []string `json:"command"`
	Cwd     string   `json:"cwd"`
	// PatchLimit is how many bytes of the job's git patch diff.patch keeps
	// (0: capture's default, 1 MiB).
	PatchLimit int64 `json:"patch_limit,omitempty"`
}

// ReadHandle reads handle.json from runDir. The error satisfies
// errors.Is(err, fs.ErrNotExist) when the shim has not written it (yet).
func ReadHandle(runDir string) (Handle, error) {
	var h Handle
	err := readJSON(filepath.Join(runDir, handleFile), &h)
	return h, err
}

// ReadExit reads exit.json from runDir. The error satisfies
// errors.Is(err, fs.ErrNotExist) when the job has not ended, or when the shim
// died before it could record the end.
func ReadExit(runDir string) (Exit, error) {
	var e Exit
	err := readJSON(filepath.Join(runDir, exitFile), &e)
	return e, err
}

func readSpec(runDir string) (spec, error) {
	var s spec
	err := readJSON(filepath.Join(runDir, specFile), &s)
	return s, err
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err // *PathError, keeps fs.ErrNotExist visible
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

// writeJSONAtomic writes v to dir/name as runners.WriteFileAtomic does.
func writeJSONAtomic(dir, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return runners.WriteFileAtomic(dir, name, append(b, '\n'))
}
