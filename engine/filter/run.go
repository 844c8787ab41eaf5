package filter

import (
	"time"

	"lathe/engine/api"
)

// Fields gives a filter what it reads of a run as clients see it (for a client that
// evaluates a field, such as a column of a table); now is the end of a run
// that has not ended.
func Fields(r *api.Run, now time.Time) Run { return runFields{r, now} }

type runFields struct {
	r   *api.Run
	now time.Time
}

func (f runFields) Text(fl Field) (string, bool) {
	switch fl.Kind {
	case ID:
		return f.r.ID, true
	case Name:
		return f.r.Name, true
	case Experiment:
		return f.r.Experiment, true
	case Status:
		return string(f.r.Status), true
	}
	return "", false
}

func (f runFields) Param(name string) (string, bool) { v, ok := f.r.Params[name]; return v, ok }
func (f runFields) Tag(name string) (string, bool)   { v, ok := f.r.Tags[name]; return v, ok }

func (f runFields) Metric(name string, agg Agg) (float64, bool) {
	m, ok := f.r.Metrics[name]
	if !ok {
		return 0, false
	}
	switch agg {
	case Min:
		return float64(m.Min), true
	case Max:
		return float64(m.Max), true
	case Count:
		return float64(m.Count), true
	}
	return float64(m.Last), true
}

func (f runFields) Time(fl Field) (time.Time, bool) {
	var t *time.Time
	switch fl.Kind {
	case Started:
		t = f.r.Started
	case Created:
		t = &f.r.Created
	case Ended:
		t = f.r.Ended
	}
	if t == nil {
		return time.Time{}, false
	}
	return *t, true
}

func (f runFields) Duration() (time.Duration, bool) {
	if f.r.Started == nil {
		return 0, false
	}
	end := f.now
	if f.r.Ended != nil {
		end = *f.r.Ended
	}
	return end.Sub(*f.r.Started), true
}

func (f runFields) GPUs() int { return len(f.r.Devices) }
