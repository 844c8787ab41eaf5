package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/sweep"
	"lathe/tui/format"
)

func newSweepCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Search hyperparameters: start, show, stop, resume a sweep; register its best",
		Long: `A sweep runs one command many times with sampled params (grid, random or TPE
search), at most a few at once on the GPU queue, and stops weak trials early
from their live curves (ASHA). Each trial is an ordinary run, tagged with its
sweep and trial number; its params reach the command through {name}
placeholders, LATHE_PARAMS (JSON) and lathe.params() in the Python helper.

A sweep file:

  name = "digits-lr"
  experiment = "digits"
  command = ["python3", "train_digits.py", "--lr", "{lr}", "--hidden", "{hidden}"]
  metric = "val_acc"            # what the sweep optimises
  direction = "max"
  method = "tpe"                # grid | random | tpe
  trials = 40                   # at most; grid: all combinations unless fewer
  parallel = 4                  # at most this many at once
  gpus = 1                      # per trial, as lathe run --gpus
  seed = 7
  [params]
  lr = { distribution = "log_uniform", min = 1e-4, max = 1e-1 }
  hidden = { values = [64, 128, 256] }
  dropout = { distribution = "uniform", min = 0.0, max = 0.5 }
  [early_stop]                  # optional: asynchronous successive halving
  method = "asha"
  min_steps = 2                 # the first rung, in the trial's steps
  reduction = 3                 # keep the top 1/3 at each rung

Distributions: uniform, log_uniform, int, log_int, or values = [...].`,
	}
	cmd.AddCommand(newSweepStartCmd(), newSweepShowCmd(), newSweepStopCmd(), newSweepResumeCmd(), newSweepBestCmd())
	return cmd
}

func newSweepStartCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "start FILE",
		Short: "Check a sweep file and start the sweep; prints its id",
		Long: `Check a sweep file (every problem, one line each) and start the sweep: its
first trials are queued at once, the next as others end. The trials run in
this folder with this shell's environment, as lathe run's jobs do. Prints the
sweep's id; lathe sweep show ID follows it.`,
		Example: `  lathe sweep start digits.toml
  lathe sweep show $(lathe sweep start digits.toml)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("read the sweep file: %w", err)
			}
			// Checked here first, so every problem shows, each on its line.
			if _, err := sweep.Parse(filepath.Base(path), raw); err != nil {
				for _, line := range strings.Split(err.Error(), "\n") {
					fmt.Fprintln(cmd.ErrOrStderr(), "lathe: "+line)
				}
				return exitError{1}
			}
			cwd, err := os.Getwd()
			if err != nil {
				return err
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Sweep, error) {
				return c.StartSweep(ctx, api.SweepRequest{File: path, TOML: string(raw), Cwd: cwd, Env: os.Environ()})
			}, func(w io.Writer, s api.Sweep) error {
				fmt.Fprintln(w, s.ID)
				fmt.Fprintf(cmd.ErrOrStderr(), "sweep %s: %s, %s, %d at once, %s %s; its first trials are queued (lathe sweep show %s)\n",
					s.Name, s.Method, trialsLimit(s), s.Parallel, directionWord(s.Direction), s.Metric, s.Name)
				return nil
			})
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func newSweepsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sweeps",
		Short: "List the sweeps: their progress and best value",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]api.Sweep, error) {
				return c.Sweeps(ctx)
			}, func(w io.Writer, all []api.Sweep) error {
				if len(all) == 0 {
					_, err := fmt.Fprintln(w, "no sweeps yet: lathe sweep start FILE (lathe sweep --help shows a file)")
					return err
				}
				now := time.Now()
				tw := newTable(w)
				fmt.Fprintln(tw, "ID\tNAME\tSTATE\tTRIALS\tRUNNING\tSTOPPED\tFAILED\tBEST\tCREATED")
				for _, s := range all {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%s\t%d\t%d\t%d\t%s\t%s\n", s.ID, s.Name, s.State,
						s.Done+s.Stopped+s.Failed, maxTrials(s), s.Running, s.Stopped, s.Failed, bestText(s), ago(&s.Created, now))
				}
				return tw.Flush()
			})
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func newSweepShowCmd() *cobra.Command {
	var (
		asJSON bool
		sortBy string
	)
	cmd := &cobra.Command{
		Use:   "show SWEEP",
		Short: "Show a sweep: its trials with their params, state, value and rung, and the best",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if sortBy != "trial" && sortBy != "value" {
				return fmt.Errorf("--sort %q: trial or value", sortBy)
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Sweep, error) {
				return c.Sweep(ctx, args[0])
			}, func(w io.Writer, s api.Sweep) error { return printSweep(w, s, sortBy == "value") })
		},
	}
	cmd.Flags().StringVar(&sortBy, "sort", "trial", "order of the trials: trial, or value (the best first)")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func printSweep(w io.Writer, s api.Sweep, byValue bool) error {
	fmt.Fprintf(w, "sweep        %s (%s)\n", s.Name, s.ID)
	state := s.State
	if s.Reason != "" {
		state += ": " + s.Reason
	}
	fmt.Fprintf(w, "state        %s\n", state)
	fmt.Fprintf(w, "file         %s\n", s.File)
	fmt.Fprintf(w, "experiment   %s\n", s.Experiment)
	fmt.Fprintf(w, "search       %s, %s, %d at once, %s %s\n", s.Method, trialsLimit(s), s.Parallel, directionWord(s.Direction), s.Metric)
	if s.EarlyStop != "" {
		rungs := make([]string, len(s.Rungs))
		for i, r := range s.Rungs {
			rungs[i] = fmt.Sprint(r)
		}
		fmt.Fprintf(w, "early stop   %s at steps %s, …\n", s.EarlyStop, strings.Join(rungs, ", "))
	}
	fmt.Fprintf(w, "trials       %d done, %d running, %d stopped early, %d failed\n", s.Done, s.Running, s.Stopped, s.Failed)
	if b := s.Best; b != nil {
		fmt.Fprintf(w, "best         trial %d (%s): %s %s, %s\n", b.Trial, b.Name, s.Metric, format.Number(float64(b.Value), 4), paramsText(b.Params))
	}
	if len(s.Trials) == 0 {
		return nil
	}
	trials := slices.Clone(s.Trials)
	if byValue {
		maximize := s.Direction != "min"
		slices.SortStableFunc(trials, func(a, b api.SweepTrial) int { return compareValues(float64(a.Value), float64(b.Value), maximize) })
	}
	names := paramNames(trials)
	fmt.Fprintln(w)
	tw := newTable(w)
	fmt.Fprintf(tw, "TRIAL\tRUN\tSTATE\t%s\tRUNG\t%s\n", strings.ToUpper(s.Metric), strings.ToUpper(strings.Join(names, "\t")))
	for _, t := range trials {
		mark := ""
		if s.Best != nil && t.Trial == s.Best.Trial {
			mark = " *"
		}
		value := "-"
		if !math.IsNaN(float64(t.Value)) {
			value = format.Number(float64(t.Value), 4)
		}
		rung := cmp.Or(s.RungOf(t), "-")
		vals := make([]string, len(names))
		for i, n := range names {
			vals[i] = t.Params[n]
		}
		fmt.Fprintf(tw, "%d%s\t%s\t%s\t%s\t%s\t%s\n", t.Trial, mark, cmpOr(t.Name, t.Run), t.State, value, rung, strings.Join(vals, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range trials {
		if t.State == api.TrialStopped && t.Reason != "" {
			fmt.Fprintf(w, "trial %d: %s\n", t.Trial, t.Reason)
		}
	}
	return nil
}

// compareValues orders values best first in the direction; NaN last.
func compareValues(a, b float64, maximize bool) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a == b:
		return 0
	case (a > b) == maximize:
		return -1
	}
	return 1
}

func paramNames(trials []api.SweepTrial) []string {
	seen := map[string]bool{}
	for _, t := range trials {
		for k := range t.Params {
			seen[k] = true
		}
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func paramsText(params map[string]string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + "=" + params[k]
	}
	return strings.Join(parts, " ")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func trialsLimit(s api.Sweep) string {
	if s.MaxTrials == 0 {
		return "every grid point"
	}
	return "up to " + format.Plural(s.MaxTrials, "trial")
}

func maxTrials(s api.Sweep) string {
	if s.MaxTrials == 0 {
		return "grid"
	}
	return fmt.Sprint(s.MaxTrials)
}

func directionWord(d string) string {
	if d == "min" {
		return "minimising"
	}
	return "maximising"
}

func bestText(s api.Sweep) string {
	if s.Best == nil {
		return "-"
	}
	return s.Metric + "=" + format.Number(float64(s.Best.Value), 4)
}

func newSweepStopCmd() *cobra.Command {
	var kill, asJSON bool
	cmd := &cobra.Command{
		Use:   "stop SWEEP",
		Short: "Start no more trials (--kill: end the running ones too)",
		Long: `Stop a sweep starting trials; the running ones go on to their end (with --kill
they are killed, and the sweep is done). lathe sweep resume goes on.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Sweep, error) {
				return c.StopSweep(ctx, args[0], kill)
			}, func(w io.Writer, s api.Sweep) error {
				if kill {
					_, err := fmt.Fprintf(w, "sweep %s stopped; its %s killed\n", s.Name, format.Plural(s.Running, "running trial"))
					return err
				}
				_, err := fmt.Fprintf(w, "sweep %s stopped: it starts no more trials, its %s go on (lathe sweep resume %s)\n",
					s.Name, format.Plural(s.Running, "running trial"), s.Name)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&kill, "kill", false, "kill the running trials too")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func newSweepResumeCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "resume SWEEP",
		Short: "Have a stopped sweep start trials again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Sweep, error) {
				return c.ResumeSweep(ctx, args[0])
			}, func(w io.Writer, s api.Sweep) error {
				_, err := fmt.Fprintf(w, "sweep %s resumed: %s running\n", s.Name, format.Plural(s.Running, "trial"))
				return err
			})
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func newSweepBestCmd() *cobra.Command {
	var (
		model, description string
		asJSON             bool
	)
	cmd := &cobra.Command{
		Use:   "best SWEEP [--register MODEL]",
		Short: "Show a sweep's best trial; --register makes its run a model version",
		Example: `  lathe sweep best digits-lr
  lathe sweep best digits-lr --register digits`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" {
				return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.SweepTrial, error) {
					return bestOf(ctx, c, args[0])
				}, func(w io.Writer, b api.SweepTrial) error {
					_, err := fmt.Fprintf(w, "trial %d, run %s (%s): %s, %s\n", b.Trial, b.Name, b.Run, format.Number(float64(b.Value), 4), paramsText(b.Params))
					return err
				})
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.ModelVersion, error) {
				b, err := bestOf(ctx, c, args[0])
				if err != nil {
					return api.ModelVersion{}, err
				}
				return c.Register(ctx, api.RegisterRequest{Run: b.Run, Model: model,
					Description: cmpOr(description, fmt.Sprintf("sweep %s, trial %d: %s", args[0], b.Trial, paramsText(b.Params)))}, nil)
			}, func(w io.Writer, v api.ModelVersion) error {
				_, err := fmt.Fprintf(w, "registered %s version %d from run %s, the sweep's best\n", v.Model, v.Version, v.RunName)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&model, "register", "", "register the best trial's run as the next version of this model")
	cmd.Flags().StringVar(&description, "description", "", "what the version is (default: the sweep, trial and params)")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// bestOf is a sweep's best trial, or why it has none.
func bestOf(ctx context.Context, c *client.Client, ref string) (api.SweepTrial, error) {
	s, err := c.Sweep(ctx, ref)
	if err != nil {
		return api.SweepTrial{}, err
	}
	if s.Best == nil {
		return api.SweepTrial{}, fmt.Errorf("sweep %s has no trial with a value of %s yet (%d running)", s.Name, s.Metric, s.Running)
	}
	return *s.Best, nil
}
