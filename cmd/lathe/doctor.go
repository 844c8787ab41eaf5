package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/config"
	"lathe/store"
	"lathe/tui/format"
)

// check is one line of `lathe doctor`.
type check struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok, warn, fail; info: nothing to check
	Detail string `json:"detail"`
}

func newDoctorCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check what jobs need: the engine, the store, GPUs and their driver, Slurm, Python and torch",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			checks := diagnose(cmd.Context())
			failed := 0
			for _, c := range checks {
				if c.Status == "fail" {
					failed++
				}
			}
			if asJSON {
				printJSON(cmd.OutOrStdout(), checks)
			} else {
				marks := map[string]string{"ok": "✓", "warn": "!", "fail": "✗", "info": "-"}
				tw := newTable(cmd.OutOrStdout())
				for _, c := range checks {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", marks[c.Status], c.Name, c.Detail)
				}
				tw.Flush()
			}
			if failed > 0 {
				return fmt.Errorf("%s failed", format.Plural(failed, "check"))
			}
			return nil
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func diagnose(ctx context.Context) []check {
	var out []check
	add := func(name, status, format string, args ...any) {
		out = append(out, check{name, status, fmt.Sprintf(format, args...)})
	}
	add("lathe", "ok", "version %s", version)
	e, err := loadEnv()
	if err != nil {
		add("config", "fail", "%v", err)
		return out
	}
	out = append(out, configCheck(config.Path()))
	var st syscall.Statfs_t
	if err := os.MkdirAll(e.paths.Home, 0o700); err != nil {
		add("data", "fail", "%s: %v", e.paths.Home, err)
	} else if syscall.Statfs(e.paths.Home, &st) == nil {
		free := int64(st.Bavail) * st.Bsize
		status := "ok"
		if free < 1<<30 {
			status = "warn"
		}
		add("data", status, "%s (%s free)", e.paths.Home, gib(uint64(free)))
	}
	c, err := connect(ctx)
	if err != nil {
		add("engine", "fail", "%v", err)
		return out
	}
	s, err := c.Status(ctx)
	if err != nil {
		add("engine", "fail", "%v", err)
		return out
	}
	add("engine", "ok", "pid %d, socket %s, %d running, %d queued", s.PID, s.Socket, s.Running, s.Queued)
	if s.Stall != "" {
		add("ingest", "fail", "%s", s.Stall)
	}
	if s.Damaged > 0 {
		add("store", "fail", "%d damaged records are left out of listings: `lathe store check` names them; %s", s.Damaged, store.WayBack)
	}
	if stats, err := c.StoreStats(ctx); err != nil {
		add("store", "fail", "%v (try `lathe store check`)", err)
	} else {
		add("store", "ok", "%s, %s, schema %d, %d points", stats.Path, gib(uint64(stats.FileBytes)), stats.Schema, stats.Points)
	}
	switch {
	case s.Devices > 0:
		add("gpus", "ok", "%d via %s; driver %s, NVML %s, CUDA %s", s.Devices, s.GPU.Backend, orNA(s.GPU.Driver), orNA(s.GPU.NVML), orNA(s.GPU.CUDA))
	case s.GPU.Notice != "":
		add("gpus", "warn", "%s", s.GPU.Notice)
	default:
		add("gpus", "warn", "none found (%s); jobs run on CPU", s.GPU.Backend)
	}
	switch m := s.MLflow; {
	case m == nil:
		add("mlflow", "info", "endpoint off ([mlflow] port in config.toml, or `lathe engine start --mlflow-port N`, lets MLflow's clients log here)")
	case m.Error != "":
		add("mlflow", "fail", "endpoint down: %s; free the port or choose another, then restart the engine", m.Error)
	default:
		add("mlflow", "ok", "MLflow's clients log at %s (`eval \"$(lathe mlflow env)\"`)", m.URI)
	}
	out = append(out, slurmChecks(ctx, e.cfg, e.paths)...)
	out = append(out, pythonCheck(ctx))
	if _, err := exec.LookPath("git"); err != nil {
		add("git", "warn", "not found: runs will not record the commit of their code")
	} else {
		add("git", "ok", "runs record the commit of their folder")
	}
	return out
}

// configCheck ticks the config file that was read; none is no fault, but
// nothing was checked either.
func configCheck(path string) check {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return check{"config", "info", "no file: the defaults (`lathe config` prints them; write changes to " + path + ")"}
	}
	return check{"config", "ok", path}
}

// pythonCheck finds the Python a job would run and asks it about torch.
func pythonCheck(ctx context.Context) check {
	py, err := exec.LookPath("python3")
	if err != nil {
		return check{"python", "warn", "python3 not found on PATH"}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c",
		"import sys\ntry:\n import torch; t='torch '+torch.__version__+(' with CUDA' if torch.cuda.is_available() else ' (CPU only)')\nexcept Exception as e: t='no torch ('+type(e).__name__+')'\nprint(sys.version.split()[0], t)").Output()
	if err != nil {
		return check{"python", "warn", fmt.Sprintf("%s does not run: %v", py, err)}
	}
	text := strings.TrimSpace(string(out))
	status := "ok"
	if strings.Contains(text, "no torch") {
		status = "warn"
	}
	return check{"python", status, fmt.Sprintf("%s: %s", py, text)}
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}
