package mlflow

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"lathe/engine/api"
)

type (
	aliasJSON struct {
		Alias   string `json:"alias"`
		Version string `json:"version"`
	}
	versionJSON struct {
		Name                 string     `json:"name"`
		Version              string     `json:"version"`
		CreationTimestamp    int64      `json:"creation_timestamp"`
		LastUpdatedTimestamp int64      `json:"last_updated_timestamp"`
		UserID               string     `json:"user_id"`
		CurrentStage         string     `json:"current_stage"`
		Description          string     `json:"description"`
		Source               string     `json:"source"`
		RunID                string     `json:"run_id"`
		Status               string     `json:"status"`
		Tags                 []keyValue `json:"tags"`
		RunLink              string     `json:"run_link"`
		Aliases              []string   `json:"aliases"`
	}
	modelJSON struct {
		Name                 string        `json:"name"`
		CreationTimestamp    int64         `json:"creation_timestamp"`
		LastUpdatedTimestamp int64         `json:"last_updated_timestamp"`
		Description          string        `json:"description"`
		LatestVersions       []versionJSON `json:"latest_versions"`
		Tags                 []keyValue    `json:"tags"`
		Aliases              []aliasJSON   `json:"aliases"`
	}
)

// StageTag is the version tag that carries MLflow's (deprecated) stage.
const StageTag = "mlflow.stage"

func versionOf(v api.ModelVersion) versionJSON {
	stage := v.Tags[StageTag]
	if stage == "" {
		stage = "None"
	}
	return versionJSON{Name: v.Model, Version: strconv.Itoa(v.Version), CreationTimestamp: millis(v.Registered),
		LastUpdatedTimestamp: millis(v.Registered), UserID: v.RegisteredBy, CurrentStage: stage,
		Description: v.Description, Source: v.Artifact.Source, RunID: v.Run, Status: "READY",
		Tags: pairsOf(v.Tags), Aliases: emptyNotNil(v.Aliases)}
}

func modelOf(m api.Model) modelJSON {
	out := modelJSON{Name: m.Name, CreationTimestamp: millis(m.Created), LastUpdatedTimestamp: millis(m.Created),
		Description: m.Description, Tags: pairsOf(m.Tags), LatestVersions: []versionJSON{}, Aliases: []aliasJSON{}}
	for _, a := range slices.Sorted(maps.Keys(m.Aliases)) {
		out.Aliases = append(out.Aliases, aliasJSON{Alias: a, Version: strconv.Itoa(m.Aliases[a])})
	}
	// MLflow's latest version of each stage; lathe's versions are newest
	// first.
	seen := map[string]bool{}
	for _, v := range m.Versions {
		j := versionOf(v)
		if !seen[j.CurrentStage] {
			seen[j.CurrentStage] = true
			out.LatestVersions = append(out.LatestVersions, j)
		}
		out.LastUpdatedTimestamp = max(out.LastUpdatedTimestamp, j.LastUpdatedTimestamp)
	}
	return out
}

func (s *server) model(ctx context.Context, name string) (api.Model, error) {
	m, err := s.svc.Model(ctx, name)
	if errors.Is(err, api.ErrNotFound) {
		return m, notFound("Registered Model with name=%s not found", name)
	}
	return m, err
}

func (s *server) createModel(ctx context.Context, q request) (any, error) {
	name, err := q.need("name")
	if err != nil {
		return nil, err
	}
	tags, _, err := q.pairs("tags", maxTagValue)
	if err != nil {
		return nil, err
	}
	desc, err := q.str("description")
	if err != nil {
		return nil, err
	}
	m, err := s.svc.CreateModel(ctx, api.CreateModelRequest{Name: name, Description: desc, Tags: tags})
	if errors.Is(err, api.ErrConflict) {
		return nil, exists("Registered Model (name=%s) already exists.", name)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"registered_model": modelOf(m)}, nil
}

func (s *server) getModel(ctx context.Context, q request) (any, error) {
	name, err := q.need("name")
	if err != nil {
		return nil, err
	}
	m, err := s.model(ctx, name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"registered_model": modelOf(m)}, nil
}

func (s *server) searchModels(ctx context.Context, q request) (any, error) {
	filter, err := q.str("filter")
	if err != nil {
		return nil, err
	}
	match, err := nameFilter(filter)
	if err != nil {
		return nil, err
	}
	all, err := s.svc.Models(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range all {
		if match(m.Name) {
			names = append(names, m.Name)
		}
	}
	page, next, err := pagedUpTo(q, names, 100, 1000)
	if err != nil {
		return nil, err
	}
	out := make([]modelJSON, 0, len(page))
	for _, n := range page {
		m, err := s.model(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, modelOf(m))
	}
	return map[string]any{"registered_models": out, "next_page_token": next}, nil
}

// sourcePath turns MLflow's runs:/RUN/PATH into the file lathe's run keeps
// its artifacts in; other sources are kept as they are.
func (s *server) sourcePath(ctx context.Context, source, runID string) (string, string, error) {
	rest, ok := strings.CutPrefix(source, "runs:/")
	if !ok {
		return source, runID, nil
	}
	id, path, _ := strings.Cut(rest, "/")
	if runID != "" && runID != id {
		return "", "", invalid("source %s names run %s, but run_id is %s", source, id, runID)
	}
	r, err := s.run(ctx, request{fields: map[string]any{"run_id": id}})
	if err != nil {
		return "", "", err
	}
	return "file://" + filepath.Join(r.Dir, "artifacts", filepath.Clean("/"+path)), r.ID, nil
}

func (s *server) createVersion(ctx context.Context, q request) (any, error) {
	name, err := q.need("name")
	if err != nil {
		return nil, err
	}
	source, err := q.need("source")
	if err != nil {
		return nil, err
	}
	runID, err := q.str("run_id")
	if err != nil {
		return nil, err
	}
	if source, runID, err = s.sourcePath(ctx, source, runID); err != nil {
		return nil, err
	}
	if runID == "" {
		return nil, invalid("lathe keeps a model version with the run it came from: give run_id (or a runs:/ source)")
	}
	if _, err := s.run(ctx, request{fields: map[string]any{"run_id": runID}}); err != nil {
		return nil, err
	}
	tags, _, err := q.pairs("tags", maxTagValue)
	if err != nil {
		return nil, err
	}
	desc, err := q.str("description")
	if err != nil {
		return nil, err
	}
	if _, err := s.svc.Model(ctx, name); errors.Is(err, api.ErrNotFound) {
		// MLflow's clients create the model first, but its server makes
		// it on the first version too.
		if _, err := s.svc.CreateModel(ctx, api.CreateModelRequest{Name: name}); err != nil && !errors.Is(err, api.ErrConflict) {
			return nil, err
		}
	}
	v, err := s.svc.Register(ctx, api.RegisterRequest{Run: runID, Model: name, Source: source, Tags: tags, Description: desc}, nil)
	if err != nil {
		return nil, err
	}
	return map[string]any{"model_version": versionOf(v)}, nil
}

func (s *server) version(ctx context.Context, name, version string) (api.ModelVersion, error) {
	n, err := strconv.Atoi(version)
	if err != nil || n <= 0 {
		return api.ModelVersion{}, invalid("Model version must be a positive integer, not %q", version)
	}
	v, err := s.svc.ModelVersion(ctx, name+"@"+strconv.Itoa(n))
	if errors.Is(err, api.ErrNotFound) {
		return v, notFound("Model Version (name=%s, version=%d) not found", name, n)
	}
	return v, err
}

func (s *server) getVersion(ctx context.Context, q request) (any, error) {
	name, err := q.need("name")
	if err != nil {
		return nil, err
	}
	version, err := q.need("version")
	if err != nil {
		return nil, err
	}
	v, err := s.version(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return map[string]any{"model_version": versionOf(v)}, nil
}

// searchVersions reads `name = 'x'` and `run_id = 'y'` filters (ANDed).
func (s *server) searchVersions(ctx context.Context, q request) (any, error) {
	filter, err := q.str("filter")
	if err != nil {
		return nil, err
	}
	cs, err := parseFilter(filter)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.kind != "attributes" || (c.key != "name" && c.key != "run_id" && c.key != "source") {
			return nil, invalid("Invalid filter '%s': lathe filters model versions by name, run_id and source", filter)
		}
	}
	all, err := s.svc.Models(ctx)
	if err != nil {
		return nil, err
	}
	var out []versionJSON
	for _, sum := range all {
		if !passes(cs, "name", sum.Name) {
			continue
		}
		m, err := s.model(ctx, sum.Name)
		if err != nil {
			return nil, err
		}
		for _, v := range m.Versions {
			if passes(cs, "run_id", v.Run) && passes(cs, "source", v.Artifact.Source) {
				out = append(out, versionOf(v))
			}
		}
	}
	page, next, err := pagedUpTo(q, out, 10000, 200000)
	if err != nil {
		return nil, err
	}
	return map[string]any{"model_versions": page, "next_page_token": next}, nil
}

func passes(cs []clause, key, value string) bool {
	for _, c := range cs {
		if c.key == key && !compareStr(c.op, value, c.str) {
			return false
		}
	}
	return true
}

func (s *server) alias(ctx context.Context, q request) (any, error) {
	name, err := q.need("name")
	if err != nil {
		return nil, err
	}
	alias, err := q.need("alias")
	if err != nil {
		return nil, err
	}
	if _, err := s.model(ctx, name); err != nil {
		return nil, err
	}
	switch q.method {
	case "GET":
		v, err := s.svc.ModelVersion(ctx, name+"@"+alias)
		if errors.Is(err, api.ErrNotFound) {
			return nil, notFound("Registered model alias %s not found.", alias)
		}
		if err != nil {
			return nil, err
		}
		return map[string]any{"model_version": versionOf(v)}, nil
	case "POST":
		version, err := q.need("version")
		if err != nil {
			return nil, err
		}
		if alias == api.Champion {
			return nil, championDenied()
		}
		v, err := s.version(ctx, name, version)
		if err != nil {
			return nil, err
		}
		_, err = s.svc.SetAlias(ctx, api.AliasRequest{Model: name, Alias: alias, Version: v.Version})
		return nil, err
	}
	if alias == api.Champion {
		return nil, championDenied()
	}
	_, err = s.svc.RemoveAlias(ctx, api.AliasRequest{Model: name, Alias: alias})
	if errors.Is(err, api.ErrNotFound) {
		return nil, nil // MLflow's delete of an absent alias succeeds
	}
	return nil, err
}

func championDenied() *Error {
	return denied("the %s alias moves only through a lathe promotion with its reviews (`lathe promote MODEL VERSION`)", api.Champion)
}
