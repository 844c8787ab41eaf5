package main

import (
	"os"

	"github.com/spf13/cobra"

	"lathe/runners/local"
)

func newShimCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "shim RUNDIR",
		Short:  "Supervise one job (started by the engine)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := local.RunShim(args[0]); code != 0 {
				os.Exit(code)
			}
			return nil
		},
	}
}
