package sweep

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// State is where a trial is.
type State string

// The states of a trial.
const (
	Running State = "running"
	Done    State = "done"    // ended by itself
	Stopped State = "stopped" // stopped early by ASHA
	Failed  State = "failed"  // failed, killed, or its metric was NaN / never reported
)

// Trial is what the samplers know of a trial.
type Trial struct {
	Number int
	Params map[string]string
	State  State
	Value  float64 // the metric's value to rank the trial by; NaN when it has none
}

// Next proposes the params of trial number (0-based), given the trials so
// far (any order; running ones are known but have no value yet). ok is
// false when the method has nothing more to propose: a grid that is
// exhausted, or any method once number reaches Trials. The same Spec,
// number and history give the same params.
func Next(s Spec, number int, history []Trial) (params map[string]string, ok bool) {
	if number < 0 || len(s.Params) == 0 || s.Trials > 0 && number >= s.Trials {
		return nil, false
	}
	switch s.Method {
	case "grid":
		return gridPoint(s.Params, number)
	case "random":
		return randomPoint(s.Params, trialRand(s.Seed, number)), true
	case "tpe":
		return tpe(s, number, history), true
	}
	return nil, false
}

// trialRand is trial n's own random stream, seeded from the sweep's seed
// and n alone: trial n draws the same numbers however many earlier
// trials drew, so a restart or a change of sampler for earlier trials
// does not shift it.
func trialRand(seed uint64, n int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(n)))
}

// gridPoint is combination n of the params' grid points, counted like an
// odometer: params by name, the last changing fastest, each through its
// values in file order or its range from min up.
func gridPoint(params []Param, n int) (map[string]string, bool) {
	out := make(map[string]string, len(params))
	for i := len(params) - 1; i >= 0; i-- {
		p := params[i]
		k := p.gridSize()
		if k == 0 {
			return nil, false
		}
		j := n % k
		n /= k
		if p.Distribution == "categorical" {
			out[p.Name] = p.Values[j]
		} else {
			out[p.Name] = strconv.FormatInt(int64(p.Min)+int64(j), 10)
		}
	}
	if n > 0 {
		return nil, false // past the last combination
	}
	return out, true
}

// randomPoint draws every param on its own, evenly in its space.
func randomPoint(params []Param, rng *rand.Rand) map[string]string {
	out := make(map[string]string, len(params))
	for _, p := range params {
		if p.Distribution == "categorical" {
			out[p.Name] = p.Values[rng.IntN(len(p.Values))]
			continue
		}
		lo, hi := p.space()
		out[p.Name] = p.text(lo + rng.Float64()*(hi-lo))
	}
	return out
}

// A numeric param is sampled in its space: the log of its value for the
// log distributions, the value itself otherwise. space, text and
// position move between the two.

// space is the param's range in its space. An int range is widened by
// half on each side, so that rounding gives its ends as often as any
// other integer.
func (p Param) space() (lo, hi float64) {
	lo, hi = p.Min, p.Max
	if p.isInt() {
		lo, hi = lo-0.5, hi+0.5
	}
	if p.isLog() {
		lo, hi = math.Log(lo), math.Log(hi)
	}
	return lo, hi
}

// text is a point of the param's space as the command gets it: within
// [Min, Max], ints rounded.
func (p Param) text(x float64) string {
	if p.isLog() {
		x = math.Exp(x)
	}
	if p.isInt() {
		x = math.Round(x)
	} else {
		// Six significant digits are finer than any training notices and
		// keep a trial's command, name and table column readable.
		x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 6, 64), 64)
	}
	x = min(max(x, p.Min), p.Max) // exp and rounding can step just outside
	if p.isInt() {
		return strconv.FormatInt(int64(x), 10)
	}
	return formatFloat(x)
}

// position is a trial's value of the param as a point of its space;
// false when it cannot be one (unreadable, or outside the range: the
// file changed since).
func (p Param) position(text string) (float64, bool) {
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || !(v >= p.Min && v <= p.Max) {
		return 0, false
	}
	if p.isLog() {
		v = math.Log(v)
	}
	return v, true
}
