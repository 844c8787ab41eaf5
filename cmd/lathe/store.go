package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"lathe/engine"
	"lathe/store"
)

func newStoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Check, measure or compact the store (lathe.db)",
	}
	cmd.AddCommand(newStoreCheckCmd(), newStoreStatsCmd(), newStoreCompactCmd())
	return cmd
}

func newStoreCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Verify the store; exit 1 when it is damaged",
		Long: `Verify the store while the engine runs: bbolt's consistency check, then
lathe's own (every chunk decodes, summaries match their series, indexes match
their runs, running jobs' offsets are within their files). Exits 1 on damage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			start := time.Now()
			rep, err := c.CheckStore(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				if rep.Problems == nil {
					rep.Problems = []string{}
				}
				printJSON(cmd.OutOrStdout(), rep)
			} else {
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "checked %d runs, %d series, %d chunks, %d points in %s\n",
					rep.Runs, rep.Series, rep.Chunks, rep.Points, time.Since(start).Round(time.Millisecond))
				for _, p := range rep.Problems {
					fmt.Fprintln(w, "  problem:", p)
				}
				if len(rep.Problems) == 0 {
					fmt.Fprintln(w, "the store is sound")
				}
			}
			if len(rep.Problems) > 0 {
				return fmt.Errorf("the store has %d problems; a backup or `lathe store compact` may help", len(rep.Problems))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func newStoreStatsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show the store's size, per bucket, and points per byte",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			st, err := c.StoreStats(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), st)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: %s (schema %d), %s free\n", st.Path, bytesText(st.FileBytes), st.Schema, bytesText(st.FreeBytes))
			if st.Points > 0 {
				fmt.Fprintf(w, "%d points: %.1f bytes a point, %.0f points a KiB (whole file)\n",
					st.Points, float64(st.FileBytes)/float64(st.Points), 1024*float64(st.Points)/float64(st.FileBytes))
			}
			tw := newTable(w)
			fmt.Fprintln(tw, "BUCKET\tKEYS\tPAGES\tDATA")
			for _, b := range st.Buckets {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", b.Name, b.Keys, bytesText(b.Bytes), bytesText(b.Data))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func newStoreCompactCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the store compactly (stops the engine; jobs keep running)",
		Long: `Rewrite the store into a new, compact file, check that it holds every point,
then put it in place of the old one by an atomic rename. The engine is stopped
for the while (jobs keep running, and their output is read on afterwards).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, e, err := running(ctx)
			switch {
			case err == nil:
				s, err := c.Status(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "stopping the engine (pid %d); jobs keep running\n", s.PID)
				if err := c.Shutdown(ctx); err != nil {
					return err
				}
				if err := waitGone(ctx, s.PID, 30*time.Second); err != nil {
					return err
				}
			case !errors.Is(err, engine.ErrNoEngine):
				return err
			}
			bar := newProgress(cmd.ErrOrStderr(), "compacting")
			res, err := store.Compact(e.paths.DB(), bar.update)
			bar.done()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "compacted %s: %s → %s, %d points (%.1f bytes a point)\n", e.paths.DB(),
				bytesText(res.Before), bytesText(res.After), res.Points, float64(res.After)/float64(max(res.Points, 1)))
			return nil
		},
	}
}

// progress draws a bar on a terminal, and nothing elsewhere.
type progressBar struct {
	w     io.Writer
	label string
	tty   bool
	last  time.Time
}

func newProgress(w io.Writer, label string) *progressBar {
	p := &progressBar{w: w, label: label}
	if f, ok := w.(*os.File); ok {
		p.tty = term.IsTerminal(int(f.Fd()))
	}
	return p
}

func (p *progressBar) update(done, total int) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond || total <= 0 {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := min(width, done*width/total)
	fmt.Fprintf(p.w, "\r%s %s%s %3d%%", p.label, strings.Repeat("█", filled), strings.Repeat("░", width-filled), min(100, done*100/total))
}

func (p *progressBar) done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
