package drift

import (
	"math"
	"slices"
)

// categoryCounts aligns two count maps over the sorted union of their
// categories.
func categoryCounts(ref, cur map[string]int) (refCounts, curCounts []int) {
	keys := categoryUnion(ref, cur)
	refCounts = make([]int, len(keys))
	curCounts = make([]int, len(keys))
	for i, k := range keys {
		refCounts[i], curCounts[i] = ref[k], cur[k]
	}
	return refCounts, curCounts
}

// categoryUnion is the sorted union of two count maps' categories.
func categoryUnion(ref, cur map[string]int) []string {
	keys := make([]string, 0, len(ref)+len(cur))
	for k := range ref {
		keys = append(keys, k)
	}
	for k := range cur {
		if _, ok := ref[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// ChiSquare is scipy.stats.chi2_contingency on the 2×K table [ref; cur]
// over the union of categories, columns with a zero total dropped. With
// yates, Yates' continuity correction applies when dof is 1 (a 2×2 table).
// Fewer than two categories give dof 0 and NaN.
func ChiSquare(refCounts, curCounts map[string]int, yates bool) (stat, p float64, dof int) {
	rc, cc := categoryCounts(refCounts, curCounts)
	return chiSquareTable(rc, cc, yates)
}

func chiSquareTable(rc, cc []int, yates bool) (stat, p float64, dof int) {
	var cols [][2]float64
	var rowRef, rowCur float64
	for i := range rc {
		if rc[i]+cc[i] == 0 {
			continue
		}
		cols = append(cols, [2]float64{float64(rc[i]), float64(cc[i])})
		rowRef += float64(rc[i])
		rowCur += float64(cc[i])
	}
	dof = len(cols) - 1
	total := rowRef + rowCur
	if dof < 1 || rowRef == 0 || rowCur == 0 {
		return math.NaN(), math.NaN(), max(dof, 0)
	}
	rows := [2]float64{rowRef, rowCur}
	for _, col := range cols {
		colTotal := col[0] + col[1]
		for r := range 2 {
			expected := rows[r] * colTotal / total
			observed := col[r]
			if yates && dof == 1 {
				diff := expected - observed
				observed += math.Copysign(math.Min(0.5, math.Abs(diff)), diff)
			}
			stat += (observed - expected) * (observed - expected) / expected
		}
	}
	return stat, chi2SF(stat, dof), dof
}

// ChiSquareGOF is Evidently's default categorical test,
// scipy.stats.chisquare(cur, ref·n_cur/n_ref), over the union of categories.
// A category absent from the reference makes the statistic +Inf and p 0.
func ChiSquareGOF(refCounts, curCounts map[string]int) (stat, p float64) {
	rc, cc := categoryCounts(refCounts, curCounts)
	var nRef, nCur float64
	for i := range rc {
		nRef += float64(rc[i])
		nCur += float64(cc[i])
	}
	if nRef == 0 || len(rc) < 2 {
		return math.NaN(), math.NaN()
	}
	for i := range rc {
		expected := float64(rc[i]) * nCur / nRef
		d := float64(cc[i]) - expected
		if expected == 0 {
			if d == 0 {
				return math.NaN(), math.NaN()
			}
			return math.Inf(1), 0
		}
		stat += d * d / expected
	}
	return stat, chi2SF(stat, len(rc)-1)
}

// CategoricalPSI is PSI over the union of categories, empty shares replaced
// by PSIEpsilon, summed in sorted category order.
func CategoricalPSI(refCounts, curCounts map[string]int) float64 {
	rc, cc := categoryCounts(refCounts, curCounts)
	return psiCounts(rc, cc)
}

// CategoricalJS is the Jensen–Shannon distance over the union of
// categories, without any epsilon (see JS for base2).
func CategoricalJS(refCounts, curCounts map[string]int, base2 bool) float64 {
	rc, cc := categoryCounts(refCounts, curCounts)
	return jsCounts(rc, cc, base2)
}

// TVD is the total variation distance ½ Σ |p − q| over the union of
// categories.
func TVD(refCounts, curCounts map[string]int) float64 {
	rc, cc := categoryCounts(refCounts, curCounts)
	p, q := shares(rc, 0), shares(cc, 0)
	s := 0.0
	for i := range p {
		s += math.Abs(p[i] - q[i])
	}
	return s / 2
}

// LInfinity is max |p − q| over the union of categories.
func LInfinity(refCounts, curCounts map[string]int) float64 {
	rc, cc := categoryCounts(refCounts, curCounts)
	p, q := shares(rc, 0), shares(cc, 0)
	s := 0.0
	for i := range p {
		s = math.Max(s, math.Abs(p[i]-q[i]))
	}
	return s
}

// Hellinger is the Hellinger distance sqrt(½ Σ (√p − √q)²) over the union
// of categories.
func Hellinger(refCounts, curCounts map[string]int) float64 {
	rc, cc := categoryCounts(refCounts, curCounts)
	return hellingerCounts(rc, cc)
}

// ProportionZ is the pooled two-proportion z-test of a binary feature:
// z = (p_ref − p_cur)/sqrt(p̂(1−p̂)(1/n_ref + 1/n_cur)) with successes over
// trials on each side, and its two-sided p-value 2·(1 − Φ(|z|)).
func ProportionZ(refPos, refN, curPos, curN int) (z, p float64) {
	if refN <= 0 || curN <= 0 {
		return math.NaN(), math.NaN()
	}
	p1 := float64(refPos) / float64(refN)
	p2 := float64(curPos) / float64(curN)
	pooled := float64(refPos+curPos) / float64(refN+curN)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(refN) + 1/float64(curN)))
	z = (p1 - p2) / se
	return z, 2 * normalSF(math.Abs(z))
}

// FisherExact is the two-sided Fisher exact test of the 2×2 table
// [[a, b], [c, d]]: the sample odds ratio a·d/(b·c) and the summed
// hypergeometric probability of every table, with the same margins, no more
// likely than the one observed (with scipy's relative slack of 1e-7).
func FisherExact(a, b, c, d int) (oddsRatio, p float64) {
	switch {
	case b*c > 0:
		oddsRatio = float64(a) * float64(d) / (float64(b) * float64(c))
	case a*d > 0:
		oddsRatio = math.Inf(1)
	default:
		oddsRatio = math.NaN()
	}
	n1, n2, k := a+b, c+d, a+c
	if n1 == 0 || n2 == 0 || k == 0 || k == n1+n2 {
		return oddsRatio, 1
	}
	lo, hi := max(0, k-n2), min(k, n1)
	logPMF := func(x int) float64 {
		return logChoose(n1, x) + logChoose(n2, k-x) - logChoose(n1+n2, k)
	}
	observed := logPMF(a)
	limit := observed + math.Log1p(1e-7)
	for x := lo; x <= hi; x++ {
		if lp := logPMF(x); lp <= limit {
			p += math.Exp(lp)
		}
	}
	return oddsRatio, math.Min(1, p)
}

func logChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
