package engine

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"

	"lathe/engine/cas"
	"lathe/store"
)

// A run's `dataset` lines are recorded at once with the batch that carries
// them (name, path, role, the path resolved against the run's folder of
// work); their digests are computed afterwards, one at a time, by one
// goroutine of the engine, outside any transaction: hashing a large data
// set takes seconds, and neither the store's writer nor a run's tailing
// waits for it. Each digest is then written into the run's record, if the
// run still names that path, and the change is published like any other.
//
// A digest cut short by the engine stopping is not recorded: the data set
// stays without digest or error, and is digested again when its run ends
// under the next engine, or when awaitDatasets asks for it.

// datasetDigests is the queue of data sets to digest. Its zero value is
// ready to use.
type datasetDigests struct {
	mu    sync.Mutex
	queue []digestJob
	// busy is the job being digested; pending counts each run's queued and
	// busy jobs.
	busy    *digestJob
	pending map[string]int
	// wake tells the worker the queue grew; changed is closed (and
	// replaced) whenever a job is done, for awaitDatasets.
	wake    chan struct{}
	changed chan struct{}
}

// digestJob is one data set of one run to digest.
type digestJob struct {
	run, name, path, abs string
}

// init makes the channels; d.mu is held.
func (d *datasetDigests) init() {
	if d.wake == nil {
		d.wake = make(chan struct{}, 1)
		d.changed = make(chan struct{})
		d.pending = map[string]int{}
	}
}

// has reports whether a job for the same data set and path is queued or
// being digested; d.mu is held.
func (d *datasetDigests) has(j digestJob) bool {
	return slices.Contains(d.queue, j) || (d.busy != nil && *d.busy == j)
}

// add queues jobs, skipping those queued already.
func (d *datasetDigests) add(jobs ...digestJob) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	for _, j := range jobs {
		if d.has(j) {
			continue
		}
		d.queue = append(d.queue, j)
		d.pending[j.run]++
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// next takes the next job, waiting for one; false when ctx ends first.
func (d *datasetDigests) next(ctx context.Context) (digestJob, bool) {
	for {
		d.mu.Lock()
		d.init()
		if len(d.queue) > 0 {
			j := d.queue[0]
			d.queue = d.queue[1:]
			d.busy = &j
			d.mu.Unlock()
			return j, true
		}
		wake := d.wake
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return digestJob{}, false
		case <-wake:
		}
	}
}

// done ends the busy job.
func (d *datasetDigests) done(j digestJob) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.busy = nil
	if d.pending[j.run]--; d.pending[j.run] <= 0 {
		delete(d.pending, j.run)
	}
	close(d.changed)
	d.changed = make(chan struct{})
}

// waiting returns whether jobs of run are queued or busy, and a channel
// closed when a job is done.
func (d *datasetDigests) waiting(run string) (bool, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	return d.pending[run] > 0, d.changed
}

// mergeDatasets records the data sets a batch names into a run's list: a
// name named again with another path or role replaces its entry (and its
// digest); named again as it was, the entry and its digest stay. It does
// not modify batch.
func mergeDatasets(have, batch []store.Dataset, cwd string) []store.Dataset {
	for _, d := range batch {
		d.Abs = datasetPath(cwd, d.Path)
		i := slices.IndexFunc(have, func(x store.Dataset) bool { return x.Name == d.Name })
		switch {
		case i < 0:
			have = append(have, d)
		case have[i].Path != d.Path || have[i].Role != d.Role:
			have[i] = d
		}
	}
	return have
}

// datasetPath resolves a data set's path against the run's folder of work.
func datasetPath(cwd, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(cwd, p)
}

// queueDigests asks for the digests of the data sets a batch of run named
// (once it is stored).
func (e *Engine) queueDigests(run string, cwd string, ds []store.Dataset) {
	jobs := make([]digestJob, 0, len(ds))
	for _, d := range ds {
		jobs = append(jobs, digestJob{run: run, name: d.Name, path: d.Path, abs: datasetPath(cwd, d.Path)})
	}
	e.digests.add(jobs...)
}

// resumeDigests queues the data sets of a run that have neither a digest
// nor an error: an earlier engine stopped before it digested them.
func (e *Engine) resumeDigests(r *store.Run) {
	var jobs []digestJob
	for _, d := range r.Datasets {
		if d.SHA256 == "" && d.Error == "" {
			jobs = append(jobs, digestJob{run: r.ID, name: d.Name, path: d.Path, abs: d.Abs})
		}
	}
	if len(jobs) > 0 {
		e.digests.add(jobs...)
	}
}

// awaitDatasets waits until every data set run named is digested (or
// could not be), digesting those an earlier engine left undone. A caller
// that keeps a run's data sets (a registration) calls it first.
func (e *Engine) awaitDatasets(ctx context.Context, run string) error {
	r, err := e.storedRun(run)
	if err != nil {
		return err
	}
	e.resumeDigests(r)
	for {
		busy, changed := e.digests.waiting(run)
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.ctx.Done():
			return errors.New("the engine is stopping")
		case <-changed:
		}
	}
}

// digestDatasets is the goroutine that digests data sets, one at a time,
// until the engine stops.
func (e *Engine) digestDatasets() {
	defer e.wg.Done()
	for {
		j, ok := e.digests.next(e.ctx)
		if !ok {
			return
		}
		e.digestDataset(j)
		e.digests.done(j)
	}
}

// digestDataset digests one data set and records what it found.
func (e *Engine) digestDataset(j digestJob) {
	// Named again as it was, after its digest: nothing to do.
	if r, err := e.storedRun(j.run); err == nil {
		i := slices.IndexFunc(r.Datasets, func(d store.Dataset) bool { return d.Name == j.name && d.Path == j.path })
		if i < 0 || r.Datasets[i].SHA256 != "" || r.Datasets[i].Error != "" {
			return
		}
	}
	fp, derr := cas.Digest(e.ctx, j.abs, e.opts.Config.Jobs.DatasetDigestLimit)
	if e.ctx.Err() != nil {
		return // cut short: the next engine digests it
	}
	// Written even as the engine stops: Close waits for this goroutine
	// before it closes the store.
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		r, err := tx.Run(j.run)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(r.Datasets, func(d store.Dataset) bool { return d.Name == j.name && d.Path == j.path })
		if i < 0 {
			return nil // the run names another path now, or the run is gone
		}
		d := store.Dataset{Name: j.name, Path: j.path, Abs: j.abs, Role: r.Datasets[i].Role}
		if derr != nil {
			d.Error = datasetError(derr)
		} else {
			d.Kind, d.Size, d.Files, d.SHA256, d.Partial = fp.Kind, fp.Size, fp.Files, fp.SHA256, fp.Partial
			d.Modified = fp.Modified.UTC()
		}
		r.Datasets[i] = d
		if err := tx.PutRun(r); err != nil {
			return err
		}
		e.publishAfter(tx, r)
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		e.log.Warn("record data set digest", "run", j.run, "dataset", j.name, "err", err)
	}
}

// datasetError is what a run's record says of a data set that could not be
// read: "no such file", `"sub/a.csv": permission denied`.
func datasetError(err error) string {
	var ce *cas.Error
	if errors.As(err, &ce) {
		return ce.Brief()
	}
	return err.Error()
}
