package tfevents_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/config"
	"lathe/engine/tfevents"
)

const fixture = "../../../shared/fixtures/tfevents/events.out.tfevents.1661684667.applepie4"

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
	rep, err := tfevents.Import(ctx, e, fixture, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 1 || rep.Files != 1 || rep.Points != 10 || len(rep.Problems) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	runs, _ := e.Runs(ctx, api.RunQuery{})
	if len(runs) != 1 || runs[0].Name != "tfevents" || runs[0].Status != api.Succeeded || runs[0].Runner != api.RunnerImport {
		t.Fatalf("runs = %+v", runs)
	}
	r := runs[0]
	if len(r.Metrics) != 1 {
		t.Fatalf("metrics = %v", r.Metrics)
	}
	for name := range r.Metrics {
		pts, err := e.Metric(ctx, r.ID, name)
		if err != nil || len(pts) != 10 {
			t.Fatalf("%s: %d points, %v", name, len(pts), err)
		}
		for i, p := range pts {
			if float64(p.Value) != float64(i) || p.Time < 1.6e9 {
				t.Errorf("point %d = %+v", i, p)
			}
		}
		if r.Started.Unix() != int64(pts[0].Time) || r.Ended.Unix() != int64(pts[9].Time) {
			t.Errorf("run from %v to %v, points from %v to %v", r.Started, r.Ended, pts[0].Time, pts[9].Time)
		}
	}
	again, err := tfevents.Import(ctx, e, fixture, "", nil)
	if err != nil || again.Runs != 0 || again.RunsSkipped != 1 {
		t.Errorf("second import = %+v, %v", again, err)
	}
}

// A folder: each folder of event files a run, named by its path; a damaged
// record skipped and reported with its file, the others kept.
func TestImportFolder(t *testing.T) {
	root := t.TempDir()
	write := func(rel string, recs ...[]byte) string {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, slices.Concat(recs...), 0o644)
		return p
	}
	write("a/train/events.out.tfevents.1.h", tfevents.VersionRecord(1.7e9), tfevents.ScalarRecord("loss", 1, 1.7e9, 2))
	write("a/train/events.out.tfevents.2.h", tfevents.ScalarRecord("loss", 2, 1.7e9+1, 1))
	bad := tfevents.ScalarRecord("acc", 2, 1.7e9, 9)
	bad[len(bad)-6] ^= 0xff
	damaged := write("b/events.out.tfevents.1.h", tfevents.ScalarRecord("acc", 1, 1.7e9, 0.5), bad, tfevents.ScalarRecord("acc", 3, 1.7e9, 0.7))
	write("notes.txt", []byte("not an event file"))
	e := openEngine(t)
	rep, err := tfevents.Import(context.Background(), e, root, "tb", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 2 || rep.Files != 3 || rep.Points != 4 || rep.Corrupt != 1 || len(rep.Problems) != 1 ||
		rep.Problems[0].File != damaged || !strings.Contains(rep.Problems[0].Err, "fails its checksum") {
		t.Errorf("report = %+v", rep)
	}
	runs, _ := e.Runs(context.Background(), api.RunQuery{Experiment: "tb"})
	names := map[string]api.Run{}
	for _, r := range runs {
		names[r.Name] = r
	}
	if names["a/train"].Metrics["loss"].Count != 2 || names["b"].Metrics["acc"].Count != 2 || names["b"].Metrics["acc"].Last != api.Float(float32(0.7)) {
		t.Errorf("runs = %+v", names)
	}
	if _, err := tfevents.Import(context.Background(), e, t.TempDir(), "", nil); err == nil || !strings.Contains(err.Error(), "no TensorBoard event files") {
		t.Errorf("an empty folder: %v", err)
	}
}
