package engine

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode"

	"lathe/engine/api"
	"lathe/store"
)

// Compare sets runs side by side.
func (e *Engine) Compare(ctx context.Context, refs []string) (api.Comparison, error) {
	ids, err := e.selectRuns(ctx, refs, "", false)
	if err != nil {
		return api.Comparison{}, err
	}
	if len(ids) < 2 {
		return api.Comparison{}, api.Errorf(api.ErrInvalid, "compare needs two runs or more (%d given)", len(ids))
	}
	var runs []api.Run
	err = e.db.View(func(tx *store.Tx) error {
		runs, err = e.viewIDs(tx, ids, false)
		return err
	})
	if err != nil {
		return api.Comparison{}, e.translate(err)
	}
	return compareRuns(runs, e.opts.Config.Metrics.Direction, e.opts.Config.GPUs.PricePerGPUHour, time.Now()), nil
}

// compareRuns builds the comparison of runs.
func compareRuns(runs []api.Run, directions map[string]string, price float64, now time.Time) api.Comparison {
	c := api.Comparison{Runs: runs, Params: api.ParamComparison{Differ: map[string]map[string]*string{}, Same: map[string]string{}},
		Metrics: map[string]api.MetricComparison{}, Usage: map[string]api.RunUsage{}}
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
		m := api.MetricComparison{ByRun: map[string]*api.MetricStat{}, Direction: Direction(name, directions)}
		best := math.NaN()
		for _, r := range runs {
			s, ok := r.Metrics[name]
			if !ok {
				m.ByRun[r.ID] = nil
				continue
			}
			m.ByRun[r.ID] = &api.MetricStat{Last: s.Last, Min: s.Min, Max: s.Max, Count: s.Count}
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
		var u api.RunUsage
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
