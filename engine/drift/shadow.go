package drift

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// This file holds shadow evaluation: a champion's and a challenger's
// predictions scored on the same labelled rows, and a paired test of the
// difference.

// The paired tests CompareShadow picks from.
const (
	ShadowMcNemarExact = "mcnemar-exact"
	ShadowMcNemar      = "mcnemar"
	ShadowBootstrap    = "bootstrap"
)

// DefaultResamples is the number of bootstrap resamples when the caller
// asks for none.
const DefaultResamples = 2000

// exactMcNemarBelow is the number of discordant pairs below which
// CompareShadow uses McNemar's exact test: the χ² approximation needs about
// 25 (statsmodels' documentation and Agresti's rule of thumb).
const exactMcNemarBelow = 25

// shadowSeed seeds CompareShadow's bootstrap, so the same rows always give
// the same answer.
const shadowSeed = 1

var (
	// ErrTooFewRows is returned when fewer than two rows have a finite
	// label and finite predictions from both models.
	ErrTooFewRows = errors.New("too few labelled rows to compare")
	// ErrMetricUndefined is returned when the metric has no value on the
	// rows: AUC with only one class among the labels.
	ErrMetricUndefined = errors.New("quality metric undefined on these rows")
	// ErrBadArgument is returned for columns of different lengths or a
	// level alpha outside (0, 1).
	ErrBadArgument = errors.New("invalid shadow comparison argument")
)

// McNemar is McNemar's test on the discordant pairs of a paired
// classification: b rows the champion got right and the challenger wrong, c
// rows the other way round.
//
// With exact set it is the two-sided exact binomial test, statsmodels'
// mcnemar(exact=True): stat = min(b, c) and p = min(1, 2·P[X ≤ stat]) with
// X ~ Bin(b+c, 1/2). Otherwise it is statsmodels' exact=False,
// correction=True: stat = (|b−c|−1)²/(b+c) against χ²(1) (so b = c gives
// 1/(b+c), not 0, as there). b+c = 0 gives stat 0 and p 1; a negative count
// gives NaN.
func McNemar(b, c int, exact bool) (stat, p float64) {
	switch {
	case b < 0 || c < 0:
		return math.NaN(), math.NaN()
	case b+c == 0:
		return 0, 1
	}
	n := b + c
	if exact {
		k := min(b, c)
		return float64(k), math.Min(1, 2*binomialHalfCDF(k, n))
	}
	d := math.Abs(float64(b-c)) - 1
	stat = d * d / float64(n)
	return stat, chi2SF(stat, 1)
}

// binomialHalfCDF is P[X ≤ k] for X ~ Bin(n, 1/2) and 0 ≤ k ≤ n/2. The
// terms grow up to k, so the sum starts from the largest, C(n, k)/2ⁿ taken
// through logarithms, and steps down by t(i−1) = t(i)·i/(n−i+1) until the
// terms no longer count.
func binomialHalfCDF(k, n int) float64 {
	t := math.Exp(logChoose(n, k) - float64(n)*math.Ln2)
	sum := t
	for i := k; i > 0 && t >= sum*1e-17; i-- {
		t *= float64(i) / float64(n-i+1)
		sum += t
	}
	return sum
}

// PairedBootstrap compares two models on the same rows by resampling them.
// The rows used (n) are those where the label and both predictions are
// finite. For each of resamples resamples (DefaultResamples when ≤ 0) it
// draws n row indices with replacement and computes metric(challenger) −
// metric(champion) on that same resample. The draws come from
// rand.New(rand.NewPCG(seed, 0)), n calls of IntN(n) per resample in
// order, so a seed fixes the answer.
//
// It returns the observed difference diff on all n rows; lo and hi, the
// percentile interval at level 1−alpha: the alpha/2 and 1−alpha/2 quantiles
// of the bootstrap differences, interpolated linearly as numpy.quantile's
// default ("linear", Hyndman and Fan's type 7); and a two-sided p-value,
// p = min(1, 2·(k+1)/(B+1)), where k counts the bootstrap differences on
// the other side of zero from diff (≤ 0 when diff > 0, ≥ 0 when diff < 0)
// and B the resamples; diff exactly 0 gives p 1.
//
// For accuracy, rmse and mae each resample is a sum of per-row losses; for
// auc the rows are sorted by each model's score once and a resample's AUC
// is one pass over that order, weighting each row by how often it was
// drawn. A resample with one class absent has no AUC and is left out of
// the interval, k and B.
func PairedBootstrap(champion, challenger, label []float64, metric string, resamples int, alpha float64, seed uint64) (diff, lo, hi, p float64, n int, err error) {
	s, err := pairRows(champion, challenger, label, alpha)
	if err != nil {
		return math.NaN(), math.NaN(), math.NaN(), math.NaN(), 0, err
	}
	r, err := s.bootstrap(metric, resamples, alpha, seed)
	if err != nil {
		return math.NaN(), math.NaN(), math.NaN(), math.NaN(), s.len(), err
	}
	return r.Diff, r.Lo, r.Hi, r.PValue, r.Rows, nil
}

// Shadow is the result of one shadow comparison. CompareShadow never
// returns one with NaN or ±Inf in it without an error, so it marshals with
// encoding/json as it is.
type Shadow struct {
	Metric string `json:"metric"` // accuracy, auc, rmse or mae
	Test   string `json:"test"`   // mcnemar-exact, mcnemar or bootstrap
	Rows   int    `json:"rows"`   // rows with a finite label and two finite predictions

	// Champion and Challenger are each model's metric on these rows.
	Champion   float64 `json:"champion"`
	Challenger float64 `json:"challenger"`
	// Diff is Challenger − Champion, and [Lo, Hi] its confidence interval
	// at level 1−alpha.
	Diff   float64 `json:"diff"`
	Lo     float64 `json:"ci_lo"`
	Hi     float64 `json:"ci_hi"`
	PValue float64 `json:"p_value"` // two-sided
	Better bool    `json:"better"`  // PValue < alpha and Diff in the challenger's favour

	// B and C are McNemar's discordant counts: the rows only the champion
	// got right, and those only the challenger got right.
	B int `json:"champion_only,omitempty"`
	C int `json:"challenger_only,omitempty"`
}

// CompareShadow scores a champion's and a challenger's predictions on the
// same labelled rows and tests the difference at level alpha. Rows where
// the label or either prediction is NaN or ±Inf are skipped; fewer than two
// left give ErrTooFewRows.
//
// The metric is QualityMetric's, applied to both prediction columns at
// once. Hard-label classification (accuracy) is tested with McNemar on the
// discordant pairs, exact when b+c < 25 and otherwise χ² with continuity
// correction, and Diff's interval is the Wald interval of paired
// proportions, (c−b)/n ± z·sqrt((b+c) − (c−b)²/n)/n with z the 1−alpha/2
// normal quantile. Any other metric is tested with PairedBootstrap
// (resamples ≤ 0 means DefaultResamples) under a fixed seed, so the same
// rows give the same answer. Better says the challenger is significantly
// better: PValue < alpha and Diff positive for accuracy and auc (see
// HigherIsBetter), negative for rmse.
func CompareShadow(champion, challenger, label []float64, alpha float64, resamples int) (Shadow, error) {
	s, err := pairRows(champion, challenger, label, alpha)
	if err != nil {
		return Shadow{}, err
	}
	if s.len() < 2 {
		return Shadow{}, fmt.Errorf("%w: %d usable of %d", ErrTooFewRows, s.len(), len(label))
	}
	var r Shadow
	if metric := qualityMetric(s.label, s.champion, s.challenger); metric == MetricAccuracy {
		r = s.mcNemar(alpha)
	} else if r, err = s.bootstrap(metric, resamples, alpha, shadowSeed); err != nil {
		return Shadow{}, err
	}
	favour := r.Diff > 0
	if !HigherIsBetter(r.Metric) {
		favour = r.Diff < 0
	}
	r.Better = r.PValue < alpha && favour
	return r, nil
}

// pairedRows are the rows of a shadow comparison where the label and both
// predictions are finite.
type pairedRows struct {
	champion, challenger, label []float64
}

// pairRows checks the arguments of a comparison and keeps its finite rows.
func pairRows(champion, challenger, label []float64, alpha float64) (pairedRows, error) {
	if len(champion) != len(label) || len(challenger) != len(label) {
		return pairedRows{}, fmt.Errorf("%w: %d champion, %d challenger and %d label values",
			ErrBadArgument, len(champion), len(challenger), len(label))
	}
	if !(alpha > 0 && alpha < 1) {
		return pairedRows{}, fmt.Errorf("%w: alpha %v is not in (0, 1)", ErrBadArgument, alpha)
	}
	var s pairedRows
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	for i, l := range label {
		if a, b := champion[i], challenger[i]; finite(l) && finite(a) && finite(b) {
			s.champion = append(s.champion, a)
			s.challenger = append(s.challenger, b)
			s.label = append(s.label, l)
		}
	}
	return s, nil
}

func (s pairedRows) len() int { return len(s.label) }

// mcNemar is CompareShadow's test for hard labels.
func (s pairedRows) mcNemar(alpha float64) Shadow {
	var championRight, challengerRight, b, c int
	for i, l := range s.label {
		a, h := s.champion[i] == l, s.challenger[i] == l
		championRight += boolInt(a)
		challengerRight += boolInt(h)
		b += boolInt(a && !h)
		c += boolInt(h && !a)
	}
	r := Shadow{Metric: MetricAccuracy, Test: ShadowMcNemar, Rows: s.len(), B: b, C: c}
	exact := b+c < exactMcNemarBelow
	if exact {
		r.Test = ShadowMcNemarExact
	}
	_, r.PValue = McNemar(b, c, exact)
	n := float64(s.len())
	r.Champion = float64(championRight) / n
	r.Challenger = float64(challengerRight) / n
	d := float64(c - b)
	r.Diff = d / n
	half := normalISF(alpha/2) * math.Sqrt(math.Max(0, float64(b+c)-d*d/n)) / n
	r.Lo, r.Hi = r.Diff-half, r.Diff+half
	return r
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// normalISF is the z with P(Z > z) = q for a standard normal Z, 0 < q < 1
// (scipy's norm.isf). Go's Erfcinv goes through 1−2q and so loses digits,
// then all of them, in the far tail; Newton steps on log P(Z > z), whose
// derivative is −φ(z)/P(Z > z), restore them.
func normalISF(q float64) float64 {
	z := math.Sqrt2 * math.Erfcinv(2*q)
	if math.IsInf(z, 0) {
		z = math.Sqrt(-2 * math.Log(q)) // only q below about 1e-17 gets here
	}
	for range 20 {
		sf := normalSF(z)
		pdf := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
		step := (math.Log(sf) - math.Log(q)) * sf / pdf
		if math.IsNaN(step) || math.IsInf(step, 0) {
			break // q below about 1e-300: φ(z) underflows, keep z
		}
		z += step
		if math.Abs(step) <= 1e-15*math.Abs(z) {
			break
		}
	}
	return z
}

// bootstrap is PairedBootstrap on rows already paired, as a Shadow.
func (s pairedRows) bootstrap(metric string, resamples int, alpha float64, seed uint64) (Shadow, error) {
	var rs resampler
	switch metric {
	case MetricAccuracy:
		rs = newLossResampler(s, func(p, l float64) float64 { return float64(boolInt(p == l)) }, false)
	case MetricRMSE:
		rs = newLossResampler(s, squaredError, true)
	case MetricMAE:
		rs = newLossResampler(s, absoluteError, false)
	case MetricAUC:
		rs = newAUCResampler(s)
	default:
		return Shadow{}, unknownMetric(metric)
	}
	if s.len() < 2 {
		return Shadow{}, fmt.Errorf("%w: %d usable", ErrTooFewRows, s.len())
	}
	r := Shadow{Metric: metric, Test: ShadowBootstrap, Rows: s.len()}
	r.Champion, r.Challenger = rs.observed()
	if math.IsNaN(r.Champion) || math.IsNaN(r.Challenger) {
		return Shadow{}, fmt.Errorf("%w: %s needs both classes among the labels", ErrMetricUndefined, metric)
	}
	r.Diff = r.Challenger - r.Champion

	if resamples <= 0 {
		resamples = DefaultResamples
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	diffs := make([]float64, 0, resamples)
	for range resamples {
		if d := rs.resample(rng); !math.IsNaN(d) {
			diffs = append(diffs, d)
		}
	}
	if len(diffs) == 0 {
		return Shadow{}, fmt.Errorf("%w: %s is undefined on every resample", ErrMetricUndefined, metric)
	}
	r.Lo, r.Hi, r.PValue = percentileSummary(r.Diff, diffs, alpha)
	return r, nil
}

// percentileSummary is PairedBootstrap's interval and p-value from the
// observed difference and the bootstrap differences, which it sorts.
func percentileSummary(observed float64, diffs []float64, alpha float64) (lo, hi, p float64) {
	slices.Sort(diffs)
	lo = quantileLinear(diffs, alpha/2)
	hi = quantileLinear(diffs, 1-alpha/2)
	if observed == 0 {
		return lo, hi, 1
	}
	k := 0
	for _, d := range diffs {
		if observed > 0 && d <= 0 || observed < 0 && d >= 0 {
			k++
		}
	}
	return lo, hi, math.Min(1, 2*float64(k+1)/float64(len(diffs)+1))
}

// quantileLinear is numpy.quantile(sorted, q) with the default "linear"
// method: the virtual index q·(n−1) and numpy's two-sided lerp (from the
// lower neighbour below a fraction of one half, from the upper above).
func quantileLinear(sorted []float64, q float64) float64 {
	n := len(sorted)
	idx := q * float64(n-1)
	lo := int(math.Floor(idx))
	if lo >= n-1 {
		return sorted[n-1]
	}
	f := idx - float64(lo)
	a, b := sorted[lo], sorted[lo+1]
	// The explicit conversions stop the compiler fusing multiply and add,
	// which would change the last bit against numpy.
	if f >= 0.5 {
		return b - float64((b-a)*(1-f))
	}
	return a + float64((b-a)*f)
}

// resampler scores both models on all rows and on bootstrap resamples.
type resampler interface {
	// observed is the metric of each model on all the rows.
	observed() (champion, challenger float64)
	// resample draws one resample and returns challenger − champion on it,
	// NaN when the metric is undefined there.
	resample(rng *rand.Rand) float64
}

// lossResampler is a mean of per-row losses (or hits, for accuracy),
// square-rooted for rmse: a resample is a sum over the drawn rows.
type lossResampler struct {
	loss []rowLoss
	root bool
}

type rowLoss struct{ champion, challenger float64 }

func newLossResampler(s pairedRows, loss func(p, l float64) float64, root bool) *lossResampler {
	r := &lossResampler{loss: make([]rowLoss, s.len()), root: root}
	for i, l := range s.label {
		r.loss[i] = rowLoss{loss(s.champion[i], l), loss(s.challenger[i], l)}
	}
	return r
}

func (r *lossResampler) observed() (champion, challenger float64) {
	var a, b float64
	for _, l := range r.loss {
		a += l.champion
		b += l.challenger
	}
	return r.finish(a), r.finish(b)
}

func (r *lossResampler) resample(rng *rand.Rand) float64 {
	var a, b float64
	n := len(r.loss)
	for range n {
		l := r.loss[rng.IntN(n)]
		a += l.champion
		b += l.challenger
	}
	return r.finish(b) - r.finish(a)
}

func (r *lossResampler) finish(sum float64) float64 {
	m := sum / float64(len(r.loss))
	if r.root {
		return math.Sqrt(m)
	}
	return m
}

// aucResampler keeps each model's rows sorted by score, so a resample's
// AUC is one pass over them with each row weighted by its draws.
type aucResampler struct {
	champion, challenger scoreOrder
	draws                []int32
}

func newAUCResampler(s pairedRows) *aucResampler {
	positive := make([]bool, s.len())
	for i, l := range s.label {
		positive[i] = l > 0.5
	}
	return &aucResampler{
		champion:   newScoreOrder(s.champion, positive),
		challenger: newScoreOrder(s.challenger, positive),
		draws:      make([]int32, s.len()),
	}
}

func (r *aucResampler) observed() (champion, challenger float64) {
	for i := range r.draws {
		r.draws[i] = 1
	}
	return r.champion.auc(r.draws), r.challenger.auc(r.draws)
}

func (r *aucResampler) resample(rng *rand.Rand) float64 {
	clear(r.draws)
	n := len(r.draws)
	for range n {
		r.draws[rng.IntN(n)]++
	}
	return r.challenger.auc(r.draws) - r.champion.auc(r.draws)
}
