package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"lathe/engine/filter"
	"lathe/store"
)

// Compare sets runs side by side.
func (e *Engine) Compare(ctx context.Context, refs []string) (Comparison, error) {
	ids, err := e.selectRuns(ctx, refs, "", false)
	if err != nil {
		return Comparison{}, err
	}
	if len(ids) < 2 {
		return Comparison{}, errorf(ErrInvalid, "compare needs two runs or more (%d given)", len(ids))
	}
	var runs []Run
	err = e.db.View(func(tx *store.Tx) error {
		for _, id := range ids {
			r, err := tx.Run(id)
			if err != nil {
				return err
			}
			v, err := e.view(tx, r)
			if err != nil {
				return err
			}
			runs = append(runs, v)
		}
		return nil
	})
	if err != nil {
		return Comparison{}, translate(err)
	}
	return compareRuns(runs, e.opts.Config.Metrics.Direction, e.opts.Config.GPUs.PricePerGPUHour, time.Now()), nil
}

// compareRuns builds the comparison of runs.
func compareRuns(runs []Run, directions map[string]string, price float64, now time.Time) Comparison {
	c := Comparison{Runs: runs, Params: ParamComparison{Differ: map[string]map[string]*string{}, Same: map[string]string{}},
		Metrics: map[string]MetricComparison{}, Usage: map[string]RunUsage{}}
	names := map[string]bool{}
	for _, r := range runs {
		for k := range r.Params {
			names[k] = true
		}
	}
	for name := range names {
		values := map[string]*string{}
		same := true
		first, firstOK := runs[0].Params[name]
		for _, r := range runs {
			v, ok := r.Params[name]
			if ok {
				values[r.ID] = &v
			} else {
				values[r.ID] = nil
			}
			if ok != firstOK || v != first {
				same = false
			}
		}
		if same {
			c.Params.Same[name] = first
		} else {
			c.Params.Differ[name] = values
		}
	}
	metrics := map[string]bool{}
	for _, r := range runs {
		for k := range r.Metrics {
			metrics[k] = true
		}
	}
	for name := range metrics {
		m := MetricComparison{ByRun: map[string]*MetricStat{}, Direction: Direction(name, directions)}
		best := math.NaN()
		for _, r := range runs {
			s, ok := r.Metrics[name]
			if !ok {
				m.ByRun[r.ID] = nil
				continue
			}
			m.ByRun[r.ID] = &MetricStat{Last: s.Last, Min: s.Min, Max: s.Max, Count: s.Count}
			v := float64(s.Last)
			if math.IsNaN(v) || m.Direction == "" {
				continue
			}
			if math.IsNaN(best) || m.Direction == "min" && v < best || m.Direction == "max" && v > best {
				best, m.Best = v, r.ID
			}
		}
		c.Metrics[name] = m
	}
	for _, r := range runs {
		var u RunUsage
		if r.Started != nil {
			end := now
			if r.Ended != nil {
				end = *r.Ended
			}
			u.DurationS = end.Sub(*r.Started).Seconds()
		}
		if g := r.Usage; g != nil {
			u.GPUHours, u.EnergyWh, u.MeanUtil = g.GPUHours, g.EnergyWh, g.MeanGPUUtil
			u.PeakMemGB = float64(g.PeakGPUMemBytes) / (1 << 30)
			u.Cost = g.GPUHours * price
		}
		c.Usage[r.ID] = u
	}
	return c
}

// Direction says whether lower ("min") or higher ("max") values of a
// metric are better: as configured, else from the words of its name
// (val_loss, train/mse: lower; val_acc, f1_macro: higher), else "".
func Direction(name string, configured map[string]string) string {
	if d, ok := configured[name]; ok {
		return d
	}
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i := len(words) - 1; i >= 0; i-- { // the last word says most: loss_acc is unusual
		switch words[i] {
		case "loss", "error", "err", "mse", "mae", "rmse", "nll", "perplexity", "ppl", "wer", "cer":
			return "min"
		case "acc", "accuracy", "f1", "auc", "r2", "precision", "recall", "bleu", "map", "iou", "top1", "top5":
			return "max"
		}
	}
	return ""
}

// MarshalJSON writes {RUN: {last, min, max, count} or null, "best": RUN,
// "direction": "min"|"max"|""}.
func (m MetricComparison) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(m.ByRun)+2)
	for id, s := range m.ByRun {
		out[id] = s
	}
	out["best"] = m.Best
	out["direction"] = m.Direction
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (m *MetricComparison) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*m = MetricComparison{ByRun: map[string]*MetricStat{}}
	for k, v := range raw {
		var err error
		switch k {
		case "best":
			err = json.Unmarshal(v, &m.Best)
		case "direction":
			err = json.Unmarshal(v, &m.Direction)
		default:
			var s *MetricStat
			err = json.Unmarshal(v, &s)
			m.ByRun[k] = s
		}
		if err != nil {
			return fmt.Errorf("metric comparison %q: %w", k, err)
		}
	}
	return nil
}

// Fields gives a filter what it reads of the run (for a client that
// evaluates a field, such as a column of a table); now is the end of a run
// that has not ended.
func (r *Run) Fields(now time.Time) filter.Run { return runFields{r, now} }

type runFields struct {
	r   *Run
	now time.Time
}

func (f runFields) Text(fl filter.Field) (string, bool) {
	switch fl.Kind {
	case filter.ID:
		return f.r.ID, true
	case filter.Name:
		return f.r.Name, true
	case filter.Experiment:
		return f.r.Experiment, true
	case filter.Status:
		return string(f.r.Status), true
	}
	return "", false
}

func (f runFields) Param(name string) (string, bool) { v, ok := f.r.Params[name]; return v, ok }
func (f runFields) Tag(name string) (string, bool)   { v, ok := f.r.Tags[name]; return v, ok }

func (f runFields) Metric(name string, agg filter.Agg) (float64, bool) {
	m, ok := f.r.Metrics[name]
	if !ok {
		return 0, false
	}
	switch agg {
	case filter.Min:
		return float64(m.Min), true
	case filter.Max:
		return float64(m.Max), true
	case filter.Count:
		return float64(m.Count), true
	}
	return float64(m.Last), true
}

func (f runFields) Time(fl filter.Field) (time.Time, bool) {
	var t *time.Time
	switch fl.Kind {
	case filter.Started:
		t = f.r.Started
	case filter.Created:
		t = &f.r.Created
	case filter.Ended:
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
