// Package mlruns imports MLflow's file store (an `mlruns` folder) into
// lathe: experiments, runs with their metrics, params and tags, and the
// model registry (`models/`: registered models, versions, aliases; a
// version's deprecated stage becomes its tag mlflow.stage). It is a client
// of the engine's contract: each MLflow run becomes one tracked run,
// recorded whole in one request under the key "mlflow:<run uuid>", so an
// import done twice adds nothing, and one cut short leaves no half run.
//
// The file store's layout (mlflow/store/tracking/file_store.py and
// mlflow/store/model_registry/file_store.py): `<experiment id>/meta.yaml`;
// `<experiment id>/<run uuid>/meta.yaml` with `metrics/`, `params/` and
// `tags/` holding one file per name (a name with '/' is a nested path); a
// metric file holds one point a line, `<timestamp ms> <value> [<step>]`;
// deleted experiments and runs sit under `.trash/`; `models/<name>/meta.yaml`,
// `models/<name>/version-<n>/meta.yaml`, `tags/` folders beside both, and
// aliases as `models/<name>/aliases/<alias>` files holding a version (or a
// map in the model's meta.yaml). Run status is an integer: 1 RUNNING,
// 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED.
package mlruns

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"lathe/engine/api"
)

// Importer is what an import asks of the engine.
type Importer interface {
	Track(ctx context.Context, req api.TrackRequest) (api.TrackResult, error)
	CreateExperiment(ctx context.Context, req api.ExperimentRequest) (api.Experiment, error)
	CreateModel(ctx context.Context, req api.CreateModelRequest) (api.Model, error)
	Model(ctx context.Context, name string) (api.Model, error)
	Register(ctx context.Context, req api.RegisterRequest, progress func(done, total int64)) (api.ModelVersion, error)
	SetAlias(ctx context.Context, req api.AliasRequest) (api.Model, error)
}

// Problem is something of the store that could not be imported.
type Problem struct {
	File string `json:"file"`
	Err  string `json:"error"`
}

// Report says what an import did.
type Report struct {
	Experiments     int       `json:"experiments"`
	Runs            int       `json:"runs"`
	RunsSkipped     int       `json:"runs_skipped"` // imported before
	Points          int       `json:"points"`
	BadLines        int       `json:"bad_lines"`
	Models          int       `json:"models"` // made by this import
	Versions        int       `json:"versions"`
	VersionsSkipped int       `json:"versions_skipped"` // imported before
	Aliases         int       `json:"aliases"`
	Problems        []Problem `json:"problems"`
}

func (r *Report) problem(file string, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{File: file, Err: fmt.Sprintf(format, args...)})
}

// Progress is told how far an import is.
type Progress func(done, total int)

// ErrNotStore says the folder is not an MLflow file store.
var ErrNotStore = errors.New("not an MLflow file store (no experiment folder with a meta.yaml)")

// The version tag that says which MLflow version a lathe version was.
const (
	VersionTag = "mlflow.version"
	StageTag   = "mlflow.stage"
)

type experimentMeta struct {
	ID             string `yaml:"experiment_id"`
	Name           string `yaml:"name"`
	LifecycleStage string `yaml:"lifecycle_stage"`
}

type runMeta struct {
	RunID          string `yaml:"run_id"`
	RunUUID        string `yaml:"run_uuid"`
	RunName        string `yaml:"run_name"`
	ExperimentID   string `yaml:"experiment_id"`
	Status         int    `yaml:"status"`
	StartTime      int64  `yaml:"start_time"`
	EndTime        int64  `yaml:"end_time"`
	UserID         string `yaml:"user_id"`
	LifecycleStage string `yaml:"lifecycle_stage"`
}

type modelMeta struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Created     int64          `yaml:"creation_timestamp"`
	Aliases     map[string]any `yaml:"aliases"`
}

type versionMeta struct {
	Name         string `yaml:"name"`
	Version      int    `yaml:"version"`
	Created      int64  `yaml:"creation_timestamp"`
	CurrentStage string `yaml:"current_stage"`
	Description  string `yaml:"description"`
	RunID        string `yaml:"run_id"`
	Source       string `yaml:"source"`
	UserID       string `yaml:"user_id"`
}

// readYAML reads a meta.yaml; PyYAML writes them.
func readYAML(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("not readable YAML: %v", err)
	}
	return nil
}

// Import reads the file store at root into svc.
func Import(ctx context.Context, svc Importer, root string, progress Progress) (Report, error) {
	rep := Report{Problems: []Problem{}}
	ents, err := os.ReadDir(root)
	if err != nil {
		return rep, err
	}
	type experiment struct {
		dir  string
		meta experimentMeta
	}
	var exps []experiment
	for _, e := range ents {
		if !e.IsDir() || e.Name() == "models" || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(root, e.Name())
		var m experimentMeta
		if _, err := os.Stat(filepath.Join(dir, "meta.yaml")); err != nil {
			continue // not an experiment
		}
		if err := readYAML(filepath.Join(dir, "meta.yaml"), &m); err != nil {
			rep.problem(filepath.Join(dir, "meta.yaml"), "%v", err)
			continue
		}
		if m.ID == "" {
			m.ID = e.Name()
		}
		exps = append(exps, experiment{dir, m})
	}
	_, modelsErr := os.Stat(filepath.Join(root, "models"))
	if len(exps) == 0 && len(rep.Problems) == 0 && modelsErr != nil {
		return rep, fmt.Errorf("%s: %w", root, ErrNotStore)
	}

	// Count the runs first, for progress.
	type runDir struct {
		dir string
		exp experimentMeta
	}
	var runs []runDir
	for _, x := range exps {
		ents, err := os.ReadDir(x.dir)
		if err != nil {
			rep.problem(x.dir, "%v", err)
			continue
		}
		for _, e := range ents {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				runs = append(runs, runDir{filepath.Join(x.dir, e.Name()), x.meta})
			}
		}
	}

	latheIDs := map[string]string{} // MLflow run uuid → lathe run id
	made := map[string]bool{}
	for i, r := range runs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if progress != nil {
			progress(i, len(runs))
		}
		expName := r.exp.Name
		if r.exp.ID == "0" || expName == "Default" {
			expName = "" // lathe's default experiment
		} else if !made[expName] {
			made[expName] = true
			if _, err := svc.CreateExperiment(ctx, api.ExperimentRequest{Name: expName}); err != nil && !errors.Is(err, api.ErrConflict) {
				rep.problem(filepath.Join(filepath.Dir(r.dir), "meta.yaml"), "experiment %q: %v", expName, err)
				continue
			}
		}
		id, created, err := importRun(ctx, svc, r.dir, expName, &rep)
		if err != nil {
			rep.problem(filepath.Join(r.dir, "meta.yaml"), "%v", err)
			continue
		}
		latheIDs[filepath.Base(r.dir)] = id
		if created {
			rep.Runs++
		} else {
			rep.RunsSkipped++
		}
	}
	if progress != nil {
		progress(len(runs), len(runs))
	}
	experimentsSeen := map[string]bool{}
	for _, x := range exps {
		experimentsSeen[x.meta.ID] = true
	}
	rep.Experiments = len(experimentsSeen)
	if modelsErr == nil {
		importModels(ctx, svc, filepath.Join(root, "models"), latheIDs, &rep)
	}
	return rep, nil
}

// importRun records one MLflow run whole: its meta, params, tags and every
// point. created is false when an earlier import recorded it.
func importRun(ctx context.Context, svc Importer, dir, experiment string, rep *Report) (id string, created bool, err error) {
	var m runMeta
	if err := readYAML(filepath.Join(dir, "meta.yaml"), &m); err != nil {
		return "", false, err
	}
	uuid := cmpOr(m.RunUUID, m.RunID, filepath.Base(dir))
	params, err := readValues(filepath.Join(dir, "params"), rep)
	if err != nil {
		return "", false, err
	}
	tags, err := readValues(filepath.Join(dir, "tags"), rep)
	if err != nil {
		return "", false, err
	}
	tags["mlflow.run_id"] = uuid
	tags["mlflow.experiment_id"] = m.ExperimentID
	if m.UserID != "" && tags["mlflow.user"] == "" {
		tags["mlflow.user"] = m.UserID
	}
	points, bad, err := readMetrics(filepath.Join(dir, "metrics"), rep)
	if err != nil {
		return "", false, err
	}
	req := api.TrackRequest{Key: "mlflow:" + uuid, Runner: api.RunnerImport, Experiment: experiment,
		Name: cmpOr(m.RunName, tags["mlflow.runName"], uuid[:min(8, len(uuid))]), Params: params, Tags: tags,
		Metrics: points, Cwd: dir}
	if m.StartTime > 0 {
		t := time.UnixMilli(m.StartTime)
		req.Started = &t
	}
	if m.EndTime > 0 {
		t := time.UnixMilli(m.EndTime)
		req.Ended = &t
	}
	switch m.Status {
	case 3:
		req.Status = api.Succeeded
	case 4:
		req.Status = api.Failed
	case 5:
		req.Status = api.Killed
	default:
		// Nothing will ever end it here.
		req.Status, req.Reason = api.Lost, "was RUNNING in MLflow's store when imported"
	}
	if req.Ended == nil && req.Started != nil {
		req.Ended = req.Started
	}
	res, err := svc.Track(ctx, req)
	if err != nil {
		return "", false, err
	}
	if res.Created {
		rep.Points += len(points)
		rep.BadLines += bad
	}
	return res.Run.ID, res.Created, nil
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// readValues reads a params/ or tags/ folder: a file per name, its content
// the value; a name with '/' is a nested path.
func readValues(dir string, rep *Report) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == dir {
			return fs.SkipAll
		}
		if err != nil {
			rep.problem(path, "%v", err)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			rep.problem(path, "%v", err)
			return nil
		}
		name, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(name)] = string(raw)
		return nil
	})
	return out, err
}

// readMetrics reads a metrics/ folder: every point of every metric; a line
// that is not a point is counted and the first of a file reported.
func readMetrics(dir string, rep *Report) ([]api.LoggedPoint, int, error) {
	var out []api.LoggedPoint
	bad := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == dir {
			return fs.SkipAll
		}
		if err != nil {
			rep.problem(path, "%v", err)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		name, _ := filepath.Rel(dir, path)
		name = filepath.ToSlash(name)
		f, err := os.Open(path)
		if err != nil {
			rep.problem(path, "%v", err)
			return nil
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var pts []api.LoggedPoint
		n, first := 0, ""
		for line := 1; sc.Scan(); line++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			p, err := ParsePoint(sc.Text())
			if err != nil {
				n++
				if first == "" {
					first = fmt.Sprintf("line %d: %v", line, err)
				}
				continue
			}
			p.Name = name
			pts = append(pts, p)
		}
		if err := sc.Err(); err != nil {
			rep.problem(path, "%v (the points before it are imported)", err)
		}
		if n > 0 {
			rep.problem(path, "%d lines are not points (%s); the others are imported", n, first)
		}
		bad += n
		// The file store appends in logging order; steps order a chart.
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].Step < pts[j].Step })
		out = append(out, pts...)
		return nil
	})
	return out, bad, err
}

// ParsePoint reads one line of a metric file: `<timestamp ms> <value>
// [<step>]` (the step is missing in files of old MLflow versions).
func ParsePoint(line string) (api.LoggedPoint, error) {
	f := strings.Fields(line)
	if len(f) != 2 && len(f) != 3 {
		return api.LoggedPoint{}, fmt.Errorf("want `timestamp value [step]`, got %d fields", len(f))
	}
	ts, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || ts < 0 || ts > math.MaxInt64/1000 {
		return api.LoggedPoint{}, fmt.Errorf("timestamp %q is not milliseconds", f[0])
	}
	v, err := parseValue(f[1])
	if err != nil {
		return api.LoggedPoint{}, err
	}
	p := api.LoggedPoint{Time: float64(ts) / 1000, Value: api.Float(v)}
	if p.Time == 0 {
		p.Time = 1e-3 // 0 would mean "now" to the engine
	}
	if len(f) == 3 {
		if p.Step, err = strconv.ParseInt(f[2], 10, 64); err != nil {
			return api.LoggedPoint{}, fmt.Errorf("step %q is not an integer", f[2])
		}
	}
	return p, nil
}

// parseValue reads a value as Python writes floats (nan, inf, -inf too).
func parseValue(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "nan":
		return math.NaN(), nil
	case "inf", "infinity":
		return math.Inf(1), nil
	case "-inf", "-infinity":
		return math.Inf(-1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	return v, nil
}

// importModels reads models/: each registered model, its versions in
// MLflow's order, and its aliases.
func importModels(ctx context.Context, svc Importer, dir string, runs map[string]string, rep *Report) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		rep.problem(dir, "%v", err)
		return
	}
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		mdir := filepath.Join(dir, e.Name())
		var m modelMeta
		if err := readYAML(filepath.Join(mdir, "meta.yaml"), &m); err != nil {
			rep.problem(filepath.Join(mdir, "meta.yaml"), "%v", err)
			continue
		}
		name := cmpOr(m.Name, e.Name())
		tags, _ := readValues(filepath.Join(mdir, "tags"), rep)
		_, err := svc.CreateModel(ctx, api.CreateModelRequest{Name: name, Description: m.Description, Tags: tags})
		switch {
		case err == nil:
			rep.Models++
		case !errors.Is(err, api.ErrConflict):
			rep.problem(filepath.Join(mdir, "meta.yaml"), "model %q: %v", name, err)
			continue
		}
		have, err := svc.Model(ctx, name)
		if err != nil {
			rep.problem(filepath.Join(mdir, "meta.yaml"), "model %q: %v", name, err)
			continue
		}
		imported := map[string]int{} // MLflow version → lathe's
		for _, v := range have.Versions {
			if n := v.Tags[VersionTag]; n != "" {
				imported[n] = v.Version
			}
		}
		importVersions(ctx, svc, mdir, name, runs, imported, rep)
		importAliases(ctx, svc, mdir, name, m, imported, rep)
	}
}

func importVersions(ctx context.Context, svc Importer, mdir, name string, runs map[string]string, imported map[string]int, rep *Report) {
	vdirs, _ := filepath.Glob(filepath.Join(mdir, "version-*"))
	var versions []versionMeta
	files := map[int]string{}
	for _, vd := range vdirs {
		var v versionMeta
		file := filepath.Join(vd, "meta.yaml")
		if err := readYAML(file, &v); err != nil {
			rep.problem(file, "%v", err)
			continue
		}
		if v.Version <= 0 {
			rep.problem(file, "version %d is not a version number", v.Version)
			continue
		}
		files[v.Version] = vd
		versions = append(versions, v)
	}
	slices.SortFunc(versions, func(a, b versionMeta) int { return a.Version - b.Version })
	for _, v := range versions {
		file := filepath.Join(files[v.Version], "meta.yaml")
		key := strconv.Itoa(v.Version)
		if _, ok := imported[key]; ok {
			rep.VersionsSkipped++
			continue
		}
		run, ok := runs[v.RunID]
		if !ok {
			rep.problem(file, "version %d comes from run %q, which is not in this store: not imported", v.Version, v.RunID)
			continue
		}
		tags, _ := readValues(filepath.Join(files[v.Version], "tags"), rep)
		tags[VersionTag] = key
		if v.CurrentStage != "" && v.CurrentStage != "None" {
			tags[StageTag] = v.CurrentStage
		}
		req := api.RegisterRequest{Run: run, Model: name, Source: cmpOr(v.Source, "mlflow:unknown"), Description: v.Description, Tags: tags}
		if v.Created > 0 {
			req.Registered = time.UnixMilli(v.Created)
		}
		got, err := svc.Register(ctx, req, nil)
		if err != nil {
			rep.problem(file, "version %d: %v", v.Version, err)
			continue
		}
		imported[key] = got.Version
		rep.Versions++
		if got.Version != v.Version {
			rep.problem(file, "MLflow's version %d is lathe's version %d (lathe numbers a model's versions itself; the tag %s keeps MLflow's)", v.Version, got.Version, VersionTag)
		}
	}
}

// importAliases sets the aliases of aliases/<alias> files and of the
// model's meta.yaml; champion is left to a promotion.
func importAliases(ctx context.Context, svc Importer, mdir, name string, m modelMeta, imported map[string]int, rep *Report) {
	aliases := map[string]string{}
	for a, v := range m.Aliases {
		aliases[a] = fmt.Sprint(v)
	}
	if files, err := readValues(filepath.Join(mdir, "aliases"), rep); err == nil {
		for a, v := range files {
			aliases[a] = strings.TrimSpace(v)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(aliases)) {
		file := filepath.Join(mdir, "aliases", a)
		version, ok := imported[aliases[a]]
		switch {
		case a == api.Champion:
			rep.problem(file, "alias %s not imported: only a lathe promotion moves it (`lathe promote %s %d`)", a, name, version)
			continue
		case !ok:
			rep.problem(file, "alias %s points at version %s, which was not imported", a, aliases[a])
			continue
		}
		if _, err := svc.SetAlias(ctx, api.AliasRequest{Model: name, Alias: a, Version: version}); err != nil {
			rep.problem(file, "alias %s: %v", a, err)
			continue
		}
		rep.Aliases++
	}
}
