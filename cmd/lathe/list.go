package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine"
	"lathe/store"
	"lathe/tui"
)

func newPsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List queued and running jobs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			runs, err := c.Runs(ctx, engine.RunQuery{Statuses: []store.Status{store.Queued, store.Running}})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), runs)
			}
			return printPs(cmd.OutOrStdout(), runs, time.Now())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// printPs writes the table of queued and running jobs.
func printPs(w io.Writer, runs []engine.Run, now time.Time) error {
	if len(runs) == 0 {
		fmt.Fprintln(w, "no jobs queued or running")
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tNAME\tEXPERIMENT\tSTATUS\tELAPSED\tGPUS\tPROGRESS\tLAST\tWAITING FOR")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Experiment, r.Status,
			tui.Elapsed(r, now), devicesText(r), progress(r), clip(lastValues(r), 36), r.Waiting)
	}
	return tw.Flush()
}

// progress is the last step against the total the job announced.
func progress(r engine.Run) string {
	var step int64 = -1
	for _, m := range r.Metrics {
		step = max(step, m.LastStep)
	}
	switch {
	case step < 0:
		return "-"
	case r.Total > 0:
		return fmt.Sprintf("%d/%d", step, r.Total)
	}
	return fmt.Sprintf("step %d", step)
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func newRunsCmd() *cobra.Command {
	var (
		asJSON bool
		exp    string
		limit  int
		status []string
	)
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q := engine.RunQuery{Experiment: exp, Limit: limit}
			for _, s := range status {
				st := store.Status(s)
				switch st {
				case store.Queued, store.Running, store.Succeeded, store.Failed, store.Killed, store.Lost:
				default:
					return fmt.Errorf("--status %q: want queued, running, succeeded, failed, killed or lost", s)
				}
				q.Statuses = append(q.Statuses, st)
			}
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			runs, err := c.Runs(ctx, q)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), runs)
			}
			if len(runs) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no runs yet: start one with `lathe run -- COMMAND`")
				return nil
			}
			now := time.Now()
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "ID\tNAME\tEXPERIMENT\tSTATUS\tCREATED\tDURATION\tGPUS\tGPU-H\tMETRICS")
			for _, r := range runs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Experiment, statusText(r),
					ago(&r.Created, now), tui.Elapsed(r, now), devicesText(r), gpuHours(r), clip(lastValues(r), 60))
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print as JSON")
	f.StringVar(&exp, "exp", "", "only runs of this experiment")
	f.IntVar(&limit, "limit", 0, "at most this many runs (0: all)")
	f.StringSliceVar(&status, "status", nil, "only runs in these states (comma-separated)")
	return cmd
}

// lastValues renders the last value of each metric, by name.
func lastValues(r engine.Run) string {
	names := sortedKeys(r.Metrics)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, n+"="+formatFloat(float64(r.Metrics[n].Last)))
	}
	return strings.Join(parts, " ")
}

// devicesText is the GPUs a run holds, or how many it asks for.
func devicesText(r engine.Run) string {
	switch {
	case len(r.Devices) > 0:
		return tui.DevicesText(r.Devices)
	case r.GPUs > 0 || len(r.GPUIDs) > 0:
		return "(" + gpuAsk(r) + ")"
	}
	return "-"
}

func gpuHours(r engine.Run) string {
	if r.Usage == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", r.Usage.GPUHours)
}
