package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/config"
	"lathe/engine/filter"
	"lathe/runners/local"
	"lathe/tui/format"
)

// Flags of the app (lathe with no command).
var (
	appTheme string
	appMouse bool
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// exitError carries an exit code without a message (lathe wait gives the
// job's own code).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	// The shim is started for every job: skip everything it does not need,
	// including the signal handling below (it handles signals itself).
	if len(os.Args) == 3 && os.Args[1] == "shim" {
		os.Exit(local.RunShim(os.Args[2]))
	}
	// A hang-up (the SSH connection dropped, the terminal closed) ends a
	// command as ctrl-c does: the demo then stops what it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	root := newRoot()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return
	}
	var ee exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	fmt.Fprintln(os.Stderr, "lathe: "+oneLine(err.Error()))
	// A filter that does not parse: show where.
	var fe *filter.Error
	if errors.As(err, &fe) {
		line, caret := format.Caret(fe.Expr, fe.Pos)
		fmt.Fprintln(os.Stderr, "  "+line)
		fmt.Fprintln(os.Stderr, "  "+caret)
	}
	os.Exit(1)
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "lathe",
		Short: "A terminal workbench for training models on GPU machines",
		Long: `lathe queues and launches training jobs, captures their logs and metrics,
and keeps experiments and runs in one file. Jobs run under a background
engine and keep running when your terminal or SSH connection goes away.

Start a job with 'lathe run -- python3 train.py', watch it with 'lathe ps',
'lathe logs -f RUN' and 'lathe show RUN'.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Without a terminal (a pipe, a script) the app cannot draw:
			// explain instead.
			if !term.IsTerminal(int(os.Stdout.Fd())) || !term.IsTerminal(int(os.Stdin.Fd())) {
				return cmd.Help()
			}
			return runApp(cmd.Context(), appTheme, appMouse)
		},
	}
	root.Flags().StringVar(&appTheme, "theme", "", "colours of the app: dark, light, high-contrast or no-colour (default from config; NO_COLOR wins)")
	root.Flags().BoolVar(&appMouse, "mouse", false, "let the app take the mouse (terminal text selection then needs shift)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%v (see `%s --help`)", err, cmd.CommandPath())
	})
	root.AddCommand(
		newRunCmd(), newPsCmd(), newRunsCmd(), newShowCmd(), newLogsCmd(), newMetricsCmd(),
		newWaitCmd(), newKillCmd(), newRmCmd(), newRestoreCmd(), newCompareCmd(), newEngineCmd(), newConfigCmd(), newDemoCmd(), newStoreCmd(), newGPUsCmd(), newDoctorCmd(), newShimCmd(), newSynthCmd(),
		newRegisterCmd(), newModelsCmd(), newModelCmd(), newAliasCmd(), newLineageCmd(), newRerunCmd(),
		newPolicyCmd(), newPromoteCmd(), newApproveCmd(), newRejectCmd(), newRollbackCmd(), newRequestsCmd(), newAuditCmd(),
		newDriftCmd(), newImportCmd(), newMlflowCmd(), newClusterCmd(), newSweepCmd(), newSweepsCmd(),
	)
	return root
}

// oneLine keeps the first line of a message: a user sees one line, never a
// dump.
func oneLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

// env is what every command needs: the data directory and configuration.
type env struct {
	paths api.Paths
	cfg   config.Config
}

func loadEnv() (env, error) {
	p, err := api.NewPaths(api.DefaultHome())
	if err != nil {
		return env{}, err
	}
	cfg, err := config.Load(config.Path())
	if err != nil {
		return env{}, err
	}
	if v := os.Getenv(envMLflowPort); v != "" {
		// `lathe engine start --mlflow-port N`, passed to the engine it starts.
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			return env{}, fmt.Errorf("%s=%q: want a TCP port, 1 to 65535", envMLflowPort, v)
		}
		cfg.MLflow.Port = port
	}
	return env{paths: p, cfg: cfg}, nil
}

// envMLflowPort carries --mlflow-port to the engine a command starts.
const envMLflowPort = "LATHE_MLFLOW_PORT"

// running returns a client of the engine that runs, without starting one:
// the error is api.ErrNoEngine when none does.
func running(ctx context.Context) (*client.Client, env, error) {
	e, err := loadEnv()
	if err != nil {
		return nil, e, err
	}
	c, err := client.Connect(ctx, e.paths, "", false)
	return c, e, err
}

// connect returns a client of the engine, starting one when none runs.
func connect(ctx context.Context) (*client.Client, error) {
	e, err := loadEnv()
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find lathe's own binary: %w", err)
	}
	c, err := client.Connect(ctx, e.paths, exe, true)
	if err == nil && c.Spawned() {
		// An engine that starts may have upgraded the store: say so once.
		if s, err := c.Status(ctx); err == nil && s.Upgrade != nil {
			fmt.Fprintf(os.Stderr, "lathe: upgraded the store from schema %d to %d; the file as it was is kept in %s\n",
				s.Upgrade.From, s.Upgrade.To, s.Upgrade.Backup)
		}
	}
	return c, err
}
