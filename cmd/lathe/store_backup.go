package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
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

func newStoreBackupCmd() *cobra.Command {
	var (
		to     string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Write a consistent copy of the store while jobs go on",
		Long: `Write a copy of the store as it is at one moment, while the engine and its jobs
go on: to --to FILE, or into the data directory's backups/, where the engine
also keeps its own rotating backups ([store] backup_every, default daily;
backup_keep, default 7). A backup is a whole store: to go back to it, stop the
engine and put it in lathe.db's place. It holds runs, metrics, the registry
and its audit as they were; what jobs logged since is in their run folders.`,
		Example: `  lathe store backup
  lathe store backup --to /mnt/nas/lathe-$(date +%F).db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if to != "" {
				abs, err := filepath.Abs(to)
				if err != nil {
					return err
				}
				to = abs
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.BackupResult, error) {
				return c.BackupStore(ctx, to)
			}, func(w io.Writer, r api.BackupResult) error {
				_, err := fmt.Fprintf(w, "backed up the store to %s (%s)\n", r.Path, gib(uint64(r.Bytes)))
				return err
			})
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the file to write (default: a new file in the data directory's backups/)")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}
