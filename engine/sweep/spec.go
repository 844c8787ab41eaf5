package sweep

import (
	"math"
	"regexp"
	"strconv"
)

// Spec is a sweep file, checked: Parse makes one, and every field holds a
// value the rest of the package can trust.
type Spec struct {
	Name       string
	Experiment string // "": the engine's default
	Command    []string
	Metric     string
	Direction  string // "max" or "min"
	Method     string // "grid", "random" or "tpe"
	Trials     int    // at most this many; grid: 0 means every combination
	Parallel   int
	GPUs       int // per trial
	Seed       uint64
	Params     []Param    // sorted by name
	EarlyStop  *EarlyStop // nil: no early stopping
}

// Param is one searched param.
type Param struct {
	Name         string
	Distribution string   // "uniform", "log_uniform", "int", "log_int", "categorical"
	Min, Max     float64  // the numeric distributions' bounds, inclusive
	Values       []string // categorical: each value as the command will get it ("64", "0.5", "relu", "true")
}

// EarlyStop is the file's [early_stop] table.
type EarlyStop struct {
	Method    string // "asha"
	MinSteps  int64  // the first rung, in the trial's steps
	Reduction int    // each rung keeps the top 1/Reduction
}

// Maximize reports whether the direction is "max".
func (s Spec) Maximize() bool { return s.Direction == "max" }

// Combinations is the number of grid points (0 when some param is
// continuous). It stops growing at math.MaxInt rather than overflow.
func (s Spec) Combinations() int {
	if len(s.Params) == 0 {
		return 0
	}
	n := 1
	for _, p := range s.Params {
		k := p.gridSize()
		if k == 0 {
			return 0
		}
		if n > math.MaxInt/k {
			return math.MaxInt
		}
		n *= k
	}
	return n
}

// gridSize is how many points a param has on a grid: its values, or
// every integer of an int range; 0 for a continuous param.
func (p Param) gridSize() int {
	switch p.Distribution {
	case "categorical":
		return len(p.Values)
	case "int", "log_int":
		return int(p.Max-p.Min) + 1
	}
	return 0
}

// isInt reports whether the param takes whole numbers.
func (p Param) isInt() bool { return p.Distribution == "int" || p.Distribution == "log_int" }

// isLog reports whether the param is searched in log space.
func (p Param) isLog() bool { return p.Distribution == "log_uniform" || p.Distribution == "log_int" }

// namePattern is what a param may be called, and so what a placeholder
// may name: anything else in braces is the command's own text (a JSON
// argument such as {"a": 1}).
const namePattern = `[A-Za-z_][A-Za-z0-9_]*`

var (
	validName   = regexp.MustCompile(`^` + namePattern + `$`)
	placeholder = regexp.MustCompile(`\{(` + namePattern + `)\}`)
)

// CommandFor is the command with each {name} replaced by the param's value.
// A placeholder whose param is not in params stays as written.
func (s Spec) CommandFor(params map[string]string) []string {
	out := make([]string, len(s.Command))
	for i, arg := range s.Command {
		out[i] = placeholder.ReplaceAllStringFunc(arg, func(m string) string {
			if v, ok := params[m[1:len(m)-1]]; ok {
				return v
			}
			return m
		})
	}
	return out
}

// formatFloat is how a float reaches a command: the shortest text that
// reads back as the same number.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
