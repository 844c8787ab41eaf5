package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
	"time"

	"lathe/engine/api"
	"lathe/engine/ingest"
	"lathe/engine/metricline"
	"lathe/runners"
	"lathe/store"
	"lathe/store/series"
)

// pollInterval is how often a running job's files are read. Reading a file
// that did not grow costs one pread, so this is cheap even for many jobs.
const pollInterval = 50 * time.Millisecond

// launchTimeout bounds how long a runner may take to start a job.
const launchTimeout = 15 * time.Second

// supervisor watches one running job: it tails its files into the store and
// records how it ended.
type supervisor struct {
	e      *Engine
	id     string
	runner runners.Runner
	job    runners.Job
	files  runners.Files
	done   <-chan struct{}
	tails  []*ingest.Tailer
	// events reads the TensorBoard event files of the run's folder and of
	// its --tensorboard folder.
	events *ingest.EventTailer
	// queue is what the job's scheduler said of it last (a job handed
	// to one), published when it changes.
	queue runners.QueueState
	// over is closed when run returns.
	over chan struct{}
}

// launch starts a queued run. It reports whether the run now runs.
func (e *Engine) launch(id string, devices []int) bool {
	e.launchMu.Lock()
	defer e.launchMu.Unlock()
	if !e.dequeue(id) {
		return false // killed meanwhile
	}
	e.clearWaiting(id)

	now := time.Now().UTC()
	var (
		env    []string
		rn     runners.Runner
		spec   runners.Spec
		wandb  bool
		params []byte
	)
	// A launch, once begun, completes even if the engine is stopping: the
	// job it starts must be recorded to be adopted later.
	bg := context.Background()
	rec, err := e.updateRun(bg, id, func(tx *store.Tx, r *store.Run) error {
		var err error
		if rn, err = e.runnerOf(r); err != nil {
			return err
		}
		if env, err = tx.PendingEnv(id); err != nil {
			return err
		}
		spec = runners.Spec{Command: r.Command, Dir: r.Cwd, GPUs: r.GPUs}
		if a := r.Array; a != nil {
			spec.Array = &runners.ArrayTask{Group: a.Group, Index: a.Index, Size: a.Size}
		}
		wandb = r.WandB
		params, _ = json.Marshal(nonNil(r.Params)) // strings: cannot fail
		// Recorded before the job starts: a crash from here on leaves a
		// running run that the next engine asks its runner about (with no
		// handle: the local one finds the shim's handle.json), and the
		// devices it holds.
		r.Status, r.Started, r.Devices = store.Running, &now, devices
		return nil
	})
	if err != nil {
		e.log.Error("start run", "run", id, "err", err)
		e.end(id, store.Failed, "could not start: "+err.Error(), nil, "")
		return false
	}
	e.keepSpec(rec)
	dir := e.runDir(id)
	files := rn.Files(dir)
	if f, err := os.OpenFile(files.Metrics, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		f.Close()
	}
	e.gpus.lease(id, devices, nil)
	env = append(env,
		// A job sees exactly its GPUs, numbered as NVML numbers them; a CPU
		// job sees none, so it cannot take a GPU leased to another. (A
		// Scheduled runner drops this for what its scheduler gives.)
		"CUDA_VISIBLE_DEVICES="+e.gpus.visibleDevices(devices, e.opts.Config.GPUs.VisibleDevices == "uuid"),
		"CUDA_DEVICE_ORDER=PCI_BUS_ID",
		"LATHE_RUN_ID="+id,
		"LATHE_RUN_DIR="+dir,
		"LATHE_METRICS_FILE="+files.Metrics,
		"LATHE_PARAMS="+string(params),
		"LATHE_SOCKET="+e.opts.Socket,
		"PYTHONUNBUFFERED=1", // so a Python job's output reaches output.log as it prints
	)
	env = append(env, e.mlflowEnv(id)...)
	if wandb {
		if env, err = wandbEnv(dir, env); err != nil {
			e.log.Error("write the wandb module", "run", id, "err", err)
			e.end(id, store.Failed, "could not start: "+err.Error(), nil, "")
			return false
		}
	}
	spec.Env = env
	ctx, cancel := context.WithTimeout(bg, launchTimeout)
	j, err := rn.Start(ctx, dir, spec)
	cancel()
	if err != nil {
		e.log.Error("start job", "run", id, "runner", rn.Name(), "err", err)
		e.end(id, store.Failed, "could not start the job: "+err.Error(), nil, "")
		return false
	}
	handle := j.Handle()
	_, err = e.updateRun(bg, id, func(tx *store.Tx, r *store.Run) error {
		r.Handle = handle
		return tx.DeletePendingEnv(id)
	})
	if err != nil {
		e.log.Error("record handle", "run", id, "err", err)
	}
	e.gpus.started(id, devices, j.PID())
	e.procs.start(id, now, nil)
	e.log.Info("started", "run", id, "runner", rn.Name(), "job", j.String(), "gpus", devices)
	e.supervise(id, rn, j)
	return true
}

// adopt takes over a run an earlier engine left running. For a job that
// has ended meanwhile it returns what is closed once the run is settled.
func (e *Engine) adopt(r *store.Run) (settled <-chan struct{}) {
	e.gpus.lease(r.ID, r.Devices, r.Usage)
	if r.Started != nil {
		e.procs.start(r.ID, *r.Started, r.Proc)
	}
	rn, err := e.runnerOf(r)
	if err == nil {
		var j runners.Job
		if j, err = rn.Adopt(e.runDir(r.ID), r.Handle); err == nil {
			return e.readopt(r, rn, j)
		}
	}
	// Nobody can tell how the job is: the run stays as it is, holding its
	// GPUs, for an engine that can.
	e.log.Warn("adopt", "run", r.ID, "err", err)
	return nil
}

// readopt supervises an adopted job; one already gone is settled from what
// it left, and what is closed once it is is returned.
func (e *Engine) readopt(r *store.Run, rn runners.Runner, j runners.Job) <-chan struct{} {
	select {
	case <-j.Done():
		return e.supervise(r.ID, rn, j)
	default:
	}
	e.log.Info("re-adopted", "run", r.ID, "runner", rn.Name(), "job", j.String(), "gpus", r.Devices)
	e.gpus.charge(r.ID, time.Now()) // it held its GPUs while no engine counted
	e.gpus.started(r.ID, r.Devices, j.PID())
	e.supervise(r.ID, rn, j)
	if r.KillRequested {
		// The grace period of a kill was cut short by the restart.
		j.Signal(syscall.SIGKILL)
	}
	return nil
}

// supervise starts watching a job; what it returns is closed once the
// supervisor is done (the run settled, or the engine stopping).
func (e *Engine) supervise(id string, rn runners.Runner, j runners.Job) <-chan struct{} {
	dir := e.runDir(id)
	s := &supervisor{e: e, id: id, runner: rn, job: j, files: rn.Files(dir), done: j.Done(), over: make(chan struct{})}
	e.mu.Lock()
	e.jobs[id] = s
	e.mu.Unlock()
	e.wg.Add(1)
	go s.run()
	return s.over
}

func (s *supervisor) run() {
	defer s.e.wg.Done()
	defer close(s.over)
	for err := s.openTails(); err != nil; err = s.openTails() {
		s.e.log.Error("read tail state", "run", s.id, "err", err)
		select {
		case <-s.e.ctx.Done():
			// The run stays running in the store; the next engine goes on.
			s.e.forget(s.id)
			return
		case <-time.After(time.Second):
		}
	}
	defer s.closeTails()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		// Stopping comes first: a tick taken after the engine began to
		// stop would read on past what the store will keep.
		if s.e.ctx.Err() != nil {
			return
		}
		select {
		case <-s.e.ctx.Done():
			// The engine stops; the job goes on, and the next engine reads
			// on from the offsets stored so far.
			return
		case <-s.done:
			s.publishQueue() // the scheduler's last word: how it ended
			// The run is settled only once all of the job's output is
			// stored; if the engine stops first, the next one goes on.
			for !s.drain(true) {
				select {
				case <-s.e.ctx.Done():
					s.e.forget(s.id)
					return
				case <-time.After(time.Second): // the store refused a batch
				}
			}
			s.finish()
			return
		case <-tick.C:
			s.drain(false)
			s.publishQueue()
		}
	}
}

// publishQueue publishes the run when its scheduler's word on it changed
// (pending to running, a new reason).
func (s *supervisor) publishQueue() {
	q, ok := s.job.(runners.Queued)
	if !ok {
		return
	}
	now := q.Queue()
	if now == s.queue {
		return
	}
	_, err := s.e.updateRun(context.Background(), s.id, func(_ *store.Tx, r *store.Run) error {
		st := store.QueueState(now)
		r.Queue = &st
		return nil
	})
	if err == nil {
		s.e.mu.Lock() // Cluster reads it
		s.queue = now
		s.e.mu.Unlock()
	}
}

func (s *supervisor) closeTails() {
	for _, t := range s.tails {
		t.Close()
	}
	if s.events != nil {
		s.events.Close()
	}
}

// forget drops a supervisor that ends without settling its run.
func (e *Engine) forget(id string) {
	e.mu.Lock()
	delete(e.jobs, id)
	e.mu.Unlock()
}

func (s *supervisor) openTails() error {
	s.tails = s.tails[:0]
	return s.e.db.View(func(tx *store.Tx) error {
		r, err := tx.Run(s.id)
		if err != nil {
			return err
		}
		for _, src := range []store.Source{store.SourceMetrics, store.SourceOutput} {
			st, err := tx.Tail(s.id, src)
			if err != nil {
				return err
			}
			path := s.files.Metrics
			if src == store.SourceOutput {
				path = s.files.Output
			}
			s.tails = append(s.tails, ingest.NewTailer(path, src, st, metricline.Mode(r.Parse)))
		}
		states, err := tx.EventTails(s.id)
		if err != nil {
			return err
		}
		s.events = ingest.NewEventTailer(eventDirs(r), states)
		return nil
	})
}

// eventDirs are the folders whose TensorBoard event files are a run's
// metrics: its --tensorboard folder, and its run folder.
func eventDirs(r *store.Run) []ingest.EventDir {
	dirs := []ingest.EventDir{{Key: "run:", Path: r.Dir}}
	if r.TensorBoard != "" {
		dirs = append(dirs, ingest.EventDir{Key: "tb:", Path: r.TensorBoard})
	}
	return dirs
}

// drain stores what the job's files gained. When final, the job has ended,
// so everything to the end of each file is read. It reports whether it read
// to the end: not when the engine is stopping or the store refused a batch.
func (s *supervisor) drain(final bool) bool {
	readers := make([]batchReader, 0, len(s.tails)+1)
	for _, t := range s.tails {
		readers = append(readers, t)
	}
	if s.events != nil {
		readers = append(readers, s.events)
	}
	for _, t := range readers {
		var refused error
		err := readAll(s.e.ctx, t, final, func(b *ingest.Batch) error {
			if err := s.e.ingest(s.id, b); err != nil {
				refused = err
				return err
			}
			s.e.setStall(nil)
			return nil
		})
		switch {
		case refused != nil:
			s.e.log.Error("store batch", "run", s.id, "err", refused)
			s.e.setStall(refused)
			// The tailers are ahead of the store: start them over from
			// what the store has.
			s.closeTails()
			if err := s.openTails(); err != nil {
				s.e.log.Error("read tail state", "run", s.id, "err", err)
			}
			return false
		case s.e.ctx.Err() != nil:
			return false
		case err != nil:
			s.e.log.Warn("tail", "run", s.id, "err", err)
			return false
		}
	}
	return true
}

// ingest stores one batch with the offset it reached, in one transaction.
func (e *Engine) ingest(id string, b *ingest.Batch) error {
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		r, err := storeBatch(tx, id, b, e.opts.Config.Jobs.DefaultExperiment, true)
		if err != nil {
			return err
		}
		if r != nil {
			if b.Datasets != nil {
				tx.OnCommit(func() { e.queueDigests(id, r.Cwd, b.Datasets) }) // hashing waits for no transaction
			}
			e.publishAfter(tx, r)
		}
		if b.Points > 0 {
			tx.OnCommit(func() { e.publishPoints(id, b.Metrics) })
		}
		return nil
	})
	if err == nil && b.Points > 0 {
		e.sweepPoints(id, b.Metrics)
	}
	return err
}

// storeBatch stores a batch's points and offset in tx and, when record,
// what it says of the run. It returns the run's record when the batch
// changed what clients see of it (its record, or its count of unreadable
// lines), else nil.
func storeBatch(tx *store.Tx, id string, b *ingest.Batch, defaultExperiment string, record bool) (*store.Run, error) {
	for name, pts := range b.Metrics {
		if err := tx.AppendPoints(id, name, pts); err != nil {
			return nil, err
		}
	}
	var err error
	if b.File != "" {
		err = tx.PutEventTail(id, b.File, b.Tail)
	} else {
		err = tx.PutTail(id, b.Source, b.Tail)
	}
	if err != nil {
		return nil, err
	}
	record = record && (b.Params != nil || b.Tags != nil || b.Evals != nil || b.Artifacts != nil || b.Datasets != nil || b.Total != 0 || b.Experiment != "")
	// Lines that could not be read change what clients see of the run
	// (its count and first one), as its record does.
	if !record && b.Invalid == 0 {
		return nil, nil
	}
	r, err := tx.Run(id)
	if err != nil {
		return nil, err
	}
	if record {
		applyRecord(r, b)
		if err := moveExperiment(tx, r, b.Experiment, defaultExperiment); err != nil {
			return nil, err
		}
		if err := tx.PutRun(r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// applyRecord copies what a batch says about the run into its record. It
// does not modify b (the store may run this twice).
func applyRecord(r *store.Run, b *ingest.Batch) {
	for k, v := range b.Params {
		if r.Params == nil {
			r.Params = map[string]string{}
		}
		r.Params[k] = v
	}
	for k, v := range b.Tags {
		if r.Tags == nil {
			r.Tags = map[string]string{}
		}
		r.Tags[k] = v
	}
	for slice, ms := range b.Evals {
		if r.Evals == nil {
			r.Evals = map[string]map[string]store.Float{}
		}
		if r.Evals[slice] == nil {
			r.Evals[slice] = map[string]store.Float{}
		}
		for k, v := range ms {
			r.Evals[slice][k] = store.Float(v)
		}
	}
	r.Artifacts = append(r.Artifacts, b.Artifacts...)
	r.Datasets = mergeDatasets(r.Datasets, b.Datasets, r.Cwd)
	if b.Total > 0 {
		r.Total = b.Total
	}
}

// moveExperiment puts a run in the experiment its job names (a W&B-style
// script's project) when it was started in the default one; a run given
// an experiment keeps it, and the job's is kept as its tag "project". The
// caller stores r.
func moveExperiment(tx *store.Tx, r *store.Run, name, defaultExperiment string) error {
	if name == "" || name == r.Experiment {
		return nil
	}
	if r.Experiment != defaultExperiment {
		if r.Tags == nil {
			r.Tags = map[string]string{}
		}
		r.Tags["project"] = name
		return nil
	}
	if _, err := tx.EnsureExperiment(name, time.Now().UTC()); err != nil {
		return err
	}
	r.Experiment = name
	return nil
}

func (e *Engine) publishPoints(id string, metrics map[string][]series.Point) {
	if !e.hub.hasSubscribers() {
		return
	}
	out := make(map[string][]api.Point, len(metrics))
	for name, pts := range metrics {
		out[name] = toPoints(pts)
	}
	e.hub.publish(api.Event{Type: api.EventPoints, RunID: id, Points: out})
}

func toPoints(pts []series.Point) []api.Point {
	out := make([]api.Point, len(pts))
	for i, p := range pts {
		out[i] = api.Point{Step: p.Step, Time: unixSeconds(p.Time), Value: api.Float(p.Value)}
	}
	return out
}

// unixSeconds turns the store's microseconds into the API's seconds.
func unixSeconds(us int64) float64 { return float64(us) / 1e6 }

// finish records how the job ended.
func (s *supervisor) finish() {
	e := s.e
	e.mu.Lock()
	delete(e.jobs, s.id)
	idle := len(e.jobs) == 0
	e.mu.Unlock()
	if idle {
		// The last job ended: what ingesting the jobs took goes back to
		// the system now, not over the minutes Go's scavenger would take.
		go debug.FreeOSMemory()
	}
	killRequested, killReason := false, ""
	if r, err := e.storedRun(s.id); err == nil {
		killRequested, killReason = r.KillRequested, r.KillReason
		e.resumeDigests(r) // those an earlier engine stopped before
	} else {
		// Settle the run all the same: its GPUs must be freed.
		e.log.Error("finish", "run", s.id, "err", err)
	}
	x, err := s.job.Exit()
	switch {
	case errors.Is(err, runners.ErrNoExit):
		// Nobody supervises what may be left of the job: end it.
		s.job.Signal(syscall.SIGKILL)
		e.end(s.id, store.Lost, err.Error(), nil, "")
	case err != nil:
		e.end(s.id, store.Lost, "its exit record cannot be read: "+err.Error(), nil, "")
	default:
		status, reason := outcome(x, killRequested, killReason)
		code := x.ExitCode
		if !x.Ended.IsZero() {
			e.gpus.charge(s.id, x.Ended) // up to its end, also when no engine saw it
		}
		e.end(s.id, status, reason, &code, x.Signal)
	}
	e.log.Info("ended", "run", s.id, "runner", s.runner.Name())
}

// outcome maps how a job exited to its final state; a kill lathe asked
// for gives its own reason.
func outcome(x runners.Exit, killRequested bool, killReason string) (store.Status, string) {
	switch {
	case x.Error != "":
		return store.Failed, x.Error
	case killRequested && killReason != "":
		return store.Killed, killReason
	case killRequested:
		if x.Signal != "" {
			return store.Killed, "killed by user (" + x.Signal + ")"
		}
		return store.Killed, fmt.Sprintf("killed by user (exited %d)", x.ExitCode)
	case x.Signal != "":
		return store.Failed, "ended by signal " + x.Signal
	case x.ExitCode != 0:
		return store.Failed, fmt.Sprintf("exit code %d", x.ExitCode)
	}
	return store.Succeeded, ""
}

// kill signals a running job; after grace, SIGKILL.
func (s *supervisor) kill(now bool, grace time.Duration) {
	select {
	case <-s.done:
		return // ended; finish settles it
	default:
	}
	if now {
		s.job.Signal(syscall.SIGKILL)
		return
	}
	s.job.Signal(syscall.SIGTERM)
	go func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			s.job.Signal(syscall.SIGKILL)
		case <-s.done:
		case <-s.e.ctx.Done():
		}
	}()
}
