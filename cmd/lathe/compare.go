package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/tui/format"
)

func newCompareCmd() *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "compare RUN RUN…",
		Short: "Set runs side by side: the params that differ, metrics with the best marked, GPU use",
		Long: `Set runs side by side: the params whose values differ (--all: every param),
each metric's last, min and max with the best run marked ★ by the metric's
direction (names with loss, error, mse… lower is better; acc, f1, auc…
higher; set others in the config under [metrics.direction]), and each run's
duration, GPU-hours, energy and cost.`,
		Example:           "  lathe compare resnet-baseline resnet-lr-0.3\n  lathe compare --json a1b2 c3d4 e5f6",
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Comparison, error) {
				return c.Compare(ctx, args)
			}, func(w io.Writer, cmp api.Comparison) error { return printComparison(w, cmp, all) })
		},
	}
	jsonFlag(cmd, &asJSON, "")
	cmd.Flags().BoolVar(&all, "all", false, "show the params that are the same too")
	return cmd
}

// printComparison writes a comparison as tables, one column per run.
func printComparison(w io.Writer, c api.Comparison, all bool) error {
	tw := newTable(w)
	head := []string{""}
	for _, r := range c.Runs {
		head = append(head, r.Name+" ("+r.ID[:8]+")")
	}
	row := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	// A title fills every column, so that tabwriter aligns the whole table
	// as one block.
	title := func(s string) { row(append([]string{s}, make([]string, len(c.Runs))...)...) }
	row(head...)

	params := sortedKeys(c.Params.Differ)
	if all {
		params = append(params, sortedKeys(c.Params.Same)...)
		slices.Sort(params)
	}
	if len(params) > 0 {
		title("PARAMS")
	}
	for _, name := range params {
		cells := []string{"  " + name}
		for _, r := range c.Runs {
			v, differs := c.Params.Differ[name]
			switch {
			case !differs:
				cells = append(cells, c.Params.Same[name])
			case v[r.ID] == nil:
				cells = append(cells, "—")
			default:
				cells = append(cells, *v[r.ID])
			}
		}
		row(cells...)
	}
	if n := len(c.Params.Same); n > 0 && !all {
		title(fmt.Sprintf("  (%d the same; --all shows them)", n))
	}

	if len(c.Metrics) > 0 {
		title("METRICS (last, min–max)")
	}
	for _, name := range sortedKeys(c.Metrics) {
		m := c.Metrics[name]
		label := "  " + name
		switch m.Direction {
		case "min":
			label += " ↓"
		case "max":
			label += " ↑"
		}
		cells := []string{label}
		for _, r := range c.Runs {
			s := m.ByRun[r.ID]
			if s == nil {
				cells = append(cells, "—")
				continue
			}
			cell := fmt.Sprintf("%s (%s–%s)", format.Number(float64(s.Last), 6), format.Number(float64(s.Min), 6), format.Number(float64(s.Max), 6))
			if m.Best == r.ID {
				cell = "★ " + cell
			}
			cells = append(cells, cell)
		}
		row(cells...)
	}

	title("USAGE")
	usage := []struct {
		name string
		text func(u api.RunUsage) string
	}{
		{"duration", func(u api.RunUsage) string {
			return format.Duration(time.Duration(u.DurationS * float64(time.Second)))
		}},
		{"GPU-hours", func(u api.RunUsage) string { return fmt.Sprintf("%.3f", u.GPUHours) }},
		{"energy Wh", func(u api.RunUsage) string { return fmt.Sprintf("%.1f", u.EnergyWh) }},
		{"cost", func(u api.RunUsage) string { return fmt.Sprintf("%.2f", u.Cost) }},
		{"peak GPU memory GiB", func(u api.RunUsage) string { return fmt.Sprintf("%.1f", u.PeakMemGB) }},
		{"mean GPU util %", func(u api.RunUsage) string { return fmt.Sprintf("%.0f", u.MeanUtil) }},
	}
	for _, u := range usage {
		cells := []string{"  " + u.name}
		for _, r := range c.Runs {
			cells = append(cells, u.text(c.Usage[r.ID]))
		}
		row(cells...)
	}
	return tw.Flush()
}
