package tui

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"lathe/engine/api"
)

// driftPSI is each column's PSI in windows #1 to #8 of fixtureDrift, NaN
// where the window lacks the column: the features drift from #5 (income
// first), the prediction follows, the label comes only with the windows
// that had labels (#2, #4, #6, #7, #8), and region is absent from #3.
var driftPSI = map[string][8]float64{
	"income":    {0.02, 0.03, 0.02, 0.04, 0.15, 0.28, 0.35, 0.41},
	"age":       {0.01, 0.02, 0.03, 0.02, 0.08, 0.18, 0.27, 0.30},
	"hours":     {0.03, 0.02, 0.02, 0.03, 0.05, 0.09, 0.16, 0.26},
	"education": {0.01, 0.01, 0.02, 0.01, 0.03, 0.04, 0.07, 0.12},
	"region":    {0.01, 0.02, math.NaN(), 0.01, 0.02, 0.01, 0.02, 0.02},
	"digit":     {0.01, 0.02, 0.01, 0.02, 0.06, 0.12, 0.19, 0.28},
	"truth":     {math.NaN(), 0.01, math.NaN(), 0.02, math.NaN(), 0.05, 0.08, 0.11},
}

// driftQuality is the accuracy of the windows with labels.
var driftQuality = map[int]float64{2: 0.951, 4: 0.948, 6: 0.925, 7: 0.911, 8: 0.897}

// driftColumn is a column of fixtureDrift in window seq: its numbers made
// from its PSI, its bins the reference's tilted by it.
func driftColumn(name string, seq int) (api.DriftColumn, bool) {
	psi := driftPSI[name][seq-1]
	if math.IsNaN(psi) {
		return api.DriftColumn{}, false
	}
	f := func(v float64) *api.Float { x := api.Float(v); return &x }
	c := api.DriftColumn{Type: "numeric", PSI: f(psi), PSIPValue: f(math.Exp(-psi * 60)), NRef: 1797, NCur: 500,
		MissingCur: seq % 3, Status: api.DriftOK}
	switch {
	case psi >= 0.25:
		c.Status = api.DriftAlert
	case psi >= 0.1:
		c.Status = api.DriftWarn
	}
	var ref []float64
	var cats []string
	switch name {
	case "education":
		cats, ref = []string{"hs", "college", "bachelor", "master", "phd"}, []float64{0.3, 0.25, 0.25, 0.15, 0.05}
	case "region":
		cats, ref = []string{"north", "south", "east", "west"}, []float64{0.3, 0.3, 0.2, 0.2}
	case "digit", "truth":
		for d := range 10 {
			cats, ref = append(cats, fmt.Sprint(d)), append(ref, 0.1)
		}
		c.Role = map[string]string{"digit": "prediction", "truth": "label"}[name]
	default:
		ref = slices.Repeat([]float64{0.1}, 10)
		c.KSStatistic, c.KSPValue = f(math.Sqrt(psi)/2), f(math.Exp(-psi*80))
		c.Wasserstein, c.WassersteinNorm = f(psi*9000), f(psi/2)
	}
	if cats != nil {
		c.Type, c.Chi2PValue = "categorical", f(math.Exp(-psi*70))
	}
	c.JS = f(psi / 4)
	// The current shares lean to the high bins as the PSI grows.
	cur := make([]float64, len(ref))
	sum := 0.0
	for i, r := range ref {
		cur[i] = r * math.Exp(4*psi*(float64(i)-float64(len(ref)-1)/2)/float64(len(ref)))
		sum += cur[i]
	}
	edges := map[string][]float64{
		"income": {18e3, 24e3, 29e3, 34e3, 39e3, 44e3, 50e3, 57e3, 66e3},
		"age":    {22, 27, 31, 35, 39, 43, 48, 53, 59},
		"hours":  {20, 30, 35, 38, 40, 42, 45, 50, 55},
	}[name]
	for i := range ref {
		b := api.DriftBin{Ref: api.Float(ref[i]), Cur: api.Float(math.Round(cur[i]/sum*1000) / 1000)}
		if cats != nil {
			b.Category = cats[i]
		} else {
			if i > 0 {
				b.Lo = f(edges[i-1])
			}
			if i < len(edges) {
				b.Hi = f(edges[i])
			}
		}
		c.Bins = append(c.Bins, b)
	}
	if name == "hours" && seq == 8 {
		c.InfCur, c.Note = 2, "2 infinities left out of the statistics"
	}
	return c, true
}

// fixtureDrift is a model's drift scored against v1's reference: 8
// windows of a batch each, an hour apart, newest first, drifting from #5;
// the accuracy falling from #6; at #8 (the data set alerts: 3 of 5
// features) a retraining queued, and challenger v3 scored beside the
// champion.
func fixtureDrift(model string) api.ModelDrift {
	d := api.ModelDrift{Model: model,
		Settings: api.DriftSettings{Warn: 0.1, Alert: 0.25, DatasetShare: 0.5, Window: "batch", Prediction: "digit", Label: "truth",
			Challenger: "digit_v3", Retrain: true, Cooldown: "6h", ShadowAlpha: 0.05},
		References: []api.DriftReference{{Model: model, Version: 1, Source: "/data/digits/train.csv", Dataset: "digits-train",
			Rows: 1797, Features: map[string]string{"income": "numeric", "age": "numeric", "hours": "numeric",
				"education": "categorical", "region": "categorical"}, Sample: 100000, Created: clock.Add(-48 * time.Hour), By: "ada"}},
	}
	for seq := 8; seq >= 1; seq-- {
		w := api.DriftWindow{Seq: seq, Model: model, Version: 1, Start: clock.Add(-time.Duration(9-seq) * time.Hour), Batches: 1}
		w.End = w.Start.Add(time.Hour)
		w.Columns = map[string]api.DriftColumn{}
		alerting, warned, features := 0, 0, 0
		for name := range driftPSI {
			c, ok := driftColumn(name, seq)
			if !ok {
				w.Absent = append(w.Absent, name)
				continue
			}
			w.Columns[name] = c
			if c.Role == "" {
				features++
				alerting += boolInt(c.Status == api.DriftAlert)
				warned += boolInt(c.Status == api.DriftWarn)
			}
		}
		slices.Sort(w.Absent)
		w.DriftShare = api.Float(float64(alerting) / float64(features))
		switch {
		case float64(w.DriftShare) >= 0.5:
			w.DatasetStatus = api.DriftAlert
		case alerting+warned > 0:
			w.DatasetStatus = api.DriftWarn
		default:
			w.DatasetStatus = api.DriftOK
		}
		w.RowsRef, w.RowsCur, w.Scored = 1797, 500, w.End
		if q, ok := driftQuality[seq]; ok {
			w.Quality = &api.Quality{Metric: "accuracy", Value: api.Float(q), Rows: 412}
		}
		if seq == 8 {
			w.Shadow = &api.Shadow{Version: 3, Metric: "accuracy", Test: "mcnemar-exact", Rows: 412, Champion: 0.897, Challenger: 0.912,
				Diff: 0.015, Lo: 0.004, Hi: 0.026, PValue: 0.008, Better: true, ChampionOnly: 9, ChallengerOnly: 15}
			w.Retrain = &api.Retrain{Run: "abc123def456", Of: "0f1e2d3c4b5a", Time: clock.Add(-30 * time.Minute)}
		}
		d.Windows = append(d.Windows, w)
	}
	d.Status, d.LastRetrain = d.Windows[0].DatasetStatus, d.Windows[0].Retrain
	return d
}

// withDrift gives digits, the fixture's first model, fixtureDrift.
func withDrift(f *fakeEngine) { f.drift = map[string]api.ModelDrift{"digits": fixtureDrift("digits")} }

// driftApp is the app on the fixture with digits' drift, at a size, its
// Drift page open from the models (4, then d on digits).
func driftApp(t *testing.T, f *fakeEngine, w, h int) *App {
	t.Helper()
	a := syncApp(t, f)
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	press(t, a, "4", "d")
	if a.active != driftPage {
		t.Fatalf("d on the models did not open the drift:\n%s", a.View())
	}
	return a
}

// The Drift page at 120×40 and 80×24, without colour: the heat map with
// its letters, the histogram, the chart with its lines, the cell's
// numbers, the quality, the shadow comparison and the retraining.
func TestDriftPage(t *testing.T) {
	for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
		t.Run(itoa(size.w)+"x"+itoa(size.h), func(t *testing.T) {
			f := fixture()
			withDrift(f)
			view := driftApp(t, f, size.w, size.h).View()
			for _, want := range []string{
				"lathe › Models › digits › Drift",
				"digits · reference v1 · windows by batch · latest #8 ALERT 3/5 features",
				"income: reference v1 ▒ vs #8 █", "PSI of income · warn 0.1 · alert 0.25",
				"income at #8  ALERT", "PSI      0.41 (p 2.1e-11)", "n        1797 ref · 500 cur",
				"digit (pred)", "truth (label)", "accuracy (quality)",
				"shadow v3", "accuracy 0.912 vs 0.897, +0.015 [0.004, 0.026], ", "p 0.008 — better",
				"alert at #8 queued retrain run abc123def456 (re-run of 0f1e2d3c4b5a)",
				"j/↓ down", "←/h older window",
			} {
				if !strings.Contains(view, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			lines := strings.Split(view, "\n")
			if len(lines) != size.h {
				t.Errorf("%d lines on a %d-line terminal", len(lines), size.h)
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size.w {
					t.Errorf("line %d is %d cells wide: %q", i, w, l)
				}
			}
			golden.RequireEqual(t, []byte(view))
		})
	}
}

// heatRow is the line of the heat map's row (by its name's start).
func heatRow(t *testing.T, view, name string) string {
	t.Helper()
	for _, l := range strings.Split(view, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "› "), name) {
			return l
		}
	}
	t.Fatalf("no row %q in\n%s", name, view)
	return ""
}

// The letters say each cell's status without colour, newest at the right;
// the rows are the features by the newest window's PSI, then the roles;
// a column a window lacks is –.
func TestDriftHeatMap(t *testing.T) {
	f := fixture()
	withDrift(f)
	view := driftApp(t, f, 120, 40).View()
	for name, want := range map[string]string{
		"data set":  " ·  ·  ·  ·  w  w  w  A ",
		"income":    " ·  ·  ·  ·  w  A  A [A]  0.410",
		"age":       " ·  ·  ·  ·  ·  w  A  A   0.300",
		"hours":     " ·  ·  ·  ·  ·  ·  w  A   0.260",
		"education": " ·  ·  ·  ·  ·  ·  ·  w   0.120",
		"region":    " ·  ·  –  ·  ·  ·  ·  · ",
		"truth":     " –  ·  –  ·  –  ·  ·  w ",
	} {
		if row := heatRow(t, view, name); !strings.Contains(row, want) {
			t.Errorf("%s: %q, want %q in it", name, row, want)
		}
	}
	var order []string
	for _, l := range strings.Split(view, "\n") {
		for _, n := range []string{"income", "age", "hours", "education", "region", "digit (pred)", "truth (label)", "accuracy (quality)"} {
			if strings.HasPrefix(strings.TrimLeft(l, "› "), n+" ") {
				order = append(order, n)
			}
		}
	}
	if want := []string{"income", "age", "hours", "education", "region", "digit (pred)", "truth (label)", "accuracy (quality)"}; !slices.Equal(order, want) {
		t.Errorf("rows %v, want %v", order, want)
	}
	if !strings.Contains(view, "· ok  w warn  A alert  – absent") {
		t.Errorf("no legend:\n%s", view)
	}
}

// j/k choose a column and h/l a window: the cell's brackets, the chart,
// the histogram and the numbers follow.
func TestDriftKeys(t *testing.T) {
	f := fixture()
	withDrift(f)
	a := driftApp(t, f, 120, 40)
	check := func(step string, wants ...string) {
		t.Helper()
		view := a.View()
		for _, want := range wants {
			if !strings.Contains(view, want) {
				t.Errorf("after %s: no %q in\n%s", step, want, view)
			}
		}
	}
	press(t, a, "j")
	check("j", "PSI of age · warn", "age: reference v1 ▒ vs #8 █", "age at #8  ALERT", "› age")
	if row := heatRow(t, a.View(), "age"); !strings.Contains(row, " A [A] ") {
		t.Errorf("the chosen cell of age: %q", row)
	}
	press(t, a, "h")
	check("h", "PSI of age · warn", "age: reference v1 ▒ vs #7 █", "age at #7  ALERT", "PSI      0.27")
	if row := heatRow(t, a.View(), "age"); !strings.Contains(row, " w [A] A ") {
		t.Errorf("the chosen cell of age at #7: %q", row)
	}
	press(t, a, "h", "h")
	check("h h", "age at #5  OK", "age: reference v1 ▒ vs #5 █")
	press(t, a, "k", "l")
	check("k l", "income at #6  ALERT", "PSI of income")
	// The label is not in #5: its cell is absent, and says so.
	press(t, a, "G", "h")
	check("G h", "truth at #5  absent", "truth is not in window #5")
	// The newest again.
	press(t, a, "l", "l", "l")
	check("l l l", "truth at #8  WARN", "truth: reference v1 ▒ vs #8 █")
	// A numeric column's histogram: the deciles, open at both ends.
	press(t, a, "g", "j", "j")
	check("g j j", "hours at #8", "< 20", "20–30", "≥ 55", "2 infinities left out of the statistics", "∞ 0 · 2")
}

// The page follows the engine: a new window comes with EventDrift, and
// the newest, chosen, stays chosen; an older window chosen stays chosen.
func TestDriftFollowsTheEngine(t *testing.T) {
	f := fixture()
	withDrift(f)
	a := driftApp(t, f, 120, 40)
	add := func(seq int) {
		f.mu.Lock()
		d := f.drift["digits"]
		w := d.Windows[0]
		w.Seq, w.Retrain, w.Shadow = seq, nil, nil
		d.Windows = append([]api.DriftWindow{w}, d.Windows...)
		f.drift["digits"] = d
		f.mu.Unlock()
		runCmd(t, a, a.apply(api.Event{Type: api.EventDrift, Model: "digits"}))
	}
	add(9)
	if v := a.View(); !strings.Contains(v, "latest #9 ALERT") || !strings.Contains(v, "income at #9") {
		t.Errorf("after window #9:\n%s", v)
	}
	press(t, a, "h")
	add(10)
	if v := a.View(); !strings.Contains(v, "latest #10 ALERT") || !strings.Contains(v, "income at #8") {
		t.Errorf("after window #10, #8 chosen:\n%s", v)
	}
	// Another model's drift is not this page's.
	runCmd(t, a, a.apply(api.Event{Type: api.EventDrift, Model: "mnist-cnn"}))
	if v := a.View(); !strings.Contains(v, "income at #8") {
		t.Errorf("after mnist-cnn's event:\n%s", v)
	}
}

// View draws nothing: the chart is drawn when what it shows changes.
func TestDriftViewIsCheap(t *testing.T) {
	f := fixture()
	withDrift(f)
	a := driftApp(t, f, 120, 40)
	p := a.pages[driftPage].(*driftView)
	before, renders := a.View(), p.chart.Renders()
	for range 10 {
		if a.View() != before {
			t.Fatal("the view changed by itself")
		}
	}
	if p.chart.Renders() != renders {
		t.Errorf("View drew the chart again: %d renders, %d before", p.chart.Renders(), renders)
	}
	press(t, a, "j")
	if p.chart.Renders() == renders {
		t.Error("the chart was not drawn again for another column")
	}
}

// Before there is drift, the page says what to run: a reference, then
// batches.
func TestDriftEmpty(t *testing.T) {
	f := fixture()
	view := driftApp(t, f, 80, 24).View()
	if !strings.Contains(view, "no reference: lathe drift reference digits --data train.csv, or a run's train") {
		t.Errorf("without a reference:\n%s", view)
	}
	d := fixtureDrift("digits")
	d.Windows, d.Status, d.LastRetrain = nil, "", nil
	f.drift = map[string]api.ModelDrift{"digits": d}
	view = driftApp(t, f, 80, 24).View()
	for _, want := range []string{"digits · reference v1 · windows by batch",
		"reference v1: digits-train (/data/digits/train.csv), 1797 rows, 5 features, made", "2d00h ago by ada",
		"no batches yet: lathe drift ingest digits --data batch.csv"} {
		if !strings.Contains(view, want) {
			t.Errorf("without windows, no %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "older window") {
		t.Errorf("window keys without windows:\n%s", view)
	}
}

// A model of many columns: the heat map scrolls to the chosen one, and
// says how many are out of view.
func TestDriftManyColumns(t *testing.T) {
	f := fixture()
	d := fixtureDrift("digits")
	for i := range d.Windows {
		for j := range 30 {
			c := d.Windows[i].Columns["region"]
			d.Windows[i].Columns[fmt.Sprintf("pixel_%02d", j)] = c
		}
	}
	f.drift = map[string]api.ModelDrift{"digits": d}
	a := driftApp(t, f, 80, 24)
	press(t, a, "G")
	view := a.View()
	if !strings.Contains(view, "› truth (label)") || !strings.Contains(view, "more") {
		t.Errorf("the last row in view:\n%s", view)
	}
	if lines := strings.Split(view, "\n"); len(lines) != 24 {
		t.Errorf("%d lines", len(lines))
	}
}

// The dashboard names a model whose drift alerts, with its alerting
// features; d opens its Drift page.
func TestAttentionDriftAlert(t *testing.T) {
	f := fixture()
	withDrift(f)
	a := syncApp(t, f)
	if v := a.View(); !strings.Contains(v, "digits: drift alert (age, hours, income): d opens its drift") {
		t.Fatalf("the attention box:\n%s", v)
	}
	press(t, a, "d")
	if v := a.View(); !strings.Contains(v, "lathe › Models › digits › Drift") || !strings.Contains(v, "latest #8 ALERT") {
		t.Errorf("d on the dashboard:\n%s", v)
	}
	press(t, a, "esc")
	if v := a.View(); !strings.Contains(v, "lathe › Models › digits ") {
		t.Errorf("esc from the drift:\n%s", v)
	}
	// Without an alert, neither the item nor the key.
	a = syncApp(t, fixture())
	if v := a.View(); strings.Contains(v, "drift alert") || strings.Contains(v, "d drift") {
		t.Errorf("a drift item without an alert:\n%s", v)
	}
}

// The models list says each model's drift once one has any; d on a
// model's versions opens its drift too.
func TestModelsDrift(t *testing.T) {
	f := fixture()
	withDrift(f)
	a := syncApp(t, f)
	press(t, a, "4")
	v := a.View()
	if !strings.Contains(v, "DRIFT") || !strings.Contains(v, " alert ") || !strings.Contains(v, "d drift") {
		t.Errorf("the models:\n%s", v)
	}
	press(t, a, "enter", "d")
	if v := a.View(); !strings.Contains(v, "lathe › Models › digits › Drift") {
		t.Errorf("d on the model's versions:\n%s", v)
	}
}

// The review says the drift the gate read and the model's drift now, and
// the shadow gate's result, in its head and among the gates.
func TestReviewShowsDriftAndShadow(t *testing.T) {
	f := fixture()
	withDrift(f)
	f.models[0].Requests = fixtureRequests()
	r := &f.models[0].Requests[0]
	r.Checks = append(r.Checks, api.Check{Gate: "drift", Verdict: api.Pass, Detail: "drift ok"},
		api.Check{Gate: "shadow", Metric: "accuracy", Verdict: api.Pass, Challenger: ptr(api.Float(0.912)), Champion: ptr(api.Float(0.897)),
			Detail: "accuracy 0.912 against the champion's 0.897 on 412 live rows: +0.015 [+0.004, +0.026], McNemar exact p 0.008: better at α 0.05"})
	a := syncApp(t, f)
	press(t, a, "4", "enter", "j", "j", "j", "enter")
	view := a.View()
	for _, want := range []string{
		"drift: ✓ ok; latest window ALERT (age, hours, income)",
		"shadow: ✓ accuracy 0.912 against the champion's 0.897 on 412 live rows: +0.015 [+0.004, +0.026], McNemar exact p 0.008:", "better at α 0.05",
		"✓ drift      drift ok",
		"✓ shadow     accuracy 0.912 against the champion's 0.897",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("the review lacks %q:\n%s", want, view)
		}
	}
	// A shadow that failed says so.
	r.Checks[len(r.Checks)-1].Verdict = api.Fail
	r.Checks[len(r.Checks)-1].Detail = "no shadow evaluation of v3 yet: ingest batches carrying its predictions in column \"digit_v3\" with --challenger 3"
	a = syncApp(t, f)
	press(t, a, "4", "enter", "j", "j", "j", "enter")
	if v := a.View(); !strings.Contains(v, "shadow: ✗ no shadow evaluation of v3 yet") {
		t.Errorf("a failed shadow:\n%s", v)
	}
}

// driftCSV writes rows of a numeric x (shifted by shift), a colour, a
// prediction and a label, the label wrong on every wrong-th row.
func driftCSV(t *testing.T, path string, rows int, shift float64, wrong int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,colour,prediction,label\n")
	for i := range rows {
		x := math.Mod(float64(i)*0.6180339887, 1)*10 + shift
		colour := []string{"red", "green", "blue"}[i%3]
		if shift != 0 && i%2 == 0 {
			colour = "violet"
		}
		label := i % 2
		if wrong > 0 && i%wrong == 0 {
			label = 1 - label
		}
		fmt.Fprintf(&b, "%g,%s,%d,%d\n", x, colour, i%2, label)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The page on the engine itself: a reference set, a batch like it and one
// shifted; the page says what the engine scored.
func TestDriftPageOnTheEngine(t *testing.T) {
	e := registryEngine(t)
	ctx := context.Background()
	// Each version has the reference of its run's train data set, made as
	// it was registered; v2's is replaced.
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := e.eng.Drift(ctx, api.DriftQuery{Model: "digits"})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.References) == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	driftCSV(t, path("train.csv"), 2000, 0, 10)
	if _, err := e.eng.SetDriftReference(ctx, api.DriftReferenceRequest{Ref: "digits@2", Data: path("train.csv")}); err != nil {
		t.Fatal(err)
	}
	driftCSV(t, path("b1.csv"), 1000, 0, 10)
	driftCSV(t, path("b2.csv"), 1000, 6, 3)
	for _, b := range []string{"b1.csv", "b2.csv"} {
		if _, err := e.eng.IngestDrift(ctx, api.DriftIngestRequest{Ref: "digits@2", Data: path(b)}); err != nil {
			t.Fatal(err)
		}
	}
	view := drive(t, e, 120, 40, "Jobs:", keys("4"), "1 model", keys("d"), "latest #2", keys("j"), "colour at #2")
	for _, want := range []string{"lathe › Models › digits › Drift", "digits · reference v2 · windows by batch · latest #2 ALERT",
		"› colour", "prediction", "label", "accuracy (quality)", "PSI of colour", "colour: reference v2 ▒ vs #2 █", "violet"} {
		if !strings.Contains(view, want) {
			t.Errorf("the page lacks %q:\n%s", want, view)
		}
	}
	if row := heatRow(t, view, "x "); !strings.Contains(row, " · [A]") && !strings.Contains(row, " ·  A ") {
		t.Errorf("x: %q", row)
	}
}

// Bins that do not fit are merged: numeric neighbours in runs, the
// categories past those that fit into "other".
func TestFitBins(t *testing.T) {
	f := func(v float64) *api.Float { x := api.Float(v); return &x }
	var numeric []api.DriftBin
	for i := range 10 {
		b := api.DriftBin{Ref: 0.1, Cur: api.Float(float64(i) / 45)}
		if i > 0 {
			b.Lo = f(float64(i))
		}
		if i < 9 {
			b.Hi = f(float64(i + 1))
		}
		numeric = append(numeric, b)
	}
	got := fitBins(numeric, "numeric", 4)
	var labels []string
	for _, b := range got {
		labels = append(labels, fmt.Sprintf("%s %.2f", binLabel(b), float64(b.Ref)))
	}
	if want := []string{"< 3 0.30", "3–6 0.30", "6–9 0.30", "≥ 9 0.10"}; !slices.Equal(labels, want) {
		t.Errorf("numeric in 4: %v, want %v", labels, want)
	}
	if got := fitBins(numeric, "numeric", 10); len(got) != 10 {
		t.Errorf("10 bins in 10 rows: %d", len(got))
	}
	cats := []api.DriftBin{{Category: "a", Ref: 0.4, Cur: 0.1}, {Category: "b", Ref: 0.3}, {Category: "c", Ref: 0.2, Cur: 0.5}, {Category: "", Ref: 0.1, Cur: 0.4}}
	labels = nil
	for _, b := range fitBins(cats, "categorical", 3) {
		labels = append(labels, fmt.Sprintf("%s %.1f/%.1f", binLabel(b), float64(b.Ref), float64(b.Cur)))
	}
	if want := []string{"a 0.4/0.1", "b 0.3/0.0", "other (2) 0.3/0.9"}; !slices.Equal(labels, want) {
		t.Errorf("categories in 3: %v, want %v", labels, want)
	}
}

// The palette lists each model's drift with its status, and opens its page.
func TestPaletteOpensDrift(t *testing.T) {
	f := fixture()
	withDrift(f)
	a := syncApp(t, f)
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	press(t, a, ":", "d", "r", "i", "f", "t", " ", "d", "i", "g")
	if view := a.View(); !strings.Contains(view, "drift of digits · alert") {
		t.Fatalf("the palette has no drift of digits:\n%s", view)
	}
	press(t, a, "enter")
	if a.active != driftPage || !strings.Contains(a.View(), "lathe › Models › digits › Drift") {
		t.Errorf("enter on drift of digits:\n%s", a.View())
	}
}
