package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lathe/engine/api"
	"lathe/engine/cas"
	"lathe/engine/config"
	"lathe/engine/gpu"
	"lathe/engine/sched"
	"lathe/runners"
	"lathe/store"
)

// Options configure an engine.
type Options struct {
	Paths  api.Paths
	Config config.Config
	// Exe is the binary whose `shim` subcommand supervises each job of
	// the local runner ("": lathe itself).
	Exe string
	// ShimEnv is added to the environment of the local runner's shims
	// (tests use it to make the test binary act as the shim).
	ShimEnv []string
	// Socket is the socket clients and jobs reach the engine at, when it
	// serves one; jobs see it as LATHE_SOCKET.
	Socket  string
	Log     *slog.Logger
	Version string
	// Probe reads the GPUs; nil opens the one config (or LATHE_GPUS) names.
	// The engine closes it when it stops, or when Open fails.
	Probe gpu.Probe
	// GPUSampleInterval is how often the GPUs are read; 0 is a second.
	GPUSampleInterval time.Duration
	// Runners start the jobs, each known by its name; the first is the
	// default. Nil: the local runner, with Exe and ShimEnv
	// (defaultRunners).
	Runners []runners.Runner
	// MLflow is the MLflow-compatible endpoint served beside the engine
	// (ServeEngine fills it from the config).
	MLflow MLflowOptions
}

// Engine is the in-process implementation of api.Service.
type Engine struct {
	opts Options
	db   *store.DB
	hub  *hub
	gpus *gpus
	// procs is the host's and the jobs' use of CPU and memory.
	procs *procs
	// gpuHist is owned by the sampling goroutine.
	gpuHist gpuHistory
	log     *slog.Logger
	started time.Time
	user    string
	host    string
	// runners start jobs; the first is the default.
	runners []runners.Runner
	// sampleEvery is how often the GPUs are read.
	sampleEvery time.Duration

	// ctx ends when the engine stops; jobs go on running.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	kick   chan struct{}

	// launchMu orders the changes of a run's state that race: a launch, a
	// kill, a queued run failing. Held across a launch (milliseconds, at
	// worst launchTimeout), so nothing a client waits on takes it but Kill.
	launchMu sync.Mutex
	// mu guards the queue and the supervisors, briefly. Neither lock is
	// taken inside a store transaction.
	mu    sync.Mutex
	queue map[string]*queued
	jobs  map[string]*supervisor
	// sweeps are the sweeps that may still start or stop trials.
	sweeps *sweeps

	// waitMu guards waiting, which events read from the store's writer.
	waitMu  sync.Mutex
	waiting map[string]string

	// cat answers filtered and sorted listings.
	cat *catalogue

	// artifacts is the registry's content-addressed folder; regMu makes a
	// registration's copy, its commit and the freeing of copies no version
	// keeps one step, so a copy is never freed under a version committing.
	artifacts *cas.Store
	regMu     sync.Mutex
	// modelCache keeps models read (modelcache.go).
	modelCache modelCache
	// promoMu makes each step of a promotion one (promotion.go).
	promoMu sync.Mutex

	// driftLocks make each drift ingest of a model one step, from reading
	// its open window to writing it back; alertLocks make its alerts'
	// hooks and retrains one at a time, outside that step (drift.go).
	driftLocks, alertLocks keyedLocks

	// digests queues the digests of the data sets runs name (datasets.go).
	digests datasetDigests

	// stall is why storing what jobs log fails now (a full disk), shown
	// with every running run and in the engine's status until it clears.
	stallMu sync.Mutex
	stall   string
	// damagedSkipped is the most damaged records a listing left out.
	damagedSkipped int
}

// setStall records why ingestion fails (err) or that it works again (nil);
// the running runs are published when that changes.
func (e *Engine) setStall(err error) {
	why := ""
	if err != nil {
		why = "metrics not stored yet: " + err.Error()
		switch {
		case errors.Is(err, syscall.ENOSPC):
			why = "metrics not stored yet: no space left on the data directory's disk (" + e.opts.Paths.Home +
				"); they are stored once space is freed, nothing is lost"
		case errors.Is(err, store.ErrDamaged):
			// The jobs' files keep every point: a rebuilt store has them.
			why += "; " + store.WayBack
		}
	}
	e.stallMu.Lock()
	changed := e.stall != why
	e.stall = why
	e.stallMu.Unlock()
	if !changed {
		return
	}
	e.mu.Lock()
	ids := make([]string, 0, len(e.jobs))
	for id := range e.jobs {
		ids = append(ids, id)
	}
	e.mu.Unlock()
	for _, id := range ids {
		e.publishRun(id)
	}
}

// noteDamaged records that a listing left out n damaged records, for the
// engine's status and doctor (the most one listing left out).
func (e *Engine) noteDamaged(n int) {
	if n == 0 {
		return
	}
	e.stallMu.Lock()
	if n > e.damagedSkipped {
		e.damagedSkipped = n
		e.log.Warn("damaged records left out of a listing; `lathe store check` names them", "records", n)
	}
	e.stallMu.Unlock()
}

// stalled is why ingestion fails now, or "".
func (e *Engine) stalled() string {
	e.stallMu.Lock()
	defer e.stallMu.Unlock()
	return e.stall
}

// queued is what the scheduler needs of a queued run.
type queued struct {
	id       string
	priority int
	created  time.Time
	after    string
	gpus     int
	gpuIDs   []int
	minMem   uint64
	runner   string
}

// engineMemoryLimit is the engine's soft memory limit.
const engineMemoryLimit = 192 << 20

// storeLockTimeout is how long Open waits for the store's file lock before
// concluding another engine holds it.
const storeLockTimeout = 300 * time.Millisecond

// Open starts an engine on a data directory: it opens the store (refusing
// when another engine holds it), re-adopts the jobs an earlier engine left
// running and starts the queue. When it fails, it leaves nothing open or
// running behind.
func Open(opts Options) (_ *Engine, err error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	// What is opened is undone, last first, if a later step fails.
	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	if opts.Probe != nil {
		undo = append(undo, func() { opts.Probe.Close() })
	}
	if opts.Runners == nil {
		opts.Runners = defaultRunners(opts)
	}
	if err := checkRunners(opts.Runners); err != nil {
		return nil, err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit: past it the collector works harder rather than
		// let the heap double, so many jobs and clients at once stay
		// within the engine's memory budget (GOMEMLIMIT overrides it).
		debug.SetMemoryLimit(engineMemoryLimit)
	}
	if opts.GPUSampleInterval <= 0 {
		opts.GPUSampleInterval = time.Second
	}
	if err := privateHome(opts.Paths, opts.Log); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	db, err := store.Open(opts.Paths.DB(), storeLockTimeout)
	if errors.Is(err, store.ErrLocked) {
		return nil, busyError(opts.Paths)
	}
	if errors.Is(err, store.ErrDamaged) {
		return nil, fmt.Errorf("%w; the file is left as it is: %s", err, store.WayBack)
	}
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { db.Close() })
	if opts.Probe == nil {
		spec := opts.Config.GPUs.Probe
		if env := os.Getenv("LATHE_GPUS"); env != "" {
			spec = env
		}
		if opts.Probe, err = gpu.Open(spec); err != nil {
			return nil, api.Errorf(api.ErrInvalid, "GPUs: %v", err)
		}
		undo = append(undo, func() { opts.Probe.Close() })
	}
	if n := opts.Probe.Info().Notice; n != "" {
		opts.Log.Warn(n)
	}
	if up := db.Upgraded(); up != nil {
		opts.Log.Warn("the store was upgraded", "from_schema", up.From, "to_schema", up.To, "backup", up.Backup)
	}
	e := &Engine{
		opts:        opts,
		db:          db,
		hub:         newHub(),
		gpus:        newGPUs(opts.Probe, opts.Config.GPUs.PricePerGPUHour),
		procs:       newProcs(),
		log:         opts.Log,
		started:     time.Now(),
		runners:     opts.Runners,
		sampleEvery: opts.GPUSampleInterval,
		kick:        make(chan struct{}, 1),
		queue:       map[string]*queued{},
		jobs:        map[string]*supervisor{},
		sweeps:      newSweeps(),
		waiting:     map[string]string{},
		cat:         newCatalogue(),
		artifacts:   cas.New(opts.Paths.Artifacts()),
	}
	// No registration runs yet: what a crash left mid-copy goes.
	e.artifacts.Clean()
	e.user = currentUser()
	e.host, _ = os.Hostname()
	e.ctx, e.cancel = context.WithCancel(context.Background())
	// Stops what runs (the catalogue's loader, the supervisors of adopted
	// jobs; not the jobs) before the store closes.
	undo = append(undo, func() { e.cancel(); e.wg.Wait(); e.hub.closeAll() })
	db.Watch(e.cat.touch)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.cat.load(db)
		e.warmModels()
	}()
	switch err := os.WriteFile(opts.Paths.PIDFile(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); {
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		// A full disk: the engine serves all the same (its socket, not
		// this file, is how clients find it), and says so.
		os.Remove(opts.Paths.PIDFile())
		opts.Log.Warn("no pid file", "err", err)
	case err != nil:
		return nil, fmt.Errorf("write pid file: %w", err)
	}
	undo = append(undo, func() { removeOwnPIDFile(opts.Paths.PIDFile()) })
	active, err := e.recover()
	if err != nil {
		if errors.Is(err, store.ErrDamaged) {
			return nil, fmt.Errorf("%w; %s", err, store.WayBack)
		}
		return nil, err
	}
	if err := e.loadSweeps(active); err != nil {
		return nil, err
	}
	e.wg.Add(4)
	go e.runSweeps()
	go e.schedule()
	go e.sampleGPUs()
	go e.purgeRemoved()
	e.wg.Add(4)
	go e.digestDatasets()
	go e.watchDrift()
	go e.resumeAlerts()
	go e.backUp()
	e.kickScheduler()
	return e, nil
}

func busyError(p api.Paths) error {
	pid := "unknown"
	if raw, err := os.ReadFile(p.PIDFile()); err == nil {
		pid = string(bytes.TrimSpace(raw))
	}
	sock, _ := p.Socket()
	return api.Errorf(api.ErrEngineBusy, "an engine already runs on %s (pid %s, socket %s); use it, or stop it with `lathe engine stop`", p.Home, pid, sock)
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
}

// Close stops the engine. Jobs keep running; the next engine adopts them.
func (e *Engine) Close() error {
	e.cancel()
	e.wg.Wait()
	e.hub.closeAll()
	e.gpus.probe.Close()
	err := e.db.Close()
	removeOwnPIDFile(e.opts.Paths.PIDFile())
	return err
}

// Done is closed when the engine is stopping.
func (e *Engine) Done() <-chan struct{} { return e.ctx.Done() }

// Stop asks the engine to stop (the socket server's shutdown request).
func (e *Engine) Stop() { e.cancel() }

func (e *Engine) kickScheduler() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// recover loads the queue and re-adopts or settles every run an earlier
// engine left running. It returns the runs the store held queued or
// running, as they were read.
func (e *Engine) recover() ([]*store.Run, error) {
	var active []*store.Run
	err := e.db.View(func(tx *store.Tx) error {
		var err error
		active, err = tx.ActiveRuns()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	var ending []<-chan struct{}
	for _, r := range active {
		switch {
		case r.Status == store.Queued:
			e.enqueue(r)
		case apiRun(r).Tracked():
			// No job: it runs until its client (or a user) ends it.
		default:
			if settled := e.adopt(r); settled != nil {
				ending = append(ending, settled)
			}
		}
	}
	// Jobs that ended while no engine ran are settled before the engine
	// answers anyone, so no listing shows them running; a long last
	// output may take longer, and is then settled meanwhile.
	deadline := time.After(settleAtOpen)
	for _, ch := range ending {
		select {
		case <-ch:
		case <-deadline:
			return active, nil
		}
	}
	return active, nil
}

// settleAtOpen bounds how long an engine that starts waits for the jobs
// that ended without it to be settled.
const settleAtOpen = 5 * time.Second

func (e *Engine) enqueue(r *store.Run) {
	e.mu.Lock()
	e.queue[r.ID] = &queued{id: r.ID, priority: r.Priority, created: r.Created, after: r.After,
		gpus: r.GPUs, gpuIDs: r.GPUIDs, minMem: r.MinGPUMem, runner: r.Runner}
	e.mu.Unlock()
}

// schedule launches queued runs whenever something changed.
func (e *Engine) schedule() {
	defer e.wg.Done()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.kick:
		}
		e.launchReady()
	}
}

// launchReady starts every queued run that may start now (engine/sched
// decides which, and on which GPUs); a run waits for the run it names with
// --after first.
func (e *Engine) launchReady() {
	e.mu.Lock()
	order := make([]*queued, 0, len(e.queue))
	for _, q := range e.queue {
		order = append(order, q)
	}
	running := len(e.jobs)
	e.mu.Unlock()
	var reqs []sched.Request
	for _, q := range order {
		if q.after != "" {
			dep, err := e.storedRun(q.after)
			if err != nil {
				e.fail(q.id, fmt.Sprintf("the run it waits for (%s) cannot be read: %v", q.after, err))
				continue
			}
			if !dep.Status.Ended() {
				e.setWaiting(q.id, fmt.Sprintf("waiting for run %s (%s) to succeed", dep.Name, dep.Status))
				continue
			}
			if dep.Status != store.Succeeded {
				e.fail(q.id, fmt.Sprintf("the run it waits for, %s (%s), ended %s", dep.Name, dep.ID, dep.Status))
				continue
			}
		}
		if e.scheduled(q.runner) {
			// Its scheduler places it: hand it over now.
			if e.ctx.Err() == nil {
				e.launch(q.id, nil)
			}
			continue
		}
		reqs = append(reqs, sched.Request{ID: q.id, Priority: q.priority, Created: q.created,
			GPUs: q.gpus, GPUIDs: q.gpuIDs, MinMem: q.minMem})
	}
	cfg := e.opts.Config
	plan := sched.Schedule(time.Now(), reqs, e.gpus.view(cfg.GPUs.Allow), running, sched.Policy{
		MaxForeignMemFraction: cfg.GPUs.ForeignMemFraction,
		MaxForeignUtil:        cfg.GPUs.ForeignUtil,
		HeadProtection:        time.Duration(cfg.GPUs.HeadProtection),
		MaxRunning:            cfg.Jobs.MaxRunning,
	})
	for id, why := range plan.Waiting {
		e.setWaiting(id, why)
	}
	for _, p := range plan.Start {
		if e.ctx.Err() != nil {
			return
		}
		e.launch(p.ID, p.GPUs)
	}
}

func (e *Engine) setWaiting(id, why string) {
	e.waitMu.Lock()
	changed := e.waiting[id] != why
	e.waiting[id] = why
	e.waitMu.Unlock()
	if changed {
		e.publishRun(id)
	}
}

func (e *Engine) waitingFor(id string) string {
	e.waitMu.Lock()
	defer e.waitMu.Unlock()
	return e.waiting[id]
}

func (e *Engine) clearWaiting(id string) {
	e.waitMu.Lock()
	delete(e.waiting, id)
	e.waitMu.Unlock()
}

func (e *Engine) storedRun(id string) (*store.Run, error) {
	var r *store.Run
	err := e.db.View(func(tx *store.Tx) error {
		var err error
		r, err = tx.Run(id)
		return err
	})
	return r, err
}

// fail ends a queued run that can never start.
func (e *Engine) fail(id, reason string) {
	e.launchMu.Lock()
	defer e.launchMu.Unlock()
	if e.dequeue(id) {
		e.end(id, store.Failed, reason, nil, "")
	}
}

// queued is how many runs wait in the queue.
func (e *Engine) queued() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.queue)
}

func (e *Engine) dequeue(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.queue[id]
	delete(e.queue, id)
	return ok
}

// end records that a run ended and lets the queue move.
func (e *Engine) end(id string, status store.Status, reason string, code *int, signal string) {
	e.clearWaiting(id)
	now := time.Now().UTC()
	usage := e.gpus.release(id)
	proc := e.procs.end(id)
	r, err := e.updateRun(context.Background(), id, func(tx *store.Tx, r *store.Run) error {
		if r.Status.Ended() {
			return errEnded // a run ends once
		}
		r.Status, r.Reason, r.ExitCode, r.Signal, r.Ended = status, reason, code, signal, &now
		if usage != nil {
			r.Usage = usage
		}
		if proc != nil {
			r.Proc = proc
		}
		return tx.DeletePendingEnv(id)
	})
	if err != nil && !errors.Is(err, errEnded) {
		e.log.Error("record end of run", "run", id, "status", status, "err", err)
	}
	if err == nil {
		e.keepSpec(r)
	}
	if _, ok := e.sweeps.trials.Load(id); ok {
		e.kickSweeps() // a trial ended: its sweep may start the next
	}
	e.kickScheduler()
}

var errEnded = errors.New("run has already ended")

// updateRun changes a stored run in one transaction and, once that is
// durable, tells the clients.
func (e *Engine) updateRun(ctx context.Context, id string, change func(*store.Tx, *store.Run) error) (*store.Run, error) {
	var out *store.Run
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		r, err := tx.Run(id)
		if err != nil {
			return err
		}
		if err := change(tx, r); err != nil {
			return err
		}
		if err := tx.PutRun(r); err != nil {
			return err
		}
		e.publishAfter(tx, r)
		out = r
		return nil
	})
	return out, err
}

// publishAfter sends a run event once tx commits.
func (e *Engine) publishAfter(tx *store.Tx, r *store.Run) {
	v, err := e.view(tx, r)
	if err != nil {
		return
	}
	tx.OnCommit(func() { e.hub.publish(api.Event{Type: api.EventRun, Run: &v}) })
}

// publishRun sends the stored state of a run.
func (e *Engine) publishRun(id string) {
	var v api.Run
	err := e.db.View(func(tx *store.Tx) error {
		r, err := tx.Run(id)
		if err != nil {
			return err
		}
		v, err = e.view(tx, r)
		return err
	})
	if err == nil {
		e.hub.publish(api.Event{Type: api.EventRun, Run: &v})
	}
}

// view builds what clients see of a run.
func (e *Engine) view(tx *store.Tx, r *store.Run) (api.Run, error) {
	v := apiRun(r)
	v.Metrics = map[string]api.MetricSummary{}
	sums, err := tx.Summaries(r.ID)
	if errors.Is(err, store.ErrDamaged) {
		// The run is shown all the same, without its metrics; the
		// damage is counted, and check names it.
		tx.Skipped++
		err = nil
	}
	if err != nil {
		return v, err
	}
	for name, s := range sums {
		v.Metrics[name] = apiSummary(s)
	}
	for _, src := range []store.Source{store.SourceMetrics, store.SourceOutput} {
		t, err := tx.Tail(r.ID, src)
		if err != nil {
			return v, err
		}
		v.InvalidLines += t.Invalid
		if v.FirstInvalid == "" && t.FirstInvalid != "" {
			v.FirstInvalid = t.FirstInvalid
			if src == store.SourceOutput {
				v.FirstInvalid = "output: " + v.FirstInvalid
			}
		}
	}
	events, err := tx.EventTails(r.ID)
	if err != nil {
		return v, err
	}
	for _, t := range events {
		v.InvalidLines += t.Invalid
		if v.FirstInvalid == "" {
			v.FirstInvalid = t.FirstInvalid
		}
	}
	if r.Status == store.Queued {
		v.Waiting = e.waitingFor(r.ID)
	}
	if r.Status == store.Running {
		if now, sum := e.procs.of(r.ID); now != nil {
			v.ProcNow, v.Proc = now, sum
		}
		v.Stall = e.stalled()
		if q := v.Queue; q != nil && q.Pending {
			v.Waiting = "pending in " + q.Scheduler
			if q.Reason != "" {
				v.Waiting += ": " + q.Reason
			}
		}
	}
	return v, nil
}

func (e *Engine) runDir(id string) string { return filepath.Join(e.opts.Paths.Runs(), id) }

// removeOwnPIDFile removes the pid file if it still names this process:
// once the store is released, the next engine may have written its own.
func removeOwnPIDFile(path string) {
	raw, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(raw)) == strconv.Itoa(os.Getpid()) {
		os.Remove(path)
	}
}

// privateHome makes the data directory and its runs folder the user's
// alone (0700: a job's output and spec may hold secrets; a team's group
// is let through to the socket by [access] socket_group). A directory made
// by an older lathe, open to others, is tightened once, with every run
// folder (0700) and the files in it (0600).
func privateHome(p api.Paths, log *slog.Logger) error {
	if err := os.MkdirAll(p.Runs(), 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(p.Home)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o067 == 0 {
		return nil // private already (0o010 is the team's way to the socket)
	}
	if err := os.Chmod(p.Home, 0o700); err != nil {
		return err
	}
	n := 0
	err = filepath.WalkDir(p.Runs(), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // what cannot be read stays as it is
		}
		mode := fs.FileMode(0o600)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return nil
		case d.IsDir():
			mode = 0o700
		}
		if os.Chmod(path, mode) == nil {
			n++
		}
		return nil
	})
	log.Info("the data directory was open to other users: made private", "home", p.Home, "tightened", n)
	return err
}

// damaged is how many damaged records a listing left out, at most.
func (e *Engine) damaged() int {
	e.stallMu.Lock()
	defer e.stallMu.Unlock()
	return e.damagedSkipped
}
