// Package store keeps lathe's experiments, runs and metric series in one bbolt
// file (lathe.db). It knows nothing of jobs, processes or screens: the engine
// tells it what to record.
//
// # Schema (version 3)
//
// Every bucket is top-level. Keys scanned in order are big-endian integers or
// fixed-width strings; records are JSON unless said otherwise, their floats
// written as Float writes them (NaN and the infinities as strings).
//
//	meta         "schema"  → uint32 BE schema version (3)
//	             "created" → RFC 3339 time the file was made
//	             "audit_head" → the audit chain's head, "seq hash" of its last
//	             entry, written with it
//	experiments  name → Experiment (its ID from the bucket's sequence, for MLflow
//	             clients, which name experiments by number)
//	runs         run id (12 lowercase hex characters) → Run
//	run_names    name 0x00 run id → empty (resolves a run by name; names may repeat)
//	runs_by_time created (int64 BE unix nanoseconds) run id → empty (newest-first listing)
//	summaries    run id → map metric name → Summary (last, min, max, count, last step,
//	             and where the series lives), so listing and sorting runs never
//	             opens a series
//	series       run id (12) metric id (uint32 BE) chunk number (uint32 BE) → chunk
//	             (package store/series: Gorilla-style delta-of-delta steps and
//	             times, XOR values, a summary in its header)
//	tails        run id (12) source (1 byte) → TailState: the byte offset of a job's
//	             file read so far, written in the same transaction as the points
//	             read from it, so a crash neither loses nor repeats a point; for
//	             TensorBoard's event files (source 'e') the file's name under the
//	             folder watched follows, one tail a file
//	pending_env  run id → the full environment of a queued run (JSON list), kept
//	             only until the job starts: the run's spec.json and Run record hold
//	             the redacted copy
//	run_keys     key → run id, for the runs made without a job that say what
//	             they came from (an MLflow run's uuid, an imported file): an
//	             import done twice finds the run of the first (created on first
//	             use)
//	active       run id → empty, for the runs queued or running: an engine that
//	             starts reads these, not every run (added in version 2)
//	deleted      removed (int64 BE unix nanoseconds) run id → empty, for the runs
//	             removed (`lathe rm`; Run.Deleted is set): restorable until they
//	             are purged, oldest first (created on first use)
//	gpu_history  resolution ('s' or 'm') device (uint16 BE) slot (uint32 BE) → time
//	             (int64 BE Unix seconds) util, memory used, power, temperature
//	             (float32 BE each, NaN for n/a): rings of one slot a second for an
//	             hour and one a minute for 30 days, so the file stays bounded
//	             (created on first use)
//	proc_history run id (12) time (uint64 BE Unix seconds) → a reading of the
//	             run's process tree: CPU percent of a core (float32 BE), resident
//	             bytes (uint64 BE), processes (uint32 BE); the engine keeps about
//	             a thousand a run by merging older ones as the run ages (created
//	             on first use)
//	models       name → Model: its aliases (alias → version), the last version
//	             number given (numbers are never given twice), how many remain,
//	             its primary metric (created on first use)
//	versions     model name 0x00 version (uint32 BE) → ModelVersion: the
//	             artifact's digest (its copy is in the data directory's
//	             artifacts/, named by it) and a snapshot of the run it came from
//	             (created on first use)
//	policies     model name → Policy: the promotion policy's TOML as its
//	             author wrote it (created on first use; none: the default)
//	requests     id (uint64 BE, the bucket's sequence) → Request: a promotion
//	             or rollback of a version, its checks, reviews and state
//	             (created on first use)
//	audit        seq (uint64 BE, from 1) → AuditEntry, as its canonical bytes
//	             (its JSON without the hash) with the hash: the sha256 of
//	             those bytes, which hold the hash of the entry before, so
//	             each entry vouches for all before it; append-only (created
//	             on first use)
//	drift_refs   model name 0x00 version (uint32 BE) → a version's drift
//	             reference, as the engine encodes it: its description (JSON,
//	             length-prefixed) then its per-feature summary (gob: decile
//	             edges and counts, a sorted sample, category counts)
//	drift_windows model name 0x00 window (uint32 BE) → a scored window of
//	             production data (JSON: every column's statistics and status,
//	             quality, shadow result, the retrain it set off)
//	drift_state  model name → what the engine keeps between batches (JSON:
//	             the last window's number, the last retrain, the files a
//	             watched folder gave)
//	drift_data   model name 0x00 key → samples kept for later scoring (gob):
//	             "window", the latest window's summary and rows; "shadow/N",
//	             version N's paired shadow rows (all four created on first use)
//
// Beside the file, lathe.db.audit-head holds the chain's head too ("seq
// hash\n"), written once each transaction that appends entries is durable:
// someone who rewrites lathe.db, its meta head included, cannot make a
// chain cut short look whole without rewriting this file as well.
//
// Removed in version 3: latest, one bucket a metric name holding every run's
// last value of the metric in order (added in version 2). It was written at
// every point and read by nothing: the engine sorts runs by the summaries it
// keeps in memory. Upgrading to version 3 deletes it.
//
// A file of an older version is copied aside (lathe.db.schemaN.bak) and
// upgraded in place when opened (upgrade.go); one of a newer version is
// refused, untouched. Check verifies a file. DB.Compact rewrites an open
// store into a compact file and renames it into place while the store goes
// on working (it runs on the writer, so writes wait for it); Compact does
// the same to a store no process has open.
//
// The last chunk of each series is open: the writer keeps its encoder in memory
// and rewrites only that chunk at each commit; a chunk is sealed at
// ChunkPoints points and a new one begun.
//
// # Writing
//
// All writes go through one writer goroutine (DB.Update) that groups whatever
// arrives together into one bbolt transaction: a hundred jobs logging at once
// cost one fsync, not a hundred. A function given to Update may run twice (when
// another function of its group fails, the group is rolled back and each is
// retried alone), so it must only touch the transaction.
package store
