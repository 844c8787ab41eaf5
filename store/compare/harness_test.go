package compare

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"lathe/store"
	"lathe/store/baseline"
)

// side is one store under measurement.
type side interface {
	createRuns(first, n int, exp string) error
	ingest(batch []point) error
	// ingestBulk writes batches in one transaction: setup, not measured.
	ingestBulk(batches [][]point) error
	history(run, metric int) ([]baseline.Point, error)
	view(run, metric, points int) ([]store.Bucket, error)
	latest(metric, limit int) ([]baseline.Latest, error)
	size() (int64, error)
	close() error
}

// plan is what a measurement writes and reads.
type plan struct {
	main      workload // the ingest measured at main.batch points a commit
	wide      workload // measured at wide.batch points a commit, into fresh stores
	manyRuns  int      // runs with a last "loss" value, for the sorted table
	longSteps int      // points of the one long series
	view      int      // points of a chart of the long series
	top       int      // rows of the top of the sorted table
	checkAll  bool     // compare every series, not a sample
	binary    string   // lathe binary for the end-to-end listing ("" to skip)
}

// result holds one number of each side; for lathe-only numbers sql is 0.
// id names it in benchmark output (make bench's table knows the ids).
type result struct {
	id, name   string
	lathe, sql float64
	unit       string
}

// measure runs the plan on both sides and checks they agree.
func measure(dir string, p plan, logf func(string, ...any)) ([]result, error) {
	var out []result
	add := func(id, name string, l, s float64, unit string) {
		out = append(out, result{id, name, l, s, unit})
		logf("%-32s lathe %12.4g   sqlite %12.4g   %s", name, l, s, unit)
	}
	sides, err := openBoth(filepath.Join(dir, "main"))
	if err != nil {
		return nil, err
	}
	defer closeAll(sides)

	// 1. Ingest, durable, main.batch points a commit.
	took, err := timeIngest(sides, p.main, "bench")
	if err != nil {
		return nil, err
	}
	if err := sameHistories(sides, p.main, p.checkAll); err != nil {
		return nil, err
	}
	n := float64(p.main.points())
	add("ingest-main", fmt.Sprintf("ingest %d/commit", p.main.batch), n/took[0].Seconds(), n/took[1].Seconds(), "points/s")
	var sizes [2]int64
	for i, s := range sides {
		if sizes[i], err = s.size(); err != nil {
			return nil, err
		}
	}
	add("size", "size on disk", float64(sizes[0])/n, float64(sizes[1])/n, "bytes/point")

	// 2. Ingest at wide.batch points a commit, into fresh stores.
	wide, err := openBoth(filepath.Join(dir, "wide"))
	if err != nil {
		return nil, err
	}
	if took, err = timeIngest(wide, p.wide, "wide"); err != nil {
		return nil, err
	}
	if err := sameHistories(wide, p.wide, p.checkAll); err != nil {
		return nil, err
	}
	closeAll(wide)
	n = float64(p.wide.points())
	add("ingest-wide", fmt.Sprintf("ingest %d/commit", p.wide.batch), n/took[0].Seconds(), n/took[1].Seconds(), "points/s")

	// 3. History of one metric: a 10k-point series (of the main runs), a
	// long one, and a chart of the long one.
	long := workload{runs: 1, metrics: 1, steps: p.longSteps, batch: 10_000}
	longRun := p.main.runs
	for _, s := range sides {
		if err := s.createRuns(longRun, 1, "long"); err != nil {
			return nil, err
		}
		var ierr error
		long.batches(func(b []point) bool {
			shifted := make([]point, len(b))
			for i, pt := range b {
				pt.run = longRun
				shifted[i] = pt
			}
			ierr = s.ingest(shifted)
			return ierr == nil
		})
		if ierr != nil {
			return nil, ierr
		}
	}
	if err := sameSeries(sides, longRun, 0); err != nil {
		return nil, err
	}
	for _, h := range []struct {
		id, name string
		run, rep int
	}{{"history-short", fmt.Sprintf("history of %d points", p.main.steps), 0, 21},
		{"history-long", fmt.Sprintf("history of %d points", p.longSteps), longRun, 5}} {
		var t [2]float64
		for i, s := range sides {
			t[i] = medianMS(h.rep, func() error { _, err := s.history(h.run, 0); return err })
		}
		add(h.id, h.name, t[0], t[1], "ms")
	}
	if err := sameView(sides, longRun, p.view); err != nil {
		return nil, err
	}
	var tv [2]float64
	for i, s := range sides {
		tv[i] = medianMS(21, func() error { _, err := s.view(longRun, 0, p.view); return err })
	}
	add("chart", fmt.Sprintf("%d-point chart of %d points", p.view, p.longSteps), tv[0], tv[1], "ms")

	// 4. The runs table sorted by a metric: every run's last loss.
	for _, s := range sides {
		if err := s.createRuns(longRun+1, p.manyRuns, "sweep"); err != nil {
			return nil, err
		}
		for first := 0; first < p.manyRuns; first += 5000 {
			if err := ingestLast(s, longRun+1+first, min(5000, p.manyRuns-first)); err != nil {
				return nil, err
			}
		}
	}
	if err := sameLatest(sides, 0); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		id, name string
		limit    int
	}{{"sort-all", fmt.Sprintf("sort %d runs by last loss", p.manyRuns+p.main.runs+1), 0},
		{"sort-top", fmt.Sprintf("top %d runs by last loss", p.top), p.top}} {
		// lathe answers this from the engine's in-memory catalogue, not
		// from the store (engine's BenchmarkSortRuns100k times that): here
		// lathe's store only checks SQLite's answer, and SQLite is timed.
		t := medianMS(11, func() error { _, err := sides[1].latest(0, l.limit); return err })
		add(l.id, l.name, math.NaN(), t, "ms")
	}

	// 5. Opening the whole store, and the first listing end to end.
	lathePath := sides[0].(*lathe).path
	closeAll(sides)
	tOpen := medianMS(5, func() error {
		db, err := store.Open(lathePath, time.Second)
		if err == nil {
			db.Close()
		}
		return err
	})
	add("open", "open the store", tOpen, 0, "ms")
	if p.binary != "" {
		ms, err := firstListing(p.binary, filepath.Dir(lathePath))
		if err != nil {
			return nil, err
		}
		add("first-listing", "first `lathe runs --limit 50`", ms, 0, "ms")
	}
	return out, nil
}

// timeIngest creates the runs of w on each side and times the ingest of its
// points.
func timeIngest(sides []side, w workload, exp string) ([2]time.Duration, error) {
	var took [2]time.Duration
	for i, s := range sides {
		if err := s.createRuns(0, w.runs, exp); err != nil {
			return took, err
		}
		start := time.Now()
		var err error
		w.batches(func(b []point) bool { err = s.ingest(b); return err == nil })
		if err != nil {
			return took, err
		}
		took[i] = time.Since(start)
	}
	return took, nil
}

func openBoth(dir string) ([]side, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l, err := openLathe(dir)
	if err != nil {
		return nil, err
	}
	s, err := openSQLite(dir)
	if err != nil {
		l.close()
		return nil, err
	}
	return []side{l, s}, nil
}

func closeAll(sides []side) {
	for _, s := range sides {
		s.close()
	}
}

// ingestLast logs one "loss" value for each of n runs.
func ingestLast(s side, first, n int) error {
	c := newCurve(uint64(first))
	batches := make([][]point, 0, n)
	for r := first; r < first+n; r++ {
		batches = append(batches, []point{{run: r, metric: 0, step: 1, timeMS: 1_732_280_000_000, value: c.next() + float64(r%997)/1000}})
	}
	return s.ingestBulk(batches)
}

// medianMS times f rep times and returns the median, in milliseconds.
func medianMS(rep int, f func() error) float64 {
	ts := make([]float64, 0, rep)
	for range rep {
		start := time.Now()
		if err := f(); err != nil {
			return math.NaN()
		}
		ts = append(ts, float64(time.Since(start).Nanoseconds())/1e6)
	}
	slices.Sort(ts)
	return ts[len(ts)/2]
}

func sameHistories(sides []side, w workload, all bool) error {
	for r := range w.runs {
		for m := range w.metrics {
			if !all && (r*w.metrics+m)%37 != 0 {
				continue
			}
			if err := sameSeries(sides, r, m); err != nil {
				return err
			}
		}
	}
	return nil
}

func sameSeries(sides []side, run, metric int) error {
	a, err := sides[0].history(run, metric)
	if err != nil {
		return err
	}
	b, err := sides[1].history(run, metric)
	if err != nil {
		return err
	}
	if len(a) != len(b) {
		return fmt.Errorf("run %d metric %d: lathe has %d points, sqlite %d", run, metric, len(a), len(b))
	}
	for i := range a {
		if a[i].Step != b[i].Step || a[i].Timestamp != b[i].Timestamp || math.Float64bits(a[i].Value) != math.Float64bits(b[i].Value) {
			return fmt.Errorf("run %d metric %d point %d: lathe %+v, sqlite %+v", run, metric, i, a[i], b[i])
		}
	}
	return nil
}

func sameView(sides []side, run, points int) error {
	a, err := sides[0].view(run, 0, points)
	if err != nil {
		return err
	}
	b, err := sides[1].view(run, 0, points)
	if err != nil {
		return err
	}
	// The two bucket differently (lathe by chunk); both must cover every
	// point and find the same extremes.
	count := func(v []store.Bucket) (n int, lo, hi float64) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, x := range v {
			n += x.Count
			lo, hi = math.Min(lo, x.Min), math.Max(hi, x.Max)
		}
		return
	}
	na, loa, hia := count(a)
	nb, lob, hib := count(b)
	if na != nb || loa != lob || hia != hib || len(a) > points || len(b) > points {
		return fmt.Errorf("views differ: lathe %d points in %d buckets [%v, %v], sqlite %d in %d [%v, %v]", na, len(a), loa, hia, nb, len(b), lob, hib)
	}
	return nil
}

func sameLatest(sides []side, metric int) error {
	a, err := sides[0].latest(metric, 0)
	if err != nil {
		return err
	}
	b, err := sides[1].latest(metric, 0)
	if err != nil {
		return err
	}
	if len(a) != len(b) {
		return fmt.Errorf("latest: lathe %d runs, sqlite %d", len(a), len(b))
	}
	// Runs with equal values may come in either order; the values in
	// order, and each run's value, must agree.
	byRun := map[string]float64{}
	for i := range a {
		if a[i].Value != b[i].Value {
			return fmt.Errorf("latest position %d: lathe %v, sqlite %v", i, a[i], b[i])
		}
		byRun[b[i].RunUUID] = b[i].Value
	}
	for _, x := range a {
		if v, ok := byRun[x.RunUUID]; !ok || v != x.Value {
			return fmt.Errorf("latest of run %s: lathe %v, sqlite %v", x.RunUUID, x.Value, v)
		}
	}
	return nil
}

// firstListing times `lathe runs --limit 50` on a data directory with no
// engine running: the engine's start, the store's opening and the listing.
func firstListing(bin, home string) (float64, error) {
	env := append(os.Environ(), "LATHE_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	defer func() {
		stop := exec.Command(bin, "engine", "stop")
		stop.Env = env
		stop.Run()
	}()
	start := time.Now()
	cmd := exec.Command(bin, "runs", "--limit", "50")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("lathe runs: %v: %s", err, out)
	}
	return float64(time.Since(start).Nanoseconds()) / 1e6, nil
}
