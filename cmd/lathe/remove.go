package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"lathe/engine/api"
	"lathe/engine/filter"
)

func newRmCmd() *cobra.Command {
	var (
		expr   string
		yes    bool
		purge  bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "rm [RUN…]",
		Short: "Remove runs (restorable for 7 days), or purge them",
		Long: `Remove runs by id, name or id prefix, or every run a filter selects (the
language of 'lathe runs --filter'). It says how many and asks first, unless
--yes. Runs still queued or running are refused: kill them first.

Removed runs leave every listing; 'lathe runs --deleted' lists them and
'lathe restore RUN' brings one back, for 7 days. Then, or at once with
--purge, their folders and metric series are freed for good.`,
		Example: `  lathe rm bert-diverged
  lathe rm --filter 'status = failed and started < -7d'
  lathe rm --purge --yes --filter 'experiment = scratch'`,
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 0) == (expr == "") {
				return fmt.Errorf("name the runs to remove, or give --filter (not both)")
			}
			if _, err := filter.Parse(expr, time.Now()); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			req := api.RemoveRequest{Refs: args, Filter: expr, Purge: purge, DryRun: true}
			plan, err := c.Remove(ctx, req)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(plan.Runs) == 0 {
				fmt.Fprintln(w, "no run matches: nothing removed")
				return nil
			}
			if !yes {
				what := "remove"
				if purge {
					what = "purge (for good)"
				}
				question := fmt.Sprintf("%s %s?", what, runList(plan.Runs))
				if len(plan.Versions) > 0 {
					question = fmt.Sprintf("%s %s (registered as %s: the versions keep their snapshot and artifact)?",
						what, runList(plan.Runs), strings.Join(plan.Versions, ", "))
				}
				if !term.IsTerminal(int(os.Stdin.Fd())) {
					return fmt.Errorf("%s — no terminal to ask on: pass --yes", question)
				}
				if !confirm(cmd.InOrStdin(), cmd.ErrOrStderr(), question) {
					fmt.Fprintln(w, "nothing removed")
					return nil
				}
			}
			req.DryRun = false
			res, err := c.Remove(ctx, req)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(w, res)
			}
			if purge {
				fmt.Fprintf(w, "purged %s\n", runList(res.Runs))
			} else {
				back := "them"
				if len(res.Runs) == 1 {
					back = "it"
				}
				fmt.Fprintf(w, "removed %s; `lathe restore` brings %s back for 7 days\n", runList(res.Runs), back)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&expr, "filter", "", "remove every run this expression selects")
	f.BoolVarP(&yes, "yes", "y", false, "do not ask")
	f.BoolVar(&purge, "purge", false, "free the runs' folders and series now (also of runs already removed); no restore")
	jsonFlag(cmd, &asJSON, "print what was removed as JSON")
	return cmd
}

func newRestoreCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "restore RUN…",
		Short: "Bring back removed runs (see `lathe runs --deleted`)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			runs, err := c.Restore(ctx, args)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), runs)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s\n", runList(runs))
			return nil
		},
	}
	jsonFlag(cmd, &asJSON, "print the restored runs as JSON")
	return cmd
}

// runList names a few runs and counts the rest: "3 runs (a, b, c)".
func runList(runs []api.Run) string {
	if len(runs) == 1 {
		return "run " + runs[0].Name + " (" + runs[0].ID + ")"
	}
	names := make([]string, 0, 4)
	for _, r := range runs[:min(len(runs), 4)] {
		names = append(names, r.Name)
	}
	more := ""
	if len(runs) > 4 {
		more = fmt.Sprintf(" and %d more", len(runs)-4)
	}
	return fmt.Sprintf("%d runs (%s%s)", len(runs), strings.Join(names, ", "), more)
}

// confirm asks a yes/no question; anything but y or yes is no.
func confirm(in io.Reader, out io.Writer, question string) bool {
	fmt.Fprintf(out, "%s [y/N] ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}
