package engine

import (
	"context"
	"math"
	"time"

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

func pointOf(s gpu.Sample) store.GPUPoint {
	p := store.GPUPoint{Time: s.Time, Util: math.NaN(), MemoryUsed: math.NaN(), PowerW: math.NaN(), TempC: math.NaN()}
	if s.Lost {
		return p
	}
	if s.UtilGPU != nil {
		p.Util = float64(*s.UtilGPU)
	}
	if s.MemoryUsed != nil {
		p.MemoryUsed = float64(*s.MemoryUsed)
	}
	if s.PowerW != nil {
		p.PowerW = *s.PowerW
	}
	if s.TemperatureC != nil {
		p.TempC = float64(*s.TemperatureC)
	}
	return p
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

// GPUHistory reads a device's recent readings: per second for up to an
// hour, per minute for up to 30 days.
func (e *Engine) GPUHistory(ctx context.Context, device int, res store.GPUResolution, since time.Time) ([]store.GPUPoint, error) {
	var out []store.GPUPoint
	err := e.db.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.GPUHistory(res, device, since, time.Now())
		return err
	})
	return out, translate(err)
}
