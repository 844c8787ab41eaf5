package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/client"
	"lathe/store"
)

func newStoreSalvageCmd() *cobra.Command {
	var (
		to      string
		replace bool
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "salvage",
		Short: "Copy what can be read of a damaged store into a new one",
		Long: `Copy every bucket and key of a damaged store that can still be read into a
new store (default lathe.db.salvaged beside it), and say what could not be
read. The damaged file is opened read-only and never written. The engine must
be stopped (lathe engine stop; jobs go on). With --replace the damaged file is
kept aside as lathe.db.damaged-TIME and the new one takes its place; the next
command starts an engine on it, which finds running jobs again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := loadEnv()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if c, err := client.Connect(ctx, e.paths, "", false); err == nil {
				c.Close()
				return fmt.Errorf("an engine runs on %s: stop it first (lathe engine stop; jobs go on)", e.paths.Home)
			}
			path := e.paths.DB()
			if to == "" {
				to = path + ".salvaged"
			}
			rep, err := store.Salvage(ctx, path, to)
			if err != nil {
				return fmt.Errorf("salvage %s: %w", path, err)
			}
			if replace {
				aside := path + ".damaged-" + strconv.FormatInt(time.Now().Unix(), 10)
				if err := os.Rename(path, aside); err != nil {
					return err
				}
				if err := os.Rename(to, path); err != nil {
					return fmt.Errorf("%w (the damaged store is %s, the salvaged one %s)", err, aside, to)
				}
				rep.Path = path
				if !asJSON {
					fmt.Fprintf(cmd.OutOrStdout(), "the damaged store is kept as %s\n", aside)
				}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rep)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "salvaged %d keys into %s; %d buckets could not be read to their end, %d problems in the new store\n",
				rep.Keys, rep.Path, len(rep.Lost), len(rep.Problems))
			for _, l := range rep.Lost {
				fmt.Fprintf(w, "  lost: %s\n", oneLine(l))
			}
			for _, p := range rep.Problems {
				fmt.Fprintf(w, "  problem: %s\n", oneLine(p))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the new store (default: lathe.db.salvaged beside the damaged one)")
	cmd.Flags().BoolVar(&replace, "replace", false, "put the new store in the damaged one's place, keeping that aside")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}
