package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newImportCmd groups the imports of other tools' files; each source has
// its own file (import_mlruns.go, import_tfevents.go).
func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import runs from MLflow's file store or TensorBoard's event files",
		Long: `Import what other tools wrote: their runs become ordinary lathe runs that list,
chart, compare and register like the others. An import done twice adds nothing.`,
	}
	cmd.AddCommand(newImportMlrunsCmd(), newImportTfeventsCmd())
	return cmd
}

// errNothingImported ends an import that read nothing, with the problems
// listed, in failure: a script sees it.
var errNothingImported = errors.New("nothing could be imported")
