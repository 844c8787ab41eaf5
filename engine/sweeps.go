package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"lathe/engine/api"
	"lathe/engine/sweep"
	"lathe/store"
	"lathe/store/series"
)

// The engine's part of sweeps: package sweep parses the file, proposes
// trials and decides early stopping; here they are carried out. Each
// trial is an ordinary run, tagged with its sweep and number. A sweep's
// record in the store is the truth, so that it goes on after a restart:
// its trials are runs (re-adopted as any run), and a trial started just
// before a crash is found again by its tags, so none starts twice.

// Tags every trial's run carries.
const (
	tagSweep   = "sweep"    // the sweep's name
	tagSweepID = "sweep_id" // its id
	tagTrial   = "trial"    // the trial's number
)

// sweeps is the state of the sweeps that may still start or stop
// trials.
type sweeps struct {
	mu   sync.Mutex
	live map[string]*liveSweep // by id; guarded by mu
	// trials finds the sweep of a running trial's run, at every batch
	// of points: read without mu.
	trials sync.Map // run id → *liveSweep
	// kick wakes the loop that settles ended trials and starts new ones.
	kick chan struct{}
}

// liveSweep is a sweep that is not done. Its fields are guarded by
// sweeps.mu.
type liveSweep struct {
	rec  *store.Sweep
	spec sweep.Spec
	asha *sweep.ASHA // nil: no early stopping
}

func newSweeps() *sweeps {
	return &sweeps{live: map[string]*liveSweep{}, kick: make(chan struct{}, 1)}
}

// kickSweeps has the sweep loop look at every sweep again.
func (e *Engine) kickSweeps() {
	select {
	case e.sweeps.kick <- struct{}{}:
	default:
	}
}

// runSweeps settles ended trials and starts new ones whenever a trial
// ends or a sweep changes, and every few seconds all the same.
func (e *Engine) runSweeps() {
	defer e.wg.Done()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.sweeps.kick:
		case <-tick.C:
		}
		e.sweeps.mu.Lock()
		ids := make([]string, 0, len(e.sweeps.live))
		for id := range e.sweeps.live {
			ids = append(ids, id)
		}
		e.sweeps.mu.Unlock()
		for _, id := range ids {
			if e.ctx.Err() != nil {
				return
			}
			if err := e.advanceSweep(id); err != nil {
				e.log.Error("sweep", "sweep", id, "err", err)
			}
		}
	}
}

// loadSweeps takes up, at open, the sweeps an earlier engine left
// running or stopped: their trials that a crash left out of the record
// are found by their runs' tags.
func (e *Engine) loadSweeps(active []*store.Run) error {
	var recs []*store.Sweep
	err := e.db.View(func(tx *store.Tx) error {
		all, err := tx.Sweeps()
		for _, s := range all {
			if s.State != api.SweepDone {
				recs = append(recs, s)
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("read sweeps: %w", err)
	}
	for _, rec := range recs {
		ls, err := e.liveSweepOf(rec)
		if err != nil {
			e.log.Error("sweep cannot go on", "sweep", rec.ID, "err", err)
			continue
		}
		if err := e.findTrials(ls, active); err != nil {
			return err
		}
		e.sweeps.mu.Lock()
		e.sweeps.live[rec.ID] = ls
		e.sweeps.mu.Unlock()
		// Stopped early, but the engine ended before the kill was
		// recorded: it is killed now if it still runs.
		for _, t := range rec.Trials {
			e.mu.Lock()
			runs := e.jobs[t.Run] != nil
			e.mu.Unlock()
			if t.State == api.TrialRunning && t.Stop != "" && runs {
				e.sweeps.trials.Delete(t.Run)
				if err := e.killJob(t.Run, false, t.Stop); err != nil {
					e.log.Error("stop trial", "run", t.Run, "err", err)
				}
			}
		}
	}
	e.kickSweeps()
	return nil
}

// liveSweepOf parses a stored sweep's file and restores its early
// stopping.
func (e *Engine) liveSweepOf(rec *store.Sweep) (*liveSweep, error) {
	spec, err := sweep.Parse(filepath.Base(rec.File), []byte(rec.TOML))
	if err != nil {
		return nil, err
	}
	ls := &liveSweep{rec: rec, spec: spec}
	if spec.EarlyStop != nil {
		ls.asha = sweep.NewASHA(*spec.EarlyStop, spec.Maximize())
		if len(rec.ASHA) > 0 {
			if err := json.Unmarshal(rec.ASHA, ls.asha); err != nil {
				return nil, fmt.Errorf("early stopping's state: %w", err)
			}
		}
	}
	for _, t := range rec.Trials {
		if t.State == api.TrialRunning {
			e.sweeps.trials.Store(t.Run, ls)
		}
	}
	return ls, nil
}

// findTrials adds to a sweep's record the trials whose runs exist but
// that it does not name: the engine stopped between starting a trial and
// recording it. Such a run was queued or running when it stopped, so it
// is among active, the runs the store held so at open: no scan of every
// run.
func (e *Engine) findTrials(ls *liveSweep, active []*store.Run) error {
	known := map[string]bool{}
	for _, t := range ls.rec.Trials {
		known[t.Run] = true
	}
	var found []store.SweepTrial
	for _, r := range active {
		if r.Tags[tagSweepID] != ls.rec.ID || known[r.ID] {
			continue
		}
		n, err := strconv.Atoi(r.Tags[tagTrial])
		if err != nil {
			continue
		}
		params := map[string]string{}
		for _, p := range ls.spec.Params {
			params[p.Name] = r.Params[p.Name]
		}
		found = append(found, store.SweepTrial{Number: n, Run: r.ID, Params: params, State: api.TrialRunning,
			Value: store.Float(math.NaN()), Rung: -1})
	}
	if len(found) == 0 {
		return nil
	}
	e.sweeps.mu.Lock()
	defer e.sweeps.mu.Unlock()
	ls.rec.Trials = append(ls.rec.Trials, found...)
	slices.SortFunc(ls.rec.Trials, func(a, b store.SweepTrial) int { return a.Number - b.Number })
	for _, t := range found {
		e.sweeps.trials.Store(t.Run, ls)
	}
	e.log.Info("sweep trials found by their runs", "sweep", ls.rec.ID, "trials", len(found))
	return e.putSweep(ls.rec, false)
}

// StartSweep checks a sweep file, records the sweep and starts its first
// trials.
func (e *Engine) StartSweep(ctx context.Context, req api.SweepRequest) (api.Sweep, error) {
	spec, err := sweep.Parse(filepath.Base(req.File), []byte(req.TOML))
	if err != nil {
		return api.Sweep{}, api.Errorf(api.ErrInvalid, "%v", err)
	}
	exp := cmp.Or(spec.Experiment, e.opts.Config.Jobs.DefaultExperiment)
	// What every trial will ask is checked once, before any starts.
	first := api.SubmitRequest{Command: spec.Command, Cwd: req.Cwd, Experiment: exp, GPUs: spec.GPUs}
	if err := e.validate(&first); err != nil {
		return api.Sweep{}, err
	}
	if req.User == "" {
		req.User = e.user
	}
	rec := &store.Sweep{ID: store.NewID(), Name: spec.Name, File: req.File, TOML: req.TOML, Experiment: exp,
		State: api.SweepRunning, Cwd: req.Cwd, User: req.User, Created: time.Now().UTC(), Trials: []store.SweepTrial{}}
	ls := &liveSweep{rec: rec, spec: spec}
	if spec.EarlyStop != nil {
		ls.asha = sweep.NewASHA(*spec.EarlyStop, spec.Maximize())
	}
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutSweepEnv(rec.ID, req.Env); err != nil {
			return err
		}
		return tx.PutSweep(rec)
	})
	if err != nil {
		return api.Sweep{}, e.translate(err)
	}
	e.sweeps.mu.Lock()
	e.sweeps.live[rec.ID] = ls
	e.sweeps.mu.Unlock()
	if err := e.advanceSweep(rec.ID); err != nil {
		return api.Sweep{}, e.translate(err)
	}
	return e.Sweep(ctx, rec.ID)
}

// advanceSweep settles the trials of a sweep that ended and starts new
// ones up to its parallel limit; a sweep with nothing left to run is
// done.
func (e *Engine) advanceSweep(id string) error {
	e.sweeps.mu.Lock()
	defer e.sweeps.mu.Unlock()
	ls := e.sweeps.live[id]
	if ls == nil || e.ctx.Err() != nil {
		return nil // done, or the engine stops: the next one goes on
	}
	changed, err := e.settleTrials(ls)
	if err != nil {
		return err
	}
	running := 0
	for _, t := range ls.rec.Trials {
		if t.State == api.TrialRunning {
			running++
		}
	}
	exhausted := false
	for ls.rec.State == api.SweepRunning && running < ls.spec.Parallel {
		n := len(ls.rec.Trials)
		if limit := ls.spec.Trials; limit > 0 && n >= limit {
			exhausted = true
			break
		}
		params, ok := sweep.Next(ls.spec, n, history(ls.rec))
		if !ok {
			exhausted = true
			break
		}
		run, err := e.startTrial(ls, n, params)
		if err != nil {
			ls.rec.State, ls.rec.Reason = api.SweepStopped, fmt.Sprintf("trial %d could not start: %v", n, err)
			changed = true
			break
		}
		ls.rec.Trials = append(ls.rec.Trials, store.SweepTrial{Number: n, Run: run, Params: params,
			State: api.TrialRunning, Value: store.Float(math.NaN()), Rung: -1})
		e.sweeps.trials.Store(run, ls)
		running++
		changed = true
	}
	// Done once nothing runs and nothing more will: the trials are all
	// out, or it was stopped for good. A sweep stopped by a user without
	// --kill waits to be resumed.
	done := running == 0 && (exhausted && ls.rec.State == api.SweepRunning ||
		ls.rec.State == api.SweepStopped && ls.rec.Reason == stoppedFinal)
	if done {
		now := time.Now().UTC()
		ls.rec.State, ls.rec.Ended = api.SweepDone, &now
		if ls.rec.Reason == stoppedFinal {
			ls.rec.Reason = ""
		}
		delete(e.sweeps.live, id)
		changed = true
	}
	if !changed {
		return nil
	}
	return e.putSweep(ls.rec, done)
}

// stoppedFinal is the reason of a sweep stopped for good (lathe sweep
// stop --kill): it is done once its last trial has ended.
const stoppedFinal = "stopped, its running trials killed"

// startTrial submits trial n of a sweep as a run.
func (e *Engine) startTrial(ls *liveSweep, n int, params map[string]string) (string, error) {
	var env []string
	err := e.db.View(func(tx *store.Tx) error {
		var err error
		env, err = tx.SweepEnv(ls.rec.ID)
		return err
	})
	if err != nil {
		return "", err
	}
	tags := map[string]string{tagSweep: ls.rec.Name, tagSweepID: ls.rec.ID, tagTrial: strconv.Itoa(n)}
	r, err := e.submit(context.Background(), api.SubmitRequest{
		Name:       fmt.Sprintf("%s-%d", ls.rec.Name, n),
		Experiment: ls.rec.Experiment,
		Command:    ls.spec.CommandFor(params),
		Cwd:        ls.rec.Cwd,
		Env:        env,
		Params:     params,
		Tags:       tags,
		GPUs:       ls.spec.GPUs,
		User:       ls.rec.User,
	}, "")
	if err != nil {
		return "", err
	}
	e.log.Info("sweep trial", "sweep", ls.rec.ID, "trial", n, "run", r.ID)
	return r.ID, nil
}

// settleTrials records how the trials that ended did: their state and
// the value they are ranked by (the metric's last value; NaN for one
// that failed). The caller holds sweeps.mu.
func (e *Engine) settleTrials(ls *liveSweep) (changed bool, err error) {
	err = e.db.View(func(tx *store.Tx) error {
		for i := range ls.rec.Trials {
			t := &ls.rec.Trials[i]
			if t.State != api.TrialRunning {
				continue
			}
			r, err := tx.ListedRun(t.Run)
			if errors.Is(err, store.ErrNotFound) {
				t.State = api.TrialFailed // removed and purged
				changed = true
				continue
			}
			if err != nil {
				return err
			}
			if !r.Status.Ended() {
				continue
			}
			sums, err := tx.Summaries(t.Run)
			if err != nil && !errors.Is(err, store.ErrDamaged) {
				return err
			}
			t.Value = store.Float(math.NaN())
			if s, ok := sums[ls.spec.Metric]; ok {
				t.Value = s.Last
			}
			switch {
			case r.Status == store.Succeeded:
				t.State = api.TrialDone
			case r.Status == store.Killed && r.KillReason != "":
				t.State = api.TrialStopped
			default:
				t.State, t.Value = api.TrialFailed, store.Float(math.NaN())
			}
			e.sweeps.trials.Delete(t.Run)
			changed = true
		}
		return nil
	})
	return changed, err
}

// history is what the sampler knows of a sweep's trials.
func history(rec *store.Sweep) []sweep.Trial {
	h := make([]sweep.Trial, len(rec.Trials))
	for i, t := range rec.Trials {
		h[i] = sweep.Trial{Number: t.Number, Params: t.Params, State: sweep.State(t.State), Value: float64(t.Value)}
	}
	return h
}

// putSweep stores a sweep's record; done, it also forgets the
// environment its trials started with.
func (e *Engine) putSweep(rec *store.Sweep, done bool) error {
	return e.db.Update(context.Background(), func(tx *store.Tx) error {
		if done {
			if err := tx.DeleteSweepEnv(rec.ID); err != nil {
				return err
			}
		}
		return tx.PutSweep(rec)
	})
}

// sweepPoints gives the points a trial's run just stored to its sweep's
// early stopping, which may stop it. Runs of no sweep cost one lookup.
func (e *Engine) sweepPoints(id string, metrics map[string][]series.Point) {
	v, ok := e.sweeps.trials.Load(id)
	if !ok {
		return
	}
	ls := v.(*liveSweep)
	pts := metrics[ls.spec.Metric]
	if len(pts) == 0 || ls.asha == nil {
		return
	}
	e.sweeps.mu.Lock()
	defer e.sweeps.mu.Unlock()
	i := slices.IndexFunc(ls.rec.Trials, func(t store.SweepTrial) bool { return t.Run == id })
	if i < 0 || ls.rec.Trials[i].State != api.TrialRunning {
		return
	}
	t := &ls.rec.Trials[i]
	var stop *sweep.Decision
	reached := false
	for _, p := range pts {
		d := ls.asha.Report(t.Number, p.Step, p.Value)
		if !d.Reached {
			continue
		}
		reached = true
		t.Rung = d.Rung
		if d.Stop {
			stop = &d
			break
		}
	}
	if !reached {
		return
	}
	if stop != nil {
		t.Stop = fmt.Sprintf("stopped early at step %d: %s %s, rung cutoff %s", stop.Step, ls.spec.Metric,
			formatValue(stop.Value), formatValue(stop.Cutoff))
	}
	raw, err := json.Marshal(ls.asha)
	if err == nil {
		ls.rec.ASHA = raw
		err = e.putSweep(ls.rec, false)
	}
	if err != nil {
		e.log.Error("record early stopping", "sweep", ls.rec.ID, "err", err)
	}
	if stop != nil {
		// Its points until the kill lands are no report of a trial that
		// goes on: the early stopping hears no more of it.
		e.sweeps.trials.Delete(id)
		reason := t.Stop
		e.log.Info("sweep trial stopped early", "sweep", ls.rec.ID, "trial", t.Number, "run", id, "reason", reason)
		go func() {
			if err := e.killJob(id, false, reason); err != nil {
				e.log.Error("stop trial", "run", id, "err", err)
			}
		}()
	}
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// Sweeps lists the sweeps, newest first.
func (e *Engine) Sweeps(ctx context.Context) ([]api.Sweep, error) {
	out := []api.Sweep{}
	live := e.liveNow()
	err := e.db.View(func(tx *store.Tx) error {
		all, err := tx.Sweeps()
		for _, rec := range all {
			out = append(out, sweepView(tx, rec, live))
		}
		return err
	})
	return out, e.translate(err)
}

// Sweep shows one sweep by its id, a prefix of it, or its name.
func (e *Engine) Sweep(ctx context.Context, ref string) (api.Sweep, error) {
	var v api.Sweep
	live := e.liveNow()
	err := e.db.View(func(tx *store.Tx) error {
		rec, err := tx.ResolveSweep(ref)
		if err != nil {
			return err
		}
		v = sweepView(tx, rec, live)
		return nil
	})
	return v, e.translate(err)
}

// StopSweep has a sweep start no more trials; with kill, its running
// ones are killed too and it is done once they have ended.
func (e *Engine) StopSweep(ctx context.Context, ref string, kill bool) (api.Sweep, error) {
	id, err := e.resolveSweep(ref)
	if err != nil {
		return api.Sweep{}, err
	}
	e.sweeps.mu.Lock()
	ls := e.sweeps.live[id]
	if ls == nil {
		e.sweeps.mu.Unlock()
		return api.Sweep{}, api.Errorf(api.ErrConflict, "sweep %s is done", ref)
	}
	ls.rec.State, ls.rec.Reason = api.SweepStopped, "stopped with lathe sweep stop"
	var running []string
	if kill {
		ls.rec.Reason = stoppedFinal
		for _, t := range ls.rec.Trials {
			if t.State == api.TrialRunning {
				running = append(running, t.Run)
			}
		}
	}
	err = e.putSweep(ls.rec, false)
	e.sweeps.mu.Unlock()
	if err != nil {
		return api.Sweep{}, e.translate(err)
	}
	for _, run := range running {
		if _, err := e.Kill(ctx, run, false); err != nil && !errors.Is(err, api.ErrConflict) {
			e.log.Warn("kill trial", "run", run, "err", err)
		}
	}
	e.kickSweeps()
	return e.Sweep(ctx, id)
}

// ResumeSweep has a stopped sweep start trials again.
func (e *Engine) ResumeSweep(ctx context.Context, ref string) (api.Sweep, error) {
	id, err := e.resolveSweep(ref)
	if err != nil {
		return api.Sweep{}, err
	}
	e.sweeps.mu.Lock()
	ls := e.sweeps.live[id]
	if ls == nil {
		e.sweeps.mu.Unlock()
		return api.Sweep{}, api.Errorf(api.ErrConflict, "sweep %s is done: start it again from its file (lathe sweep start)", ref)
	}
	ls.rec.State, ls.rec.Reason = api.SweepRunning, ""
	err = e.putSweep(ls.rec, false)
	e.sweeps.mu.Unlock()
	if err != nil {
		return api.Sweep{}, e.translate(err)
	}
	if err := e.advanceSweep(id); err != nil {
		return api.Sweep{}, e.translate(err)
	}
	return e.Sweep(ctx, id)
}

func (e *Engine) resolveSweep(ref string) (string, error) {
	var id string
	err := e.db.View(func(tx *store.Tx) error {
		rec, err := tx.ResolveSweep(ref)
		if err == nil {
			id = rec.ID
		}
		return err
	})
	return id, e.translate(err)
}

// liveNow copies the sweeps that are not done as the engine sees them
// now, ahead of the store transaction that shows them: a transaction
// must never wait on sweeps.mu, whose holder may be waiting to write.
func (e *Engine) liveNow() map[string]*store.Sweep {
	e.sweeps.mu.Lock()
	defer e.sweeps.mu.Unlock()
	live := make(map[string]*store.Sweep, len(e.sweeps.live))
	for id, ls := range e.sweeps.live {
		rec := *ls.rec
		rec.Trials = slices.Clone(rec.Trials)
		live[id] = &rec
	}
	return live
}

// sweepView is a sweep as clients see it: its record (live's copy when
// it is there), what its file asks, each trial's run's name and reason,
// and the best trial.
func sweepView(tx *store.Tx, rec *store.Sweep, live map[string]*store.Sweep) api.Sweep {
	v := api.Sweep{ID: rec.ID, Name: rec.Name, File: rec.File, Experiment: rec.Experiment, State: rec.State,
		Reason: rec.Reason, User: rec.User, Created: rec.Created, Ended: rec.Ended, Trials: []api.SweepTrial{}}
	if now := live[rec.ID]; now != nil {
		rec = now
		v.State, v.Reason = rec.State, rec.Reason
	}
	trials := rec.Trials
	spec, err := sweep.Parse(filepath.Base(rec.File), []byte(rec.TOML))
	if err == nil {
		v.Metric, v.Direction, v.Method, v.MaxTrials, v.Parallel = spec.Metric, spec.Direction, spec.Method, spec.Trials, spec.Parallel
		if es := spec.EarlyStop; es != nil {
			// The rungs reached and the next: the rest, unbounded, say
			// nothing yet.
			n := 2
			for _, t := range trials {
				n = max(n, t.Rung+2)
			}
			v.EarlyStop = es.Method
			for step := es.MinSteps; step > 0 && len(v.Rungs) < min(n, 8); step *= int64(es.Reduction) {
				v.Rungs = append(v.Rungs, step)
			}
		}
	}
	for _, t := range trials {
		st := api.SweepTrial{Trial: t.Number, Run: t.Run, Params: t.Params, State: t.State, Value: api.Float(t.Value), Rung: t.Rung}
		if r, err := tx.ListedRun(t.Run); err == nil {
			st.Name = r.Name
			if t.State == api.TrialStopped || t.State == api.TrialFailed {
				st.Reason = r.Reason
			}
		}
		switch t.State {
		case api.TrialRunning:
			v.Running++
		case api.TrialDone:
			v.Done++
		case api.TrialStopped:
			v.Stopped++
		case api.TrialFailed:
			v.Failed++
		}
		v.Trials = append(v.Trials, st)
	}
	v.Best = bestTrial(v.Trials, v.Direction != "min")
	return v
}

// bestTrial is the best of the trials that ended by themselves, or of
// any with a value when none has; nil when no trial has a value.
func bestTrial(trials []api.SweepTrial, maximize bool) *api.SweepTrial {
	var best *api.SweepTrial
	for _, onlyDone := range []bool{true, false} {
		for i := range trials {
			t := &trials[i]
			v := float64(t.Value)
			if math.IsNaN(v) || (onlyDone && t.State != api.TrialDone) || t.State == api.TrialRunning {
				continue
			}
			if best == nil || (maximize && v > float64(best.Value)) || (!maximize && v < float64(best.Value)) {
				best = t
			}
		}
		if best != nil {
			b := *best
			return &b
		}
	}
	return nil
}
