// Package baseline is the yardstick lathe's metric store is measured against:
// SQLite holding MLflow's metric tables, written and read the way MLflow's
// SQLAlchemy tracking store (mlflow/store/tracking/sqlalchemy_store.py) does.
// lathe claims to be at least ten times faster and ten times smaller than this;
// the benchmarks run both side by side in the same process.
//
// # Test support only
//
// This is an ordinary package so that other packages' tests can import it, but
// it must only ever be imported from _test.go files. It pulls in the pure-Go
// SQLite driver (modernc.org/sqlite, a large dependency), and that driver must
// not end up in the lathe binary: no non-test file anywhere in lathe may
// import lathe/store/baseline. `go list -deps ./cmd/...` must not list
// modernc.org/sqlite.
//
// # Schema
//
// The tables are the ones MLflow's alembic migrations leave in a SQLite
// database (compare MLflow's tests/db/schemas/sqlite.sql and
// mlflow/store/tracking/dbmodels/models.py, classes SqlMetric and
// SqlLatestMetric), column for column, with the same primary keys and the same
// secondary indexes:
//
//	metrics         PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan)
//	                INDEX index_metrics_run_uuid (run_uuid)
//	                INDEX index_metrics_run_uuid_key_step (run_uuid, key, step)
//	latest_metrics  PRIMARY KEY (key, run_uuid)
//	                INDEX index_latest_metrics_run_uuid (run_uuid)
//	runs            a subset of MLflow's runs table (run_uuid, name,
//	                experiment_id, status, start_time, lifecycle_stage)
//
// index_metrics_run_uuid_key_step comes from MLflow's 2026 migration
// a5b4c3d2e1f0 (add_metrics_run_key_step_index); OpenWith with
// Options.WithoutKeyStepIndex gives the schema of MLflow releases before it.
// The exact DDL is in schema.go.
//
// # Connection
//
// One connection (database/sql pool of one), so every transaction is
// serialised the way a single MLflow writer's are, opened with
//
//	PRAGMA journal_mode = WAL
//	PRAGMA synchronous = FULL
//	PRAGMA foreign_keys = ON      (MLflow runs this on every SQLite session)
//	PRAGMA busy_timeout = 20000   (likewise)
//
// and Open checks, by querying them back, that they took effect. WAL needs a
// real file: Open(":memory:") fails.
//
// # Writing
//
// LogBatch sends, for one run, the statements MLflow's log_batch sends for
// its metrics, in one transaction (see LogBatch for the list, and schema.go
// for the SQL). Unlike MLflow's REST API it accepts more than
// MaxMetricsPerBatch (1000) metrics in one call and commits them together,
// where an MLflow client would need several requests and commits; that only
// flatters the baseline. LogBatches, for setting up fixtures, does the same
// for many runs in one transaction.
//
// # Values: NaN and infinities
//
// SQLite cannot store NaN (it binds it as NULL), so MLflow
// (SqlAlchemyStore.sanitize_metric_value) stores a NaN as value 0 with
// is_nan = 1, and clamps +Inf and -Inf to +1.7976931348623157e308 and
// -1.7976931348623157e308 (±math.MaxFloat64) with is_nan = 0. This package does
// the same. Reading back (History, LatestSorted) maps is_nan = 1 to math.NaN(),
// as SqlMetric.to_mlflow_entity does, so NaN round-trips. Infinities do not:
// MLflow keeps no record that a value was infinite, and the readers here
// return ±math.MaxFloat64 for them. A harness comparing against lathe must use
// finite values or treat ±Inf and ±MaxFloat64 as equal.
//
// Because the stored value of a NaN is 0, MLflow's "latest" comparison, which
// compares (step, timestamp, value) on stored values, treats NaN as 0; so does
// LogBatch.
//
// # Orderings
//
// History returns points ORDER BY timestamp, step, value (MLflow's
// get_metric_history), not by step. LatestSorted returns NaN values last, then
// value descending, then run_uuid.
package baseline
