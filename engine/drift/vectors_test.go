package drift

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// vectorsPath is the shared oracle, beside the checkout in CI.
const vectorsPath = "../../../shared/testdata/drift/vectors.json"

// Tolerances from the vectors' README.
const (
	tolStat  = 1e-12 // D, W1, JS, PSI and other statistics
	tolP     = 1e-9  // p-values by the same algorithm
	tolAsymp = 1e-3  // two different asymptotic formulas
)

// informational names string leaves that carry no number to reproduce.
var informational = map[string]bool{
	"generated_by": true, "python": true, "scipy": true, "numpy": true,
	"name": true, "description": true, "note": true,
	"default_test": true, "evidently_default_test": true,
}

// vectorFile is one dataset's leaves, flattened to dotted paths, and the
// paths a test has checked.
type vectorFile struct {
	t       *testing.T
	leaves  map[string]any
	checked map[string]bool
}

func loadVectors(t *testing.T) (map[string]any, *vectorFile) {
	t.Helper()
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("read the drift vectors: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", vectorsPath, err)
	}
	v := &vectorFile{t: t, leaves: map[string]any{}, checked: map[string]bool{}}
	flatten("", doc, v.leaves)
	return doc, v
}

func flatten(prefix string, x any, out map[string]any) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch x := x.(type) {
	case map[string]any:
		for k, e := range x {
			flatten(join(k), e, out)
		}
	case []any:
		for i, e := range x {
			flatten(join(strconv.Itoa(i)), e, out)
		}
	default:
		out[prefix] = x
	}
}

// number decodes a leaf, with the strings "+Inf", "-Inf" and "NaN".
func number(x any) (float64, bool) {
	switch x := x.(type) {
	case float64:
		return x, true
	case string:
		switch x {
		case "+Inf":
			return math.Inf(1), true
		case "-Inf":
			return math.Inf(-1), true
		case "NaN":
			return math.NaN(), true
		}
	}
	return 0, false
}

func (v *vectorFile) want(path string) float64 {
	v.t.Helper()
	x, ok := v.leaves[path]
	if !ok {
		v.t.Fatalf("%s: not in the vectors", path)
	}
	f, ok := number(x)
	if !ok {
		v.t.Fatalf("%s: %v is not a number", path, x)
	}
	return f
}

func (v *vectorFile) num(path string, got, tol float64) {
	v.t.Helper()
	want := v.want(path)
	v.checked[path] = true
	if !within(got, want, tol) {
		v.t.Errorf("%s = %.17g, want %.17g (relative tolerance %g)", path, got, want, tol)
	}
}

func (v *vectorFile) floats(path string, got []float64, tol float64) {
	v.t.Helper()
	n := v.count(path)
	if n != len(got) {
		v.t.Errorf("%s has %d values, want %d", path, len(got), n)
		return
	}
	for i, g := range got {
		v.num(fmt.Sprintf("%s.%d", path, i), g, tol)
	}
}

func (v *vectorFile) ints(path string, got []int) {
	v.t.Helper()
	v.floats(path, floats(got), 0)
}

func (v *vectorFile) boolean(path string, got bool) {
	v.t.Helper()
	want, ok := v.leaves[path].(bool)
	if !ok {
		v.t.Fatalf("%s: not a boolean in the vectors", path)
	}
	v.checked[path] = true
	if got != want {
		v.t.Errorf("%s = %v, want %v", path, got, want)
	}
}

func (v *vectorFile) text(path, got string) {
	v.t.Helper()
	v.checked[path] = true
	if want := v.leaves[path]; got != want {
		v.t.Errorf("%s = %q, want %q", path, got, want)
	}
}

func (v *vectorFile) count(prefix string) int {
	n := 0
	for n = 0; ; n++ {
		if !v.has(fmt.Sprintf("%s.%d", prefix, n)) {
			return n
		}
	}
}

func (v *vectorFile) has(prefix string) bool {
	for k := range v.leaves {
		if k == prefix || strings.HasPrefix(k, prefix+".") {
			return true
		}
	}
	return false
}

func within(got, want, tol float64) bool {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got)
	case math.IsInf(want, 0):
		return got == want
	case tol == 0:
		return got == want
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(want), math.SmallestNonzeroFloat64)
}

func (v *vectorFile) data(path string) []float64 {
	n := v.count(path)
	out := make([]float64, n)
	for i := range out {
		p := fmt.Sprintf("%s.%d", path, i)
		out[i] = v.want(p)
		v.checked[p] = true
	}
	return out
}

// TestVectors checks every statistic in the shared vectors and fails on
// any it does not know.
func TestVectors(t *testing.T) {
	doc, v := loadVectors(t)
	v.num("psi_epsilon", PSIEpsilon, 0)
	for i := range doc["numeric"].([]any) {
		checkNumeric(v, fmt.Sprintf("numeric.%d", i))
	}
	for i := range doc["categorical"].([]any) {
		checkCategorical(v, fmt.Sprintf("categorical.%d", i))
	}
	for i := range doc["binary"].([]any) {
		checkBinary(v, fmt.Sprintf("binary.%d", i))
	}

	// Every leaf must be checked, except the descriptive texts.
	var unchecked []string
	for path, x := range v.leaves {
		_, isText := x.(string)
		leaf := path[strings.LastIndex(path, ".")+1:]
		if !v.checked[path] && !(isText && informational[leaf]) {
			unchecked = append(unchecked, path)
		}
	}
	sort.Strings(unchecked)
	t.Logf("checked %d of %d values in %s", len(v.checked), len(v.leaves), vectorsPath)
	if len(unchecked) > 0 {
		t.Errorf("statistics in %s that no check covers (%d): %s",
			vectorsPath, len(unchecked), strings.Join(unchecked, ", "))
	}
}

func checkNumeric(v *vectorFile, p string) {
	v.t.Run(v.leaves[p+".name"].(string), func(t *testing.T) {
		ref, cur := v.data(p+".data.ref"), v.data(p+".data.cur")
		n, m := len(ref), len(cur)
		v.num(p+".n_ref", float64(n), 0)
		v.num(p+".n_cur", float64(m), 0)
		v.num(p+".nunique_ref", float64(distinct(sortedCopy(ref))), 0)
		pooled := append(slices.Clone(ref), cur...)
		v.num(p+".nunique_pooled", float64(distinct(sortedCopy(pooled))), 0)

		d := KS(ref, cur)
		v.num(p+".ks.statistic", d, tolStat)
		v.num(p+".ks.statistic_plain_python", d, tolStat)
		v.num(p+".ks.pvalue_exact", KSPValue(d, n, m), tolP)
		v.num(p+".ks.pvalue_auto", KSPValue(d, n, m), tolP)
		v.num(p+".ks.pvalue_asymp_scipy", KSPValueAsymp(d, n, m), tolP)
		v.num(p+".ks.en", float64(n)*float64(m)/float64(n+m), tolStat)
		v.num(p+".ks.pvalue_kolmogorov_limit", KSPValueLimit(d, n, m), tolP)
		v.num(p+".ks.pvalue_kolmogorov_stephens", KSPValueStephens(d, n, m), tolP)

		w := Wasserstein(ref, cur)
		v.num(p+".wasserstein.scipy", w, tolStat)
		v.num(p+".wasserstein.plain_python", w, tolStat)
		v.num(p+".wasserstein.ref_std_ddof0", stdDev(ref), tolStat)
		v.num(p+".wasserstein.evidently_normed", WassersteinNorm(ref, cur), tolStat)

		q := p + ".psi_q10"
		sorted := sortedCopy(ref)
		v.floats(q+".quantile_edges_k1_to_k9", deciles(sorted, false), tolStat)
		v.floats(q+".inner_edges_deduped", DecileEdges(ref), tolStat)
		rc, cc := DecileCounts(ref, cur, false)
		v.ints(q+".ref_counts", rc)
		v.ints(q+".cur_counts", cc)
		psi, bins := PSI(ref, cur)
		v.num(q+".n_bins", float64(bins), 0)
		v.num(q+".psi", psi, tolStat)

		rc, cc = DecileCounts(ref, cur, true)
		v.ints(p+".psi_q10_right_closed.ref_counts", rc)
		v.ints(p+".psi_q10_right_closed.cur_counts", cc)
		psiRC, _ := PSIRightClosed(ref, cur)
		v.num(p+".psi_q10_right_closed.psi", psiRC, tolStat)

		c := p + ".psi_q10_chi2_approx"
		v.num(c+".statistic_psi_over_(1/n_ref+1/n_cur)", PSIStatistic(psi, n, m), tolStat)
		v.num(c+".df", float64(bins-1), 0)
		v.num(c+".pvalue", PSIPValue(psi, n, m, bins), tolP)

		npEdges := numpyDeciles(sorted)
		v.floats(p+".numpy_quantile_linear_edges", npEdges, tolStat)
		diff := 0.0
		for i, e := range deciles(sorted, false) {
			diff = math.Max(diff, math.Abs(e-npEdges[i]))
		}
		v.num(p+".numpy_vs_plain_edges_max_abs_diff", diff, 0)

		j := p + ".js_on_q10_bins_no_eps"
		v.num(j+".base2_scipy", JS(ref, cur, true), tolStat)
		v.num(j+".base2_plain", JS(ref, cur, true), tolStat)
		v.num(j+".base_e_scipy", JS(ref, cur, false), tolStat)
		v.num(j+".base_e_plain", JS(ref, cur, false), tolStat)
		v.num(p+".hellinger_on_q10_bins_no_eps", HellingerBinned(ref, cur), tolStat)

		checkEvidently(v, p, ref, cur, d)
		checkExtras(v, p+".extras", ref, cur)
	})
}

// numpyDeciles is numpy.quantile(r, k/10, method="linear") for k = 1..9:
// a float index and numpy's two-sided lerp, which the integer rule of
// DecileEdges differs from by at most an ulp or so.
func numpyDeciles(sorted []float64) []float64 {
	out := make([]float64, 9)
	n := len(sorted)
	for k := 1; k <= 9; k++ {
		idx := float64(k) / 10 * float64(n-1)
		lo := math.Floor(idx)
		f := idx - lo
		a := sorted[int(lo)]
		b := sorted[min(int(lo)+1, n-1)]
		diff := b - a
		if f >= 0.5 {
			out[k-1] = b - float64(diff*(1-f))
		} else {
			out[k-1] = a + float64(diff*f)
		}
		if a == b {
			out[k-1] = a
		}
	}
	return out
}

func checkEvidently(v *vectorFile, p string, ref, cur []float64, d float64) {
	e := p + ".evidently_style"
	bins := EvidentlyBins(ref, cur)
	label := fmt.Sprintf("per_value (%d keys)", len(bins.Ref))
	if !bins.PerValue {
		label = fmt.Sprintf("sturges_on_combined n_bins=%d", len(bins.Ref))
	}
	v.text(e+".binning", label)
	pRef, pCur := FillZeroes(bins.Ref), FillZeroes(bins.Cur)
	v.floats(e+".ref_percents_after_feel_zeroes", pRef, tolStat)
	v.floats(e+".cur_percents_after_feel_zeroes", pCur, tolStat)
	psi := SharesPSI(pRef, pCur)
	v.num(e+".psi", psi, tolStat)
	v.num(e+".kl_div_scipy_entropy_renormalised", SharesKL(pRef, pCur), tolStat)
	js := SharesJS(bins.Ref, bins.Cur, false)
	v.num(e+".jensenshannon_base_e_no_feel_zeroes", js, tolStat)
	v.boolean(e+".drift_ks_p<=0.05", KSPValue(d, len(ref), len(cur)) <= 0.05)
	v.boolean(e+".drift_wasserstein_normed>=0.1", WassersteinNorm(ref, cur) >= 0.1)
	v.boolean(e+".drift_psi>=0.1", psi >= 0.1)
	v.boolean(e+".drift_js>=0.1", js >= 0.1)
}

func checkExtras(v *vectorFile, x string, ref, cur []float64) {
	v.num(x+".energy_distance_scipy", EnergyDistance(ref, cur), tolStat)
	v.num(x+".mean_ref", mean(ref), tolStat)
	v.num(x+".mean_cur", mean(cur), tolStat)
	checkRankTests(v, x, ref, cur)
}

func countsMap(v *vectorFile, p, side string) map[string]int {
	out := map[string]int{}
	for i := range v.count(p + ".categories") {
		name := v.leaves[fmt.Sprintf("%s.categories.%d", p, i)].(string)
		v.checked[fmt.Sprintf("%s.categories.%d", p, i)] = true
		path := fmt.Sprintf("%s.%s.%d", p, side, i)
		out[name] = int(v.want(path))
		v.checked[path] = true
	}
	return out
}

func checkCategorical(v *vectorFile, p string) {
	v.t.Run(v.leaves[p+".name"].(string), func(t *testing.T) {
		ref, cur := countsMap(v, p, "ref_counts"), countsMap(v, p, "cur_counts")
		stat, pv, dof := ChiSquare(ref, cur, true)
		v.num(p+".chi2_contingency.statistic", stat, tolStat)
		v.num(p+".chi2_contingency.pvalue", pv, tolP)
		v.num(p+".chi2_contingency.dof", float64(dof), 0)

		g := p + ".evidently_chisquare_gof"
		rc, cc := categoryCounts(ref, cur)
		var nRef, nCur int
		for i := range rc {
			nRef += rc[i]
			nCur += cc[i]
		}
		fExp := make([]float64, len(rc))
		for i := range rc {
			fExp[i] = float64(rc[i]) * float64(nCur) / float64(nRef)
		}
		v.floats(g+".f_exp", fExp, tolStat)
		stat, pv = ChiSquareGOF(ref, cur)
		v.num(g+".statistic", stat, tolStat)
		v.num(g+".pvalue", pv, tolP)

		v.num(p+".psi_eps_1e-4", CategoricalPSI(ref, cur), tolStat)
		v.num(p+".psi_evidently_feel_zeroes", CategoricalPSI(ref, cur), tolStat)
		v.num(p+".js_base2", CategoricalJS(ref, cur, true), tolStat)
		v.num(p+".js_base2_plain", CategoricalJS(ref, cur, true), tolStat)
		v.num(p+".js_base_e", CategoricalJS(ref, cur, false), tolStat)
		v.num(p+".tvd", TVD(ref, cur), tolStat)
		v.num(p+".l_infinity", LInfinity(ref, cur), tolStat)
		v.num(p+".hellinger", Hellinger(ref, cur), tolStat)
	})
}

func checkBinary(v *vectorFile, p string) {
	v.t.Run(v.leaves[p+".name"].(string), func(t *testing.T) {
		tab := p + ".table_rows_ref_cur_cols_pos_neg"
		cell := func(r, c int) int {
			path := fmt.Sprintf("%s.%d.%d", tab, r, c)
			v.checked[path] = true
			return int(v.want(path))
		}
		a, b, c, d := cell(0, 0), cell(0, 1), cell(1, 0), cell(1, 1)
		ref := map[string]int{"pos": a, "neg": b}
		cur := map[string]int{"pos": c, "neg": d}

		stat, pv, dof := ChiSquare(ref, cur, true)
		v.num(p+".chi2_contingency_yates.statistic", stat, tolStat)
		v.num(p+".chi2_contingency_yates.pvalue", pv, tolP)
		v.num(p+".chi2_contingency_yates.dof", float64(dof), 0)
		stat, pv, _ = ChiSquare(ref, cur, false)
		v.num(p+".chi2_contingency_no_correction.statistic", stat, tolStat)
		v.num(p+".chi2_contingency_no_correction.pvalue", pv, tolP)

		odds, pv := FisherExact(a, b, c, d)
		v.num(p+".fisher_exact_two_sided.odds_ratio", odds, tolStat)
		v.num(p+".fisher_exact_two_sided.pvalue", pv, tolP)

		z, pv := ProportionZ(a, a+b, c, c+d)
		v.num(p+".evidently_z_test.z", z, tolStat)
		v.num(p+".evidently_z_test.pvalue_2*(1-Phi(|z|))", pv, tolP)

		v.num(p+".psi_eps_1e-4", CategoricalPSI(ref, cur), tolStat)
		v.num(p+".js_base2", CategoricalJS(ref, cur, true), tolStat)
	})
}

func checkRankTests(v *vectorFile, x string, ref, cur []float64) {
	stat, p := CramerVonMises(ref, cur)
	v.num(x+".cramervonmises_2samp_statistic", stat, tolStat)
	v.num(x+".cramervonmises_2samp_pvalue", p, tolP)
	stat, p = AndersonDarling(ref, cur)
	v.num(x+".anderson_ksamp_statistic", stat, tolStat)
	v.num(x+".anderson_ksamp_pvalue_capped_0.001_0.25", p, tolP)
}
