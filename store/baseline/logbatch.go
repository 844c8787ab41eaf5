package baseline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
)

// row is a metric as MLflow's _log_metrics turns it into a SqlMetric.
type row struct {
	key   string
	value float64 // as stored: 0 for NaN, ±math.MaxFloat64 for ±Inf
	ts    int64
	step  int64
	isNaN bool
}

// sanitize is SqlAlchemyStore.sanitize_metric_value: NaN is stored as 0 with
// is_nan set, ±Inf as ±1.7976931348623157e308 (SQL cannot hold infinities).
func sanitize(v float64) (stored float64, isNaN bool) {
	switch {
	case math.IsNaN(v):
		return 0, true
	case math.IsInf(v, 1):
		return math.MaxFloat64, false
	case math.IsInf(v, -1):
		return -math.MaxFloat64, false
	}
	return v, false
}

// metricID is equality of mlflow.entities.Metric: key, value, timestamp and
// step, with Python float equality (0.0 == -0.0), except that here NaN equals
// NaN (see LogBatch).
type metricID struct {
	key      string
	value    float64
	nan      bool
	ts, step int64
}

func idOf(key string, v float64, ts, step int64) metricID {
	if math.IsNaN(v) {
		return metricID{key: key, nan: true, ts: ts, step: step}
	}
	if v == 0 {
		v = 0 // -0 → +0
	}
	return metricID{key: key, value: v, ts: ts, step: step}
}

// entityID is the identity of a SqlMetric's to_mlflow_entity(): the stored
// value, or NaN when is_nan.
func (r row) entityID() metricID {
	if r.isNaN {
		return idOf(r.key, math.NaN(), r.ts, r.step)
	}
	return idOf(r.key, r.value, r.ts, r.step)
}

// LogBatch is MLflow's log_batch restricted to metrics (SqlAlchemyStore
// .log_batch → _log_metrics → _update_latest_metrics_if_necessary), sending
// the statements MLflow's SQLAlchemy session sends, in the same order, in one
// transaction:
//
//  1. SELECT the run (_get_run) and fail unless it exists and is active.
//  2. INSERT every metric row: one prepared single-row INSERT executed once
//     per row, which is what SQLAlchemy's executemany flush of add_all becomes
//     on SQLite (pysqlite executemany steps one prepared statement). MLflow's
//     autoflush sends these before the latest_metrics queries.
//  3. For each batch of 500 entries of the batch's key list (duplicates
//     included, as MLflow builds it): SELECT the keys present in
//     latest_metrics for the run, then, if any, SELECT those rows.
//  4. Compare each metric, in batch order, with the run's latest row for its
//     key (or with the row this batch already created) and take it when
//     (step, timestamp, value) is strictly greater, on stored values (a NaN
//     counts as 0).
//  5. UPDATE the latest rows that changed, INSERT the new ones, COMMIT.
//
// Before that, as _log_metrics does, exact duplicates within the batch (same
// key, value, timestamp and step) are dropped, keeping the first.
//
// When the transaction hits a constraint violation (a point already logged by
// an earlier batch: metrics' primary key covers every column), MLflow rolls
// back, reads the run's history for the batch's keys (100 keys per query),
// and logs again only the metrics not already there; so does LogBatch, in one
// retry transaction. A conflict in the retry is returned as an error.
//
// Two departures from MLflow, both in edge cases of duplicates. MLflow's
// Python dedup and retry never find a NaN equal to another NaN (NaN != NaN),
// so a repeated NaN point makes its log_batch fail with an IntegrityError;
// here NaN equals NaN, so a repeated NaN point is dropped like any other
// duplicate. And MLflow's retry inserts once per 100-key lookup batch, which
// can fail for batches with more than 100 metrics; the retry here looks up
// all keys first and inserts once.
//
// LogBatch refuses keys that are empty or longer than MaxKeyLength, but not
// batches longer than MaxMetricsPerBatch (see there).
func (db *DB) LogBatch(runUUID string, metrics []Metric) error {
	ctx := context.Background()
	rows, err := toRows(metrics)
	if err != nil {
		return err
	}
	err = db.logInOneTx(ctx, []string{runUUID}, [][]row{rows})
	if err == nil || !isIntegrityError(err) {
		return err
	}
	logged, herr := db.loggedPoints(ctx, runUUID, rows)
	if herr != nil {
		return errors.Join(err, herr)
	}
	rest := rows[:0:0]
	for _, r := range rows {
		if _, ok := logged[r.entityID()]; !ok {
			rest = append(rest, r)
		}
	}
	return db.logInOneTx(ctx, []string{runUUID}, [][]row{rest})
}

// LogBatches is setup, not a measurement: it does for each runs[i] what
// LogBatch(runs[i], batches[i]) does, statement for statement, but all in one
// transaction, so a fixture of many runs costs one commit rather than one per
// batch (MLflow has no such call: each log_batch commits). If the transaction
// hits a constraint violation it is rolled back and the batches are logged one
// by one with LogBatch.
func (db *DB) LogBatches(runs []string, batches [][]Metric) error {
	if len(runs) != len(batches) {
		return fmt.Errorf("baseline: %d runs for %d batches", len(runs), len(batches))
	}
	rows := make([][]row, len(batches))
	for i, b := range batches {
		var err error
		if rows[i], err = toRows(b); err != nil {
			return fmt.Errorf("baseline: batch %d: %w", i, err)
		}
	}
	err := db.logInOneTx(context.Background(), runs, rows)
	if err == nil || !isIntegrityError(err) {
		return err
	}
	for i := range runs {
		if err := db.LogBatch(runs[i], batches[i]); err != nil {
			return fmt.Errorf("baseline: batch %d: %w", i, err)
		}
	}
	return nil
}

// toRows validates the keys, drops exact duplicates (keeping the first) and
// sanitizes the values, as _log_metrics builds its SqlMetric list.
func toRows(metrics []Metric) ([]row, error) {
	rows := make([]row, 0, len(metrics))
	seen := make(map[metricID]struct{}, len(metrics))
	for i, m := range metrics {
		if m.Key == "" || len(m.Key) > MaxKeyLength {
			return nil, fmt.Errorf("baseline: metrics[%d]: key %q must have 1 to %d bytes", i, m.Key, MaxKeyLength)
		}
		id := idOf(m.Key, m.Value, m.Timestamp, m.Step)
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		v, nan := sanitize(m.Value)
		rows = append(rows, row{key: m.Key, value: v, ts: m.Timestamp, step: m.Step, isNaN: nan})
	}
	return rows, nil
}

// logInOneTx runs _log_metrics' _insert_metrics, run check included, for
// each run and its rows, in one transaction.
func (db *DB) logInOneTx(ctx context.Context, runs []string, rows [][]row) error {
	plans := make([][]latestChunk, len(rows))
	for i, rs := range rows {
		var err error
		if plans[i], err = db.planLatest(ctx, rs); err != nil {
			return err
		}
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("baseline: begin: %w", err)
	}
	defer tx.Rollback()
	for i, run := range runs {
		if err := db.insertMetrics(ctx, tx, run, rows[i], plans[i]); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("baseline: commit: %w", err)
	}
	return nil
}

// insertMetrics is the body of one _insert_metrics for one run: check the
// run, insert its rows, update its latest_metrics.
func (db *DB) insertMetrics(ctx context.Context, tx *sql.Tx, runUUID string, rows []row, plan []latestChunk) error {
	var id string
	var stage sql.NullString
	err := tx.StmtContext(ctx, db.getRun).QueryRowContext(ctx, runUUID).Scan(&id, &stage)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", ErrRunNotFound, runUUID)
	}
	if err != nil {
		return fmt.Errorf("baseline: get run %s: %w", runUUID, err)
	}
	if stage.String != "active" {
		return fmt.Errorf("%w: %s", ErrRunNotActive, runUUID)
	}

	ins := tx.StmtContext(ctx, db.insertMetric)
	for _, r := range rows {
		if _, err := ins.ExecContext(ctx, r.key, r.value, r.ts, r.step, r.isNaN, runUUID); err != nil {
			return fmt.Errorf("baseline: insert metric %q: %w", r.key, err)
		}
	}
	return db.updateLatestMetrics(ctx, tx, runUUID, rows, plan)
}

// latestRow is a latest_metrics row being compared and perhaps rewritten.
type latestRow struct {
	value float64
	ts    int64
	step  int64
	isNaN bool
	dirty bool
}

// newer is _compare_metrics: (step, timestamp, value) strictly greater.
func newer(r row, l *latestRow) bool {
	if r.step != l.step {
		return r.step > l.step
	}
	if r.ts != l.ts {
		return r.ts > l.ts
	}
	return r.value > l.value
}

func (l *latestRow) overwrite(r row) {
	l.value, l.ts, l.step, l.isNaN = r.value, r.ts, r.step, r.isNaN
}

// latestChunk is one batch of _update_latest_metrics_if_necessary's key
// list, with its two statements prepared ahead of the transaction.
type latestChunk struct {
	keys     []any     // up to latestKeyBatch keys, duplicates included
	distinct int       // distinct keys among them
	keysStmt *sql.Stmt // SELECT key ... IN (len(keys) placeholders)
	rowsStmt *sql.Stmt // SELECT * ... IN (distinct placeholders)
}

// planLatest splits the batch's key list as MLflow does and prepares (or
// finds cached) the statements the transaction will need. MLflow's second
// query lists the keys the first one found, which is not known before the
// transaction; it is prepared here with one placeholder per distinct key of
// the chunk and, when fewer keys were found, the list is padded by repeating
// one of them (which changes nothing in the result). Once a run has all its
// keys, which is every batch after the first, the lists are exactly
// MLflow's.
func (db *DB) planLatest(ctx context.Context, rows []row) ([]latestChunk, error) {
	var plan []latestChunk
	for start := 0; start < len(rows); start += latestKeyBatch {
		batch := rows[start:min(start+latestKeyBatch, len(rows))]
		c := latestChunk{keys: make([]any, len(batch))}
		seen := make(map[string]struct{}, 16)
		for i, r := range batch {
			c.keys[i] = r.key
			seen[r.key] = struct{}{}
		}
		c.distinct = len(seen)
		var err error
		if c.keysStmt, err = db.inStmt(ctx, sqlLatestKeysPrefix, "", len(c.keys)); err != nil {
			return nil, fmt.Errorf("baseline: prepare latest keys: %w", err)
		}
		if c.rowsStmt, err = db.inStmt(ctx, sqlLatestRowsPrefix, sqlLatestRowsSuffix, c.distinct); err != nil {
			return nil, fmt.Errorf("baseline: prepare latest rows: %w", err)
		}
		plan = append(plan, c)
	}
	return plan, nil
}

// updateLatestMetrics is _update_latest_metrics_if_necessary.
func (db *DB) updateLatestMetrics(ctx context.Context, tx *sql.Tx, runUUID string, rows []row, plan []latestChunk) error {
	if len(rows) == 0 {
		return nil
	}
	inDB := map[string]*latestRow{}
	var dbOrder []string
	for _, c := range plan {
		present, err := queryLatestKeys(ctx, tx, c.keysStmt, runUUID, c.keys)
		if err != nil {
			return err
		}
		if len(present) == 0 {
			continue
		}
		args := make([]any, 0, 1+c.distinct)
		args = append(args, runUUID)
		args = append(args, present...)
		for len(args) < 1+c.distinct {
			args = append(args, present[0])
		}
		res, err := tx.StmtContext(ctx, c.rowsStmt).QueryContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("baseline: select latest rows: %w", err)
		}
		for res.Next() {
			var key, run string
			var l latestRow
			if err := res.Scan(&key, &l.value, &l.ts, &l.step, &l.isNaN, &run); err != nil {
				res.Close()
				return fmt.Errorf("baseline: scan latest row: %w", err)
			}
			if _, ok := inDB[key]; !ok {
				dbOrder = append(dbOrder, key)
			}
			inDB[key] = &l
		}
		err = res.Err()
		res.Close()
		if err != nil {
			return fmt.Errorf("baseline: select latest rows: %w", err)
		}
	}

	created := map[string]*latestRow{}
	var createdOrder []string
	for _, r := range rows {
		cur := inDB[r.key]
		nl := created[r.key]
		switch {
		case cur == nil && nl == nil:
			nl = &latestRow{}
			nl.overwrite(r)
			created[r.key] = nl
			createdOrder = append(createdOrder, r.key)
		case cur == nil:
			if newer(r, nl) {
				nl.overwrite(r)
			}
		default:
			if newer(r, cur) {
				cur.overwrite(r)
				cur.dirty = true
			}
		}
	}

	if len(dbOrder) > 0 {
		up := tx.StmtContext(ctx, db.updateLatest)
		for _, k := range dbOrder {
			l := inDB[k]
			if !l.dirty {
				continue
			}
			if _, err := up.ExecContext(ctx, l.value, l.ts, l.step, l.isNaN, k, runUUID); err != nil {
				return fmt.Errorf("baseline: update latest %q: %w", k, err)
			}
		}
	}
	if len(createdOrder) > 0 {
		ins := tx.StmtContext(ctx, db.insertLatest)
		for _, k := range createdOrder {
			l := created[k]
			if _, err := ins.ExecContext(ctx, k, l.value, l.ts, l.step, l.isNaN, runUUID); err != nil {
				return fmt.Errorf("baseline: insert latest %q: %w", k, err)
			}
		}
	}
	return nil
}

// queryLatestKeys is the first latest_metrics query: which of keys the run has.
func queryLatestKeys(ctx context.Context, tx *sql.Tx, st *sql.Stmt, runUUID string, keys []any) ([]any, error) {
	res, err := tx.StmtContext(ctx, st).QueryContext(ctx, append([]any{runUUID}, keys...)...)
	if err != nil {
		return nil, fmt.Errorf("baseline: select latest keys: %w", err)
	}
	defer res.Close()
	var present []any
	for res.Next() {
		var k string
		if err := res.Scan(&k); err != nil {
			return nil, fmt.Errorf("baseline: scan latest key: %w", err)
		}
		present = append(present, k)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("baseline: select latest keys: %w", err)
	}
	return present, nil
}

// loggedPoints is the IntegrityError fallback's history lookup: every point
// the run already has under the keys of rows, as entity identities.
func (db *DB) loggedPoints(ctx context.Context, runUUID string, rows []row) (map[metricID]struct{}, error) {
	var keys []any
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.key] {
			seen[r.key] = true
			keys = append(keys, r.key)
		}
	}
	logged := map[metricID]struct{}{}
	for start := 0; start < len(keys); start += historyKeyBatch {
		batch := keys[start:min(start+historyKeyBatch, len(keys))]
		st, err := db.inStmt(ctx, sqlHistoryOfKeysPrefix, "", len(batch))
		if err != nil {
			return nil, fmt.Errorf("baseline: prepare history of keys: %w", err)
		}
		res, err := st.QueryContext(ctx, append([]any{runUUID}, batch...)...)
		if err != nil {
			return nil, fmt.Errorf("baseline: select history of keys: %w", err)
		}
		for res.Next() {
			var r row
			if err := res.Scan(&r.key, &r.value, &r.ts, &r.step, &r.isNaN); err != nil {
				res.Close()
				return nil, fmt.Errorf("baseline: scan history of keys: %w", err)
			}
			logged[r.entityID()] = struct{}{}
		}
		err = res.Err()
		res.Close()
		if err != nil {
			return nil, fmt.Errorf("baseline: select history of keys: %w", err)
		}
	}
	return logged, nil
}
