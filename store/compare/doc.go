// Package compare holds the side-by-side measurement of lathe's store
// against MLflow's own SQL schema on SQLite (package store/baseline): the
// same workloads, on the same data, in the same process and run, each side
// checked to return the same series as the other before a time is reported.
// An absolute number on a shared machine proves little; the ratio is the
// result. Everything here is tests and benchmarks: `make test` runs the
// workloads at small sizes so the harness never rots, `make bench` at full
// size.
package compare
