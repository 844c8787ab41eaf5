package sweep

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// every is one param of each kind.
var every = []Param{
	{Name: "act", Distribution: "categorical", Values: []string{"relu", "gelu", "tanh"}},
	{Name: "batch", Distribution: "log_int", Min: 1, Max: 64},
	{Name: "drop", Distribution: "uniform", Min: -1, Max: 2},
	{Name: "layers", Distribution: "int", Min: 1, Max: 5},
	{Name: "lr", Distribution: "log_uniform", Min: 1e-4, Max: 1e-1},
}

// draws proposes n trials with no history.
func draws(t *testing.T, s Spec, n int) []map[string]string {
	t.Helper()
	out := make([]map[string]string, n)
	for i := range out {
		p, ok := Next(s, i, nil)
		if !ok {
			t.Fatalf("Next(%d): nothing to propose", i)
		}
		out[i] = p
	}
	return out
}

// checkBounds fails for a value outside its param, and gives the values
// drawn of each param as numbers (a categorical's as its index).
func checkBounds(t *testing.T, params []Param, drawn []map[string]string) map[string][]float64 {
	t.Helper()
	got := map[string][]float64{}
	for _, d := range drawn {
		for _, p := range params {
			text, ok := d[p.Name]
			if !ok {
				t.Fatalf("%v has no %s", d, p.Name)
			}
			var v float64
			switch p.Distribution {
			case "categorical":
				i := slices.Index(p.Values, text)
				if i < 0 {
					t.Fatalf("%s = %q is not one of %q", p.Name, text, p.Values)
				}
				v = float64(i)
			case "int", "log_int":
				n, err := strconv.ParseInt(text, 10, 64)
				if err != nil {
					t.Fatalf("%s = %q is not an integer", p.Name, text)
				}
				v = float64(n)
			default:
				var err error
				if v, err = strconv.ParseFloat(text, 64); err != nil {
					t.Fatalf("%s = %q is not a number", p.Name, text)
				}
				if digits := strings.TrimLeft(strings.ReplaceAll(strings.Split(text, "e")[0], ".", ""), "-0"); len(digits) > 6 {
					t.Fatalf("%s = %s: more than six significant digits", p.Name, text)
				}
			}
			if p.Distribution != "categorical" && (v < p.Min || v > p.Max) {
				t.Fatalf("%s = %s is outside [%g, %g]", p.Name, text, p.Min, p.Max)
			}
			got[p.Name] = append(got[p.Name], v)
		}
	}
	return got
}

func TestRandomDistributions(t *testing.T) {
	s := Spec{Method: "random", Seed: 1, Params: every}
	got := checkBounds(t, every, draws(t, s, 4000))
	for _, name := range []string{"act", "batch", "layers"} {
		p := every[slices.IndexFunc(every, func(p Param) bool { return p.Name == name })]
		lo, hi := p.Min, p.Max
		if p.Distribution == "categorical" {
			lo, hi = 0, float64(len(p.Values)-1)
		}
		if !slices.Contains(got[name], lo) || !slices.Contains(got[name], hi) {
			t.Errorf("%s never drew both ends, %g and %g", name, lo, hi)
		}
	}
	// Even in log space: the median is the geometric mean of the bounds.
	lrs := slices.Sorted(slices.Values(got["lr"]))
	median, geo := lrs[len(lrs)/2], math.Sqrt(1e-4*1e-1)
	if d := math.Abs(math.Log(median / geo)); d > 0.25 {
		t.Errorf("log-uniform median %g, want near the geometric mean %g", median, geo)
	}
	// Even in linear space: the mean is the middle.
	var sum float64
	for _, v := range got["drop"] {
		sum += v
	}
	if mean := sum / float64(len(got["drop"])); math.Abs(mean-0.5) > 0.1 {
		t.Errorf("uniform mean %g, want near 0.5", mean)
	}
	// log_int's small values are as likely as their share of log space.
	ones := 0
	for _, v := range got["batch"] {
		if v == 1 {
			ones++
		}
	}
	if share, want := float64(ones)/4000, math.Log(1.5/0.5)/math.Log(64.5/0.5); math.Abs(share-want) > 0.03 {
		t.Errorf("log_int drew 1 in %.3f of trials, want about %.3f", share, want)
	}
}

func TestSeeds(t *testing.T) {
	for _, method := range []string{"random", "tpe"} {
		t.Run(method, func(t *testing.T) {
			s := Spec{Method: method, Seed: 42, Params: every}
			a, b := draws(t, s, 20), draws(t, s, 20)
			if !reflect.DeepEqual(a, b) {
				t.Error("the same seed gave other params")
			}
			s.Seed = 43
			c := draws(t, s, 20)
			same := 0
			for i := range a {
				if a[i]["lr"] == c[i]["lr"] {
					same++
				}
			}
			if same > 0 {
				t.Errorf("seeds 42 and 43 drew the same lr in %d of 20 trials", same)
			}
		})
	}
}

func TestGrid(t *testing.T) {
	s := Spec{Method: "grid", Params: []Param{
		{Name: "act", Distribution: "categorical", Values: []string{"relu", "gelu"}},
		{Name: "layers", Distribution: "int", Min: 2, Max: 4},
		{Name: "wide", Distribution: "categorical", Values: []string{"true", "false"}},
	}}
	if n := s.Combinations(); n != 12 {
		t.Fatalf("Combinations = %d, want 12", n)
	}
	var want []map[string]string
	for _, act := range []string{"relu", "gelu"} {
		for _, layers := range []string{"2", "3", "4"} {
			for _, wide := range []string{"true", "false"} {
				want = append(want, map[string]string{"act": act, "layers": layers, "wide": wide})
			}
		}
	}
	var got []map[string]string
	for n := 0; ; n++ {
		p, ok := Next(s, n, nil)
		if !ok {
			break
		}
		got = append(got, p)
		if n > 100 {
			t.Fatal("the grid never ends")
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grid order:\n%v\nwant\n%v", got, want)
	}

	s.Trials = 5
	if _, ok := Next(s, 4, nil); !ok {
		t.Error("trials = 5 stopped before trial 4")
	}
	if _, ok := Next(s, 5, nil); ok {
		t.Error("trials = 5 proposed trial 5")
	}
	s.Trials = 50 // more than there are: all of them
	if _, ok := Next(s, 11, nil); !ok {
		t.Error("trials above the combinations stopped early")
	}
	if _, ok := Next(s, 12, nil); ok {
		t.Error("trials above the combinations went past the last")
	}
}

func TestCombinations(t *testing.T) {
	tests := []struct {
		params []Param
		want   int
	}{
		{nil, 0},
		{[]Param{{Distribution: "log_int", Min: 1, Max: 100}}, 100},
		{[]Param{{Distribution: "int", Min: -2, Max: 2}, {Distribution: "categorical", Values: []string{"a", "b"}}}, 10},
		{[]Param{{Distribution: "int", Min: 0, Max: 9}, {Distribution: "uniform", Min: 0, Max: 1}}, 0},
		{[]Param{{Distribution: "int", Min: 0, Max: 1 << 40}, {Distribution: "int", Min: 0, Max: 1 << 40}}, math.MaxInt},
	}
	for _, tt := range tests {
		if got := (Spec{Params: tt.params}).Combinations(); got != tt.want {
			t.Errorf("Combinations(%+v) = %d, want %d", tt.params, got, tt.want)
		}
	}
}

func TestNextLimits(t *testing.T) {
	for _, method := range []string{"random", "tpe"} {
		s := Spec{Method: method, Trials: 3, Params: every}
		if _, ok := Next(s, 2, nil); !ok {
			t.Errorf("%s: trial 2 of 3 not proposed", method)
		}
		if _, ok := Next(s, 3, nil); ok {
			t.Errorf("%s: trial 3 proposed with trials = 3", method)
		}
		if _, ok := Next(s, -1, nil); ok {
			t.Errorf("%s: trial -1 proposed", method)
		}
	}
}

// ExampleNext shows a grid's first trials as commands.
func ExampleNext() {
	s, err := Parse("grid.toml", []byte(`
command = ["python3", "train.py", "--lr", "{lr}", "--layers", "{layers}"]
metric = "val_acc"
direction = "max"
method = "grid"
[params]
lr = { values = [0.1, 0.01] }
layers = { distribution = "int", min = 2, max = 3 }
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for n := 0; ; n++ {
		params, ok := Next(s, n, nil)
		if !ok {
			break
		}
		fmt.Println(s.CommandFor(params))
	}
	// Output:
	// [python3 train.py --lr 0.1 --layers 2]
	// [python3 train.py --lr 0.01 --layers 2]
	// [python3 train.py --lr 0.1 --layers 3]
	// [python3 train.py --lr 0.01 --layers 3]
}
