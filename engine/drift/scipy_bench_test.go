package drift

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// scipyRepeats is how many runs of each side the benchmark takes the
// median of.
const scipyRepeats = 7

// ksW1 is what both sides compute: the KS statistic, its p-value and the
// Wasserstein-1 distance.
type ksW1 struct {
	D, P, W1 float64
}

// scipyResult is the line testdata/scipy_bench.py prints.
type scipyResult struct {
	Version     string  `json:"scipy"`
	Statistic   float64 `json:"statistic"`
	PValue      float64 `json:"pvalue"`
	Wasserstein float64 `json:"wasserstein"`
	Seconds     float64 `json:"seconds"`
}

// BenchmarkKSWassersteinVsScipy1M times KS with its p-value and
// Wasserstein-1 on 1 000 000 unsorted values a side, sorting each side once
// as the engine does, against scipy's ks_2samp and wasserstein_distance on
// the same data in the same run. Both sides must give the same numbers
// before a time counts. It reports ms/lathe and, where python3-scipy is
// installed, ms/scipy and x-faster (scipy's time over lathe's); without
// scipy it says so and reports lathe's time alone, so the ratio's budget
// shows as not measured rather than met.
func BenchmarkKSWassersteinVsScipy1M(b *testing.B) {
	const n = 1_000_000
	ref := irwinHall(31, n, 0, 1)
	cur := irwinHall(32, n, 0.01, 1)

	var got ksW1
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		got = latheKSW1(ref, cur)
		times = append(times, time.Since(start))
	}
	for len(times) < scipyRepeats {
		start := time.Now()
		latheKSW1(ref, cur)
		times = append(times, time.Since(start))
	}
	latheMs := medianMs(times)
	b.ReportMetric(latheMs, "ms/lathe")

	python, err := scipyPython()
	if err != nil {
		b.Log(err)
		return
	}
	dir := b.TempDir()
	refPath, curPath := filepath.Join(dir, "ref.bin"), filepath.Join(dir, "cur.bin")
	if err := writeFloat64s(refPath, ref); err != nil {
		b.Fatal(err)
	}
	if err := writeFloat64s(curPath, cur); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "scipy_bench.py"), refPath, curPath, strconv.Itoa(scipyRepeats))
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			b.Fatalf("%s testdata/scipy_bench.py: %v\n%s", python, err, exit.Stderr)
		}
		b.Fatalf("%s testdata/scipy_bench.py: %v", python, err)
	}
	var sp scipyResult
	if err := json.Unmarshal(out, &sp); err != nil {
		b.Fatalf("scipy_bench.py printed %q: %v", out, err)
	}

	// A speed comparison on different answers is worthless.
	if !within(got.D, sp.Statistic, tolStat) {
		b.Fatalf("KS statistic: lathe %.17g, scipy %s %.17g", got.D, sp.Version, sp.Statistic)
	}
	if !within(got.P, sp.PValue, tolP) && math.Abs(got.P-sp.PValue) > 1e-300 {
		b.Fatalf("KS p-value: lathe %.17g, scipy %s %.17g", got.P, sp.Version, sp.PValue)
	}
	if !within(got.W1, sp.Wasserstein, tolStat) {
		b.Fatalf("Wasserstein-1: lathe %.17g, scipy %s %.17g", got.W1, sp.Version, sp.Wasserstein)
	}
	scipyMs := sp.Seconds * 1000
	b.ReportMetric(scipyMs, "ms/scipy")
	b.ReportMetric(scipyMs/latheMs, "x-faster")
}

// latheKSW1 is lathe's side: each sample sorted once, then KS, its p-value
// and Wasserstein-1 on the sorted data.
func latheKSW1(ref, cur []float64) ksW1 {
	a, c := sortedCopy(ref), sortedCopy(cur)
	d := KSSorted(a, c)
	return ksW1{D: d, P: KSPValue(d, len(a), len(c)), W1: WassersteinSorted(a, c)}
}

func medianMs(times []time.Duration) float64 {
	s := slices.Clone(times)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 0 {
		return float64(s[mid-1]+s[mid]) / 2 / float64(time.Millisecond)
	}
	return float64(s[mid]) / float64(time.Millisecond)
}

// scipyPython is the Python that runs the scipy side: Debian's
// /usr/bin/python3 where it has scipy, else the python3 on PATH where that
// has it.
func scipyPython() (string, error) {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil && p != candidates[0] {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import scipy.stats").Run() == nil {
			return p, nil
		}
	}
	return "", errors.New("python3-scipy is not installed: scipy side not measured, no ratio reported")
}

// writeFloat64s writes v as little-endian float64s, as numpy.fromfile
// reads them with dtype "<f8".
func writeFloat64s(path string, v []float64) error {
	buf := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(buf[8*i:], math.Float64bits(x))
	}
	return os.WriteFile(path, buf, 0o644)
}
