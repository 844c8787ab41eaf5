package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"lathe/engine/api"
	"lathe/store"
	"lathe/store/series"
)

// Limits on what is told to a run from outside its metrics file: MLflow's
// own are tighter, and its endpoint checks those; these keep any client
// from storing documents as names.
const (
	maxTrackedKey   = 250
	maxTrackedValue = 64 << 10
)

// Track records a run that no job of lathe's runs.
func (e *Engine) Track(ctx context.Context, req api.TrackRequest) (api.TrackResult, error) {
	if req.Runner != api.RunnerMLflow && req.Runner != api.RunnerImport {
		return api.TrackResult{}, api.Errorf(api.ErrInvalid, "a tracked run's runner is %q or %q, not %q", api.RunnerMLflow, api.RunnerImport, req.Runner)
	}
	if req.Status == "" {
		req.Status = api.Running
	}
	switch {
	case !req.Status.Valid() || req.Status == api.Queued:
		return api.TrackResult{}, api.Errorf(api.ErrInvalid, "a tracked run is running or ended, not %q", req.Status)
	case req.Experiment == "":
		req.Experiment = e.opts.Config.Jobs.DefaultExperiment
	}
	if err := store.ValidExperimentName(req.Experiment); err != nil {
		return api.TrackResult{}, e.translate(err)
	}
	points, err := checkLogged(req.Params, req.Tags, req.Metrics)
	if err != nil {
		return api.TrackResult{}, err
	}
	if req.User == "" {
		req.User = e.user
	}
	now := time.Now().UTC()
	r := &store.Run{ID: store.NewID(), Name: req.Name, Experiment: req.Experiment, Status: store.Status(req.Status),
		Reason: req.Reason, Params: nonNil(maps.Clone(req.Params)), Tags: nonNil(maps.Clone(req.Tags)),
		Runner: req.Runner, Cwd: req.Cwd, User: req.User, Host: e.host, Created: now, Key: req.Key}
	if req.Started != nil {
		t := req.Started.UTC()
		r.Started, r.Created = &t, t
	} else {
		r.Started = &now
	}
	if r.Status.Ended() {
		t := now
		if req.Ended != nil {
			t = req.Ended.UTC()
		}
		r.Ended = &t
	}
	r.Dir = e.runDir(r.ID)

	var out api.TrackResult
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		if req.Key != "" {
			old, err := tx.RunByKey(req.Key)
			if err == nil {
				v, err := e.view(tx, old)
				out = api.TrackResult{Run: v}
				return err
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		rec := *r
		if rec.Name == "" {
			rec.Name = fmt.Sprintf("run-%d", tx.NextRunNumber(rec.Experiment))
		}
		if err := tx.CreateRun(&rec); err != nil {
			return err
		}
		if err := appendGrouped(tx, rec.ID, points); err != nil {
			return err
		}
		// The folder holds what MLflow clients write as artifacts, and
		// spec.json, as a job's does, so the run can be found from it.
		if err := os.MkdirAll(rec.Dir, 0o700); err != nil {
			return fmt.Errorf("create run folder: %w", err)
		}
		if err := writeSpec(&rec, 0); err != nil {
			return err
		}
		v, err := e.view(tx, &rec)
		if err != nil {
			return err
		}
		out = api.TrackResult{Run: v, Created: true}
		tx.OnCommit(func() { e.hub.publish(api.Event{Type: api.EventRun, Run: &v}) })
		return nil
	})
	if err != nil {
		os.RemoveAll(r.Dir) // a new id's folder: nothing else is in it
		return api.TrackResult{}, e.translate(err)
	}
	if out.Created {
		e.log.Info("tracked run", "run", out.Run.ID, "runner", req.Runner, "key", req.Key)
	}
	return out, nil
}

// checkPairs refuses names and values no listing could show.
func checkPairs(what string, m map[string]string) error {
	for k, v := range m {
		switch {
		case k == "" || len(k) > maxTrackedKey || !utf8.ValidString(k) || strings.ContainsAny(k, "\x00\n"):
			return api.Errorf(api.ErrInvalid, "%s name %q: give 1 to %d characters of text on one line", what, k, maxTrackedKey)
		case len(v) > maxTrackedValue || !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0:
			return api.Errorf(api.ErrInvalid, "%s %s: its value is longer than %d bytes or not text", what, k, maxTrackedValue)
		}
	}
	return nil
}

// groupPoints checks points told to the engine and groups them by metric,
// in the order given.
func groupPoints(pts []api.LoggedPoint) (map[string][]series.Point, error) {
	now := float64(time.Now().UnixMicro())
	out := map[string][]series.Point{}
	for _, p := range pts {
		if err := store.ValidMetricName(p.Name); err != nil {
			return nil, api.WithKind(api.ErrInvalid, err)
		}
		us := now
		if p.Time != 0 {
			us = p.Time * 1e6
		}
		if math.IsNaN(us) || math.IsInf(us, 0) || math.Abs(us) > math.MaxInt64/2 {
			return nil, api.Errorf(api.ErrInvalid, "metric %s: time %v is not a time", p.Name, p.Time)
		}
		out[p.Name] = append(out[p.Name], series.Point{Step: p.Step, Time: int64(us), Value: float64(p.Value)})
	}
	return out, nil
}

// appendGrouped stores grouped points, metrics in name order so that an
// error is met at the same place whatever the map's order.
func appendGrouped(tx *store.Tx, id string, points map[string][]series.Point) error {
	for _, name := range slices.Sorted(maps.Keys(points)) {
		if err := tx.AppendPoints(id, name, points[name]); err != nil {
			return err
		}
	}
	return nil
}

// checkLogged checks what a client logs (params and tags within their
// limits) and groups its points by metric.
func checkLogged(params, tags map[string]string, metrics []api.LoggedPoint) (map[string][]series.Point, error) {
	if err := checkPairs("param", params); err != nil {
		return nil, err
	}
	if err := checkPairs("tag", tags); err != nil {
		return nil, err
	}
	return groupPoints(metrics)
}

// Log adds what a client tells a run, in one transaction.
func (e *Engine) Log(ctx context.Context, req api.LogRequest) (api.Run, error) {
	points, err := checkLogged(req.Params, req.Tags, req.Metrics)
	if err != nil {
		return api.Run{}, err
	}
	var out api.Run
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		r, err := tx.ResolveRun(req.Run)
		if err != nil {
			return err
		}
		if r.Deleted != nil {
			return fmt.Errorf("%w: run %s was removed; restore it first (`lathe restore %s`)", store.ErrInvalidInput, r.Name, r.ID)
		}
		for k, v := range req.Params {
			if old, ok := r.Params[k]; ok && old != v {
				return fmt.Errorf("%w: param %s of run %s is %q; a param is logged once (it cannot become %q)", store.ErrInvalidInput, k, r.Name, old, v)
			}
		}
		if err := appendGrouped(tx, r.ID, points); err != nil {
			return err
		}
		changed := len(req.Params) > 0 || len(req.Tags) > 0 || len(req.DeleteTags) > 0
		if changed {
			r.Params = nonNil(r.Params)
			r.Tags = nonNil(r.Tags)
			maps.Copy(r.Params, req.Params)
			maps.Copy(r.Tags, req.Tags)
			for _, k := range req.DeleteTags {
				delete(r.Tags, k)
			}
			if err := tx.PutRun(r); err != nil {
				return err
			}
		}
		if out, err = e.view(tx, r); err != nil {
			return err
		}
		v := out
		tx.OnCommit(func() { e.hub.publish(api.Event{Type: api.EventRun, Run: &v}) })
		if len(points) > 0 {
			tx.OnCommit(func() { e.publishPoints(r.ID, points) })
		}
		return nil
	})
	return out, e.translate(err)
}

// UpdateRun renames a run or ends a tracked one.
func (e *Engine) UpdateRun(ctx context.Context, req api.UpdateRunRequest) (api.Run, error) {
	if req.Status != "" && !req.Status.Valid() {
		return api.Run{}, api.Errorf(api.ErrInvalid, "status %q: one of %v", req.Status, api.Statuses)
	}
	var out api.Run
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		r, err := tx.ResolveRun(req.Run)
		if err != nil {
			return err
		}
		if req.Name != "" && req.Name != r.Name {
			if err := tx.RenameRun(r, req.Name); err != nil {
				return err
			}
		}
		tracked := apiRun(r).Tracked()
		if tracked && req.Status.Ended() && !r.Status.Ended() {
			t := time.Now().UTC()
			if req.Ended != nil {
				t = req.Ended.UTC()
			}
			r.Status, r.Ended, r.Reason = store.Status(req.Status), &t, req.Reason
		}
		if tracked && req.Status == api.Running && r.Status.Ended() {
			// MLflow clients resume a run by setting it running again.
			r.Status, r.Ended, r.Reason = store.Running, nil, ""
		}
		if err := tx.PutRun(r); err != nil {
			return err
		}
		if out, err = e.view(tx, r); err != nil {
			return err
		}
		v := out
		tx.OnCommit(func() { e.hub.publish(api.Event{Type: api.EventRun, Run: &v}) })
		return nil
	})
	return out, e.translate(err)
}

// Experiments lists the experiments, the default one always among them.
func (e *Engine) Experiments(ctx context.Context) ([]api.Experiment, error) {
	var numbered bool
	read := func(tx *store.Tx) ([]store.Experiment, error) {
		all, err := tx.Experiments()
		numbered = !slices.ContainsFunc(all, func(x store.Experiment) bool { return x.ID == 0 })
		return all, err
	}
	var all []store.Experiment
	err := e.db.View(func(tx *store.Tx) (err error) {
		all, err = read(tx)
		return err
	})
	if err == nil && !numbered {
		// Experiments made before they had numbers get theirs once.
		err = e.db.Update(ctx, func(tx *store.Tx) (err error) {
			if err = tx.NumberExperiments(); err != nil {
				return err
			}
			all, err = read(tx)
			return err
		})
	}
	if err != nil {
		return nil, e.translate(err)
	}
	def := e.opts.Config.Jobs.DefaultExperiment
	out := make([]api.Experiment, 0, len(all)+1)
	for _, x := range all {
		out = append(out, apiExperiment(x, def))
	}
	if !slices.ContainsFunc(all, func(x store.Experiment) bool { return x.Name == def }) {
		out = append(out, api.Experiment{Name: def, Default: true})
		slices.SortFunc(out, func(a, b api.Experiment) int { return strings.Compare(a.Name, b.Name) })
	}
	return out, nil
}

func apiExperiment(x store.Experiment, def string) api.Experiment {
	return api.Experiment{ID: x.ID, Name: x.Name, Created: x.Created, Tags: x.Tags, Runs: x.Runs, Default: x.Name == def}
}

// CreateExperiment makes an experiment before any run names it.
func (e *Engine) CreateExperiment(ctx context.Context, req api.ExperimentRequest) (api.Experiment, error) {
	if err := checkPairs("tag", req.Tags); err != nil {
		return api.Experiment{}, err
	}
	var out api.Experiment
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		x, err := tx.CreateExperiment(req.Name, maps.Clone(req.Tags), time.Now().UTC())
		if err != nil {
			return err
		}
		out = apiExperiment(*x, e.opts.Config.Jobs.DefaultExperiment)
		return nil
	})
	return out, e.translate(err)
}
