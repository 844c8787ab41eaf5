package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/client"
)

func newEngineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "engine",
		Short: "Start, stop or inspect the background engine",
		Long: `The engine is the background process that runs jobs and keeps the store.
Any command that needs it starts it; stopping it leaves jobs running, and the
next engine picks them up again.`,
	}
	cmd.AddCommand(newEngineStartCmd(), newEngineStopCmd(), newEngineStatusCmd())
	return cmd
}

func newEngineStartCmd() *cobra.Command {
	var foreground bool
	var gpus string
	var mlflowPort int
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the engine in the background (a no-op when it runs)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := loadEnv()
			if err != nil {
				return err
			}
			if gpus != "" {
				// The engine, here or in the background, reads it.
				os.Setenv("LATHE_GPUS", gpus)
			}
			if mlflowPort != 0 {
				if mlflowPort < 1 || mlflowPort > 65535 {
					return fmt.Errorf("--mlflow-port %d: want a TCP port, 1 to 65535", mlflowPort)
				}
				os.Setenv(envMLflowPort, strconv.Itoa(mlflowPort))
				e.cfg.MLflow.Port = mlflowPort
			}
			if foreground {
				log := slog.New(slog.NewTextHandler(os.Stderr, nil))
				return engine.ServeEngine(cmd.Context(), engine.Options{
					Paths: e.paths, Config: e.cfg, Log: log, Version: version,
				})
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := client.Connect(ctx, e.paths, exe, false)
			if err == nil {
				s, _ := c.Status(ctx)
				fmt.Fprintf(cmd.OutOrStdout(), "engine already running (pid %d, socket %s)\n", s.PID, s.Socket)
				if mlflowPort != 0 && (s.MLflow == nil || !strings.HasSuffix(s.MLflow.URI, ":"+strconv.Itoa(mlflowPort))) {
					return fmt.Errorf("the running engine does not serve MLflow on port %d: `lathe engine stop` (jobs keep running), then start it again with --mlflow-port", mlflowPort)
				}
				return nil
			}
			if !errors.Is(err, api.ErrNoEngine) {
				return err
			}
			c, err = client.Connect(ctx, e.paths, exe, true)
			if err != nil {
				return err
			}
			s, err := c.Status(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "engine started (pid %d, socket %s, log %s)\n", s.PID, s.Socket, e.paths.Log())
			return nil
		},
	}
	cmd.Flags().BoolVar(&foreground, "foreground", false, "run in this terminal instead of the background (logs to stderr)")
	cmd.Flags().StringVar(&gpus, "gpus", "", "GPU probe: `auto`, nvml, fake:N (N simulated GPUs) or none (default from config)")
	cmd.Flags().IntVar(&mlflowPort, "mlflow-port", 0, "serve MLflow's REST API on 127.0.0.1:`PORT` (default: [mlflow] port in config; `lathe mlflow env` prints what clients need)")
	return cmd
}

// jobsKeepRunning says what became of the running jobs when the engine
// stopped.
func jobsKeepRunning(n int) string {
	switch n {
	case 0:
		return "no job was running"
	case 1:
		return "1 running job keeps running"
	}
	return fmt.Sprintf("%d running jobs keep running", n)
}

func newEngineStopCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop the engine; running jobs keep running",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, e, err := running(ctx)
			if errors.Is(err, api.ErrNoEngine) {
				fmt.Fprintln(cmd.OutOrStdout(), "no engine is running")
				return nil
			}
			if errors.Is(err, api.ErrAPIMismatch) {
				// An engine of another version of lathe (an upgrade): it
				// stops on SIGTERM as on a shutdown request.
				return stopOtherEngine(ctx, e.paths, cmd.OutOrStdout())
			}
			if err != nil {
				return err
			}
			s, err := c.Status(ctx)
			if err != nil {
				return err
			}
			if err := c.Shutdown(ctx); err != nil {
				return err
			}
			if err := waitGone(ctx, s.PID, 15*time.Second); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "engine stopped (pid %d); %s\n", s.PID, jobsKeepRunning(s.Running))
			return nil
		},
	}
}

// waitGone waits for a process to exit.
func waitGone(ctx context.Context, pid int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for processExists(pid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the engine (pid %d) did not stop within %s", pid, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

func newEngineStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say whether the engine runs, and what it does",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, e, err := running(ctx)
			if errors.Is(err, api.ErrNoEngine) {
				if asJSON {
					return printJSON(cmd.OutOrStdout(), map[string]any{"running": false, "home": e.paths.Home})
				}
				fmt.Fprintf(cmd.OutOrStdout(), "no engine is running for %s\n", e.paths.Home)
				return exitError{3}
			}
			if err != nil {
				return err
			}
			s, err := c.Status(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), s)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "engine running (pid %d, up %s)\n", s.PID, time.Since(s.Started).Round(time.Second))
			fmt.Fprintf(w, "  home    %s\n  socket  %s\n  version %s (API %d)\n  jobs    %d running, %d queued\n",
				s.Home, s.Socket, s.Version, s.API, s.Running, s.Queued)
			fmt.Fprintf(w, "  gpus    %d (%s)\n", s.Devices, s.GPU.Backend)
			if s.GPU.Notice != "" {
				fmt.Fprintf(w, "          %s\n", s.GPU.Notice)
			}
			return nil
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// stopOtherEngine stops an engine this lathe cannot talk to (another
// version's) with SIGTERM, once its pid file names a lathe engine.
func stopOtherEngine(ctx context.Context, p api.Paths, w io.Writer) error {
	raw, err := os.ReadFile(p.PIDFile())
	if err != nil {
		return fmt.Errorf("the engine speaks another API and its pid file cannot be read: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("the engine speaks another API and its pid file %s holds %q", p.PIDFile(), raw)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if !strings.Contains(strings.ReplaceAll(string(cmdline), "\x00", " "), "engine start") {
		return fmt.Errorf("the engine speaks another API, and pid %d (from %s) is not a lathe engine", pid, p.PIDFile())
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop the engine (pid %d): %w", pid, err)
	}
	if err := waitGone(ctx, pid, 15*time.Second); err != nil {
		return err
	}
	fmt.Fprintf(w, "engine of another lathe version stopped (pid %d); its jobs keep running\n", pid)
	return nil
}
