package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/engine/registry"
	"lathe/store"
)

// Register makes the next version of a model from an ended run.
func (e *Engine) Register(ctx context.Context, req api.RegisterRequest, progress func(done, total int64)) (api.ModelVersion, error) {
	if err := registry.ValidModelName(req.Model); err != nil {
		return api.ModelVersion{}, err
	}
	if len(req.Description) > maxDescription {
		return api.ModelVersion{}, api.Errorf(api.ErrInvalid, "description is longer than %d bytes", maxDescription)
	}
	if req.User == "" {
		req.User = e.user
	}
	run, err := e.runView(req.Run)
	if err != nil {
		return api.ModelVersion{}, err
	}
	if req.Source != "" {
		return e.registerSource(ctx, req, run, progress)
	}
	if !run.Status.Ended() {
		return api.ModelVersion{}, api.Errorf(api.ErrConflict, "run %s is %s: register it once it has ended (`lathe wait %s`)", run.Name, run.Status, run.ID)
	}
	// The version keeps the run's data sets with their digests: wait for
	// those still being computed, then read the run again.
	if err := e.awaitDatasets(ctx, run.ID); err != nil {
		return api.ModelVersion{}, e.translate(err)
	}
	if run, err = e.runView(run.ID); err != nil {
		return api.ModelVersion{}, err
	}
	name, src, err := artifactSource(run, req.Artifact)
	if err != nil {
		return api.ModelVersion{}, err
	}

	e.regMu.Lock()
	defer e.regMu.Unlock()
	obj, err := e.artifacts.Put(ctx, src, progress)
	if err != nil {
		return api.ModelVersion{}, api.Errorf(api.ErrInvalid, "%v", err)
	}
	return e.putVersion(ctx, req, run, store.VersionArtifact{Name: name, Source: src, SHA256: obj.SHA256, Size: obj.Size, Kind: obj.Kind, Files: obj.Files}, obj.Created)
}

// registerSource registers a version whose files another tool names by a
// location (MLflow's source): copied when lathe can read them, else kept
// as the location alone. The run may still be running, as in MLflow.
func (e *Engine) registerSource(ctx context.Context, req api.RegisterRequest, run api.Run, progress func(done, total int64)) (api.ModelVersion, error) {
	path := strings.TrimPrefix(req.Source, "file://")
	art := store.VersionArtifact{Name: filepath.Base(path), Source: req.Source, Kind: api.ArtifactExternal}
	e.regMu.Lock()
	defer e.regMu.Unlock()
	var created bool
	if filepath.IsAbs(path) {
		if _, err := os.Stat(path); err == nil {
			obj, err := e.artifacts.Put(ctx, path, progress)
			if err != nil {
				return api.ModelVersion{}, api.Errorf(api.ErrInvalid, "%v", err)
			}
			art = store.VersionArtifact{Name: art.Name, Source: req.Source, SHA256: obj.SHA256, Size: obj.Size, Kind: obj.Kind, Files: obj.Files}
			created = obj.Created
		}
	}
	return e.putVersion(ctx, req, run, art, created)
}

// putVersion records the next version of a model from a run and its
// artifact (copied already; freed again when the record fails and the copy
// was new). The caller holds regMu.
func (e *Engine) putVersion(ctx context.Context, req api.RegisterRequest, run api.Run, art store.VersionArtifact, newCopy bool) (api.ModelVersion, error) {
	when := time.Now().UTC()
	if !req.Registered.IsZero() {
		when = req.Registered.UTC()
	}
	rec := &store.ModelVersion{Model: req.Model, Run: run.ID, RunName: run.Name, Experiment: run.Experiment,
		RunStatus: store.Status(run.Status), Description: req.Description, Artifact: art,
		Params: run.Params, Metrics: map[string]store.Float{}, Evals: storeEvals(run.Evals),
		Datasets: storeDatasets(run.Datasets), RegisteredBy: req.User, Registered: when, Tags: maps.Clone(req.Tags)}
	for k, s := range run.Metrics {
		rec.Metrics[k] = store.Float(s.Last)
	}
	if run.Git != nil {
		rec.Git = &store.Git{Commit: run.Git.Commit, Dirty: run.Git.Dirty}
	}
	var out api.ModelVersion
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		v := *rec
		m, err := tx.Model(req.Model)
		if errors.Is(err, store.ErrNotFound) {
			m = &store.Model{Name: req.Model, Created: v.Registered, CreatedBy: req.User, Aliases: map[string]int{}}
		} else if err != nil {
			return err
		}
		if m.PrimaryMetric == "" {
			// Chosen from the first version that has metrics (a model made
			// before any version has none to choose from).
			m.PrimaryMetric, m.Direction = registry.PrimaryMetric(slices.Collect(maps.Keys(v.Metrics)),
				func(name string) string { return Direction(name, e.opts.Config.Metrics.Direction) })
		}
		m.LastVersion++
		m.Count++
		m.Updated = v.Registered
		v.Version = m.LastVersion
		if err := tx.PutVersion(&v); err != nil {
			return err
		}
		if err := tx.PutModel(m); err != nil {
			return err
		}
		if err := e.audit(tx, req.User, "register", m.Name, v.Version, map[string]any{"run": v.Run,
			"artifact": v.Artifact.SHA256, "bytes": v.Artifact.Size, "source": v.Artifact.Source}); err != nil {
			return err
		}
		out = e.apiVersion(m, &v)
		tx.OnCommit(func() { e.publishModel(m.Name) })
		return nil
	})
	if err != nil {
		if newCopy {
			e.freeArtifact(art.SHA256, art.Kind)
		}
		return api.ModelVersion{}, e.translate(err)
	}
	e.log.Info("model version registered", "model", out.Model, "version", out.Version, "run", out.Run,
		"sha256", out.Artifact.SHA256, "bytes", out.Artifact.Size, "by", out.RegisteredBy)
	e.trainReference(out)
	return out, nil
}

// maxDescription bounds a version's description (MLflow's is 5 000).
const maxDescription = 5000

// artifactSource finds what a registration copies: an artifact the run
// declared (by name; the only one when none is named), or an absolute path.
func artifactSource(run api.Run, want string) (name, path string, err error) {
	declared := make([]string, 0, len(run.Artifacts))
	for _, a := range run.Artifacts {
		declared = append(declared, a.Name)
	}
	resolve := func(a api.Artifact) (string, string, error) {
		p := a.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(run.Cwd, p)
		}
		return a.Name, p, nil
	}
	switch {
	case want == "" && len(run.Artifacts) == 0:
		return "", "", api.Errorf(api.ErrInvalid, "run %s declared no artifact: name a file or folder with --artifact PATH", run.Name)
	case want == "" && len(slices.Compact(slices.Sorted(slices.Values(declared)))) > 1:
		return "", "", api.Errorf(api.ErrInvalid, "run %s declared %d artifacts (%s): choose one with --artifact NAME", run.Name, len(declared), strings.Join(declared, ", "))
	case want == "":
		return resolve(run.Artifacts[len(run.Artifacts)-1])
	}
	// The last declaration of a name is the one that counts.
	for i := len(run.Artifacts) - 1; i >= 0; i-- {
		if run.Artifacts[i].Name == want {
			return resolve(run.Artifacts[i])
		}
	}
	if filepath.IsAbs(want) {
		return filepath.Base(want), filepath.Clean(want), nil
	}
	if len(declared) == 0 {
		return "", "", api.Errorf(api.ErrInvalid, "artifact %q: run %s declared no artifact of that name, and it is not a path", want, run.Name)
	}
	return "", "", api.Errorf(api.ErrInvalid, "artifact %q: run %s declared %s, and it is not a path", want, run.Name, strings.Join(declared, ", "))
}

// artifactPath is where a version's copy is: none for an external one.
func (e *Engine) artifactPath(a store.VersionArtifact) string {
	if a.Kind == api.ArtifactExternal {
		return ""
	}
	return e.artifacts.Path(a.SHA256, a.Kind)
}

// CreateModel makes a model before its first version, as MLflow clients do.
func (e *Engine) CreateModel(ctx context.Context, req api.CreateModelRequest) (api.Model, error) {
	if err := registry.ValidModelName(req.Name); err != nil {
		return api.Model{}, err
	}
	if len(req.Description) > maxDescription {
		return api.Model{}, api.Errorf(api.ErrInvalid, "description is longer than %d bytes", maxDescription)
	}
	if err := checkPairs("tag", req.Tags); err != nil {
		return api.Model{}, err
	}
	if req.User == "" {
		req.User = e.user
	}
	var out api.Model
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Model(req.Name); err == nil {
			return fmt.Errorf("model %q: %w", req.Name, store.ErrExists)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := time.Now().UTC()
		m := &store.Model{Name: req.Name, Created: now, CreatedBy: req.User, Updated: now, Aliases: map[string]int{},
			Description: req.Description, Tags: maps.Clone(req.Tags)}
		if err := tx.PutModel(m); err != nil {
			return err
		}
		if err := e.audit(tx, req.User, "create model", m.Name, 0, map[string]any{"description": m.Description}); err != nil {
			return err
		}
		out = apiModel(m)
		tx.OnCommit(func() { e.publishModel(m.Name) })
		return nil
	})
	return out, e.translate(err)
}

// freeArtifact removes a copy no version keeps. The caller holds regMu.
func (e *Engine) freeArtifact(sha, kind string) {
	var inUse bool
	err := e.db.View(func(tx *store.Tx) error {
		var err error
		inUse, err = tx.ArtifactInUse(sha)
		return err
	})
	if err != nil || inUse {
		return
	}
	if err := e.artifacts.Remove(sha, kind); err != nil {
		e.log.Warn("cannot free an artifact no version keeps", "sha256", sha, "err", err)
	}
}

// publishModel tells clients a model changed (after its commit), and
// forgets the model read before.
func (e *Engine) publishModel(name string) {
	e.modelCache.forget(name)
	e.hub.publish(api.Event{Type: api.EventModel, Model: name})
}

// Models lists the models, by name.
func (e *Engine) Models(ctx context.Context) ([]api.ModelSummary, error) {
	out := []api.ModelSummary{}
	err := e.db.View(func(tx *store.Tx) error {
		models, err := tx.Models()
		if err != nil {
			return err
		}
		open := map[string]int{}
		if _, err := tx.Requests(func(r *store.Request) bool {
			if isOpen(r.State) {
				open[r.Model]++
			}
			return false
		}); err != nil {
			return err
		}
		for i := range models {
			m := &models[i]
			s := api.ModelSummary{Name: m.Name, PrimaryMetric: m.PrimaryMetric, Direction: m.Direction,
				Aliases: nonNilAliases(m.Aliases), Versions: m.Count, Updated: m.Updated}
			latest, err := tx.Versions(m.Name, 1)
			if err != nil {
				return err
			}
			if len(latest) == 1 {
				v := e.apiVersion(m, &latest[0])
				s.Latest = &v
			}
			s.OpenRequests = open[m.Name]
			w, err := latestDrift(tx, m.Name)
			if err != nil {
				return err
			}
			if w != nil {
				s.Drift, s.DriftAlerting = w.DatasetStatus, alertingFeatures(w.DriftReport)
			}
			out = append(out, s)
		}
		return nil
	})
	return out, e.translate(err)
}

// Model returns a model with its versions, newest first. The caller must
// not modify it: it may be the cache's.
func (e *Engine) Model(ctx context.Context, name string) (api.Model, error) {
	entry, err := e.cachedModel(ctx, name)
	if err != nil {
		return api.Model{}, err
	}
	return entry.model, nil
}

// readModel reads a model and its versions from the store.
func (e *Engine) readModel(name string) (api.Model, error) {
	var out api.Model
	err := e.db.View(func(tx *store.Tx) error {
		m, err := tx.Model(name)
		if err != nil {
			return err
		}
		versions, err := tx.Versions(name, 0)
		if err != nil {
			return err
		}
		out = apiModel(m)
		out.Versions = make([]api.ModelVersion, 0, len(versions))
		for i := range versions {
			out.Versions = append(out.Versions, e.apiVersion(m, &versions[i]))
		}
		out.Requests, err = e.modelRequests(tx, m.Name)
		return err
	})
	return out, e.translate(err)
}

// modelRequests are a model's promotion requests, newest first.
func (e *Engine) modelRequests(tx *store.Tx, model string) ([]api.Request, error) {
	rs, err := tx.Requests(func(r *store.Request) bool { return r.Model == model })
	if err != nil {
		return nil, err
	}
	out := make([]api.Request, 0, len(rs))
	for i := len(rs) - 1; i >= 0; i-- {
		out = append(out, e.viewRequest(tx, &rs[i]))
	}
	return out, nil
}

// ModelVersion returns one version, by number or alias.
func (e *Engine) ModelVersion(ctx context.Context, ref string) (api.ModelVersion, error) {
	r, err := registry.ParseRef(ref)
	if err != nil {
		return api.ModelVersion{}, err
	}
	var out api.ModelVersion
	err = e.db.View(func(tx *store.Tx) error {
		m, v, err := resolveVersion(tx, r)
		if err != nil {
			return err
		}
		out = e.apiVersion(m, v)
		return nil
	})
	return out, e.translate(err)
}

// resolveVersion reads the model and version a reference names.
func resolveVersion(tx *store.Tx, r registry.Ref) (*store.Model, *store.ModelVersion, error) {
	m, err := tx.Model(r.Model)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case r.Alias == registry.Latest:
		latest, err := tx.Versions(m.Name, 1)
		if err != nil {
			return nil, nil, err
		}
		if len(latest) == 0 {
			return nil, nil, api.Errorf(api.ErrNotFound, "model %s has no versions", m.Name)
		}
		return m, &latest[0], nil
	case r.Alias != "":
		n, ok := m.Aliases[r.Alias]
		if !ok {
			return nil, nil, api.Errorf(api.ErrNotFound, "model %s has no alias %q%s", m.Name, r.Alias, aliasList(m.Aliases))
		}
		r.Version = n
	}
	v, err := tx.Version(m.Name, r.Version)
	if err != nil {
		return nil, nil, err
	}
	return m, v, nil
}

// aliasList says which aliases a model has, for an error.
func aliasList(aliases map[string]int) string {
	if len(aliases) == 0 {
		return " (it has none)"
	}
	return " (it has " + strings.Join(slices.Sorted(maps.Keys(aliases)), ", ") + ")"
}

// SetAlias points an alias at a version.
func (e *Engine) SetAlias(ctx context.Context, req api.AliasRequest) (api.Model, error) {
	if err := registry.ValidAlias(req.Alias); err != nil {
		return api.Model{}, err
	}
	return e.changeModel(ctx, req.Model, func(tx *store.Tx, m *store.Model) error {
		if _, err := tx.Version(m.Name, req.Version); err != nil {
			return err
		}
		if m.Aliases == nil {
			m.Aliases = map[string]int{}
		}
		details := map[string]any{"alias": req.Alias}
		if was, ok := m.Aliases[req.Alias]; ok {
			details["was"] = was
		}
		m.Aliases[req.Alias] = req.Version
		return e.audit(tx, e.caller(req.User), "alias", m.Name, req.Version, details)
	})
}

// RemoveAlias takes an alias off a model.
func (e *Engine) RemoveAlias(ctx context.Context, req api.AliasRequest) (api.Model, error) {
	if err := registry.ValidAlias(req.Alias); err != nil {
		return api.Model{}, err
	}
	return e.changeModel(ctx, req.Model, func(tx *store.Tx, m *store.Model) error {
		n, ok := m.Aliases[req.Alias]
		if !ok {
			return api.Errorf(api.ErrNotFound, "model %s has no alias %q%s", m.Name, req.Alias, aliasList(m.Aliases))
		}
		if req.Version != 0 && n != req.Version {
			return api.Errorf(api.ErrConflict, "alias %s of %s points to version %d, not %d", req.Alias, m.Name, n, req.Version)
		}
		delete(m.Aliases, req.Alias)
		return e.audit(tx, e.caller(req.User), "alias removed", m.Name, n, map[string]any{"alias": req.Alias})
	})
}

// changeModel applies change to a model's record in one transaction and
// returns the model as it is then.
func (e *Engine) changeModel(ctx context.Context, name string, change func(*store.Tx, *store.Model) error) (api.Model, error) {
	var out api.Model
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		m, err := tx.Model(name)
		if err != nil {
			return err
		}
		if err := change(tx, m); err != nil {
			return err
		}
		m.Updated = time.Now().UTC()
		if err := tx.PutModel(m); err != nil {
			return err
		}
		versions, err := tx.Versions(name, 0)
		if err != nil {
			return err
		}
		out = apiModel(m)
		for i := range versions {
			out.Versions = append(out.Versions, e.apiVersion(m, &versions[i]))
		}
		if out.Requests, err = e.modelRequests(tx, name); err != nil {
			return err
		}
		tx.OnCommit(func() { e.publishModel(name) })
		return nil
	})
	return out, e.translate(err)
}

// RemoveVersion deletes a version; its number stays taken, and its artifact
// copy is freed when no other version keeps it.
func (e *Engine) RemoveVersion(ctx context.Context, req api.RemoveVersionRequest) (api.ModelVersion, error) {
	e.regMu.Lock()
	defer e.regMu.Unlock()
	var removed api.ModelVersion
	_, err := e.changeModel(ctx, req.Model, func(tx *store.Tx, m *store.Model) error {
		v, err := tx.Version(m.Name, req.Version)
		if err != nil {
			return err
		}
		var pointing []string
		for a, n := range m.Aliases {
			if n == req.Version {
				pointing = append(pointing, a)
			}
		}
		slices.Sort(pointing)
		if len(pointing) > 0 && !req.Force {
			return api.Errorf(api.ErrConflict, "version %d of %s is %s: move the alias first, or remove it with the version (--force)", req.Version, m.Name, strings.Join(pointing, ", "))
		}
		for _, a := range pointing {
			delete(m.Aliases, a)
		}
		if err := tx.DeleteVersion(m.Name, req.Version); err != nil {
			return err
		}
		if err := tx.DeleteDriftReference(m.Name, req.Version); err != nil {
			return err
		}
		m.Count--
		removed = e.apiVersion(m, v)
		return e.audit(tx, e.caller(req.User), "version removed", m.Name, req.Version, map[string]any{"aliases": pointing, "forced": req.Force})
	})
	if err != nil {
		return api.ModelVersion{}, err
	}
	e.freeArtifact(removed.Artifact.SHA256, removed.Artifact.Kind)
	return removed, nil
}

// Lineage walks a version back to its run and the runs that one re-ran.
func (e *Engine) Lineage(ctx context.Context, model string, version int) (api.Lineage, error) {
	var out api.Lineage
	err := e.db.View(func(tx *store.Tx) error {
		m, v, err := resolveVersion(tx, registry.Ref{Model: model, Version: version})
		if err != nil {
			return err
		}
		out.Version = e.apiVersion(m, v)
		id := v.Run
		seen := map[string]bool{}
		for id != "" && !seen[id] {
			seen[id] = true
			r, err := tx.Run(id)
			if errors.Is(err, store.ErrNotFound) {
				break // purged since
			}
			if err != nil {
				return err
			}
			rv, err := e.view(tx, r)
			if err != nil {
				return err
			}
			rv.Environment = e.environment(r.Dir)
			if out.Run == nil {
				out.Run = &rv
			} else {
				out.Parents = append(out.Parents, rv)
			}
			id = r.Tags[RerunTag]
		}
		return nil
	})
	return out, e.translate(err)
}

// apiVersion is what clients see of a version of m: where its artifact's
// copy is, and the aliases pointing at it.
func (e *Engine) apiVersion(m *store.Model, v *store.ModelVersion) api.ModelVersion {
	out := api.ModelVersion{Model: v.Model, Version: v.Version, Run: v.Run, RunName: v.RunName,
		Experiment: v.Experiment, RunStatus: api.Status(v.RunStatus), Description: v.Description,
		Artifact: api.ArtifactRef{Name: v.Artifact.Name, Source: v.Artifact.Source, SHA256: v.Artifact.SHA256,
			Size: v.Artifact.Size, Kind: v.Artifact.Kind, Files: v.Artifact.Files,
			Path: e.artifactPath(v.Artifact)},
		Params: v.Params, Metrics: make(map[string]api.Float, len(v.Metrics)), Evals: apiEvals(v.Evals),
		Datasets: apiDatasets(v.Datasets), RegisteredBy: v.RegisteredBy, Registered: v.Registered, Tags: v.Tags}
	for k, x := range v.Metrics {
		out.Metrics[k] = api.Float(x)
	}
	if v.Git != nil {
		g := api.Git(*v.Git)
		out.Git = &g
	}
	for a, n := range m.Aliases {
		if n == v.Version {
			out.Aliases = append(out.Aliases, a)
		}
	}
	slices.Sort(out.Aliases)
	return out
}
