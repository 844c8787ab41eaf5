package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/engine/drift"
	"lathe/engine/drift/table"
	"lathe/engine/registry"
	"lathe/tui/format"
)

func newDriftCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Score production data against a model's training data",
		Long: `Drift compares the data a model sees in production with the data it was
trained on, feature by feature: PSI on the reference's deciles (with a
p-value that says whether it is noise at these sizes), KS with its p-value,
Wasserstein-1 (and normalised by the reference's spread), Jensen–Shannon,
and for categories PSI, JS and χ². A feature warns at PSI 0.1 and alerts at
0.25; the data set alerts when at least half its features alert (each
model's policy can change these: lathe policy show NAME, [drift]).

Data files are CSV with a header, JSON lines, or Parquet. Column types are
inferred (numeric when every value is a number), or set with --types. A
row that cannot be read is counted and reported with its line, never fatal.
Missing values (empty, NA, null, NaN) are counted per feature; infinities
are counted apart.

  lathe drift stat --reference train.csv --current today.csv   two files, no engine
  lathe drift reference digits@3 --data train.csv              keep a version's reference
  lathe drift ingest digits --data batch.csv                   score a batch into its window
  lathe drift show digits                                      windows × features`,
	}
	cmd.AddCommand(newDriftStatCmd(), newDriftReferenceCmd(), newDriftIngestCmd(), newDriftShowCmd())
	return cmd
}

// parseTypes reads --types: name=numeric,name=categorical.
func parseTypes(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, kind, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--types %q: write NAME=numeric or NAME=categorical, comma-separated", part)
		}
		if _, err := table.ParseKind(kind); err != nil {
			return nil, fmt.Errorf("--types %s: %v", name, err)
		}
		if was, ok := out[name]; ok {
			return nil, fmt.Errorf("--types names %s twice (%s, %s)", name, was, kind)
		}
		out[name] = kind
	}
	return out, nil
}

func kindsOf(types map[string]string) map[string]table.Kind {
	out := map[string]table.Kind{}
	for name, s := range types {
		k, _ := table.ParseKind(s) // checked by parseTypes
		out[name] = k
	}
	return out
}

func splitColumns(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func newDriftStatCmd() *cobra.Command {
	var refPath, curPath, columns, types, format, failOn string
	var asJSON bool
	var th = drift.DefaultThresholds
	cmd := &cobra.Command{
		Use:   "stat --reference FILE --current FILE",
		Short: "Compare two data files column by column (no engine, nothing kept)",
		Long: `Compare a current data file with a reference, column by column, and print
each column's statistics and status, and the data set's. Nothing is kept and
no engine is needed. With --fail-on, the exit status says whether the data
drifted (for a pipeline's check).`,
		Example: `  lathe drift stat --reference train.csv --current today.parquet
  lathe drift stat --reference train.csv --current today.csv --columns age,income --json
  lathe drift stat --reference a.jsonl --current b.jsonl --types zip=categorical --fail-on alert`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if refPath == "" || curPath == "" {
				return fmt.Errorf("--reference and --current are both needed")
			}
			if failOn != "" && failOn != api.DriftWarn && failOn != api.DriftAlert {
				return fmt.Errorf("--fail-on %q: want warn or alert", failOn)
			}
			if !(th.Warn > 0 && th.Alert >= th.Warn) {
				return fmt.Errorf("--warn %g --alert %g: want 0 < warn ≤ alert", th.Warn, th.Alert)
			}
			if !(th.DatasetShare > 0 && th.DatasetShare <= 1) {
				return fmt.Errorf("--share %g: want a share above 0, at most 1", th.DatasetShare)
			}
			typ, err := parseTypes(types)
			if err != nil {
				return err
			}
			opt := table.Options{Format: format, Columns: splitColumns(columns), Types: kindsOf(typ)}
			if columns != "" && len(opt.Columns) == 0 {
				return fmt.Errorf("--columns %q names no column", columns)
			}
			ref, err := table.ReadFile(refPath, opt)
			if err != nil {
				return err
			}
			// The current file is read with the reference's types, so a
			// numeric feature's stray text is a bad row there.
			opt.Hints = map[string]table.Kind{}
			for _, c := range ref.Columns {
				opt.Hints[c.Name] = c.Kind
			}
			cur, err := table.ReadFile(curPath, opt)
			if err != nil {
				return err
			}
			for _, side := range []struct {
				path string
				t    *table.Table
			}{{refPath, ref}, {curPath, cur}} {
				if err := drift.HasRows(side.path, side.t); err != nil {
					return err
				}
			}
			// The columns a model's policy names by default are not features.
			dp := registry.DefaultDriftPolicy()
			roles := map[string]string{dp.Prediction: "prediction", dp.Label: "label", dp.Challenger: "challenger"}
			cmp := drift.Compare(drift.Summarise(ref, 0), drift.Summarise(cur, 0), th, roles)
			cmp.NoteBadCells("reference", ref)
			cmp.NoteBadCells("current", cur)
			rep := cmp.API()
			rep.RowsRef, rep.RowsCur, rep.BadRef, rep.BadCur = ref.Rows, cur.Rows, ref.Bad, cur.Bad
			for _, side := range []struct {
				name string
				t    *table.Table
			}{{"reference", ref}, {"current", cur}} {
				for _, b := range side.t.FirstBad {
					rep.BadRows = append(rep.BadRows, api.BadRow{Side: side.name, Line: b.Line, Reason: b.Reason})
				}
			}
			if asJSON {
				err = printJSON(cmd.OutOrStdout(), rep)
			} else {
				printDriftReport(cmd.OutOrStdout(), rep, filepath.Base(refPath), filepath.Base(curPath))
			}
			if err == nil && failOn != "" && (rep.DatasetStatus == api.DriftAlert || rep.DatasetStatus == failOn) {
				return exitError{2}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&refPath, "reference", "", "the reference data: what the model was trained on")
	f.StringVar(&curPath, "current", "", "the current data: what it sees now")
	f.StringVar(&columns, "columns", "", "compare only these columns (comma-separated)")
	f.StringVar(&types, "types", "", "column types where inference is wrong: NAME=numeric|categorical, comma-separated")
	f.StringVar(&format, "format", "", "csv, jsonl or parquet (default: from the file name, else its content)")
	f.Float64Var(&th.Warn, "warn", th.Warn, "PSI at which a feature warns")
	f.Float64Var(&th.Alert, "alert", th.Alert, "PSI at which a feature alerts")
	f.Float64Var(&th.DatasetShare, "share", th.DatasetShare, "share of features alerting at which the data set alerts")
	f.StringVar(&failOn, "fail-on", "", "exit with status 2 when the data set's status is at least warn or alert")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// printDriftReport writes a comparison as a table, the columns that
// drifted most first.
func printDriftReport(w io.Writer, r api.DriftReport, refName, curName string) {
	if refName != "" {
		fmt.Fprintf(w, "%s (%s) against %s (%s)\n", curName, format.Plural(r.RowsCur, "row"), refName, format.Plural(r.RowsRef, "row"))
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tSTATUS\tPSI\tPSI p\tKS\tKS p\tW1 NORM\tJS\tχ² p\tN REF\tN CUR\tMISSING")
	for _, name := range driftOrder(r.Columns) {
		c := r.Columns[name]
		label := name + roleNote(name, c.Role)
		missing := fmt.Sprintf("%d/%d", c.MissingRef, c.MissingCur)
		if c.InfRef+c.InfCur > 0 {
			missing += fmt.Sprintf(" inf %d/%d", c.InfRef, c.InfCur)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", label, c.Type, strings.ToUpper(c.Status),
			stat(c.PSI), pvalue(c.PSIPValue), stat(c.KSStatistic), pvalue(c.KSPValue), stat(c.WassersteinNorm),
			stat(c.JS), pvalue(c.Chi2PValue), c.NRef, c.NCur, missing)
	}
	tw.Flush()
	for _, name := range driftOrder(r.Columns) {
		if note := r.Columns[name].Note; note != "" {
			fmt.Fprintf(w, "  %s: %s\n", name, note)
		}
	}
	fmt.Fprintf(w, "data set: %s, %s of its features alert\n", strings.ToUpper(r.DatasetStatus), percentOf(float64(r.DriftShare)))
	if len(r.Absent) > 0 {
		fmt.Fprintf(w, "absent from the current data: %s\n", strings.Join(r.Absent, ", "))
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(w, "not in the reference (not compared): %s\n", strings.Join(r.Ignored, ", "))
	}
	if q := r.Quality; q != nil {
		fmt.Fprintf(w, "quality: %s %s on %s\n", q.Metric, strconv.FormatFloat(float64(q.Value), 'g', 4, 64), format.Plural(q.Rows, "labelled row"))
	}
	if s := r.Shadow; s != nil {
		fmt.Fprintln(w, shadowLine(*s))
	}
	if r.BadRef+r.BadCur > 0 {
		fmt.Fprintf(w, "bad rows skipped: %d in the reference, %d in the current data\n", r.BadRef, r.BadCur)
		for _, b := range r.BadRows {
			fmt.Fprintf(w, "  %s line %d: %s\n", b.Side, b.Line, b.Reason)
		}
	}
}

// shadowLine says how a challenger did beside the champion.
func shadowLine(s api.Shadow) string {
	if s.Metric == "" {
		return fmt.Sprintf("shadow v%d: too few paired rows (%d)", s.Version, s.Rows)
	}
	verdict := "not better"
	if s.Better {
		verdict = "better"
	}
	return fmt.Sprintf("shadow v%d against the champion: %s %.4g vs %.4g on %d rows, %+.4g [%+.4g, %+.4g], %s p %s: %s",
		s.Version, s.Metric, float64(s.Challenger), float64(s.Champion), s.Rows, float64(s.Diff), float64(s.Lo), float64(s.Hi),
		s.Test, pvalue(&s.PValue), verdict)
}

// driftOrder lists columns by PSI, highest first, then by name.
func driftOrder(cols map[string]api.DriftColumn) []string {
	names := make([]string, 0, len(cols))
	for name := range cols {
		names = append(names, name)
	}
	psi := func(n string) float64 {
		if p := cols[n].PSI; p != nil {
			return float64(*p)
		}
		return -1
	}
	slices.SortFunc(names, func(a, b string) int {
		if pa, pb := psi(a), psi(b); pa != pb {
			if pa > pb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return names
}

func stat(v *api.Float) string {
	switch {
	case v == nil:
		return "–"
	case math.Abs(float64(*v)) >= 1e5:
		return strconv.FormatFloat(float64(*v), 'g', 4, 64)
	}
	return strconv.FormatFloat(float64(*v), 'f', 4, 64)
}

func pvalue(v *api.Float) string {
	switch {
	case v == nil:
		return "–"
	case *v < 1e-4:
		return "<0.0001"
	}
	return strconv.FormatFloat(float64(*v), 'f', 4, 64)
}

func percentOf(share float64) string {
	return strconv.FormatFloat(share*100, 'f', 0, 64) + "%"
}

// dataFlags reads --data (made a path the engine can read from where it
// runs) and --types.
func dataFlags(data, types string) (path string, typ map[string]string, err error) {
	if data == "" {
		return "", nil, fmt.Errorf("--data is needed: a CSV, JSON-lines or Parquet file")
	}
	if path, err = filepath.Abs(data); err != nil {
		return "", nil, err
	}
	typ, err = parseTypes(types)
	return path, typ, err
}

func newDriftReferenceCmd() *cobra.Command {
	var data, types, dataFormat string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "reference NAME[@VERSION] --data FILE",
		Short: "Keep a data file's summary as a model version's reference",
		Long: `Summarise a data file (usually the training data) as the reference a model
version's production data is scored against. Only the summary is kept: per
feature its decile edges and counts, a sorted sample of at most [drift]
sample values (100 000 by default) for KS and Wasserstein, category counts.
Without @VERSION, the newest version. A version registered from a run that
names a train data set (lathe.dataset("train", path)) gets its reference
on its own.`,
		Example:           "  lathe drift reference digits@3 --data data/train.csv",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeModels,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, typ, err := dataFlags(data, types)
			if err != nil {
				return err
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.DriftReference, error) {
				return c.SetDriftReference(ctx, api.DriftReferenceRequest{Ref: args[0], Data: path, Format: dataFormat, Types: typ})
			}, func(w io.Writer, r api.DriftReference) error {
				fmt.Fprintf(w, "%s v%d: reference of %s, %s (%s)\n", r.Model, r.Version, format.Plural(r.Rows, "row"), format.Plural(len(r.Features), "column"), featureKinds(r.Features))
				if r.Bad > 0 {
					fmt.Fprintf(w, "%s skipped\n", format.Plural(r.Bad, "bad row"))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "the data file (CSV, JSON lines or Parquet)")
	cmd.Flags().StringVar(&types, "types", "", "column types where inference is wrong: NAME=numeric|categorical, comma-separated")
	cmd.Flags().StringVar(&dataFormat, "format", "", "csv, jsonl or parquet (default: from the file name, else its content)")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// featureKinds counts a reference's features by kind.
func featureKinds(features map[string]string) string {
	n := map[string]int{}
	for _, k := range features {
		n[k]++
	}
	return fmt.Sprintf("%d numeric, %d categorical", n["numeric"], n["categorical"])
}

// parseWhen reads --time: RFC 3339, "2006-01-02 15:04[:05]" (local), a
// date, or Unix seconds.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := parseTime(s)
	switch {
	case err != nil:
		return t, fmt.Errorf("--time %q: write 2026-12-02T10:00:00Z, \"2026-12-02 10:00\" (local time), 2026-12-02 or Unix seconds", s)
	case t.Year() < 1970 || t.After(time.Now().AddDate(1, 0, 0)):
		return t, fmt.Errorf("--time %q: %s is not a time production data comes from", s, t.Format(time.DateTime))
	}
	return t, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.DateTime, "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return time.Unix(n, 0), err
}

func newDriftIngestCmd() *cobra.Command {
	var data, types, dataFormat, when string
	var challenger int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ingest NAME[@VERSION] --data FILE",
		Short: "Score a batch of production data and file it in its window",
		Long: `Score a batch of production data against the model's reference (the
champion's, else the newest version's that has one; @VERSION names
another) and file it in its time window: each batch its own window, or by
hour or day (the policy's [drift] window). The window's scores cover all
its rows.

A prediction column gives prediction drift; a label column gives the
model's quality (accuracy, AUC or RMSE as fits). A challenger column with
--challenger N is shadow evaluation: the challenger's predictions scored
beside the champion's on the same rows, with a paired test. Column names
are the policy's (prediction, label, challenger by default).

When the window turns to alert, the engine runs [drift] on_drift, and with
retrain = true in the policy starts the champion's training run again, at
most once per cool-down.`,
		Example: `  lathe drift ingest digits --data batches/2026-12-02.csv
  lathe drift ingest digits --data shadow.parquet --challenger 4 --time "2026-12-02 10:00"`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeModels,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, typ, err := dataFlags(data, types)
			if err != nil {
				return err
			}
			t, err := parseWhen(when)
			if err != nil {
				return err
			}
			if challenger < 0 {
				return fmt.Errorf("--challenger %d: name a version (1, 2, …)", challenger)
			}
			return answer(cmd, asJSON, func(ctx context.Context, c *client.Client) (api.DriftIngestResult, error) {
				return c.IngestDrift(ctx, api.DriftIngestRequest{Ref: args[0], Data: path, Format: dataFormat, Types: typ, Time: t, Challenger: challenger})
			}, func(w io.Writer, r api.DriftIngestResult) error {
				win := r.Window
				fmt.Fprintf(w, "%s window #%d (%s, %s, %s) against v%d's reference: %s\n", win.Model, win.Seq,
					win.Start.Local().Format("2006-01-02 15:04"), batchCount(win.Batches), format.Plural(win.RowsCur, "row"), win.Version, strings.ToUpper(win.DatasetStatus))
				printDriftReport(w, win.DriftReport, "", "")
				if r.Alerted {
					fmt.Fprintln(w, "ALERT: the window turned to alert")
				}
				if h := r.Hook; h != nil {
					fmt.Fprintf(w, "on_drift hook: exit %d%s\n", h.ExitCode, map[bool]string{true: " (timed out)"}[h.TimedOut])
				}
				if rt := r.Retrain; rt != nil {
					fmt.Fprintln(w, retrainLine(*rt))
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&data, "data", "", "the batch (CSV, JSON lines or Parquet)")
	f.StringVar(&types, "types", "", "column types where inference is wrong: NAME=numeric|categorical, comma-separated")
	f.StringVar(&dataFormat, "format", "", "csv, jsonl or parquet (default: from the file name, else its content)")
	f.StringVar(&when, "time", "", "when the batch's data is from (default: now), which places it in a window")
	f.IntVar(&challenger, "challenger", 0, "the version whose predictions the challenger column holds (shadow evaluation)")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// batchCount is "1 batch", "3 batches".
func batchCount(n int) string {
	if n == 1 {
		return "1 batch"
	}
	return strconv.Itoa(n) + " batches"
}

// retrainLine says what an alert did about retraining.
func retrainLine(rt api.Retrain) string {
	if rt.Run != "" {
		return fmt.Sprintf("retrain: started run %s (a rerun of %s)", rt.Run, rt.Of)
	}
	return "retrain: not started: " + rt.Skipped
}

func newDriftShowCmd() *cobra.Command {
	var windows, window int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME [--window N]",
		Short: "Print a model's drift: windows × features, with statuses",
		Long: `Print a model's drift: its references, and its newest windows as columns
with each feature's PSI and status letter, the data set's share of alerting
features, quality, shadow results and retrains. With --window N, one
window's every statistic with its p-value.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeModels,
		RunE: func(cmd *cobra.Command, args []string) error {
			if windows < 1 {
				return fmt.Errorf("--windows %d: want 1 or more", windows)
			}
			if window < 0 {
				return fmt.Errorf("--window %d: windows are numbered from 1", window)
			}
			return answer(cmd, asJSON && window == 0, func(ctx context.Context, c *client.Client) (api.ModelDrift, error) {
				return c.Drift(ctx, api.DriftQuery{Model: args[0], Windows: windows, Window: window})
			}, func(w io.Writer, d api.ModelDrift) error {
				if len(d.Damaged) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "lathe: %s of %s cannot be read (the store is damaged: lathe store check)\n", format.Plural(len(d.Damaged), "window"), d.Model)
				}
				if window == 0 {
					printModelDrift(w, d, terminalWidth())
					return nil
				}
				i := slices.IndexFunc(d.Windows, func(x api.DriftWindow) bool { return x.Seq == window })
				if i < 0 {
					return fmt.Errorf("%s has no window #%d", d.Model, window)
				}
				win := d.Windows[i]
				if asJSON {
					return printJSON(w, win)
				}
				fmt.Fprintf(w, "%s window #%d from %s to %s, %s, against v%d's reference: %s\n", d.Model, win.Seq,
					win.Start.Local().Format(time.DateTime), win.End.Local().Format(time.DateTime), batchCount(win.Batches), win.Version, strings.ToUpper(win.DatasetStatus))
				printDriftReport(w, win.DriftReport, "", "")
				if win.Retrain != nil {
					fmt.Fprintln(w, retrainLine(*win.Retrain))
				}
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&windows, "windows", 12, "how many of the newest windows")
	cmd.Flags().IntVar(&window, "window", 0, "one window, whole: every statistic with its p-value")
	jsonFlag(cmd, &asJSON, "")
	return cmd
}

// terminalWidth is the width of the terminal standard output is, or 0.
func terminalWidth() int {
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
		return w
	}
	return 0
}

// printModelDrift writes a model's windows as columns (oldest left) and its
// features as rows, each cell the feature's PSI and status letter, the
// newest windows that fit in width (0: all).
func printModelDrift(w io.Writer, d api.ModelDrift, width int) {
	s := d.Settings
	fmt.Fprintf(w, "%s: PSI warn %g, alert %g; the data set alerts at %s of features; windows by %s\n",
		d.Model, float64(s.Warn), float64(s.Alert), percentOf(float64(s.DatasetShare)), s.Window)
	if len(d.References) == 0 {
		fmt.Fprintf(w, "no reference yet: lathe drift reference %s --data TRAINING_FILE\n", d.Model)
		return
	}
	for _, r := range d.References {
		from := r.Source
		if r.Dataset != "" {
			from = "data set " + r.Dataset + " (" + r.Source + ")"
		}
		fmt.Fprintf(w, "reference v%d: %s from %s\n", r.Version, format.Plural(r.Rows, "row"), from)
	}
	if len(d.Windows) == 0 {
		fmt.Fprintf(w, "no batches yet: lathe drift ingest %s --data BATCH_FILE\n", d.Model)
		return
	}
	wins := slices.Clone(d.Windows)
	slices.Reverse(wins)
	latest := wins[len(wins)-1]
	if width > 0 {
		nameW := len("DATA SET")
		for name, c := range latest.Columns {
			nameW = max(nameW, len(name+roleNote(name, c.Role)))
		}
		const cellW = 13 // "01-02 15:04" and the gap
		if fit := max(1, (width-nameW-2)/cellW); fit < len(wins) {
			fmt.Fprintf(w, "the newest %d of %d windows (a wider terminal shows more)\n", fit, len(wins))
			wins = wins[len(wins)-fit:]
		}
	}
	tw := newTable(w)
	head, when := []string{"FEATURE"}, []string{""}
	for _, win := range wins {
		head = append(head, "#"+strconv.Itoa(win.Seq))
		when = append(when, win.Start.Local().Format("01-02 15:04"))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	fmt.Fprintln(tw, strings.Join(when, "\t"))
	for _, name := range driftOrder(latest.Columns) {
		row := []string{name + roleNote(name, latest.Columns[name].Role)}
		for _, win := range wins {
			c, ok := win.Columns[name]
			if !ok {
				row = append(row, "–")
				continue
			}
			row = append(row, stat(c.PSI)+" "+statusLetter(c.Status))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	row := []string{"DATA SET"}
	for _, win := range wins {
		row = append(row, percentOf(float64(win.DriftShare))+" "+statusLetter(win.DatasetStatus))
	}
	fmt.Fprintln(tw, strings.Join(row, "\t"))
	if slices.ContainsFunc(wins, func(w api.DriftWindow) bool { return w.Quality != nil }) {
		row := []string{"QUALITY"}
		for _, win := range wins {
			if q := win.Quality; q != nil {
				row = append(row, strconv.FormatFloat(float64(q.Value), 'f', 4, 64))
			} else {
				row = append(row, "–")
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	fmt.Fprintf(w, "o ok · W warn · A alert; cells are PSI (every statistic and p-value: lathe drift show %s --window %d)\n", d.Model, latest.Seq)
	for _, win := range wins {
		if win.Shadow != nil {
			fmt.Fprintf(w, "#%d %s\n", win.Seq, shadowLine(*win.Shadow))
		}
		if win.Retrain != nil {
			fmt.Fprintf(w, "#%d %s\n", win.Seq, retrainLine(*win.Retrain))
		}
	}
}

// roleNote marks a column that is not a feature, unless its name says it.
func roleNote(name, role string) string {
	if role == "" || role == name {
		return ""
	}
	return " (" + role + ")"
}

func statusLetter(s string) string {
	switch s {
	case api.DriftAlert:
		return "A"
	case api.DriftWarn:
		return "W"
	}
	return "o"
}
