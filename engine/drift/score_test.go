package drift

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"lathe/engine/api"
	"lathe/engine/drift/table"
)

// numericColumn is a numeric table column of values.
func numericColumn(name string, values []float64) *table.Column {
	return &table.Column{Name: name, Kind: table.Numeric, Values: values}
}

// categoricalColumn is a categorical column holding each category as
// often as counts says.
func categoricalColumn(name string, counts map[string]int) *table.Column {
	c := &table.Column{Name: name, Kind: table.Categorical}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range counts {
			if !yield(k) {
				return
			}
		}
	}) {
		c.Levels = append(c.Levels, k)
		for range counts[k] {
			c.Codes = append(c.Codes, int32(len(c.Levels)-1))
		}
	}
	return c
}

func summaryOf(sample int, cols ...*table.Column) *Summary {
	rows := 0
	if len(cols) > 0 {
		rows = max(len(cols[0].Values), len(cols[0].Codes))
	}
	return Summarise(&table.Table{Columns: cols, Rows: rows}, sample)
}

// TestScoreMatchesVectors scores every dataset of the shared vectors
// through summaries, as `lathe drift stat` and the engine do, and checks
// each number against scipy's.
func TestScoreMatchesVectors(t *testing.T) {
	doc, v := loadVectors(t)
	for i := range doc["numeric"].([]any) {
		p := fmt.Sprintf("numeric.%d", i)
		ref, cur := v.data(p+".data.ref"), v.data(p+".data.cur")
		rs, cs := summaryOf(0, numericColumn("x", ref)), summaryOf(0, numericColumn("x", cur))
		s := ScoreFeature(rs.Feature("x"), cs.Feature("x"), DefaultThresholds)
		name := v.leaves[p+".name"].(string)
		for _, c := range []struct {
			path     string
			got, tol float64
		}{
			{".psi_q10.psi", s.PSI, tolStat},
			{".psi_q10_chi2_approx.pvalue", s.PSIPValue, tolP},
			{".ks.statistic", s.KS, tolStat},
			{".ks.pvalue_auto", s.KSPValue, tolP},
			{".wasserstein.scipy", s.Wasserstein, tolStat},
			{".wasserstein.evidently_normed", s.WassersteinNorm, tolStat},
			{".js_on_q10_bins_no_eps.base2_scipy", s.JS, tolStat},
		} {
			if want := v.want(p + c.path); !within(c.got, want, c.tol) {
				t.Errorf("%s%s: scored %.17g, scipy %.17g", name, c.path, c.got, want)
			}
		}
		if s.NRef != len(ref) || s.NCur != len(cur) {
			t.Errorf("%s: n %d/%d, want %d/%d", name, s.NRef, s.NCur, len(ref), len(cur))
		}
		if want := DefaultThresholds.Status(s.PSI); s.Status != want {
			t.Errorf("%s: status %s for PSI %g, want %s", name, s.Status, s.PSI, want)
		}
	}
	for i := range doc["categorical"].([]any) {
		p := fmt.Sprintf("categorical.%d", i)
		ref, cur := countsMap(v, p, "ref_counts"), countsMap(v, p, "cur_counts")
		rs, cs := summaryOf(0, categoricalColumn("c", ref)), summaryOf(0, categoricalColumn("c", cur))
		s := ScoreFeature(rs.Feature("c"), cs.Feature("c"), DefaultThresholds)
		name := v.leaves[p+".name"].(string)
		for _, c := range []struct {
			path     string
			got, tol float64
		}{
			{".psi_eps_1e-4", s.PSI, tolStat},
			{".js_base2", s.JS, tolStat},
			{".chi2_contingency.pvalue", s.Chi2PValue, tolP},
		} {
			if want := v.want(p + c.path); !within(c.got, want, c.tol) {
				t.Errorf("%s%s: scored %.17g, scipy %.17g", name, c.path, c.got, want)
			}
		}
		if !math.IsNaN(s.KS) || !math.IsNaN(s.Wasserstein) {
			t.Errorf("%s: a categorical feature has KS %g and W1 %g", name, s.KS, s.Wasserstein)
		}
	}
}

func TestCompareProperties(t *testing.T) {
	x := irwinHall(7, 5000, 3, 2)
	ref := summaryOf(0, numericColumn("x", x))

	t.Run("identical", func(t *testing.T) {
		s := ScoreFeature(ref.Feature("x"), summaryOf(0, numericColumn("x", slices.Clone(x))).Feature("x"), DefaultThresholds)
		if s.PSI != 0 || s.KS != 0 || s.Wasserstein != 0 || s.JS != 0 || s.Status != api.DriftOK {
			t.Errorf("identical data: PSI %g KS %g W1 %g JS %g status %s", s.PSI, s.KS, s.Wasserstein, s.JS, s.Status)
		}
	})
	t.Run("power of two", func(t *testing.T) {
		y := irwinHall(8, 4000, 3.5, 2)
		base := ScoreFeature(ref.Feature("x"), summaryOf(0, numericColumn("x", y)).Feature("x"), DefaultThresholds)
		for _, k := range []float64{0.25, 4, 1024} {
			r := summaryOf(0, numericColumn("x", scaled(x, k)))
			s := ScoreFeature(r.Feature("x"), summaryOf(0, numericColumn("x", scaled(y, k))).Feature("x"), DefaultThresholds)
			if s.PSI != base.PSI || s.KS != base.KS || s.JS != base.JS || !within(s.Wasserstein, base.Wasserstein*k, 1e-12) {
				t.Errorf("×%g: PSI %g KS %g JS %g W1 %g; unscaled %g %g %g %g", k, s.PSI, s.KS, s.JS, s.Wasserstein, base.PSI, base.KS, base.JS, base.Wasserstein)
			}
		}
	})
	t.Run("constant", func(t *testing.T) {
		c := make([]float64, 100)
		r := summaryOf(0, numericColumn("x", c))
		s := ScoreFeature(r.Feature("x"), summaryOf(0, numericColumn("x", c)).Feature("x"), DefaultThresholds)
		if s.PSI != 0 || s.KS != 0 || s.Status != api.DriftOK {
			t.Errorf("constant: %+v", s)
		}
		moved := make([]float64, 100)
		for i := range moved {
			moved[i] = 1
		}
		s = ScoreFeature(r.Feature("x"), summaryOf(0, numericColumn("x", moved)).Feature("x"), DefaultThresholds)
		if s.KS != 1 || s.Status != api.DriftAlert || s.WassersteinNorm != 1/0.001 {
			t.Errorf("constant moved by 1: KS %g status %s W1 norm %g", s.KS, s.Status, s.WassersteinNorm)
		}
	})
	t.Run("all missing", func(t *testing.T) {
		nan := []float64{math.NaN(), math.NaN(), math.Inf(1)}
		s := ScoreFeature(ref.Feature("x"), summaryOf(0, numericColumn("x", nan)).Feature("x"), DefaultThresholds)
		if s.Status != api.DriftAlert || s.NCur != 0 || s.MissingCur != 2 || s.InfCur != 1 || !math.IsNaN(s.PSI) || s.Note == "" {
			t.Errorf("all missing now: %+v", s)
		}
		empty := summaryOf(0, numericColumn("x", nan))
		s = ScoreFeature(empty.Feature("x"), empty.Feature("x"), DefaultThresholds)
		if s.Status != api.DriftOK || s.NRef != 0 || s.MissingRef != 2 {
			t.Errorf("all missing on both sides: %+v", s)
		}
		if col := s.API(); col.PSI != nil || col.KSStatistic != nil || col.Status != api.DriftOK {
			t.Errorf("all missing: the JSON carries statistics that do not exist: %+v", col)
		}
	})
	t.Run("one row", func(t *testing.T) {
		s := ScoreFeature(ref.Feature("x"), summaryOf(0, numericColumn("x", []float64{3})).Feature("x"), DefaultThresholds)
		if s.NCur != 1 || math.IsNaN(s.PSI) || math.IsNaN(s.KS) || s.KSPValue < 0 || s.KSPValue > 1 {
			t.Errorf("one row: %+v", s)
		}
	})
}

// TestSampledReference checks a reference kept as a quantile sample: KS
// and W1 stay within about 1/k of the whole's, PSI is the whole's (its
// counts are of every value), and the note says so.
func TestSampledReference(t *testing.T) {
	x, y := irwinHall(11, 200_000, 0, 1), irwinHall(12, 50_000, 0.2, 1)
	full := summaryOf(0, numericColumn("x", x))
	part := summaryOf(2000, numericColumn("x", slices.Clone(x)))
	if f := part.Feature("x"); len(f.Sorted) != 2000 || f.Finite != 200_000 || !slices.IsSorted(f.Sorted) {
		t.Fatalf("sample: %d sorted of %d", len(f.Sorted), f.Finite)
	}
	cur := summaryOf(0, numericColumn("x", y)).Feature("x")
	a := ScoreFeature(full.Feature("x"), cur, DefaultThresholds)
	b := ScoreFeature(part.Feature("x"), cur, DefaultThresholds)
	if a.PSI != b.PSI || math.Abs(a.KS-b.KS) > 2.0/2000 || math.Abs(a.Wasserstein-b.Wasserstein) > 0.01 {
		t.Errorf("sampled reference: PSI %g/%g KS %g/%g W1 %g/%g", a.PSI, b.PSI, a.KS, b.KS, a.Wasserstein, b.Wasserstein)
	}
	if !strings.Contains(b.Note, "reference sample of 2000") {
		t.Errorf("note %q", b.Note)
	}
}

// TestMerge checks that a window's batches merged hold what one batch of
// all their rows would: exactly while they fit the sample, within the
// sample's resolution beyond.
func TestMerge(t *testing.T) {
	a, b := irwinHall(21, 3000, 0, 1), irwinHall(22, 1000, 1, 1)
	fa := summaryOf(0, numericColumn("x", a)).Features[0]
	fb := summaryOf(0, numericColumn("x", b)).Features[0]
	all := summaryOf(0, numericColumn("x", append(slices.Clone(a), b...))).Features[0]
	m := Merge(fa, fb, 0)
	if !slices.Equal(m.Sorted, all.Sorted) || m.Finite != 4000 || m.Rows != 4000 {
		t.Fatalf("exact merge differs from the whole")
	}
	// Thinned sides: weighted quantiles, so the small shifted batch keeps
	// its quarter of the mass.
	m = Merge(Thin(fa, 300), Thin(fb, 300), 500)
	if len(m.Sorted) != 500 || !slices.IsSorted(m.Sorted) {
		t.Fatalf("thinned merge: %d values, sorted %v", len(m.Sorted), slices.IsSorted(m.Sorted))
	}
	if d := KSSorted(m.Sorted, all.Sorted); d > 0.01 {
		t.Errorf("thinned merge is %g (KS) from the whole", d)
	}
	cats := Merge(summaryOf(0, categoricalColumn("c", map[string]int{"a": 2, "b": 1})).Features[0],
		summaryOf(0, categoricalColumn("c", map[string]int{"b": 3, "z": 1})).Features[0], 10)
	if cats.Categories["a"] != 2 || cats.Categories["b"] != 4 || cats.Categories["z"] != 1 {
		t.Errorf("categories merged: %v", cats.Categories)
	}
}

func TestDatasetStatus(t *testing.T) {
	base := irwinHall(31, 2000, 0, 1)
	moved := irwinHall(32, 2000, 3, 1)
	ref := summaryOf(0, numericColumn("a", base), numericColumn("b", base), numericColumn("pred", base),
		categoricalColumn("city", map[string]int{"Oslo": 50, "Lyon": 50}))
	cases := []struct {
		name   string
		cur    *Summary
		status string
		share  float64
	}{
		{"none", summaryOf(0, numericColumn("a", base), numericColumn("b", base), numericColumn("pred", base),
			categoricalColumn("city", map[string]int{"Oslo": 50, "Lyon": 50})), api.DriftOK, 0},
		{"the prediction alone", summaryOf(0, numericColumn("a", base), numericColumn("b", base), numericColumn("pred", moved),
			categoricalColumn("city", map[string]int{"Oslo": 50, "Lyon": 50})), api.DriftOK, 0},
		{"one of three", summaryOf(0, numericColumn("a", moved), numericColumn("b", base), numericColumn("pred", base),
			categoricalColumn("city", map[string]int{"Oslo": 50, "Lyon": 50})), api.DriftWarn, 1.0 / 3},
		{"two of three, one a new category", summaryOf(0, numericColumn("a", moved), numericColumn("b", base), numericColumn("pred", base),
			categoricalColumn("city", map[string]int{"Oslo": 10, "Quito": 90})), api.DriftAlert, 2.0 / 3},
	}
	for _, c := range cases {
		r := Compare(ref, c.cur, DefaultThresholds, map[string]string{"pred": "prediction"})
		if r.Status != c.status || !within(r.DriftShare, c.share, 1e-15) {
			t.Errorf("%s: status %s share %g, want %s %g", c.name, r.Status, r.DriftShare, c.status, c.share)
		}
	}
	// A feature the batch lacks alerts and is named; a column the
	// reference lacks is ignored and named.
	r := Compare(ref, summaryOf(0, numericColumn("a", base), numericColumn("extra", base)), DefaultThresholds, nil)
	if !slices.Equal(r.Absent, []string{"b", "pred", "city"}) || !slices.Equal(r.Ignored, []string{"extra"}) || r.Status != api.DriftAlert {
		t.Errorf("absent %v ignored %v status %s", r.Absent, r.Ignored, r.Status)
	}
}

// BenchmarkScoreBatch1Mx20 scores one batch of 1 000 000 rows × 20
// numeric features against a stored reference (a 100 000-value sample per
// feature, as the engine keeps by default): summarise and sort the batch,
// then every statistic, columns in parallel.
func BenchmarkScoreBatch1Mx20(b *testing.B) {
	const rows, features = 1_000_000, 20
	var refCols, curCols []*table.Column
	for i := range features {
		name := fmt.Sprintf("f%02d", i)
		refCols = append(refCols, numericColumn(name, irwinHall(uint32(100+i), rows, 0, 1)))
		curCols = append(curCols, numericColumn(name, irwinHall(uint32(200+i), rows, float64(i)/20, 1)))
	}
	ref := summaryOf(100_000, refCols...)
	cur := &table.Table{Columns: curCols, Rows: rows}
	b.ResetTimer()
	for b.Loop() {
		r := Compare(ref, Summarise(cur, 0), DefaultThresholds, nil)
		if len(r.Scores) != features || r.Scores[features-1].Status != api.DriftAlert {
			b.Fatalf("scores: %d, last %s", len(r.Scores), r.Scores[features-1].Status)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}
