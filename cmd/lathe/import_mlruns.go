package main

import "github.com/spf13/cobra"

func newImportMlrunsCmd() *cobra.Command {
	return &cobra.Command{Use: "mlruns PATH", Short: "Import MLflow's file store (not written yet)", Hidden: true}
}
