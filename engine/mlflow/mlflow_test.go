package mlflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/config"
	"lathe/engine/mlflow"
)

const token = "s3cret"

type fixture struct {
	t   *testing.T
	e   *engine.Engine
	url string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e, err := engine.Open(engine.Options{Paths: api.Paths{Home: t.TempDir()}, Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	srv := httptest.NewServer(mlflow.New(e, mlflow.Options{Token: token}))
	t.Cleanup(srv.Close)
	return &fixture{t: t, e: e, url: srv.URL}
}

// call makes a request and decodes the reply; it returns the status.
func (f *fixture) call(method, path string, body any, out any) int {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, f.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			f.t.Fatalf("%s %s: reply %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

type mlErr struct {
	Code    string `json:"error_code"`
	Message string `json:"message"`
}

// fails expects an MLflow error of code and status.
func (f *fixture) fails(method, path string, body any, status int, code string) mlErr {
	f.t.Helper()
	var e mlErr
	if got := f.call(method, path, body, &e); got != status || e.Code != code {
		f.t.Errorf("%s %s: %d %+v, want %d %s", method, path, got, e, status, code)
	}
	return e
}

const p = "/api/2.0/mlflow/"

type runReply struct {
	Run struct {
		Info struct {
			RunID          string `json:"run_id"`
			RunName        string `json:"run_name"`
			ExperimentID   string `json:"experiment_id"`
			Status         string `json:"status"`
			ArtifactURI    string `json:"artifact_uri"`
			LifecycleStage string `json:"lifecycle_stage"`
			StartTime      int64  `json:"start_time"`
			EndTime        *int64 `json:"end_time"`
		} `json:"info"`
		Data struct {
			Metrics []struct {
				Key   string
				Value any
				Step  int64
			}
			Params, Tags []struct{ Key, Value string }
		} `json:"data"`
	} `json:"run"`
}

func (f *fixture) createRun(exp string) string {
	f.t.Helper()
	var r runReply
	if st := f.call("POST", p+"runs/create", map[string]any{"experiment_id": exp, "run_name": "owl", "start_time": "1700000000000",
		"tags": []map[string]string{{"key": "mlflow.user", "value": "ann"}}}, &r); st != 200 {
		f.t.Fatalf("runs/create: %d", st)
	}
	return r.Run.Info.RunID
}

func TestTokenRequired(t *testing.T) {
	f := newFixture(t)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
		req, _ := http.NewRequest("GET", f.url+p+"experiments/get?experiment_id=0", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e mlErr
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 401 || e.Code != "UNAUTHENTICATED" {
			t.Errorf("auth %q: %d %+v", auth, resp.StatusCode, e)
		}
	}
}

func TestExperiments(t *testing.T) {
	f := newFixture(t)
	for _, prefix := range []string{"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"} {
		var got struct {
			Experiment struct {
				ExperimentID   string `json:"experiment_id"`
				Name           string `json:"name"`
				LifecycleStage string `json:"lifecycle_stage"`
			}
		}
		if st := f.call("GET", prefix+"experiments/get?experiment_id=0", nil, &got); st != 200 ||
			got.Experiment.ExperimentID != "0" || got.Experiment.Name != "default" || got.Experiment.LifecycleStage != "active" {
			t.Errorf("%s experiments/get 0: %d %+v", prefix, st, got)
		}
	}
	var made struct {
		ExperimentID string `json:"experiment_id"`
	}
	if st := f.call("POST", p+"experiments/create", map[string]any{"name": "vision", "tags": []map[string]string{{"key": "team", "value": "cv"}}}, &made); st != 200 || made.ExperimentID == "" || made.ExperimentID == "0" {
		t.Fatalf("create: %d %+v", st, made)
	}
	f.fails("POST", p+"experiments/create", map[string]any{"name": "vision"}, 400, "RESOURCE_ALREADY_EXISTS")
	f.fails("POST", p+"experiments/create", map[string]any{}, 400, "INVALID_PARAMETER_VALUE")
	var byName struct {
		Experiment struct {
			ExperimentID string `json:"experiment_id"`
		}
	}
	if f.call("GET", p+"experiments/get-by-name?experiment_name=vision", nil, &byName); byName.Experiment.ExperimentID != made.ExperimentID {
		t.Errorf("get-by-name = %+v, want id %s", byName, made.ExperimentID)
	}
	f.fails("GET", p+"experiments/get-by-name?experiment_name=nope", nil, 404, "RESOURCE_DOES_NOT_EXIST")
	f.fails("GET", p+"experiments/get?experiment_id=999", nil, 404, "RESOURCE_DOES_NOT_EXIST")
	var search struct {
		Experiments []struct{ Name string }
		Token       string `json:"next_page_token"`
	}
	if f.call("POST", p+"experiments/search", map[string]any{"max_results": 1}, &search); len(search.Experiments) != 1 || search.Token == "" {
		t.Errorf("search page 1 = %+v", search)
	}
	first := search.Experiments[0].Name
	f.call("POST", p+"experiments/search", map[string]any{"max_results": 1, "page_token": search.Token}, &search)
	if len(search.Experiments) != 1 || search.Experiments[0].Name == first || search.Token != "" {
		t.Errorf("search page 2 = %+v", search)
	}
	f.call("POST", p+"experiments/search", map[string]any{"filter": "name LIKE 'vis%'"}, &search)
	if len(search.Experiments) != 1 || search.Experiments[0].Name != "vision" {
		t.Errorf("search by name = %+v", search)
	}
	f.fails("POST", p+"experiments/search", map[string]any{"page_token": "!!"}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("GET", p+"experiments/create", nil, 405, "ENDPOINT_NOT_FOUND")
	f.fails("GET", p+"experiments/nothing", nil, 404, "ENDPOINT_NOT_FOUND")
}

func TestRunLifecycle(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("0")
	var got runReply
	f.call("GET", p+"runs/get?run_id="+id, nil, &got)
	info := got.Run.Info
	if info.RunID != id || info.RunName != "owl" || info.Status != "RUNNING" || info.ExperimentID != "0" ||
		info.StartTime != 1700000000000 || !strings.HasPrefix(info.ArtifactURI, "file://") || info.LifecycleStage != "active" {
		t.Errorf("run info = %+v", info)
	}
	if dir := strings.TrimPrefix(info.ArtifactURI, "file://"); !isDir(dir) {
		t.Errorf("artifact_uri %s is not a folder", dir)
	}
	f.fails("GET", p+"runs/get?run_id=nope", nil, 404, "RESOURCE_DOES_NOT_EXIST")
	f.fails("GET", p+"runs/get", nil, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"runs/create", map[string]any{"experiment_id": "999"}, 404, "RESOURCE_DOES_NOT_EXIST")

	// log-metric with int64s as strings and numbers, a NaN value
	ok := func(path string, body any) {
		t.Helper()
		var e mlErr
		if st := f.call("POST", p+path, body, &e); st != 200 {
			t.Errorf("%s: %d %+v", path, st, e)
		}
	}
	ok("runs/log-metric", map[string]any{"run_id": id, "key": "loss", "value": 0.9, "timestamp": "1700000001000", "step": "0"})
	ok("runs/log-metric", map[string]any{"run_id": id, "key": "loss", "value": 0.4, "timestamp": 1700000002000, "step": 1})
	ok("runs/log-metric", map[string]any{"run_id": id, "key": "acc", "value": "NaN", "timestamp": 1700000002000})
	ok("runs/log-metric", map[string]any{"run_id": id, "key": "inf", "value": "Infinity", "timestamp": 1700000002000})
	f.fails("POST", p+"runs/log-metric", map[string]any{"run_id": id, "key": "loss", "timestamp": 1}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"runs/log-metric", map[string]any{"run_id": id, "key": "loss", "value": "x", "timestamp": 1}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"runs/log-metric", map[string]any{"run_id": id, "key": "loss", "value": 1, "timestamp": "soon"}, 400, "INVALID_PARAMETER_VALUE")

	ok("runs/log-parameter", map[string]any{"run_id": id, "key": "lr", "value": "0.01"})
	ok("runs/log-parameter", map[string]any{"run_id": id, "key": "lr", "value": "0.01"})
	e := f.fails("POST", p+"runs/log-parameter", map[string]any{"run_id": id, "key": "lr", "value": "0.02"}, 400, "INVALID_PARAMETER_VALUE")
	if !strings.Contains(e.Message, "Changing param values is not allowed") {
		t.Errorf("re-logged param message: %q", e.Message)
	}
	ok("runs/log-parameter", map[string]any{"run_id": id, "key": strings.Repeat("k", 250), "value": strings.Repeat("v", 6000)})
	f.fails("POST", p+"runs/log-parameter", map[string]any{"run_id": id, "key": strings.Repeat("k", 251), "value": "1"}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"runs/log-parameter", map[string]any{"run_id": id, "key": "big", "value": strings.Repeat("v", 6001)}, 400, "INVALID_PARAMETER_VALUE")

	ok("runs/set-tag", map[string]any{"run_id": id, "key": "note", "value": "hello"})
	ok("runs/set-tag", map[string]any{"run_id": id, "key": "gone", "value": "soon"})
	ok("runs/delete-tag", map[string]any{"run_id": id, "key": "gone"})
	f.fails("POST", p+"runs/delete-tag", map[string]any{"run_id": id, "key": "gone"}, 404, "RESOURCE_DOES_NOT_EXIST")

	var hist struct {
		Metrics []struct {
			Key       string
			Value     any
			Timestamp int64
			Step      int64
		}
	}
	f.call("GET", p+"metrics/get-history?run_id="+id+"&metric_key=loss", nil, &hist)
	if len(hist.Metrics) != 2 || hist.Metrics[0].Timestamp != 1700000001000 || hist.Metrics[1].Step != 1 || hist.Metrics[1].Value != 0.4 {
		t.Errorf("history = %+v", hist)
	}
	f.call("GET", p+"metrics/get-history?run_id="+id+"&metric_key=acc", nil, &hist)
	if len(hist.Metrics) != 1 || hist.Metrics[0].Value != "NaN" {
		t.Errorf("a NaN in the history = %+v", hist)
	}

	var upd struct {
		RunInfo struct{ Status string } `json:"run_info"`
	}
	f.call("POST", p+"runs/update", map[string]any{"run_id": id, "status": "FINISHED", "end_time": 1700000009000, "run_name": "owl-final"}, &upd)
	if upd.RunInfo.Status != "FINISHED" {
		t.Errorf("update = %+v", upd)
	}
	f.fails("POST", p+"runs/update", map[string]any{"run_id": id, "status": "DONE"}, 400, "INVALID_PARAMETER_VALUE")

	// The same run through lathe's own contract.
	r, err := f.e.Run(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != api.Succeeded || r.Name != "owl-final" || r.Params["lr"] != "0.01" || r.Tags["note"] != "hello" ||
		r.Tags["gone"] != "" || r.Metrics["loss"].Count != 2 || !math.IsNaN(float64(r.Metrics["acc"].Last)) || r.Tags["mlflow.user"] != "ann" {
		t.Errorf("the lathe run = %s %q params %v tags %v metrics %v", r.Status, r.Name, r.Params, r.Tags, r.Metrics)
	}

	ok("runs/delete", map[string]any{"run_id": id})
	f.call("GET", p+"runs/get?run_id="+id, nil, &got)
	if got.Run.Info.LifecycleStage != "deleted" {
		t.Errorf("a deleted run's lifecycle = %q", got.Run.Info.LifecycleStage)
	}
	ok("runs/restore", map[string]any{"run_id": id})
	f.call("GET", p+"runs/get?run_id="+id, nil, &got)
	if got.Run.Info.LifecycleStage != "active" {
		t.Errorf("a restored run's lifecycle = %q", got.Run.Info.LifecycleStage)
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func TestLogBatchLimits(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("0")
	metrics := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"key": "m", "value": i, "timestamp": 1700000000000 + i, "step": i}
		}
		return out
	}
	pairs := func(n int) []map[string]string {
		out := make([]map[string]string, n)
		for i := range out {
			out[i] = map[string]string{"key": fmt.Sprintf("k%d", i), "value": "v"}
		}
		return out
	}
	var e mlErr
	if st := f.call("POST", p+"runs/log-batch", map[string]any{"run_id": id, "metrics": metrics(1000), "params": pairs(100)[:0], "tags": pairs(0)}, &e); st != 200 {
		t.Fatalf("1000 metrics: %d %+v", st, e)
	}
	f.fails("POST", p+"runs/log-batch", map[string]any{"run_id": id, "metrics": metrics(1001)}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"runs/log-batch", map[string]any{"run_id": id, "params": pairs(101)}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"runs/log-batch", map[string]any{"run_id": id, "tags": pairs(101)}, 400, "INVALID_PARAMETER_VALUE")
	if st := f.call("POST", p+"runs/log-batch", map[string]any{"run_id": id, "params": pairs(100), "tags": pairs(100)}, &e); st != 200 {
		t.Errorf("100 params and 100 tags: %d %+v", st, e)
	}
	big := map[string]any{"run_id": id, "tags": []map[string]string{{"key": "x", "value": strings.Repeat("v", 1<<20)}}}
	f.fails("POST", p+"runs/log-batch", big, 400, "INVALID_PARAMETER_VALUE")
	// all or nothing: a bad metric in a batch stores none of it
	bad := append(metrics(3), map[string]any{"key": "m", "value": "x", "timestamp": 1})
	f.fails("POST", p+"runs/log-batch", map[string]any{"run_id": id, "metrics": bad}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"runs/log-batch", map[string]any{"run_id": id, "params": []map[string]string{{"key": "k0", "value": "other"}},
		"metrics": metrics(2)}, 400, "INVALID_PARAMETER_VALUE")
	r, _ := f.e.Run(context.Background(), id)
	if r.Metrics["m"].Count != 1000 || len(r.Params) != 100 {
		t.Errorf("after refused batches: %d points, %d params", r.Metrics["m"].Count, len(r.Params))
	}
}

func TestSearchRuns(t *testing.T) {
	f := newFixture(t)
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = f.createRun("0")
		f.call("POST", p+"runs/log-batch", map[string]any{"run_id": ids[i],
			"metrics": []map[string]any{{"key": "acc", "value": float64(i) / 10, "timestamp": 1}},
			"params":  []map[string]string{{"key": "lr", "value": fmt.Sprint(i)}}}, nil)
	}
	f.call("POST", p+"runs/update", map[string]any{"run_id": ids[3], "status": "FAILED"}, nil)
	type searchReply struct {
		Runs []struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		}
		Token string `json:"next_page_token"`
	}
	search := func(body map[string]any) []string {
		t.Helper()
		var s searchReply
		var e mlErr
		raw := map[string]any{"experiment_ids": []string{"0"}}
		for k, v := range body {
			raw[k] = v
		}
		if st := f.call("POST", p+"runs/search", raw, &s); st != 200 {
			f.call("POST", p+"runs/search", raw, &e)
			t.Fatalf("search %v: %d %+v", body, st, e)
		}
		var out []string
		for _, r := range s.Runs {
			out = append(out, r.Info.RunID)
		}
		return out
	}
	if got := search(map[string]any{"filter": "metrics.acc > 0.15", "order_by": []string{"metrics.acc DESC"}}); fmt.Sprint(got) != fmt.Sprint([]string{ids[3], ids[2]}) {
		t.Errorf("acc > 0.15 by acc desc = %v, want %v", got, ids[2:])
	}
	if got := search(map[string]any{"filter": "params.lr = '1' and attributes.status = 'RUNNING'"}); len(got) != 1 || got[0] != ids[1] {
		t.Errorf("lr = 1 = %v", got)
	}
	if got := search(map[string]any{"filter": "attributes.status = 'FAILED'"}); len(got) != 1 || got[0] != ids[3] {
		t.Errorf("failed = %v", got)
	}
	if got := search(map[string]any{"order_by": []string{"params.lr ASC"}, "max_results": 2}); fmt.Sprint(got) != fmt.Sprint(ids[:2]) {
		t.Errorf("first page by lr = %v", got)
	}
	f.fails("POST", p+"runs/search", map[string]any{"experiment_ids": []string{"0"}, "filter": "metrics.acc >"}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"runs/search", map[string]any{"experiment_ids": []string{"0"}, "max_results": 50001}, 400, "INVALID_PARAMETER_VALUE")
}

func TestRegistry(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("0")
	f.call("POST", p+"runs/log-metric", map[string]any{"run_id": id, "key": "val_acc", "value": 0.9, "timestamp": 1}, nil)
	art := filepath.Join(f.runDir(id), "artifacts", "model")
	os.MkdirAll(art, 0o755)
	os.WriteFile(filepath.Join(art, "MLmodel"), []byte("x"), 0o644)

	var m struct {
		RegisteredModel struct {
			Name    string
			Aliases []struct{ Alias, Version string }
		} `json:"registered_model"`
	}
	if st := f.call("POST", p+"registered-models/create", map[string]any{"name": "digits", "description": "d"}, &m); st != 200 || m.RegisteredModel.Name != "digits" {
		t.Fatalf("create model: %d %+v", st, m)
	}
	f.fails("POST", p+"registered-models/create", map[string]any{"name": "digits"}, 400, "RESOURCE_ALREADY_EXISTS")
	f.fails("GET", p+"registered-models/get?name=nope", nil, 404, "RESOURCE_DOES_NOT_EXIST")

	var v struct {
		ModelVersion struct {
			Name         string `json:"name"`
			Version      string `json:"version"`
			Source       string `json:"source"`
			RunID        string `json:"run_id"`
			CurrentStage string `json:"current_stage"`
			Status       string `json:"status"`
		} `json:"model_version"`
	}
	if st := f.call("POST", p+"model-versions/create", map[string]any{"name": "digits", "source": "runs:/" + id + "/model", "run_id": id}, &v); st != 200 ||
		v.ModelVersion.Version != "1" || v.ModelVersion.RunID != id || v.ModelVersion.Status != "READY" || v.ModelVersion.CurrentStage != "None" {
		t.Fatalf("create version: %d %+v", st, v)
	}
	mv, err := f.e.ModelVersion(context.Background(), "digits@1")
	if err != nil || mv.Artifact.SHA256 == "" || mv.Artifact.Kind != "dir" {
		t.Errorf("the version's artifact was not copied from the run's artifacts: %+v %v", mv.Artifact, err)
	}
	f.call("POST", p+"model-versions/create", map[string]any{"name": "digits", "source": "s3://b/m", "run_id": id,
		"tags": []map[string]string{{"key": "mlflow.stage", "value": "Staging"}}}, &v)
	if v.ModelVersion.Version != "2" || v.ModelVersion.CurrentStage != "Staging" || v.ModelVersion.Source != "s3://b/m" {
		t.Errorf("second version = %+v", v)
	}
	f.fails("POST", p+"model-versions/create", map[string]any{"name": "digits", "source": "s3://b/m"}, 400, "INVALID_PARAMETER_VALUE")
	f.fails("POST", p+"model-versions/create", map[string]any{"name": "digits", "source": "x", "run_id": "nope"}, 404, "RESOURCE_DOES_NOT_EXIST")
	f.call("GET", p+"model-versions/get?name=digits&version=2", nil, &v)
	if v.ModelVersion.Version != "2" {
		t.Errorf("get version = %+v", v)
	}
	f.fails("GET", p+"model-versions/get?name=digits&version=9", nil, 404, "RESOURCE_DOES_NOT_EXIST")
	var vs struct {
		ModelVersions []struct{ Version string } `json:"model_versions"`
	}
	f.call("GET", p+"model-versions/search?filter="+urlq("name='digits'"), nil, &vs)
	if len(vs.ModelVersions) != 2 {
		t.Errorf("search versions = %+v", vs)
	}

	var e mlErr
	if st := f.call("POST", p+"registered-models/alias", map[string]any{"name": "digits", "alias": "challenger", "version": "2"}, &e); st != 200 {
		t.Errorf("set alias: %d %+v", st, e)
	}
	f.call("GET", p+"registered-models/alias?name=digits&alias=challenger", nil, &v)
	if v.ModelVersion.Version != "2" {
		t.Errorf("get alias = %+v", v)
	}
	f.call("GET", p+"registered-models/get?name=digits", nil, &m)
	if len(m.RegisteredModel.Aliases) != 1 || m.RegisteredModel.Aliases[0].Version != "2" {
		t.Errorf("model aliases = %+v", m.RegisteredModel.Aliases)
	}
	f.fails("POST", p+"registered-models/alias", map[string]any{"name": "digits", "alias": "champion", "version": "1"}, 403, "PERMISSION_DENIED")
	f.fails("DELETE", p+"registered-models/alias?name=digits&alias=champion", nil, 403, "PERMISSION_DENIED")
	if st := f.call("DELETE", p+"registered-models/alias?name=digits&alias=challenger", nil, &e); st != 200 {
		t.Errorf("delete alias: %d %+v", st, e)
	}
	f.fails("GET", p+"registered-models/alias?name=digits&alias=challenger", nil, 404, "RESOURCE_DOES_NOT_EXIST")
	var ms struct {
		RegisteredModels []struct{ Name string } `json:"registered_models"`
	}
	f.call("GET", p+"registered-models/search?filter="+urlq("name LIKE 'dig%'"), nil, &ms)
	if len(ms.RegisteredModels) != 1 {
		t.Errorf("search models = %+v", ms)
	}
}

func (f *fixture) runDir(id string) string {
	r, err := f.e.Run(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r.Dir
}

func urlq(s string) string {
	return strings.NewReplacer(" ", "%20", "'", "%27", "=", "%3D", "%", "%25").Replace(s)
}
