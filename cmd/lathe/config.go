package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"lathe/engine/config"
)

func newConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration",
		Long: `Print the effective configuration: the defaults with what the file sets.
Every key is optional; the file is $XDG_CONFIG_HOME/lathe/config.toml.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := loadEnv()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "# file: %s\n# data: %s\n", config.Path(), e.paths.Home)
			fmt.Fprint(w, e.cfg.TOML())
			return nil
		},
	}
}
