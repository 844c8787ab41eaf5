package tui

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/config"
	"lathe/engine/gpu"
	"lathe/store"
	"lathe/store/series"
)

// seed is a run to put in a store before the engine opens it, with each
// metric's values at steps 1, 2…
type seed struct {
	run    store.Run
	points map[string][]float64
}

// fixtureSeeds are the fixture's runs as the engine would have recorded
// them, each ended (an engine settles a run it finds running without its
// job): llama-sweep killed before it started, the others as in the fixture
// with their metrics, newest first.
func fixtureSeeds() []seed {
	at := func(d time.Duration) *time.Time { t := clock.Add(-d); return &t }
	run := func(id, name, exp string, st store.Status, created time.Duration, started, ended *time.Time) store.Run {
		return store.Run{ID: id, Name: name, Experiment: exp, Status: st, Created: clock.Add(-created),
			Started: started, Ended: ended, Command: []string{"python3", "train.py"}}
	}
	llama := run("fedcba987654", "llama-sweep", "nlp", store.Killed, 56*time.Minute, nil, at(time.Minute))
	llama.GPUs = 2
	vit := run("0123456789ab", "vit-small", "vision", store.Succeeded, 57*time.Minute, at(2*time.Minute), at(time.Minute))
	vit.Devices = []int{2}
	resnet := run("a1b2c3d4e5f6", "resnet-baseline", "vision", store.Succeeded, 58*time.Minute, at(5*time.Minute), at(0))
	resnet.Devices, resnet.Total, resnet.Params = []int{0, 1}, 3000, map[string]string{"lr": "0.1"}
	diverged := run("abcdefabcdef", "bert-diverged", "nlp", store.Failed, 59*time.Minute, at(20*time.Minute), at(19*time.Minute))
	diverged.Reason, diverged.ExitCode = "exit code 1", ptr(1)
	finetune := run("999999999999", "bert-finetune", "nlp", store.Succeeded, time.Hour, at(50*time.Minute), at(40*time.Minute))
	return []seed{
		{run: llama},
		{run: vit, points: map[string][]float64{"train_loss": {2.5, 1.2}}},
		{run: resnet, points: map[string][]float64{"loss": {2.5, 0.42}, "acc": {2.5, 0.81}}},
		{run: diverged, points: map[string][]float64{"loss": {2.5, 9.5}}},
		{run: finetune, points: map[string][]float64{"loss": {2.5, 0.17}}},
	}
}

// seedFixture is fixtureSeeds changed by tune (nil: as they are).
func seedFixture(tune func(byName map[string]*seed)) []seed {
	seeds := fixtureSeeds()
	if tune != nil {
		byName := map[string]*seed{}
		for i := range seeds {
			byName[seeds[i].run.Name] = &seeds[i]
		}
		tune(byName)
	}
	return seeds
}

// realEngine opens the engine in the process on a fresh data directory
// holding the seeds, with a fake probe of four GPUs: the tests of what the
// engine decides (which runs a filter keeps, how runs compare, what is
// removed) run against it, not against a fake with rules of its own.
func realEngine(t testing.TB, seeds []seed) *recorder {
	t.Helper()
	return realEngineWith(t, seeds, nil)
}

// realEngineWith is realEngine with more put in the store first by put
// (a sweep's record).
func realEngineWith(t testing.TB, seeds []seed, put func(tx *store.Tx) error) *recorder {
	t.Helper()
	paths := api.Paths{Home: t.TempDir()}
	db, err := store.Open(paths.DB(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(context.Background(), func(tx *store.Tx) error {
		for _, s := range seeds {
			r := s.run
			if err := tx.CreateRun(&r); err != nil {
				return err
			}
			start := clock
			if r.Started != nil {
				start = *r.Started
			}
			for name, values := range s.points {
				pts := make([]series.Point, len(values))
				for i, v := range values {
					pts[i] = series.Point{Step: int64(i + 1), Time: start.Add(time.Duration(i+1) * time.Second).UnixMicro(), Value: v}
				}
				if err := tx.AppendPoints(r.ID, name, pts); err != nil {
					return err
				}
			}
		}
		if put != nil {
			return put(tx)
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	// The test binary is the shim of the jobs it starts (see TestMain).
	// GORACE: a -race binary otherwise sleeps 1s before exiting.
	e, err := engine.Open(engine.Options{Paths: paths, Config: config.Default(), Probe: gpu.NewFake(4),
		Exe: os.Args[0], ShimEnv: []string{"LATHE_TEST_SHIM=1", "GORACE=atexit_sleep_ms=0"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &recorder{Engine: e, eng: e, home: paths.Home}
}

// recorder is an engine that notes what the app asks of it; edit, when
// set, changes a comparison before the app gets it (an engine that errs).
type recorder struct {
	Engine
	// eng is the engine itself, for what the app does not ask (wait for a
	// run, set an alias); home its data directory.
	eng      *engine.Engine
	home     string
	mu       sync.Mutex
	queries  []api.RunQuery
	removed  []api.RemoveRequest
	compared [][]string
	views    []string // "run metric" of each MetricView
	edit     func(*api.Comparison)
	// freeze, when set, makes what the registry answers the same at every
	// run of the tests (see frozen).
	freeze *frozen
}

func (r *recorder) Runs(ctx context.Context, q api.RunQuery) ([]api.Run, error) {
	r.mu.Lock()
	r.queries = append(r.queries, q)
	r.mu.Unlock()
	return r.Engine.Runs(ctx, q)
}

func (r *recorder) Remove(ctx context.Context, req api.RemoveRequest) (api.RemoveResult, error) {
	r.mu.Lock()
	r.removed = append(r.removed, req)
	r.mu.Unlock()
	return r.Engine.Remove(ctx, req)
}

func (r *recorder) Compare(ctx context.Context, refs []string) (api.Comparison, error) {
	r.mu.Lock()
	r.compared = append(r.compared, slices.Clone(refs))
	edit := r.edit
	r.mu.Unlock()
	c, err := r.Engine.Compare(ctx, refs)
	if err == nil && edit != nil {
		edit(&c)
	}
	return c, err
}

func (r *recorder) MetricView(ctx context.Context, ref, name string, points int) ([]api.Bucket, error) {
	r.mu.Lock()
	r.views = append(r.views, ref+" "+name)
	r.mu.Unlock()
	return r.Engine.MetricView(ctx, ref, name, points)
}

// asked returns what the app asked of the engine so far.
func (r *recorder) asked() (queries []api.RunQuery, removed []api.RemoveRequest, compared [][]string, views []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.queries), slices.Clone(r.removed), slices.Clone(r.compared), slices.Clone(r.views)
}

// The seeds read back from the engine as the fixture has them.
func TestRealEngineSeeds(t *testing.T) {
	e := realEngine(t, fixtureSeeds())
	runs, err := e.Runs(context.Background(), api.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Name)
	}
	if want := []string{"llama-sweep", "vit-small", "resnet-baseline", "bert-diverged", "bert-finetune"}; !slices.Equal(names, want) {
		t.Fatalf("runs %q, want %q", names, want)
	}
	if m := runs[2].Metrics["loss"]; float64(m.Last) != 0.42 || float64(m.Max) != 2.5 || runs[2].Params["lr"] != "0.1" {
		t.Errorf("resnet-baseline: %+v", runs[2])
	}
}
