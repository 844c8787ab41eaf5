package compare

import (
	"cmp"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"lathe/store"
	"lathe/store/baseline"
	"lathe/store/series"
)

// lathe is lathe's store, written as the engine writes it: one transaction a
// batch, points grouped by series.
type lathe struct {
	path string
	db   *store.DB
}

func openLathe(dir string) (*lathe, error) {
	path := filepath.Join(dir, "lathe.db")
	db, err := store.Open(path, time.Second)
	return &lathe{path: path, db: db}, err
}

func (l *lathe) createRuns(first, n int, exp string) error {
	const perTx = 1000
	for i := first; i < first+n; i += perTx {
		err := l.db.Update(context.Background(), func(tx *store.Tx) error {
			for j := i; j < min(i+perTx, first+n); j++ {
				r := &store.Run{ID: runUUID(j), Name: "run-" + runUUID(j), Experiment: exp, Status: store.Succeeded,
					Command: []string{"python3", "train.py"}, Created: time.Unix(1_732_280_000+int64(j), 0).UTC()}
				if err := tx.CreateRun(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *lathe) ingest(batch []point) error {
	return l.db.Update(context.Background(), func(tx *store.Tx) error { return appendBatch(tx, batch) })
}

func (l *lathe) ingestBulk(batches [][]point) error {
	return l.db.Update(context.Background(), func(tx *store.Tx) error {
		for _, b := range batches {
			if err := appendBatch(tx, b); err != nil {
				return err
			}
		}
		return nil
	})
}

func appendBatch(tx *store.Tx, batch []point) error {
	{
		// A batch holds one run's metrics over a stretch of steps; each
		// series gets its points in one append.
		var pts []series.Point
		for m := 0; ; m++ {
			pts = pts[:0]
			run := -1
			for _, p := range batch {
				if p.metric == m {
					run = p.run
					pts = append(pts, series.Point{Step: p.step, Time: p.timeMS * 1000, Value: p.value})
				}
			}
			if run < 0 {
				return nil
			}
			if err := tx.AppendPoints(runUUID(run), metricName(m), pts); err != nil {
				return err
			}
		}
	}
}

func (l *lathe) history(run, metric int) ([]baseline.Point, error) {
	var out []baseline.Point
	err := l.db.View(func(tx *store.Tx) error {
		pts, err := tx.Series(runUUID(run), metricName(metric))
		out = make([]baseline.Point, len(pts))
		for i, p := range pts {
			out[i] = baseline.Point{Step: p.Step, Timestamp: p.Time / 1000, Value: p.Value}
		}
		return err
	})
	return out, err
}

func (l *lathe) view(run, metric, points int) ([]store.Bucket, error) {
	var out []store.Bucket
	err := l.db.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.SeriesView(runUUID(run), metricName(metric), points)
		return err
	})
	return out, err
}

// latest reads every run's summary of the metric and sorts the last values,
// largest first (NaN last): the store keeps no index of them (the engine
// sorts the summaries it holds in memory), so this is the cost of a sort
// from a cold start.
func (l *lathe) latest(metric, limit int) ([]baseline.Latest, error) {
	var out []baseline.Latest
	name := metricName(metric)
	err := l.db.View(func(tx *store.Tx) error {
		ids, err := tx.RunIDs()
		if err != nil {
			return err
		}
		for _, id := range ids {
			sums, err := tx.Summaries(id)
			if err != nil {
				return err
			}
			if s, ok := sums[name]; ok && s.Count > 0 {
				out = append(out, baseline.Latest{RunUUID: id, Value: float64(s.Last)})
			}
		}
		return nil
	})
	// As MLflow's query orders them: NaN last, then by value, largest
	// first, then by run.
	nanLast := func(v float64) int {
		if math.IsNaN(v) {
			return 1
		}
		return 0
	}
	slices.SortFunc(out, func(a, b baseline.Latest) int {
		if an, bn := nanLast(a.Value), nanLast(b.Value); an+bn > 0 {
			return cmp.Or(cmp.Compare(an, bn), cmp.Compare(a.RunUUID, b.RunUUID))
		}
		return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.RunUUID, b.RunUUID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

func (l *lathe) size() (int64, error) {
	fi, err := os.Stat(l.path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (l *lathe) close() error { return l.db.Close() }

// sqlite is MLflow's schema on SQLite, written as MLflow's log_batch does.
type sqlite struct{ db *baseline.DB }

func openSQLite(dir string) (*sqlite, error) {
	db, err := baseline.Open(filepath.Join(dir, "mlflow.db"))
	return &sqlite{db: db}, err
}

func (s *sqlite) createRuns(first, n int, exp string) error {
	for j := first; j < first+n; j++ {
		if err := s.db.CreateRun(runUUID(j), "run-"+runUUID(j), exp); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlite) ingest(batch []point) error {
	return s.db.LogBatch(runUUID(batch[0].run), metrics(batch))
}

func (s *sqlite) ingestBulk(batches [][]point) error {
	runs := make([]string, len(batches))
	ms := make([][]baseline.Metric, len(batches))
	for i, b := range batches {
		runs[i], ms[i] = runUUID(b[0].run), metrics(b)
	}
	return s.db.LogBatches(runs, ms)
}

func metrics(batch []point) []baseline.Metric {
	ms := make([]baseline.Metric, len(batch))
	for i, p := range batch {
		ms[i] = baseline.Metric{Key: metricName(p.metric), Value: p.value, Timestamp: p.timeMS, Step: p.step}
	}
	return ms
}

func (s *sqlite) history(run, metric int) ([]baseline.Point, error) {
	return s.db.History(runUUID(run), metricName(metric))
}

// view is what a chart of a 1M-point series costs without chunk summaries:
// read the history, then bucket it.
func (s *sqlite) view(run, metric, points int) ([]store.Bucket, error) {
	pts, err := s.history(run, metric)
	if err != nil {
		return nil, err
	}
	per := (len(pts) + points - 1) / points
	var out []store.Bucket
	for i := 0; i < len(pts); i += per {
		seg := pts[i:min(i+per, len(pts))]
		b := store.Bucket{FirstStep: seg[0].Step, LastStep: seg[len(seg)-1].Step, Count: len(seg),
			Min: math.Inf(1), Max: math.Inf(-1), Last: seg[len(seg)-1].Value}
		for _, p := range seg {
			b.Min, b.Max = math.Min(b.Min, p.Value), math.Max(b.Max, p.Value)
			b.Mean += p.Value / float64(len(seg))
		}
		out = append(out, b)
	}
	return out, nil
}

func (s *sqlite) latest(metric, limit int) ([]baseline.Latest, error) {
	return s.db.LatestSorted(metricName(metric), limit)
}

func (s *sqlite) size() (int64, error) { return s.db.Size() }
func (s *sqlite) close() error         { return s.db.Close() }
