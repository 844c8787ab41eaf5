package baseline

import (
	"fmt"
	"math"
)

// History is MLflow's get_metric_history(run_id, key) without paging: every
// point of one metric of one run, ORDER BY timestamp, step, value, as MLflow
// orders it (so points are in time order, not step order, when the two
// disagree). A NaN point reads back as math.NaN(); an infinite one as
// ±math.MaxFloat64. An unknown run or key gives no points and no error, as in
// MLflow.
func (db *DB) History(runUUID, key string) ([]Point, error) {
	res, err := db.history.Query(runUUID, key, -1, 0)
	if err != nil {
		return nil, fmt.Errorf("baseline: history: %w", err)
	}
	defer res.Close()
	var pts []Point
	for res.Next() {
		var k, run string
		var p Point
		var isNaN bool
		if err := res.Scan(&k, &p.Value, &p.Timestamp, &p.Step, &isNaN, &run); err != nil {
			return nil, fmt.Errorf("baseline: history: %w", err)
		}
		if isNaN {
			p.Value = math.NaN()
		}
		pts = append(pts, p)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("baseline: history: %w", err)
	}
	return pts, nil
}

// LatestSorted is what a runs table sorted by a metric column asks of
// MLflow (search_runs with order_by ["metrics.`key` DESC"]), reduced to its
// latest_metrics side: every run's latest value of key, NaN values last (as
// MLflow's CASE WHEN is_nan clause puts them), then by value descending, then
// by run_uuid; at most limit rows, all when limit <= 0. MLflow breaks value
// ties by runs.start_time DESC before run_uuid; this does not join runs.
func (db *DB) LatestSorted(key string, limit int) ([]Latest, error) {
	lim := int64(limit)
	if limit <= 0 {
		lim = -1
	}
	res, err := db.latestSorted.Query(key, lim)
	if err != nil {
		return nil, fmt.Errorf("baseline: latest sorted: %w", err)
	}
	defer res.Close()
	var out []Latest
	for res.Next() {
		var l Latest
		var isNaN bool
		if err := res.Scan(&l.RunUUID, &l.Value, &isNaN); err != nil {
			return nil, fmt.Errorf("baseline: latest sorted: %w", err)
		}
		if isNaN {
			l.Value = math.NaN()
		}
		out = append(out, l)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("baseline: latest sorted: %w", err)
	}
	return out, nil
}
