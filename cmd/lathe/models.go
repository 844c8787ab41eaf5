package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/cas"
	"lathe/engine/client"
	"lathe/engine/registry"
	"lathe/tui/format"
)

func newRegisterCmd() *cobra.Command {
	var model, artifact, description string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "register RUN --model NAME [--artifact NAME|PATH]",
		Short: "Register a run's artifact as the next version of a model",
		Long: `Register an ended run as the next version of a model (the model is created
on first use). The artifact is copied into the data directory, addressed by
its sha256, so the version stays what it is when the run's folder is cleaned
or the file overwritten. The version keeps the run's params, final metrics,
eval slices, git commit and data sets, and who registered it.

--artifact names an artifact the run declared (lathe.artifact("model", …)),
or a file or folder; without it, the run's only declared artifact.`,
		Example: `  lathe register train-4 --model digits
  lathe register train-4 --model digits --artifact checkpoints/best.pt --description "lr 0.01, 20 epochs"`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" {
				return fmt.Errorf("--model is required: the model to register a version of")
			}
			bar := newProgress(cmd.ErrOrStderr(), "copying the artifact")
			bar.bytes = true
			defer bar.done()
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.ModelVersion, error) {
				req := api.RegisterRequest{Run: args[0], Model: model, Description: description}
				var err error
				if req.Artifact, err = artifactArg(ctx, c, args[0], artifact); err != nil {
					return api.ModelVersion{}, err
				}
				return c.Register(ctx, req, bar.update)
			}, func(w io.Writer, v api.ModelVersion) error {
				bar.done()
				fmt.Fprintf(w, "registered %s version %d from run %s\n", v.Model, v.Version, v.RunName)
				fmt.Fprintf(w, "artifact %s: %s, sha256 %s\n", v.Artifact.Name, artifactSize(v.Artifact), v.Artifact.SHA256)
				fmt.Fprintf(w, "copy at %s\n", v.Artifact.Path)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "the model (created on first use)")
	cmd.Flags().StringVar(&artifact, "artifact", "", "an artifact the run declared, or a file or folder (default: the run's only artifact)")
	cmd.Flags().StringVar(&description, "description", "", "what this version is")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// artifactArg is what --artifact means: a name the run declared, else a
// path made absolute here (the engine does not know this shell's folder).
func artifactArg(ctx context.Context, c *client.Client, run, arg string) (string, error) {
	if arg == "" {
		return "", nil
	}
	r, err := c.Run(ctx, run)
	if err != nil {
		return "", err
	}
	for _, a := range r.Artifacts {
		if a.Name == arg {
			return arg, nil
		}
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return "", err
	}
	return abs, nil
}

func artifactSize(a api.ArtifactRef) string {
	switch a.Kind {
	case api.ArtifactExternal:
		return "not copied (another tool's location: " + a.Source + ")"
	case "dir":
		return fmt.Sprintf("folder of %s, %s", format.Plural(a.Files, "file"), gib(uint64(a.Size)))
	}
	return gib(uint64(a.Size))
}

func newModelsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List the models with their latest version and aliases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answerPassing(cmd, asJSON, func(ctx context.Context, c *client.Client) ([]api.ModelSummary, error) {
				return c.Models(ctx)
			}, func(w io.Writer, models []api.ModelSummary) error {
				if len(models) == 0 {
					fmt.Fprintln(w, "no models yet: register a run with `lathe register RUN --model NAME`")
					return nil
				}
				now := time.Now()
				t := newTable(w)
				fmt.Fprintln(t, "MODEL\tVERSIONS\tLATEST\tALIASES\tPRIMARY METRIC\tREQUESTS\tUPDATED")
				for _, m := range models {
					latest, primary := "-", "-"
					if m.Latest != nil {
						latest = fmt.Sprintf("v%d", m.Latest.Version)
						if v, ok := m.Latest.Metrics[m.PrimaryMetric]; ok {
							primary = m.PrimaryMetric + " " + format.Number(float64(v), 4)
						}
					}
					requests := "-"
					if m.OpenRequests > 0 {
						requests = fmt.Sprintf("%d open", m.OpenRequests)
					}
					fmt.Fprintf(t, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Versions, latest, aliasText(m.Aliases), primary, requests, ago(&m.Updated, now))
				}
				return t.Flush()
			})
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// aliasText writes a model's aliases as "champion=v3 challenger=v4",
// champion first.
func aliasText(aliases map[string]int) string {
	if len(aliases) == 0 {
		return "-"
	}
	names := slices.Sorted(maps.Keys(aliases))
	if i := slices.Index(names, api.Champion); i > 0 {
		names = append([]string{api.Champion}, slices.Delete(names, i, i+1)...)
	}
	parts := make([]string, len(names))
	for i, a := range names {
		parts[i] = fmt.Sprintf("%s=v%d", a, aliases[a])
	}
	return strings.Join(parts, " ")
}

func newModelCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "model NAME",
		Short: "Show a model: its versions and aliases",
		Long: `Show a model: its versions, newest first, and its aliases.

'lathe model path' and 'lathe model get' find a version's artifact,
'lathe model rm' deletes a version.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeModels,
		RunE: func(cmd *cobra.Command, args []string) error {
			return answerPassing(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Model, error) {
				return c.Model(ctx, args[0])
			}, func(w io.Writer, m api.Model) error { showModel(w, m, time.Now()); return nil })
		},
	}
	jsonFlag(cmd, &asJSON, "")
	cmd.AddCommand(newModelPathCmd(), newModelGetCmd(), newModelRmCmd())
	return cmd
}

func showModel(w io.Writer, m api.Model, now time.Time) {
	fmt.Fprintf(w, "model     %s\n", m.Name)
	fmt.Fprintf(w, "created   %s by %s\n", m.Created.Local().Format(time.DateTime), m.CreatedBy)
	if m.PrimaryMetric != "" {
		fmt.Fprintf(w, "judged by %s (%s is better)\n", m.PrimaryMetric, map[string]string{"max": "higher", "min": "lower"}[m.Direction])
	}
	fmt.Fprintf(w, "aliases   %s\n", aliasText(m.Aliases))
	if removed := m.LastVersion - len(m.Versions); removed > 0 {
		fmt.Fprintf(w, "removed   %s; their numbers stay taken\n", format.Plural(removed, "version"))
	}
	fmt.Fprintln(w)
	if len(m.Versions) == 0 {
		fmt.Fprintln(w, "no versions")
		return
	}
	t := newTable(w)
	primary := m.PrimaryMetric
	if primary == "" {
		primary = "PRIMARY"
	}
	fmt.Fprintf(t, "VERSION\tALIASES\tRUN\t%s\tARTIFACT\tSHA256\tBY\tREGISTERED\n", strings.ToUpper(primary))
	for _, v := range m.Versions {
		val := "-"
		if x, ok := v.Metrics[m.PrimaryMetric]; ok {
			val = format.Number(float64(x), 4)
		}
		aliases := strings.Join(v.Aliases, ",")
		if aliases == "" {
			aliases = "-"
		}
		fmt.Fprintf(t, "v%d\t%s\t%s\t%s\t%s %s\t%s\t%s\t%s\n", v.Version, aliases, v.RunName, val, v.Artifact.Name,
			artifactSize(v.Artifact), v.Artifact.SHA256[:min(12, len(v.Artifact.SHA256))], v.RegisteredBy, ago(&v.Registered, now))
	}
	t.Flush()
	if len(m.Requests) == 0 {
		return
	}
	fmt.Fprintln(w)
	t = newTable(w)
	fmt.Fprintln(t, "REQUEST\tVERSION\tSTATE\tAPPROVALS\tOPENED BY\tOPENED")
	for _, r := range m.Requests {
		fmt.Fprintf(t, "#%d\tv%d\t%s\t%d/%d\t%s\t%s\n", r.ID, r.Version, r.State, len(r.Approvals), r.Required, r.OpenedBy, ago(&r.Opened, now))
	}
	t.Flush()
}

func newModelPathCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "path NAME@VERSION|NAME@ALIAS",
		ValidArgsFunction: completeModels,
		Short:             "Print where a version's artifact is, for scripts",
		Long: `Print where a version's artifact is kept in the data directory: the file,
or for a folder artifact the folder. The copy is read-only.`,
		Example: `  python serve.py --model "$(lathe model path digits@champion)"
  lathe model path digits@3`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, false, func(ctx context.Context, c *client.Client) (api.ModelVersion, error) {
				return c.ModelVersion(ctx, args[0])
			}, func(w io.Writer, v api.ModelVersion) error {
				if _, err := os.Stat(v.Artifact.Path); err != nil {
					return fmt.Errorf("%s@%d: its artifact's copy is missing (%v); run `lathe store check`", v.Model, v.Version, err)
				}
				_, err := fmt.Fprintln(w, v.Artifact.Path)
				return err
			})
		},
	}
}

func newModelGetCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:               "get NAME@VERSION|NAME@ALIAS --out DIR",
		ValidArgsFunction: completeModels,
		Short:             "Copy a version's artifact out, checked against its sha256",
		Example:           `  lathe model get digits@champion --out ./serving`,
		Args:              cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--out is required: the folder to copy the artifact into")
			}
			return answer(cmd, false, func(ctx context.Context, c *client.Client) (api.ModelVersion, error) {
				return c.ModelVersion(ctx, args[0])
			}, func(w io.Writer, v api.ModelVersion) error {
				if v.Artifact.Kind == api.ArtifactExternal {
					return fmt.Errorf("%s@%d has no copy in lathe: its artifact was recorded by another tool at %s", v.Model, v.Version, v.Artifact.Source)
				}
				e, err := loadEnv()
				if err != nil {
					return err
				}
				if err := cas.New(e.paths.Artifacts()).Verify(v.Artifact.SHA256, v.Artifact.Kind); err != nil {
					return fmt.Errorf("%s@%d: %v", v.Model, v.Version, err)
				}
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
				dst := filepath.Join(out, v.Artifact.Name)
				if err := cas.CopyOut(v.Artifact.Path, dst); err != nil {
					return err
				}
				fmt.Fprintf(w, "%s@%d → %s (%s, sha256 %s)\n", v.Model, v.Version, dst, artifactSize(v.Artifact), v.Artifact.SHA256[:12])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder to copy into (created if missing)")
	return cmd
}

func newModelRmCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:               "rm NAME VERSION",
		ValidArgsFunction: completeModels,
		Short:             "Delete a version of a model (its number stays taken)",
		Long: `Delete a version of a model. Its number is never given again. A version an
alias points to is refused unless --force, which removes the aliases too.
Its artifact's copy is freed when no other version keeps it.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := registry.ParseVersion(args[1])
			if err != nil {
				return err
			}
			return answer(cmd, false, func(ctx context.Context, c *client.Client) (api.ModelVersion, error) {
				return c.RemoveVersion(ctx, api.RemoveVersionRequest{Model: args[0], Version: n, Force: force})
			}, func(w io.Writer, v api.ModelVersion) error {
				fmt.Fprintf(w, "removed %s version %d\n", v.Model, v.Version)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "remove it even when aliases point to it (and remove them)")
	return cmd
}

func newAliasCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alias",
		Short: "Set or remove a model's aliases",
		Long: `Aliases name versions: 'challenger', 'staging', any word of letters, digits,
'_' and '-' but 'latest' and v followed by digits. Setting an alias moves it.
'champion' is reserved: only a completed promotion moves it.`,
	}
	set := &cobra.Command{
		Use:               "set NAME ALIAS VERSION",
		ValidArgsFunction: completeModels,
		Short:             "Point an alias at a version (moving it)",
		Example:           "  lathe alias set digits challenger 4",
		Args:              cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := registry.ParseVersion(args[2])
			if err != nil {
				return err
			}
			return answer(cmd, false, func(ctx context.Context, c *client.Client) (api.Model, error) {
				return c.SetAlias(ctx, api.AliasRequest{Model: args[0], Alias: args[1], Version: n})
			}, func(w io.Writer, m api.Model) error {
				fmt.Fprintf(w, "%s@%s → version %d\n", m.Name, args[1], n)
				return nil
			})
		},
	}
	rm := &cobra.Command{
		Use:               "rm NAME ALIAS [VERSION]",
		ValidArgsFunction: completeModels,
		Short:             "Remove an alias (when VERSION is given, only if it points there)",
		Args:              cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := api.AliasRequest{Model: args[0], Alias: args[1]}
			if len(args) == 3 {
				n, err := registry.ParseVersion(args[2])
				if err != nil {
					return err
				}
				req.Version = n
			}
			return answer(cmd, false, func(ctx context.Context, c *client.Client) (api.Model, error) {
				return c.RemoveAlias(ctx, req)
			}, func(w io.Writer, m api.Model) error {
				fmt.Fprintf(w, "removed alias %s of %s\n", args[1], m.Name)
				return nil
			})
		},
	}
	cmd.AddCommand(set, rm)
	return cmd
}

func newLineageCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:               "lineage NAME VERSION",
		ValidArgsFunction: completeModels,
		Short:             "Walk a version back to its run: command, params, git, data, environment",
		Long: `Walk a version back to the run that made it: its command, params, git commit
and uncommitted changes, the data sets it named and the environment it ran
in, then back through the runs it re-ran.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := registry.ParseVersion(args[1])
			if err != nil {
				return err
			}
			return answerPassing(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.Lineage, error) {
				return c.Lineage(ctx, args[0], n)
			}, func(w io.Writer, l api.Lineage) error { showLineage(w, l, time.Now()); return nil })
		},
	}
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

func showLineage(w io.Writer, l api.Lineage, now time.Time) {
	v := l.Version
	fmt.Fprintf(w, "%s v%d", v.Model, v.Version)
	if len(v.Aliases) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(v.Aliases, ", "))
	}
	fmt.Fprintf(w, ", registered by %s %s\n", v.RegisteredBy, ago(&v.Registered, now))
	fmt.Fprintf(w, "  artifact  %s: %s, sha256 %s\n", v.Artifact.Name, artifactSize(v.Artifact), v.Artifact.SHA256)
	fmt.Fprintf(w, "            from %s\n", v.Artifact.Source)
	if l.Run == nil {
		fmt.Fprintf(w, "  run       %s (%s): purged since; the version keeps its snapshot\n", v.RunName, v.Run)
		lineageData(w, "  ", v.Datasets)
		return
	}
	lineageRun(w, "", *l.Run)
	for _, p := range l.Parents {
		lineageRun(w, "  ", p)
	}
}

// lineageRun writes one run of a lineage, indented one step further than
// the one it re-ran for.
func lineageRun(w io.Writer, indent string, r api.Run) {
	row := func(k, v string) { fmt.Fprintf(w, "%s  %-9s %s\n", indent, k, v) }
	head := "run"
	if indent != "" {
		head = "re-ran"
	}
	fmt.Fprintf(w, "%s└ %s %s (%s), %s\n", indent, head, r.Name, r.ID, statusText(r))
	indent += "  "
	row("command", format.Command(r.Command))
	row("folder", r.Cwd)
	if len(r.Params) > 0 {
		var ps []string
		for _, k := range slices.Sorted(maps.Keys(r.Params)) {
			ps = append(ps, k+"="+r.Params[k])
		}
		row("params", strings.Join(ps, " "))
	}
	if r.Git != nil {
		g := r.Git.Commit
		if r.Git.Dirty {
			g += " with uncommitted changes"
			if r.Environment != nil && r.Environment.Git != nil && r.Environment.Git.PatchBytes > 0 {
				g += fmt.Sprintf(" (diff.patch, %s)", format.Bytes(uint64(r.Environment.Git.PatchBytes)))
			}
		}
		row("git", g)
	} else {
		row("git", "not a git tree")
	}
	lineageData(w, indent, r.Datasets)
	if e := r.Environment; e != nil {
		var parts []string
		if e.Python != nil {
			parts = append(parts, "Python "+e.Python.Version)
		}
		if len(e.Packages) > 0 {
			parts = append(parts, fmt.Sprintf("%s (%s)", format.Plural(len(e.Packages), "package"), e.PackagesFrom))
		}
		if e.CUDA != nil && e.CUDA.Driver != "" {
			parts = append(parts, "NVIDIA driver "+e.CUDA.Driver)
		}
		parts = append(parts, e.OS, "kernel "+e.Kernel)
		row("env", strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ", "))
	} else {
		row("env", "not captured")
	}
}

func lineageData(w io.Writer, indent string, ds []api.Dataset) {
	for i, d := range ds {
		k := ""
		if i == 0 {
			k = "data"
		}
		fmt.Fprintf(w, "%s  %-9s %s\n", indent, k, datasetText(d))
	}
}

// datasetText is one data set on one line.
func datasetText(d api.Dataset) string {
	s := d.Name
	if d.Role != "" {
		s += " (" + d.Role + ")"
	}
	s += " " + d.Path
	switch {
	case d.Error != "":
		s += ": " + d.Error
	case d.SHA256 != "":
		s += fmt.Sprintf(", %s, sha256 %s", gib(uint64(d.Size)), d.SHA256[:min(12, len(d.SHA256))])
		if d.Partial {
			s += " (partial: size, time, first and last MiB)"
		}
	default:
		s += ", digest pending"
	}
	return s
}

func newRerunCmd() *cobra.Command {
	var params []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rerun RUN [--param k=v]…",
		Short: "Start a run again, saying first what differs now",
		Long: `Start a run again: the same command, folder, params (but those given),
tags, GPU request and environment, tagged rerun_of=RUN. It first says what
differs now from when the run started: the git commit, the uncommitted
changes, the Python packages. Secrets, which the record keeps redacted, are
taken from this shell's environment.`,
		Example:           "  lathe rerun train-4 --param lr=0.02",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRuns,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := keyValues("--param", params)
			if err != nil {
				return err
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.RerunResult, error) {
				return c.Rerun(ctx, api.RerunRequest{Run: args[0], Params: p, Env: os.Environ()})
			}, func(w io.Writer, res api.RerunResult) error {
				if len(res.Changes) == 0 {
					fmt.Fprintln(w, "nothing differs: same commit, same uncommitted changes, same packages")
				} else {
					fmt.Fprintln(w, "what differs now:")
					for _, c := range res.Changes {
						fmt.Fprintln(w, "  "+c)
					}
				}
				fmt.Fprintf(w, "started %s (%s), a re-run of %s\n", res.Run.Name, res.Run.ID, args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&params, "param", nil, "override a param, k=v (repeatable)")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// completeModels offers the models' names for a command's first argument,
// and for NAME@ references their aliases and versions.
func completeModels(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx := cmd.Context()
	c, _, err := running(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	models, err := c.Models(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, m := range models {
		if strings.HasPrefix(m.Name, toComplete) {
			out = append(out, m.Name+"\t"+format.Plural(m.Versions, "version"))
		}
		if !strings.HasPrefix(toComplete, m.Name+"@") {
			continue
		}
		for a, n := range m.Aliases {
			out = append(out, fmt.Sprintf("%s@%s\tv%d", m.Name, a, n))
		}
		if m.Latest != nil {
			for n := m.Latest.Version; n >= 1 && n > m.Latest.Version-20; n-- {
				out = append(out, fmt.Sprintf("%s@%d", m.Name, n))
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
