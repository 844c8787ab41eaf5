package engine

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"lathe/engine/filter"
	"lathe/store"
)

// The catalogue's sort (a radix sort of numbers, a heap for a small limit)
// orders rows exactly as the rule says, against a plain comparison sort:
// rows with a value first, numbers before words ascending and words before
// numbers descending, NaN as no value, -0 as 0, ties in the rows' order.
func TestSortRowsAgreesWithTheRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	c := newCatalogue()
	values := []float64{0, math.Copysign(0, -1), 1, -1, 2.5, -2.5, 1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, 3, 3}
	words := []string{"0.1", "-0", "adam", "sgd", "1e3", "Adam", "", "3", "zeta", "nan"}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const n = 3000
	for i := range n {
		r := &store.Run{ID: fmt.Sprintf("%012x", i), Name: fmt.Sprint("r", i), Experiment: "e", Status: store.Succeeded,
			Created: base.Add(time.Duration(i%50) * time.Minute), Params: map[string]string{}}
		if rng.IntN(5) > 0 {
			r.Params["opt"] = words[rng.IntN(len(words))]
		}
		sums := map[string]store.Summary{}
		if rng.IntN(6) > 0 {
			v := values[rng.IntN(len(values))]
			if rng.IntN(2) == 0 {
				v = rng.NormFloat64() * 10
			}
			sums["loss"] = store.Summary{Count: 1, Last: store.Float(v), Min: store.Float(v), Max: store.Float(v)}
		}
		c.put(r, sums)
	}
	rows := make([]int32, n)
	for i := range rows {
		rows[i] = int32(rng.IntN(n)) // an order of its own, and repeats
	}
	for _, field := range []string{"metrics.loss", "params.opt", "name"} {
		f, err := filter.ParseField(field)
		if err != nil {
			t.Fatal(err)
		}
		for _, desc := range []bool{false, true} {
			want := referenceSort(c, rows, f, desc)
			for _, limit := range []int{0, 1, 10, 700, n} {
				got := c.sortRows(slices.Clone(rows), f, desc, limit)
				if limit > 0 && len(got) > limit {
					got = got[:limit]
				}
				w := want
				if limit > 0 && len(w) > limit {
					w = w[:limit]
				}
				if !slices.Equal(got, w) {
					i := 0
					for i < min(len(got), len(w)) && got[i] == w[i] {
						i++
					}
					t.Fatalf("%s desc=%v limit=%d: differs at %d of %d", field, desc, limit, i, len(w))
				}
			}
		}
	}
}

// referenceSort is the rule, as a comparison sort.
func referenceSort(c *catalogue, rows []int32, f filter.Field, desc bool) []int32 {
	type key struct {
		row       int32
		num       float64
		text      string
		isNum, ok bool
	}
	cur := &cursor{c: c}
	keys := make([]key, len(rows))
	for j, i := range rows {
		cur.i = i
		num, text, isNum, ok := f.Value(cur)
		keys[j] = key{i, num, text, isNum, ok && !(isNum && math.IsNaN(num))}
	}
	rank := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		if a.ok != b.ok {
			return cmp.Compare(rank(!a.ok), rank(!b.ok))
		}
		if !a.ok {
			return 0
		}
		var d int
		switch {
		case a.isNum != b.isNum:
			d = cmp.Compare(rank(!a.isNum), rank(!b.isNum))
		case a.isNum:
			d = cmp.Compare(a.num, b.num)
		default:
			d = strings.Compare(a.text, b.text)
		}
		if desc {
			d = -d
		}
		return d
	})
	out := make([]int32, len(keys))
	for j, k := range keys {
		out[j] = k.row
	}
	return out
}

// The radix sort is a stable sort of the keys.
func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 2, 17, 5000} {
		keys := make([]numKey, n)
		for i := range keys {
			k := rng.Uint64()
			if i%3 == 0 {
				k = uint64(rng.IntN(4)) << 60 // many equal keys, most digits equal
			}
			keys[i] = numKey{key: k, row: int32(i), pos: int32(i)}
		}
		want := slices.Clone(keys)
		slices.SortStableFunc(want, func(a, b numKey) int { return cmp.Compare(a.key, b.key) })
		radixSort(keys)
		if !slices.Equal(keys, want) {
			t.Fatalf("%d keys: radix sort differs from a stable sort", n)
		}
	}
}
