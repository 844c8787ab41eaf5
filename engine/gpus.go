package engine

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"lathe/engine/api"
	"lathe/engine/gpu"
	"lathe/engine/sched"
	"lathe/runners"
	"lathe/store"
)

// recentSamples is how many samples decide whether a GPU is in foreign use.
const recentSamples = 5

// gpus is the engine's view of the GPUs: the last samples, the leases and
// what each run used.
type gpus struct {
	probe   gpu.Probe
	fake    *gpu.Fake // set when the probe is the fake, whose load follows the jobs
	devices []gpu.Device
	price   float64

	mu   sync.Mutex
	last []gpu.Sample
	// owners maps the processes of the last samples that are lathe's jobs
	// to their runs.
	owners map[int]string
	recent [][]foreignUse // per device, the last recentSamples
	leases map[int]string // device index → run id
	usage  map[string]*store.GPUUsage
	// jobPIDs are the job leaders the fake shows on its devices.
	jobPIDs map[string]int
	sampled time.Time
}

func newGPUs(p gpu.Probe, price float64) *gpus {
	g := &gpus{probe: p, devices: p.Devices(), price: price,
		leases: map[int]string{}, usage: map[string]*store.GPUUsage{}, jobPIDs: map[string]int{}}
	g.fake, _ = p.(*gpu.Fake)
	g.recent = make([][]foreignUse, len(g.devices))
	return g
}

// foreignUse is what one sample says of a device's use by others than
// lathe's jobs.
type foreignUse struct {
	lost bool
	mem  uint64 // memory used, less what lathe's jobs hold on it
	util uint32 // utilisation while no lathe job ran on it, else 0
}

// view is the GPUs as the scheduler sees them. A device not yet sampled is
// not free: nobody knows yet whether someone else uses it.
func (g *gpus) view(allow []int) []sched.GPU {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]sched.GPU, len(g.devices))
	for i, d := range g.devices {
		v := sched.GPU{Index: d.Index, MemTotal: d.MemoryTotal, LeasedBy: g.leases[d.Index],
			Allowed: len(allow) == 0 || slices.Contains(allow, d.Index), Unsampled: len(g.recent[i]) == 0}
		for _, f := range g.recent[i] {
			v.Lost = f.lost // the latest sample decides
			v.ForeignMem = max(v.ForeignMem, f.mem)
			v.ForeignUtil = max(v.ForeignUtil, f.util)
		}
		out[i] = v
	}
	return out
}

// lease gives devices to a run; usage restarts from what was recorded.
func (g *gpus) lease(id string, devices []int, used *store.GPUUsage) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, d := range devices {
		g.leases[d] = id
	}
	if len(devices) > 0 {
		u := &store.GPUUsage{}
		if used != nil {
			*u = *used
		}
		g.usage[id] = u
	}
}

// started tells the fake which process runs on the run's devices.
func (g *gpus) started(id string, devices []int, jobPID int) {
	if g.fake == nil || jobPID == 0 {
		return
	}
	g.mu.Lock()
	g.jobPIDs[id] = jobPID
	g.mu.Unlock()
	for _, d := range devices {
		// A training job fills most of a device and keeps it busy; vary it
		// a little by job so the dashboard does not look cloned.
		mem := uint64(18+jobPID%40) << 30
		g.fake.Assign(d, jobPID, mem, uint32(70+jobPID%28))
	}
}

// release ends a run's lease and returns what it used.
func (g *gpus) release(id string) *store.GPUUsage {
	g.mu.Lock()
	defer g.mu.Unlock()
	for d, holder := range g.leases {
		if holder == id {
			delete(g.leases, d)
			// Readings taken while the job ran would count as someone
			// else's use now: start over.
			for i, dev := range g.devices {
				if dev.Index == d {
					g.recent[i] = nil
				}
			}
		}
	}
	if pid, ok := g.jobPIDs[id]; ok && g.fake != nil {
		g.fake.Release(pid)
	}
	delete(g.jobPIDs, id)
	u := g.usage[id]
	delete(g.usage, id)
	return u
}

// charge counts a run's devices as used from when its GPU-hours were last
// counted until a time: the time an engine was down, or from the last
// sample to the job's end.
func (g *gpus) charge(id string, until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	u := g.usage[id]
	if u == nil || u.Through.IsZero() || !until.After(u.Through) {
		return
	}
	devices := 0
	for _, holder := range g.leases {
		if holder == id {
			devices++
		}
	}
	u.GPUHours += float64(devices) * until.Sub(u.Through).Hours()
	u.Cost = u.GPUHours * g.price
	u.Through = until
}

// record takes a sample: it keeps it for the scheduler and adds to each
// running run what it used since the last one. owners maps the processes
// on the GPUs that are lathe's jobs to their runs.
func (g *gpus) record(samples []gpu.Sample, owners map[int]string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := time.Now()
	dt := now.Sub(g.sampled)
	if g.sampled.IsZero() || dt > 10*time.Second {
		dt = 0 // the first sample, or after a pause: nothing to integrate
	}
	g.sampled = now
	g.last, g.owners = samples, owners
	mem := map[string]uint64{}
	for _, s := range samples {
		if s.Index < 0 || s.Index >= len(g.recent) {
			continue
		}
		// What lathe's jobs hold on this device; the rest is foreign.
		var ours uint64
		for _, p := range s.Processes {
			if id := owners[p.PID]; id != "" {
				mem[id] += p.UsedMemory
				ours += p.UsedMemory
			}
		}
		holder := g.leases[s.Index]
		f := foreignUse{lost: s.Lost}
		if s.MemoryUsed != nil && *s.MemoryUsed > ours {
			f.mem = *s.MemoryUsed - ours
		}
		if s.UtilGPU != nil && holder == "" && ours == 0 {
			f.util = *s.UtilGPU
		}
		r := append(g.recent[s.Index], f)
		if len(r) > recentSamples {
			r = r[1:]
		}
		g.recent[s.Index] = r
		u := g.usage[holder]
		if u == nil || s.Lost {
			continue
		}
		if ours == 0 && s.MemoryUsed != nil {
			// Some setups hide per-process memory (0): the device's own
			// reading is the best there is for the run holding it.
			mem[holder] += *s.MemoryUsed
		}
		hours := dt.Hours()
		u.GPUHours += hours
		u.Through = now
		if s.PowerW != nil {
			u.EnergyWh += *s.PowerW * hours
		}
		if s.UtilGPU != nil && dt > 0 {
			u.MeanGPUUtil = (u.MeanGPUUtil*float64(u.Samples) + float64(*s.UtilGPU)) / float64(u.Samples+1)
			u.Samples++
		}
		u.Cost = u.GPUHours * g.price
	}
	for id, m := range mem {
		if u := g.usage[id]; u != nil {
			u.PeakGPUMemBytes = max(u.PeakGPUMemBytes, m)
		}
	}
}

// report is what `lathe gpus` shows.
func (g *gpus) report(names map[string]string) api.GPUReport {
	g.mu.Lock()
	defer g.mu.Unlock()
	rep := api.GPUReport{Info: apiInfo(g.probe.Info()), GPUs: []api.GPUStatus{}}
	for _, d := range g.devices {
		st := api.GPUStatus{GPUDevice: apiDevice(d), LeasedBy: g.leases[d.Index]}
		if st.LeasedBy != "" {
			st.LeasedByName = names[st.LeasedBy]
		}
		for _, s := range g.last {
			if s.Index == d.Index {
				v := apiSample(s)
				st.Sample = &v
				for _, p := range s.Processes {
					gp := api.GPUProcess{PID: p.PID, UsedMemory: p.UsedMemory, RunID: g.owners[p.PID]}
					gp.RunName = names[gp.RunID]
					st.Processes = append(st.Processes, gp)
				}
			}
		}
		rep.GPUs = append(rep.GPUs, st)
	}
	return rep
}

// visibleDevices is CUDA_VISIBLE_DEVICES for a run's devices.
func (g *gpus) visibleDevices(devices []int, byUUID bool) string {
	names := make([]string, len(devices))
	for i, d := range devices {
		names[i] = strconv.Itoa(d)
		if byUUID {
			for _, dev := range g.devices {
				if dev.Index == d && dev.UUID != "" {
					names[i] = dev.UUID
				}
			}
		}
	}
	return strings.Join(names, ",")
}

// sampleGPUs reads the GPUs every sampleEvery (a second), accounts each
// run's use, and tells the clients.
func (e *Engine) sampleGPUs() {
	defer e.wg.Done()
	tick := time.NewTicker(e.sampleEvery)
	defer tick.Stop()
	persist := time.Now()
	for {
		e.sampleProcs(time.Now())
		samples, err := e.gpus.probe.Sample(e.ctx)
		if err != nil && e.ctx.Err() == nil {
			e.log.Warn("sample GPUs", "err", err)
		}
		if err == nil {
			e.gpus.record(samples, e.owners(samples))
			if len(samples) > 0 {
				e.keepHistory(samples, time.Now())
				// What is free may have changed (a job's memory freed,
				// someone's notebook closed): let queued jobs look again.
				if e.queued() > 0 {
					e.kickScheduler()
				}
			}
			if e.hub.hasSubscribers() {
				rep := e.gpuReport()
				e.hub.publish(api.Event{Type: api.EventGPUs, GPUs: &rep})
			}
			if time.Since(persist) >= 10*time.Second {
				persist = time.Now()
				e.persistUsage()
			}
		}
		select {
		case <-e.ctx.Done():
			e.persistUsage()
			e.flushHistory()
			e.flushProcs(time.Now(), true)
			return
		case <-tick.C:
		}
	}
}

// owners finds the runs of the processes on the GPUs: each runner whose
// jobs are processes of this machine is asked about its running jobs.
func (e *Engine) owners(samples []gpu.Sample) map[int]string {
	var pids []int
	for _, s := range samples {
		for _, p := range s.Processes {
			pids = append(pids, p.PID)
		}
	}
	if len(pids) == 0 {
		return nil
	}
	// A process on several GPUs is looked up once.
	slices.Sort(pids)
	pids = slices.Compact(pids)
	type running struct {
		owner runners.ProcessOwner
		ids   []string
		jobs  []runners.Job
	}
	byRunner := map[string]*running{}
	e.mu.Lock()
	for id, s := range e.jobs {
		po, ok := s.runner.(runners.ProcessOwner)
		if !ok {
			continue
		}
		r := byRunner[s.runner.Name()]
		if r == nil {
			r = &running{owner: po}
			byRunner[s.runner.Name()] = r
		}
		r.ids, r.jobs = append(r.ids, id), append(r.jobs, s.job)
	}
	e.mu.Unlock()
	out := map[int]string{}
	for _, r := range byRunner {
		for pid, i := range r.owner.Owners(pids, r.jobs) {
			if i >= 0 && i < len(r.ids) {
				out[pid] = r.ids[i]
			}
		}
	}
	return out
}

// persistUsage writes what running runs used so far, so a restart keeps it,
// in one transaction.
func (e *Engine) persistUsage() {
	e.gpus.mu.Lock()
	usage := make(map[string]store.GPUUsage, len(e.gpus.usage))
	for id, u := range e.gpus.usage {
		usage[id] = *u
	}
	e.gpus.mu.Unlock()
	if len(usage) == 0 {
		return
	}
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		for id, u := range usage {
			r, err := tx.Run(id)
			if err != nil || r.Status.Ended() {
				continue // its end wrote the final numbers
			}
			r.Usage = &u
			if err := tx.PutRun(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.log.Warn("record GPU use", "err", err)
	}
}

// gpuReport names the runs on the GPUs.
func (e *Engine) gpuReport() api.GPUReport {
	names := map[string]string{}
	e.db.View(func(tx *store.Tx) error {
		active, _ := tx.ActiveRuns()
		for _, r := range active {
			names[r.ID] = r.Name
		}
		return nil
	})
	rep := e.gpus.report(names)
	rep.Host, rep.Procs = e.procs.now()
	return rep
}

// recentWindow and recentStep shape the utilisation trend of a GPU report.
const (
	recentWindow = 5 * time.Minute
	recentStep   = 10 * time.Second
)

// GPUs reports the GPUs now, with each one's utilisation over the last
// minutes.
func (e *Engine) GPUs(ctx context.Context) (api.GPUReport, error) {
	rep := e.gpuReport()
	now := time.Now()
	for i := range rep.GPUs {
		pts, err := e.gpuHistory(rep.GPUs[i].Index, store.GPUSecond, now.Add(-recentWindow), now)
		if err != nil {
			return rep, err
		}
		rep.GPUs[i].Recent = bucketUtil(pts, now.Add(-recentWindow), recentStep, int(recentWindow/recentStep))
	}
	return rep, nil
}

// bucketUtil averages utilisation in n steps from start; a step without
// readings is NaN.
func bucketUtil(pts []store.GPUPoint, start time.Time, step time.Duration, n int) []api.Float {
	sums := make([]sum, n)
	for _, p := range pts {
		if i := int(p.Time.Sub(start) / step); i >= 0 && i < n {
			sums[i].add(p.Util)
		}
	}
	out := make([]api.Float, n)
	for i, s := range sums {
		out[i] = api.Float(s.mean())
	}
	return out
}

// checkGPURequest refuses at submit what no state of the machine could meet.
func (e *Engine) checkGPURequest(req api.SubmitRequest) error {
	err := sched.Check(sched.Request{GPUs: req.GPUs, GPUIDs: req.GPUIDs, MinMem: req.MinGPUMem}, e.gpus.view(e.opts.Config.GPUs.Allow))
	if err != nil {
		if n := e.gpus.probe.Info().Notice; n != "" && len(e.gpus.devices) == 0 {
			return api.Errorf(api.ErrInvalid, "%v (%s)", err, n)
		}
		return api.Errorf(api.ErrInvalid, "%v", err)
	}
	return nil
}
