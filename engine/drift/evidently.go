package drift

import (
	"math"
	"slices"
)

// evidentlyPerValueLimit is the number of distinct reference values up to
// which Evidently bins a numeric feature per value rather than by Sturges.
const evidentlyPerValueLimit = 20

// EvidentlyBinning is how Evidently's PSI and Jensen–Shannon tests bin a
// numeric feature, kept so lathe's numbers can be compared with an Evidently
// report. Above 20 distinct reference values, the pooled data's
// Sturges histogram (equal widths, last bin closed); otherwise one bin per
// distinct pooled value, in ascending order.
type EvidentlyBinning struct {
	PerValue bool
	Ref, Cur []float64 // shares of each side per bin, no epsilon
}

// EvidentlyBins bins finite ref and cur the way Evidently does.
func EvidentlyBins(ref, cur []float64) EvidentlyBinning {
	r, c := sortedCopy(ref), sortedCopy(cur)
	var rc, cc []int
	perValue := distinct(r) <= evidentlyPerValueLimit
	if perValue {
		keys := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(r), c...))))
		rc, cc = make([]int, len(keys)), make([]int, len(keys))
		for _, x := range r {
			i, _ := slices.BinarySearch(keys, x)
			rc[i]++
		}
		for _, x := range c {
			i, _ := slices.BinarySearch(keys, x)
			cc[i]++
		}
	} else {
		edges := sturgesEdges(append(slices.Clone(r), c...))
		rc, cc = histogram(r, edges), histogram(c, edges)
	}
	return EvidentlyBinning{PerValue: perValue, Ref: shares(rc, 0), Cur: shares(cc, 0)}
}

func distinct(sorted []float64) int {
	n := 0
	for i, x := range sorted {
		if i == 0 || x != sorted[i-1] {
			n++
		}
	}
	return n
}

// sturgesEdges is numpy.histogram_bin_edges(values, bins="sturges"):
// ceil(range/width) equal bins with width = range/(log2(N) + 1).
func sturgesEdges(values []float64) []float64 {
	lo, hi := slices.Min(values), slices.Max(values)
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
		return linspace(lo, hi, 2)
	}
	width := (hi - lo) / (math.Log2(float64(len(values))) + 1)
	bins := int(math.Ceil((hi - lo) / width))
	return linspace(lo, hi, bins+1)
}

// linspace is numpy.linspace with its endpoint set exactly.
func linspace(start, stop float64, num int) []float64 {
	out := make([]float64, num)
	step := (stop - start) / float64(num-1)
	for i := range out {
		out[i] = float64(i)*step + start
	}
	out[num-1] = stop
	return out
}

// histogram counts values into [e_i, e_{i+1}) bins, the last closed.
func histogram(values, edges []float64) []int {
	counts := make([]int, len(edges)-1)
	for _, x := range values {
		if x < edges[0] || x > edges[len(edges)-1] {
			continue
		}
		i := min(upperBound(edges, x)-1, len(counts)-1)
		counts[i]++
	}
	return counts
}

// FillZeroes returns shares with every zero replaced by PSIEpsilon, as
// Evidently's feel_zeroes does.
func FillZeroes(s []float64) []float64 {
	out := slices.Clone(s)
	for i, v := range out {
		if v == 0 {
			out[i] = PSIEpsilon
		}
	}
	return out
}

// SharesPSI is Σ (q−p)·ln(q/p) over aligned shares, in order.
func SharesPSI(p, q []float64) float64 { return psiShares(p, q) }

// SharesJS is the Jensen–Shannon distance between aligned shares
// (normalised to sum 1 first), natural logarithms unless base2.
func SharesJS(p, q []float64, base2 bool) float64 {
	p, q = normalise(p), normalise(q)
	var left, right float64
	for i := range p {
		m := (p[i] + q[i]) / 2
		left += relEntr(p[i], m)
		right += relEntr(q[i], m)
	}
	js := (left + right) / 2
	if base2 {
		js /= math.Ln2
	}
	return math.Sqrt(js)
}

// SharesKL is the Kullback–Leibler divergence Σ p·ln(p/q) after normalising
// both to sum 1 (scipy.stats.entropy(p, q)).
func SharesKL(p, q []float64) float64 {
	p, q = normalise(p), normalise(q)
	s := 0.0
	for i := range p {
		s += relEntr(p[i], q[i])
	}
	return s
}

func normalise(v []float64) []float64 {
	total := 0.0
	for _, x := range v {
		total += x
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / total
	}
	return out
}
