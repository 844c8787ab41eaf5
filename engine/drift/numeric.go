package drift

import (
	"math"
	"slices"
)

// PSIEpsilon replaces a bin share that is exactly zero in PSI, so that the
// logarithm stays finite. Shares are not renormalised afterwards.
const PSIEpsilon = 1e-4

// Column is a numeric column split into what the statistics can use and
// what they cannot. Missing values and infinities are counted, never
// dropped silently: the caller reports them next to the statistics.
type Column struct {
	Finite  []float64 // the finite values, in their original order
	Missing int       // NaN
	PosInf  int       // +Inf
	NegInf  int       // −Inf
}

// Numeric splits values into finite values and counts of the rest.
func Numeric(values []float64) Column {
	c := Column{Finite: make([]float64, 0, len(values))}
	for _, v := range values {
		switch {
		case math.IsNaN(v):
			c.Missing++
		case math.IsInf(v, 1):
			c.PosInf++
		case math.IsInf(v, -1):
			c.NegInf++
		default:
			c.Finite = append(c.Finite, v)
		}
	}
	return c
}

// Total is the number of values the column had, finite or not.
func (c Column) Total() int { return len(c.Finite) + c.Missing + c.PosInf + c.NegInf }

// sortedCopy returns the values sorted ascending, leaving the input alone.
func sortedCopy(v []float64) []float64 {
	s := slices.Clone(v)
	SortFloats(s)
	return s
}

// KS is the two-sample Kolmogorov–Smirnov statistic
// D = max |F_ref(x) − F_cur(x)| over the pooled values, with right-continuous
// ECDFs. It is computed exactly as max |i·m − j·n| / (n·m). The inputs must be
// finite (see Numeric); an empty side gives NaN.
func KS(ref, cur []float64) (d float64) {
	return KSSorted(sortedCopy(ref), sortedCopy(cur))
}

// KSSorted is KS on inputs already sorted ascending, as a stored reference
// sample is, so a caller sorts each side once for KS and Wasserstein.
func KSSorted(a, b []float64) float64 {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return math.NaN()
	}
	var i, j int
	var best int64
	for i < n || j < m {
		// Step past every copy of the smallest remaining value on both sides,
		// so tied values move both ECDFs before they are compared.
		var x float64
		switch {
		case i == n:
			x = b[j]
		case j == m:
			x = a[i]
		default:
			x = min(a[i], b[j])
		}
		for i < n && a[i] == x {
			i++
		}
		for j < m && b[j] == x {
			j++
		}
		diff := int64(i)*int64(m) - int64(j)*int64(n)
		if diff < 0 {
			diff = -diff
		}
		best = max(best, diff)
	}
	return float64(best) / (float64(n) * float64(m))
}

// Wasserstein is the first Wasserstein distance between the empirical
// distributions, ∫|F_ref − F_cur|, as scipy.stats.wasserstein_distance
// computes it. The inputs must be finite; an empty side gives NaN.
func Wasserstein(ref, cur []float64) float64 {
	return WassersteinSorted(sortedCopy(ref), sortedCopy(cur))
}

// WassersteinSorted is Wasserstein on inputs already sorted ascending.
func WassersteinSorted(a, b []float64) float64 { return cdfDistance(a, b, 1) }

// WassersteinNorm is Wasserstein divided by the reference's population
// standard deviation (ddof 0), floored at 0.001 so a constant reference does
// not divide by zero (Evidently's normalisation).
func WassersteinNorm(ref, cur []float64) float64 {
	return Wasserstein(ref, cur) / max(stdDev(ref), 0.001)
}

// EnergyDistance is scipy.stats.energy_distance: sqrt(2·∫(F_ref − F_cur)²).
func EnergyDistance(ref, cur []float64) float64 {
	return cdfDistance(sortedCopy(ref), sortedCopy(cur), 2)
}

// cdfDistance is (∫|F_a − F_b|^p)^(1/p) for p = 1, and sqrt(2)·that for
// p = 2 (scipy's energy distance), on sorted inputs. Between consecutive
// pooled values both ECDFs are constant.
func cdfDistance(a, b []float64, p int) float64 {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return math.NaN()
	}
	nf, mf := float64(n), float64(m)
	var i, j int
	sum := 0.0
	for i < n || j < m {
		var x float64
		switch {
		case i == n:
			x = b[j]
		case j == m:
			x = a[i]
		default:
			x = min(a[i], b[j])
		}
		for i < n && a[i] == x {
			i++
		}
		for j < m && b[j] == x {
			j++
		}
		if i == n && j == m {
			break
		}
		var next float64
		switch {
		case i == n:
			next = b[j]
		case j == m:
			next = a[i]
		default:
			next = min(a[i], b[j])
		}
		gap := math.Abs(float64(i)/nf - float64(j)/mf)
		if p == 2 {
			gap *= gap
		}
		sum += gap * (next - x)
	}
	if p == 2 {
		return math.Sqrt(2) * math.Sqrt(sum)
	}
	return sum
}

// mean is the arithmetic mean; NaN for no values.
func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// stdDev is the population standard deviation (ddof 0).
func stdDev(v []float64) float64 {
	mu := mean(v)
	s := 0.0
	for _, x := range v {
		s += (x - mu) * (x - mu)
	}
	return math.Sqrt(s / float64(len(v)))
}

// DecileEdges are the inner edges of the reference's decile bins: for
// k = 1..9 the linear-interpolation quantile at k/10 (numpy's default,
// computed in integers so it is exact at the data points), with duplicate
// edges merged. Empty input gives no edges.
func DecileEdges(ref []float64) []float64 {
	return decileEdgesSorted(sortedCopy(ref))
}

func decileEdgesSorted(r []float64) []float64 { return deciles(r, true) }

// deciles are the nine decile quantiles of sorted r, duplicates merged when
// merge is set.
func deciles(r []float64, merge bool) []float64 {
	n := len(r)
	if n == 0 {
		return nil
	}
	edges := make([]float64, 0, 9)
	for k := 1; k <= 9; k++ {
		t := (n - 1) * k
		lo, rem := t/10, t%10
		e := r[lo]
		if rem != 0 {
			a, b, f := r[lo], r[lo+1], float64(rem)/10
			// The explicit conversion stops the compiler fusing the multiply
			// and add, which would change the last bit against numpy.
			e = a + float64((b-a)*f)
		}
		if !merge || len(edges) == 0 || edges[len(edges)-1] != e {
			edges = append(edges, e)
		}
	}
	return edges
}

// binCounts counts values into len(edges)+1 bins. With rightClosed false a
// value's bin is the number of edges e ≤ x; with it true, the number e < x.
// The first and last bins are open-ended.
func binCounts(values, edges []float64, rightClosed bool) []int {
	counts := make([]int, len(edges)+1)
	for _, x := range values {
		var b int
		if rightClosed {
			b, _ = slices.BinarySearch(edges, x) // edges < x
		} else {
			b = upperBound(edges, x)
		}
		counts[b]++
	}
	return counts
}

// upperBound is the number of sorted values ≤ x.
func upperBound(sorted []float64, x float64) int {
	lo, hi := 0, len(sorted)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if sorted[mid] <= x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// DecileCounts bins ref and cur on the reference's decile edges (see
// DecileEdges) and returns the counts per bin for each side.
func DecileCounts(ref, cur []float64, rightClosed bool) (refCounts, curCounts []int) {
	edges := DecileEdges(ref)
	return binCounts(ref, edges, rightClosed), binCounts(cur, edges, rightClosed)
}

// PSI is the population stability index on the reference's decile bins,
// with e ≤ x binning; bins is the number of bins after merging duplicate
// edges. Empty shares become PSIEpsilon. An empty side gives NaN and 0 bins.
func PSI(ref, cur []float64) (psi float64, bins int) {
	if len(ref) == 0 || len(cur) == 0 {
		return math.NaN(), 0
	}
	rc, cc := DecileCounts(ref, cur, false)
	return psiCounts(rc, cc), len(rc)
}

// PSIRightClosed is PSI with e < x binning (bins closed on the right).
func PSIRightClosed(ref, cur []float64) (psi float64, bins int) {
	if len(ref) == 0 || len(cur) == 0 {
		return math.NaN(), 0
	}
	rc, cc := DecileCounts(ref, cur, true)
	return psiCounts(rc, cc), len(rc)
}

// psiCounts is Σ (q−p)·ln(q/p) over aligned counts, summed in order.
func psiCounts(refCounts, curCounts []int) float64 {
	p := shares(refCounts, PSIEpsilon)
	q := shares(curCounts, PSIEpsilon)
	return psiShares(p, q)
}

func psiShares(p, q []float64) float64 {
	s := 0.0
	for i := range p {
		s += (q[i] - p[i]) * math.Log(q[i]/p[i])
	}
	return s
}

// shares divides counts by their total; a share of exactly zero becomes
// zeroShare.
func shares(counts []int, zeroShare float64) []float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = float64(c) / float64(total)
		if out[i] == 0 {
			out[i] = zeroShare
		}
	}
	return out
}

// PSIPValue says whether a PSI value is noise at these sample sizes: under
// no drift with fixed bins, PSI ≈ (1/nRef + 1/nCur)·χ²(bins−1). It returns
// the χ² upper tail at PSI/(1/nRef + 1/nCur).
func PSIPValue(psi float64, nRef, nCur, bins int) float64 {
	if nRef <= 0 || nCur <= 0 || bins < 2 {
		return math.NaN()
	}
	return chi2SF(PSIStatistic(psi, nRef, nCur), bins-1)
}

// PSIStatistic is PSI/(1/nRef + 1/nCur), the χ²(bins−1) statistic of
// PSIPValue.
func PSIStatistic(psi float64, nRef, nCur int) float64 {
	return psi / (1/float64(nRef) + 1/float64(nCur))
}

// JS is the Jensen–Shannon distance (the square root of the divergence, as
// scipy.spatial.distance.jensenshannon) between ref and cur on the
// reference's decile bins, without any epsilon. base2 gives logarithms to
// base 2 (result in [0, 1]); otherwise natural logarithms. An empty side
// gives NaN.
func JS(ref, cur []float64, base2 bool) float64 {
	if len(ref) == 0 || len(cur) == 0 {
		return math.NaN()
	}
	rc, cc := DecileCounts(ref, cur, false)
	return jsCounts(rc, cc, base2)
}

// jsCounts is the Jensen–Shannon distance between two aligned count
// vectors; SharesJS normalises the counts once, as scipy does.
func jsCounts(refCounts, curCounts []int, base2 bool) float64 {
	return SharesJS(floats(refCounts), floats(curCounts), base2)
}

func floats(counts []int) []float64 {
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = float64(c)
	}
	return out
}

// relEntr is x·ln(x/y) with 0·ln(0/y) = 0.
func relEntr(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(x/y)
}

// HellingerBinned is the Hellinger distance between ref and cur on the
// reference's decile bins, without any epsilon.
func HellingerBinned(ref, cur []float64) float64 {
	rc, cc := DecileCounts(ref, cur, false)
	return hellingerCounts(rc, cc)
}

// hellingerCounts is sqrt(½ Σ (√p − √q)²) on aligned counts.
func hellingerCounts(refCounts, curCounts []int) float64 {
	p, q := shares(refCounts, 0), shares(curCounts, 0)
	s := 0.0
	for i := range p {
		d := math.Sqrt(p[i]) - math.Sqrt(q[i])
		s += d * d
	}
	return math.Sqrt(s / 2)
}
