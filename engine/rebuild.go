package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"lathe/engine/ingest"
	"lathe/engine/metricline"
	"lathe/runners"
	"lathe/runners/local"
	"lathe/store"
)

// RebuildReport says what a rebuild brought back from the run folders.
type RebuildReport struct {
	// Path is the new store.
	Path   string `json:"path"`
	Runs   int    `json:"runs"`
	Points int64  `json:"points"`
	// Running are the runs left running for the next engine to adopt or
	// settle, as after a crash.
	Running int `json:"running"`
	// NotStarted are the runs that were queued: their environment was in
	// the store only, so they are not queued again (lathe rerun).
	NotStarted int `json:"not_started"`
	// Tracked are the runs without a job (an MLflow client's, an import's):
	// their record is back, their points lived in the store only.
	Tracked int `json:"tracked"`
	// Skipped names each folder that could not be read, with why.
	Skipped []string `json:"skipped"`
}

// Rebuild makes a new store at to from the run folders of opts.Paths:
// each run's record from its spec.json (the engine writes it again when
// the job starts and ends), how it ended from exit.json, and its points
// from its metrics file, output and event files, read from their start
// as the engine reads them, with the offsets reached, so that an engine
// on the new store reads on from there. No engine may run on the data
// directory; to must not exist. progress, if not nil, is called after
// each run.
func Rebuild(ctx context.Context, opts Options, to string, progress func(done, total int)) (rep RebuildReport, err error) {
	rep = RebuildReport{Path: to, Skipped: []string{}}
	if _, err := os.Lstat(to); err == nil {
		return rep, fmt.Errorf("%s exists: name a new file", to)
	}
	entries, err := os.ReadDir(opts.Paths.Runs())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return rep, fmt.Errorf("read the run folders: %w", err)
	}
	specs := make([]*store.Run, 0, len(entries))
	for _, ent := range entries {
		dir := filepath.Join(opts.Paths.Runs(), ent.Name())
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue // a stray file, or the link to a shared folder that is gone
		}
		r, err := readRunSpec(dir, ent.Name())
		if err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", ent.Name(), err))
			continue
		}
		specs = append(specs, r)
	}
	// In the order they were made, as the store lists them.
	slices.SortFunc(specs, func(a, b *store.Run) int { return a.Created.Compare(b.Created) })

	db, err := store.Open(to, time.Second)
	if err != nil {
		return rep, err
	}
	ok := false
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if !ok {
			os.Remove(to)
		}
	}()
	rb := rebuilder{ctx: ctx, db: db, defaultExperiment: opts.Config.Jobs.DefaultExperiment, rep: &rep}
	for i, r := range specs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := rb.run(r); err != nil {
			if errors.Is(err, store.ErrInvalidInput) {
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", r.ID, err))
				continue
			}
			return rep, fmt.Errorf("run %s: %w", r.ID, err)
		}
		if progress != nil {
			progress(i+1, len(specs))
		}
	}
	ok = true
	return rep, nil
}

// readRunSpec reads a run folder's spec.json: the run's record as the
// engine last wrote it there.
func readRunSpec(dir, name string) (*store.Run, error) {
	var r store.Run
	raw, err := os.ReadFile(filepath.Join(dir, "spec.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("spec.json: %w", err)
	}
	if r.ID != name {
		return nil, fmt.Errorf("spec.json names run %q, not its folder's", r.ID)
	}
	r.Dir = dir
	return &r, nil
}

type rebuilder struct {
	ctx               context.Context
	db                *store.DB
	defaultExperiment string
	rep               *RebuildReport
}

// run stores one run: its record, then what its files hold.
func (rb *rebuilder) run(r *store.Run) error {
	final := settleFromFolder(r)
	switch {
	case apiRun(r).Tracked():
		rb.rep.Tracked++
	case r.Status == store.Running:
		rb.rep.Running++
	case r.Status == store.Lost && !final:
		rb.rep.NotStarted++
	}
	if !final {
		// What the job's files say of the run is read from them again
		// below; the record keeps only what the run was given.
		r.Evals, r.Artifacts, r.Datasets, r.Total = nil, nil, nil, 0
	}
	err := rb.db.Update(rb.ctx, func(tx *store.Tx) error {
		rec := *r
		return tx.CreateRun(&rec)
	})
	if err != nil {
		return err
	}
	rb.rep.Runs++
	if apiRun(r).Tracked() {
		return nil
	}
	// Points the job wrote without a time are stamped as the engine would
	// have, near when they were written: with the time the job ended, or
	// the file's own.
	clock := func(path string) func() time.Time {
		if r.Ended != nil {
			t := *r.Ended
			return func() time.Time { return t }
		}
		if st, err := os.Stat(path); err == nil {
			t := st.ModTime()
			return func() time.Time { return t }
		}
		return time.Now
	}
	metrics := filepath.Join(r.Dir, "metrics.jsonl")
	output := filepath.Join(r.Dir, "output.log")
	readers := []batchReader{
		ingest.NewTailer(metrics, store.SourceMetrics, store.TailState{}, metricline.Mode(r.Parse)).WithClock(clock(metrics)),
		ingest.NewTailer(output, store.SourceOutput, store.TailState{}, metricline.Mode(r.Parse)).WithClock(clock(output)),
		ingest.NewEventTailer(eventDirs(r), nil),
	}
	for _, rd := range readers {
		err := readAll(rb.ctx, rd, r.Status.Ended(), func(b *ingest.Batch) error {
			return rb.db.Update(rb.ctx, func(tx *store.Tx) error {
				_, err := storeBatch(tx, r.ID, b, rb.defaultExperiment, !final)
				return err
			})
		})
		if c, ok := rd.(interface{ Close() error }); ok {
			c.Close()
		}
		if err != nil {
			return err
		}
	}
	return rb.db.View(func(tx *store.Tx) error {
		sums, err := tx.Summaries(r.ID)
		for _, s := range sums {
			rb.rep.Points += s.Count
		}
		return err
	})
}

// settleFromFolder sets how a run stands from what its folder holds, and
// reports whether r is the engine's final record of it (written when it
// ended).
func settleFromFolder(r *store.Run) (final bool) {
	if r.Status.Ended() || apiRun(r).Tracked() {
		return r.Status.Ended()
	}
	x, err := local.ReadExit(r.Dir)
	switch {
	case err == nil:
		code := x.ExitCode
		r.Status, r.Reason = outcome(runners.Exit{ExitCode: x.ExitCode, Signal: x.Signal, Error: x.Error, Ended: x.Ended}, r.KillRequested, r.KillReason)
		r.ExitCode, r.Signal = &code, x.Signal
		if !x.Started.IsZero() && r.Started == nil {
			r.Started = &x.Started
		}
		if !x.Ended.IsZero() {
			ended := x.Ended.UTC()
			r.Ended = &ended
		}
	case r.Status == store.Running || started(r):
		// The next engine asks its runner how the job is, as after a crash.
		r.Status = store.Running
	default:
		ended := time.Now().UTC()
		r.Status, r.Ended = store.Lost, &ended
		r.Reason = "queued when the store was rebuilt from the run folders: its environment was in the store only (lathe rerun starts it again)"
	}
	return false
}

// started reports whether a run's job was handed to its runner, for a
// spec.json written before the engine rewrote it at the start: a local
// job's shim writes handle.json; a job handed to Slurm is found there.
func started(r *store.Run) bool {
	if r.Runner != "" && r.Runner != legacyRunner {
		return true
	}
	_, err := local.ReadHandle(r.Dir)
	return err == nil
}

// batchReader is a file of a run read as batches: a Tailer or an
// EventTailer.
type batchReader interface {
	Read(final bool) (*ingest.Batch, bool, error)
}

// readAll reads what rd holds, giving each batch to store; when final, the
// job has ended and a last line without a newline is read too.
func readAll(ctx context.Context, rd batchReader, final bool, store func(*ingest.Batch) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, more, err := rd.Read(final)
		if err != nil {
			return err
		}
		if b == nil {
			return nil
		}
		if err := store(b); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}
