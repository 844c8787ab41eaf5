package series

import "math"

// Point is one value of a metric.
type Point struct {
	Step  int64   // training step, any int64 (may repeat, go backwards, be negative)
	Time  int64   // microseconds since the Unix epoch, any int64
	Value float64 // any float64 bit pattern round-trips bit-exactly
}

// Summary describes a chunk without decoding its points (kept in the chunk
// header).
//
// The summary of no points has Count 0 and Min, Max and Last NaN.
type Summary struct {
	Count               int
	FirstStep, LastStep int64 // of the first and last point in arrival order
	FirstTime, LastTime int64
	// Min and Max are over non-NaN values (±Inf count); both are NaN when
	// every value is NaN. Among equal values (-0 and +0) the first wins.
	Min, Max float64
	// Sum is over finite values only, added in arrival order; it may itself
	// overflow to ±Inf (or NaN once both infinities were reached).
	Sum  float64
	Last float64 // value of the last point, bit-exact
}

// emptySummary is the summary of no points.
func emptySummary() Summary {
	return Summary{Min: math.NaN(), Max: math.NaN(), Last: math.NaN()}
}

// add folds p into s. Appender and decoder both summarise with it, so the
// decoder can check a header against its points exactly: the same additions
// in the same order give the same Sum.
func (s *Summary) add(p Point) {
	if s.Count == 0 {
		*s = emptySummary()
		s.FirstStep, s.FirstTime = p.Step, p.Time
	}
	s.Count++
	s.LastStep, s.LastTime, s.Last = p.Step, p.Time, p.Value
	v := p.Value
	if math.IsNaN(v) {
		return
	}
	if math.IsNaN(s.Min) || v < s.Min {
		s.Min = v
	}
	if math.IsNaN(s.Max) || v > s.Max {
		s.Max = v
	}
	if !math.IsInf(v, 0) {
		s.Sum += v
	}
}

// sameFloat reports whether a and b have the same bits or are both NaN. NaN
// payloads of Min, Max and Sum are not part of the format: the NaN of
// Inf + -Inf differs between CPUs.
func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// mismatch names the first field in which s and o differ, or returns ""
// when they agree (Last bit-exactly; Min, Max and Sum up to NaN payloads).
func (s *Summary) mismatch(o *Summary) string {
	switch {
	case s.Count != o.Count:
		return "count"
	case s.FirstStep != o.FirstStep:
		return "first step"
	case s.LastStep != o.LastStep:
		return "last step"
	case s.FirstTime != o.FirstTime:
		return "first time"
	case s.LastTime != o.LastTime:
		return "last time"
	case !sameFloat(s.Min, o.Min):
		return "min"
	case !sameFloat(s.Max, o.Max):
		return "max"
	case !sameFloat(s.Sum, o.Sum):
		return "sum"
	case math.Float64bits(s.Last) != math.Float64bits(o.Last):
		return "last value"
	}
	return ""
}
