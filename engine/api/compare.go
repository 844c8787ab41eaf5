package api

import (
	"encoding/json"
	"fmt"
)

// Comparison is runs side by side, as `lathe compare --json` prints it.
type Comparison struct {
	Runs   []Run           `json:"runs"`
	Params ParamComparison `json:"params"`
	// Metrics holds every metric any of the runs has, by name.
	Metrics map[string]MetricComparison `json:"metrics"`
	// Usage is each run's duration and use of GPUs, by run id.
	Usage map[string]RunUsage `json:"usage"`
}

// ParamComparison splits the params into those whose value differs
// between the runs (a run without the param has null) and those all runs
// share.
type ParamComparison struct {
	Differ map[string]map[string]*string `json:"differ"`
	Same   map[string]string             `json:"same"`
}

// MetricComparison is one metric across runs: its summary in each run that
// has it (nil in one that has not), and the best run by the last value in
// the metric's direction ("" when there is no direction or no value).
type MetricComparison struct {
	ByRun     map[string]*MetricStat
	Best      string
	Direction string // "min", "max", or "" when unknown
}

// MetricStat is a metric's summary in one run.
type MetricStat struct {
	Last  Float `json:"last"`
	Min   Float `json:"min"`
	Max   Float `json:"max"`
	Count int64 `json:"count"`
}

// RunUsage is a run's time and use of GPUs; Cost is GPU-hours at the
// configured price (0 when none is set).
type RunUsage struct {
	DurationS float64 `json:"duration_s"`
	GPUHours  float64 `json:"gpu_hours"`
	EnergyWh  float64 `json:"energy_wh"`
	Cost      float64 `json:"cost"`
	PeakMemGB float64 `json:"peak_gpu_mem_gb"`
	MeanUtil  float64 `json:"mean_gpu_util"`
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
