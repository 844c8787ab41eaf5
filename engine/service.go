package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/engine/filter"
	"lathe/store"
)

var _ api.Service = (*Engine)(nil)

// api.Run returns one run.
func (e *Engine) Run(ctx context.Context, ref string) (api.Run, error) {
	v, err := e.runView(ref)
	if err == nil {
		v.Environment = e.environment(v.Dir)
	}
	return v, err
}

// runView is what clients see of one run, without what its folder holds
// (the environment): what the engine's own loops (wait, follow) read.
func (e *Engine) runView(ref string) (api.Run, error) {
	var v api.Run
	err := e.db.View(func(tx *store.Tx) error {
		r, err := tx.ResolveRun(ref)
		if err != nil {
			return err
		}
		v, err = e.view(tx, r)
		return err
	})
	return v, e.translate(err)
}

// Runs lists runs, newest first.
func (e *Engine) Runs(ctx context.Context, q api.RunQuery) ([]api.Run, error) {
	if q.Filter != "" || q.Sort != "" || q.Deleted {
		return e.queryRuns(ctx, q)
	}
	out := []api.Run{}
	keep := func(r *store.Run) bool {
		return r.Deleted == nil && (q.Experiment == "" || r.Experiment == q.Experiment) &&
			(len(q.Statuses) == 0 || slices.Contains(q.Statuses, api.Status(r.Status)))
	}
	err := e.db.View(func(tx *store.Tx) error {
		var runs []*store.Run
		var err error
		if onlyActive(q.Statuses) {
			// lathe ps: read the few active runs, not every run.
			runs, err = tx.ActiveRuns()
			runs = slices.DeleteFunc(runs, func(r *store.Run) bool { return !keep(r) })
			slices.Reverse(runs)
			if q.Limit > 0 && len(runs) > q.Limit {
				runs = runs[:q.Limit]
			}
		} else {
			runs, err = tx.Runs(keep, q.Limit)
		}
		if err != nil {
			return err
		}
		out, err = e.views(tx, runs)
		e.noteDamaged(tx.Skipped)
		return err
	})
	return out, e.translate(err)
}

// queryRuns answers a listing with a filter, a sort or of removed runs
// from the catalogue, then reads the records of the runs it keeps.
func (e *Engine) queryRuns(ctx context.Context, q api.RunQuery) ([]api.Run, error) {
	ids, err := e.queryIDs(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []api.Run
	err = e.db.View(func(tx *store.Tx) error {
		out, err = e.viewIDs(tx, ids, true) // a run purged since is left out
		e.noteDamaged(tx.Skipped)
		return err
	})
	return out, e.translate(err)
}

// viewIDs is what clients see of the runs of ids; with skipGone, a run no
// longer stored is left out rather than an error.
func (e *Engine) viewIDs(tx *store.Tx, ids []string, skipGone bool) ([]api.Run, error) {
	runs := make([]*store.Run, 0, len(ids))
	for _, id := range ids {
		r, err := tx.ListedRun(id)
		if skipGone && errors.Is(err, store.ErrNotFound) {
			continue
		}
		if errors.Is(err, store.ErrDamaged) {
			tx.Skipped++ // the rest of the listing is whole
			continue
		}
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return e.views(tx, runs)
}

// views is what clients see of runs.
func (e *Engine) views(tx *store.Tx, runs []*store.Run) ([]api.Run, error) {
	out := make([]api.Run, 0, len(runs))
	for _, r := range runs {
		v, err := e.view(tx, r)
		if errors.Is(err, store.ErrDamaged) {
			tx.Skipped++
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// compileQuery parses a listing's filter and sort.
func (e *Engine) compileQuery(q api.RunQuery) (catalogueQuery, error) {
	cq := catalogueQuery{RunQuery: q}
	if q.Filter != "" {
		expr, err := filter.Parse(q.Filter, time.Now())
		if err != nil {
			return cq, api.Errorf(api.ErrInvalid, "%v", err)
		}
		cq.expr = expr
	}
	if q.Sort != "" {
		f, err := filter.ParseField(q.Sort)
		if err != nil {
			return cq, api.Errorf(api.ErrInvalid, "sort by %q: %v", q.Sort, err)
		}
		cq.sort = &f
	}
	return cq, nil
}

func onlyActive(statuses []api.Status) bool {
	for _, s := range statuses {
		if s.Ended() {
			return false
		}
	}
	return len(statuses) > 0
}

// Kill stops a run.
func (e *Engine) Kill(ctx context.Context, ref string, now bool) (api.Run, error) {
	r, err := e.runView(ref)
	if err != nil {
		return api.Run{}, err
	}
	// Held so that a launch of this run either finished or has not begun.
	e.launchMu.Lock()
	defer e.launchMu.Unlock()
	rec, err := e.storedRun(r.ID)
	if err != nil {
		return r, e.translate(err)
	}
	switch {
	case rec.Status.Ended():
		return r, api.Errorf(api.ErrConflict, "run %s (%s) has already ended: %s", r.Name, r.ID, rec.Status)
	case rec.Status == store.Queued:
		e.dequeue(r.ID)
		e.end(r.ID, store.Killed, "killed before it started", nil, "")
		return e.runView(r.ID)
	case r.Tracked():
		// No process to signal: its client is told by the status it reads.
		e.end(r.ID, store.Killed, "killed with lathe kill", nil, "")
		return e.runView(r.ID)
	}
	if err := e.killJob(r.ID, now, ""); err != nil {
		return r, e.translate(err)
	}
	return e.runView(r.ID)
}

// killJob records that the running job of run id is to end, and why
// (reason "": a user asked), then signals it: SIGTERM, SIGKILL after the
// grace period, or at once when now.
func (e *Engine) killJob(id string, now bool, reason string) error {
	if _, err := e.updateRun(context.Background(), id, func(_ *store.Tx, rec *store.Run) error {
		rec.KillRequested, rec.KillReason = true, reason
		return nil
	}); err != nil {
		return err
	}
	e.mu.Lock()
	s := e.jobs[id]
	e.mu.Unlock()
	if s != nil {
		s.kill(now, time.Duration(e.opts.Config.Jobs.KillGrace))
	}
	return nil
}

// Wait blocks until a run has ended.
func (e *Engine) Wait(ctx context.Context, ref string) (api.Run, error) {
	for {
		sub := e.hub.subscribe()
		r, err := e.runView(ref)
		if err != nil || r.Status.Ended() {
			e.hub.unsubscribe(sub)
			return r, err
		}
		for ended := false; !ended; {
			select {
			case ev, ok := <-sub.ch:
				if !ok {
					// Lagged or stopping: look again.
					ended = true
					if e.ctx.Err() != nil {
						return r, api.Errorf(api.ErrStopped, "engine stopped while waiting for run %s", r.Name)
					}
					continue
				}
				if ev.Type == api.EventRun && ev.Run.ID == r.ID && ev.Run.Status.Ended() {
					e.hub.unsubscribe(sub)
					return *ev.Run, nil
				}
			case <-ctx.Done():
				e.hub.unsubscribe(sub)
				return r, ctx.Err()
			}
		}
	}
}

// Metric returns the points of one metric of a run.
func (e *Engine) Metric(ctx context.Context, ref, name string) ([]api.Point, error) {
	var out []api.Point
	err := e.db.View(func(tx *store.Tx) error {
		r, err := tx.ResolveRun(ref)
		if err != nil {
			return err
		}
		pts, err := tx.Series(r.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			sums, _ := tx.Summaries(r.ID)
			names := make([]string, 0, len(sums))
			for n := range sums {
				names = append(names, n)
			}
			slices.Sort(names)
			if len(names) == 0 {
				return fmt.Errorf("run %s has no metric %q (it has logged none yet): %w", r.Name, name, store.ErrNotFound)
			}
			return fmt.Errorf("run %s has no metric %q (it has %s): %w", r.Name, name, joinNames(names, 8), store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		out = toPoints(pts)
		return nil
	})
	return out, e.translate(err)
}

// MetricView returns one metric of a run summarised into at most about
// points buckets.
func (e *Engine) MetricView(ctx context.Context, ref, name string, points int) ([]api.Bucket, error) {
	if points < 1 || points > 100_000 {
		return nil, api.Errorf(api.ErrInvalid, "a view of %d points: want 1 to 100000", points)
	}
	var out []api.Bucket
	err := e.db.View(func(tx *store.Tx) error {
		r, err := tx.ResolveRun(ref)
		if err != nil {
			return err
		}
		view, err := tx.SeriesView(r.ID, name, points)
		if err != nil {
			return err
		}
		out = make([]api.Bucket, len(view))
		for i, b := range view {
			out[i] = api.Bucket{FirstStep: b.FirstStep, LastStep: b.LastStep, FirstTime: unixSeconds(b.FirstTime),
				LastTime: unixSeconds(b.LastTime), Count: b.Count, Min: api.Float(b.Min),
				Max: api.Float(b.Max), Mean: api.Float(b.Mean), Last: api.Float(b.Last)}
		}
		return nil
	})
	return out, e.translate(err)
}

func joinNames(names []string, max int) string {
	s := ""
	for i, n := range names {
		if i == max {
			return s + fmt.Sprintf(", … %d more", len(names)-max)
		}
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// logPoll is how often a followed log is checked for new output.
const logPoll = 100 * time.Millisecond

// Logs copies a run's output to w.
func (e *Engine) Logs(ctx context.Context, ref string, opts api.LogOptions, w io.Writer) error {
	follow := opts.Follow
	r, err := e.runView(ref)
	if err != nil {
		return err
	}
	files, err := e.files(r.ID, r.Runner)
	if err != nil {
		return err
	}
	path := files.Output
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	tick := time.NewTicker(logPoll)
	defer tick.Stop()
	for {
		// Whether the run had ended is read before copying, so that output
		// written just before the end is still copied.
		ended := !follow
		if follow {
			cur, err := e.runView(r.ID)
			if err != nil {
				return err
			}
			ended = cur.Status.Ended()
		}
		if f == nil {
			f, err = os.Open(path)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("logs: %w", err)
			}
			if f != nil && opts.Tail > 0 {
				if fi, err := f.Stat(); err == nil && fi.Size() > opts.Tail {
					opts.Offset = fi.Size() - opts.Tail
				}
			}
			if f != nil && opts.Offset > 0 {
				if _, err := f.Seek(opts.Offset, io.SeekStart); err != nil {
					return fmt.Errorf("logs: %w", err)
				}
			}
		}
		if f != nil {
			if _, err := io.Copy(w, f); err != nil {
				return err
			}
			if fl, ok := w.(interface{ Flush() }); ok {
				fl.Flush()
			}
		}
		if ended {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.ctx.Done():
			return api.Errorf(api.ErrStopped, "engine stopped")
		case <-tick.C:
		}
	}
}

// Events streams changes until ctx ends.
func (e *Engine) Events(ctx context.Context) (<-chan api.Event, error) {
	sub := e.hub.subscribe()
	out := make(chan api.Event, 64)
	go func() {
		defer close(out)
		defer e.hub.unsubscribe(sub)
		for {
			select {
			case ev, ok := <-sub.ch:
				if !ok {
					msg := "engine stopped"
					if sub.lagged {
						msg = "event stream lagged: the client fell too far behind"
					}
					select {
					case out <- api.Event{Type: api.EventError, Error: msg}:
					case <-ctx.Done():
					}
					return
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Status describes the engine.
func (e *Engine) Status(ctx context.Context) (api.EngineStatus, error) {
	e.mu.Lock()
	running, queued := len(e.jobs), len(e.queue)
	e.mu.Unlock()
	return api.EngineStatus{
		API:     api.Version,
		Version: e.opts.Version,
		PID:     os.Getpid(),
		Home:    e.opts.Paths.Home,
		Socket:  e.opts.Socket,
		Started: e.started,
		Running: running,
		Queued:  queued,
		Upgrade: apiUpgrade(e.db.Upgraded()),
		GPU:     apiInfo(e.gpus.probe.Info()),
		Devices: len(e.gpus.devices),
		Runners: e.runnerNames(),
		MLflow:  e.mlflowStatus(),
		Stall:   e.stalled(),
		Damaged: e.damaged(),
	}, nil
}

// CheckStore verifies the store in one transaction, and that each running
// job's stored offsets are within its files.
func (e *Engine) CheckStore(ctx context.Context) (api.CheckReport, error) {
	var rep api.CheckReport
	// In a write transaction: bbolt's check is not safe in a read one while
	// another goroutine writes. Writes wait for it; jobs go on, and what they
	// log is stored after.
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		rep = apiCheck(tx.Check(nil))
		active, err := tx.ActiveRuns()
		if err != nil {
			return err
		}
		for _, r := range active {
			files, err := e.files(r.ID, r.Runner)
			if err != nil {
				continue // a runner this engine has not: it does not read the run's files either
			}
			for src, path := range map[store.Source]string{store.SourceMetrics: files.Metrics, store.SourceOutput: files.Output} {
				t, err := tx.Tail(r.ID, src)
				if err != nil {
					return err
				}
				name := filepath.Base(path)
				fi, err := os.Stat(path)
				switch {
				case err != nil && t.Offset > 0:
					rep.Problems = append(rep.Problems, fmt.Sprintf("run %s: %s was read to byte %d but is missing", r.ID, name, t.Offset))
				case err == nil && t.Offset > fi.Size():
					rep.Problems = append(rep.Problems, fmt.Sprintf("run %s: %s was read to byte %d but holds %d", r.ID, name, t.Offset, fi.Size()))
				}
			}
		}
		return nil
	})
	if err != nil {
		return rep, e.translate(err)
	}
	// Outside the transaction: reading every artifact again takes long.
	rep.Artifacts, err = e.checkArtifacts(ctx, &rep.Problems)
	return rep, e.translate(err)
}

// checkArtifacts reads again the copy of every version's artifact and
// checks it against its digest; it reports the copies found whole.
func (e *Engine) checkArtifacts(ctx context.Context, problems *[]string) (int, error) {
	type copyOf struct{ sha, kind string }
	users := map[copyOf][]string{}
	// A record that does not read is the store check's problem, reported
	// there: the copies of the versions that do read are checked all the same.
	err := e.db.View(func(tx *store.Tx) error {
		models, err := tx.Models()
		if err != nil {
			return err
		}
		for _, m := range models {
			versions, err := tx.Versions(m.Name, 0)
			if errors.Is(err, store.ErrDamaged) {
				continue
			}
			if err != nil {
				return err
			}
			for _, v := range versions {
				if v.Artifact.Kind == api.ArtifactExternal {
					continue // another tool's location: lathe keeps no copy
				}
				c := copyOf{v.Artifact.SHA256, v.Artifact.Kind}
				users[c] = append(users[c], fmt.Sprintf("%s v%d", m.Name, v.Version))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrDamaged) {
		return 0, err
	}
	whole := 0
	for c, vs := range users {
		if err := ctx.Err(); err != nil {
			return whole, err
		}
		if err := e.artifacts.Verify(c.sha, c.kind); err != nil {
			*problems = append(*problems, fmt.Sprintf("artifact of %s: %v", strings.Join(vs, ", "), err))
			continue
		}
		whole++
	}
	return whole, nil
}

// StoreStats measures the store.
func (e *Engine) StoreStats(ctx context.Context) (api.StoreStats, error) {
	var st api.StoreStats
	err := e.db.View(func(tx *store.Tx) error { st = apiStats(tx.Stats()); return nil })
	return st, e.translate(err)
}

// CompactStore rewrites the store compactly in place while the engine goes
// on: writes wait for it, reads and jobs do not stop.
func (e *Engine) CompactStore(ctx context.Context, progress func(done, total int)) (api.CompactResult, error) {
	res, err := e.db.Compact(ctx, progress)
	if err != nil {
		return api.CompactResult{}, e.translate(err)
	}
	e.log.Info("store compacted", "before", res.Before, "after", res.After, "points", res.Points)
	return api.CompactResult{Path: e.db.Path(), Before: res.Before, After: res.After, Points: res.Points}, nil
}

// Shutdown stops the engine; its jobs keep running.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.Stop()
	return nil
}
