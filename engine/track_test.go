package engine

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lathe/engine/api"
)

func TestTrackLogAndEnd(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		ctx := context.Background()
		started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		res, err := svc.Track(ctx, api.TrackRequest{Runner: api.RunnerMLflow, Name: "bright-owl", Experiment: "digits",
			Started: &started, Params: map[string]string{"lr": "0.1"}, Tags: map[string]string{"mlflow.user": "ann"}})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Run
		if !res.Created || r.Status != api.Running || !r.Tracked() || r.Name != "bright-owl" || r.Experiment != "digits" ||
			!r.Started.Equal(started) || r.Params["lr"] != "0.1" {
			t.Fatalf("tracked run = %+v (created %v)", r, res.Created)
		}
		if _, err := os.Stat(filepath.Join(r.Dir, "spec.json")); err != nil {
			t.Errorf("a tracked run has no spec.json: %v", err)
		}

		at := float64(started.Unix()) + 1
		r, err = svc.Log(ctx, api.LogRequest{Run: r.ID, Metrics: []api.LoggedPoint{
			{Name: "loss", Step: 0, Time: at, Value: 0.9}, {Name: "loss", Step: 1, Time: at + 1, Value: 0.5},
			{Name: "acc", Step: 1, Value: api.Float(math.NaN())},
		}, Params: map[string]string{"lr": "0.1", "epochs": "3"}, Tags: map[string]string{"note": "x", "gone": "y"},
			DeleteTags: []string{"gone"}})
		if err != nil {
			t.Fatal(err)
		}
		if m := r.Metrics["loss"]; m.Count != 2 || m.Last != 0.5 || m.Min != 0.5 || m.Max != 0.9 || m.LastStep != 1 {
			t.Errorf("loss summary = %+v", m)
		}
		if r.Params["epochs"] != "3" || r.Tags["note"] != "x" || r.Tags["gone"] != "" {
			t.Errorf("params %v tags %v", r.Params, r.Tags)
		}
		pts, err := svc.Metric(ctx, r.ID, "loss")
		if err != nil || len(pts) != 2 || pts[0].Time != at || pts[1].Step != 1 {
			t.Errorf("loss points = %+v, %v", pts, err)
		}

		// A param is logged once: the same value again is fine, another is refused whole.
		_, err = svc.Log(ctx, api.LogRequest{Run: r.ID, Params: map[string]string{"lr": "0.2"},
			Metrics: []api.LoggedPoint{{Name: "loss", Step: 2, Value: 0.1}}})
		if !errors.Is(err, api.ErrInvalid) {
			t.Fatalf("re-logging lr with another value: %v", err)
		}
		if pts, _ := svc.Metric(ctx, r.ID, "loss"); len(pts) != 2 {
			t.Errorf("a refused log stored %d points of loss, want the 2 before", len(pts))
		}
		if _, err := svc.Log(ctx, api.LogRequest{Run: r.ID, Metrics: []api.LoggedPoint{{Name: "", Value: 1}}}); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("an empty metric name: %v", err)
		}

		ended := started.Add(time.Hour)
		r, err = svc.UpdateRun(ctx, api.UpdateRunRequest{Run: r.ID, Name: "owl-2", Status: api.Succeeded, Ended: &ended})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != api.Succeeded || r.Name != "owl-2" || !r.Ended.Equal(ended) {
			t.Errorf("after update: %s %q %v", r.Status, r.Name, r.Ended)
		}
		if got, err := svc.Run(ctx, "owl-2"); err != nil || got.ID != r.ID {
			t.Errorf("the run is not found by its new name: %v", err)
		}
		if _, err := svc.Run(ctx, "bright-owl"); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("the old name still finds the run: %v", err)
		}
		if w, err := svc.Wait(ctx, r.ID); err != nil || w.Status != api.Succeeded {
			t.Errorf("wait on an ended tracked run: %v %v", w.Status, err)
		}
	})
}

func TestTrackKeyMakesImportsIdempotent(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		ctx := context.Background()
		req := api.TrackRequest{Runner: api.RunnerImport, Key: "mlflow:abc", Status: api.Succeeded,
			Metrics: []api.LoggedPoint{{Name: "loss", Step: 1, Time: 1e9, Value: 2}, {Name: "loss", Step: 2, Time: 1e9 + 1, Value: 1}}}
		first, err := svc.Track(ctx, req)
		if err != nil || !first.Created || first.Run.Status != api.Succeeded || first.Run.Ended == nil || first.Run.Metrics["loss"].Count != 2 {
			t.Fatalf("first import: %+v, %v", first, err)
		}
		again, err := svc.Track(ctx, req)
		if err != nil || again.Created || again.Run.ID != first.Run.ID || again.Run.Metrics["loss"].Count != 2 {
			t.Fatalf("second import of the same key: %+v, %v", again, err)
		}
		bad := api.TrackRequest{Runner: api.RunnerImport, Key: "mlflow:bad", Metrics: []api.LoggedPoint{{Name: "", Value: 1}}}
		if _, err := svc.Track(ctx, bad); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("a point without a name: %v", err)
		}
		runs, _ := svc.Runs(ctx, api.RunQuery{})
		if len(runs) != 1 {
			t.Errorf("%d runs after importing one twice", len(runs))
		}
		if _, err := svc.Track(ctx, api.TrackRequest{Runner: "local"}); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("a tracked run claiming the local runner: %v", err)
		}
		if _, err := svc.Track(ctx, api.TrackRequest{Runner: api.RunnerImport, Status: api.Queued}); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("a queued tracked run: %v", err)
		}
	})
}

func TestKillATrackedRun(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	ctx := context.Background()
	res, err := e.Track(ctx, api.TrackRequest{Runner: api.RunnerMLflow})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := e.Kill(ctx, res.Run.ID, false); err != nil || r.Status != api.Killed {
		t.Errorf("kill a tracked run: %s, %v", r.Status, err)
	}
}

func TestTrackedRunSurvivesRestart(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	res, err := e.Track(context.Background(), api.TrackRequest{Runner: api.RunnerMLflow})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = openEngine(t, home, nil)
	defer e.Close()
	r, err := e.Run(context.Background(), res.Run.ID)
	if err != nil || r.Status != api.Running {
		t.Errorf("after a restart the tracked run is %s (%v); its client may still log to it", r.Status, err)
	}
}

func TestExperimentsHaveNumbers(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		ctx := context.Background()
		all, err := svc.Experiments(ctx)
		if err != nil || len(all) != 1 || !all[0].Default || all[0].Name != "default" {
			t.Fatalf("a new store's experiments = %+v, %v", all, err)
		}
		x, err := svc.CreateExperiment(ctx, api.ExperimentRequest{Name: "vision", Tags: map[string]string{"team": "cv"}})
		if err != nil || x.ID == 0 || x.Tags["team"] != "cv" {
			t.Fatalf("create = %+v, %v", x, err)
		}
		if _, err := svc.CreateExperiment(ctx, api.ExperimentRequest{Name: "vision"}); !errors.Is(err, api.ErrConflict) {
			t.Errorf("creating it again: %v", err)
		}
		if _, err := svc.CreateExperiment(ctx, api.ExperimentRequest{Name: ""}); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("an empty name: %v", err)
		}
		if _, err := svc.Track(ctx, api.TrackRequest{Runner: api.RunnerMLflow, Experiment: "audio"}); err != nil {
			t.Fatal(err)
		}
		all, _ = svc.Experiments(ctx)
		ids := map[string]int64{}
		for _, x := range all {
			ids[x.Name] = x.ID
		}
		if len(all) != 3 || ids["vision"] == ids["audio"] || ids["audio"] == 0 {
			t.Errorf("experiments = %+v", all)
		}
	})
}

func TestCreateModelThenRegisterFromASource(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		ctx := context.Background()
		m, err := svc.CreateModel(ctx, api.CreateModelRequest{Name: "digits", Description: "d", Tags: map[string]string{"k": "v"}})
		if err != nil || m.Name != "digits" || m.Tags["k"] != "v" || len(m.Versions) != 0 {
			t.Fatalf("create model = %+v, %v", m, err)
		}
		if _, err := svc.CreateModel(ctx, api.CreateModelRequest{Name: "digits"}); !errors.Is(err, api.ErrConflict) {
			t.Errorf("creating it again: %v", err)
		}
		res, err := svc.Track(ctx, api.TrackRequest{Runner: api.RunnerMLflow})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Log(ctx, api.LogRequest{Run: res.Run.ID, Metrics: []api.LoggedPoint{{Name: "val_acc", Value: 0.9}}}); err != nil {
			t.Fatal(err)
		}
		// A running run registers from a source, as MLflow clients do; a
		// file lathe can read is copied.
		model := filepath.Join(res.Run.Dir, "artifacts", "model")
		os.MkdirAll(model, 0o755)
		os.WriteFile(filepath.Join(model, "MLmodel"), []byte("flavors: {}\n"), 0o644)
		v, err := svc.Register(ctx, api.RegisterRequest{Run: res.Run.ID, Model: "digits", Source: "file://" + model,
			Tags: map[string]string{"stage": "Staging"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.Version != 1 || v.Artifact.Kind != "dir" || v.Artifact.SHA256 == "" || v.Artifact.Path == "" || v.Tags["stage"] != "Staging" {
			t.Errorf("version from a readable source = %+v", v)
		}
		// One lathe cannot read is recorded by its location alone.
		when := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
		v, err = svc.Register(ctx, api.RegisterRequest{Run: res.Run.ID, Model: "digits", Source: "s3://bucket/model", Registered: when}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.Version != 2 || v.Artifact.Kind != api.ArtifactExternal || v.Artifact.Path != "" || v.Artifact.Source != "s3://bucket/model" || !v.Registered.Equal(when) {
			t.Errorf("version from an external source = %+v", v)
		}
		got, err := svc.Model(ctx, "digits")
		if err != nil || got.PrimaryMetric != "val_acc" || len(got.Versions) != 2 {
			t.Errorf("model after two versions = %+v, %v", got, err)
		}
	})
}
