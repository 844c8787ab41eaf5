package baseline

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mlflow.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func mustRun(t testing.TB, db *DB, id string) {
	t.Helper()
	if err := db.CreateRun(id, "name-"+id, "0"); err != nil {
		t.Fatal(err)
	}
}

func mustLog(t testing.TB, db *DB, run string, ms ...Metric) {
	t.Helper()
	if err := db.LogBatch(run, ms); err != nil {
		t.Fatal(err)
	}
}

// samePoints compares with NaN equal to NaN.
func samePoints(a, b []Point) bool {
	return slices.EqualFunc(a, b, func(x, y Point) bool {
		return x.Step == y.Step && x.Timestamp == y.Timestamp &&
			(x.Value == y.Value || math.IsNaN(x.Value) && math.IsNaN(y.Value))
	})
}

type latestState struct {
	Value     float64
	Timestamp int64
	Step      int64
	IsNaN     bool
}

func latestOf(t *testing.T, db *DB, run, key string) (latestState, bool) {
	t.Helper()
	var l latestState
	err := db.sql.QueryRow(`SELECT value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ? AND key = ?`, run, key).
		Scan(&l.Value, &l.Timestamp, &l.Step, &l.IsNaN)
	if err != nil {
		if strings.Contains(err.Error(), "no rows") {
			return l, false
		}
		t.Fatal(err)
	}
	return l, true
}

func countRows(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.sql.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPragmas(t *testing.T) {
	db, _ := openTemp(t)
	s, err := db.Settings()
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{JournalMode: "wal", Synchronous: 2, ForeignKeys: true, BusyTimeout: 20000}
	if s != want {
		t.Fatalf("settings %+v, want %+v", s, want)
	}
	// And by the plain PRAGMA statements.
	var mode string
	var sync int
	if err := db.sql.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v", mode, err)
	}
	if err := db.sql.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("synchronous %d, %v", sync, err)
	}
	if st := db.sql.Stats(); st.MaxOpenConnections != 1 {
		t.Fatalf("max open connections %d, want 1", st.MaxOpenConnections)
	}
}

func TestOpenRejectsMemory(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=memory"} {
		if db, err := Open(p); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestSchema(t *testing.T) {
	db, path := openTemp(t)
	indexCols := func(db *DB, index string) string {
		t.Helper()
		res, err := db.sql.Query(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, index)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		var cols []string
		for res.Next() {
			var c string
			if err := res.Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		return strings.Join(cols, ",")
	}
	for index, want := range map[string]string{
		"sqlite_autoindex_metrics_1":        "key,timestamp,step,run_uuid,value,is_nan",
		"index_metrics_run_uuid":            "run_uuid",
		"index_metrics_run_uuid_key_step":   "run_uuid,key,step",
		"sqlite_autoindex_latest_metrics_1": "key,run_uuid",
		"index_latest_metrics_run_uuid":     "run_uuid",
		"sqlite_autoindex_runs_1":           "run_uuid",
	} {
		if got := indexCols(db, index); got != want {
			t.Errorf("index %s on (%s), want (%s)", index, got, want)
		}
	}
	db.Close()

	// Reopening an existing database keeps its schema and data.
	db2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	mustRun(t, db2, "r1")
	mustLog(t, db2, "r1", Metric{"loss", 1, 10, 0})

	// The pre-2026 schema has no key/step index.
	old, err := OpenWith(filepath.Join(t.TempDir(), "old.db"), Options{WithoutKeyStepIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	var n int
	if err := old.sql.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'index_metrics_run_uuid_key_step'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("old schema has key/step index: %d, %v", n, err)
	}
}

func TestRoundTrip(t *testing.T) {
	db, _ := openTemp(t)
	mustRun(t, db, "run1")
	mustRun(t, db, "run2")
	nan := math.NaN()
	mustLog(t, db, "run1",
		Metric{"loss", 0.5, 1000, 5}, // out of order steps
		Metric{"loss", 0.9, 1001, 1},
		Metric{"loss", nan, 1002, 2},
		Metric{"loss", 0.7, 1003, 3},
		Metric{"loss", 0.6, 1003, 3}, // repeated step, same time, other value
		Metric{"loss", 0.4, 1004, 3}, // repeated step, later time
		Metric{"acc", 0.1, 1000, 0},
		Metric{"loss", math.Inf(1), 1005, 6},
		Metric{"loss", math.Inf(-1), 1006, 7},
		Metric{"loss", -1e-300, 1007, 8},
	)
	mustLog(t, db, "run2", Metric{"loss", 42, 1, 1})
	mustLog(t, db, "run1", Metric{"loss", 0.3, 999, 9}) // later batch, earlier time

	got, err := db.History("run1", "loss")
	if err != nil {
		t.Fatal(err)
	}
	// ORDER BY timestamp, step, value.
	want := []Point{
		{9, 999, 0.3},
		{5, 1000, 0.5},
		{1, 1001, 0.9},
		{2, 1002, nan},
		{3, 1003, 0.6},
		{3, 1003, 0.7},
		{3, 1004, 0.4},
		{6, 1005, math.MaxFloat64}, // MLflow keeps no trace of infinity
		{7, 1006, -math.MaxFloat64},
		{8, 1007, -1e-300},
	}
	if !samePoints(got, want) {
		t.Fatalf("history\n got %v\nwant %v", got, want)
	}
	if got, _ := db.History("run1", "acc"); !samePoints(got, []Point{{0, 1000, 0.1}}) {
		t.Fatalf("acc history %v", got)
	}
	if got, err := db.History("run1", "nope"); err != nil || len(got) != 0 {
		t.Fatalf("unknown key: %v, %v", got, err)
	}
	if got, err := db.History("nope", "loss"); err != nil || len(got) != 0 {
		t.Fatalf("unknown run: %v, %v", got, err)
	}

	// The NaN is stored as MLflow stores it.
	var v float64
	var isNaN bool
	if err := db.sql.QueryRow(`SELECT value, is_nan FROM metrics WHERE run_uuid = 'run1' AND step = 2`).Scan(&v, &isNaN); err != nil {
		t.Fatal(err)
	}
	if v != 0 || !isNaN {
		t.Fatalf("NaN stored as value %v is_nan %v, want 0, true", v, isNaN)
	}
}

func TestDuplicates(t *testing.T) {
	db, _ := openTemp(t)
	mustRun(t, db, "r")
	nan := math.NaN()

	// Exact duplicates within one batch are dropped (MLflow's _log_metrics
	// dedup), as are 0 and -0 (equal in Python); NaN repeats too (MLflow
	// would fail on those, see LogBatch).
	mustLog(t, db, "r",
		Metric{"m", 1, 10, 1},
		Metric{"m", 1, 10, 1},
		Metric{"m", 0, 11, 2},
		Metric{"m", math.Copysign(0, -1), 11, 2},
		Metric{"m", nan, 12, 3},
		Metric{"m", nan, 12, 3},
		Metric{"m", 2, 10, 1}, // differs by value: kept
	)
	want := []Point{{1, 10, 1}, {1, 10, 2}, {2, 11, 0}, {3, 12, nan}}
	got, err := db.History("r", "m")
	if err != nil {
		t.Fatal(err)
	}
	if !samePoints(got, want) {
		t.Fatalf("history\n got %v\nwant %v", got, want)
	}

	// Points already logged by an earlier batch: the primary key rejects the
	// batch, and MLflow's fallback logs only the new points, without error.
	mustLog(t, db, "r",
		Metric{"m", 1, 10, 1},   // old
		Metric{"m", nan, 12, 3}, // old NaN
		Metric{"m", 5, 20, 4},   // new
		Metric{"other", 7, 20, 4},
	)
	want = append(want, Point{4, 20, 5})
	if got, _ := db.History("r", "m"); !samePoints(got, want) {
		t.Fatalf("history after re-log\n got %v\nwant %v", got, want)
	}
	if got, _ := db.History("r", "other"); !samePoints(got, []Point{{4, 20, 7}}) {
		t.Fatalf("other history %v", got)
	}
	if l, _ := latestOf(t, db, "r", "m"); l != (latestState{5, 20, 4, false}) {
		t.Fatalf("latest after re-log %+v", l)
	}

	// A batch made only of old points changes nothing and does not fail.
	mustLog(t, db, "r", Metric{"m", 1, 10, 1}, Metric{"m", 5, 20, 4})
	if n := countRows(t, db, "metrics"); n != 6 {
		t.Fatalf("%d metric rows, want 6", n)
	}
}

func TestLatestMetrics(t *testing.T) {
	nan := math.NaN()
	base := Metric{"k", 1, 100, 10}
	cases := []struct {
		name    string
		metric  Metric
		replace bool
	}{
		{"smaller step, later time, larger value", Metric{"k", 9, 500, 9}, false},
		{"larger step, earlier time, smaller value", Metric{"k", -9, 1, 11}, true},
		{"equal step, later time", Metric{"k", 0, 101, 10}, true},
		{"equal step, earlier time", Metric{"k", 9, 99, 10}, false},
		{"equal step and time, larger value", Metric{"k", 2, 100, 10}, true},
		{"equal step and time, smaller value", Metric{"k", 0.5, 100, 10}, false},
		{"equal step, time and value", Metric{"k", 1, 100, 10}, false},
		{"NaN counts as 0: smaller than 1", Metric{"k", nan, 100, 10}, false},
		{"NaN at a later step", Metric{"k", nan, 100, 11}, true},
		{"+Inf counts as MaxFloat64", Metric{"k", math.Inf(1), 100, 10}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, _ := openTemp(t)
			mustRun(t, db, "r")
			mustLog(t, db, "r", base)
			if err := db.LogBatch("r", []Metric{c.metric}); err != nil {
				t.Fatal(err)
			}
			l, ok := latestOf(t, db, "r", "k")
			if !ok {
				t.Fatal("no latest row")
			}
			from := base
			if c.replace {
				from = c.metric
			}
			v, isNaN := sanitize(from.Value)
			want := latestState{v, from.Timestamp, from.Step, isNaN}
			if l != want {
				t.Fatalf("latest %+v, want %+v", l, want)
			}
		})
	}

	// The same comparison inside one batch, against rows the batch creates.
	t.Run("within a batch", func(t *testing.T) {
		db, _ := openTemp(t)
		mustRun(t, db, "r")
		mustLog(t, db, "r",
			Metric{"a", 1, 100, 10},
			Metric{"a", 2, 50, 12}, // larger step wins
			Metric{"a", 3, 60, 11},
			Metric{"b", -1, 100, 5},
			Metric{"b", nan, 100, 5}, // NaN (0) > -1 at equal step and time
			Metric{"c", 0, 100, 5},
			Metric{"c", nan, 100, 5}, // tie on (step, time, stored value): first kept
		)
		for key, want := range map[string]latestState{
			"a": {2, 50, 12, false},
			"b": {0, 100, 5, true},
			"c": {0, 100, 5, false},
		} {
			if l, _ := latestOf(t, db, "r", key); l != want {
				t.Errorf("latest %s %+v, want %+v", key, l, want)
			}
		}
		if n := countRows(t, db, "latest_metrics"); n != 3 {
			t.Fatalf("%d latest rows, want 3", n)
		}
	})

	// Many keys: more than one 500-key lookup batch, some keys new, some not.
	t.Run("many keys", func(t *testing.T) {
		db, _ := openTemp(t)
		mustRun(t, db, "r")
		var first, second []Metric
		for i := range 700 {
			first = append(first, Metric{fmt.Sprintf("k%03d", i), float64(i), 1, 1})
		}
		for i := 300; i < 1000; i++ {
			second = append(second, Metric{fmt.Sprintf("k%03d", i), float64(-i), 2, 2})
		}
		mustLog(t, db, "r", first...)
		mustLog(t, db, "r", second...)
		if n := countRows(t, db, "latest_metrics"); n != 1000 {
			t.Fatalf("%d latest rows, want 1000", n)
		}
		for _, i := range []int{0, 299, 300, 699, 700, 999} {
			key := fmt.Sprintf("k%03d", i)
			want := latestState{float64(i), 1, 1, false}
			if i >= 300 {
				want = latestState{float64(-i), 2, 2, false}
			}
			if l, _ := latestOf(t, db, "r", key); l != want {
				t.Errorf("latest %s %+v, want %+v", key, l, want)
			}
		}
	})
}

func TestLatestSorted(t *testing.T) {
	db, _ := openTemp(t)
	values := map[string]float64{
		"r1": 0.5, "r2": 0.9, "r3": math.NaN(), "r4": 0.9, "r5": -1, "r6": 0.1,
	}
	for run, v := range values {
		mustRun(t, db, run)
		mustLog(t, db, run, Metric{"acc", v, 1, 1}, Metric{"loss", -v, 1, 1})
	}
	mustRun(t, db, "r7") // no acc at all
	mustLog(t, db, "r7", Metric{"loss", 3, 1, 1})
	// A later step replaces r6's latest.
	mustLog(t, db, "r6", Metric{"acc", 0.95, 1, 2})

	all, err := db.LatestSorted("acc", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantRuns := []string{"r6", "r2", "r4", "r1", "r5", "r3"}
	wantVals := []float64{0.95, 0.9, 0.9, 0.5, -1, math.NaN()}
	if len(all) != len(wantRuns) {
		t.Fatalf("got %v", all)
	}
	for i, l := range all {
		if l.RunUUID != wantRuns[i] || !(l.Value == wantVals[i] || math.IsNaN(l.Value) && math.IsNaN(wantVals[i])) {
			t.Fatalf("row %d: %+v, want %s %v (all %v)", i, l, wantRuns[i], wantVals[i], all)
		}
	}
	top, err := db.LatestSorted("acc", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 2 || top[0].RunUUID != "r6" || top[1].RunUUID != "r2" {
		t.Fatalf("top 2: %v", top)
	}
	if neg, _ := db.LatestSorted("acc", -3); len(neg) != 6 {
		t.Fatalf("limit -3 gave %d rows", len(neg))
	}
	if none, err := db.LatestSorted("nope", 5); err != nil || len(none) != 0 {
		t.Fatalf("unknown key: %v, %v", none, err)
	}
	loss, _ := db.LatestSorted("loss", 1)
	if len(loss) != 1 || loss[0].RunUUID != "r7" || loss[0].Value != 3 {
		t.Fatalf("loss top: %v", loss)
	}
}

func TestErrors(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.LogBatch("missing", []Metric{{"k", 1, 1, 1}}); !errors.Is(err, ErrRunNotFound) {
		t.Fatalf("unknown run: %v", err)
	}
	mustRun(t, db, "r")
	if err := db.CreateRun("r", "again", "0"); err == nil {
		t.Fatal("duplicate run created")
	}
	if err := db.LogBatch("r", []Metric{{strings.Repeat("x", MaxKeyLength+1), 1, 1, 1}}); err == nil {
		t.Fatal("long key accepted")
	}
	if err := db.LogBatch("r", []Metric{{"", 1, 1, 1}}); err == nil {
		t.Fatal("empty key accepted")
	}
	if _, err := db.sql.Exec(`UPDATE runs SET lifecycle_stage = 'deleted' WHERE run_uuid = 'r'`); err != nil {
		t.Fatal(err)
	}
	if err := db.LogBatch("r", []Metric{{"k", 1, 1, 1}}); !errors.Is(err, ErrRunNotActive) {
		t.Fatalf("deleted run: %v", err)
	}
	if n := countRows(t, db, "metrics"); n != 0 {
		t.Fatalf("%d rows written by failed batches", n)
	}
	// Foreign keys are enforced, as in MLflow's sessions.
	if _, err := db.sql.Exec(`INSERT INTO metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES ('k', 1, 1, 1, 0, 'ghost')`); !isIntegrityError(err) {
		t.Fatalf("metric of a missing run: %v", err)
	}
}

func TestBigBatch(t *testing.T) {
	// More than MLflow's REST limit of 1000 metrics: accepted, one commit.
	db, _ := openTemp(t)
	mustRun(t, db, "r")
	big := make([]Metric, 2*MaxMetricsPerBatch+500)
	for i := range big {
		big[i] = Metric{fmt.Sprintf("k%d", i%7), float64(i), int64(i), int64(i / 7)}
	}
	mustLog(t, db, "r", big...)
	if n := countRows(t, db, "metrics"); n != len(big) {
		t.Fatalf("%d rows, want %d", n, len(big))
	}
	if l, _ := latestOf(t, db, "r", "k0"); l != (latestState{2499, 2499, 357, false}) {
		t.Fatalf("latest k0 %+v", l)
	}
}

func TestLogBatches(t *testing.T) {
	db, _ := openTemp(t)
	var runs []string
	var batches [][]Metric
	for i := range 50 {
		run := fmt.Sprintf("run%02d", i)
		mustRun(t, db, run)
		runs = append(runs, run)
		batches = append(batches, []Metric{{"acc", float64(i), 1, 1}, {"acc", float64(i) / 2, 2, 2}})
	}
	if err := db.LogBatches(runs, batches); err != nil {
		t.Fatal(err)
	}
	top, err := db.LatestSorted("acc", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 3 || top[0] != (Latest{"run49", 24.5}) || top[2] != (Latest{"run47", 23.5}) {
		t.Fatalf("top 3 %v", top)
	}

	// Already-logged points: the one transaction fails, then each batch is
	// logged alone with MLflow's fallback.
	batches[3] = append(batches[3], Metric{"acc", 100, 3, 3})
	if err := db.LogBatches(runs, batches); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, "metrics"); n != 101 {
		t.Fatalf("%d rows, want 101", n)
	}
	if top, _ := db.LatestSorted("acc", 1); top[0] != (Latest{"run03", 100}) {
		t.Fatalf("top %v", top)
	}

	// An unknown run fails the whole transaction.
	err = db.LogBatches([]string{"run00", "ghost"}, [][]Metric{{{"new", 1, 5, 5}}, {{"new", 1, 5, 5}}})
	if !errors.Is(err, ErrRunNotFound) {
		t.Fatalf("unknown run: %v", err)
	}
	if pts, _ := db.History("run00", "new"); len(pts) != 0 {
		t.Fatalf("partial write: %v", pts)
	}
	if err := db.LogBatches([]string{"a"}, nil); err == nil {
		t.Fatal("mismatched lengths accepted")
	}
}

func TestSize(t *testing.T) {
	db, path := openTemp(t)
	empty, err := db.Size()
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, db, "r")
	var ms []Metric
	for step := range 100 {
		for k := range 10 {
			ms = append(ms, Metric{fmt.Sprintf("metric_%d", k), float64(step) * 0.1, int64(1_700_000_000_000 + step), int64(step)})
		}
	}
	mustLog(t, db, "r", ms...)
	full, err := db.Size()
	if err != nil {
		t.Fatal(err)
	}
	if full <= empty {
		t.Fatalf("size %d after 1000 points, %d empty", full, empty)
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 0 {
		t.Fatalf("WAL holds %d bytes after the checkpoint", fi.Size())
	}
	main, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if main.Size() > full {
		t.Fatalf("database file %d bigger than Size %d", main.Size(), full)
	}
	t.Logf("empty %d bytes, 1000 points %d bytes", empty, full)
}

func TestConcurrent(t *testing.T) {
	db, _ := openTemp(t)
	const runs, batches = 4, 5
	for r := range runs {
		mustRun(t, db, fmt.Sprintf("run%d", r))
	}
	var wg sync.WaitGroup
	errs := make(chan error, runs*2)
	for r := range runs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			run := fmt.Sprintf("run%d", r)
			for b := range batches {
				var ms []Metric
				for s := range 20 {
					step := int64(b*20 + s)
					// keys vary per run so the cached IN statements vary too
					for k := range r + 1 {
						ms = append(ms, Metric{fmt.Sprintf("k%d", k), float64(step), step, step})
					}
				}
				if err := db.LogBatch(run, ms); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range batches {
				if _, err := db.History(fmt.Sprintf("run%d", r), "k0"); err != nil {
					errs <- err
					return
				}
				if _, err := db.LatestSorted("k0", 2); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for r := range runs {
		pts, err := db.History(fmt.Sprintf("run%d", r), "k0")
		if err != nil || len(pts) != batches*20 {
			t.Fatalf("run%d: %d points, %v", r, len(pts), err)
		}
	}
	top, _ := db.LatestSorted("k0", 0)
	if len(top) != runs || top[0].Value != batches*20-1 {
		t.Fatalf("latest k0: %v", top)
	}
}
