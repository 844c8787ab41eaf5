package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/termline"
)

func newLogsCmd() *cobra.Command {
	var follow bool
	var tail int
	cmd := &cobra.Command{
		Use:   "logs RUN",
		Short: "Print a run's output (stdout and stderr, interleaved)",
		Long: `Print a run's output, stdout and stderr interleaved as a terminal shows
them: all of it, or with --tail N its last N lines. A progress bar redrawn
with carriage returns (tqdm, Keras) prints as its last state, one line.

With -f, lathe logs keeps printing until the run ends, then exits like
'lathe wait': 0 when the run succeeded, the job's own exit code when it
failed, 128+N when a signal N ended it, and 1 when it was lost or could not
start (why is printed on stderr, e.g. "command not found"). Without -f it
exits 0 whatever the run's state. ctrl-c stops following and exits 0; the
run goes on.`,
		Example: `  lathe logs resnet              # all of the output
  lathe logs --tail 50 resnet    # the last 50 lines
  lathe logs -f --tail 0 resnet  # what comes from now on, then the job's exit code`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			// A terminal following the run draws its progress bars
			// itself; anywhere else (a file, a pager, a first read of
			// the whole log) each bar is written as its last state.
			var sink io.Writer = cmd.OutOrStdout()
			if !follow || !isTerminal(sink) {
				tw := termline.NewWriter(sink)
				defer tw.Flush()
				sink = tw
			}
			out := &countingWriter{w: sink}
			started := false
			err := withEngine(ctx, func(c *client.Client) error {
				if !started && cmd.Flags().Changed("tail") {
					// Where the last lines start; a reconnect goes on
					// from what was printed.
					from, err := tailOffset(ctx, c, args[0], tail)
					if err != nil {
						return err
					}
					out.n = from
				}
				started = true
				err := c.Logs(ctx, args[0], api.LogOptions{Follow: follow, Offset: out.n}, out)
				if err != nil || !follow {
					return err
				}
				// A followed stream also ends when the engine stops: go on
				// unless the run has ended.
				r, err := c.Run(ctx, args[0])
				if err == nil && !r.Status.Ended() {
					return api.ErrStopped
				}
				return err
			})
			if ctx.Err() != nil {
				return nil // ctrl-c ends a follow
			}
			if err != nil || !follow {
				return err
			}
			return followedExit(ctx, args[0])
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing until the run ends, then exit with its exit code (as lathe wait)")
	cmd.Flags().IntVarP(&tail, "tail", "n", 0, "print only the last N lines (0: none of what is there, with -f what comes next)")
	return cmd
}

// tailBatch is how many lines one read asks for while finding where the
// last N start.
const tailBatch = 10000

// tailOffset is the byte where the last n lines of a run's output start,
// found by reading back from the end, a batch of lines at a time.
func tailOffset(ctx context.Context, c *client.Client, ref string, n int) (int64, error) {
	if n < 0 {
		return 0, api.Errorf(api.ErrInvalid, "--tail %d: give a number of lines, 0 or more", n)
	}
	from := int64(-1)
	for n > 0 {
		ls, err := c.LogLines(ctx, ref, api.LogLinesRequest{From: from, Back: true, Count: min(n, tailBatch)})
		if err != nil {
			return 0, err
		}
		n -= len(ls.Lines)
		from = ls.Start
		if from <= 0 || len(ls.Lines) == 0 {
			return 0, nil
		}
	}
	if from < 0 {
		// No line wanted: from the end as it is now.
		ls, err := c.LogLines(ctx, ref, api.LogLinesRequest{From: -1, Count: 0})
		return ls.Size, err
	}
	return from, nil
}

// followedExit is how `lathe logs -f` exits once the run has ended: as
// `lathe wait` does.
func followedExit(ctx context.Context, ref string) error {
	var r api.Run
	err := withEngine(ctx, func(c *client.Client) (err error) {
		r, err = c.Run(ctx, ref)
		return err
	})
	if err != nil {
		return err
	}
	if r.Status != api.Succeeded && r.Reason != "" {
		fmt.Fprintf(os.Stderr, "%s %s: %s\n", r.Name, r.Status, r.Reason)
	}
	if code := r.WaitExitCode(); code != 0 {
		return exitError{code}
	}
	return nil
}
