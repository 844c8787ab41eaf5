package engine

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"lathe/engine/api"
	"lathe/store"
)

// procMaxPoints is about how many readings of its process tree a run keeps,
// however long it runs: its step doubles each time the run outgrows it.
const procMaxPoints = 1000

// procStep is the step of a run's process history at an age.
func procStep(age time.Duration) time.Duration {
	step := time.Second
	for age > step*procMaxPoints {
		step *= 2
	}
	return step
}

// procRun is what the engine gathers of one running run's process tree:
// its summary, and its history's readings not yet written.
type procRun struct {
	usage  store.ProcUsage
	origin time.Time // the run's start: steps count from it
	step   time.Duration
	// thin is set when the store may hold readings finer than step: an
	// earlier step, or an earlier engine's.
	thin    bool
	slot    time.Time // the step being gathered
	agg     store.ProcPoint
	n       int
	pending []store.ProcPoint
	ended   bool
}

// add takes a reading into the run's summary and its history.
func (r *procRun) add(now time.Time, st api.ProcStats) {
	u := &r.usage
	u.PeakRSS = max(u.PeakRSS, st.RSS)
	u.MeanCPU = (u.MeanCPU*float64(u.Samples) + st.CPUPercent) / float64(u.Samples+1)
	u.Samples++
	age := max(now.Sub(r.origin), 0)
	if step := procStep(age); step != r.step {
		r.close()
		r.step, r.thin = step, true
	}
	slot := r.origin.Add(age / r.step * r.step)
	if !slot.Equal(r.slot) {
		r.close()
		r.slot = slot
	}
	r.agg.CPU = (r.agg.CPU*float64(r.n) + st.CPUPercent) / float64(r.n+1)
	r.agg.RSS, r.agg.Procs = max(r.agg.RSS, st.RSS), max(r.agg.Procs, st.Procs)
	r.n++
}

// close ends the step being gathered: its reading is due to be written.
func (r *procRun) close() {
	if r.n > 0 {
		r.agg.Time = r.slot
		r.pending = append(r.pending, r.agg)
	}
	r.agg, r.n = store.ProcPoint{}, 0
}

// procs is the host's and the running runs' use of CPU and memory, read
// with each sample of the GPUs.
type procs struct {
	sampler *procSampler // the sampling goroutine's alone

	mu      sync.Mutex
	host    *api.HostStats
	last    map[string]api.ProcStats
	runs    map[string]*procRun
	flushed time.Time
}

func newProcs() *procs {
	return &procs{sampler: newProcSampler(), runs: map[string]*procRun{}}
}

// start follows a run from its start, going on from what it used before (a
// run an earlier engine followed).
func (p *procs) start(id string, started time.Time, used *store.ProcUsage) {
	// Steps start on a whole second, as the store keeps times.
	r := &procRun{origin: started.Truncate(time.Second), thin: true}
	if used != nil {
		r.usage = *used
	}
	p.mu.Lock()
	p.runs[id] = r
	p.mu.Unlock()
}

// end stops following a run and returns what it used; its last readings
// are written at the next flush.
func (p *procs) end(id string) *store.ProcUsage {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.last, id)
	r := p.runs[id]
	if r == nil {
		return nil
	}
	r.close()
	r.ended = true
	if r.usage.Samples == 0 {
		return nil
	}
	u := r.usage
	return &u
}

// record keeps a reading of the host and of the runs followed.
func (p *procs) record(now time.Time, host *api.HostStats, stats map[string]api.ProcStats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.host, p.last = host, map[string]api.ProcStats{}
	for id, st := range stats {
		if r := p.runs[id]; r != nil && !r.ended {
			r.add(now, st)
			p.last[id] = st
		}
	}
}

// of is a running run's last reading and its summary so far (fresher than
// the one stored every historyFlush), nil before its first reading.
func (p *procs) of(id string) (*api.ProcStats, *api.ProcSummary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, ok := p.last[id]
	r := p.runs[id]
	if !ok || r == nil {
		return nil, nil
	}
	return &st, apiProcSummary(r.usage)
}

// now is the last reading, for the GPU report.
func (p *procs) now() (*api.HostStats, map[string]api.ProcStats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.last) == 0 {
		return p.host, nil
	}
	return p.host, maps.Clone(p.last)
}

// procWrite is what a flush writes of one run.
type procWrite struct {
	id     string
	points []store.ProcPoint
	thin   time.Duration // 0: no thinning
	origin time.Time
	usage  store.ProcUsage
	ended  bool
}

// take hands over what is due to be written (every historyFlush, or at
// once when a run ended; all, the steps being gathered too, when final).
// The readings stay for ProcHistory until written says they are stored.
func (p *procs) take(now time.Time, final bool) []procWrite {
	p.mu.Lock()
	defer p.mu.Unlock()
	due := final || now.Sub(p.flushed) >= historyFlush
	for _, r := range p.runs {
		due = due || r.ended
	}
	if !due {
		return nil
	}
	p.flushed = now
	var out []procWrite
	for id, r := range p.runs {
		if final {
			r.close()
		}
		w := procWrite{id: id, points: slices.Clone(r.pending), origin: r.origin, usage: r.usage, ended: r.ended}
		if r.thin {
			w.thin = r.step
		}
		r.thin = false
		out = append(out, w)
	}
	return out
}

// written forgets what a flush stored: the readings it wrote, and the runs
// that had ended.
func (p *procs) written(writes []procWrite) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range writes {
		r := p.runs[w.id]
		if r == nil {
			continue
		}
		r.pending = r.pending[len(w.points):]
		if w.ended {
			delete(p.runs, w.id)
		}
	}
}

// sampleProcs reads the host and the running jobs' process trees.
func (e *Engine) sampleProcs(now time.Time) {
	jobs := map[string]int{}
	e.mu.Lock()
	for id, s := range e.jobs {
		if pid := s.job.PID(); pid > 0 {
			jobs[id] = pid
		}
	}
	e.mu.Unlock()
	host, stats := e.procs.sampler.sample(now, jobs, e.opts.Paths.Home)
	e.procs.record(now, host, stats)
	e.flushProcs(now, false)
}

// flushProcs writes the runs' process histories and summaries, in one
// transaction.
func (e *Engine) flushProcs(now time.Time, final bool) {
	writes := e.procs.take(now, final)
	if len(writes) == 0 {
		return
	}
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		for _, w := range writes {
			for _, pt := range w.points {
				if err := tx.PutProcPoint(w.id, pt); err != nil {
					return err
				}
			}
			if w.thin > 0 {
				if err := tx.ThinProcHistory(w.id, w.origin, w.thin); err != nil {
					return err
				}
			}
			if w.ended || w.usage.Samples == 0 {
				continue // its end wrote the summary
			}
			r, err := tx.Run(w.id)
			if err != nil || r.Status.Ended() {
				continue
			}
			u := w.usage
			r.Proc = &u
			if err := tx.PutRun(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.log.Warn("write process history", "err", err)
		return // kept, to be written with the next
	}
	e.procs.written(writes)
}

// ProcHistory reads a run's process tree readings, oldest first: what is
// stored, then what is gathered and not yet written.
func (e *Engine) ProcHistory(ctx context.Context, ref string) ([]api.ProcPoint, error) {
	var pts []store.ProcPoint
	var id string
	err := e.db.View(func(tx *store.Tx) error {
		r, err := tx.ResolveRun(ref)
		if err != nil {
			return err
		}
		id = r.ID
		pts, err = tx.ProcHistory(r.ID)
		return err
	})
	if err != nil {
		return nil, e.translate(err)
	}
	pts = append(pts, e.procs.unwritten(id, pts)...)
	out := make([]api.ProcPoint, len(pts))
	for i, p := range pts {
		out[i] = apiProcPoint(p)
	}
	return out, nil
}

// unwritten is what is gathered of a run and not in stored, the readings
// read from the store (a flush may have written some since).
func (p *procs) unwritten(id string, stored []store.ProcPoint) []store.ProcPoint {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.runs[id]
	if r == nil {
		return nil
	}
	pts := slices.Clone(r.pending)
	if r.n > 0 {
		cur := r.agg
		cur.Time = r.slot
		pts = append(pts, cur)
	}
	if len(stored) > 0 {
		last := stored[len(stored)-1].Time
		pts = slices.DeleteFunc(pts, func(p store.ProcPoint) bool { return !p.Time.After(last) })
	}
	return pts
}

func apiProcSummary(u store.ProcUsage) *api.ProcSummary {
	return &api.ProcSummary{PeakRSS: u.PeakRSS, MeanCPUPercent: u.MeanCPU, Samples: u.Samples}
}

func apiProcPoint(p store.ProcPoint) api.ProcPoint {
	return api.ProcPoint{Time: p.Time, ProcStats: api.ProcStats{CPUPercent: p.CPU, RSS: p.RSS, Procs: p.Procs}}
}
