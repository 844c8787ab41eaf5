package drift

import (
	"math"
	"slices"
	"testing"
)

// sameFloat says whether x and y are the same value bit for bit, counting
// −0 and +0 as the same: they compare equal, so a sort may order them
// either way.
func sameFloat(x, y float64) bool {
	return math.Float64bits(x) == math.Float64bits(y) || (x == 0 && y == 0)
}

// checkSortFloats sorts a copy of v with SortFloats and with slices.Sort and
// reports the first difference.
func checkSortFloats(t *testing.T, name string, v []float64) {
	t.Helper()
	got, want := slices.Clone(v), slices.Clone(v)
	SortFloats(got)
	slices.Sort(want)
	for i := range got {
		if !sameFloat(got[i], want[i]) {
			t.Errorf("%s (%d values): index %d is %g, slices.Sort has %g", name, len(v), i, got[i], want[i])
			return
		}
	}
}

// floatFamilies are data sets named for what they exercise, of n values
// drawn from the seeded generator.
func floatFamilies(seed uint32, n int) map[string][]float64 {
	g := lcg32{x: seed}
	gen := func(f func() float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	specials := []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		math.MaxFloat64, -math.MaxFloat64, 0x1p-1022, -0x1p-1022, 1, -1}
	return map[string][]float64{
		"normal":   irwinHall(seed, n, 0, 1),
		"shifted":  irwinHall(seed, n, 1e6, 3),
		"positive": gen(func() float64 { return 1 + g.uniform() }), // one exponent: passes skipped
		"negative": gen(func() float64 { return -1e3 * g.uniform() }),
		"signed zeros": gen(func() float64 {
			if g.uniform() < 0.5 {
				return math.Copysign(0, -1)
			}
			return 0
		}),
		"subnormals": gen(func() float64 {
			return math.Float64frombits(uint64(g.uniform()*(1<<52))) * math.Copysign(1, g.uniform()-0.5)
		}),
		"duplicates": gen(func() float64 { return math.Floor(10*g.uniform()) - 5 }),
		"all equal":  gen(func() float64 { return -2.5 }),
		"extremes": gen(func() float64 {
			return specials[int(g.uniform()*float64(len(specials)))]
		}),
		"any bits": gen(func() float64 {
			for {
				hi, lo := uint64(g.uniform()*(1<<32)), uint64(g.uniform()*(1<<32))
				if x := math.Float64frombits(hi<<32 | lo); !math.IsNaN(x) && !math.IsInf(x, 0) {
					return x
				}
			}
		}),
		"ascending":  gen(func() float64 { g.x++; return float64(g.x) }),
		"descending": gen(func() float64 { g.x--; return float64(g.x) }),
	}
}

func TestSortFloats(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 255, 256, 257, 1000, 4099, 65536, 200_003} {
		for name, v := range floatFamilies(uint32(n)+1, n) {
			checkSortFloats(t, name, v)
		}
	}
}

// TestSortFloatsProperty: on many random lengths, both digit widths, and
// mixtures of the families, the radix sort and slices.Sort agree.
func TestSortFloatsProperty(t *testing.T) {
	g := lcg32{x: 7}
	for trial := range 200 {
		n := int(g.uniform() * 3000)
		if trial%20 == 0 {
			n += wideDigitMinLen // the 16-bit digits
		}
		fams := floatFamilies(uint32(trial), n)
		names := make([]string, 0, len(fams))
		for name := range fams {
			names = append(names, name)
		}
		slices.Sort(names)
		// Each value from a family picked at random.
		v := make([]float64, n)
		for i := range v {
			v[i] = fams[names[int(g.uniform()*float64(len(names)))]][i]
		}
		checkSortFloats(t, "mixture", v)
	}
}

// TestSortFloatsNaN: NaN does not corrupt the sort: every value is kept,
// NaNs with a clear sign bit land last, those with the sign bit set first,
// and the finite values between them are sorted.
func TestSortFloatsNaN(t *testing.T) {
	v := irwinHall(3, 1000, 0, 1)
	negNaN := math.Float64frombits(math.Float64bits(math.NaN()) | 1<<63)
	v[10], v[20], v[30] = math.NaN(), negNaN, math.Inf(1)
	v[40] = math.Inf(-1)
	SortFloats(v)
	if !(math.IsNaN(v[0]) && math.Signbit(v[0])) || !math.IsInf(v[1], -1) {
		t.Errorf("first values %g, %g; want NaN with the sign bit, then -Inf", v[0], v[1])
	}
	if n := len(v); !math.IsNaN(v[n-1]) || math.Signbit(v[n-1]) || !math.IsInf(v[n-2], 1) {
		t.Errorf("last values %g, %g; want +Inf, then NaN", v[n-2], v[n-1])
	}
	if !slices.IsSorted(v[1 : len(v)-1]) {
		t.Errorf("the values between the NaNs are not sorted")
	}
}

// TestSortFloatsSignedZeros: −0 sorts before +0, as SortFloats documents.
func TestSortFloatsSignedZeros(t *testing.T) {
	for _, n := range []int{300, wideDigitMinLen + 1} {
		v := floatFamilies(8, n)["signed zeros"]
		SortFloats(v)
		first := slices.IndexFunc(v, func(x float64) bool { return !math.Signbit(x) })
		if first < 0 || slices.ContainsFunc(v[first:], math.Signbit) {
			t.Errorf("%d zeros: a −0 after a +0", n)
		}
	}
}

// TestSortedCopy: sortedCopy leaves its input alone.
func TestSortedCopy(t *testing.T) {
	v := irwinHall(5, 1000, 0, 1)
	orig := slices.Clone(v)
	s := sortedCopy(v)
	if !slices.Equal(v, orig) {
		t.Errorf("sortedCopy changed its input")
	}
	if !slices.IsSorted(s) {
		t.Errorf("sortedCopy's result is not sorted")
	}
}

func BenchmarkSortFloats1M(b *testing.B) {
	benchmarkSort(b, SortFloats)
}

func BenchmarkSlicesSort1M(b *testing.B) {
	benchmarkSort(b, slices.Sort[[]float64])
}

func benchmarkSort(b *testing.B, sort func([]float64)) {
	const n = 1_000_000
	data := irwinHall(31, n, 0, 1)
	v := make([]float64, n)
	for b.Loop() {
		copy(v, data)
		sort(v)
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}
