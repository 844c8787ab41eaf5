package drift

import "math"

// chi2SF is the survival function of the chi-square distribution with dof
// degrees of freedom: Q(dof/2, x/2), the regularised upper incomplete gamma.
func chi2SF(x float64, dof int) float64 {
	switch {
	case math.IsNaN(x) || dof <= 0:
		return math.NaN()
	case x <= 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	}
	return gammaQ(float64(dof)/2, x/2)
}

// gammaQ is the regularised upper incomplete gamma function Q(a, x) for a > 0,
// x > 0: a power series for P when x < a+1 and a continued fraction (modified
// Lentz) for Q otherwise, as in Numerical Recipes §6.2.
func gammaQ(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	prefix := a*math.Log(x) - x - lg
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 10000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-17 {
				break
			}
		}
		return 1 - sum*math.Exp(prefix)
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 10000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		delta := d * c
		h *= delta
		if math.Abs(delta-1) < 1e-17 {
			break
		}
	}
	return math.Exp(prefix) * h
}

// normalSF is the upper tail of the standard normal distribution.
func normalSF(z float64) float64 {
	return 0.5 * math.Erfc(z/math.Sqrt2)
}

// KolmogorovLimit is the survival function of the Kolmogorov distribution,
// the n→∞ limit of sqrt(n)·D_n: Q_KS(z) = 2 Σ_{k≥1} (−1)^(k−1) exp(−2k²z²).
// For small z the alternating series converges slowly, so the CDF is taken
// from its Jacobi theta form sqrt(2π)/z Σ exp(−(2k−1)²π²/(8z²)).
func KolmogorovLimit(z float64) float64 {
	switch {
	case math.IsNaN(z):
		return math.NaN()
	case z <= 0:
		return 1
	case z < 1:
		if z < 0.04 {
			return 1
		}
		q := -math.Pi * math.Pi / (8 * z * z)
		cdf := 0.0
		for k := 1; k < 100; k++ {
			m := float64(2*k - 1)
			t := math.Exp(m * m * q)
			cdf += t
			if t < cdf*1e-17 {
				break
			}
		}
		return 1 - math.Sqrt(2*math.Pi)/z*cdf
	}
	sf, sign := 0.0, 1.0
	for k := 1; k < 100; k++ {
		kf := float64(k)
		t := math.Exp(-2 * kf * kf * z * z)
		sf += sign * t
		if t < sf*1e-17 {
			break
		}
		sign = -sign
	}
	return math.Min(1, math.Max(0, 2*sf))
}
