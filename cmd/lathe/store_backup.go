package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/store"
	"lathe/tui/format"
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
			e, err := offlineEnv(cmd.Context())
			if err != nil {
				return err
			}
			path := e.paths.DB()
			if to == "" {
				to = path + ".salvaged"
			}
			rep, err := store.Salvage(cmd.Context(), path, to)
			if err != nil {
				return fmt.Errorf("salvage %s: %w", path, err)
			}
			if replace {
				if rep.Path, err = replaceStore(cmd, path, to, asJSON); err != nil {
					return err
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

func newStoreRebuildCmd() *cobra.Command {
	var (
		to     string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "rebuild",
		Short: "Make a new store from the run folders, keeping the old one aside",
		Long: `Make a new store from what the run folders hold: each run's record from its
spec.json, how it ended from exit.json, and every point from its metrics file,
output and event files (the files are the source of truth for points). The
old lathe.db, if any, is kept aside as lathe.db.damaged-TIME and the new one
takes its place; with --to FILE the new store is written there and nothing is
replaced. The engine must be stopped (lathe engine stop; jobs go on): the next
command starts one on the new store, which finds running jobs again and reads
on from where the rebuild stopped.

A rebuild brings back every run that has a folder, its params, tags, points,
evaluations, artifacts and data sets, and how it ended. It cannot bring back
what lived in the store only: model versions, promotions, approvals and their
audit log, drift baselines, experiment tags, GPU and process history,
renames, the points of runs without a job (MLflow clients, imports: import
them again), and the queue (queued runs are marked lost; lathe rerun starts
them). Try lathe store salvage first, or a backup; rebuild when neither
reads what you need.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := offlineEnv(cmd.Context())
			if err != nil {
				return err
			}
			path := e.paths.DB()
			replace := to == ""
			if replace {
				to = path + ".rebuilt"
				os.Remove(to) // an earlier rebuild that was cut short
			} else if to, err = filepath.Abs(to); err != nil {
				return err
			}
			// Held while the rebuild runs, so no engine starts on it.
			unlock, err := lockStore(path)
			if err != nil {
				return err
			}
			defer unlock()
			bar := newProgress(cmd.ErrOrStderr(), "rebuilding")
			rep, err := engine.Rebuild(cmd.Context(), engine.Options{Paths: e.paths, Config: e.cfg}, to,
				func(done, total int) { bar.update(int64(done), int64(total)) })
			bar.done()
			if err != nil {
				return fmt.Errorf("rebuild the store: %w", err)
			}
			if replace {
				unlock()
				if rep.Path, err = replaceStore(cmd, path, to, asJSON); err != nil {
					return err
				}
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rep)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "rebuilt %s from the run folders: %s, %s\n", rep.Path, format.Plural(rep.Runs, "run"), format.Plural(int(rep.Points), "point"))
			if rep.Running > 0 {
				fmt.Fprintf(w, "  %s running or handed to Slurm: the next engine finds them again\n", format.Plural(rep.Running, "run"))
			}
			if rep.NotStarted > 0 {
				fmt.Fprintf(w, "  %s queued, now lost (their environment was in the store only): lathe rerun starts them\n", format.Plural(rep.NotStarted, "run"))
			}
			if rep.Tracked > 0 {
				fmt.Fprintf(w, "  %s without a job (MLflow clients, imports): records only, their points were in the store\n", format.Plural(rep.Tracked, "run"))
			}
			for _, s := range rep.Skipped {
				fmt.Fprintf(w, "  skipped: %s\n", oneLine(s))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "write the new store to this file and replace nothing")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// offlineEnv is the environment of a command that works on the store
// file itself: it refuses while an engine runs.
func offlineEnv(ctx context.Context) (env, error) {
	e, err := loadEnv()
	if err != nil {
		return e, err
	}
	if c, err := client.Connect(ctx, e.paths, "", false); err == nil {
		c.Close()
		return e, fmt.Errorf("an engine runs on %s: stop it first (lathe engine stop; jobs go on)", e.paths.Home)
	}
	return e, nil
}

// replaceStore puts the store at from in path's place, keeping the one
// there aside as path.damaged-TIME, and returns path.
func replaceStore(cmd *cobra.Command, path, from string, quiet bool) (string, error) {
	aside := path + ".damaged-" + strconv.FormatInt(time.Now().Unix(), 10)
	err := os.Rename(path, aside)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		aside = ""
	case err != nil:
		return "", err
	}
	if err := os.Rename(from, path); err != nil {
		return "", fmt.Errorf("%w (the old store is %s, the new one %s)", err, cmp.Or(aside, "gone"), from)
	}
	if aside != "" && !quiet {
		fmt.Fprintf(cmd.OutOrStdout(), "the old store is kept as %s\n", aside)
	}
	return path, nil
}

// lockStore holds path's lock as an engine would, so that none opens it
// meanwhile; nothing to hold when there is no file.
func lockStore(path string) (unlock func(), err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is in use, by an engine starting or stopping: stop it first (lathe engine stop; jobs go on)", path)
	}
	return sync.OnceFunc(func() { f.Close() }), nil
}
