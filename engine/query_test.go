package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/filter"
	"lathe/store"
	"lathe/store/series"
)

// seedStore writes runs straight into a data directory's store, as if
// earlier engines had run them: random params, tags, metrics (some NaN),
// statuses and times.
func seedStore(t *testing.T, home string, n int, seed uint64) {
	t.Helper()
	os.MkdirAll(home, 0o755)
	db, err := store.Open(filepath.Join(home, "lathe.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(seed, seed))
	base := time.Now().Add(-time.Duration(n) * time.Hour)
	statuses := []store.Status{store.Succeeded, store.Failed, store.Killed, store.Lost}
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			created := base.Add(time.Duration(i) * time.Hour)
			r := &store.Run{ID: fmt.Sprintf("%012x", 0xd00000000000+i), Name: fmt.Sprintf("%s-%d", []string{"bert", "resnet", "vit"}[i%3], i),
				Experiment: []string{"nlp", "vision"}[rng.IntN(2)], Status: statuses[rng.IntN(len(statuses))], Created: created,
				Params: map[string]string{}, Tags: map[string]string{}}
			if rng.IntN(5) > 0 {
				started := created.Add(time.Minute)
				ended := started.Add(time.Duration(rng.IntN(300)) * time.Minute)
				r.Started, r.Ended = &started, &ended
				r.Devices = []int{0, 1}[:rng.IntN(3)%2+rng.IntN(2)]
			}
			for _, p := range []string{"lr", "batch", "opt"} {
				if rng.IntN(4) == 0 {
					continue
				}
				switch p {
				case "lr":
					r.Params[p] = fmt.Sprint([]float64{0.1, 0.01, 0.001, 3e-4}[rng.IntN(4)])
				case "batch":
					r.Params[p] = fmt.Sprint(32 << rng.IntN(4))
				default:
					r.Params[p] = []string{"adam", "sgd", "adamw"}[rng.IntN(3)]
				}
			}
			if rng.IntN(2) == 0 {
				r.Tags["team"] = []string{"a", "b"}[rng.IntN(2)]
			}
			if err := tx.CreateRun(r); err != nil {
				return err
			}
			for _, m := range []string{"loss", "val_acc"} {
				if rng.IntN(5) == 0 {
					continue
				}
				pts := make([]series.Point, 1+rng.IntN(20))
				for j := range pts {
					v := rng.Float64() * 3
					if rng.IntN(10) == 0 {
						v = math.NaN()
					}
					pts[j] = series.Point{Step: int64(j), Time: created.UnixMicro() + int64(j), Value: v}
				}
				if err := tx.AppendPoints(r.ID, m, pts); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Filtered and sorted listings from the catalogue agree with the filter
// evaluated over every run's record, as the plain listing reads it; runs
// without the sort field come last in either direction.
func TestFilterAndSortAgreeWithTheRecords(t *testing.T) {
	home := t.TempDir()
	seedStore(t, home, 400, 7)
	e := openEngine(t, home, nil)
	defer e.Close()
	all, err := e.Runs(ctxT(t), api.RunQuery{})
	if err != nil || len(all) != 400 {
		t.Fatalf("plain listing: %d runs, %v", len(all), err)
	}
	now := time.Now()
	exprs := []string{
		"", "bert", "status = failed", "params.lr < 0.01", "params.lr >= 0.01 and metrics.loss < 1.5",
		"metrics.val_acc.max > 2 or tags.team = a", "not params.opt exists", "params.opt in (adam, sgd)",
		`name ~ "^vit-" and duration > 2h`, "gpus > 0 and experiment = nlp", "metrics.loss.count >= 10",
		"started > -100h", "metrics.loss != 1",
	}
	sorts := []string{"", "metrics.loss", "params.lr", "duration", "name", "started", "params.opt", "metrics.val_acc.min"}
	for _, expr := range exprs {
		x, err := filter.Parse(expr, now)
		if err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		var want []string
		for i := range all {
			if x.Match(filter.Fields(&all[i], now)) {
				want = append(want, all[i].ID)
			}
		}
		for _, sortBy := range sorts {
			for _, desc := range []bool{false, true} {
				got, err := e.Runs(ctxT(t), api.RunQuery{Filter: expr, Sort: sortBy, Desc: desc})
				if err != nil {
					t.Fatalf("%q sorted by %q: %v", expr, sortBy, err)
				}
				ids := make([]string, len(got))
				for i, r := range got {
					ids[i] = r.ID
				}
				if sortBy == "" {
					if !slices.Equal(ids, want) {
						t.Fatalf("%q: %d runs, want %d (newest first)", expr, len(ids), len(want))
					}
					continue
				}
				if !slices.Equal(slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(want))) {
					t.Fatalf("%q sorted by %q: not the same runs", expr, sortBy)
				}
				f, _ := filter.ParseField(sortBy)
				checkOrder(t, got, f, desc, now, expr+" by "+sortBy)
			}
		}
	}
	// Limits keep the first ones of the order.
	top, _ := e.Runs(ctxT(t), api.RunQuery{Sort: "metrics.loss", Limit: 5})
	full, _ := e.Runs(ctxT(t), api.RunQuery{Sort: "metrics.loss"})
	for i := range top {
		if top[i].ID != full[i].ID {
			t.Errorf("limit 5: run %d is %s, the full order has %s", i, top[i].ID, full[i].ID)
		}
	}
	if _, err := e.Runs(ctxT(t), api.RunQuery{Filter: "metrics.loss <> 3"}); !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), "column") {
		t.Errorf("a bad filter: %v", err)
	}
	if _, err := e.Runs(ctxT(t), api.RunQuery{Sort: "metricz.loss"}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("a bad sort field: %v", err)
	}
}

// checkOrder checks that runs are in the order of a field: values that
// compare in the direction asked, then the runs without one.
func checkOrder(t *testing.T, runs []api.Run, f filter.Field, desc bool, now time.Time, what string) {
	t.Helper()
	missing := false
	for i := range runs {
		num, text, isNum, ok := f.Value(filter.Fields(&runs[i], now))
		ok = ok && !(isNum && math.IsNaN(num))
		if !ok {
			missing = true
			continue
		}
		if missing {
			t.Fatalf("%s: run %s has a value after runs without one", what, runs[i].ID)
		}
		if i == 0 {
			continue
		}
		pn, pt, pIsNum, pok := f.Value(filter.Fields(&runs[i-1], now))
		if !pok || (pIsNum && math.IsNaN(pn)) || pIsNum != isNum {
			continue
		}
		var d int
		if isNum {
			d = cmp.Compare(pn, num)
		} else {
			d = cmp.Compare(pt, text)
		}
		if desc {
			d = -d
		}
		if d > 0 {
			t.Fatalf("%s: run %d (%v%s) before run %d (%v%s) out of order", what, i-1, pn, pt, i, num, text)
		}
	}
}

// The catalogue follows what jobs do: a run that ends and logs metrics is
// found by them at the next query.
func TestCatalogueFollowsJobs(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		r := submit(t, svc, api.SubmitRequest{Name: "probe", Params: map[string]string{"lr": "0.5"},
			Command: sh(`echo '{"step": 1, "metrics": {"loss": 0.25}}' >> $LATHE_METRICS_FILE`)})
		// Asked while it may still run: it must be there either way.
		if got, err := svc.Runs(ctxT(t), api.RunQuery{Filter: "params.lr = 0.5"}); err != nil || len(got) != 1 {
			t.Fatalf("the new run by its param: %d runs, %v", len(got), err)
		}
		wait(t, svc, r.ID)
		got, err := svc.Runs(ctxT(t), api.RunQuery{Filter: "status = succeeded and metrics.loss < 0.3"})
		if err != nil || len(got) != 1 || got[0].ID != r.ID {
			t.Fatalf("the ended run by its metric: %+v, %v", got, err)
		}
	})
}

// Removed runs leave the listings and come back; purged ones are gone with
// their folders; live runs are refused.
func TestRemoveRestorePurge(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		var ids []string
		for i := range 3 {
			r := submit(t, svc, api.SubmitRequest{Name: fmt.Sprintf("old-%d", i), Command: sh(`echo '{"metrics": {"loss": 1}}' >> $LATHE_METRICS_FILE`)})
			ids = append(ids, wait(t, svc, r.ID).ID)
		}
		gate := filepath.Join(t.TempDir(), "gate")
		live := submit(t, svc, api.SubmitRequest{Name: "live", Command: sh("while [ ! -e " + gate + " ]; do sleep 0.02; done")})
		defer func() { os.WriteFile(gate, nil, 0o644); wait(t, svc, live.ID) }()
		// Launched and recorded: CheckStore below checks in a read
		// transaction, which bbolt does not allow beside a write.
		waitHandleRecorded(t, e, live.ID)

		if _, err := svc.Remove(ctxT(t), api.RemoveRequest{Refs: []string{ids[0], "live"}}); !errors.Is(err, api.ErrConflict) {
			t.Fatalf("removing a live run: %v", err)
		}
		plan, err := svc.Remove(ctxT(t), api.RemoveRequest{Filter: `name ~ "^old-"`, DryRun: true})
		if err != nil || len(plan.Runs) != 3 {
			t.Fatalf("dry run: %+v, %v", plan, err)
		}
		if got, _ := svc.Runs(ctxT(t), api.RunQuery{}); len(got) != 4 {
			t.Fatalf("a dry run removed runs: %d left", len(got))
		}
		res, err := svc.Remove(ctxT(t), api.RemoveRequest{Refs: []string{"old-0", "old-1"}})
		if err != nil || len(res.Runs) != 2 || res.Runs[0].Deleted == nil {
			t.Fatalf("remove: %+v, %v", res, err)
		}
		listed, _ := svc.Runs(ctxT(t), api.RunQuery{})
		filtered, _ := svc.Runs(ctxT(t), api.RunQuery{Filter: "old"})
		removed, _ := svc.Runs(ctxT(t), api.RunQuery{Deleted: true})
		if len(listed) != 2 || len(filtered) != 1 || len(removed) != 2 {
			t.Fatalf("after removing 2: %d listed, %d by filter, %d removed", len(listed), len(filtered), len(removed))
		}
		back, err := svc.Restore(ctxT(t), []string{"old-1"})
		if err != nil || len(back) != 1 || back[0].Deleted != nil {
			t.Fatalf("restore: %+v, %v", back, err)
		}
		// Purge: old-0 (removed) and old-2 (not), by filter.
		dir := e.runDir(ids[0])
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("the run's folder: %v", err)
		}
		res, err = svc.Remove(ctxT(t), api.RemoveRequest{Filter: "name in (old-0, old-2)", Purge: true})
		if err != nil || len(res.Runs) != 2 || !res.Purged {
			t.Fatalf("purge: %+v, %v", res, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a purged run's folder is still there: %v", err)
		}
		if _, err := svc.Run(ctxT(t), ids[0]); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("a purged run: %v", err)
		}
		if got, _ := svc.Runs(ctxT(t), api.RunQuery{Filter: "old"}); len(got) != 1 || got[0].Name != "old-1" {
			t.Errorf("after the purge: %+v", got)
		}
		rep, err := svc.CheckStore(ctxT(t))
		if err != nil || len(rep.Problems) != 0 {
			t.Errorf("store after purging: %+v, %v", rep.Problems, err)
		}
	})
}

// Runs removed longer ago than api.RetainRemoved are purged by the engine.
func TestRemovedRunsArePurgedAfterAWeek(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	r := submit(t, e, api.SubmitRequest{Name: "old", Command: sh("true")})
	wait(t, e, r.ID)
	if _, err := e.Remove(ctxT(t), api.RemoveRequest{Refs: []string{r.ID}}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.purgeDue(time.Now()); err != nil || n != 0 {
		t.Fatalf("purged %d runs removed just now, %v", n, err)
	}
	if n, err := e.purgeDue(time.Now().Add(api.RetainRemoved + time.Minute)); err != nil || n != 1 {
		t.Fatalf("purged %d runs a week later, %v", n, err)
	}
	if _, err := os.Stat(e.runDir(r.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the purged run's folder: %v", err)
	}
	if got, _ := e.Runs(ctxT(t), api.RunQuery{Deleted: true}); len(got) != 0 {
		t.Errorf("still listed as removed: %d", len(got))
	}
}

// Compare: params that differ (a run without one has null), metrics with
// the best by direction (never a NaN), usage; and the JSON the command line
// prints.
func TestCompare(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	run := func(id string, params map[string]string, metrics map[string]float64) api.Run {
		r := api.Run{ID: id, Name: "r" + id, Params: params, Started: &at, Ended: ptrTime(at.Add(time.Hour)),
			Usage: &api.GPUUsage{GPUHours: 2, EnergyWh: 500}, Metrics: map[string]api.MetricSummary{}}
		for k, v := range metrics {
			r.Metrics[k] = api.MetricSummary{Last: api.Float(v), Min: api.Float(v - 1), Max: api.Float(v + 1), Count: 10}
		}
		return r
	}
	runs := []api.Run{
		run("aaaaaaaaaaaa", map[string]string{"lr": "0.1", "batch": "32"}, map[string]float64{"val_loss": 0.5, "val_acc": 0.9, "bleu": 20}),
		run("bbbbbbbbbbbb", map[string]string{"lr": "0.3", "batch": "32", "opt": "sgd"}, map[string]float64{"val_loss": math.NaN(), "val_acc": 0.95}),
		run("cccccccccccc", map[string]string{"batch": "32", "warmup": "100"}, map[string]float64{"val_loss": 0.7, "val_acc": math.NaN()}),
	}
	c := compareRuns(runs, map[string]string{"bleu": "max"}, 1.5, at)
	if len(c.Params.Same) != 1 || c.Params.Same["batch"] != "32" {
		t.Errorf("same params: %v", c.Params.Same)
	}
	if lr := c.Params.Differ["lr"]; len(lr) != 3 || *lr["aaaaaaaaaaaa"] != "0.1" || lr["cccccccccccc"] != nil {
		t.Errorf("lr: %v", lr)
	}
	if len(c.Params.Differ) != 3 { // lr, opt, warmup
		t.Errorf("params that differ: %v", c.Params.Differ)
	}
	if m := c.Metrics["val_loss"]; m.Best != "aaaaaaaaaaaa" || m.Direction != "min" {
		t.Errorf("val_loss: best %q (%s); the NaN must not win", m.Best, m.Direction)
	}
	if m := c.Metrics["val_acc"]; m.Best != "bbbbbbbbbbbb" || m.Direction != "max" {
		t.Errorf("val_acc: best %q (%s)", m.Best, m.Direction)
	}
	if m := c.Metrics["bleu"]; m.Best != "aaaaaaaaaaaa" || m.ByRun["bbbbbbbbbbbb"] != nil {
		t.Errorf("bleu (configured max, two runs lack it): %+v", m)
	}
	if u := c.Usage["aaaaaaaaaaaa"]; u.DurationS != 3600 || u.Cost != 3 || u.EnergyWh != 500 {
		t.Errorf("usage: %+v", u)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var shape struct {
		Runs   []json.RawMessage `json:"runs"`
		Params struct {
			Differ map[string]map[string]*string `json:"differ"`
			Same   map[string]string             `json:"same"`
		} `json:"params"`
		Metrics map[string]map[string]json.RawMessage `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		t.Fatal(err)
	}
	vl := shape.Metrics["val_loss"]
	if string(vl["best"]) != `"aaaaaaaaaaaa"` || !strings.Contains(string(vl["bbbbbbbbbbbb"]), `"last":"NaN"`) ||
		!strings.Contains(string(vl["aaaaaaaaaaaa"]), `"count":10`) || len(shape.Runs) != 3 || shape.Params.Same["batch"] != "32" {
		t.Errorf("JSON: %s", raw)
	}
	var back api.Comparison
	if err := json.Unmarshal(raw, &back); err != nil || back.Metrics["val_acc"].Best != "bbbbbbbbbbbb" ||
		back.Metrics["bleu"].ByRun["cccccccccccc"] != nil || len(back.Metrics["bleu"].ByRun) != 3 {
		t.Errorf("JSON round trip: %+v, %v", back.Metrics, err)
	}
	for name, want := range map[string]string{"val_loss": "min", "train/mse": "min", "top1_acc": "max", "f1_macro": "max",
		"lr": "", "auc": "max", "eval.error": "min", "grad_norm": ""} {
		if got := Direction(name, nil); got != want {
			t.Errorf("Direction(%q) = %q, want %q", name, got, want)
		}
	}
}

// Compare over the socket, on real runs.
func TestCompareRuns(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		a := submit(t, svc, api.SubmitRequest{Name: "a", Params: map[string]string{"lr": "0.1"}, Command: sh(`echo '{"metrics": {"loss": 0.5}}' >> $LATHE_METRICS_FILE`)})
		b := submit(t, svc, api.SubmitRequest{Name: "b", Params: map[string]string{"lr": "0.2"}, Command: sh(`echo '{"metrics": {"loss": 0.4}}' >> $LATHE_METRICS_FILE`)})
		wait(t, svc, a.ID)
		wait(t, svc, b.ID)
		c, err := svc.Compare(ctxT(t), []string{"a", "b"})
		if err != nil || c.Metrics["loss"].Best != b.ID || len(c.Params.Differ["lr"]) != 2 {
			t.Fatalf("compare: %+v, %v", c, err)
		}
		if _, err := svc.Compare(ctxT(t), []string{"a"}); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("compare of one run: %v", err)
		}
		if _, err := svc.Compare(ctxT(t), []string{"a", "nosuch"}); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("compare with a run that is not there: %v", err)
		}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

// A store big enough to be loaded by several workers loads whole.
func TestCatalogueLoadsInParallel(t *testing.T) {
	home := t.TempDir()
	seedStore(t, home, 2500, 11)
	e := openEngine(t, home, nil)
	defer e.Close()
	plain, _ := e.Runs(ctxT(t), api.RunQuery{Filter: ""})
	all, err := e.Runs(ctxT(t), api.RunQuery{Sort: "created", Desc: true})
	if err != nil || len(all) != 2500 || len(plain) != 2500 {
		t.Fatalf("catalogue: %d runs, listing %d, %v", len(all), len(plain), err)
	}
	for i := range all {
		if all[i].ID != plain[i].ID {
			t.Fatalf("run %d: %s by the catalogue, %s by the listing", i, all[i].ID, plain[i].ID)
		}
	}
}
