package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/tui/format"
)

// answer is the shape of a command that asks the engine one thing and
// shows the reply: connect (starting an engine when none runs), call, then
// print the reply as JSON with --json, else as text.
func answer[T any](cmd *cobra.Command, asJSON bool, call func(context.Context, *client.Client) (T, error), text func(io.Writer, T) error) error {
	return ask(cmd, asJSON, false, call, text)
}

// answerPassing is answer for a command whose call makes one request of
// the engine: with --json it prints the engine's reply as it came,
// indented, without decoding and encoding it again (a model of a thousand
// versions prints in milliseconds).
func answerPassing[T any](cmd *cobra.Command, asJSON bool, call func(context.Context, *client.Client) (T, error), text func(io.Writer, T) error) error {
	return ask(cmd, asJSON, asJSON, call, text)
}

func ask[T any](cmd *cobra.Command, asJSON, pass bool, call func(context.Context, *client.Client) (T, error), text func(io.Writer, T) error) error {
	ctx := cmd.Context()
	c, err := connect(ctx)
	if err != nil {
		return err
	}
	var raw []byte
	if pass {
		ctx = client.RawReply(ctx, &raw)
	}
	v, err := call(ctx, c)
	if err != nil {
		return err
	}
	switch {
	case pass:
		// The engine wrote it with encoding/json: checking it again would
		// cost what indenting it with json.Indent does.
		raw = bytes.TrimSpace(raw)
		_, err := cmd.OutOrStdout().Write(append(indentJSON(make([]byte, 0, len(raw)*3/2), raw), '\n'))
		return err
	case asJSON:
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

// indentJSON appends src, valid JSON without blanks between tokens (as
// encoding/json writes it), indented as printJSON indents: what
// json.Indent does, several times faster, since it need not check src.
func indentJSON(dst, src []byte) []byte {
	depth := 0
	indent := []byte("\n")
	newline := func() {
		for len(indent) < 1+2*depth {
			indent = append(indent, ' ', ' ')
		}
		dst = append(dst, indent[:1+2*depth]...)
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			// Copy the string whole (its brackets and commas are text): to
			// the next quote that an even run of backslashes precedes.
			j := i + 1
			for {
				k := bytes.IndexByte(src[j:], '"')
				if k < 0 {
					j = len(src) - 1
					break
				}
				j += k
				escapes := 0
				for p := j - 1; p > i && src[p] == '\\'; p-- {
					escapes++
				}
				if escapes%2 == 0 {
					break
				}
				j++
			}
			dst = append(dst, src[i:j+1]...)
			i = j
		case '{', '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, c, src[i+1]) // empty: {} or []
				i++
				continue
			}
			dst = append(dst, c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// isTerminal reports whether w is a terminal, where a listing fits its
// width; a pipe or a file gets every value whole.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// gib writes a size in GiB, the one unit of sizes on the command line, so
// that sizes compare at a glance: one decimal, three below a tenth, and
// "<0.001 GiB" for less than about a MiB.
func gib(n uint64) string {
	v := float64(n) / format.GiB
	switch {
	case n == 0:
		return "0 GiB"
	case v >= 0.1:
		return format.GiBs(n) + " GiB"
	case v >= 0.001:
		return strconv.FormatFloat(v, 'f', 3, 64) + " GiB"
	}
	return "<0.001 GiB"
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
	return r.StatusWord()
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
