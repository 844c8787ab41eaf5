package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"lathe/engine/client"
	"lathe/engine/mlruns"
	"lathe/tui/format"
)

func newImportMlrunsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "mlruns PATH",
		Short: "Import MLflow's file store: experiments, runs and the model registry",
		Long: `Import an mlruns folder written by MLflow's file store: each experiment, each run
with its metrics, params, tags and status, and the registry under models/ (models,
versions in MLflow's order, aliases; a deprecated stage becomes the version's tag
mlflow.stage). Each run is recorded whole or not at all, under its MLflow id, so
an import done twice adds nothing. What cannot be read is listed with its file;
the rest is imported. Artifacts stay where they are: a version records MLflow's
source location.`,
		Example: `  lathe import mlruns ./mlruns`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			bar := newProgress(cmd.ErrOrStderr(), "importing runs")
			defer bar.done()
			var rep mlruns.Report
			err = answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (mlruns.Report, error) {
				rep, err = mlruns.Import(ctx, c, root, func(done, total int) { bar.update(int64(done), int64(total)) })
				return rep, err
			}, func(w io.Writer, r mlruns.Report) error {
				bar.done()
				fmt.Fprintf(w, "imported %s (%s) in %s, %s with %s, %s",
					format.Plural(r.Runs, "run"), format.Plural(r.Points, "point"), format.Plural(r.Experiments, "experiment"),
					format.Plural(r.Models, "model"), format.Plural(r.Versions, "version"), format.Plural(r.Aliases, "alias"))
				if r.RunsSkipped+r.VersionsSkipped > 0 {
					fmt.Fprintf(w, "; %s and %s were imported before", format.Plural(r.RunsSkipped, "run"), format.Plural(r.VersionsSkipped, "version"))
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
			if err == nil && rep.Runs+rep.RunsSkipped == 0 && len(rep.Problems) > 0 {
				return fmt.Errorf("no run of %s could be imported", root)
			}
			return err
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}
