package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/tui/format"
)

func newMetricsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:               "metrics RUN NAME",
		Short:             "Print every point of one metric of a run",
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]api.Point, error) {
				return c.Metric(ctx, args[0], args[1])
			}, printPoints)
		},
	}
	jsonFlag(cmd, &asJSON, `print as JSON: [{"step", "time", "value"}], NaN and ±Inf as strings`)
	return cmd
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
	var now, noWait bool
	cmd := &cobra.Command{
		Use:   "kill RUN",
		Short: "Stop a run: SIGTERM to its whole process tree, then SIGKILL",
		Long: `Stop a run. A queued run is removed from the queue. A running one gets
SIGTERM on its whole process tree, then SIGKILL after the grace period
(jobs.kill_grace, default 10s); --now sends SIGKILL at once. lathe kill
returns when the run has ended.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			r, err := c.Kill(ctx, args[0], now)
			if err != nil {
				return err
			}
			if !noWait {
				err := withEngine(ctx, func(c *client.Client) (err error) {
					r, err = c.Wait(ctx, r.ID)
					return err
				})
				if err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", r.ID, r.Status)
			return nil
		},
	}
	cmd.Flags().BoolVar(&now, "now", false, "SIGKILL at once, without the grace period")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the signal is sent")
	return cmd
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
