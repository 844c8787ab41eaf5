package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"lathe/engine/client"
	"lathe/engine/tfevents"
	"lathe/tui/format"
)

func newImportTfeventsCmd() *cobra.Command {
	var asJSON bool
	var exp string
	cmd := &cobra.Command{
		Use:   "tfevents PATH",
		Short: "Import TensorBoard event files: a file, or a folder of runs",
		Long: `Import the scalars of TensorBoard's event files. Each folder that holds event
files is one run, as TensorBoard shows it, named by its path under PATH; its files
are read in name order. Scalars written as simple_value and as rank-0 tensors (newer
writers) are both read; a damaged record is skipped and reported with its file.
A run is recorded whole under its folder, so an import done twice adds nothing.
For a job that is running, lathe run --tensorboard DIR reads its files as they grow.`,
		Example: `  lathe import tfevents ./runs --exp bert`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bar := newProgress(cmd.ErrOrStderr(), "importing runs")
			defer bar.done()
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (tfevents.Report, error) {
				return tfevents.Import(ctx, c, args[0], exp, func(done, total int) { bar.update(int64(done), int64(total)) })
			}, func(w io.Writer, r tfevents.Report) error {
				bar.done()
				fmt.Fprintf(w, "imported %s (%s) from %s", format.Plural(r.Runs, "run"), format.Plural(r.Points, "point"), format.Plural(r.Files, "event file"))
				switch {
				case r.RunsSkipped == 1:
					fmt.Fprint(w, "; 1 run was imported before")
				case r.RunsSkipped > 1:
					fmt.Fprintf(w, "; %d runs were imported before", r.RunsSkipped)
				}
				fmt.Fprintf(w, "; %s\n", format.Plural(len(r.Problems), "problem"))
				for _, p := range r.Problems {
					fmt.Fprintf(w, "  %s: %s\n", p.File, p.Err)
				}
				if r.Runs+r.RunsSkipped == 0 && len(r.Problems) > 0 {
					return errNothingImported
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&exp, "exp", "", "the experiment of the runs (default: the configured default)")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}
