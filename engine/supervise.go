package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"lathe/engine/ingest"
	"lathe/engine/metricline"
	"lathe/runners/local"
	"lathe/store"
	"lathe/store/series"
)

// pollInterval is how often a running job's files are read. Reading a file
// that did not grow costs one pread, so this is cheap even for many jobs.
const pollInterval = 50 * time.Millisecond

// launchTimeout bounds how long a shim may take to start its job.
const launchTimeout = 15 * time.Second

// job is what a supervisor needs of a running job (runners/local.Job).
type job interface {
	Done() <-chan struct{}
	Signal(sig syscall.Signal) error
}

// supervisor watches one running job: it tails its files into the store and
// records how it ended.
type supervisor struct {
	e      *Engine
	id     string
	dir    string
	job    job // nil when the shim was already gone at adoption
	handle local.Handle
	done   <-chan struct{}
	tails  []*ingest.Tailer
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
	var env []string
	// A launch, once begun, completes even if the engine is stopping: the
	// job it starts must be recorded to be adopted later.
	bg := context.Background()
	_, err := e.updateRun(bg, id, func(tx *store.Tx, r *store.Run) error {
		var err error
		if env, err = tx.PendingEnv(id); err != nil {
			return err
		}
		// Recorded before the shim starts: a crash from here on leaves a
		// running run whose handle.json tells the next engine where it is,
		// and the devices it holds.
		r.Status, r.Started, r.Devices = store.Running, &now, devices
		return nil
	})
	if err != nil {
		e.log.Error("start run", "run", id, "err", err)
		e.end(id, store.Failed, "could not start: "+err.Error(), nil, "")
		return false
	}
	dir := e.runDir(id)
	metricsFile := filepath.Join(dir, "metrics.jsonl")
	if f, err := os.OpenFile(metricsFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		f.Close()
	}
	e.gpus.lease(id, devices, nil)
	env = append(env,
		// A job sees exactly its GPUs, numbered as NVML numbers them; a CPU
		// job sees none, so it cannot take a GPU leased to another.
		"CUDA_VISIBLE_DEVICES="+e.gpus.visibleDevices(devices, e.opts.Config.GPUs.VisibleDevices == "uuid"),
		"CUDA_DEVICE_ORDER=PCI_BUS_ID",
		"LATHE_RUN_ID="+id,
		"LATHE_RUN_DIR="+dir,
		"LATHE_METRICS_FILE="+metricsFile,
		"LATHE_SOCKET="+e.opts.Socket,
		"PYTHONUNBUFFERED=1", // so a Python job's output reaches output.log as it prints
	)
	env = append(env, e.opts.ShimEnv...)
	ctx, cancel := context.WithTimeout(bg, launchTimeout)
	j, err := local.Launch(ctx, e.opts.Exe, dir, env)
	cancel()
	if err != nil {
		e.log.Error("launch shim", "run", id, "err", err)
		e.end(id, store.Failed, "could not start the job's supervisor: "+err.Error(), nil, "")
		return false
	}
	h := j.Handle()
	_, err = e.updateRun(bg, id, func(tx *store.Tx, r *store.Run) error {
		var err error
		if r.Handle, err = json.Marshal(h); err != nil {
			return err
		}
		return tx.DeletePendingEnv(id)
	})
	if err != nil {
		e.log.Error("record handle", "run", id, "err", err)
	}
	e.gpus.started(id, devices, h.JobPID)
	e.log.Info("started", "run", id, "shim", h.ShimPID, "job", h.JobPID, "gpus", devices)
	e.supervise(id, j, h)
	return true
}

// adopt takes over a run an earlier engine left running.
func (e *Engine) adopt(r *store.Run) {
	dir := e.runDir(r.ID)
	e.gpus.lease(r.ID, r.Devices, r.Usage)
	var h local.Handle
	if len(r.Handle) > 0 {
		if err := json.Unmarshal(r.Handle, &h); err != nil {
			e.log.Warn("unreadable handle", "run", r.ID, "err", err)
		}
	}
	if h.ShimPID == 0 {
		// The engine stopped between starting the shim and recording it.
		h, _ = local.ReadHandle(dir)
	}
	if h.ShimPID != 0 {
		j, err := local.Adopt(dir, h)
		if err == nil {
			e.log.Info("re-adopted", "run", r.ID, "shim", h.ShimPID, "job", h.JobPID, "gpus", r.Devices)
			e.gpus.charge(r.ID, time.Now()) // it held its GPUs while no engine counted
			e.gpus.started(r.ID, r.Devices, h.JobPID)
			e.supervise(r.ID, j, h)
			if r.KillRequested {
				// The grace period of a kill was cut short by the restart.
				j.Signal(syscall.SIGKILL)
			}
			return
		}
		if !errors.Is(err, local.ErrGone) {
			e.log.Warn("adopt", "run", r.ID, "err", err)
		}
	}
	// The shim is gone: read what is left and settle the run.
	e.supervise(r.ID, nil, h)
}

// supervise starts watching a job.
func (e *Engine) supervise(id string, j job, h local.Handle) {
	s := &supervisor{e: e, id: id, dir: e.runDir(id), job: j, handle: h}
	if j != nil {
		s.done = j.Done()
	} else {
		closed := make(chan struct{})
		close(closed)
		s.done = closed
	}
	e.mu.Lock()
	e.jobs[id] = s
	e.mu.Unlock()
	e.wg.Add(1)
	go s.run()
}

func (s *supervisor) run() {
	defer s.e.wg.Done()
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
		}
	}
}

func (s *supervisor) closeTails() {
	for _, t := range s.tails {
		t.Close()
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
			name := "metrics.jsonl"
			if src == store.SourceOutput {
				name = "output.log"
			}
			s.tails = append(s.tails, ingest.NewTailer(filepath.Join(s.dir, name), src, st, r.Parse == "kv"))
		}
		return nil
	})
}

// drain stores what the job's files gained. When final, the job has ended,
// so everything to the end of each file is read. It reports whether it read
// to the end: not when the engine is stopping or the store refused a batch.
func (s *supervisor) drain(final bool) bool {
	for _, t := range s.tails {
		for {
			if s.e.ctx.Err() != nil {
				return false
			}
			b, more, err := t.Read(final)
			if err != nil {
				s.e.log.Warn("tail", "run", s.id, "err", err)
				return false
			}
			if b == nil {
				break
			}
			if err := s.e.ingest(s.id, b); err != nil {
				s.e.log.Error("store batch", "run", s.id, "err", err)
				// The tailers are ahead of the store: start them over
				// from what the store has.
				s.closeTails()
				if err := s.openTails(); err != nil {
					s.e.log.Error("read tail state", "run", s.id, "err", err)
				}
				return false
			}
			if !more {
				break
			}
		}
	}
	return true
}

// ingest stores one batch with the offset it reached, in one transaction.
func (e *Engine) ingest(id string, b *ingest.Batch) error {
	return e.db.Update(context.Background(), func(tx *store.Tx) error {
		for name, pts := range b.Metrics {
			if err := tx.AppendPoints(id, name, pts); err != nil {
				return err
			}
		}
		if b.Params != nil || b.Tags != nil || b.Evals != nil || b.Artifacts != nil || b.Total != 0 {
			r, err := tx.Run(id)
			if err != nil {
				return err
			}
			applyRecord(r, b)
			if err := tx.PutRun(r); err != nil {
				return err
			}
			e.publishAfter(tx, r)
		}
		if err := tx.PutTail(id, b.Source, b.Tail); err != nil {
			return err
		}
		if b.Points > 0 {
			tx.OnCommit(func() { e.publishPoints(id, b.Metrics) })
		}
		return nil
	})
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
			r.Evals = map[string]map[string]metricline.Float{}
		}
		if r.Evals[slice] == nil {
			r.Evals[slice] = map[string]metricline.Float{}
		}
		for k, v := range ms {
			r.Evals[slice][k] = metricline.Float(v)
		}
	}
	r.Artifacts = append(r.Artifacts, b.Artifacts...)
	if b.Total > 0 {
		r.Total = b.Total
	}
}

func (e *Engine) publishPoints(id string, metrics map[string][]series.Point) {
	if !e.hub.hasSubscribers() {
		return
	}
	out := make(map[string][]Point, len(metrics))
	for name, pts := range metrics {
		out[name] = toPoints(pts)
	}
	e.hub.publish(Event{Type: EventPoints, RunID: id, Points: out})
}

func toPoints(pts []series.Point) []Point {
	out := make([]Point, len(pts))
	for i, p := range pts {
		out[i] = Point{Step: p.Step, Time: unixSeconds(p.Time), Value: metricline.Float(p.Value)}
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
	e.mu.Unlock()
	killRequested := false
	if r, err := e.storedRun(s.id); err == nil {
		killRequested = r.KillRequested
	} else {
		// Settle the run all the same: its GPUs must be freed.
		e.log.Error("finish", "run", s.id, "err", err)
	}
	x, err := local.ReadExit(s.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		reason := fmt.Sprintf("its supervisor (pid %d) vanished without an exit record", s.handle.ShimPID)
		if s.handle.ShimPID == 0 {
			reason = "the engine stopped while starting it, and it left no trace of running"
		}
		if s.handle.JobPID != 0 {
			// Nobody supervises what may be left of the job: end it.
			local.KillTree(s.handle, syscall.SIGKILL)
		}
		e.end(s.id, store.Lost, reason, nil, "")
	case err != nil:
		e.end(s.id, store.Lost, "its exit record cannot be read: "+err.Error(), nil, "")
	default:
		status, reason := outcome(x, killRequested)
		code := x.ExitCode
		if !x.Ended.IsZero() {
			e.gpus.charge(s.id, x.Ended) // up to its end, also when no engine saw it
		}
		e.end(s.id, status, reason, &code, x.Signal)
	}
	e.log.Info("ended", "run", s.id)
}

// outcome maps how a job exited to its final state.
func outcome(x local.Exit, killRequested bool) (store.Status, string) {
	switch {
	case x.Error != "":
		return store.Failed, x.Error
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

// WaitExitCode is the exit code `lathe wait` gives for an ended run: the
// job's own, 128+N for a signal N, and 1 for a run lost or failed without
// a code.
func WaitExitCode(r Run) int {
	switch {
	case r.Status == store.Succeeded:
		return 0
	case r.Signal != "":
		if n := unix.SignalNum(r.Signal); n != 0 {
			return 128 + int(n)
		}
		return 1
	case r.ExitCode != nil && *r.ExitCode > 0:
		return *r.ExitCode
	}
	return 1
}

// kill signals a running job; after grace, SIGKILL.
func (s *supervisor) kill(now bool, grace time.Duration) {
	if s.job == nil {
		return
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
