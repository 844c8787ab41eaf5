package drift

import "math"

// ExactKSLimit is the largest sample size, on either side, for which
// KSPValue counts lattice paths; above it, it uses scipy's "asymp".
const ExactKSLimit = 10000

// KSPValue is the two-sided p-value of the two-sample KS statistic d for
// sample sizes n and m, as scipy.stats.ks_2samp(method="auto") gives it:
// the exact probability by lattice-path counting when max(n, m) ≤
// ExactKSLimit, otherwise KSPValueAsymp. The exact method assumes
// continuous data (it ignores ties).
func KSPValue(d float64, n, m int) float64 {
	if n <= 0 || m <= 0 || math.IsNaN(d) {
		return math.NaN()
	}
	if max(n, m) <= ExactKSLimit {
		if p, ok := ksExact(d, n, m); ok {
			return p
		}
	}
	return KSPValueAsymp(d, n, m)
}

// KSPValueAsymp is scipy's "asymp" p-value, which is not the Kolmogorov
// limit but the exact one-sample distribution kstwo.sf(d, round(n·m/(n+m))),
// rounding half to even.
func KSPValueAsymp(d float64, n, m int) float64 {
	if n <= 0 || m <= 0 || math.IsNaN(d) {
		return math.NaN()
	}
	big, small := float64(max(n, m)), float64(min(n, m))
	en := big * small / (big + small)
	return kstwoSF(int(math.RoundToEven(en)), d)
}

// KSPValueLimit is the textbook limit Q_KS(sqrt(en)·d), en = n·m/(n+m).
func KSPValueLimit(d float64, n, m int) float64 {
	en := float64(n) * float64(m) / float64(n+m)
	return KolmogorovLimit(math.Sqrt(en) * d)
}

// KSPValueStephens is the limit with Stephens' small-sample correction,
// Q_KS((sqrt(en) + 0.12 + 0.11/sqrt(en))·d).
func KSPValueStephens(d float64, n, m int) float64 {
	sen := math.Sqrt(float64(n) * float64(m) / float64(n+m))
	return KolmogorovLimit((sen + 0.12 + 0.11/sen) * d)
}

// ksExact is Pr(D ≥ d) for two samples of sizes n and m; ok is false when
// the computation left [0, 1] (scipy then falls back to "asymp").
func ksExact(d float64, n, m int) (p float64, ok bool) {
	g := gcd(n, m)
	lcm := int64(n/g) * int64(m)
	h := int64(math.RoundToEven(d * float64(lcm)))
	if h == 0 {
		return 1, true
	}
	if n == m {
		p = probOutsideSquare(int64(n), h)
	} else {
		p = probOutsideBand(int64(n), int64(m), int64(g), h)
	}
	if math.IsNaN(p) || math.IsInf(p, 0) || p < 0 || p > 1 {
		return p, false
	}
	return p, true
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// probOutsideSquare is Pr(D_{n,n} ≥ h/n): 2·Σ_k (−1)^(k−1) C(2n, n−kh)/C(2n, n),
// evaluated Horner-style from the innermost term, each ratio as a product of
// h factors, so there is no subtractive cancellation.
func probOutsideSquare(n, h int64) float64 {
	p := 0.0
	for k := n / h; k >= 0; k-- {
		a := 1.0
		for j := range h {
			a = float64(n-k*h-j) * a / float64(n+k*h+j+1)
		}
		p = a * (1 - p)
	}
	return 2 * p
}

// probOutsideBand is the share of monotone lattice paths from (0,0) to
// (m,n) that touch |x/m − y/n| ≥ h/lcm(m,n). It walks the band one column at
// a time, keeping only the window inside it, and carries 1 − (share inside)
// in each cell (Hodges 1958; Viehmann 2021's recursion for the complement),
// so the result never subtracts two numbers close to 1.
func probOutsideBand(m, n, g, h int64) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	minj := int64(0)
	maxj := min(ceilDiv(h, mg), n+1)
	curLen := maxj - minj
	window := make([]float64, min(2*maxj+2, n+1))
	for i := range window {
		window[i] = 1
	}
	for i := minj; i < maxj; i++ {
		window[i] = 0
	}
	for i := int64(1); i <= m; i++ {
		lastMin, lastLen := minj, curLen
		minj = max(floorDiv(ng*i-h, mg)+1, 0)
		minj = min(minj, n)
		maxj = min(ceilDiv(ng*i+h, mg), n+1)
		if maxj <= minj {
			return 1
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		fi := float64(i)
		for jj := range maxj - minj {
			j := jj + minj
			val = (window[jj+minj-lastMin]*fi + val*float64(j)) / (fi + float64(j))
			window[jj] = val
		}
		curLen = maxj - minj
		for k := curLen; k < lastLen && k < int64(len(window)); k++ {
			window[k] = 1
		}
	}
	return window[maxj-minj-1]
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
