package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"lathe/engine/api"
	"lathe/store"
)

// Remove takes runs out of the listings, or with Purge deletes them. Runs
// still queued or running are refused: all of the request is, so that a
// filter that catches a live run removes nothing.
func (e *Engine) Remove(ctx context.Context, req api.RemoveRequest) (api.RemoveResult, error) {
	if (len(req.Refs) == 0) == (req.Filter == "") {
		return api.RemoveResult{}, api.Errorf(api.ErrInvalid, "name the runs to remove, or give a filter (not both)")
	}
	ids, err := e.selectRuns(ctx, req.Refs, req.Filter, req.Purge)
	if err != nil {
		return api.RemoveResult{}, err
	}
	res := api.RemoveResult{Runs: []api.Run{}, Purged: req.Purge}
	var live []string
	err = e.db.View(func(tx *store.Tx) error {
		for _, id := range ids {
			r, err := tx.Run(id)
			if err != nil {
				return err
			}
			if !r.Status.Ended() {
				live = append(live, fmt.Sprintf("%s (%s)", r.Name, r.Status))
			}
			v, err := e.view(tx, r)
			if err != nil {
				return err
			}
			res.Runs = append(res.Runs, v)
		}
		res.Versions, err = versionsOfRuns(tx, ids)
		return err
	})
	if err != nil {
		return api.RemoveResult{}, e.translate(err)
	}
	if len(live) > 0 {
		return api.RemoveResult{}, api.Errorf(api.ErrConflict, "%d of the runs still run or wait to: %s; kill them first, or leave them out (status != running)",
			len(live), joinNames(live, 5))
	}
	if req.DryRun || len(ids) == 0 {
		return res, nil
	}
	now := time.Now()
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		for i, id := range ids {
			if req.Purge {
				if err := tx.PurgeRun(id); err != nil {
					return err
				}
				continue
			}
			r, err := tx.DeleteRun(id, now)
			if err != nil {
				return err
			}
			if res.Runs[i], err = e.view(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return api.RemoveResult{}, e.translate(err)
	}
	if req.Purge {
		for _, r := range res.Runs {
			e.removeDir(r.ID)
		}
	}
	for _, r := range res.Runs {
		e.hub.publish(api.Event{Type: api.EventRun, Run: &r})
	}
	return res, nil
}

// selectRuns resolves references (removed runs too), or runs a filter
// over the runs in the listings (and, to purge, over the removed ones).
func (e *Engine) selectRuns(ctx context.Context, refs []string, expr string, removedToo bool) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	if expr != "" {
		for _, deleted := range []bool{false, true} {
			if deleted && !removedToo {
				break
			}
			runs, err := e.queryIDs(ctx, api.RunQuery{Filter: expr, Deleted: deleted})
			if err != nil {
				return nil, err
			}
			ids = append(ids, runs...)
		}
		return ids, nil
	}
	err := e.db.View(func(tx *store.Tx) error {
		for _, ref := range refs {
			r, err := tx.ResolveRun(ref)
			if err != nil {
				return err
			}
			if !seen[r.ID] {
				seen[r.ID] = true
				ids = append(ids, r.ID)
			}
		}
		return nil
	})
	return ids, e.translate(err)
}

// Restore brings removed runs back.
func (e *Engine) Restore(ctx context.Context, refs []string) ([]api.Run, error) {
	if len(refs) == 0 {
		return nil, api.Errorf(api.ErrInvalid, "name the runs to restore (`lathe runs --deleted` lists them)")
	}
	ids, err := e.selectRuns(ctx, refs, "", true)
	if err != nil {
		return nil, err
	}
	out := make([]api.Run, 0, len(ids))
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		out = out[:0] // the function may run twice
		for _, id := range ids {
			r, err := tx.RestoreRun(id)
			if err != nil {
				return err
			}
			v, err := e.view(tx, r)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, e.translate(err)
	}
	for _, r := range out {
		e.hub.publish(api.Event{Type: api.EventRun, Run: &r})
	}
	return out, nil
}

// removeDir deletes a purged run's folder: where a runner moved it (a
// cluster's shared folder, linked from the data directory), that too.
func (e *Engine) removeDir(id string) {
	dir := e.runDir(id)
	if target, err := os.Readlink(dir); err == nil && filepath.Base(target) == id {
		if err := os.RemoveAll(target); err != nil {
			e.log.Warn("a purged run's folder stays", "run", id, "folder", target, "err", err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		e.log.Warn("a purged run's folder stays", "run", id, "err", err)
	}
}

// purgeEvery is how often the engine purges the runs removed longer ago
// than api.RetainRemoved.
const purgeEvery = time.Hour

// purgeRemoved purges, now and then every purgeEvery, the runs removed
// longer ago than api.RetainRemoved.
func (e *Engine) purgeRemoved() {
	defer e.wg.Done()
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		if n, err := e.purgeDue(time.Now()); err != nil {
			e.log.Warn("purging removed runs", "err", err)
		} else if n > 0 {
			e.log.Info("purged removed runs", "runs", n)
		}
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// purgeDue purges the runs removed before now minus api.RetainRemoved.
func (e *Engine) purgeDue(now time.Time) (int, error) {
	var ids []string
	err := e.db.View(func(tx *store.Tx) error {
		runs, err := tx.DeletedRuns(now.Add(-api.RetainRemoved))
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		return err
	})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	err = e.db.Update(e.ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.PurgeRun(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		e.removeDir(id)
	}
	return len(ids), nil
}

// queryIDs is the ids a catalogue query keeps.
func (e *Engine) queryIDs(ctx context.Context, q api.RunQuery) ([]string, error) {
	cq, err := e.compileQuery(q)
	if err != nil {
		return nil, err
	}
	ids, err := e.cat.query(ctx, e.db, cq)
	return ids, e.translate(err)
}

// versionsOfRuns names the model versions registered from the runs of ids
// ("digits v3"): they outlive their runs, with their snapshot and artifact.
func versionsOfRuns(tx *store.Tx, ids []string) ([]string, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	models, err := tx.Models()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range models {
		versions, err := tx.Versions(m.Name, 0)
		if err != nil {
			return nil, err
		}
		for i := len(versions) - 1; i >= 0; i-- {
			if want[versions[i].Run] {
				out = append(out, fmt.Sprintf("%s v%d", m.Name, versions[i].Version))
			}
		}
	}
	return out, nil
}
