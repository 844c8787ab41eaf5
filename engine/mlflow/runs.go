package mlflow

import (
	"context"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"lathe/engine/api"
)

// Wire shapes, as MLflow's protos write them in JSON.
type (
	keyValue struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	experimentJSON struct {
		ID               string     `json:"experiment_id"`
		Name             string     `json:"name"`
		ArtifactLocation string     `json:"artifact_location"`
		LifecycleStage   string     `json:"lifecycle_stage"`
		LastUpdateTime   int64      `json:"last_update_time"`
		CreationTime     int64      `json:"creation_time"`
		Tags             []keyValue `json:"tags"`
	}
	runInfo struct {
		RunID          string `json:"run_id"`
		RunUUID        string `json:"run_uuid"`
		RunName        string `json:"run_name"`
		ExperimentID   string `json:"experiment_id"`
		UserID         string `json:"user_id"`
		Status         string `json:"status"`
		StartTime      int64  `json:"start_time"`
		EndTime        *int64 `json:"end_time,omitempty"`
		ArtifactURI    string `json:"artifact_uri"`
		LifecycleStage string `json:"lifecycle_stage"`
	}
	metricJSON struct {
		Key       string    `json:"key"`
		Value     api.Float `json:"value"`
		Timestamp int64     `json:"timestamp"`
		Step      int64     `json:"step"`
	}
	runData struct {
		Metrics []metricJSON `json:"metrics"`
		Params  []keyValue   `json:"params"`
		Tags    []keyValue   `json:"tags"`
	}
	runJSON struct {
		Info   runInfo        `json:"info"`
		Data   runData        `json:"data"`
		Inputs map[string]any `json:"inputs"`
	}
)

func millis(t time.Time) int64 { return t.UnixMilli() }

func pairsOf(m map[string]string) []keyValue {
	out := make([]keyValue, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, keyValue{k, m[k]})
	}
	return out
}

// statuses are MLflow's run statuses for lathe's.
var statuses = map[api.Status]string{
	api.Queued: "SCHEDULED", api.Running: "RUNNING", api.Succeeded: "FINISHED",
	api.Failed: "FAILED", api.Killed: "KILLED", api.Lost: "FAILED",
}

func lathesStatus(s string) (api.Status, error) {
	switch s {
	case "RUNNING", "SCHEDULED":
		return api.Running, nil
	case "FINISHED":
		return api.Succeeded, nil
	case "FAILED":
		return api.Failed, nil
	case "KILLED":
		return api.Killed, nil
	}
	return "", invalid("Invalid value %q for parameter 'status': one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED", s)
}

// experiments finds experiments by MLflow id and by name.
type experiments struct {
	byID   map[string]api.Experiment
	byName map[string]string // name → id
}

func (s *server) experiments(ctx context.Context) (experiments, error) {
	all, err := s.svc.Experiments(ctx)
	if err != nil {
		return experiments{}, err
	}
	x := experiments{byID: map[string]api.Experiment{}, byName: map[string]string{}}
	for _, e := range all {
		id := strconv.FormatInt(e.ID, 10)
		if e.Default {
			id = "0"
		}
		x.byID[id] = e
		x.byName[e.Name] = id
	}
	return x, nil
}

// find is the experiment of an MLflow id.
func (x experiments) find(id string) (api.Experiment, error) {
	e, ok := x.byID[id]
	if !ok {
		return e, notFound("No Experiment with id=%s exists", id)
	}
	return e, nil
}

func (x experiments) json(id string) experimentJSON {
	e := x.byID[id]
	return experimentJSON{ID: id, Name: e.Name, LifecycleStage: "active", CreationTime: millis(e.Created),
		LastUpdateTime: millis(e.Created), Tags: pairsOf(e.Tags)}
}

func (s *server) createExperiment(ctx context.Context, q request) (any, error) {
	name, err := q.need("name")
	if err != nil {
		return nil, err
	}
	tags, _, err := q.pairs("tags", maxTagValue)
	if err != nil {
		return nil, err
	}
	e, err := s.svc.CreateExperiment(ctx, api.ExperimentRequest{Name: name, Tags: tags})
	if errors.Is(err, api.ErrConflict) {
		return nil, exists("Experiment '%s' already exists.", name)
	}
	if err != nil {
		return nil, err
	}
	return map[string]string{"experiment_id": strconv.FormatInt(e.ID, 10)}, nil
}

func (s *server) getExperiment(ctx context.Context, q request) (any, error) {
	id, err := q.need("experiment_id")
	if err != nil {
		return nil, err
	}
	x, err := s.experiments(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := x.find(id); err != nil {
		return nil, err
	}
	return map[string]any{"experiment": x.json(id)}, nil
}

func (s *server) getExperimentByName(ctx context.Context, q request) (any, error) {
	name, err := q.need("experiment_name")
	if err != nil {
		return nil, err
	}
	x, err := s.experiments(ctx)
	if err != nil {
		return nil, err
	}
	id, ok := x.byName[name]
	if !ok && name == "Default" {
		id, ok = "0", true
	}
	if !ok {
		return nil, notFound("Could not find experiment with name '%s'", name)
	}
	return map[string]any{"experiment": x.json(id)}, nil
}

func (s *server) searchExperiments(ctx context.Context, q request) (any, error) {
	x, err := s.experiments(ctx)
	if err != nil {
		return nil, err
	}
	filter, err := q.str("filter")
	if err != nil {
		return nil, err
	}
	match, err := nameFilter(filter)
	if err != nil {
		return nil, err
	}
	view, err := q.str("view_type")
	if err != nil {
		return nil, err
	}
	var out []experimentJSON
	if view != "DELETED_ONLY" { // lathe does not delete experiments
		for _, id := range slices.Sorted(maps.Keys(x.byID)) {
			if match(x.byID[id].Name) {
				out = append(out, x.json(id))
			}
		}
	}
	slices.SortFunc(out, func(a, b experimentJSON) int { return int(b.CreationTime - a.CreationTime) })
	page, next, err := paged(q, out)
	if err != nil {
		return nil, err
	}
	return map[string]any{"experiments": page, "next_page_token": next}, nil
}

// runJSON writes a run as MLflow does, its metrics as their last values.
func (s *server) runJSON(r api.Run, x experiments) runJSON {
	info := s.runInfo(r, x)
	data := runData{Params: pairsOf(r.Params), Tags: pairsOf(r.Tags), Metrics: []metricJSON{}}
	ts := info.StartTime
	if info.EndTime != nil {
		ts = *info.EndTime
	}
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		m := r.Metrics[k]
		data.Metrics = append(data.Metrics, metricJSON{Key: k, Value: m.Last, Timestamp: ts, Step: m.LastStep})
	}
	return runJSON{Info: info, Data: data, Inputs: map[string]any{}}
}

func (s *server) runInfo(r api.Run, x experiments) runInfo {
	info := runInfo{RunID: r.ID, RunUUID: r.ID, RunName: r.Name, ExperimentID: x.byName[r.Experiment], UserID: r.User,
		Status: statuses[r.Status], StartTime: millis(r.Created), ArtifactURI: "file://" + filepath.Join(r.Dir, "artifacts"),
		LifecycleStage: "active"}
	if r.Started != nil {
		info.StartTime = millis(*r.Started)
	}
	if r.Ended != nil {
		t := millis(*r.Ended)
		info.EndTime = &t
	}
	if r.Deleted != nil {
		info.LifecycleStage = "deleted"
	}
	return info
}

// run reads the run a request names by run_id (or the older run_uuid).
func (s *server) run(ctx context.Context, q request) (api.Run, error) {
	id, err := q.str("run_id")
	if err != nil {
		return api.Run{}, err
	}
	if id == "" {
		if id, err = q.str("run_uuid"); err != nil {
			return api.Run{}, err
		}
	}
	if id == "" {
		return api.Run{}, missing("run_id")
	}
	r, err := s.svc.Run(ctx, id)
	if errors.Is(err, api.ErrNotFound) || (err == nil && r.ID != id) {
		// A client names runs by their whole id: a prefix or a name that
		// lathe would resolve is not one.
		return api.Run{}, notFound("Run with id=%s not found", id)
	}
	return r, err
}

func (s *server) createRun(ctx context.Context, q request) (any, error) {
	expID, err := q.str("experiment_id")
	if err != nil {
		return nil, err
	}
	x, err := s.experiments(ctx)
	if err != nil {
		return nil, err
	}
	exp, err := x.find(cmpOr(expID, "0"))
	if err != nil {
		return nil, err
	}
	tags, _, err := q.pairs("tags", maxTagValue)
	if err != nil {
		return nil, err
	}
	name, err := q.str("run_name")
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = tags["mlflow.runName"]
	}
	req := api.TrackRequest{Runner: api.RunnerMLflow, Name: name, Experiment: exp.Name, Tags: tags}
	if ms, ok, err := q.int64("start_time"); err != nil {
		return nil, err
	} else if ok && ms > 0 {
		t := time.UnixMilli(ms)
		req.Started = &t
	}
	res, err := s.svc.Track(ctx, req)
	if err != nil {
		return nil, err
	}
	// MLflow's clients write artifacts straight into artifact_uri.
	if err := os.MkdirAll(filepath.Join(res.Run.Dir, "artifacts"), 0o755); err != nil {
		s.log.Warn("mlflow: artifacts folder", "run", res.Run.ID, "err", err)
	}
	x.byName[exp.Name] = cmpOr(expID, "0")
	return map[string]any{"run": s.runJSON(res.Run, x)}, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *server) getRun(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil {
		return nil, err
	}
	x, err := s.experiments(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{"run": s.runJSON(r, x)}, nil
}

func (s *server) updateRun(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil {
		return nil, err
	}
	req := api.UpdateRunRequest{Run: r.ID}
	if req.Name, err = q.str("run_name"); err != nil {
		return nil, err
	}
	if st, err := q.str("status"); err != nil {
		return nil, err
	} else if st != "" {
		if req.Status, err = lathesStatus(st); err != nil {
			return nil, err
		}
	}
	if ms, ok, err := q.int64("end_time"); err != nil {
		return nil, err
	} else if ok && ms > 0 {
		t := time.UnixMilli(ms)
		req.Ended = &t
	}
	r, err = s.svc.UpdateRun(ctx, req)
	if err != nil {
		return nil, err
	}
	x, err := s.experiments(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]any{"run_info": s.runInfo(r, x)}, nil
}

func (s *server) deleteRun(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil || r.Deleted != nil {
		return nil, err
	}
	if !r.Status.Ended() && r.Tracked() {
		// MLflow deletes a run in any state; lathe removes ended ones.
		if _, err := s.svc.UpdateRun(ctx, api.UpdateRunRequest{Run: r.ID, Status: api.Killed, Reason: "deleted by an MLflow client"}); err != nil {
			return nil, err
		}
	}
	_, err = s.svc.Remove(ctx, api.RemoveRequest{Refs: []string{r.ID}})
	return nil, err
}

func (s *server) restoreRun(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil || r.Deleted == nil {
		return nil, err
	}
	_, err = s.svc.Restore(ctx, []string{r.ID})
	return nil, err
}

// metric reads one {key, value, timestamp, step} of a request.
func metric(q request) (api.LoggedPoint, error) {
	key, err := q.need("key")
	if err != nil {
		return api.LoggedPoint{}, err
	}
	if len([]rune(key)) > maxKey {
		return api.LoggedPoint{}, invalid("Metric name '%s' exceeds the maximum length of %d characters", truncate(key), maxKey)
	}
	v, ok, err := q.float("value")
	if err != nil {
		return api.LoggedPoint{}, err
	}
	if !ok {
		return api.LoggedPoint{}, missing("value")
	}
	ts, ok, err := q.int64("timestamp")
	if err != nil {
		return api.LoggedPoint{}, err
	}
	if !ok {
		return api.LoggedPoint{}, missing("timestamp")
	}
	step, _, err := q.int64("step")
	if err != nil {
		return api.LoggedPoint{}, err
	}
	p := api.LoggedPoint{Name: key, Step: step, Value: api.Float(v)}
	if ts != 0 {
		p.Time = float64(ts) / 1000
	}
	return p, nil
}

// logTo adds what a request says to a run, refusing a param that changes
// with MLflow's message.
func (s *server) logTo(ctx context.Context, r api.Run, req api.LogRequest) error {
	for k, v := range req.Params {
		if old, ok := r.Params[k]; ok && old != v {
			return invalid("Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.", k, old, r.ID, v)
		}
	}
	req.Run = r.ID
	_, err := s.svc.Log(ctx, req)
	return err
}

func (s *server) logMetric(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil {
		return nil, err
	}
	p, err := metric(q)
	if err != nil {
		return nil, err
	}
	return nil, s.logTo(ctx, r, api.LogRequest{Metrics: []api.LoggedPoint{p}})
}

// keyValueOf reads one {key, value} of a request.
func keyValueOf(q request, what string, maxValue int) (string, string, error) {
	k, err := q.need("key")
	if err != nil {
		return "", "", err
	}
	v, err := q.str("value")
	if err != nil {
		return "", "", err
	}
	if _, present := q.fields["value"]; !present {
		return "", "", missing("value")
	}
	return k, v, checkKeyValue(what, k, v, maxValue)
}

func (s *server) logParam(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil {
		return nil, err
	}
	k, v, err := keyValueOf(q, "param", maxParamValue)
	if err != nil {
		return nil, err
	}
	return nil, s.logTo(ctx, r, api.LogRequest{Params: map[string]string{k: v}})
}

func (s *server) setTag(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil {
		return nil, err
	}
	k, v, err := keyValueOf(q, "tag", maxTagValue)
	if err != nil {
		return nil, err
	}
	req := api.LogRequest{Tags: map[string]string{k: v}}
	if k == "mlflow.runName" && v != "" {
		if _, err := s.svc.UpdateRun(ctx, api.UpdateRunRequest{Run: r.ID, Name: v}); err != nil {
			return nil, err
		}
	}
	return nil, s.logTo(ctx, r, req)
}

func (s *server) deleteTag(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil {
		return nil, err
	}
	k, err := q.need("key")
	if err != nil {
		return nil, err
	}
	if _, ok := r.Tags[k]; !ok {
		return nil, notFound("No tag with name: %s in run with id %s", k, r.ID)
	}
	return nil, s.logTo(ctx, r, api.LogRequest{DeleteTags: []string{k}})
}

func (s *server) logBatch(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil {
		return nil, err
	}
	ms, err := q.objects("metrics")
	if err != nil {
		return nil, err
	}
	params, _, err := q.pairs("params", maxParamValue)
	if err != nil {
		return nil, err
	}
	tags, _, err := q.pairs("tags", maxTagValue)
	if err != nil {
		return nil, err
	}
	np, nt := countOf(q, "params"), countOf(q, "tags")
	switch {
	case len(ms) > maxBatchMetrics:
		return nil, invalid("A batch logging request can contain at most %d metrics. Got %d metrics. Please split up metrics across multiple requests and try again.", maxBatchMetrics, len(ms))
	case np > maxBatchParams:
		return nil, invalid("A batch logging request can contain at most %d params. Got %d params. Please split up params across multiple requests and try again.", maxBatchParams, np)
	case nt > maxBatchTags:
		return nil, invalid("A batch logging request can contain at most %d tags. Got %d tags. Please split up tags across multiple requests and try again.", maxBatchTags, nt)
	case len(ms)+np+nt > maxBatchEntities:
		return nil, invalid("A batch logging request can contain at most %d metrics, params and tags in total. Got %d.", maxBatchEntities, len(ms)+np+nt)
	}
	req := api.LogRequest{Params: params, Tags: tags}
	for _, m := range ms {
		p, err := metric(m)
		if err != nil {
			return nil, err
		}
		req.Metrics = append(req.Metrics, p)
	}
	return nil, s.logTo(ctx, r, req)
}

func countOf(q request, name string) int {
	list, _ := q.fields[name].([]any)
	return len(list)
}

func (s *server) metricHistory(ctx context.Context, q request) (any, error) {
	r, err := s.run(ctx, q)
	if err != nil {
		return nil, err
	}
	key, err := q.need("metric_key")
	if err != nil {
		return nil, err
	}
	pts, err := s.svc.Metric(ctx, r.ID, key)
	if errors.Is(err, api.ErrNotFound) {
		pts, err = nil, nil // MLflow answers an empty history
	}
	if err != nil {
		return nil, err
	}
	out := make([]metricJSON, len(pts))
	for i, p := range pts {
		out[i] = metricJSON{Key: key, Value: p.Value, Timestamp: int64(math.Round(p.Time * 1000)), Step: p.Step}
	}
	page, next, err := pagedUpTo(q, out, 25000, 25000)
	if err != nil {
		return nil, err
	}
	return map[string]any{"metrics": page, "next_page_token": next}, nil
}
