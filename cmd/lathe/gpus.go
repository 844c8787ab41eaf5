package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/tui/format"
)

func newGPUsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "gpus",
		Short: "Show the GPUs: their load, and which jobs use each; and the host's CPU, memory and disk",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.GPUReport, error) {
				return c.GPUs(ctx)
			}, func(w io.Writer, rep api.GPUReport) error { printGPUs(w, rep); return nil })
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func printGPUs(w io.Writer, rep api.GPUReport) {
	defer printHost(w, rep.Host)
	if len(rep.GPUs) == 0 {
		msg := "no GPUs"
		if rep.Info.Notice != "" {
			msg = rep.Info.Notice
		}
		fmt.Fprintln(w, msg)
		return
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "GPU\tNAME\tUTIL\tLAST 5 MIN\tMEMORY\tTEMP\tPOWER\tJOBS")
	for _, g := range rep.GPUs {
		s := g.Sample
		util, mem, temp, power := "n/a", "n/a", "n/a", "n/a"
		if s != nil && s.Lost {
			util = "LOST"
		}
		if s != nil && !s.Lost {
			if s.UtilGPU != nil {
				util = fmt.Sprintf("%d%%", *s.UtilGPU)
			}
			if s.MemoryUsed != nil {
				mem = fmt.Sprintf("%s / %s", gib(uint64(*s.MemoryUsed)), gib(uint64(g.MemoryTotal)))
			}
			if s.TemperatureC != nil {
				temp = fmt.Sprintf("%d°C", *s.TemperatureC)
			}
			if s.PowerW != nil {
				power = fmt.Sprintf("%.0f W", *s.PowerW)
				if s.PowerLimitW != nil {
					power += fmt.Sprintf(" / %.0f", *s.PowerLimitW)
				}
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.Index, g.Name, util, utilTrend(g.Recent), mem, temp, power, gpuJobs(g))
	}
	tw.Flush()
	if rep.Info.Backend == "fake" {
		fmt.Fprintln(w, "(simulated GPUs)")
	}
}

// printHost writes the machine's load read with the GPUs, which a CPU job
// is all about.
func printHost(w io.Writer, h *api.HostStats) {
	if h == nil {
		return
	}
	fmt.Fprintf(w, "host: CPU %.0f%% of %s, memory %s / %s, disk %s / %s (the data directory's)\n",
		h.CPUPercent, format.Plural(h.Cores, "core"), format.GiBs(h.MemUsed), gib(h.MemTotal), format.GiBs(h.DiskUsed), gib(h.DiskTotal))
}

// gpuJobs names who uses a GPU: lathe runs by name, others by pid.
func gpuJobs(g api.GPUStatus) string {
	var parts []string
	seen := map[string]bool{}
	if g.LeasedBy != "" {
		parts = append(parts, g.LeasedByName)
		seen[g.LeasedBy] = true
	}
	others := 0
	for _, p := range g.Processes {
		switch {
		case p.RunID != "" && !seen[p.RunID]:
			parts = append(parts, p.RunName)
			seen[p.RunID] = true
		case p.RunID == "":
			others++
		}
	}
	if others > 0 {
		parts = append(parts, format.Plural(others, "other process"))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// utilTrend draws a GPU's recent utilisation, 0 to 100%.
func utilTrend(vals []api.Float) string {
	fs := make([]float64, len(vals))
	for i, v := range vals {
		fs[i] = float64(v)
	}
	return format.Sparkline(fs, len(fs), 0, 100)
}
