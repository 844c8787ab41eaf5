package sweep

import (
	"encoding/json"
	"math"
	"slices"
)

// Asynchronous successive halving: L. Li, K. Jamieson, A. Rostamizadeh,
// E. Gonina, J. Ben-Tzur, M. Hardt, B. Recht, A. Talwalkar, "A System for
// Massively Parallel Hyperparameter Tuning", MLSys 2020, in the stopping
// variant Optuna's SuccessiveHalvingPruner uses: every trial starts, and
// one is stopped at a rung when it is not among the best there. Nothing
// waits for a rung to fill, so a GPU never idles for a straggler; the
// price is that early arrivals are judged against few others.

// Decision is what ASHA made of one report.
type Decision struct {
	Reached bool    // the report reached a rung the trial had not reached before
	Rung    int     // which (0-based)
	Step    int64   // the rung's step: MinSteps * Reduction^Rung
	Value   float64 // the trial's value recorded at it
	Cutoff  float64 // the value it had to be at least as good as
	Stop    bool    // the trial is not in the top 1/Reduction there: stop it
}

// ASHA decides early stopping. Its exported fields are its whole state:
// the engine stores it as JSON after each decision and restores it after a
// restart. Once a trial is told to stop, it must not be reported again:
// a later report would be recorded at the next rung as if it went on.
type ASHA struct {
	MinSteps  int64 `json:"min_steps"`
	Reduction int   `json:"reduction"`
	Maximize  bool  `json:"maximize"`
	// Rungs[k] is the value each trial (by number) had when it reached
	// rung k. A value that is not finite is kept as NaN, the worst.
	Rungs []map[int]float64 `json:"rungs"`
}

// NewASHA starts early stopping for a sweep.
func NewASHA(e EarlyStop, maximize bool) *ASHA {
	return &ASHA{MinSteps: e.MinSteps, Reduction: e.Reduction, Maximize: maximize}
}

// Report gives one point of a trial's metric: its step and value. At the
// first report at or past a rung the trial has not reached yet, its value
// is recorded there and decided. A report that jumps past several rungs
// records the same value at each of them, deciding at each in turn and
// stopping at the first that stops it; the Decision is the last one made.
// A value that is not finite is taken as NaN, the worst.
func (a *ASHA) Report(trial int, step int64, value float64) Decision {
	if a.MinSteps < 1 || a.Reduction < 2 {
		return Decision{}
	}
	// A trial reaches its rungs in order, so the first rung it has no
	// value at is the next one. This loop is all a report between rungs
	// costs.
	k, at := 0, a.MinSteps
	for k < len(a.Rungs) && hasTrial(a.Rungs[k], trial) {
		k, at = k+1, a.next(at)
	}
	if math.IsInf(value, 0) {
		value = math.NaN()
	}
	var d Decision
	for at > 0 && step >= at {
		d = a.decide(k, at, trial, value)
		if d.Stop {
			break
		}
		k, at = k+1, a.next(at)
	}
	return d
}

func hasTrial(rung map[int]float64, trial int) bool { _, ok := rung[trial]; return ok }

// next is the step of the rung after the one at step; 0 past what an
// int64 holds, a rung no trial reaches.
func (a *ASHA) next(step int64) int64 {
	if step <= 0 || step > math.MaxInt64/int64(a.Reduction) {
		return 0
	}
	return step * int64(a.Reduction)
}

// decide records a trial's value at rung k and decides whether it goes on.
func (a *ASHA) decide(k int, step int64, trial int, value float64) Decision {
	for len(a.Rungs) <= k {
		a.Rungs = append(a.Rungs, map[int]float64{})
	}
	rung := a.Rungs[k]
	rung[trial] = value
	// Rank by badness, lower is better, NaN the worst, so that plain
	// float order sorts best first in either direction.
	bad := make([]float64, 0, len(rung))
	for _, v := range rung {
		bad = append(bad, a.badness(v))
	}
	slices.Sort(bad)
	// The top ⌊n/Reduction⌋ go on; while that is 0, only the best so far.
	keep := max(len(bad)/a.Reduction, 1)
	cutoff := bad[keep-1]
	return Decision{
		Reached: true,
		Rung:    k,
		Step:    step,
		Value:   value,
		Cutoff:  a.unbadness(cutoff),
		Stop:    a.badness(value) > cutoff, // ties go on
	}
}

func (a *ASHA) badness(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return math.Inf(1)
	case a.Maximize:
		return -v
	}
	return v
}

func (a *ASHA) unbadness(b float64) float64 {
	switch {
	case math.IsInf(b, 1):
		return math.NaN()
	case a.Maximize:
		return -b
	}
	return b
}

// ashaJSON is ASHA as stored: JSON has no NaN, so a NaN is null.
type ashaJSON struct {
	MinSteps  int64              `json:"min_steps"`
	Reduction int                `json:"reduction"`
	Maximize  bool               `json:"maximize"`
	Rungs     []map[int]*float64 `json:"rungs"`
}

// MarshalJSON stores a NaN value as null.
func (a ASHA) MarshalJSON() ([]byte, error) {
	out := ashaJSON{MinSteps: a.MinSteps, Reduction: a.Reduction, Maximize: a.Maximize, Rungs: make([]map[int]*float64, len(a.Rungs))}
	for k, rung := range a.Rungs {
		out.Rungs[k] = make(map[int]*float64, len(rung))
		for t, v := range rung {
			if !math.IsNaN(v) {
				out.Rungs[k][t] = &v
			} else {
				out.Rungs[k][t] = nil
			}
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a null value back as NaN.
func (a *ASHA) UnmarshalJSON(data []byte) error {
	var in ashaJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*a = ASHA{MinSteps: in.MinSteps, Reduction: in.Reduction, Maximize: in.Maximize, Rungs: make([]map[int]float64, len(in.Rungs))}
	for k, rung := range in.Rungs {
		a.Rungs[k] = make(map[int]float64, len(rung))
		for t, v := range rung {
			a.Rungs[k][t] = math.NaN()
			if v != nil {
				a.Rungs[k][t] = *v
			}
		}
	}
	return nil
}
