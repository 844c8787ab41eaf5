package tui

import (
	"cmp"
	"math"
	"slices"
	"time"

	"lathe/engine/api"
)

// state is what the app knows of the engine, shared by the pages. Only
// App.Update changes it.
type state struct {
	runs []api.Run // newest first
	// loaded says the newest runs are all in runs, not only the active ones.
	loaded bool
	// version counts the changes of runs, so pages can cache what they
	// derive from them (the sorted, filtered table).
	version int
	gpus    api.GPUReport
	// cluster is the user's jobs in a cluster's queue (Slurm's), as last
	// read; Scheduler empty when the engine has none to ask.
	cluster api.Cluster
	// gpuHist is each device's readings over the last hour, by index: read
	// from the engine at start, then extended by the event stream.
	gpuHist map[int][]api.GPUPoint
	// gpuVersion counts the GPU reports taken, so pages can cache what
	// they draw of them.
	gpuVersion int
	// trend keeps the last values of each running run's main metric, for
	// sparklines, from the event stream.
	trend map[string][]float64
	// requests are the promotion requests of every model, closed ones too,
	// by id; mine those waiting for the user's review, oldest first. Both
	// are read again when a model changes.
	requests []api.Request
	mine     []api.Request
	// models are the registry's models as last listed, with each one's
	// drift status (the attention box's, the reviews').
	models []api.ModelSummary
	// sweeps are the sweeps as last listed, newest first (the palette's).
	sweeps []api.Sweep
	now    func() time.Time
}

// trendLen is how many recent values a sparkline shows.
const trendLen = 40

// gpuHistWindow is how far back the app keeps GPU readings.
const gpuHistWindow = time.Hour

func newState(now func() time.Time) *state {
	return &state{trend: map[string][]float64{}, gpuHist: map[int][]api.GPUPoint{}, now: now}
}

func (s *state) run(id string) (api.Run, bool) {
	i := slices.IndexFunc(s.runs, func(r api.Run) bool { return r.ID == id })
	if i < 0 {
		return api.Run{}, false
	}
	return s.runs[i], true
}

// setRuns replaces the list.
func (s *state) setRuns(runs []api.Run) {
	s.runs, s.loaded = runs, true
	s.version++
}

// upsert puts a run's new state in the list.
func (s *state) upsert(r api.Run) {
	s.version++
	if i := slices.IndexFunc(s.runs, func(x api.Run) bool { return x.ID == r.ID }); i >= 0 {
		s.runs[i] = r
		return
	}
	s.runs = append([]api.Run{r}, s.runs...)
}

// remove takes runs out of the list (they were removed from the engine).
func (s *state) remove(ids []string) {
	if len(ids) == 0 {
		return
	}
	s.version++
	s.runs = slices.DeleteFunc(s.runs, func(r api.Run) bool { return slices.Contains(ids, r.ID) })
	for _, id := range ids {
		delete(s.trend, id)
	}
}

// addPoints takes a run's new points: its summaries move with them,
// between run events, and its main metric's trend.
func (s *state) addPoints(id string, points map[string][]api.Point) {
	r, ok := s.run(id)
	if !ok {
		return
	}
	if r.Metrics == nil {
		r.Metrics = map[string]api.MetricSummary{}
	}
	for name, pts := range points {
		if len(pts) == 0 {
			continue
		}
		m := r.Metrics[name]
		for _, p := range pts {
			m = addPoint(m, p)
		}
		r.Metrics[name] = m
	}
	s.upsert(r)
	name := mainMetric(r)
	if name == "" {
		for n := range points {
			name = n
			break
		}
	}
	t := s.trend[id]
	for _, p := range points[name] {
		t = append(t, float64(p.Value))
	}
	if len(t) > trendLen {
		t = t[len(t)-trendLen:]
	}
	s.trend[id] = t
}

// addPoint moves a metric's summary by one point as the engine's store
// does: min and max are over the values that are not NaN (NaN while all
// are), and a metric's first point starts them.
func addPoint(m api.MetricSummary, p api.Point) api.MetricSummary {
	if m.Count == 0 {
		m.Min, m.Max = api.Float(math.NaN()), api.Float(math.NaN())
	}
	m.Count++
	m.Last, m.LastStep = p.Value, p.Step
	v := float64(p.Value)
	if math.IsNaN(v) {
		return m
	}
	if math.IsNaN(float64(m.Min)) || v < float64(m.Min) {
		m.Min = p.Value
	}
	if math.IsNaN(float64(m.Max)) || v > float64(m.Max) {
		m.Max = p.Value
	}
	return m
}

// setRequests takes the promotion requests the engine listed.
func (s *state) setRequests(all, mine []api.Request) {
	byID := func(a, b api.Request) int { return cmp.Compare(a.ID, b.ID) }
	s.requests = slices.SortedFunc(slices.Values(all), byID)
	s.mine = slices.SortedFunc(slices.Values(mine), byID)
}

// model is a model as last listed.
func (s *state) model(name string) (api.ModelSummary, bool) {
	i := slices.IndexFunc(s.models, func(m api.ModelSummary) bool { return m.Name == name })
	if i < 0 {
		return api.ModelSummary{}, false
	}
	return s.models[i], true
}

// driftAlerts are the models whose latest drift window alerts, by name.
func (s *state) driftAlerts() []api.ModelSummary {
	var out []api.ModelSummary
	for _, m := range s.models {
		if m.Drift == api.DriftAlert {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b api.ModelSummary) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// latestRequest is a model's newest promotion request.
func (s *state) latestRequest(model string) (api.Request, bool) {
	for i := len(s.requests) - 1; i >= 0; i-- {
		if s.requests[i].Model == model {
			return s.requests[i], true
		}
	}
	return api.Request{}, false
}

// openRequests are the requests blocked or pending, oldest first.
func (s *state) openRequests() []api.Request {
	var out []api.Request
	for _, r := range s.requests {
		if requestOpen(r) {
			out = append(out, r)
		}
	}
	return out
}

// addGPUReport takes a new report and appends its samples to the history.
func (s *state) addGPUReport(rep api.GPUReport) {
	s.gpus = rep
	s.gpuVersion++
	for _, g := range rep.GPUs {
		if g.Sample == nil {
			continue
		}
		h := s.gpuHist[g.Index]
		p := g.Sample.Point()
		if n := len(h); n > 0 && !p.Time.After(h[n-1].Time) {
			continue // a sample already read with the history
		}
		h = append(h, p)
		// Drop what fell out of the window, in steps, not at every sample.
		if cut := p.Time.Add(-gpuHistWindow); h[0].Time.Before(cut.Add(-gpuHistWindow / 10)) {
			i, _ := slices.BinarySearchFunc(h, cut, func(p api.GPUPoint, t time.Time) int { return p.Time.Compare(t) })
			h = slices.Clone(h[i:])
		}
		s.gpuHist[g.Index] = h
	}
}

// gpuUtil is a device's mean utilisation in n steps of step ending now
// (NaN where it has no reading), oldest first.
func (s *state) gpuUtil(index, n int, step time.Duration) []float64 {
	out := make([]float64, n)
	counts := make([]int, n)
	start := s.now().Add(-time.Duration(n) * step)
	h := s.gpuHist[index]
	i, _ := slices.BinarySearchFunc(h, start, func(p api.GPUPoint, t time.Time) int { return p.Time.Compare(t) })
	for _, p := range h[i:] {
		if v := float64(p.Util); v == v {
			if j := int(p.Time.Sub(start) / step); j >= 0 && j < n {
				out[j] += v
				counts[j]++
			}
		}
	}
	for j := range out {
		if counts[j] == 0 {
			out[j] = math.NaN()
		} else {
			out[j] /= float64(counts[j])
		}
	}
	return out
}
