package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/registry"
	"lathe/tui/format"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Show or set a model's promotion policy (TOML)",
		Long: `A model's policy is the gates a version passes to become the champion: its
primary metric and the improvement it needs over the champion, guardrail
metrics that may not regress, per-slice regressions, plausible ranges, and
how many approvals it takes. A model starts with a default; 'lathe policy
show NAME' prints it, commented.`,
	}
	var asJSON bool
	show := &cobra.Command{
		Use:               "show NAME",
		Short:             "Print a model's policy",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeModels,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Policy, error) {
				return c.Policy(ctx, args[0])
			}, func(w io.Writer, p api.Policy) error {
				if p.Default {
					fmt.Fprintf(w, "# the default policy of %s (nobody has set one)\n", p.Model)
				} else {
					fmt.Fprintf(w, "# the policy of %s, set by %s on %s\n", p.Model, p.By, p.Updated.Local().Format(time.DateTime))
				}
				_, err := io.WriteString(w, p.TOML)
				return err
			})
		},
	}
	jsonFlag(show, &asJSON, "")
	var file string
	set := &cobra.Command{
		Use:               "set NAME [--file F]",
		Short:             "Replace a model's policy with TOML from a file (or standard input)",
		Example:           "  lathe policy show digits > policy.toml; $EDITOR policy.toml; lathe policy set digits --file policy.toml",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeModels,
		RunE: func(cmd *cobra.Command, args []string) error {
			var raw []byte
			var err error
			if file == "" || file == "-" {
				raw, err = io.ReadAll(cmd.InOrStdin())
			} else {
				raw, err = os.ReadFile(file)
			}
			if err != nil {
				return err
			}
			return answer(cmd, false, func(ctx context.Context, c *client.Client) (api.Policy, error) {
				return c.SetPolicy(ctx, api.PolicyRequest{Model: args[0], TOML: string(raw)})
			}, func(w io.Writer, p api.Policy) error {
				fmt.Fprintf(w, "set the policy of %s\n", p.Model)
				return nil
			})
		},
	}
	set.Flags().StringVar(&file, "file", "", "the TOML file (default: standard input)")
	cmd.AddCommand(show, set)
	return cmd
}

// reviewCmd is a step of a promotion: NAME VERSION and a comment.
func reviewCmd(use, short, long string, step func(*client.Client) func(context.Context, api.ReviewRequest) (api.Request, error), needComment bool) *cobra.Command {
	var comment string
	var override, asJSON bool
	cmd := &cobra.Command{
		Use:               use,
		Short:             short,
		Long:              long,
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: completeModels,
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := registry.ParseVersion(args[1])
			if err != nil {
				return err
			}
			if needComment && strings.TrimSpace(comment) == "" {
				return fmt.Errorf("--comment is required: say why")
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Request, error) {
				return step(c)(ctx, api.ReviewRequest{Model: args[0], Version: n, Comment: comment, Override: override})
			}, func(w io.Writer, r api.Request) error { showRequest(w, r); return nil })
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "what the reviewers read")
	if strings.HasPrefix(use, "approve") {
		cmd.Flags().BoolVar(&override, "override", false, "approve a blocked request (admins only; with --comment)")
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func newPromoteCmd() *cobra.Command {
	return reviewCmd("promote NAME VERSION", "Ask for a version to become the champion: its gates run now",
		`Open a request to make a version its model's champion. Every gate of the
model's policy runs against the current champion and is recorded with its
numbers; a request whose gates fail is blocked, one whose gates pass waits
for approvals (lathe approve).`,
		func(c *client.Client) func(context.Context, api.ReviewRequest) (api.Request, error) { return c.Promote }, false)
}

func newApproveCmd() *cobra.Command {
	return reviewCmd("approve NAME VERSION", "Approve a version's request; enough approvals make it the champion",
		`Approve a version's open request. When it has the approvals its policy asks
for (from reviewers other than whoever registered the version or started its
run), the on_promote hook runs and the champion alias moves to it, in one
transaction. Who approves is what the kernel says of the caller, never what
the command says.`,
		func(c *client.Client) func(context.Context, api.ReviewRequest) (api.Request, error) { return c.Approve }, false)
}

func newRejectCmd() *cobra.Command {
	return reviewCmd("reject NAME VERSION --comment TEXT", "Reject a version's request, saying why",
		"Reject a version's open request. The comment is required.",
		func(c *client.Client) func(context.Context, api.ReviewRequest) (api.Request, error) { return c.Reject }, true)
}

func newRollbackCmd() *cobra.Command {
	var to, comment string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rollback NAME [--to VERSION] --comment TEXT",
		Short: "Ask for the previous (or a named) champion back",
		Long: `Ask for the champion the current one replaced (or --to VERSION) to be the
champion again. It is a request like a promotion's, approved the same way;
an admin's rollback takes effect at once, and says so in the record.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeModels,
		RunE: func(cmd *cobra.Command, args []string) error {
			req := api.ReviewRequest{Model: args[0], Comment: comment}
			if to != "" {
				n, err := registry.ParseVersion(to)
				if err != nil {
					return err
				}
				req.Version = n
			}
			if strings.TrimSpace(comment) == "" {
				return fmt.Errorf("--comment is required: say why")
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Request, error) {
				return c.Rollback(ctx, req)
			}, func(w io.Writer, r api.Request) error { showRequest(w, r); return nil })
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the version to bring back (default: the champion before this one)")
	cmd.Flags().StringVar(&comment, "comment", "", "why")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// showRequest writes a request: its state, each gate, its approvals.
func showRequest(w io.Writer, r api.Request) {
	kind := "promotion"
	if r.Rollback {
		kind = "rollback"
	}
	fmt.Fprintf(w, "request #%d: %s of %s v%d, %s\n", r.ID, kind, r.Model, r.Version, r.State)
	if r.Champion != 0 {
		fmt.Fprintf(w, "against the champion v%d\n", r.Champion)
	} else {
		fmt.Fprintln(w, "no champion yet")
	}
	t := newTable(w)
	fmt.Fprintln(t, "GATE\tVERDICT\tDETAIL")
	for _, c := range r.Checks {
		mark := map[string]string{api.Pass: "✓ pass", api.Fail: "✗ fail", api.NotMeasured: "· not measured"}[c.Verdict]
		fmt.Fprintf(t, "%s\t%s\t%s\n", gateName(c), mark, c.Detail)
	}
	t.Flush()
	fmt.Fprintf(w, "approvals %d of %d", len(r.Approvals), r.Required)
	if len(r.Approvals) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(r.Approvals, ", "))
	}
	if len(r.MayApprove) > 0 {
		fmt.Fprintf(w, "; may approve: %s", strings.Join(r.MayApprove, ", "))
	}
	fmt.Fprintln(w)
	for _, x := range r.Reviews {
		verb := "rejected"
		switch {
		case x.Override:
			verb = "overrode the gates"
		case x.Self:
			verb = "self-approved"
		case x.Approved:
			verb = "approved"
		}
		fmt.Fprintf(w, "  %s %s %s", x.User, verb, x.Time.Local().Format(time.DateTime))
		if x.Comment != "" {
			fmt.Fprintf(w, ": %s", x.Comment)
		}
		fmt.Fprintln(w)
	}
	if h := r.Hook; h != nil {
		fmt.Fprintf(w, "on_promote hook exited %d", h.ExitCode)
		if h.TimedOut {
			fmt.Fprint(w, " (timed out)")
		}
		fmt.Fprintln(w)
		if h.Output != "" {
			fmt.Fprintln(w, "  "+strings.ReplaceAll(h.Output, "\n", "\n  "))
		}
	}
	switch r.State {
	case api.RequestPromoted:
		fmt.Fprintf(w, "%s v%d is the champion", r.Model, r.Version)
		if r.Previous != 0 {
			fmt.Fprintf(w, " (it was v%d)", r.Previous)
		}
		fmt.Fprintln(w)
	case api.RequestBlocked:
		fmt.Fprintln(w, "blocked: a gate failed; change the version or the policy, or an admin may override (lathe approve --override --comment)")
	}
}

func gateName(c api.Check) string {
	s := c.Gate
	if c.Metric != "" {
		s += " " + c.Metric
	}
	if c.Slice != "" {
		s += " [" + c.Slice + "]"
	}
	return s
}

func newRequestsCmd() *cobra.Command {
	var mine, all, asJSON bool
	var model string
	cmd := &cobra.Command{
		Use:   "requests",
		Short: "List the open promotion requests (--mine: those waiting for you)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]api.Request, error) {
				return c.Requests(ctx, api.RequestQuery{Model: model, All: all, Mine: mine})
			}, func(w io.Writer, rs []api.Request) error {
				if len(rs) == 0 {
					fmt.Fprintln(w, "no requests")
					return nil
				}
				now := time.Now()
				t := newTable(w)
				fmt.Fprintln(t, "ID\tMODEL\tVERSION\tSTATE\tAPPROVALS\tFAILED GATES\tOPENED BY\tOPENED")
				for _, r := range rs {
					failed := 0
					for _, c := range r.Checks {
						if c.Verdict == api.Fail {
							failed++
						}
					}
					fmt.Fprintf(t, "#%d\t%s\tv%d\t%s\t%d/%d\t%d\t%s\t%s\n", r.ID, r.Model, r.Version, r.State,
						len(r.Approvals), r.Required, failed, r.OpenedBy, ago(&r.Opened, now))
				}
				return t.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&mine, "mine", false, "only the requests you may approve and have not")
	cmd.Flags().BoolVar(&all, "all", false, "closed requests too")
	cmd.Flags().StringVar(&model, "model", "", "only this model's")
	jsonFlag(cmd, &asJSON, "")
	var showJSON bool
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a request whole: every gate with its numbers, the reviews",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(strings.TrimPrefix(args[0], "#"), 10, 64)
			if err != nil {
				return fmt.Errorf("request %q: give its number (lathe requests lists them)", args[0])
			}
			return answer(cmd, showJSON, func(ctx context.Context, c *client.Client) (api.Request, error) {
				rs, err := c.Requests(ctx, api.RequestQuery{All: true})
				if err != nil {
					return api.Request{}, err
				}
				for _, r := range rs {
					if r.ID == id {
						return r, nil
					}
				}
				return api.Request{}, api.Errorf(api.ErrNotFound, "request #%d: not found", id)
			}, func(w io.Writer, r api.Request) error { showRequest(w, r); return nil })
		},
	}
	jsonFlag(show, &showJSON, "")
	cmd.AddCommand(show)
	return cmd
}

func newAuditCmd() *cobra.Command {
	var model string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "The registry's audit log: every change, chained by hashes",
		Long: `Every change of the registry is an entry of an append-only log: registrations,
alias moves, policy changes, requests with their checks, approvals,
rejections, overrides, rollbacks, hook results. Each entry carries the hash
of the one before, and the chain's head is kept in a file beside the store,
so 'lathe audit verify' finds an entry altered, removed, or cut from the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]api.AuditEntry, error) {
				return c.Audit(ctx, api.AuditQuery{Model: model})
			}, func(w io.Writer, es []api.AuditEntry) error {
				t := newTable(w)
				fmt.Fprintln(t, "SEQ\tTIME\tWHO\tWHAT\tMODEL\tVERSION\tDETAILS")
				for _, a := range es {
					version := ""
					if a.Version != 0 {
						version = "v" + strconv.Itoa(a.Version)
					}
					details, _ := json.Marshal(a.Details)
					fmt.Fprintf(t, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Seq, a.Time.Local().Format(time.DateTime), a.Actor, a.Action,
						a.Model, version, clip(string(details), 60))
				}
				return t.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "only this model's entries")
	jsonFlag(cmd, &asJSON, "")
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's chain; exit 1 when it was altered",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			rep, err := c.VerifyAudit(ctx)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if !rep.OK {
				return fmt.Errorf("the audit log was altered: entry %d: %s", rep.FirstBad, rep.Problem)
			}
			fmt.Fprintf(w, "the audit log is intact: %s, head %s\n", format.Plural(rep.Entries, "entry"), rep.Head)
			if rep.Note != "" {
				fmt.Fprintln(w, rep.Note)
			}
			return nil
		},
	}
	var formatName string
	export := &cobra.Command{
		Use:   "export --format json|csv",
		Short: "Write the whole audit log for a compliance review",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if formatName != "json" && formatName != "csv" {
				return fmt.Errorf("--format %q: json or csv", formatName)
			}
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			es, err := c.Audit(ctx, api.AuditQuery{Model: model})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if formatName == "json" {
				return printJSON(w, es)
			}
			cw := csv.NewWriter(w)
			cw.Write([]string{"seq", "time", "actor", "action", "model", "version", "details", "prev", "hash"})
			for _, a := range es {
				details, _ := json.Marshal(a.Details)
				cw.Write([]string{strconv.FormatUint(a.Seq, 10), a.Time.UTC().Format(time.RFC3339Nano), a.Actor, a.Action, a.Model,
					strconv.Itoa(a.Version), string(details), a.Prev, a.Hash})
			}
			cw.Flush()
			return cw.Error()
		},
	}
	export.Flags().StringVar(&formatName, "format", "json", "json or csv")
	export.Flags().StringVar(&model, "model", "", "only this model's entries")
	cmd.AddCommand(verify, export)
	return cmd
}
