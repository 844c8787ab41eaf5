package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/tui/format"
)

// answer is the shape of a command that asks the engine one thing and
// shows the reply: connect (starting an engine when none runs), call, then
// print the reply as JSON with --json, else as text.
func answer[T any](cmd *cobra.Command, asJSON bool, call func(context.Context, *client.Client) (T, error), text func(io.Writer, T) error) error {
	ctx := cmd.Context()
	c, err := connect(ctx)
	if err != nil {
		return err
	}
	v, err := call(ctx, c)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), v)
	}
	return text(cmd.OutOrStdout(), v)
}

// jsonFlag adds --json to a command that lists or shows something.
func jsonFlag(cmd *cobra.Command, asJSON *bool, usage string) {
	if usage == "" {
		usage = "print as JSON"
	}
	cmd.Flags().BoolVar(asJSON, "json", false, usage)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// ago writes a time as a short age ("3m ago"), or "-" when unset.
func ago(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return format.Duration(now.Sub(*t)) + " ago"
}

// statusText is a run's status with the detail a listing needs.
func statusText(r api.Run) string {
	switch r.Status {
	case api.Failed:
		if r.ExitCode != nil && *r.ExitCode > 0 {
			return fmt.Sprintf("failed (%d)", *r.ExitCode)
		}
	case api.Killed, api.Lost, api.Succeeded, api.Running, api.Queued:
	}
	return string(r.Status)
}

// processExists reports whether a pid is alive (zombies aside).
func processExists(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// completeRuns completes a run argument with the names of recent runs.
func completeRuns(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	ctx := cmd.Context()
	c, _, err := running(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	runs, err := c.Runs(ctx, api.RunQuery{Limit: 200})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, r := range runs {
		if strings.HasPrefix(r.Name, toComplete) {
			out = append(out, r.Name+"\t"+string(r.Status)+" "+r.Experiment)
		} else if strings.HasPrefix(r.ID, toComplete) {
			out = append(out, r.ID+"\t"+r.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
