package drift

import (
	"math"
	"slices"
)

// This file holds the rank-based two-sample tests Evidently and scipy offer
// beside KS: Cramér–von Mises and Anderson–Darling k-sample (for k = 2).

// cvmExactLimit is the largest sample size, on either side, for which
// CramerVonMises counts the exact null distribution (scipy's "auto").
const cvmExactLimit = 20

// CramerVonMises is scipy.stats.cramervonmises_2samp: the statistic
// T = U/(n·m·N) − (4nm − 1)/(6N) on mid-ranks, with its exact p-value when
// max(n, m) ≤ 20 and otherwise the normalised statistic against the
// limiting one-sample distribution (Anderson 1962; Csörgő and Faraway 1996).
func CramerVonMises(ref, cur []float64) (stat, p float64) {
	x, y := sortedCopy(ref), sortedCopy(cur)
	nx, ny := len(x), len(y)
	if nx < 2 || ny < 2 {
		return math.NaN(), math.NaN()
	}
	ranks := midRanks(append(slices.Clone(x), y...))
	u := 0.0
	for i := range nx {
		d := ranks[i] - float64(i+1)
		u += d * d
	}
	u *= float64(nx)
	v := 0.0
	for j := range ny {
		d := ranks[nx+j] - float64(j+1)
		v += d * d
	}
	u += float64(ny) * v
	k, n := float64(nx)*float64(ny), float64(nx+ny)
	stat = u/(k*n) - (4*k-1)/(6*n)
	if max(nx, ny) <= cvmExactLimit {
		return stat, cvmExactP(u, nx, ny)
	}
	et := (1 + 1/n) / 6
	vt := (n + 1) * (4*k*n - 3*(float64(nx*nx)+float64(ny*ny)) - 2*k)
	vt /= 45 * n * n * 4 * k
	tn := 1.0/6 + (stat-et)/math.Sqrt(45*vt)
	if tn < 0.003 {
		return stat, 1
	}
	return stat, math.Max(0, 1-cvmLimitCDF(tn))
}

// midRanks are the 1-based ranks of v, ties given their average rank.
func midRanks(v []float64) []float64 {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case v[a] < v[b]:
			return -1
		case v[a] > v[b]:
			return 1
		}
		return 0
	})
	ranks := make([]float64, len(v))
	for i := 0; i < len(order); {
		j := i
		for j < len(order) && v[order[j]] == v[order[i]] {
			j++
		}
		r := float64(i+1+j) / 2 // average of ranks i+1..j
		for _, o := range order[i:j] {
			ranks[o] = r
		}
		i = j
	}
	return ranks
}

// cvmExactP is Pr(U ≥ u) over all C(m+n, m) equally likely arrangements of
// the pooled sample (Xiao, Gordon and Yakovlev 2006): walking the lattice
// path that interleaves the samples, each point (v, w) adds (a·v − b·w)², and
// the table of sums reached at each point is built from its two predecessors.
func cvmExactP(u float64, m, n int) float64 {
	lcm := int64(m/gcd(m, n)) * int64(n)
	a, b := lcm/int64(m), lcm/int64(n)
	mn := float64(m) * float64(n)
	zeta := math.Floor(float64(lcm*lcm) * float64(m+n) * (6*u - mn*(4*mn-1)) / (6 * mn * mn))

	// sums[v] holds, for the current w, the number of paths to (v, w) by
	// the sum they have collected.
	sums := make([]map[int64]float64, m+1)
	sums[0] = map[int64]float64{0: 1}
	for w := 0; w <= n; w++ {
		var left map[int64]float64
		for v := 0; v <= m; v++ {
			next := map[int64]float64{}
			for s, c := range left {
				next[s] += c
			}
			for s, c := range sums[v] {
				next[s] += c
			}
			step := int64(v)*a - int64(w)*b
			shifted := make(map[int64]float64, len(next))
			for s, c := range next {
				shifted[s+step*step] = c
			}
			sums[v] = shifted
			left = shifted
		}
	}
	var hits, total float64
	for s, c := range sums[m] {
		total += c
		if float64(s) >= zeta {
			hits += c
		}
	}
	return hits / total
}

// cvmLimitCDF is the CDF of the limiting Cramér–von Mises distribution
// (Csörgő and Faraway 1996, eq. 1.2), summed until a term is below 1e-7,
// which is where scipy stops too.
func cvmLimitCDF(x float64) float64 {
	total := 0.0
	for k := 0; ; k++ {
		kf := float64(k)
		lgHalf, _ := math.Lgamma(kf + 0.5)
		lgOne, _ := math.Lgamma(kf + 1)
		u := math.Exp(lgHalf-lgOne) / (math.Pow(math.Pi, 1.5) * math.Sqrt(x))
		y := 4*kf + 1
		q := y * y / (16 * x)
		z := u * math.Sqrt(y) * math.Exp(-q) * besselK(0.25, q)
		total += z
		if math.Abs(z) < 1e-7 {
			return total
		}
	}
}

// besselK is the modified Bessel function of the second kind K_nu(x) for
// x > 0, by the trapezoidal rule on ∫_0^∞ exp(−x·cosh t)·cosh(nu·t) dt, whose
// integrand is analytic and decays double-exponentially, so the rule
// converges to machine precision.
func besselK(nu, x float64) float64 {
	const h = 1.0 / 64
	sum := 0.5 * math.Exp(-x)
	for i := 1; ; i++ {
		t := float64(i) * h
		e := -x * math.Cosh(t)
		term := math.Exp(e) * math.Cosh(nu*t)
		sum += term
		if e < -745 || term < sum*1e-18 {
			break
		}
	}
	return sum * h
}

// AndersonDarling is scipy.stats.anderson_ksamp([ref, cur]) with mid-ranks:
// the standardised statistic of Scholz and Stephens (1987), and its p-value
// interpolated from their critical-value table, which caps it to
// [0.001, 0.25].
func AndersonDarling(ref, cur []float64) (stat, p float64) {
	samples := [][]float64{sortedCopy(ref), sortedCopy(cur)}
	z := sortedCopy(append(slices.Clone(ref), cur...))
	if len(ref) == 0 || len(cur) == 0 || distinct(z) < 2 {
		return math.NaN(), math.NaN()
	}
	zs := slices.Compact(slices.Clone(z))
	N := float64(len(z))
	k := float64(len(samples))

	a2 := 0.0
	for _, s := range samples {
		ni := float64(len(s))
		inner := 0.0
		for _, x := range zs {
			left, _ := slices.BinarySearch(z, x)
			lj := float64(upperBound(z, x) - left)
			bj := float64(left) + lj/2
			sl, _ := slices.BinarySearch(s, x)
			sr := upperBound(s, x)
			mij := float64(sr) - float64(sr-sl)/2
			d := N*mij - bj*ni
			inner += lj / N * d * d / (bj*(N-bj) - N*lj/4)
		}
		a2 += inner / ni
	}
	a2 *= (N - 1) / N

	H := 0.0
	for _, s := range samples {
		H += 1 / float64(len(s))
	}
	// h = Σ_{i=1}^{N−1} 1/i; g = Σ_{i=1}^{N−2} Σ_{j=i+1}^{N−1} 1/((N−i)·j).
	var hsum, g float64
	for i := N - 1; i > 1; i-- {
		hsum += 1 / i
		g += hsum / (N - i + 1)
	}
	h := hsum + 1
	a := (4*g-6)*(k-1) + (10-6*g)*H
	b := (2*g-4)*k*k + 8*h*k + (2*g-14*h-4)*H - 8*h + 4*g - 6
	c := (6*h+2*g-2)*k*k + (4*h-4*g+6)*k + (2*h-6)*H + 4*h
	d := (2*h+6)*k*k - 4*h*k
	sigma2 := (a*N*N*N + b*N*N + c*N + d) / ((N - 1) * (N - 2) * (N - 3))
	m := k - 1
	stat = (a2 - m) / math.Sqrt(sigma2)

	b0 := []float64{0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085}
	b1 := []float64{-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615}
	b2 := []float64{-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154}
	sig := []float64{0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001}
	critical := make([]float64, len(b0))
	logSig := make([]float64, len(sig))
	for i := range b0 {
		critical[i] = b0[i] + b1[i]/math.Sqrt(m) + b2[i]/m
		logSig[i] = math.Log(sig[i])
	}
	switch {
	case stat < slices.Min(critical):
		return stat, 0.25
	case stat > slices.Max(critical):
		return stat, 0.001
	}
	return stat, math.Exp(quadraticFit(critical, logSig)(stat))
}

// quadraticFit is the least-squares parabola through (x, y), fitted on
// centred x by the normal equations (well conditioned for a handful of
// points).
func quadraticFit(x, y []float64) func(float64) float64 {
	c := 0.0
	for _, v := range x {
		c += v
	}
	c /= float64(len(x))
	var s [5]float64
	var t [3]float64
	for i := range x {
		d := x[i] - c
		p := 1.0
		for k := range 5 {
			if k < 3 {
				t[k] += p * y[i]
			}
			s[k] += p
			p *= d
		}
	}
	// Solve [s0 s1 s2; s1 s2 s3; s2 s3 s4]·[c0 c1 c2] = t by Cramer's rule.
	det3 := func(a [3][3]float64) float64 {
		return a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) -
			a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) +
			a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
	}
	M := [3][3]float64{{s[0], s[1], s[2]}, {s[1], s[2], s[3]}, {s[2], s[3], s[4]}}
	det := det3(M)
	var coef [3]float64
	for col := range 3 {
		A := M
		for row := range 3 {
			A[row][col] = t[row]
		}
		coef[col] = det3(A) / det
	}
	return func(v float64) float64 {
		d := v - c
		return coef[0] + d*(coef[1]+d*coef[2])
	}
}
