package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/filter"
	"lathe/tui/format"
)

func newPsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "ps",
		Aliases: []string{"jobs"},
		Short:   "List queued and running jobs, with each running one's CPU and memory",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]api.Run, error) {
				return c.Runs(ctx, api.RunQuery{Statuses: []api.Status{api.Queued, api.Running}})
			}, func(w io.Writer, runs []api.Run) error { return printPs(w, runs, time.Now(), isTerminal(w)) })
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// printPs writes the table of queued and running jobs; cut shortens the
// last values to fit a terminal.
func printPs(w io.Writer, runs []api.Run, now time.Time, cut bool) error {
	if len(runs) == 0 {
		fmt.Fprintln(w, "no jobs queued or running")
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tNAME\tEXPERIMENT\tSTATUS\tELAPSED\tGPUS\tCPU\tRSS\tPROGRESS\tLAST\tWAITING FOR")
	for _, r := range runs {
		cpu, rss := procNowText(r.ProcNow)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Experiment, statusText(r),
			format.Elapsed(r.Started, r.Ended, now), devicesText(r), cpu, rss, progress(r), clipFor(cut, lastValues(r), 36), cmp.Or(r.Stall, r.Waiting))
	}
	return tw.Flush()
}

// procNowText is a running job's CPU (percent of a core, as top writes it)
// and resident memory, "-" before its first reading.
func procNowText(st *api.ProcStats) (cpu, rss string) {
	if st == nil {
		return "-", "-"
	}
	return fmt.Sprintf("%.0f%%", st.CPUPercent), gib(st.RSS)
}

// progress is the last step against the total the job announced. Steps
// count from 0, so a run that succeeded at step total-1 did them all: it
// shows total/total, not one short.
func progress(r api.Run) string {
	step := r.LastStep()
	if r.Status == api.Succeeded && r.Total > 0 && step == r.Total-1 {
		step = r.Total
	}
	switch {
	case step < 0:
		return "-"
	case r.Total > 0:
		return fmt.Sprintf("%d/%d", step, r.Total)
	}
	return fmt.Sprintf("step %d", step)
}

// clipFor clips s for a terminal (cut), and leaves it whole for a pipe or
// a file, which a program reads.
func clipFor(cut bool, s string, n int) string {
	if !cut {
		return s
	}
	return clip(s, n)
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func newRunsCmd() *cobra.Command {
	var (
		asJSON  bool
		exp     string
		limit   int
		status  []string
		expr    string
		sortBy  string
		desc    bool
		columns []string
		deleted bool
	)
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List runs: newest first, or filtered and sorted by any field",
		Long: `List runs, newest first. --filter keeps the runs an expression selects, and
--sort orders them by any field (runs without it come last either way):

  lathe runs --filter 'params.lr < 0.01 and metrics.val_acc > 0.9' --sort metrics.val_loss
  lathe runs --filter 'name ~ "^bert-" and started > -24h' --sort duration --desc
  lathe runs --filter 'status in (failed, killed)' --columns name,status,params.lr,metrics.loss.min

Fields: params.NAME, metrics.NAME (its last value) and metrics.NAME.last|.min|.max|.count,
tags.NAME, status, name, experiment, id, duration, started, created, ended, gpus.
Operators: = != < <= > >= (as numbers when both sides are), ~ and !~ (regular
expressions), in (a, b), exists; and, or, not, parentheses. Strings in quotes,
bare words where unambiguous; durations as 90s, 2h, 3d; times as 2026-11-01 or
-24h (before now). A lone word matches names, ids and experiments.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			q := api.RunQuery{Experiment: exp, Limit: limit, Filter: expr, Sort: sortBy, Desc: desc, Deleted: deleted}
			for _, s := range status {
				st := api.Status(s)
				switch st {
				case api.Queued, api.Running, api.Succeeded, api.Failed, api.Killed, api.Lost:
				default:
					return fmt.Errorf("--status %q: want queued, running, succeeded, failed, killed or lost", s)
				}
				q.Statuses = append(q.Statuses, st)
			}
			// Parsed here too, so that an error points at its column.
			if _, err := filter.Parse(expr, now); err != nil {
				return err
			}
			if sortBy != "" {
				if _, err := filter.ParseField(sortBy); err != nil {
					return fmt.Errorf("--sort %s: %w", sortBy, err)
				}
			}
			cols, err := parseColumns(columns, isTerminal(cmd.OutOrStdout()))
			if err != nil {
				return err
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]api.Run, error) {
				return c.Runs(ctx, q)
			}, func(w io.Writer, runs []api.Run) error {
				if len(runs) == 0 {
					switch {
					case deleted:
						fmt.Fprintln(w, "no removed runs to restore")
					case expr != "" || exp != "" || len(status) > 0:
						fmt.Fprintln(w, "no run matches")
					default:
						fmt.Fprintln(w, "no runs yet: start one with `lathe run -- COMMAND`")
					}
					return nil
				}
				if deleted && len(columns) == 0 {
					return printRemoved(w, runs, now)
				}
				return printRuns(w, runs, cols, now)
			})
		},
	}
	jsonFlag(cmd, &asJSON, "")
	f := cmd.Flags()
	f.StringVar(&exp, "exp", "", "only runs of this experiment")
	f.IntVar(&limit, "limit", 0, "at most this many runs (0: all)")
	f.StringSliceVar(&status, "status", nil, "only runs in these states (comma-separated)")
	f.StringVar(&expr, "filter", "", "only the runs this expression selects (see above)")
	f.StringVar(&sortBy, "sort", "", "order by this field, ascending (metrics.val_loss, params.lr, duration, …)")
	f.BoolVar(&desc, "desc", false, "with --sort: descending")
	f.StringSliceVar(&columns, "columns", nil, "the columns to show, comma-separated: id, name, experiment, status, created, started, ended, duration, gpus, gpu-h, metrics, or any field (params.lr, metrics.loss.min, tags.team)")
	f.BoolVar(&deleted, "deleted", false, "list the removed runs that can still be restored (lathe restore RUN)")
	cmd.RegisterFlagCompletionFunc("sort", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"metrics.", "params.", "duration", "started", "created", "name", "status"}, cobra.ShellCompDirectiveNoSpace
	})
	return cmd
}

// column is a column of `lathe runs`.
type column struct {
	title string
	value func(r *api.Run, now time.Time) string
}

var defaultColumns = []string{"id", "name", "experiment", "status", "created", "duration", "gpus", "gpu-h", "metrics"}

// parseColumns reads --columns: the listing's own columns, or fields of
// the filter language. cut shortens long values to fit a terminal.
func parseColumns(names []string, cut bool) ([]column, error) {
	if len(names) == 0 {
		names = defaultColumns
	}
	cols := make([]column, 0, len(names))
	for _, n := range names {
		n = strings.TrimSpace(n)
		c := column{title: strings.ToUpper(n)}
		switch n {
		case "id":
			c.value = func(r *api.Run, _ time.Time) string { return r.ID }
		case "name":
			c.value = func(r *api.Run, _ time.Time) string { return r.Name }
		case "experiment":
			c.value = func(r *api.Run, _ time.Time) string { return r.Experiment }
		case "status":
			c.value = func(r *api.Run, _ time.Time) string { return statusText(*r) }
		case "created":
			c.value = func(r *api.Run, now time.Time) string { return ago(&r.Created, now) }
		case "started":
			c.value = func(r *api.Run, now time.Time) string { return ago(r.Started, now) }
		case "ended":
			c.value = func(r *api.Run, now time.Time) string { return ago(r.Ended, now) }
		case "duration":
			c.value = func(r *api.Run, now time.Time) string { return format.Elapsed(r.Started, r.Ended, now) }
		case "gpus":
			c.value = func(r *api.Run, _ time.Time) string { return devicesText(*r) }
		case "gpu-h":
			c.value = func(r *api.Run, _ time.Time) string { return gpuHours(*r) }
		case "metrics":
			c.value = func(r *api.Run, _ time.Time) string { return clipFor(cut, lastValues(*r), 60) }
		default:
			f, err := filter.ParseField(n)
			if err != nil {
				return nil, fmt.Errorf("--columns %s: %w", n, err)
			}
			c.title = f.String()
			c.value = func(r *api.Run, now time.Time) string { return fieldText(f, r, now) }
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// fieldText writes a field of a run; "-" when the run lacks it.
func fieldText(f filter.Field, r *api.Run, now time.Time) string {
	num, text, isNum, ok := f.Value(filter.Fields(r, now))
	switch {
	case !ok:
		return "-"
	case f.Kind == filter.Duration:
		return format.Duration(time.Duration(num))
	case isNum:
		return format.Number(num, 6)
	}
	return text
}

func printRuns(w io.Writer, runs []api.Run, cols []column, now time.Time) error {
	tw := newTable(w)
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	fmt.Fprintln(tw, strings.Join(titles, "\t"))
	cells := make([]string, len(cols))
	for i := range runs {
		for j, c := range cols {
			cells[j] = c.value(&runs[i], now)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// printRemoved lists removed runs with when they go for good.
func printRemoved(w io.Writer, runs []api.Run, now time.Time) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tNAME\tEXPERIMENT\tSTATUS\tREMOVED\tPURGED IN")
	for _, r := range runs {
		left := "-"
		if r.Deleted != nil {
			left = format.Duration(r.Deleted.Add(api.RetainRemoved).Sub(now))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Experiment, statusText(r), ago(r.Deleted, now), left)
	}
	fmt.Fprintln(tw, "\nbring one back with `lathe restore RUN`")
	return tw.Flush()
}

// lastValues renders the last value of each metric, by name.
func lastValues(r api.Run) string {
	names := sortedKeys(r.Metrics)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, n+"="+format.Number(float64(r.Metrics[n].Last), 6))
	}
	return strings.Join(parts, " ")
}

// devicesText is the GPUs a run holds, or how many it asks for.
func devicesText(r api.Run) string {
	switch {
	case len(r.Devices) > 0:
		return format.Devices(r.Devices)
	case r.GPUs > 0 || len(r.GPUIDs) > 0:
		return "(" + gpuAsk(r) + ")"
	}
	return "-"
}

func gpuHours(r api.Run) string {
	if r.Usage == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", r.Usage.GPUHours)
}
