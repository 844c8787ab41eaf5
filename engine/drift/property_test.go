package drift

import (
	"math"
	"slices"
	"testing"
)

// lcg32 is the README's generator: x ← (1664525·x + 1013904223) mod 2³²,
// u = x/2³², the first uniform taken after one step from the seed.
type lcg32 struct{ x uint32 }

func (g *lcg32) uniform() float64 {
	g.x = 1664525*g.x + 1013904223
	return float64(g.x) / (1 << 32)
}

// irwinHall is the README's IH(seed, n, mu, sigma): mu + sigma·(Σ of 12
// uniforms − 6), summed left to right.
func irwinHall(seed uint32, n int, mu, sigma float64) []float64 {
	g := lcg32{x: seed}
	out := make([]float64, n)
	for i := range out {
		s := 0.0
		for range 12 {
			s += g.uniform()
		}
		out[i] = mu + sigma*(s-6)
	}
	return out
}

// TestGenerator checks that the generator reproduces a shared dataset bit
// for bit, so the larger property tests below use the same data family.
func TestGenerator(t *testing.T) {
	_, v := loadVectors(t)
	ref := v.data("numeric.1.data.ref") // IH(seed=1, n=40, mu=0, sigma=1)
	cur := v.data("numeric.1.data.cur") // IH(seed=2, n=50, mu=0.5, sigma=1)
	if got := irwinHall(1, 40, 0, 1); !slices.Equal(got, ref) {
		t.Errorf("IH(1, 40, 0, 1) differs from shift_small's reference")
	}
	if got := irwinHall(2, 50, 0.5, 1); !slices.Equal(got, cur) {
		t.Errorf("IH(2, 50, 0.5, 1) differs from shift_small's current data")
	}
}

func TestIdenticalData(t *testing.T) {
	x := irwinHall(11, 5000, 3, 2)
	if psi, _ := PSI(x, x); psi != 0 {
		t.Errorf("PSI(x, x) = %g, want 0", psi)
	}
	if d := KS(x, x); d != 0 {
		t.Errorf("KS(x, x) = %g, want 0", d)
	}
	if p := KSPValue(0, len(x), len(x)); p != 1 {
		t.Errorf("KSPValue(0) = %g, want 1", p)
	}
	if w := Wasserstein(x, x); w != 0 {
		t.Errorf("Wasserstein(x, x) = %g, want 0", w)
	}
	if js := JS(x, x, true); js != 0 {
		t.Errorf("JS(x, x) = %g, want 0", js)
	}
}

// TestPowerOfTwoScaling: multiplying both samples by a power of two is exact
// in binary64, so the binning and ordering are unchanged and every
// statistic is either unchanged or scaled exactly.
func TestPowerOfTwoScaling(t *testing.T) {
	ref := irwinHall(21, 3000, 0, 1)
	cur := irwinHall(22, 2000, 0.2, 1.3)
	psi, bins := PSI(ref, cur)
	d, w, js := KS(ref, cur), Wasserstein(ref, cur), JS(ref, cur, true)
	for _, k := range []int{-7, 3, 20} {
		s := math.Ldexp(1, k)
		sr, sc := scaled(ref, s), scaled(cur, s)
		if got, gotBins := PSI(sr, sc); got != psi || gotBins != bins {
			t.Errorf("2^%d: PSI = %g over %d bins, want %g over %d", k, got, gotBins, psi, bins)
		}
		if got := KS(sr, sc); got != d {
			t.Errorf("2^%d: KS = %g, want %g", k, got, d)
		}
		if got := JS(sr, sc, true); got != js {
			t.Errorf("2^%d: JS = %g, want %g", k, got, js)
		}
		if got := Wasserstein(sr, sc); got != w*s {
			t.Errorf("2^%d: Wasserstein = %g, want %g", k, got, w*s)
		}
	}
}

func scaled(v []float64, s float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * s
	}
	return out
}

func TestConstantFeature(t *testing.T) {
	same := []float64{5, 5, 5, 5}
	if psi, bins := PSI(same, same); psi != 0 || bins != 2 {
		t.Errorf("PSI(constant, same) = %g over %d bins, want 0 over 2", psi, bins)
	}
	if d := KS(same, same); d != 0 {
		t.Errorf("KS(constant, same) = %g, want 0", d)
	}
	if w := WassersteinNorm(same, same); w != 0 {
		t.Errorf("WassersteinNorm(constant, same) = %g, want 0", w)
	}

	// A constant reference has one edge; current data above it shares the
	// reference's open-ended last bin, so PSI cannot see the move while KS
	// and Wasserstein do.
	higher := []float64{6, 6, 6}
	if psi, _ := PSI(same, higher); psi != 0 {
		t.Errorf("PSI(5s, 6s) = %g, want 0 (same last bin)", psi)
	}
	if d := KS(same, higher); d != 1 {
		t.Errorf("KS(5s, 6s) = %g, want 1", d)
	}
	// The zero standard deviation is floored at 0.001.
	if w := WassersteinNorm(same, higher); math.Abs(w-1000) > 1e-9 {
		t.Errorf("WassersteinNorm(5s, 6s) = %g, want 1000", w)
	}
	lower := []float64{4, 4}
	want := (1 - PSIEpsilon) * math.Log(1/PSIEpsilon) * 2
	if psi, _ := PSI(same, lower); math.Abs(psi-want) > 1e-12*want {
		t.Errorf("PSI(5s, 4s) = %g, want %g", psi, want)
	}
}

func TestOneRow(t *testing.T) {
	ref, cur := []float64{1}, []float64{2}
	if d := KS(ref, cur); d != 1 {
		t.Errorf("KS = %g, want 1", d)
	}
	if p := KSPValue(1, 1, 1); p != 1 {
		t.Errorf("KSPValue(1, 1, 1) = %g, want 1", p)
	}
	if w := Wasserstein(ref, cur); w != 1 {
		t.Errorf("Wasserstein = %g, want 1", w)
	}
	if e := DecileEdges(ref); !slices.Equal(e, []float64{1}) {
		t.Errorf("DecileEdges = %v, want [1]", e)
	}
	psi, bins := PSI(ref, cur)
	if psi != 0 || bins != 2 {
		t.Errorf("PSI = %g over %d bins, want 0 over 2", psi, bins)
	}
	if p := PSIPValue(psi, 1, 1, bins); p != 1 {
		t.Errorf("PSIPValue = %g, want 1", p)
	}
}

func TestAllMissing(t *testing.T) {
	col := Numeric([]float64{math.NaN(), math.NaN(), math.NaN()})
	if len(col.Finite) != 0 || col.Missing != 3 || col.Total() != 3 {
		t.Fatalf("Numeric(all NaN) = %+v", col)
	}
	x := []float64{1, 2, 3}
	if d := KS(col.Finite, x); !math.IsNaN(d) {
		t.Errorf("KS(empty, x) = %g, want NaN", d)
	}
	if w := Wasserstein(x, col.Finite); !math.IsNaN(w) {
		t.Errorf("Wasserstein(x, empty) = %g, want NaN", w)
	}
	if psi, bins := PSI(col.Finite, x); !math.IsNaN(psi) || bins != 0 {
		t.Errorf("PSI(empty, x) = %g over %d bins, want NaN over 0", psi, bins)
	}
	if psi, _ := PSI(x, col.Finite); !math.IsNaN(psi) {
		t.Errorf("PSI(x, empty) = %g, want NaN", psi)
	}
	if js := JS(x, col.Finite, true); !math.IsNaN(js) {
		t.Errorf("JS(x, empty) = %g, want NaN", js)
	}
	if p := PSIPValue(0.1, 0, 3, 2); !math.IsNaN(p) {
		t.Errorf("PSIPValue with no reference = %g, want NaN", p)
	}
}

func TestNumeric(t *testing.T) {
	col := Numeric([]float64{1, math.NaN(), math.Inf(1), -2, math.Inf(-1), math.Inf(1), 3})
	if !slices.Equal(col.Finite, []float64{1, -2, 3}) {
		t.Errorf("Finite = %v, want [1 -2 3]", col.Finite)
	}
	if col.Missing != 1 || col.PosInf != 2 || col.NegInf != 1 || col.Total() != 7 {
		t.Errorf("counts = %+v, want 1 missing, 2 +Inf, 1 -Inf of 7", col)
	}
}

func TestCategoricalUnion(t *testing.T) {
	ref := map[string]int{"a": 10, "b": 10}
	cur := map[string]int{"b": 10, "c": 10}
	if got := TVD(ref, cur); got != 0.5 {
		t.Errorf("TVD = %g, want 0.5", got)
	}
	stat, p, dof := ChiSquare(ref, cur, true)
	if dof != 2 || !(stat > 0) || !(p < 0.001) {
		t.Errorf("ChiSquare = %g, %g, %d; want a large statistic on 2 dof", stat, p, dof)
	}
	if stat, p := ChiSquareGOF(ref, cur); !math.IsInf(stat, 1) || p != 0 {
		t.Errorf("ChiSquareGOF with a new category = %g, %g; want +Inf, 0", stat, p)
	}
	if js := CategoricalJS(ref, cur, true); math.Abs(js-math.Sqrt(0.5)) > 1e-15 {
		t.Errorf("CategoricalJS = %.17g, want sqrt(1/2)", js)
	}
}

// BenchmarkKSWasserstein1M times what the engine does per batch: sort a
// million values on each side, then KS and Wasserstein on the sorted data.
func BenchmarkKSWasserstein1M(b *testing.B) {
	const n = 1_000_000
	ref := irwinHall(31, n, 0, 1)
	cur := irwinHall(32, n, 0.01, 1)
	a, c := make([]float64, n), make([]float64, n)
	b.ReportAllocs()
	for b.Loop() {
		copy(a, ref)
		copy(c, cur)
		slices.Sort(a)
		slices.Sort(c)
		d := KSSorted(a, c)
		w := WassersteinSorted(a, c)
		_ = KSPValue(d, n, n)
		if d <= 0 || w <= 0 {
			b.Fatal("no drift measured")
		}
	}
}
