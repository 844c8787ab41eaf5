package drift

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// Expected values come from Debian's python3-scipy 1.10.1 and numpy 1.24.2
// (/usr/bin/python3), the call named beside each. statsmodels is not
// installed there; its mcnemar is the formulas the cases name.

func TestMcNemar(t *testing.T) {
	tests := []struct {
		name      string
		b, c      int
		exact     bool
		wantStat  float64
		wantP     float64
		tolerance float64
	}{
		// Agresti, Categorical Data Analysis, the presidential approval
		// table: b = 150, c = 86. Uncorrected χ² would be 17.356 with
		// p 3.099293441045215e-05; corrected it is 63²/236, and p is
		// scipy.stats.chi2.sf(63**2/236, 1).
		{"Agresti corrected", 150, 86, false, 16.81779661016949, 4.114562281345944e-05, tolP},
		// 2·scipy.stats.binom.cdf(86, 236, 0.5), equal to
		// scipy.stats.binomtest(86, 236, 0.5).pvalue.
		{"Agresti exact", 150, 86, true, 86, 3.715936139571387e-05, tolP},
		// Exact: 2·11/1024; the same either way round.
		{"exact 1, 9", 1, 9, true, 1, 0.021484375, tolP},
		{"exact 9, 1", 9, 1, true, 1, 0.021484375, tolP},
		{"exact 0, 7", 0, 7, true, 0, 0.015625, tolP},                     // 2/2⁷
		{"exact 12, 3", 12, 3, true, 3, 0.03515625, tolP},                 // binomtest(3, 15)
		{"exact 5, 5 capped", 5, 5, true, 5, 1, tolP},                     // 2·cdf(5, 10) > 1
		{"exact 400, 350", 400, 350, true, 350, 0.0735077740584349, tolP}, // binomtest(350, 750)
		// scipy.stats.chi2.sf(stat, 1) for the corrected statistics.
		{"corrected 1, 9", 1, 9, false, 4.9, 0.02685669550752441, tolP},
		{"corrected 12, 3", 12, 3, false, 4.266666666666667, 0.03886710381241731, tolP},
		{"corrected 400, 350", 400, 350, false, 3.2013333333333334, 0.07357826163585493, tolP},
		{"corrected 3, 4", 3, 4, false, 0, 1, tolP},
		{"corrected 5, 5", 5, 5, false, 0.1, 0.7518296340458492, tolP}, // (0−1)²/10, as statsmodels
		{"no discordant pairs", 0, 0, false, 0, 1, 0},
		{"no discordant pairs, exact", 0, 0, true, 0, 1, 0},
		{"negative count", -1, 3, false, math.NaN(), math.NaN(), 0},
	}
	for _, tt := range tests {
		stat, p := McNemar(tt.b, tt.c, tt.exact)
		if !within(stat, tt.wantStat, tolStat) || !within(p, tt.wantP, tt.tolerance) {
			t.Errorf("%s: McNemar(%d, %d, %v) = %.17g, %.17g; want %.17g, %.17g",
				tt.name, tt.b, tt.c, tt.exact, stat, p, tt.wantStat, tt.wantP)
		}
	}
}

func TestNormalISF(t *testing.T) {
	// scipy.stats.norm.isf(q). Go's Erfcinv alone is off by 1e-9 at 5e-9,
	// by 1e-3 at 5e-17, and infinite at 5e-21.
	tests := []struct{ q, want float64 }{
		{0.25, 0.6744897501960817},
		{0.05, 1.6448536269514729},
		{0.025, 1.9599639845400545},
		{0.005, 2.575829303548901},
		{0.0005, 3.2905267314918945},
		{5e-9, 5.73072886823629},
		{5e-17, 8.304785425194112},
		{5e-21, 9.33604484923406},
		{0.9, -1.2815515655446004},
	}
	for _, tt := range tests {
		if got := normalISF(tt.q); !within(got, tt.want, 1e-14) {
			t.Errorf("normalISF(%g) = %.17g, want %.17g", tt.q, got, tt.want)
		}
	}
}

func TestQuantileLinear(t *testing.T) {
	sorted := []float64{-1.2, -0.4, -0.05, 0.0, 0.3, 0.45, 0.7, 1.1, 1.9, 2.5}
	// numpy.quantile(v, q) of the same ten values, unsorted there.
	tests := []struct{ q, want float64 }{
		{0.025, -1.02},
		{0.975, 2.365},
		{0.05, -0.84},
		{0.95, 2.2299999999999995},
		{0.5, 0.375},
		{0.005, -1.164},
		{0.995, 2.473},
		{0, -1.2},
		{1, 2.5},
	}
	for _, tt := range tests {
		if got := quantileLinear(sorted, tt.q); got != tt.want {
			t.Errorf("quantileLinear(%g) = %.17g, want %.17g", tt.q, got, tt.want)
		}
	}
	if got := quantileLinear([]float64{3}, 0.975); got != 3 {
		t.Errorf("quantileLinear of one value = %v, want 3", got)
	}
}

func TestPercentileSummary(t *testing.T) {
	diffs := func() []float64 {
		return []float64{0.12, -0.03, 0.4, 0.25, 0.0, 0.31, 0.18, -0.1, 0.22, 0.05, 0.27}
	}
	// numpy.quantile(diffs, [alpha/2, 1−alpha/2]); p = min(1, 2(k+1)/12)
	// with k = 3 differences ≤ 0 (observed > 0) or 9 ≥ 0 (observed < 0).
	tests := []struct {
		name            string
		observed, alpha float64
		wantLo, wantHi  float64
		wantP           float64
	}{
		{"positive, alpha 0.1", 0.2, 0.1, -0.065, 0.355, 0.6666666666666666},
		{"positive, alpha 0.05", 0.2, 0.05, -0.0825, 0.3775, 0.6666666666666666},
		{"negative", -0.01, 0.05, -0.0825, 0.3775, 1},
		{"zero", 0, 0.05, -0.0825, 0.3775, 1},
	}
	for _, tt := range tests {
		lo, hi, p := percentileSummary(tt.observed, diffs(), tt.alpha)
		if !within(lo, tt.wantLo, tolStat) || !within(hi, tt.wantHi, tolStat) || !within(p, tt.wantP, tolStat) {
			t.Errorf("%s: percentileSummary = %.17g, %.17g, %.17g; want %.17g, %.17g, %.17g",
				tt.name, lo, hi, p, tt.wantLo, tt.wantHi, tt.wantP)
		}
	}
}

// regressionPair is a regression target with a champion whose noise has
// standard deviation champNoise and a challenger with challNoise.
func regressionPair(n int, champNoise, challNoise float64) (champion, challenger, label []float64) {
	label = irwinHall(61, n, 10, 2)
	champion = irwinHall(62, n, 0, champNoise)
	challenger = irwinHall(63, n, 0, challNoise)
	for i, l := range label {
		champion[i] += l
		challenger[i] += l
	}
	return champion, challenger, label
}

// probabilityPair is binary labels with two models' scores, the
// challenger's less noisy, so its AUC is higher.
func probabilityPair(n int) (champion, challenger, label []float64) {
	z := irwinHall(71, n, 0, 1)
	champion, challenger, label = make([]float64, n), make([]float64, n), make([]float64, n)
	noiseA, noiseB := irwinHall(72, n, 0, 1.5), irwinHall(73, n, 0, 0.5)
	logistic := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for i := range z {
		if z[i] > 0 {
			label[i] = 1
		}
		champion[i] = logistic(z[i] + noiseA[i])
		challenger[i] = logistic(z[i] + noiseB[i])
	}
	return champion, challenger, label
}

func TestPairedBootstrapDeterministic(t *testing.T) {
	champion, challenger, label := regressionPair(300, 1, 0.9)
	for _, metric := range []string{MetricRMSE, MetricMAE, MetricAUC, MetricAccuracy} {
		lab := label
		if metric == MetricAUC || metric == MetricAccuracy {
			_, _, lab = probabilityPair(300)
		}
		d1, lo1, hi1, p1, n1, err1 := PairedBootstrap(champion, challenger, lab, metric, 500, 0.05, 7)
		d2, lo2, hi2, p2, n2, err2 := PairedBootstrap(champion, challenger, lab, metric, 500, 0.05, 7)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: errors %v, %v", metric, err1, err2)
		}
		if d1 != d2 || lo1 != lo2 || hi1 != hi2 || p1 != p2 || n1 != n2 {
			t.Errorf("%s: same seed, different results: %v %v %v %v %v and %v %v %v %v %v",
				metric, d1, lo1, hi1, p1, n1, d2, lo2, hi2, p2, n2)
		}
		_, lo3, hi3, _, _, _ := PairedBootstrap(champion, challenger, lab, metric, 500, 0.05, 8)
		if metric != MetricAccuracy && lo3 == lo1 && hi3 == hi1 {
			t.Errorf("%s: seeds 7 and 8 gave the same interval [%v, %v]", metric, lo1, hi1)
		}
	}
}

func TestPairedBootstrapClearWinner(t *testing.T) {
	const resamples = 2000
	champion, challenger, label := regressionPair(2000, 1, 0.5)
	for _, metric := range []string{MetricRMSE, MetricMAE} {
		diff, lo, hi, p, n, err := PairedBootstrap(champion, challenger, label, metric, resamples, 0.05, 1)
		if err != nil || n != 2000 {
			t.Fatalf("%s: n %d, error %v", metric, n, err)
		}
		// Every resample favours the challenger: k = 0.
		if !(diff < 0 && lo < diff && diff < hi && hi < 0) || p != 2.0/(resamples+1) {
			t.Errorf("%s: diff %v, CI [%v, %v], p %v; want a negative CI and p = 2/2001", metric, diff, lo, hi, p)
		}
	}
	champion, challenger, label = probabilityPair(2000)
	diff, lo, hi, p, _, err := PairedBootstrap(champion, challenger, label, MetricAUC, resamples, 0.05, 1)
	if err != nil || !(diff > 0 && 0 < lo && lo < diff && diff < hi) || p != 2.0/(resamples+1) {
		t.Errorf("auc: diff %v, CI [%v, %v], p %v, error %v; want a positive CI and p = 2/2001", diff, lo, hi, p, err)
	}
}

func TestPairedBootstrapIdentical(t *testing.T) {
	pred, _, label := regressionPair(200, 1, 1)
	prob, _, binary := probabilityPair(200)
	hard := make([]float64, len(prob))
	for i, x := range prob {
		hard[i] = math.Round(x)
	}
	tests := []struct {
		metric      string
		pred, label []float64
	}{
		{MetricRMSE, pred, label},
		{MetricMAE, pred, label},
		{MetricAUC, prob, binary},
		{MetricAccuracy, hard, binary},
	}
	for _, tt := range tests {
		diff, lo, hi, p, n, err := PairedBootstrap(tt.pred, tt.pred, tt.label, tt.metric, 300, 0.05, 3)
		if err != nil || diff != 0 || lo != 0 || hi != 0 || p != 1 || n != 200 {
			t.Errorf("%s: identical models gave %v [%v, %v] p %v n %d error %v; want 0 [0, 0] p 1 n 200",
				tt.metric, diff, lo, hi, p, n, err)
		}
	}
}

func TestPairedBootstrapErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name                        string
		champion, challenger, label []float64
		metric                      string
		alpha                       float64
		want                        error
	}{
		{"unknown metric", []float64{1, 2}, []float64{1, 2}, []float64{1, 2}, "r2", 0.05, ErrUnknownMetric},
		{"one usable row", []float64{1, nan}, []float64{1, 2}, []float64{1, 2}, MetricRMSE, 0.05, ErrTooFewRows},
		{"lengths differ", []float64{1, 2}, []float64{1}, []float64{1, 2}, MetricRMSE, 0.05, ErrBadArgument},
		{"alpha 0", []float64{1, 2}, []float64{1, 2}, []float64{1, 2}, MetricRMSE, 0, ErrBadArgument},
		{"alpha NaN", []float64{1, 2}, []float64{1, 2}, []float64{1, 2}, MetricRMSE, nan, ErrBadArgument},
		{"auc, one class", []float64{0.1, 0.7}, []float64{0.2, 0.6}, []float64{1, 1}, MetricAUC, 0.05, ErrMetricUndefined},
	}
	for _, tt := range tests {
		_, _, _, _, _, err := PairedBootstrap(tt.champion, tt.challenger, tt.label, tt.metric, 100, tt.alpha, 1)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

// classificationPair is n rows of three classes on which both models are
// right on the first `both` rows, only the champion on the next b, only the
// challenger on the next c, and neither on the rest.
func classificationPair(n, both, b, c int) (champion, challenger, label []float64) {
	champion, challenger, label = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		l := float64(i % 3)
		wrong := float64((i + 1) % 3)
		label[i] = l
		championRight := i < both || i >= both && i < both+b
		challengerRight := i < both || i >= both+b && i < both+b+c
		champion[i], challenger[i] = wrong, wrong
		if championRight {
			champion[i] = l
		}
		if challengerRight {
			challenger[i] = l
		}
	}
	return champion, challenger, label
}

func TestCompareShadowMcNemar(t *testing.T) {
	// b = 12, c = 30 of 200: 42 discordant pairs, so χ² with correction.
	// p is scipy.stats.chi2.sf(17**2/42, 1); the interval is
	// 0.09 ∓ scipy.stats.norm.isf(0.025)·sqrt(42 − 18²/200)/200.
	champion, challenger, label := classificationPair(200, 120, 12, 30)
	got, err := CompareShadow(champion, challenger, label, 0.05, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := Shadow{Metric: MetricAccuracy, Test: ShadowMcNemar, Rows: 200,
		Champion: 132.0 / 200, Challenger: 150.0 / 200, Diff: 0.09,
		Lo: 0.02772679003382978, Hi: 0.15227320996617022,
		PValue: 0.008711912962379598, Better: true, B: 12, C: 30}
	checkShadow(t, "b 12, c 30", got, want)

	// The same the other way round: significant, but for the champion.
	got, err = CompareShadow(challenger, champion, label, 0.05, 0)
	if err != nil {
		t.Fatal(err)
	}
	want.Champion, want.Challenger = want.Challenger, want.Champion
	want.Diff, want.Lo, want.Hi = -want.Diff, -want.Hi, -want.Lo
	want.B, want.C, want.Better = 30, 12, false
	checkShadow(t, "b 30, c 12", got, want)

	// b = 1, c = 9: the exact test, 2·11/1024.
	champion, challenger, label = classificationPair(50, 30, 1, 9)
	got, err = CompareShadow(champion, challenger, label, 0.05, 0)
	if err != nil || got.Test != ShadowMcNemarExact || !within(got.PValue, 0.021484375, tolP) || !got.Better {
		t.Errorf("b 1, c 9: %+v, %v; want mcnemar-exact, p 0.021484375, better", got, err)
	}
	// At alpha 0.01 the same rows are not significant.
	got, err = CompareShadow(champion, challenger, label, 0.01, 0)
	if err != nil || got.Better {
		t.Errorf("b 1, c 9 at alpha 0.01: %+v, %v; want not better", got, err)
	}

	// Identical predictions: nothing discordant, a zero-width interval.
	got, err = CompareShadow(champion, champion, label, 0.05, 0)
	if err != nil {
		t.Fatal(err)
	}
	same := got.Champion
	checkShadow(t, "identical", got, Shadow{Metric: MetricAccuracy, Test: ShadowMcNemarExact, Rows: 50,
		Champion: same, Challenger: same, PValue: 1})
}

func TestCompareShadowBootstrap(t *testing.T) {
	// Regression: lower rmse is better, so a challenger with half the noise
	// has a negative Diff and is better; swapped, it is significantly worse.
	champion, challenger, label := regressionPair(1000, 1, 0.5)
	got, err := CompareShadow(champion, challenger, label, 0.05, 500)
	if err != nil {
		t.Fatal(err)
	}
	if got.Metric != MetricRMSE || got.Test != ShadowBootstrap || got.Rows != 1000 ||
		!(got.Diff < 0 && got.Hi < 0) || !got.Better || got.Diff != got.Challenger-got.Champion {
		t.Errorf("rmse, better challenger: %+v", got)
	}
	got, err = CompareShadow(challenger, champion, label, 0.05, 500)
	if err != nil || got.Diff <= 0 || got.PValue >= 0.05 || got.Better {
		t.Errorf("rmse, worse challenger: %+v, %v; want significant, not better", got, err)
	}

	// Probabilities of 0/1 labels: AUC, higher is better.
	champion, challenger, label = probabilityPair(1000)
	got, err = CompareShadow(champion, challenger, label, 0.05, 0)
	if err != nil || got.Metric != MetricAUC || got.Test != ShadowBootstrap || !got.Better || got.Lo <= 0 {
		t.Errorf("auc, better challenger: %+v, %v", got, err)
	}
	// The same data gives the same answer.
	again, err := CompareShadow(champion, challenger, label, 0.05, 0)
	if err != nil || again != got {
		t.Errorf("second run %+v, %v; want %+v", again, err, got)
	}
}

func TestCompareShadowRows(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	champion := []float64{1.0, 2.0, nan, 4.0, 5.5, 6.0, inf}
	challenger := []float64{1.1, 2.2, 3.0, nan, 5.0, 6.5, 7.0}
	label := []float64{1.2, nan, 3.1, 4.0, 5.2, 6.1, 7.0}
	got, err := CompareShadow(champion, challenger, label, 0.05, 200)
	if err != nil || got.Rows != 3 {
		t.Errorf("rows with NaN or ±Inf: %+v, %v; want 3 rows", got, err)
	}
	_, err = CompareShadow([]float64{1, nan}, []float64{1, 2}, []float64{1, 2}, 0.05, 0)
	if !errors.Is(err, ErrTooFewRows) {
		t.Errorf("one usable row: error %v, want ErrTooFewRows", err)
	}
	_, err = CompareShadow([]float64{0.2, 0.4}, []float64{0.3, 0.6}, []float64{1, 1}, 0.05, 0)
	if !errors.Is(err, ErrMetricUndefined) {
		t.Errorf("auc with one class: error %v, want ErrMetricUndefined", err)
	}
	_, err = CompareShadow([]float64{1, 2}, []float64{1, 2}, []float64{1, 2}, 1, 0)
	if !errors.Is(err, ErrBadArgument) {
		t.Errorf("alpha 1: error %v, want ErrBadArgument", err)
	}
}

func TestShadowJSON(t *testing.T) {
	champion, challenger, label := classificationPair(200, 120, 12, 30)
	s, err := CompareShadow(champion, challenger, label, 1e-30, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	for _, key := range []string{`"metric"`, `"test"`, `"rows"`, `"champion"`, `"challenger"`, `"diff"`,
		`"ci_lo"`, `"ci_hi"`, `"p_value"`, `"better"`, `"champion_only"`, `"challenger_only"`} {
		if !strings.Contains(string(b), key+":") {
			t.Errorf("%s lacks %s", b, key)
		}
	}
	var back Shadow
	if err := json.Unmarshal(b, &back); err != nil || back != s {
		t.Errorf("round trip: %+v, %v; want %+v", back, err, s)
	}
}

func checkShadow(t *testing.T, name string, got, want Shadow) {
	t.Helper()
	floats := []struct {
		field     string
		got, want float64
	}{
		{"Champion", got.Champion, want.Champion},
		{"Challenger", got.Challenger, want.Challenger},
		{"Diff", got.Diff, want.Diff},
		{"Lo", got.Lo, want.Lo},
		{"Hi", got.Hi, want.Hi},
		{"PValue", got.PValue, want.PValue},
	}
	for _, f := range floats {
		if !within(f.got, f.want, tolP) && !(f.want == 0 && f.got == 0) {
			t.Errorf("%s: %s = %.17g, want %.17g", name, f.field, f.got, f.want)
		}
	}
	if got.Metric != want.Metric || got.Test != want.Test || got.Rows != want.Rows ||
		got.Better != want.Better || got.B != want.B || got.C != want.C {
		t.Errorf("%s: %+v, want %+v", name, got, want)
	}
}

// BenchmarkCompareShadowBootstrap100k is a shadow comparison of a
// regression model on 100 000 labelled rows with 2 000 resamples.
func BenchmarkCompareShadowBootstrap100k(b *testing.B) {
	champion, challenger, label := regressionPair(100_000, 1, 0.98)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CompareShadow(champion, challenger, label, 0.05, 2000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareShadowBootstrapAUC100k is the same for probabilities,
// which the bootstrap scores by AUC.
func BenchmarkCompareShadowBootstrapAUC100k(b *testing.B) {
	champion, challenger, label := probabilityPair(100_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CompareShadow(champion, challenger, label, 0.05, 2000); err != nil {
			b.Fatal(err)
		}
	}
}
