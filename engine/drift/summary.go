package drift

import (
	"fmt"
	"runtime"
	"sync"

	"lathe/engine/drift/table"
)

// Feature is one column of data summarised for scoring: what a reference
// keeps once instead of its rows, and what a window keeps of its batches.
type Feature struct {
	Name string
	Kind table.Kind
	// Rows counts every value, missing ones included; Missing the missing
	// (NaN, or an empty category); PosInf and NegInf the infinities.
	Rows, Missing, PosInf, NegInf int
	// Finite counts the finite values. Sorted holds them sorted, or when
	// there are more than the sample size, a quantile sample of them
	// (every value stands for Finite/len(Sorted) values).
	Finite int
	Sorted []float64
	// Std is the population standard deviation of every finite value.
	Std float64
	// Edges are the decile edges of every finite value (duplicates merged)
	// and Counts the values in each bin: a reference's, for PSI and JS.
	Edges  []float64
	Counts []int
	// Categories counts a categorical feature's values.
	Categories map[string]int
}

// Sampled reports whether Sorted is a sample rather than every value.
func (f *Feature) Sampled() bool { return len(f.Sorted) < f.Finite }

// Summary is a data set summarised, feature by feature, in the file's order.
type Summary struct {
	Rows, Bad int
	Features  []Feature
}

// Feature returns the feature of that name, or nil.
func (s *Summary) Feature(name string) *Feature {
	for i := range s.Features {
		if s.Features[i].Name == name {
			return &s.Features[i]
		}
	}
	return nil
}

// HasRows says, as an error, that a file gave no row to score: how many
// were bad and why the first was.
func HasRows(path string, t *table.Table) error {
	switch {
	case t.Rows > 0 && len(t.Columns) > 0:
		return nil
	case t.Rows > 0:
		return fmt.Errorf("%s: no column to compare", path)
	case len(t.FirstBad) > 0:
		b := t.FirstBad[0]
		return fmt.Errorf("%s: no row could be read (%d bad; line %d: %s)", path, t.Bad, b.Line, b.Reason)
	}
	return fmt.Errorf("%s: no rows", path)
}

// Summarise summarises every column of t, columns in parallel: sorted
// finite values (at most sample of them, a quantile sample beyond; 0 keeps
// all), their decile edges and counts and standard deviation, category
// counts.
func Summarise(t *table.Table, sample int) *Summary {
	s := &Summary{Rows: t.Rows, Bad: t.Bad, Features: make([]Feature, len(t.Columns))}
	parallel(len(t.Columns), func(i int) {
		s.Features[i] = SummariseColumn(t.Columns[i], sample)
	})
	return s
}

// SummariseColumn summarises one column (see Summarise).
func SummariseColumn(c *table.Column, sample int) Feature {
	f := Feature{Name: c.Name, Kind: c.Kind}
	if c.Kind == table.Categorical {
		f.Rows, f.Missing = len(c.Codes), c.Missing()
		f.Categories = c.Counts()
		return f
	}
	f.Rows = len(c.Values)
	col := Numeric(c.Values)
	f.Missing, f.PosInf, f.NegInf = col.Missing, col.PosInf, col.NegInf
	sorted := col.Finite
	SortFloats(sorted)
	f.Finite = len(sorted)
	f.Std = stdDev(sorted)
	f.Edges = decileEdgesSorted(sorted)
	f.Counts = sortedBinCounts(sorted, f.Edges)
	f.Sorted = quantileSample(sorted, sample)
	return f
}

// sortedBinCounts counts sorted values into the bins of edges (a value's
// bin is the number of edges ≤ it), with one binary search per edge.
func sortedBinCounts(sorted, edges []float64) []int {
	counts := make([]int, len(edges)+1)
	prev := 0
	for b, e := range edges {
		at := upperBound(sorted, e)
		counts[b] = at - prev
		prev = at
	}
	counts[len(edges)] = len(sorted) - prev
	return counts
}

// quantileSample returns sorted itself when it holds at most k values (or
// k is 0), else k of its order statistics evenly spaced by rank, the
// smallest and largest kept, so KS and Wasserstein on the sample are within
// about 1/k of their values on the whole.
func quantileSample(sorted []float64, k int) []float64 {
	n := len(sorted)
	if k <= 0 || n <= k {
		return sorted
	}
	out := make([]float64, k)
	for i := range out {
		out[i] = sorted[int((float64(i)+0.5)*float64(n)/float64(k))]
	}
	out[0], out[k-1] = sorted[0], sorted[n-1]
	return out
}

// Thin keeps at most k of f's sorted values, a quantile sample (see
// Summarise), for a summary to be kept.
func Thin(f Feature, k int) Feature {
	f.Sorted = quantileSample(f.Sorted, k)
	return f
}

// Merge adds b's values to a's, both summaries of current data of the same
// feature (their Edges, Counts and Std are not kept), keeping at most
// sample sorted values: a window's batches become one.
func Merge(a, b Feature, sample int) Feature {
	m := Feature{Name: a.Name, Kind: a.Kind, Rows: a.Rows + b.Rows, Missing: a.Missing + b.Missing,
		PosInf: a.PosInf + b.PosInf, NegInf: a.NegInf + b.NegInf, Finite: a.Finite + b.Finite}
	if a.Kind == table.Categorical || b.Kind == table.Categorical {
		m.Kind = table.Categorical
		m.Categories = make(map[string]int, len(a.Categories)+len(b.Categories))
		for k, v := range a.Categories {
			m.Categories[k] += v
		}
		for k, v := range b.Categories {
			m.Categories[k] += v
		}
		return m
	}
	if !a.Sampled() && !b.Sampled() {
		m.Sorted = quantileSample(mergeSorted(a.Sorted, b.Sorted), sample)
		return m
	}
	m.Sorted = weightedSample(a, b, sample)
	return m
}

// mergeSorted merges two sorted slices.
func mergeSorted(a, b []float64) []float64 {
	out := make([]float64, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// weightedSample draws k evenly spaced quantiles from the union of two
// samples, each value weighing the values it stands for.
func weightedSample(a, b Feature, k int) []float64 {
	total := float64(a.Finite + b.Finite)
	if k <= 0 || total == 0 {
		return mergeSorted(a.Sorted, b.Sorted)
	}
	k = min(k, a.Finite+b.Finite)
	wa, wb := weight(a), weight(b)
	out := make([]float64, 0, k)
	i, j, cum := 0, 0, 0.0
	for q := range k {
		target := (float64(q) + 0.5) * total / float64(k)
		for cum < target && (i < len(a.Sorted) || j < len(b.Sorted)) {
			if j == len(b.Sorted) || (i < len(a.Sorted) && a.Sorted[i] <= b.Sorted[j]) {
				cum += wa
				i++
			} else {
				cum += wb
				j++
			}
		}
		switch {
		case i > 0 && (j == 0 || a.Sorted[i-1] >= b.Sorted[j-1]):
			out = append(out, a.Sorted[i-1])
		case j > 0:
			out = append(out, b.Sorted[j-1])
		}
	}
	return out
}

func weight(f Feature) float64 {
	if len(f.Sorted) == 0 {
		return 0
	}
	return float64(f.Finite) / float64(len(f.Sorted))
}

// parallel calls f(0) … f(n−1) on as many goroutines as there are CPUs.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
