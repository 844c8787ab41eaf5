package engine

import (
	"context"
	"math"
	"time"

	"lathe/engine/api"
	"lathe/engine/gpu"
	"lathe/store"
)

// historyFlush is how often the second-by-second GPU history is written: a
// crash loses at most that much of it, and the store takes one write, not
// ten.
const historyFlush = 10 * time.Second

// gpuHistory gathers GPU readings for the store's history rings.
type gpuHistory struct {
	seconds []gpuReading
	minute  map[int]*minuteAgg
	current time.Time // the minute being gathered
	flushed time.Time
}

type gpuReading struct {
	device int
	point  store.GPUPoint
}

type minuteAgg struct {
	n                 int
	util, power, temp sum
	maxMem            float64
}

// sum averages the readings that are not n/a.
type sum struct {
	total float64
	n     int
}

func (s *sum) add(v float64) {
	if !math.IsNaN(v) {
		s.total += v
		s.n++
	}
}

func (s sum) mean() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.total / float64(s.n)
}

// pointOf is a sample as the history keeps it: the contract says what a
// reading of a sample is.
func pointOf(s gpu.Sample) store.GPUPoint {
	p := apiSample(s).Point()
	return store.GPUPoint{Time: p.Time, Util: float64(p.Util), MemoryUsed: float64(p.MemoryUsed),
		PowerW: float64(p.PowerW), TempC: float64(p.TempC)}
}

// keepHistory adds a sample to the history and writes what is due.
func (e *Engine) keepHistory(samples []gpu.Sample, now time.Time) {
	h := &e.gpuHist
	minute := now.Truncate(time.Minute)
	var minutes []gpuReading
	if !h.current.IsZero() && minute.After(h.current) {
		for dev, a := range h.minute {
			minutes = append(minutes, gpuReading{dev, store.GPUPoint{Time: h.current, Util: a.util.mean(),
				MemoryUsed: a.maxMem, PowerW: a.power.mean(), TempC: a.temp.mean()}})
		}
		h.minute = nil
	}
	h.current = minute
	if h.minute == nil {
		h.minute = map[int]*minuteAgg{}
	}
	for _, s := range samples {
		p := pointOf(s)
		p.Time = now
		h.seconds = append(h.seconds, gpuReading{s.Index, p})
		a := h.minute[s.Index]
		if a == nil {
			a = &minuteAgg{maxMem: math.NaN()}
			h.minute[s.Index] = a
		}
		a.n++
		a.util.add(p.Util)
		a.power.add(p.PowerW)
		a.temp.add(p.TempC)
		if !math.IsNaN(p.MemoryUsed) && (math.IsNaN(a.maxMem) || p.MemoryUsed > a.maxMem) {
			a.maxMem = p.MemoryUsed
		}
	}
	if len(minutes) == 0 && now.Sub(h.flushed) < historyFlush {
		return
	}
	seconds := h.seconds
	h.seconds, h.flushed = nil, now
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		for _, r := range seconds {
			if err := tx.PutGPUPoint(store.GPUSecond, r.device, r.point); err != nil {
				return err
			}
		}
		for _, r := range minutes {
			if err := tx.PutGPUPoint(store.GPUMinute, r.device, r.point); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.log.Warn("write GPU history", "err", err)
	}
}

// flushHistory writes what is gathered when the engine stops, the minute
// so far included (a later engine adds to that minute's slot).
func (e *Engine) flushHistory() {
	h := &e.gpuHist
	h.flushed = time.Time{}
	if !h.current.IsZero() {
		// Close the minute as if the next had begun.
		e.keepHistory(nil, h.current.Add(time.Minute))
		return
	}
	e.keepHistory(nil, time.Now())
}

// gpuHistory reads a device's readings at one resolution.
func (e *Engine) gpuHistory(device int, res store.GPUResolution, since, until time.Time) ([]store.GPUPoint, error) {
	var out []store.GPUPoint
	err := e.db.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.GPUHistory(res, device, since, until)
		return err
	})
	return out, e.translate(err)
}

// GPUHistory reads a device's readings: per second while since is within
// the last hour, per minute (kept 30 days) before.
func (e *Engine) GPUHistory(ctx context.Context, device int, since, until time.Time) ([]api.GPUPoint, error) {
	now := time.Now()
	if until.IsZero() || until.After(now) {
		until = now
	}
	if until.Before(since) {
		return nil, api.Errorf(api.ErrInvalid, "a GPU history from %s to %s: the end is before the start", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	res := store.GPUSecond
	if now.Sub(since) > time.Hour {
		res = store.GPUMinute
	}
	pts, err := e.gpuHistory(device, res, since, until)
	if err != nil {
		return nil, err
	}
	out := make([]api.GPUPoint, len(pts))
	for i, p := range pts {
		out[i] = apiGPUPoint(p)
	}
	return out, nil
}
