package store

import (
	"context"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lathe/engine/metricline"
	"lathe/store/series"
)

// The committed store testdata/v1.db was written by schema version 1 from
// fixtureRuns (go test -tags fixture -run WriteFixture ./store/). Every later
// schema must read it, upgraded, with the same content.

type fixtureRun struct {
	run     Run
	metrics map[string][]series.Point
	tail    TailState
}

func fixtureRuns() []fixtureRun {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	exit0, exit3 := 0, 3
	var out []fixtureRun
	for i, spec := range []struct {
		id, name, exp string
		status        Status
		code          *int
		points        int
	}{
		{"a1b2c3d4e5f6", "train-1", "digits", Succeeded, &exit0, 2500},
		{"0123456789ab", "train-2", "digits", Failed, &exit3, 300},
		{"fedcba987654", "sweep-1", "default", Queued, nil, 0},
	} {
		created := base.Add(time.Duration(i) * time.Minute)
		r := Run{
			ID: spec.id, Name: spec.name, Experiment: spec.exp, Status: spec.status, ExitCode: spec.code,
			Command: []string{"python3", "train.py"}, Cwd: "/work", Env: map[string]string{"HF_TOKEN": "[redacted]"},
			Params: map[string]string{"lr": "0.01"}, Tags: map[string]string{"team": "vision"},
			Git: &Git{Commit: "0123abcd", Dirty: i == 1}, User: "ada", Host: "gpu1", Dir: "/data/runs/" + spec.id,
			Created: created, Total: int64(spec.points),
			Evals:     map[string]map[string]metricline.Float{"class=3": {"acc": 0.81}},
			Artifacts: []Artifact{{Name: "model", Path: "/data/model.pt"}},
		}
		if spec.status != Queued {
			started, ended := created.Add(time.Second), created.Add(time.Hour)
			r.Started, r.Ended = &started, &ended
		}
		metrics := map[string][]series.Point{}
		for _, m := range []string{"loss", "acc"} {
			pts := make([]series.Point, spec.points)
			for j := range pts {
				v := math.Exp(-float64(j)/500) + rng.NormFloat64()*0.01
				switch j % 997 {
				case 5:
					v = math.NaN()
				case 6:
					v = math.Inf(1)
				}
				pts[j] = series.Point{Step: int64(j + 1), Time: created.UnixMicro() + int64(j)*1_000_123, Value: v}
			}
			if spec.points > 0 {
				metrics[m] = pts
			}
		}
		out = append(out, fixtureRun{run: r, metrics: metrics,
			tail: TailState{Offset: int64(spec.points) * 80, NextStep: int64(spec.points) + 1, Invalid: int64(i), FirstInvalid: "not JSON: oops"}})
	}
	return out
}

func writeFixture(t *testing.T, path string) {
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range fixtureRuns() {
		err := db.Update(context.Background(), func(tx *Tx) error {
			r := f.run
			if err := tx.CreateRun(&r); err != nil {
				return err
			}
			for name, pts := range f.metrics {
				for len(pts) > 0 { // in commits of 700, as an engine would
					n := min(700, len(pts))
					if err := tx.AppendPoints(r.ID, name, pts[:n]); err != nil {
						return err
					}
					pts = pts[n:]
				}
			}
			if r.Status == Queued {
				if err := tx.PutPendingEnv(r.ID, []string{"HF_TOKEN=secret"}); err != nil {
					return err
				}
			}
			return tx.PutTail(r.ID, SourceMetrics, f.tail)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// openFixture opens a copy of a committed store.
func openFixture(t *testing.T, name string) *DB {
	t.Helper()
	src, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "lathe.db")
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(); checkFile(t, path) })
	return db
}

func TestVersion1StoreIsUpgraded(t *testing.T) {
	db := openFixture(t, "v1.db")
	up := db.Upgraded()
	if up == nil || up.From != 1 || up.To != SchemaVersion {
		t.Fatalf("upgrade: %+v", up)
	}
	backup, err := os.ReadFile(up.Backup)
	if err != nil {
		t.Fatalf("no backup: %v", err)
	}
	original, _ := os.ReadFile(filepath.Join("testdata", "v1.db"))
	if string(backup) != string(original) {
		t.Error("the backup is not the file as it was")
	}
	err = db.View(func(tx *Tx) error {
		active, err := tx.ActiveRuns()
		if err != nil || len(active) != 1 || active[0].Name != "sweep-1" {
			t.Errorf("active runs after upgrade: %v %v", active, err)
		}
		latest, err := tx.LatestSorted("loss", true, 0)
		if err != nil || len(latest) != 2 {
			t.Fatalf("latest loss: %v %v", latest, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		for _, f := range fixtureRuns() {
			r, err := tx.ResolveRun(f.run.Name)
			if err != nil {
				t.Fatal(err)
			}
			if r.ID != f.run.ID || r.Status != f.run.Status || r.Params["lr"] != "0.01" || r.Git.Dirty != f.run.Git.Dirty ||
				!r.Created.Equal(f.run.Created) || float64(r.Evals["class=3"]["acc"]) != 0.81 {
				t.Errorf("run %s: %+v", f.run.Name, r)
			}
			sums, err := tx.Summaries(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range f.metrics {
				got, err := tx.Series(r.ID, name)
				if err != nil {
					t.Fatal(err)
				}
				samePoints(t, got, want)
				sameSummary(t, sums[name], recompute(want))
			}
			if tail, _ := tx.Tail(r.ID, SourceMetrics); tail != f.tail {
				t.Errorf("tail %+v, want %+v", tail, f.tail)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
