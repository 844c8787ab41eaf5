package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"lathe/runners/synth"
)

// synth writes synthetic training metrics: for tests, benchmarks and the
// demo. It is hidden from help.
func newSynthCmd() *cobra.Command {
	var (
		job    synth.Job
		format string
		out    string
		exit   int
	)
	cmd := &cobra.Command{
		Use:    "synth",
		Short:  "Write synthetic training metrics (tests, benchmarks, demo)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := runSynth(cmd, job, format, out)
			if err == nil && exit != 0 {
				err = exitError{exit}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&job.Steps, "steps", 100, "number of steps")
	f.Float64Var(&job.Rate, "rate", 0, "steps a second (0: as fast as possible)")
	f.StringSliceVar(&job.Metrics, "metrics", []string{"loss", "acc"}, "metric names")
	f.Uint64Var(&job.Seed, "seed", 1, "random seed")
	f.StringVar(&format, "format", "lathe", "how the metrics are written: lathe (metrics lines), keras (Keras's progress bars on stdout), tfevents (a TensorBoard event file in --out), mlflow (MLflow's REST API at $MLFLOW_TRACKING_URI)")
	f.StringVar(&out, "out", "", "file to append to (default $LATHE_METRICS_FILE, else stdout); with --format tfevents the folder (default $LATHE_RUN_DIR/tb)")
	f.IntVar(&exit, "exit", 0, "exit with this code at the end (to play a failed run)")
	f.BoolVar(&job.NoTime, "no-time", false, "leave time out and let the engine stamp it")
	f.IntVar(&job.LogEvery, "log-every", 25, "print a progress line to stdout every this many steps, when the metrics go to a file (0: never)")
	f.BoolVar(&job.Diverge, "diverge", false, "the first metric blows up after 70% of the steps, then turns NaN")
	return cmd
}

func runSynth(cmd *cobra.Command, job synth.Job, format, out string) error {
	switch format {
	case "keras":
		return job.Keras(os.Stdout)
	case "tfevents":
		if out == "" {
			out = filepath.Join(os.Getenv("LATHE_RUN_DIR"), "tb")
		}
		return job.TFEvents(out)
	case "mlflow":
		return job.MLflow(cmd.Context(), os.Getenv("MLFLOW_TRACKING_URI"), os.Getenv("MLFLOW_TRACKING_TOKEN"), os.Getenv("MLFLOW_RUN_ID"))
	case "lathe":
	default:
		return fmt.Errorf("--format %q: the formats are lathe, keras, tfevents and mlflow", format)
	}
	path := out
	if path == "" {
		path = os.Getenv("LATHE_METRICS_FILE")
	}
	var metrics, log io.Writer = os.Stdout, nil
	if path != "" && path != "-" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		// Written to a file, the metrics leave stdout for a log a
		// person reads, as a training script prints.
		metrics, log = f, os.Stdout
	}
	return job.Run(metrics, log)
}
