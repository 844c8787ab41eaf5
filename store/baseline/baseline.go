package baseline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Metric is one logged point, as given to MLflow's log_batch.
type Metric struct {
	Key       string
	Value     float64
	Timestamp int64 // milliseconds since the Unix epoch
	Step      int64
}

// Point is one point of a metric's history.
type Point struct {
	Step      int64
	Timestamp int64 // milliseconds since the Unix epoch
	Value     float64
}

// Latest is one run's latest value of a metric.
type Latest struct {
	RunUUID string
	Value   float64
}

// MaxKeyLength is MLflow's MAX_ENTITY_KEY_LENGTH (mlflow/utils/validation.py),
// which LogBatch enforces: a metric key is VARCHAR(250).
const MaxKeyLength = 250

// MaxMetricsPerBatch is MLflow's MAX_METRICS_PER_BATCH: its REST log_batch
// refuses more metrics than this in one request, so an MLflow client commits
// a longer batch as several transactions. LogBatch does not enforce it (the
// store's _log_metrics has no such limit); it commits any batch as one
// transaction, which flatters the baseline for batches above the limit.
const MaxMetricsPerBatch = 1000

// MLflow's _update_latest_metrics_if_necessary looks up latest_metrics in
// batches of 500 keys; _log_metrics' IntegrityError fallback reads history in
// batches of 100 keys.
const (
	latestKeyBatch  = 500
	historyKeyBatch = 100
)

var (
	// ErrRunNotFound is MLflow's RESOURCE_DOES_NOT_EXIST from _get_run.
	ErrRunNotFound = errors.New("baseline: run not found")
	// ErrRunNotActive is MLflow's INVALID_STATE from _check_run_is_active.
	ErrRunNotActive = errors.New("baseline: run is not active")
)

// Options changes the schema Open creates.
type Options struct {
	// WithoutKeyStepIndex leaves out index_metrics_run_uuid_key_step, which
	// MLflow added in 2026 (migration a5b4c3d2e1f0): the schema of older
	// MLflow releases. It only has an effect when the database is created.
	WithoutKeyStepIndex bool
}

// Settings are the connection settings read back from SQLite.
type Settings struct {
	JournalMode string // "wal"
	Synchronous int    // 2 = FULL
	ForeignKeys bool
	BusyTimeout int // milliseconds
}

// DB is an MLflow-schema SQLite database. Its methods are safe for concurrent
// use; they are serialised on its one connection.
type DB struct {
	sql  *sql.DB
	path string

	getRun, insertMetric, updateLatest, insertLatest, history, latestSorted, createRun *sql.Stmt

	// Statements with an IN list of n parameters, prepared once per (kind, n)
	// and kept, as pysqlite's statement cache keeps the SQL SQLAlchemy
	// renders for each list length.
	mu      sync.Mutex
	inStmts map[inKey]*sql.Stmt
}

type inKey struct {
	prefix string
	n      int
}

// Open opens (creating if need be) the database file at path with MLflow's
// schema, in WAL mode with synchronous=FULL on a single connection.
func Open(path string) (*DB, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with options.
func OpenWith(path string, o Options) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("baseline: unsupported database path %q (need a plain file path)", path)
	}
	// The _pragma parameters are applied by the driver every time it opens a
	// connection, so they hold even if database/sql ever reconnects.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(20000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	sdb, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("baseline: open %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(1)
	sdb.SetMaxIdleConns(1)
	sdb.SetConnMaxLifetime(0)
	sdb.SetConnMaxIdleTime(0)

	db := &DB{sql: sdb, path: path, inStmts: map[inKey]*sql.Stmt{}}
	if err := db.init(o); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) init(o Options) error {
	ctx := context.Background()
	s, err := db.Settings()
	if err != nil {
		return err
	}
	if s.JournalMode != "wal" || s.Synchronous != 2 || !s.ForeignKeys {
		return fmt.Errorf("baseline: pragmas did not take effect: %+v", s)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, ddl := range schema(o) {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("baseline: create schema: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("baseline: create schema: %w", err)
	}
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&db.getRun, sqlGetRun},
		{&db.insertMetric, sqlInsertMetric},
		{&db.updateLatest, sqlUpdateLatest},
		{&db.insertLatest, sqlInsertLatest},
		{&db.history, sqlHistory},
		{&db.latestSorted, sqlLatestSorted},
		{&db.createRun, sqlCreateRun},
	} {
		st, err := db.sql.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("baseline: prepare %q: %w", p.sql, err)
		}
		*p.st = st
	}
	return nil
}

// Settings reads the connection's journal_mode, synchronous, foreign_keys and
// busy_timeout back from SQLite.
func (db *DB) Settings() (Settings, error) {
	var s Settings
	var fk int
	row := db.sql.QueryRow(`SELECT (SELECT journal_mode FROM pragma_journal_mode), (SELECT synchronous FROM pragma_synchronous), (SELECT foreign_keys FROM pragma_foreign_keys), (SELECT timeout FROM pragma_busy_timeout)`)
	if err := row.Scan(&s.JournalMode, &s.Synchronous, &fk, &s.BusyTimeout); err != nil {
		return s, fmt.Errorf("baseline: read pragmas: %w", err)
	}
	s.JournalMode = strings.ToLower(s.JournalMode)
	s.ForeignKeys = fk == 1
	return s, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.mu.Lock()
	for k, st := range db.inStmts {
		st.Close()
		delete(db.inStmts, k)
	}
	db.mu.Unlock()
	return db.sql.Close()
}

// CreateRun inserts a RUNNING, active run starting now, as MLflow's
// create_run inserts its SqlRun (without the tags create_run also writes).
func (db *DB) CreateRun(runUUID, name, experimentID string) error {
	if runUUID == "" {
		return errors.New("baseline: empty run uuid")
	}
	var exp any = experimentID
	if experimentID == "" {
		exp = nil
	}
	_, err := db.createRun.Exec(runUUID, name, "RUNNING", time.Now().UnixMilli(), "active", exp)
	if err != nil {
		return fmt.Errorf("baseline: create run %s: %w", runUUID, err)
	}
	return nil
}

// Size is the bytes the database takes on disk: the database file plus its
// -wal and -shm files, measured after PRAGMA wal_checkpoint(TRUNCATE) has
// moved everything from the WAL into the database file. (While the database
// is open, the -shm file, SQLite's WAL index, stays at its 32 KiB minimum.)
func (db *DB) Size() (int64, error) {
	var busy, logFrames, checkpointed int
	if err := db.sql.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed); err != nil {
		return 0, fmt.Errorf("baseline: checkpoint: %w", err)
	}
	if busy != 0 {
		return 0, errors.New("baseline: checkpoint could not complete (database busy)")
	}
	var total int64
	for _, p := range []string{db.path, db.path + "-wal", db.path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("baseline: size: %w", err)
		}
		total += fi.Size()
	}
	return total, nil
}

// inStmt returns the statement prefix + "?, ?, …, ?)" (n placeholders) +
// suffix, prepared on the DB and cached. It must not be called inside a
// transaction: the transaction holds the one connection a prepare needs.
func (db *DB) inStmt(ctx context.Context, prefix, suffix string, n int) (*sql.Stmt, error) {
	k := inKey{prefix + "\x00" + suffix, n}
	db.mu.Lock()
	st, ok := db.inStmts[k]
	db.mu.Unlock()
	if ok {
		return st, nil
	}
	var b strings.Builder
	b.Grow(len(prefix) + len(suffix) + 3*n + 1)
	b.WriteString(prefix)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('?')
	}
	b.WriteByte(')')
	b.WriteString(suffix)
	st, err := db.sql.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if old, ok := db.inStmts[k]; ok {
		st.Close() // prepared concurrently by another caller
		return old, nil
	}
	db.inStmts[k] = st
	return st, nil
}

// isIntegrityError reports whether err is a constraint violation, the errors
// SQLAlchemy raises as IntegrityError.
func isIntegrityError(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}
