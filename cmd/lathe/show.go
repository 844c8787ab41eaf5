package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/tui/format"
)

func newShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:               "show RUN",
		Short:             "Show everything about a run",
		Long:              "Show everything about a run. RUN is an id, a unique id prefix or a unique name.",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Run, error) {
				return c.Run(ctx, args[0])
			}, func(w io.Writer, r api.Run) error { showRun(w, r, time.Now()); return nil })
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func showRun(w io.Writer, r api.Run, now time.Time) {
	row := func(k, v string) { fmt.Fprintf(w, "%-12s %s\n", k, v) }
	row("run", fmt.Sprintf("%s (%s)", r.Name, r.ID))
	row("experiment", r.Experiment)
	st := statusText(r)
	if r.Reason != "" {
		st += ": " + r.Reason
	}
	if r.Waiting != "" {
		st += ": " + r.Waiting
	}
	if r.Stall != "" {
		st += ": " + r.Stall
	}
	row("status", st)
	if r.Deleted != nil {
		row("removed", fmt.Sprintf("%s; `lathe restore %s` brings it back until %s", ago(r.Deleted, now), r.ID,
			r.Deleted.Add(api.RetainRemoved).Local().Format(time.DateTime)))
	}
	if o := r.Origin(); o != "" {
		row("command", o)
	} else {
		row("command", format.Command(r.Command))
	}
	row("cwd", r.Cwd)
	if q := r.Queue; q != nil {
		row(q.Scheduler, q.String())
	}
	if r.Git != nil {
		g := r.Git.Commit
		if r.Git.Dirty {
			g += " (uncommitted changes)"
		}
		row("git", g)
	}
	row("user", r.User+"@"+r.Host)
	row("created", r.Created.Local().Format(time.DateTime))
	if r.Started != nil {
		row("started", r.Started.Local().Format(time.DateTime))
	}
	if r.Ended != nil {
		row("ended", r.Ended.Local().Format(time.DateTime))
	}
	row("duration", format.Elapsed(r.Started, r.Ended, now))
	if p := progress(r); r.Total > 0 {
		row("progress", p)
	}
	row("folder", r.Dir)
	if r.GPUs > 0 || len(r.GPUIDs) > 0 || len(r.Devices) > 0 {
		g := "asked " + gpuAsk(r)
		if len(r.Devices) > 0 {
			g += fmt.Sprintf("; given %v", r.Devices)
		}
		row("gpus", g)
	}
	if u := r.Usage; u != nil {
		use := fmt.Sprintf("%.3f GPU-hours, %.1f Wh, peak memory %s, mean utilisation %.0f%%",
			u.GPUHours, u.EnergyWh, gib(uint64(u.PeakGPUMemBytes)), u.MeanGPUUtil)
		if u.Cost > 0 {
			use += fmt.Sprintf(", cost %.2f", u.Cost)
		}
		row("gpu use", use)
	}
	if p := r.Proc; p != nil {
		use := fmt.Sprintf("peak memory %s, mean CPU %.0f%% of a core", gib(p.PeakRSS), p.MeanCPUPercent)
		if n := r.ProcNow; n != nil {
			use += fmt.Sprintf("; now %.0f%%, %s in %s", n.CPUPercent, gib(n.RSS), format.Plural(n.Procs, "process"))
		}
		row("cpu use", use)
	}
	if r.Priority != 0 {
		row("priority", strconv.Itoa(r.Priority))
	}
	if r.After != "" {
		row("after", r.After)
	}
	if len(r.Params) > 0 {
		row("params", pairs(r.Params))
	}
	if len(r.Tags) > 0 {
		row("tags", pairs(r.Tags))
	}
	if len(r.Metrics) > 0 {
		fmt.Fprintln(w)
		printMetricRows(w, metricRows(r.Metrics))
	}
	if len(r.Evals) > 0 {
		fmt.Fprintln(w)
		tw := newTable(w)
		fmt.Fprintln(tw, "EVAL SLICE\tMETRICS")
		for _, s := range sortedKeys(r.Evals) {
			parts := []string{}
			for _, k := range sortedKeys(r.Evals[s]) {
				parts = append(parts, k+"="+format.Number(float64(r.Evals[s][k]), 6))
			}
			fmt.Fprintf(tw, "%s\t%s\n", s, strings.Join(parts, " "))
		}
		tw.Flush()
	}
	if len(r.Artifacts) > 0 {
		fmt.Fprintln(w)
		for _, a := range r.Artifacts {
			row("artifact", a.Name+"  "+a.Path)
		}
	}
	if len(r.Datasets) > 0 {
		fmt.Fprintln(w)
		showDatasets(w, r.Datasets)
	}
	showEnvironment(w, r.Environment)
	if r.InvalidLines > 0 {
		fmt.Fprintln(w)
		row("invalid", fmt.Sprintf("%s could not be read; the first: %s", format.Plural(int(r.InvalidLines), "line"), r.FirstInvalid))
	}
}

// showDatasets lists the data sets a run named: what the engine found at
// each path, or why it could not read it.
func showDatasets(w io.Writer, ds []api.Dataset) {
	tw := newTable(w)
	fmt.Fprintln(tw, "DATA\tROLE\tPATH\tSIZE\tSHA256")
	for _, d := range ds {
		size, digest := "-", "digesting…"
		switch {
		case d.Error != "":
			digest = d.Error
		case d.SHA256 != "":
			size = gib(uint64(d.Size))
			if d.Kind == "dir" {
				size += " in " + format.Plural(d.Files, "file")
			}
			digest = d.SHA256[:min(12, len(d.SHA256))]
			if d.Partial {
				digest += " (partial)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Name, cmp.Or(d.Role, "-"), d.Path, size, digest)
	}
	tw.Flush()
}

func sortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	return slices.Sorted(maps.Keys(m))
}

func pairs(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

// gpuAsk says what a run asked of GPUs.
func gpuAsk(r api.Run) string {
	s := fmt.Sprintf("%d", max(r.GPUs, len(r.GPUIDs)))
	if len(r.GPUIDs) > 0 {
		s = fmt.Sprintf("GPUs %v", r.GPUIDs)
	}
	if r.MinGPUMem > 0 {
		s += " with " + gib(uint64(r.MinGPUMem))
	}
	return s
}
