package series

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// encode returns the chunk of pts written by a fresh Appender.
func encode(pts []Point) []byte {
	a := NewAppender()
	for _, p := range pts {
		a.Append(p)
	}
	return a.Bytes()
}

// diffPoints describes the first difference between got and want, comparing
// values bit-exactly, or returns "".
func diffPoints(got, want []Point) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d points, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Step != w.Step || g.Time != w.Time || math.Float64bits(g.Value) != math.Float64bits(w.Value) {
			return fmt.Sprintf("point %d: got {%d %d %#016x}, want {%d %d %#016x}", i,
				g.Step, g.Time, math.Float64bits(g.Value), w.Step, w.Time, math.Float64bits(w.Value))
		}
	}
	return ""
}

// wantSummary recomputes the summary of pts from its definition.
func wantSummary(pts []Point) Summary {
	s := Summary{Count: len(pts), Min: math.NaN(), Max: math.NaN(), Last: math.NaN()}
	if len(pts) == 0 {
		return s
	}
	first, last := pts[0], pts[len(pts)-1]
	s.FirstStep, s.FirstTime = first.Step, first.Time
	s.LastStep, s.LastTime, s.Last = last.Step, last.Time, last.Value
	for _, p := range pts {
		v := p.Value
		if math.IsNaN(v) {
			continue
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
	return s
}

// diffSummary describes how got differs from want, or returns "". All
// floats compare bit-exactly: within one process even the NaN of Inf + -Inf
// in Sum is reproducible.
func diffSummary(got, want Summary) string {
	same := got.Count == want.Count &&
		got.FirstStep == want.FirstStep && got.LastStep == want.LastStep &&
		got.FirstTime == want.FirstTime && got.LastTime == want.LastTime
	for _, f := range [][2]float64{{got.Min, want.Min}, {got.Max, want.Max}, {got.Sum, want.Sum}, {got.Last, want.Last}} {
		same = same && math.Float64bits(f[0]) == math.Float64bits(f[1])
	}
	if same {
		return ""
	}
	return fmt.Sprintf("got %+v, want %+v", got, want)
}

// nanWithPayload returns a NaN with the given sign and nonzero payload
// (payload bits beyond the 52 of the mantissa are dropped).
func nanWithPayload(negative bool, payload uint64) float64 {
	payload &= 1<<52 - 1
	if payload == 0 {
		payload = 1
	}
	b := uint64(0x7ff)<<52 | payload
	if negative {
		b |= 1 << 63
	}
	return math.Float64frombits(b)
}

// trainingSeries returns n points shaped like a training run: step += 1,
// one point per second with jitter (σ 20 ms) in microseconds, and a noisy
// decreasing loss. With float32Values the loss is rounded to float32, as a
// PyTorch or JAX float32 loss turned into a Python float is.
func trainingSeries(rng *rand.Rand, n int, float32Values bool) []Point {
	pts := make([]Point, n)
	t := int64(1_750_000_000_000_000)
	for i := range pts {
		t += 1_000_000 + int64(rng.NormFloat64()*20_000)
		loss := 0.3 + 2.2*math.Exp(-float64(i)/300) + 0.05*rng.NormFloat64()
		if float32Values {
			loss = float64(float32(loss))
		}
		pts[i] = Point{Step: int64(i), Time: t, Value: loss}
	}
	return pts
}

// randomSeries returns a series of n points mixing regular training-like
// runs with every kind of awkward step, time and value. chaos in [0, 1] is
// the chance that a point departs from the regular pattern.
func randomSeries(rng *rand.Rand, n int, chaos float64) []Point {
	pts := make([]Point, n)
	stride := []int64{1, 1, 10, 100, rng.Int64N(1 << 20)}[rng.IntN(5)]
	interval := []int64{10_000, 1_000_000, 10_000_000, rng.Int64N(1 << 40)}[rng.IntN(4)]
	jitter := float64(interval) * []float64{0, 0.001, 0.05, 0.5}[rng.IntN(4)]
	step := rng.Int64N(1000) - 500
	t := int64(1_750_000_000_000_000)
	value := rng.NormFloat64()
	f32 := rng.IntN(2) == 0
	for i := range pts {
		if rng.Float64() < chaos {
			step = randomStep(rng, step)
		} else {
			step += stride
		}
		if rng.Float64() < chaos {
			t = randomStep(rng, t)
		} else {
			t += interval + int64(rng.NormFloat64()*jitter)
		}
		if rng.Float64() < chaos {
			value = randomValue(rng, value)
		} else {
			value = value*0.999 + 0.01*rng.NormFloat64()
			if f32 {
				value = float64(float32(value))
			}
		}
		pts[i] = Point{Step: step, Time: t, Value: value}
	}
	return pts
}

// randomStep returns an awkward successor of x (a step or a time).
func randomStep(rng *rand.Rand, x int64) int64 {
	switch rng.IntN(9) {
	case 0:
		return x // repeat
	case 1:
		return x - rng.Int64N(10_000) // back to a checkpoint
	case 2:
		return x + rng.Int64N(1<<40)
	case 3:
		return int64(rng.Uint64()) // anywhere
	case 4:
		return math.MinInt64
	case 5:
		return math.MaxInt64
	case 6:
		return x + math.MaxInt64 // wraps
	case 7:
		return -x
	default:
		return x + rng.Int64N(64) - 32
	}
}

// randomValue returns an awkward float64, sometimes related to prev.
func randomValue(rng *rand.Rand, prev float64) float64 {
	sign := func() float64 {
		if rng.IntN(2) == 0 {
			return -1
		}
		return 1
	}
	switch rng.IntN(14) {
	case 0:
		return nanWithPayload(rng.IntN(2) == 0, rng.Uint64())
	case 1:
		return math.NaN()
	case 2:
		return math.Inf(1)
	case 3:
		return math.Inf(-1)
	case 4:
		return 0
	case 5:
		return math.Copysign(0, -1)
	case 6: // subnormal (or zero)
		return sign() * math.Float64frombits(rng.Uint64()&(1<<52-1))
	case 7:
		return sign() * math.SmallestNonzeroFloat64
	case 8:
		return sign() * math.MaxFloat64
	case 9: // huge
		return sign() * math.Ldexp(1+rng.Float64(), 1000+rng.IntN(23))
	case 10: // any bit pattern
		return math.Float64frombits(rng.Uint64())
	case 11:
		return prev
	case 12:
		return float64(rng.IntN(100))
	default:
		return prev * (1 + 1e-12*rng.NormFloat64())
	}
}
