package api

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAppendFloat(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{negZero, "-0"},
		{1, "1"},
		{-2.5, "-2.5"},
		{0.1, "0.1"},
		{0.31, "0.31"},
		{1e-3, "0.001"},
		{1e-6, "0.000001"},
		{1e-7, "1e-7"},
		{1.5e-10, "1.5e-10"},
		{123456789, "123456789"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{1e308, "1e+308"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{5e-324, "5e-324"},
		{0.30000000000000004, "0.30000000000000004"},
		{math.NaN(), `"NaN"`},
		{math.Inf(1), `"Infinity"`},
		{math.Inf(-1), `"-Infinity"`},
	}
	for _, tt := range tests {
		got := string(AppendFloat([]byte("x"), tt.v))
		if got != "x"+tt.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", tt.v, got[1:], tt.want)
		}
		if tt.v == tt.v && !math.IsInf(tt.v, 0) {
			// Finite output is exactly what encoding/json writes.
			j, _ := json.Marshal(tt.v)
			if string(j) != tt.want {
				t.Errorf("AppendFloat(%v) = %s, encoding/json writes %s", tt.v, tt.want, j)
			}
		}
	}
}

func TestFloatRoundTrip(t *testing.T) {
	for _, v := range []float64{0, negZero, 1, -1, 0.1, 1e-7, 1e21, math.MaxFloat64, -math.SmallestNonzeroFloat64,
		math.NaN(), math.Inf(1), math.Inf(-1), 1732280000.123} {
		b, err := json.Marshal(Float(v))
		if err != nil {
			t.Fatalf("Marshal(%v): %v", v, err)
		}
		var f Float
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if !sameFloat(float64(f), v) {
			t.Errorf("%v → %s → %v", v, b, float64(f))
		}
	}
}

func TestFloatInStruct(t *testing.T) {
	type point struct {
		Step  int64   `json:"step"`
		Value Float   `json:"value"`
		Ptr   *Float  `json:"ptr"`
		List  []Float `json:"list"`
	}
	in := point{3, Float(math.NaN()), nil, []Float{Float(math.Inf(-1)), 2}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"step":3,"value":"NaN","ptr":null,"list":["-Infinity",2]}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out point
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(out.Value)) || out.Ptr != nil || len(out.List) != 2 || !math.IsInf(float64(out.List[0]), -1) {
		t.Errorf("Unmarshal = %+v", out)
	}
}

func TestFloatUnmarshal(t *testing.T) {
	good := map[string]float64{
		`1`: 1, `-2.5e3`: -2500, `"NaN"`: math.NaN(), `"nan"`: math.NaN(), `"inf"`: math.Inf(1),
		`"-Infinity"`: math.Inf(-1), `"+INF"`: math.Inf(1), `1e-400`: 0,
	}
	for in, want := range good {
		var f Float
		if err := f.UnmarshalJSON([]byte(in)); err != nil || !sameFloat(float64(f), want) {
			t.Errorf("UnmarshalJSON(%s) = %v, %v; want %v", in, float64(f), err, want)
		}
	}
	f := Float(7)
	if err := f.UnmarshalJSON([]byte("null")); err != nil || f != 7 {
		t.Errorf("null: %v, %v", float64(f), err)
	}
	bad := map[string]string{
		`"abc"`: `api.Float: "abc" is not a number`,
		`"12"`:  `api.Float: "12" is not a number`,
		`1e309`: `api.Float: 1e309 is not a number within range`,
		`true`:  `api.Float: true is not a number within range`,
	}
	for in, want := range bad {
		var f Float
		if err := f.UnmarshalJSON([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("UnmarshalJSON(%s) error %v, want %s", in, err, want)
		}
	}
	// Through encoding/json, which refuses what is not one JSON value.
	var g Float
	if err := json.Unmarshal([]byte(`[1]`), &g); err == nil {
		t.Errorf("an array read as a Float: %v", float64(g))
	}
}

var negZero = math.Copysign(0, -1)

func sameFloat(a, b float64) bool {
	return a == b && math.Signbit(a) == math.Signbit(b) || a != a && b != b
}
