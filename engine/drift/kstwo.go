package drift

import "math"

// This file holds the exact distribution of the one-sample two-sided KS
// statistic D_n (scipy's kstwo), following the algorithm selection of
// Simard and L'Ecuyer (2011) as scipy 1.10 applies it: Ruben–Gambino closed
// forms at the ends, 2·Smirnov for x ≥ 0.5 and deep tails, the Durbin matrix
// (Marsaglia–Tsang–Wang) for small n·x², Pomeranz for moderate n·x² when
// n ≤ 140, and Pelz–Good beyond.

const (
	scaleExp = 128
	minLog   = -708
)

var (
	scaleUp   = math.Ldexp(1, scaleExp)
	scaleDown = math.Ldexp(1, -scaleExp)
)

func clip01(p float64) float64 { return math.Min(1, math.Max(0, p)) }

// kstwoSF is Pr(D_n > x) for a sample of n from a continuous distribution.
func kstwoSF(n int, x float64) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x >= 1 {
		return 0
	}
	if x <= 0 {
		return 1
	}
	nf := float64(n)
	t := nf * x
	if t <= 1 {
		if t <= 0.5 {
			return 1
		}
		var cdf float64
		if n <= 140 {
			cdf = 1
			for i := 1; i <= n; i++ {
				cdf *= float64(i) * (1 / nf) * (2*t - 1)
			}
		} else {
			cdf = math.Exp(logFactorialOverPower(nf) + nf*math.Log(2*t-1))
		}
		return clip01(1 - cdf)
	}
	if t >= nf-1 {
		return clip01(2 * math.Pow(1-x, nf))
	}
	if x >= 0.5 {
		return clip01(2 * smirnov(n, x))
	}
	nx2 := t * x
	if n <= 140 {
		switch {
		case nx2 <= 0.754693:
			return clip01(1 - durbinMTW(n, x))
		case nx2 <= 4:
			return clip01(1 - pomeranz(n, x))
		default:
			return clip01(2 * smirnov(n, x))
		}
	}
	if nx2 >= 370 {
		return 0
	}
	if nx2 >= 2.2 {
		return clip01(2 * smirnov(n, x))
	}
	var cdf float64
	if n <= 100000 && nf*math.Pow(x, 1.5) <= 1.4 {
		cdf = durbinMTW(n, x)
	} else {
		cdf = pelzGood(n, x)
	}
	return clip01(1 - cdf)
}

// logFactorialOverPower is log(n!/n^n) by Stirling's series.
func logFactorialOverPower(n float64) float64 {
	coeffs := [...]float64{
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2,
	}
	rn := 1 / n
	u := rn / n
	poly := 0.0
	for _, c := range coeffs {
		poly = poly*u + c
	}
	return math.Log(n)/2 - n + math.Log(2*math.Pi)/2 + rn*poly
}

// smirnov is the one-sided one-sample tail Pr(D+_n ≥ x), by the
// Birnbaum–Tingey sum x Σ_j C(n,j) (x+j/n)^(j−1) (1−x−j/n)^(n−j), each term
// evaluated in logarithms. The terms rise to one peak and fall: the sum stops once they have fallen
// below 1e-22 of the largest, which at n ≈ 500 000 (KS of a million values
// a side) is a few thousand terms rather than every one.
func smirnov(n int, x float64) float64 {
	if x <= 0 {
		return 1
	}
	if x >= 1 {
		return 0
	}
	nf := float64(n)
	jmax := int(math.Floor(nf * (1 - x)))
	const negligible = -50.7 // ln 1e-22
	// log C(n,j), exact from Lgamma every 32 terms and carried by
	// C(n,j) = C(n,j−1)·(n−j+1)/j between: the rounding of 32 steps stays
	// far below the p-value's tolerance, at a quarter of the Lgamma calls.
	lgn1, _ := math.Lgamma(nf + 1)
	var lc float64
	logChoose := func(j int) float64 {
		jf := float64(j)
		if j%32 == 0 {
			lj, _ := math.Lgamma(jf + 1)
			lnj, _ := math.Lgamma(nf - jf + 1)
			lc = lgn1 - lj - lnj
		} else {
			lc += math.Log((nf - jf + 1) / jf)
		}
		return lc
	}
	sum, peak := 0.0, math.Inf(-1)
	for j := 0; j <= jmax; j++ {
		jf := float64(j)
		lcj := logChoose(j)
		rest := 1 - x - jf/nf
		if rest <= 0 {
			if j == n {
				sum += math.Pow(x+jf/nf, jf-1)
			}
			continue
		}
		logTerm := lcj + (jf-1)*math.Log(x+jf/nf) + (nf-jf)*math.Log(rest)
		if logTerm > peak {
			peak = logTerm
		} else if logTerm < peak+negligible {
			break
		}
		sum += math.Exp(logTerm)
	}
	return clip01(x * sum)
}

// durbinMTW is Pr(D_n ≤ x) by Durbin's matrix, raised to the n-th power by
// squaring with a separately tracked binary exponent (Marsaglia, Tsang and
// Wang 2003).
func durbinMTW(n int, x float64) float64 {
	if x >= 1 {
		return 1
	}
	nd := float64(n) * x
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] = (1 - math.Pow(h, float64(j))) * fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac

	H := newMatrix(m)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r][i] = w[r-(i-1)]
		}
	}
	for r := 0; r < m; r++ {
		H[r][0] = v[r]
	}
	for c := 0; c < m; c++ {
		H[m-1][c] = v[m-1-c]
	}

	P := newMatrix(m)
	for i := range m {
		P[i][i] = 1
	}
	expnt, hExpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			P = matMul(P, H)
			expnt += hExpnt
		}
		H = matMul(H, H)
		hExpnt *= 2
		if math.Abs(H[k-1][k-1]) > scaleUp {
			for _, row := range H {
				for c := range row {
					row[c] /= scaleUp
				}
			}
			hExpnt += scaleExp
		}
	}
	p := P[k-1][k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / float64(n)
		if math.Abs(p) < scaleDown {
			p *= scaleUp
			expnt -= scaleExp
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

func newMatrix(m int) [][]float64 {
	rows := make([][]float64, m)
	cells := make([]float64, m*m)
	for i := range rows {
		rows[i] = cells[i*m : (i+1)*m]
	}
	return rows
}

func matMul(a, b [][]float64) [][]float64 {
	m := len(a)
	out := newMatrix(m)
	for i := range m {
		for k := range m {
			aik := a[i][k]
			if aik == 0 {
				continue
			}
			for j := range m {
				out[i][j] += aik * b[k][j]
			}
		}
	}
	return out
}

// pomeranzRange is the band [j1, j2] of row i of Pomeranz's recursion.
func pomeranzRange(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		half, odd := (i+1)/2, (i+1)%2 == 0
		switch {
		case odd && half == n+1:
			j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
		case odd:
			j1, j2 = half-1-ll-roundf-1, half+ll-1+ceilf-1
		default:
			j1, j2 = half-1-ll-1, half+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// pomeranz is Pr(D_n ≤ x) by Pomeranz's (1974) recursion: each row is the
// previous one convolved with truncated exponential series.
func pomeranz(n int, x float64) float64 {
	nf := float64(n)
	t := nf * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	gpow := make([]float64, npwrs)
	twoGpow := make([]float64, npwrs)
	oneM2Gpow := make([]float64, npwrs)
	gpow[0], twoGpow[0], oneM2Gpow[0] = 1, 1, 1
	gn, twoGn, oneM2Gn := g/nf, 2*g/nf, (1-2*g)/nf
	for m := 1; m < npwrs; m++ {
		mf := float64(m)
		gpow[m] = gpow[m-1] * gn / mf
		twoGpow[m] = twoGpow[m-1] * twoGn / mf
		oneM2Gpow[m] = oneM2Gpow[m-1] * oneM2Gn / mf
	}

	prev := make([]float64, npwrs)
	cur := make([]float64, npwrs)
	cur[0] = 1
	prevStart, curStart := 0, 0
	expnt := 0
	j1, j2 := pomeranzRange(0, n, ll, ceilf, roundf)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		prev, cur = cur, prev
		prevStart, curStart = curStart, prevStart
		clear(cur)
		j1, j2 = pomeranzRange(i, n, ll, ceilf, roundf)
		pwrs := oneM2Gpow
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpow
		case i%2 == 1:
			pwrs = twoGpow
		}
		width := j2 - k1 + 1
		if width <= 0 {
			continue
		}
		lo := k1 - prevStart
		src := prev[min(lo, len(prev)):min(lo+width, len(prev))]
		kern := pwrs[:min(width, len(pwrs))]
		from, count := j1-k1, j2-j1+1
		biggest := 0.0
		for o := range count {
			idx := from + o
			s := 0.0
			for a := max(0, idx-len(kern)+1); a <= idx && a < len(src); a++ {
				s += src[a] * kern[idx-a]
			}
			cur[o] = s
			biggest = math.Max(biggest, s)
		}
		if biggest > 0 && biggest < scaleDown {
			for o := range cur {
				cur[o] *= scaleUp
			}
			expnt -= scaleExp
		}
		curStart = prevStart + j1 - k1
	}
	ans := cur[n-curStart]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > scaleUp {
			ans *= scaleDown
			expnt += scaleExp
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// pelzGood is the Pelz–Good (1976) asymptotic series for Pr(D_n ≤ x).
func pelzGood(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	pi2 := math.Pi * math.Pi
	pi4, pi6 := pi2*pi2, pi2*pi2*pi2
	sqrt2pi := math.Sqrt(2 * math.Pi)
	z := math.Sqrt(float64(n)) * x
	z2 := z * z
	z3, z4, z6 := z2*z, z2*z2, z2*z2*z2
	qlog := -pi2 / 8 / z2
	if qlog < minLog {
		return 0
	}
	q := math.Exp(qlog)
	k1a, k1b := -z2, pi2/4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * pi2 / 4
	k2c := pi4 * (1 - 2*z2) / 16
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := pi4 * (-60*z2 + 212*z4) / 16
	k3b := pi2 * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*z4*z4

	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		m2 := m * m
		m4, m6 := m2*m2, m2*m2*m2
		qp := math.Pow(q, float64(8*k))
		coeffs := [4]float64{
			1,
			k1a + k1b*m2,
			k2a + k2b*m2 + k2c*m4,
			k3a + k3b*m2 + k3c*m4 + k3d*m6,
		}
		for i := range K {
			K[i] = K[i]*qp + coeffs[i]
		}
	}
	div := [4]float64{z, 6 * z4, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sqrt2pi / div[i]
	}
	q = math.Exp(-pi2 / 2 / z2)
	var extra2, extra3 float64
	sqrt3z := math.Sqrt(3) * z
	for k := maxk; k > 0; k-- {
		kf := float64(k)
		qk := math.Pow(q, kf*kf)
		extra2 += kf * kf * qk
		kpi := math.Pi * kf
		extra3 += (sqrt3z + kpi) * (sqrt3z - kpi) * kf * kf * qk
	}
	K[2] += extra2 * pi2 * sqrt2pi / (-36 * z3)
	K[3] += extra3 * pi2 * sqrt2pi / (216 * z6)
	sum := 0.0
	for i := range K {
		sum += K[i] / math.Pow(float64(n), float64(i)/2)
	}
	return sum
}
