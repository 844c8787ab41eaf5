package filter

import (
	"time"
)

// testRun is a Run over plain maps; a missing key is a missing value.
type testRun struct {
	text    map[FieldKind]string // id, name, experiment, status
	params  map[string]string
	tags    map[string]string
	metrics map[string][4]float64 // by Agg: last, min, max, count
	times   map[FieldKind]time.Time
	now     time.Time // for the duration of a run not ended
	gpus    int
}

func (r *testRun) Text(f Field) (string, bool) {
	v, ok := r.text[f.Kind]
	return v, ok
}

func (r *testRun) Param(name string) (string, bool) {
	v, ok := r.params[name]
	return v, ok
}

func (r *testRun) Tag(name string) (string, bool) {
	v, ok := r.tags[name]
	return v, ok
}

func (r *testRun) Metric(name string, agg Agg) (float64, bool) {
	v, ok := r.metrics[name]
	return v[agg], ok
}

func (r *testRun) Time(f Field) (time.Time, bool) {
	v, ok := r.times[f.Kind]
	return v, ok
}

func (r *testRun) Duration() (time.Duration, bool) {
	start, ok := r.times[Started]
	if !ok {
		return 0, false
	}
	end, ok := r.times[Ended]
	if !ok {
		end = r.now
	}
	return end.Sub(start), true
}

func (r *testRun) GPUs() int { return r.gpus }
