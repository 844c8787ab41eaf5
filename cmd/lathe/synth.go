package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"lathe/runners/synth"
)

// synth writes synthetic training metrics: for tests, benchmarks and the
// demo. It is hidden from help.
func newSynthCmd() *cobra.Command {
	var (
		job  synth.Job
		out  string
		exit int
	)
	cmd := &cobra.Command{
		Use:    "synth",
		Short:  "Write synthetic training metrics (tests, benchmarks, demo)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
			if err := job.Run(metrics, log); err != nil {
				return err
			}
			if exit != 0 {
				return exitError{exit}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&job.Steps, "steps", 100, "number of steps")
	f.Float64Var(&job.Rate, "rate", 0, "steps a second (0: as fast as possible)")
	f.StringSliceVar(&job.Metrics, "metrics", []string{"loss", "acc"}, "metric names")
	f.Uint64Var(&job.Seed, "seed", 1, "random seed")
	f.StringVar(&out, "out", "", "file to append to (default $LATHE_METRICS_FILE, else stdout)")
	f.IntVar(&exit, "exit", 0, "exit with this code at the end (to play a failed run)")
	f.BoolVar(&job.NoTime, "no-time", false, "leave time out and let the engine stamp it")
	f.IntVar(&job.LogEvery, "log-every", 25, "print a progress line to stdout every this many steps, when the metrics go to a file (0: never)")
	f.BoolVar(&job.Diverge, "diverge", false, "the first metric blows up after 70% of the steps, then turns NaN")
	return cmd
}
