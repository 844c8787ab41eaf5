package main

import (
	"cmp"
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
)

func newClusterCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "List your pending and running jobs in Slurm's queue, lathe's and others'",
		Long: `List your pending and running jobs in Slurm's queue (one squeue), lathe's
with their run and others' too, with Slurm's reason for each one that waits
(Resources, Priority, QOSMaxGRESPerUser…).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Cluster, error) {
				return c.Cluster(ctx)
			}, printCluster)
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func printCluster(w io.Writer, c api.Cluster) error {
	switch {
	case c.Scheduler == "":
		_, err := fmt.Fprintln(w, "no runner of a cluster")
		return err
	case !c.Installed:
		_, err := fmt.Fprintf(w, "%s is not installed here (no squeue on the engine's PATH)\n", c.Scheduler)
		return err
	case c.Error != "":
		return fmt.Errorf("%s: %s", c.Scheduler, c.Error)
	case len(c.Jobs) == 0:
		_, err := fmt.Fprintf(w, "no jobs of yours in %s's queue\n", c.Scheduler)
		return err
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "JOB\tNAME\tSTATE\tREASON\tPARTITION\tNODE\tELAPSED\tLIMIT\tRUN")
	for _, j := range c.Jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.Name, j.State, dash(j.Reason), dash(j.Partition),
			dash(j.Node), j.Elapsed, j.Limit, dash(j.Run))
	}
	return tw.Flush()
}

// dash is s, or "-" for a cell with nothing in it.
func dash(s string) string { return cmp.Or(s, "-") }
