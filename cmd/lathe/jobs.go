package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/filter"
	"lathe/tui/format"
)

func newMetricsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "metrics RUN [NAME]",
		Short: "List a run's metrics, or print every point of one",
		Long: `List a run's metrics: each one's last, least and greatest value, how many
points it has and its last step. With NAME, print every point of that metric.`,
		Args:              cobra.RangeArgs(1, 2),
		ValidArgsFunction: completeRunThenMetric,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]metricRow, error) {
					r, err := c.Run(ctx, args[0])
					return metricRows(r.Metrics), err
				}, printMetricRows)
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]api.Point, error) {
				return c.Metric(ctx, args[0], args[1])
			}, printPoints)
		},
	}
	jsonFlag(cmd, &asJSON, `print as JSON: [{"name", "last", "min", "max", "count", "last_step"}], or with NAME [{"step", "time", "value"}]; NaN and ±Inf as strings`)
	return cmd
}

// metricRow is one metric of a run in `lathe metrics RUN`.
type metricRow struct {
	Name string `json:"name"`
	api.MetricSummary
}

// metricRows are a run's metrics by name.
func metricRows(ms map[string]api.MetricSummary) []metricRow {
	rows := make([]metricRow, 0, len(ms))
	for _, n := range sortedKeys(ms) {
		rows = append(rows, metricRow{n, ms[n]})
	}
	return rows
}

func printMetricRows(w io.Writer, rows []metricRow) error {
	if len(rows) == 0 {
		fmt.Fprintln(w, "no metrics yet")
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "METRIC\tLAST\tMIN\tMAX\tCOUNT\tLAST STEP")
	for _, m := range rows {
		name := m.Name
		if utf8.RuneCountInString(name) > metricNameColumn {
			// Whole, on a line of its own (no cell, so it widens no
			// column): one long name does not pad every other row.
			fmt.Fprintln(tw, name)
			name = ""
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", name, format.Number(float64(m.Last), 6),
			format.Number(float64(m.Min), 6), format.Number(float64(m.Max), 6), m.Count, m.LastStep)
	}
	return tw.Flush()
}

// metricNameColumn is the widest metric name kept in the table's column.
const metricNameColumn = 48

// completeRunThenMetric completes a run, then the names of its metrics.
func completeRunThenMetric(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return completeRuns(cmd, args, toComplete)
	}
	if len(args) > 1 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx := cmd.Context()
	c, _, err := running(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	r, err := c.Run(ctx, args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range sortedKeys(r.Metrics) {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, n+"\tlast "+format.Number(float64(r.Metrics[n].Last), 6))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func printPoints(w io.Writer, pts []api.Point) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "STEP\tTIME\tVALUE")
	for _, p := range pts {
		t := time.UnixMicro(int64(p.Time * 1e6)).Local().Format("2006-01-02 15:04:05.000")
		fmt.Fprintf(tw, "%d\t%s\t%s\n", p.Step, t, format.Number(float64(p.Value), 6))
	}
	return tw.Flush()
}

func newWaitCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "wait RUN",
		Short: "Wait for a run to end; exit with its exit code",
		Long: `Wait for a run to end and exit with its exit code: 0 when it succeeded,
the job's own code when it failed, 128+N when a signal N ended it (killed runs),
and 1 when it was lost.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var r api.Run
			err := withEngine(ctx, func(c *client.Client) (err error) {
				r, err = c.Wait(ctx, args[0])
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				printJSON(cmd.OutOrStdout(), r)
			} else if r.Reason != "" {
				fmt.Fprintf(os.Stderr, "%s %s: %s\n", r.Name, r.Status, r.Reason)
			}
			if code := r.WaitExitCode(); code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	jsonFlag(cmd, &asJSON, "print the ended run as JSON")
	return cmd
}

func newKillCmd() *cobra.Command {
	var (
		now, noWait, yes bool
		expr             string
	)
	cmd := &cobra.Command{
		Use:   "kill RUN… | --filter EXPR",
		Short: "Stop runs: SIGTERM to each one's whole process tree, then SIGKILL",
		Long: `Stop runs, named by id, name or id prefix, or every queued or running run
a filter selects (the language of 'lathe runs --filter'; it says how many and
asks first when more than one, unless --yes). A queued run is removed from the
queue. A running one gets SIGTERM on its whole process tree, then SIGKILL
after the grace period (jobs.kill_grace, default 10s); --now sends SIGKILL at
once. lathe kill returns when the runs have ended.`,
		Example: `  lathe kill bert-7
  lathe kill bert-7 bert-8
  lathe kill --filter 'experiment = sweep and params.lr > 0.1'`,
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 0) == (expr == "") {
				return fmt.Errorf("name the runs to kill, or give --filter (not both)")
			}
			if _, err := filter.Parse(expr, time.Now()); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			runs, err := runsToKill(ctx, c, args, expr)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(runs) == 0 {
				fmt.Fprintln(w, "no queued or running run matches: nothing killed")
				return nil
			}
			if expr != "" && len(runs) > 1 && !yes {
				question := fmt.Sprintf("kill %s?", runList(runs))
				if !term.IsTerminal(int(os.Stdin.Fd())) {
					return fmt.Errorf("%s — no terminal to ask on: pass --yes", question)
				}
				if !confirm(cmd.InOrStdin(), cmd.ErrOrStderr(), question) {
					fmt.Fprintln(w, "nothing killed")
					return nil
				}
			}
			return killRuns(ctx, c, w, cmd.ErrOrStderr(), runs, now, !noWait)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&now, "now", false, "SIGKILL at once, without the grace period")
	f.BoolVar(&noWait, "no-wait", false, "return once the signals are sent")
	f.StringVar(&expr, "filter", "", "kill every queued or running run this expression selects")
	f.BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}

// runsToKill resolves the runs named, all of them before any is killed (a
// typo kills nothing), or lists the active runs the filter selects.
func runsToKill(ctx context.Context, c *client.Client, refs []string, expr string) ([]api.Run, error) {
	if expr != "" {
		return c.Runs(ctx, api.RunQuery{Filter: expr, Statuses: []api.Status{api.Queued, api.Running}})
	}
	runs := make([]api.Run, 0, len(refs))
	seen := map[string]bool{}
	for _, ref := range refs {
		r, err := c.Run(ctx, ref)
		if err != nil {
			return nil, err
		}
		if !seen[r.ID] {
			seen[r.ID] = true
			runs = append(runs, r)
		}
	}
	return runs, nil
}

// killRuns signals each run, then waits for each to end, and prints how
// each ended; one that cannot be killed (it ended meanwhile) is said and
// the others go on.
func killRuns(ctx context.Context, c *client.Client, w, errw io.Writer, runs []api.Run, now, wait bool) error {
	var killed []api.Run
	var failed []string
	for _, r := range runs {
		k, err := c.Kill(ctx, r.ID, now)
		if err != nil {
			fmt.Fprintf(errw, "%s: %v\n", r.Name, err)
			failed = append(failed, r.Name)
			continue
		}
		killed = append(killed, k)
	}
	for _, r := range killed {
		if wait {
			err := withEngine(ctx, func(c *client.Client) (err error) {
				r, err = c.Wait(ctx, r.ID)
				return err
			})
			if err != nil {
				return err
			}
		}
		fmt.Fprintf(w, "%s %s\n", r.ID, r.Status)
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not kill %s", strings.Join(failed, ", "))
	}
	return nil
}

// withEngine calls f with a client of the engine, and again with a new one
// (starting an engine) when the engine stopped or went away meanwhile: jobs
// outlive engines, and so do the commands that wait for them.
func withEngine(ctx context.Context, f func(*client.Client) error) error {
	const maxRetries = 20
	for attempt := 0; ; attempt++ {
		c, err := connect(ctx)
		if err != nil {
			return err
		}
		start := time.Now()
		err = f(c)
		c.Close()
		if time.Since(start) > 5*time.Second {
			attempt = 0 // it was working: only quick failures in a row count
		}
		if err == nil || !client.Reconnectable(err) || ctx.Err() != nil || attempt == maxRetries {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		}
	}
}

// countingWriter counts what went through it, so a stream can resume.
type countingWriter struct {
	w io.Writer
	n int64
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}
