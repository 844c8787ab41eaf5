package sweep

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// The Tree-structured Parzen Estimator: J. Bergstra, R. Bardenet,
// Y. Bengio, B. Kégl, "Algorithms for Hyper-Parameter Optimization",
// NeurIPS 2011, in the univariate form Optuna's TPESampler uses by
// default. Rather than model the metric as a function of the params, it
// models the params given the metric: l(x) is the density of the params
// of the best trials so far, g(x) that of the rest, and the proposal is
// the candidate drawn from l with the highest l(x)/g(x), which is where
// expected improvement is greatest.
const (
	tpeStartup    = 10 // random trials before the model has data
	tpeCandidates = 24 // drawn from l(x) per param
	tpeMaxGood    = 25 // the good group's size stops growing here
)

// startupTrials is how many finished trials TPE wants before it models:
// 10, or a fifth of a short sweep (at least 2) so that most of it is
// still guided.
func startupTrials(trials int) int {
	if trials > 0 && trials < 20 {
		return max(2, trials/5)
	}
	return tpeStartup
}

// tpe proposes trial number's params from the finished trials.
func tpe(s Spec, number int, history []Trial) map[string]string {
	rng := trialRand(s.Seed, number)
	ranked := rankFinished(history, s.Maximize())
	n := startupTrials(s.Trials)
	if number < n || len(ranked) < n {
		return randomPoint(s.Params, rng)
	}
	// γ(n) = min(⌈n/10⌉, 25), but a trial with no value is never good:
	// its params count against, never for.
	nGood := min((len(ranked)+9)/10, tpeMaxGood)
	for nGood > 0 && !hasValue(ranked[nGood-1]) {
		nGood--
	}
	good, bad := ranked[:nGood], ranked[nGood:]
	out := make(map[string]string, len(s.Params))
	for _, p := range s.Params {
		if p.Distribution == "categorical" {
			out[p.Name] = suggestCategory(p, good, bad, rng)
		} else {
			out[p.Name] = suggestNumber(p, good, bad, rng)
		}
	}
	return out
}

// hasValue reports whether a trial can rank above another: it did not
// fail and its value is a number.
func hasValue(t Trial) bool {
	return t.State != Failed && !math.IsNaN(t.Value) && !math.IsInf(t.Value, 0)
}

// rankFinished is the finished trials, best first: by value in the
// direction, those with no value last, ties by number so that the order
// of history does not matter.
func rankFinished(history []Trial, maximize bool) []Trial {
	var out []Trial
	for _, t := range history {
		if t.State == Done || t.State == Stopped || t.State == Failed {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b Trial) int {
		va, vb := hasValue(a), hasValue(b)
		switch {
		case va && vb && a.Value != b.Value:
			if maximize == (a.Value > b.Value) {
				return -1
			}
			return 1
		case va != vb:
			if va {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Number, b.Number)
	})
	return out
}

// suggestNumber proposes a numeric param's value from two Parzen
// estimators in its space.
func suggestNumber(p Param, good, bad []Trial, rng *rand.Rand) string {
	lo, hi := p.space()
	l := newParzen(positions(p, good), lo, hi)
	g := newParzen(positions(p, bad), lo, hi)
	best, bestScore := 0.0, math.Inf(-1)
	for range tpeCandidates {
		x := l.draw(rng)
		if score := l.logPDF(x) - g.logPDF(x); score > bestScore {
			best, bestScore = x, score
		}
	}
	return p.text(best)
}

// positions is the trials' values of a param in its space.
func positions(p Param, trials []Trial) []float64 {
	out := make([]float64, 0, len(trials))
	for _, t := range trials {
		if x, ok := p.position(t.Params[p.Name]); ok {
			out = append(out, x)
		}
	}
	return out
}

// parzen is an equally weighted mixture of Gaussians truncated to
// [lo, hi]: one per observation and one prior over the whole range, so
// that no region is ever ruled out.
type parzen struct {
	lo, hi float64
	mu     []float64
	sigma  []float64
	logC   []float64 // each component's log weight minus log of its normaliser
}

func newParzen(obs []float64, lo, hi float64) parzen {
	mu := slices.Sorted(slices.Values(obs))
	n := len(mu)
	width := hi - lo
	// A component's bandwidth is its distance to the farther neighbour,
	// the range's ends standing in past the first and the last, kept
	// between width/min(100, n+1) (so that a cluster of observations does
	// not collapse into spikes) and the whole width.
	minSigma := width / float64(min(100, n+1))
	sigma := make([]float64, n, n+1)
	for i := range mu {
		left, right := lo, hi
		if i > 0 {
			left = mu[i-1]
		}
		if i < n-1 {
			right = mu[i+1]
		}
		sigma[i] = min(max(mu[i]-left, right-mu[i], minSigma), width)
	}
	e := parzen{lo: lo, hi: hi, mu: append(mu, (lo+hi)/2), sigma: append(sigma, width)}
	e.logC = make([]float64, n+1)
	logW := -math.Log(float64(n + 1))
	for i := range e.mu {
		z := normCDF((hi-e.mu[i])/e.sigma[i]) - normCDF((lo-e.mu[i])/e.sigma[i])
		e.logC[i] = logW - math.Log(e.sigma[i]*math.Sqrt(2*math.Pi)*z)
	}
	return e
}

// draw picks a component by weight and draws from it, truncated, by
// inverting its distribution function.
func (e parzen) draw(rng *rand.Rand) float64 {
	i := rng.IntN(len(e.mu))
	mu, sigma := e.mu[i], e.sigma[i]
	a, b := normCDF((e.lo-mu)/sigma), normCDF((e.hi-mu)/sigma)
	x := mu + sigma*normQuantile(a+rng.Float64()*(b-a))
	return min(max(x, e.lo), e.hi)
}

// logPDF is the log of the mixture's density at x, summed in log space
// (one pass, rescaling as the largest term grows) so that far-off
// components do not underflow to a log of 0.
func (e parzen) logPDF(x float64) float64 {
	top, sum := math.Inf(-1), 0.0
	for i, mu := range e.mu {
		z := (x - mu) / e.sigma[i]
		v := e.logC[i] - z*z/2
		if v <= top {
			sum += math.Exp(v - top)
		} else {
			sum = sum*math.Exp(top-v) + 1
			top = v
		}
	}
	return top + math.Log(sum)
}

func normCDF(z float64) float64 { return math.Erfc(-z/math.Sqrt2) / 2 }

func normQuantile(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// suggestCategory proposes a categorical param's value: l and g are the
// categories' counts among the good and the bad trials, each with a
// prior of 1 spread evenly so that no category's chance is ever 0.
func suggestCategory(p Param, good, bad []Trial, rng *rand.Rand) string {
	l, g := categoryWeights(p, good), categoryWeights(p, bad)
	var lSum, gSum float64
	for i := range l {
		lSum += l[i]
		gSum += g[i]
	}
	best, bestScore := 0, math.Inf(-1)
	for range tpeCandidates {
		c, u := 0, rng.Float64()*lSum
		for c < len(l)-1 && u >= l[c] {
			u -= l[c]
			c++
		}
		if score := math.Log(l[c]/lSum) - math.Log(g[c]/gSum); score > bestScore {
			best, bestScore = c, score
		}
	}
	return p.Values[best]
}

func categoryWeights(p Param, trials []Trial) []float64 {
	w := make([]float64, len(p.Values))
	for i := range w {
		w[i] = 1 / float64(len(w))
	}
	for _, t := range trials {
		v, ok := t.Params[p.Name]
		if !ok {
			continue
		}
		if i := slices.Index(p.Values, v); i >= 0 {
			w[i]++
		}
	}
	return w
}
