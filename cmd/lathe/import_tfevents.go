package main

import "github.com/spf13/cobra"

func newImportTfeventsCmd() *cobra.Command {
	return &cobra.Command{Use: "tfevents PATH", Short: "Import TensorBoard event files (not written yet)", Hidden: true}
}
