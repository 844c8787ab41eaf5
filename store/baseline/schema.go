package baseline

// The DDL below is what MLflow's alembic migrations produce on SQLite, as
// dumped in MLflow's tests/db/schemas/sqlite.sql (current as of the 2026
// migrations), restricted to the three tables this package needs. The models
// are SqlRun, SqlMetric and SqlLatestMetric in
// mlflow/store/tracking/dbmodels/models.py; the migrations that shaped them:
//
//   - 451aebb31d03_add_metric_step: metrics.step BIGINT NOT NULL DEFAULT '0'
//     joins the primary key.
//   - 89d4b8295536_create_latest_metrics_table: latest_metrics with
//     PRIMARY KEY (key, run_uuid).
//   - 39d1c3be5f05_add_is_nan_constraint_for_metrics_tables_if_necessary:
//     is_nan BOOLEAN with CHECK (is_nan IN (0, 1)); metrics' primary key
//     becomes (key, timestamp, step, run_uuid, value, is_nan).
//   - bd07f7e963c5_create_index_on_run_uuid: index_metrics_run_uuid and
//     index_latest_metrics_run_uuid.
//   - a5b4c3d2e1f0_add_metrics_run_key_step_index:
//     index_metrics_run_uuid_key_step (run_uuid, key, step).
//
// None of the tables is WITHOUT ROWID: a composite primary key on a rowid
// table is an extra automatic unique index (sqlite_autoindex_metrics_1) beside
// the table b-tree, exactly as in an MLflow database.
//
// runs keeps only the columns lathe's harness needs (MLflow's table also has
// source_type, source_name, entry_point_name, user_id, end_time,
// source_version, artifact_uri and deleted_time, and a foreign key to
// experiments, which is left out because there is no experiments table). Runs
// are few, so the missing columns do not change what the benchmarks measure.

const ddlRuns = `CREATE TABLE IF NOT EXISTS runs (
	run_uuid VARCHAR(32) NOT NULL,
	name VARCHAR(250),
	status VARCHAR(9),
	start_time BIGINT,
	lifecycle_stage VARCHAR(20),
	experiment_id INTEGER,
	CONSTRAINT run_pk PRIMARY KEY (run_uuid),
	CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')),
	CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED'))
)`

const ddlLatestMetrics = `CREATE TABLE IF NOT EXISTS latest_metrics (
	key VARCHAR(250) NOT NULL,
	value FLOAT NOT NULL,
	timestamp BIGINT,
	step BIGINT NOT NULL,
	is_nan BOOLEAN NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	CONSTRAINT latest_metric_pk PRIMARY KEY (key, run_uuid),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid),
	CHECK (is_nan IN (0, 1))
)`

const ddlLatestMetricsIndex = `CREATE INDEX IF NOT EXISTS index_latest_metrics_run_uuid ON latest_metrics (run_uuid)`

const ddlMetrics = `CREATE TABLE IF NOT EXISTS metrics (
	key VARCHAR(250) NOT NULL,
	value FLOAT NOT NULL,
	timestamp BIGINT NOT NULL,
	run_uuid VARCHAR(32) NOT NULL,
	step BIGINT DEFAULT '0' NOT NULL,
	is_nan BOOLEAN DEFAULT '0' NOT NULL,
	CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan),
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid),
	CHECK (is_nan IN (0, 1))
)`

const ddlMetricsIndex = `CREATE INDEX IF NOT EXISTS index_metrics_run_uuid ON metrics (run_uuid)`

const ddlMetricsKeyStepIndex = `CREATE INDEX IF NOT EXISTS index_metrics_run_uuid_key_step ON metrics (run_uuid, key, step)`

func schema(o Options) []string {
	s := []string{ddlRuns, ddlLatestMetrics, ddlLatestMetricsIndex, ddlMetrics, ddlMetricsIndex}
	if !o.WithoutKeyStepIndex {
		s = append(s, ddlMetricsKeyStepIndex)
	}
	return s
}

// The statements MLflow's SQLAlchemy store sends, as SQLAlchemy 2 compiles
// them for SQLite (column order is the mapped classes' column order). The
// ...Prefix ones end in an IN list that inStmt completes with "?, ?, …, ?)"
// and the suffix, if any, one statement per list length, as SQLAlchemy
// renders an expanding IN parameter.
const (
	// SqlAlchemyStore._get_run (non-eager), then _check_run_is_active.
	sqlGetRun = `SELECT runs.run_uuid, runs.lifecycle_stage FROM runs WHERE runs.run_uuid = ?`

	// _log_metrics: session.add_all(SqlMetric...) flushed by the unit of work
	// as one executemany of a single-row INSERT (no RETURNING is needed: every
	// primary-key column is supplied), i.e. one prepared statement stepped
	// once per row.
	sqlInsertMetric = `INSERT INTO metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)`

	// _update_latest_metrics_if_necessary, for each batch of up to 500 keys
	// (the batch's key list, duplicates included): first the keys present ...
	sqlLatestKeysPrefix = `SELECT latest_metrics.key FROM latest_metrics WHERE latest_metrics.run_uuid = ? AND latest_metrics.key IN (`
	// ... then those rows, "FOR UPDATE" (which the SQLite dialect drops). See
	// planLatest for the length of its IN list.
	sqlLatestRowsPrefix = `SELECT latest_metrics.key, latest_metrics.value, latest_metrics.timestamp, latest_metrics.step, latest_metrics.is_nan, latest_metrics.run_uuid FROM latest_metrics WHERE latest_metrics.run_uuid = ? AND latest_metrics.key IN (`
	sqlLatestRowsSuffix = ` ORDER BY latest_metrics.run_uuid, latest_metrics.key`

	// The flush at commit: changed SqlLatestMetric rows become UPDATEs, new
	// ones an executemany INSERT. (SQLAlchemy sets only the columns that
	// changed; this always sets all four.)
	sqlUpdateLatest = `UPDATE latest_metrics SET value=?, timestamp=?, step=?, is_nan=? WHERE latest_metrics.key = ? AND latest_metrics.run_uuid = ?`
	sqlInsertLatest = `INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)`

	// _log_metrics' IntegrityError fallback: the run's history of the batch's
	// keys, in batches of 100 keys.
	sqlHistoryOfKeysPrefix = `SELECT metrics.key, metrics.value, metrics.timestamp, metrics.step, metrics.is_nan FROM metrics WHERE metrics.run_uuid = ? AND metrics.key IN (`

	// get_metric_history with max_results=None, page_token=None: offset(0)
	// and no limit, which SQLAlchemy renders on SQLite as LIMIT -1 OFFSET ?.
	sqlHistory = `SELECT metrics.key, metrics.value, metrics.timestamp, metrics.step, metrics.is_nan, metrics.run_uuid FROM metrics WHERE metrics.run_uuid = ? AND metrics.key = ? ORDER BY metrics.timestamp, metrics.step, metrics.value LIMIT ? OFFSET ?`

	// The essence of search_runs(order_by=["metrics.`key` DESC"]):
	// _get_orderby_clauses joins a subquery on latest_metrics filtered by key
	// and orders by CASE WHEN is_nan THEN 1 WHEN value IS NULL THEN 2 ELSE 0
	// END, value DESC, then runs.start_time DESC, runs.run_uuid. Here: the
	// latest_metrics side only, ties by run_uuid (no join to runs, so no
	// start_time tie-break and no NULL rows).
	sqlLatestSorted = `SELECT latest_metrics.run_uuid, latest_metrics.value, latest_metrics.is_nan FROM latest_metrics WHERE latest_metrics.key = ? ORDER BY CASE WHEN (latest_metrics.is_nan = 1) THEN 1 ELSE 0 END, latest_metrics.value DESC, latest_metrics.run_uuid LIMIT ?`

	sqlCreateRun = `INSERT INTO runs (run_uuid, name, status, start_time, lifecycle_stage, experiment_id) VALUES (?, ?, ?, ?, ?, ?)`
)
