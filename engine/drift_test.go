package engine

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/config"
	"lathe/store"
)

// writeBatch writes rows of features a (numeric), b (numeric) and city
// (categorical), with a prediction and a label, as CSV: a shifted by
// shift (and half the cities new when it is), the labels agreeing with the predictions on all but every
// wrong-th row. The values come from a fixed sequence, so batches are
// reproducible.
func writeBatch(t *testing.T, path string, rows int, seed int, shift float64, wrong int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("a,b,city,prediction,label\n")
	cities := []string{"Oslo", "Lyon", "Kyoto"}
	for i := range rows {
		u := math.Mod(float64(i*7919+seed*104729)*0.6180339887, 1)
		v := math.Mod(float64(i*6151+seed*7907)*0.4142135623, 1)
		pred := i % 2
		label := pred
		if wrong > 0 && i%wrong == 0 {
			label = 1 - pred
		}
		city := cities[i%3]
		if shift != 0 && i%2 == 0 {
			city = "Quito" // a city the training data never saw
		}
		fmt.Fprintf(&b, "%g,%g,%s,%d,%d\n", u*10+shift, v, city, pred, label)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// trainedWithData runs a job that names train.csv (in its folder) as its
// train data set, registers it as a version of model and waits until the
// version has its reference.
func trainedWithData(t *testing.T, e *Engine, model string) api.ModelVersion {
	t.Helper()
	cwd := t.TempDir()
	writeBatch(t, filepath.Join(cwd, "train.csv"), 2000, 1, 0, 10)
	os.WriteFile(filepath.Join(cwd, "model.bin"), []byte("weights"), 0o644)
	script := `echo '{"dataset": {"name": "features", "path": "train.csv", "role": "train"}}' >> "$LATHE_METRICS_FILE"
echo '{"step": 1, "metrics": {"val_acc": 0.9}}' >> "$LATHE_METRICS_FILE"
echo '{"artifact": {"name": "model", "path": "model.bin"}}' >> "$LATHE_METRICS_FILE"`
	r := wait(t, e, submit(t, e, api.SubmitRequest{Cwd: cwd, Command: sh(script)}).ID)
	v, err := e.Register(ctxT(t), api.RegisterRequest{Run: r.ID, Model: model}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := e.Drift(ctxT(t), api.DriftQuery{Model: model})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(d.References, func(r api.DriftReference) bool { return r.Version == v.Version }) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reference from the train data set after 20s: %+v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDriftEndToEnd: a reference from a training run, three batches, the
// third shifted; the alert runs the hook, queues the retrain exactly once
// within the cool-down, and every step is in the audit log.
func TestDriftEndToEnd(t *testing.T) {
	hookOut := filepath.Join(t.TempDir(), "hook")
	e := openEngine(t, t.TempDir(), func(cfg *config.Config) {
		cfg.Drift.OnDrift = `echo "$LATHE_MODEL $LATHE_VERSION $LATHE_WINDOW $LATHE_FEATURES" >> ` + hookOut
	})
	defer e.Close()
	v := trainedWithData(t, e, "fraud")
	review(t, e.Promote, api.ReviewRequest{Model: "fraud", Version: v.Version})
	review(t, e.Approve, api.ReviewRequest{Model: "fraud", Version: v.Version})
	setPolicy(t, e, "fraud", `primary_metric = "val_acc"
direction = "max"
[drift]
retrain = true
cooldown = "24h"
`)
	data := t.TempDir()
	ingest := func(name string, shift float64, wrong int) api.DriftIngestResult {
		t.Helper()
		path := filepath.Join(data, name)
		writeBatch(t, path, 1000, len(name), shift, wrong)
		res, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "fraud", Data: path})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for i, name := range []string{"b1.csv", "b2.csv"} {
		res := ingest(name, 0, 10)
		if res.Window.Seq != i+1 || res.Window.DatasetStatus == api.DriftAlert || res.Alerted {
			t.Fatalf("batch %d: window %+v", i+1, res.Window)
		}
		if q := res.Window.Quality; q == nil || q.Metric != "accuracy" || math.Abs(float64(q.Value)-0.9) > 1e-9 || q.Rows != 1000 {
			t.Errorf("batch %d quality %+v", i+1, q)
		}
	}
	res := ingest("b3.csv", 6, 3)
	w := res.Window
	if !res.Alerted || w.DatasetStatus != api.DriftAlert || w.Columns["a"].Status != api.DriftAlert || w.Columns["b"].Status == api.DriftAlert {
		t.Fatalf("shifted batch: alerted %v, window %s, a %s, b %s", res.Alerted, w.DatasetStatus, w.Columns["a"].Status, w.Columns["b"].Status)
	}
	if w.Quality == nil || float64(w.Quality.Value) > 0.7 {
		t.Errorf("quality did not fall: %+v", w.Quality)
	}
	if res.Hook == nil || res.Hook.ExitCode != 0 {
		t.Fatalf("hook %+v", res.Hook)
	}
	if got, _ := os.ReadFile(hookOut); string(got) != fmt.Sprintf("fraud %d 3 a,city\n", v.Version) {
		t.Errorf("the hook saw %q", got)
	}
	hookRuns := func() int {
		got, _ := os.ReadFile(hookOut)
		return strings.Count(string(got), "\n")
	}
	if res.Retrain == nil || res.Retrain.Run == "" || res.Retrain.Of != v.Run {
		t.Fatalf("retrain %+v", res.Retrain)
	}
	retrained, err := e.Run(ctxT(t), res.Retrain.Run)
	if err != nil {
		t.Fatal(err)
	}
	if retrained.Tags["drift_alert"] != "fraud#3" || retrained.Tags[RerunTag] != v.Run {
		t.Errorf("retrain's tags %v", retrained.Tags)
	}

	// Still shifted: the model alerts on, but that is no news.
	res = ingest("b4.csv", 6, 3)
	if res.Alerted || res.Window.DatasetStatus != api.DriftAlert || res.Hook != nil || res.Retrain != nil {
		t.Fatalf("a second alerting window in a row: alerted %v, hook %+v, retrain %+v", res.Alerted, res.Hook, res.Retrain)
	}
	// Back to normal, then shifted again: a new alert runs the hook, but
	// the cool-down holds the retrain.
	if res = ingest("b5.csv", 0, 10); res.Window.DatasetStatus == api.DriftAlert {
		t.Fatalf("a normal batch alerts: %+v", res.Window.DriftReport)
	}
	res = ingest("b6.csv", 6, 3)
	if !res.Alerted || res.Retrain == nil || res.Retrain.Run != "" || !strings.Contains(res.Retrain.Skipped, "cool-down") {
		t.Fatalf("second alert: %+v retrain %+v", res.Alerted, res.Retrain)
	}
	if n := hookRuns(); n != 2 {
		t.Errorf("the hook ran %d times for two alerts", n)
	}
	runs, err := e.Runs(ctxT(t), api.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range runs {
		if r.Tags["drift_alert"] != "" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d retrain runs, want 1", n)
	}

	d, err := e.Drift(ctxT(t), api.DriftQuery{Model: "fraud"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Windows) != 6 || d.Windows[0].Seq != 6 || d.Status != api.DriftAlert || d.LastRetrain == nil || d.LastRetrain.Run != retrained.ID {
		t.Errorf("drift: %d windows, status %s, last retrain %+v", len(d.Windows), d.Status, d.LastRetrain)
	}
	if w := d.Windows[3]; w.Seq != 3 || w.Retrain == nil || w.Retrain.Run != retrained.ID {
		t.Errorf("window #%d does not say it retrained: %+v", w.Seq, w.Retrain)
	}
	if w := d.Windows[0]; w.Retrain == nil || w.Retrain.Skipped == "" {
		t.Errorf("window #6 does not say why it did not retrain: %+v", w.Retrain)
	}
	models, err := e.Models(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if models[0].Drift != api.DriftAlert || !slices.Equal(models[0].DriftAlerting, []string{"a", "city"}) {
		t.Errorf("model summary drift %q %v", models[0].Drift, models[0].DriftAlerting)
	}
	entries, err := e.Audit(ctxT(t), api.AuditQuery{Model: "fraud"})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, en := range entries {
		count[en.Action]++
	}
	if count["drift reference"] != 1 || count["drift alert"] != 2 || count["drift retrain"] != 2 {
		t.Errorf("audit actions %v", count)
	}
	if rep := verifyAudit(t, e); !rep.OK {
		t.Errorf("audit chain: %+v", rep)
	}
}

// TestDriftWindowsByHour: batches of the same hour are one window whose
// scores cover all their rows; the next hour opens another.
func TestDriftWindowsByHour(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	trainedWithData(t, e, "m")
	setPolicy(t, e, "m", "primary_metric = \"val_acc\"\ndirection = \"max\"\n[drift]\nwindow = \"hour\"\n")
	data := t.TempDir()
	at := time.Date(2026, 12, 2, 10, 5, 0, 0, time.UTC)
	for i, c := range []struct {
		minutes int
		shift   float64
		seq     int
		batches int
		rows    int
	}{{0, 0, 1, 1, 500}, {20, 0, 1, 2, 1000}, {50, 6, 1, 3, 1500}, {60, 0, 2, 1, 500}} {
		path := filepath.Join(data, fmt.Sprintf("b%d.csv", i))
		writeBatch(t, path, 500, i+2, c.shift, 0)
		res, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "m", Data: path, Time: at.Add(time.Duration(c.minutes) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		w := res.Window
		if w.Seq != c.seq || w.Batches != c.batches || w.RowsCur != c.rows || w.Columns["a"].NCur != c.rows {
			t.Errorf("batch %d: window #%d, %d batches, %d rows (a: %d), want #%d %d %d", i, w.Seq, w.Batches, w.RowsCur, w.Columns["a"].NCur, c.seq, c.batches, c.rows)
		}
		if i == 2 {
			// A third of the window's rows moved: a drifts, as a whole.
			if psi := w.Columns["a"].PSI; psi == nil || *psi < 0.25 || float64(*res.Batch.Columns["a"].PSI) <= float64(*psi) {
				t.Errorf("window a PSI %v, batch %v", psi, res.Batch.Columns["a"].PSI)
			}
		}
	}
}

// TestDriftGates: require_drift_ok reads the latest window scored against
// the challenger's own reference, and [shadow] wants the challenger to beat
// the champion on live rows.
func TestDriftGates(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	v1 := trainedWithData(t, e, "m")
	review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v1.Version})
	review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v1.Version})
	v2 := trainedWithData(t, e, "m")
	setPolicy(t, e, "m", `primary_metric = "val_acc"
direction = "max"
require_drift_ok = true
[shadow]
min_rows = 500
alpha = 0.05
`)
	req := review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v2.Version})
	gate := func(r api.Request, name string) api.Check {
		i := slices.IndexFunc(r.Checks, func(c api.Check) bool { return c.Gate == name })
		if i < 0 {
			t.Fatalf("no %s gate in %+v", name, r.Checks)
		}
		return r.Checks[i]
	}
	if c := gate(req, "drift"); c.Verdict != api.NotMeasured {
		t.Errorf("drift before any batch: %+v", c)
	}
	if c := gate(req, "shadow"); c.Verdict != api.Fail || req.State != api.RequestBlocked {
		t.Errorf("shadow before any batch: %+v, request %s", c, req.State)
	}
	review(t, e.Reject, api.ReviewRequest{Model: "m", Version: v2.Version, Comment: "wait for live data"})

	// A shifted batch carrying v2's predictions, better than v1's.
	path := filepath.Join(t.TempDir(), "shadow.csv")
	var b strings.Builder
	b.WriteString("a,b,city,prediction,label,challenger\n")
	for i := range 1000 {
		label := i % 2
		pred, chal := label, label
		if i%5 == 0 {
			pred = 1 - label
		}
		if i%50 == 0 {
			chal = 1 - label
		}
		fmt.Fprintf(&b, "%g,%g,Oslo,%d,%d,%d\n", float64(i%100)/10+6, float64(i%37)/37, pred, label, chal)
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	res, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "m", Data: path, Challenger: v2.Version})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Window.Shadow; s == nil || !s.Better || s.Test != "mcnemar" || s.Rows != 1000 {
		t.Fatalf("shadow %+v", s)
	}
	req = review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v2.Version})
	if c := gate(req, "drift"); c.Verdict != api.Fail || !strings.Contains(c.Detail, "window #1") {
		t.Errorf("drift after a shifted batch: %+v", c)
	}
	if c := gate(req, "shadow"); c.Verdict != api.Pass {
		t.Errorf("shadow after 1000 better rows: %+v", c)
	}
}

func TestDriftRefusals(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	versionWith(t, e, "plain", "", 0.9, 5, nil)
	batch := filepath.Join(t.TempDir(), "b.csv")
	writeBatch(t, batch, 10, 1, 0, 0)
	for _, c := range []struct {
		name string
		err  error
		kind error
		says string
	}{
		{"no reference", func() error {
			_, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "plain", Data: batch})
			return err
		}(), api.ErrNotFound, "plain has no drift reference"},
		{"no model", func() error {
			_, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "nope", Data: batch})
			return err
		}(), api.ErrNotFound, "nope"},
		{"relative path", func() error {
			_, err := e.SetDriftReference(ctxT(t), api.DriftReferenceRequest{Ref: "plain", Data: "b.csv"})
			return err
		}(), api.ErrInvalid, "absolute path"},
		{"missing file", func() error {
			_, err := e.SetDriftReference(ctxT(t), api.DriftReferenceRequest{Ref: "plain", Data: batch + ".gone"})
			return err
		}(), api.ErrNotFound, "no such file"},
		{"challenger without a champion", func() error {
			_, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "plain", Data: batch, Challenger: 1})
			return err
		}(), api.ErrInvalid, "plain has no champion"},
		{"no such challenger", func() error {
			_, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "plain", Data: batch, Challenger: 7})
			return err
		}(), api.ErrNotFound, "no version 7"},
		{"bad type", func() error {
			_, err := e.SetDriftReference(ctxT(t), api.DriftReferenceRequest{Ref: "plain", Data: batch, Types: map[string]string{"a": "text"}})
			return err
		}(), api.ErrInvalid, "column a"},
	} {
		isErr(t, c.err, c.kind, c.says)
	}
}

// TestDriftWatchedFolder: a batch file dropped in the watched folder is
// ingested once, when it has held still; a file that cannot be read is
// tried once.
func TestDriftWatchedFolder(t *testing.T) {
	e := openEngine(t, t.TempDir(), func(cfg *config.Config) {
		cfg.Drift.WatchInterval = config.Duration(30 * time.Millisecond)
	})
	defer e.Close()
	trainedWithData(t, e, "m")
	dir := t.TempDir()
	setPolicy(t, e, "m", fmt.Sprintf("primary_metric = \"val_acc\"\ndirection = \"max\"\n[drift]\nwatch = %q\n", dir))
	writeBatch(t, filepath.Join(dir, "first.csv"), 300, 3, 0, 0)
	os.WriteFile(filepath.Join(dir, "broken.csv"), []byte(""), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a batch"), 0o644)
	windows := func() []api.DriftWindow {
		d, err := e.Drift(ctxT(t), api.DriftQuery{Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		return d.Windows
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(windows()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the watched batch was not ingested in 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // ten more looks
	if w := windows(); len(w) != 1 || w[0].RowsCur != 300 {
		t.Fatalf("windows after ten more looks: %d", len(w))
	}
}

// TestDriftAlertResumed: an engine that recorded an alert but stopped
// before its hook and retrain finishes them when it opens again, once,
// and finds a retrain it had started rather than starting another.
func TestDriftAlertResumed(t *testing.T) {
	home := t.TempDir()
	hookOut := filepath.Join(t.TempDir(), "hook")
	tune := func(cfg *config.Config) { cfg.Drift.OnDrift = `echo "$LATHE_WINDOW" >> ` + hookOut }
	e := openEngine(t, home, nil) // no hook yet: the alert's actions are "lost"
	v := trainedWithData(t, e, "m")
	review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v.Version})
	review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v.Version})
	path := filepath.Join(t.TempDir(), "b.csv")
	writeBatch(t, path, 500, 2, 6, 0)
	res, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "m", Data: path})
	if err != nil || !res.Alerted {
		t.Fatalf("alerted %v, %v", res.Alerted, err)
	}
	setPolicy(t, e, "m", "primary_metric = \"val_acc\"\ndirection = \"max\"\n[drift]\nretrain = true\n")
	pend := func(e *Engine) {
		t.Helper()
		err := e.db.Update(ctxT(t), func(tx *store.Tx) error {
			st, err := readDriftState(tx, "m")
			if err != nil {
				return err
			}
			st.Pending = res.Window.Seq
			return putDriftState(tx, "m", st)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	pend(e) // as if the engine stopped right after the alert's commit
	e.Close()

	retrains := func(e *Engine) []api.Run {
		runs, err := e.Runs(ctxT(t), api.RunQuery{Filter: `tags.drift_alert = "m#1"`})
		if err != nil {
			t.Fatal(err)
		}
		return runs
	}
	waitState := func(e *Engine) driftState {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			var st driftState
			e.db.View(func(tx *store.Tx) error { st, _ = readDriftState(tx, "m"); return nil })
			if st.Pending == 0 {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatal("the pending alert was not finished in 10s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	e = openEngine(t, home, tune)
	st := waitState(e)
	if n := len(retrains(e)); n != 1 || st.LastRetrain == nil || st.LastRetrain.Run != retrains(e)[0].ID {
		t.Fatalf("after the restart: %d retrain runs, last %+v", n, st.LastRetrain)
	}
	if got, _ := os.ReadFile(hookOut); string(got) != "1\n" {
		t.Errorf("the hook saw %q", got)
	}
	// Stopped again after starting the retrain but before recording it.
	pend(e)
	e.db.Update(ctxT(t), func(tx *store.Tx) error {
		st, _ := readDriftState(tx, "m")
		st.LastRetrain = nil
		return putDriftState(tx, "m", st)
	})
	e.Close()
	e = openEngine(t, home, tune)
	defer e.Close()
	st = waitState(e)
	if runs := retrains(e); len(runs) != 1 || st.LastRetrain == nil || st.LastRetrain.Run != runs[0].ID {
		t.Errorf("a resumed alert started another retrain: %d runs, last %+v", len(runs), st.LastRetrain)
	}
}

// TestDriftLateBatch: a batch older than the latest hour's window is
// refused, saying why, rather than opening a second window of its hour.
func TestDriftLateBatch(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	trainedWithData(t, e, "m")
	setPolicy(t, e, "m", "primary_metric = \"val_acc\"\ndirection = \"max\"\n[drift]\nwindow = \"hour\"\n")
	path := filepath.Join(t.TempDir(), "b.csv")
	writeBatch(t, path, 100, 2, 0, 0)
	at := time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)
	for _, when := range []time.Time{at.Add(-time.Hour), at} {
		if _, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "m", Data: path, Time: when}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "m", Data: path, Time: at.Add(-30 * time.Minute)})
	isErr(t, err, api.ErrConflict, "before the latest window #2")
	d, _ := e.Drift(ctxT(t), api.DriftQuery{Model: "m"})
	if len(d.Windows) != 2 {
		t.Errorf("%d windows after a refused late batch", len(d.Windows))
	}
}

// TestDriftClassNames: labels and predictions written as class names give
// the quality as accuracy, as numbers would.
func TestDriftClassNames(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	versionWith(t, e, "pets", "", 0.9, 5, nil)
	dir := t.TempDir()
	write := func(name string, wrong int) string {
		var b strings.Builder
		b.WriteString("weight,prediction,label\n")
		for i := range 200 {
			label := []string{"cat", "dog"}[i%2]
			pred := label
			if i%wrong == 0 {
				pred = []string{"dog", "cat"}[i%2]
			}
			fmt.Fprintf(&b, "%d,%s,%s\n", i%40, pred, label)
		}
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(b.String()), 0o644)
		return path
	}
	if _, err := e.SetDriftReference(ctxT(t), api.DriftReferenceRequest{Ref: "pets", Data: write("train.csv", 10)}); err != nil {
		t.Fatal(err)
	}
	res, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "pets", Data: write("b.csv", 4)})
	if err != nil {
		t.Fatal(err)
	}
	if q := res.Window.Quality; q == nil || q.Metric != "accuracy" || float64(q.Value) != 0.75 || q.Rows != 200 {
		t.Errorf("quality %+v", q)
	}
}

// TestDriftSlowHookHoldsNoOtherModel: while one model's alert waits for
// its hook, another model's batches are scored.
func TestDriftSlowHookHoldsNoOtherModel(t *testing.T) {
	e := openEngine(t, t.TempDir(), func(cfg *config.Config) {
		cfg.Drift.OnDrift = "sleep 3"
		cfg.Registry.HookTimeout = config.Duration(10 * time.Second)
	})
	defer e.Close()
	trainedWithData(t, e, "slow")
	trainedWithData(t, e, "other")
	dir := t.TempDir()
	shifted, plain := filepath.Join(dir, "shifted.csv"), filepath.Join(dir, "plain.csv")
	writeBatch(t, shifted, 300, 2, 6, 0)
	writeBatch(t, plain, 300, 3, 0, 0)
	done := make(chan api.DriftIngestResult)
	go func() {
		res, _ := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "slow", Data: shifted})
		done <- res
	}()
	time.Sleep(300 * time.Millisecond) // the alert's hook is running
	start := time.Now()
	if _, err := e.IngestDrift(ctxT(t), api.DriftIngestRequest{Ref: "other", Data: plain}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("another model's batch waited %v for a hook", took)
	}
	if res := <-done; !res.Alerted || res.Hook == nil || res.Hook.ExitCode != 0 {
		t.Errorf("the slow model's alert: %+v hook %+v", res.Alerted, res.Hook)
	}
}
