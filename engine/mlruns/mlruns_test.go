package mlruns_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/config"
	"lathe/engine/mlruns"
)

// fixture is MLflow's file store of a public sample project (see
// ../shared/fixtures/README.md): experiment 0 with 38 runs and a registry.
var fixture = filepath.Join("..", "..", "..", "shared", "fixtures", "mlruns", "silver6wings-MLFlowSample")

func openEngine(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.Open(engine.Options{Paths: api.Paths{Home: t.TempDir()}, Config: config.Default()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestImportFixture(t *testing.T) {
	e := openEngine(t)
	ctx := context.Background()
	var last [2]int
	rep, err := mlruns.Import(ctx, e, fixture, func(done, total int) { last = [2]int{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Experiments != 1 || rep.Runs != 38 || rep.RunsSkipped != 0 || rep.BadLines != 0 || last != [2]int{38, 38} {
		t.Errorf("report = %+v, progress %v", rep, last)
	}
	if rep.Models != 4 || rep.Versions != 8 || len(rep.Problems) != 0 {
		t.Errorf("registry: %d models, %d versions, problems %+v", rep.Models, rep.Versions, rep.Problems)
	}
	runs, err := e.Runs(ctx, api.RunQuery{})
	if err != nil || len(runs) != 38 {
		t.Fatalf("%d runs, %v", len(runs), err)
	}
	for _, r := range runs {
		if r.Experiment != "default" || r.Runner != api.RunnerImport || !r.Status.Ended() {
			t.Errorf("run %s: %s in %s by %s", r.Name, r.Status, r.Experiment, r.Runner)
		}
	}

	// One run, exactly as its files say.
	dir := filepath.Join(fixture, "0", "042ad632d1f24877ba6cd9efcbaaab6c")
	r := runByUUID(t, runs, "042ad632d1f24877ba6cd9efcbaaab6c")
	lr, _ := os.ReadFile(filepath.Join(dir, "params", "learning_rate"))
	if r.Name != "indecisive-fish-828" || r.Status != api.Succeeded || r.Params["learning_rate"] != string(lr) ||
		r.Tags["mlflow.user"] != "junchao.yu" || r.Started.UnixMilli() != 1685343039110 || r.Ended.UnixMilli() != 1685343039134 {
		t.Errorf("run = %q %s params %v tags %v %v–%v", r.Name, r.Status, r.Params, r.Tags, r.Started, r.Ended)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "metrics", "accuracy"))
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	pts, err := e.Metric(ctx, r.ID, "accuracy")
	if err != nil || len(pts) != len(lines) {
		t.Fatalf("accuracy: %d points for %d lines, %v", len(pts), len(lines), err)
	}
	for i, line := range lines {
		want, err := mlruns.ParsePoint(line)
		if err != nil {
			t.Fatal(err)
		}
		if pts[i].Step != want.Step || float64(pts[i].Value) != float64(want.Value) || math.Abs(pts[i].Time-want.Time) > 1e-6 {
			t.Errorf("point %d = %+v, the file says %q", i, pts[i], line)
		}
	}

	// The registry: versions in MLflow's order and numbers, stages as tags.
	m, err := e.Model(ctx, "sk-learn-random-forest-reg-model")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Versions) != 4 || m.Versions[0].Version != 4 {
		t.Fatalf("versions = %d, newest %d", len(m.Versions), m.Versions[0].Version)
	}
	v4 := m.Versions[0]
	if v4.Tags[mlruns.StageTag] != "Production" || v4.Tags[mlruns.VersionTag] != "4" || v4.Run != runByUUID(t, runs, "1a3c30a3fc464ce783540a93b69f941a").ID ||
		v4.Artifact.Kind != api.ArtifactExternal || !strings.HasPrefix(v4.Artifact.Source, "mlflow-artifacts:/0/1a3c30a3fc464ce783540a93b69f941a") {
		t.Errorf("version 4 = %+v", v4)
	}
	if v1 := m.Versions[3]; v1.Tags[mlruns.StageTag] != "" {
		t.Errorf("version 1 (stage None) has stage tag %q", v1.Tags[mlruns.StageTag])
	}
	if a, _ := e.Model(ctx, "test_r_m"); len(a.Versions) != 1 || a.Versions[0].Tags[mlruns.StageTag] != "Archived" {
		t.Errorf("test_r_m = %+v", a.Versions)
	}
	el, _ := e.Model(ctx, "ElasticnetWineModel")
	if el.Description != "- add xxx funtion" {
		t.Errorf("description = %q", el.Description)
	}

	// Twice: nothing added.
	again, err := mlruns.Import(ctx, e, fixture, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Runs != 0 || again.RunsSkipped != 38 || again.Versions != 0 || again.VersionsSkipped != 8 || again.Points != 0 {
		t.Errorf("second import = %+v", again)
	}
	if runs, _ := e.Runs(ctx, api.RunQuery{}); len(runs) != 38 {
		t.Errorf("%d runs after importing twice", len(runs))
	}
	if m, _ := e.Model(ctx, "sk-learn-random-forest-reg-model"); len(m.Versions) != 4 {
		t.Errorf("%d versions after importing twice", len(m.Versions))
	}
}

func runByUUID(t *testing.T, runs []api.Run, uuid string) api.Run {
	t.Helper()
	for _, r := range runs {
		if r.Tags["mlflow.run_id"] == uuid {
			return r
		}
	}
	t.Fatalf("no run of MLflow's %s", uuid)
	return api.Run{}
}

// copyTree copies the fixture so a test can damage it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), raw, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestImportReportsWhatItCannotRead(t *testing.T) {
	root := copyTree(t, fixture)
	broken := filepath.Join(root, "0", "05f5631b485447628f229f6fdb5106b1", "meta.yaml")
	os.WriteFile(broken, []byte("run_id: [unclosed\n"), 0o644)
	metric := filepath.Join(root, "0", "042ad632d1f24877ba6cd9efcbaaab6c", "metrics", "accuracy")
	f, _ := os.OpenFile(metric, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("not a point\n1685343039999 0.95 1\n")
	f.Close()
	// A version whose run is gone from the store.
	os.RemoveAll(filepath.Join(root, "0", "823752a37b844f01880ec088776a549b"))

	e := openEngine(t)
	rep, err := mlruns.Import(context.Background(), e, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 36 || rep.BadLines != 1 || rep.Versions != 7 {
		t.Errorf("report = %+v", rep)
	}
	want := map[string]string{broken: "YAML", metric: "1 lines are not points",
		filepath.Join(root, "models", "test_r_m", "version-1", "meta.yaml"): "not in this store"}
	for file, text := range want {
		found := false
		for _, p := range rep.Problems {
			found = found || (p.File == file && strings.Contains(p.Err, text))
		}
		if !found {
			t.Errorf("no problem %q for %s in %+v", text, file, rep.Problems)
		}
	}
	runs, _ := e.Runs(context.Background(), api.RunQuery{})
	r := runByUUID(t, runs, "042ad632d1f24877ba6cd9efcbaaab6c")
	if r.Metrics["accuracy"].Last != 0.95 {
		t.Errorf("the points around a bad line: last %v", r.Metrics["accuracy"].Last)
	}
}

func TestNotAStore(t *testing.T) {
	_, err := mlruns.Import(context.Background(), openEngine(t), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "not an MLflow file store") {
		t.Errorf("an empty folder: %v", err)
	}
}

func FuzzParsePoint(f *testing.F) {
	for _, s := range []string{"1685343039116 0.9 0", "1 nan", "2 -inf 3", "x 1 2", "1 2 3 4", "9223372036854775807 1e308 -1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p, err := mlruns.ParsePoint(line)
		if err == nil && (p.Time <= 0 || math.IsInf(p.Time, 0)) {
			t.Errorf("%q: time %v", line, p.Time)
		}
	})
}
