package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

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
	base := fixtureBase
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
			Evals:     map[string]map[string]Float{"class=3": {"acc": 0.81}},
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
	checkUpgraded(t, db, "v1.db", 1)
	err := db.View(func(tx *Tx) error {
		active, err := tx.ActiveRuns()
		if err != nil || len(active) != 1 || active[0].Name != "sweep-1" {
			t.Errorf("active runs after upgrade: %v %v", active, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkFixtureRuns(t, db, fixtureRuns())
}

// Schema 2's store reads, upgraded, as schema 2 read it (its dump, and the
// runs it was written from), and goes on taking writes.
func TestSchema2StoreIsUpgraded(t *testing.T) {
	db := openFixture(t, "schema2.db")
	checkUpgraded(t, db, "schema2.db", 2)
	if base := filepath.Base(db.Upgraded().Backup); base != "lathe.db.schema2.bak" {
		t.Errorf("backup %s", base)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "schema2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := dumpStore(t, db); !bytes.Equal(got, want) {
		t.Errorf("the upgraded store reads otherwise than schema 2 read it:\n%s", firstDifference(got, want))
	}
	checkFixtureRuns(t, db, append(fixtureRuns(), fixtureExtras()...))
	update(t, db, func(tx *Tx) error {
		return tx.AppendPoints("5a5a5a5a5a5a", "loss", []series.Point{{Step: 1300, Time: 1, Value: 0.5}})
	})
	db.View(func(tx *Tx) error {
		if sums, _ := tx.Summaries("5a5a5a5a5a5a"); sums["loss"].Count != 1301 || sums["loss"].Last != 0.5 {
			t.Errorf("after an append: %+v", sums["loss"])
		}
		if rep := tx.Check(nil); len(rep.Problems) != 0 {
			t.Errorf("check after an append: %v", rep.Problems)
		}
		return nil
	})
}

// checkUpgraded checks that db, a copy of testdata/name, was upgraded from
// schema from to this one, backed up first, and checks clean without
// schema 2's latest index.
func checkUpgraded(t *testing.T, db *DB, name string, from int) {
	t.Helper()
	up := db.Upgraded()
	if up == nil || up.From != from || up.To != SchemaVersion {
		t.Fatalf("upgrade: %+v", up)
	}
	backup, err := os.ReadFile(up.Backup)
	if err != nil {
		t.Fatalf("no backup: %v", err)
	}
	original, _ := os.ReadFile(filepath.Join("testdata", name))
	if !bytes.Equal(backup, original) {
		t.Error("the backup is not the file as it was")
	}
	db.View(func(tx *Tx) error {
		if rep := tx.Check(nil); len(rep.Problems) != 0 || rep.Runs == 0 {
			t.Errorf("check after upgrade: %+v", rep)
		}
		if st := tx.Stats(); st.Schema != SchemaVersion {
			t.Errorf("schema %d after upgrade", st.Schema)
		}
		if tx.btx.Bucket([]byte("latest")) != nil {
			t.Error("the latest index of schema 2 is still there")
		}
		return nil
	})
}

// checkFixtureRuns compares what db holds of runs with what they were
// written from.
func checkFixtureRuns(t *testing.T, db *DB, runs []fixtureRun) {
	t.Helper()
	err := db.View(func(tx *Tx) error {
		for _, f := range runs {
			r, err := tx.ResolveRun(f.run.Name)
			if err != nil {
				t.Fatal(err)
			}
			if r.ID != f.run.ID || r.Status != f.run.Status || !maps.Equal(r.Params, f.run.Params) ||
				!r.Created.Equal(f.run.Created) || !bytes.Equal(r.Handle, f.run.Handle) || !slices.Equal(r.Devices, f.run.Devices) {
				t.Errorf("run %s: %+v", f.run.Name, r)
			}
			for slice, evals := range f.run.Evals {
				for k, v := range evals {
					if got := r.Evals[slice][k]; !sameFloat(float64(got), float64(v)) {
						t.Errorf("run %s eval %s %s: %v, want %v", r.Name, slice, k, got, v)
					}
				}
			}
			sums, err := tx.Summaries(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(sums) != len(f.metrics) {
				t.Errorf("run %s: %d metrics, want %d", r.Name, len(sums), len(f.metrics))
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

// firstDifference shows where two texts part.
func firstDifference(got, want []byte) string {
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range min(len(gl), len(wl)) {
		if !bytes.Equal(gl[i], wl[i]) {
			return fmt.Sprintf("line %d: %s\nwant:    %s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(gl), len(wl))
}

// The committed store testdata/schema2.db was written by schema version 2
// from fixtureRuns and fixtureExtras (go test -tags fixture -run
// WriteFixture ./store/), and testdata/schema2.json is what schema 2 read of
// it (dumpStore). Every later schema must read it, upgraded, to the same
// dump.

// fixtureBase is when the fixtures' runs were made.
var fixtureBase = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fixtureExtras are the runs schema 2's fixture adds to fixtureRuns: one
// running (active, with its devices and a handle) and one removed, whose
// series ends on NaN and whose evals hold every value JSON has no number
// for.
func fixtureExtras() []fixtureRun {
	started := fixtureBase.Add(10*time.Minute + time.Second)
	ended := fixtureBase.Add(20 * time.Minute)
	exit0 := 0
	running := fixtureRun{
		run: Run{ID: "5a5a5a5a5a5a", Name: "train-3", Experiment: "digits", Status: Running,
			Command: []string{"python3", "train.py", "--lr", "0.1"}, Cwd: "/work",
			Params: map[string]string{"lr": "0.1", "batch": "64"}, Tags: map[string]string{},
			GPUs: 1, Devices: []int{1}, Handle: []byte(`{"pid":4242,"pgid":4242}`),
			Git: &Git{Commit: "4567cdef"}, User: "ada", Host: "gpu1", Dir: "/data/runs/5a5a5a5a5a5a",
			Created: fixtureBase.Add(10 * time.Minute), Started: &started,
			Usage: &GPUUsage{GPUHours: 0.25, EnergyWh: 60, PeakGPUMemBytes: 8 << 30, MeanGPUUtil: 87.5, Samples: 900,
				Through: fixtureBase.Add(25 * time.Minute)}},
		metrics: map[string][]series.Point{},
		tail:    TailState{Offset: 123456, NextStep: 1301, Skipping: true},
	}
	removed := fixtureRun{
		run: Run{ID: "deadbeef0001", Name: "old-1", Experiment: "default", Status: Succeeded, ExitCode: &exit0,
			Command: []string{"python3", "old.py"}, Cwd: "/work", Params: map[string]string{"seed": "7"},
			User: "ada", Host: "gpu2", Dir: "/data/runs/deadbeef0001",
			Created: fixtureBase.Add(5 * time.Minute), Started: &started, Ended: &ended, Total: 1500,
			Evals: map[string]map[string]Float{"all": {
				"nan": Float(math.NaN()), "inf": Float(math.Inf(1)), "-inf": Float(math.Inf(-1)),
				"-0": Float(math.Copysign(0, -1)), "big": 1e300, "small": 1e-7, "acc": 0.9}}},
		metrics: map[string][]series.Point{},
		tail:    TailState{Offset: 99999, NextStep: 1501},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, f := range []*fixtureRun{&running, &removed} {
		n := 1300
		if f == &removed {
			n = 1500
		}
		for _, m := range []string{"loss", "lr", "grad/norm"} {
			pts := make([]series.Point, n)
			for j := range pts {
				v := math.Exp(-float64(j)/300) + rng.NormFloat64()*0.01
				if j%101 == 50 || (f == &removed && j == n-1) {
					v = math.NaN()
				}
				if m == "lr" {
					v = 0.1 * math.Pow(0.5, float64(j/500))
				}
				pts[j] = series.Point{Step: int64(j), Time: f.run.Created.UnixMicro() + int64(j)*250_000, Value: v}
			}
			f.metrics[m] = pts
		}
	}
	return []fixtureRun{running, removed}
}

// fixtureRemovedAt is when fixtureExtras' removed run was removed.
var fixtureRemovedAt = fixtureBase.Add(time.Hour)

// dumpStore is what a store holds, as its read API returns it, in a stable
// text: every experiment, run record, summary, tail and pending environment,
// a digest of every series (its points' steps, times and value bits), the
// active and removed runs, and the fixture's GPU history.
func dumpStore(t *testing.T, db *DB) []byte {
	t.Helper()
	type seriesDump struct {
		Points int64  `json:"points"`
		SHA256 string `json:"sha256"`
		Last   string `json:"last"`
	}
	type runDump struct {
		Run        *Run                  `json:"run"`
		Summaries  map[string]Summary    `json:"summaries"`
		Series     map[string]seriesDump `json:"series"`
		Tails      map[string]TailState  `json:"tails"`
		PendingEnv []string              `json:"pending_env,omitempty"`
	}
	var dump struct {
		Experiments []Experiment        `json:"experiments"`
		Runs        []runDump           `json:"runs"`
		Active      []string            `json:"active"`
		Deleted     []string            `json:"deleted"`
		GPU         map[string][]string `json:"gpu"`
	}
	err := db.View(func(tx *Tx) error {
		var err error
		if dump.Experiments, err = tx.Experiments(); err != nil {
			return err
		}
		ids, err := tx.RunIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			d := runDump{Series: map[string]seriesDump{}, Tails: map[string]TailState{}}
			if d.Run, err = tx.Run(id); err != nil {
				return err
			}
			if d.Summaries, err = tx.Summaries(id); err != nil {
				return err
			}
			for name := range d.Summaries {
				pts, err := tx.Series(id, name)
				if err != nil {
					return err
				}
				h := sha256.New()
				for _, p := range pts {
					h.Write(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil,
						uint64(p.Step)), uint64(p.Time)), math.Float64bits(p.Value)))
				}
				last := pts[len(pts)-1]
				d.Series[name] = seriesDump{Points: int64(len(pts)), SHA256: hex.EncodeToString(h.Sum(nil)),
					Last: fmt.Sprintf("%d %d %v", last.Step, last.Time, last.Value)}
			}
			for _, src := range []Source{SourceMetrics, SourceOutput} {
				if d.Tails[string(src)], err = tx.Tail(id, src); err != nil {
					return err
				}
			}
			if d.PendingEnv, err = tx.PendingEnv(id); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			dump.Runs = append(dump.Runs, d)
		}
		active, err := tx.ActiveRuns()
		if err != nil {
			return err
		}
		for _, r := range active {
			dump.Active = append(dump.Active, r.ID)
		}
		deleted, err := tx.DeletedRuns(time.Time{})
		if err != nil {
			return err
		}
		for _, r := range deleted {
			dump.Deleted = append(dump.Deleted, r.ID)
		}
		dump.GPU = map[string][]string{}
		for _, res := range []GPUResolution{GPUSecond, GPUMinute} {
			for dev := range 3 {
				pts, err := tx.GPUHistory(res, dev, fixtureBase.Add(-time.Hour), fixtureBase.Add(10*time.Minute))
				if err != nil {
					return err
				}
				for _, p := range pts {
					key := fmt.Sprintf("%c%d", res, dev)
					dump.GPU[key] = append(dump.GPU[key], fmt.Sprintf("%d %v %v %v %v", p.Time.Unix(), p.Util, p.MemoryUsed, p.PowerW, p.TempC))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(&dump, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}
