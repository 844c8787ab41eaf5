package tui

import (
	"slices"
	"strconv"
	"time"

	"lathe/engine/api"
	"lathe/tui/format"
)

func itoa(n int) string { return strconv.Itoa(n) }

// mainMetric is the metric a run is watched by: loss when it has one, else
// its first by name.
func mainMetric(r api.Run) string {
	for _, n := range []string{"loss", "train_loss", "val_loss"} {
		if _, ok := r.Metrics[n]; ok {
			return n
		}
	}
	names := make([]string, 0, len(r.Metrics))
	for n := range r.Metrics {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// eta estimates a running run's end from its progress toward its total.
func eta(r api.Run, now time.Time) string {
	step := r.LastStep()
	if r.Total <= 0 || step <= 0 || r.Started == nil || r.Ended != nil {
		return ""
	}
	spent := now.Sub(*r.Started)
	left := time.Duration(float64(spent) * float64(r.Total-step) / float64(step))
	return "~" + format.Duration(left) + " left"
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
