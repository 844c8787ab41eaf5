package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/tui/format"
)

func newStoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Check, measure, compact, back up, salvage or rebuild the store (lathe.db)",
	}
	cmd.AddCommand(newStoreCheckCmd(), newStoreStatsCmd(), newStoreCompactCmd(), newStoreBackupCmd(), newStoreSalvageCmd(), newStoreRebuildCmd())
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
			start := time.Now()
			var problems int
			err := answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.CheckReport, error) {
				rep, err := c.CheckStore(ctx)
				if rep.Problems == nil {
					rep.Problems = []string{}
				}
				problems = len(rep.Problems)
				return rep, err
			}, func(w io.Writer, rep api.CheckReport) error {
				fmt.Fprintf(w, "checked %s, %d series, %s, %s, %s, %s and %s in %s\n",
					format.Plural(rep.Runs, "run"), rep.Series, format.Plural(rep.Chunks, "chunk"), format.Plural(int(rep.Points), "point"),
					format.Plural(rep.Versions, "model version"), format.Plural(rep.Artifacts, "artifact copy"),
					format.Plural(rep.AuditEntries, "audit entry"), time.Since(start).Round(time.Millisecond))
				for _, p := range rep.Problems {
					fmt.Fprintln(w, "  problem:", p)
				}
				if len(rep.Problems) == 0 {
					fmt.Fprintln(w, "the store is sound")
				}
				return nil
			})
			if err == nil && problems > 0 {
				return fmt.Errorf("the store has %s; a backup or `lathe store compact` may help", format.Plural(problems, "problem"))
			}
			return err
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func newStoreStatsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show the store's size, per bucket, and points per byte",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.StoreStats, error) {
				return c.StoreStats(ctx)
			}, printStoreStats)
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func printStoreStats(w io.Writer, st api.StoreStats) error {
	fmt.Fprintf(w, "%s: %s (schema %d), %s free\n", st.Path, gib(uint64(st.FileBytes)), st.Schema, gib(uint64(st.FreeBytes)))
	if st.Points > 0 {
		fmt.Fprintf(w, "%d points: %.1f bytes a point, %.0f points a KiB (whole file)\n",
			st.Points, float64(st.FileBytes)/float64(st.Points), 1024*float64(st.Points)/float64(st.FileBytes))
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "BUCKET\tKEYS\tPAGES\tDATA")
	for _, b := range st.Buckets {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", b.Name, b.Keys, gib(uint64(b.Bytes)), gib(uint64(b.Data)))
	}
	return tw.Flush()
}

func newStoreCompactCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the store compactly; the engine and jobs go on",
		Long: `Have the engine rewrite the store into a new, compact file, check that it
holds every point, then put it in place of the old one by an atomic rename.
The engine goes on answering and jobs go on running; their new points wait for
the end of the rewrite and are stored after it. A failure leaves the old file
as it was.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bar := newProgress(cmd.ErrOrStderr(), "compacting")
			defer bar.done()
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.CompactResult, error) {
				return c.CompactStore(ctx, func(done, total int) { bar.update(int64(done), int64(total)) })
			}, func(w io.Writer, res api.CompactResult) error {
				bar.done()
				if res.After >= res.Before {
					fmt.Fprintf(w, "%s is already compact: %s, %d points (%.1f bytes a point)\n", res.Path,
						gib(uint64(res.Before)), res.Points, float64(res.Before)/float64(max(res.Points, 1)))
					return nil
				}
				fmt.Fprintf(w, "compacted %s: %s → %s, %d points (%.1f bytes a point)\n", res.Path,
					gib(uint64(res.Before)), gib(uint64(res.After)), res.Points, float64(res.After)/float64(max(res.Points, 1)))
				return nil
			})
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// progress draws a bar on a terminal, and nothing elsewhere.
type progressBar struct {
	w     io.Writer
	label string
	tty   bool
	last  time.Time
	// cleared is set once the bar is gone from the terminal.
	cleared bool
	// bytes shows the amounts done and to do as sizes.
	bytes bool
}

func newProgress(w io.Writer, label string) *progressBar {
	p := &progressBar{w: w, label: label}
	if f, ok := w.(*os.File); ok {
		p.tty = term.IsTerminal(int(f.Fd()))
	}
	return p
}

func (p *progressBar) update(done, total int64) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond || total <= 0 {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := int(min(width, done*width/total))
	fmt.Fprintf(p.w, "\r%s %s%s %3d%%", p.label, strings.Repeat("█", filled), strings.Repeat("░", width-filled), min(100, done*100/total))
	if p.bytes {
		fmt.Fprintf(p.w, " (%s of %s)\x1b[K", gib(uint64(done)), gib(uint64(total)))
	}
}

// done clears the bar, once.
func (p *progressBar) done() {
	if p.tty && !p.cleared {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	p.cleared = true
}
