package store

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// floatGolden are the values of testdata/float.json, which was written by
// the type the store used before Float (engine/metricline's Float).
var floatGolden = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, 1e300, -1e300, 1e-7, 1e-6, 9.99e-7,
	1e21, 1e20, 123456789, 0.1, float64(float32(0.1)), 5e-324, math.MaxFloat64, -math.MaxFloat64, -1.5, 0.000001234,
	1.7976931348623157e308, 2.2250738585072014e-308, 100, 1e-100, 3.141592653589793, -2.5e-8}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// Float writes byte for byte what the old type wrote, and reads it back.
func TestFloatMatchesTheOldEncoding(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "float.json"))
	if err != nil {
		t.Fatal(err)
	}
	fs := make([]Float, len(floatGolden))
	for i, v := range floatGolden {
		fs[i] = Float(v)
	}
	got, err := json.Marshal(map[string]any{"values": fs})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(got, '\n'), golden) {
		t.Errorf("encoded\n%s\nthe old type wrote\n%s", got, golden)
	}
	var back struct{ Values []Float }
	if err := json.Unmarshal(golden, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Values) != len(floatGolden) {
		t.Fatalf("%d values read, want %d", len(back.Values), len(floatGolden))
	}
	for i, v := range back.Values {
		if !sameFloat(float64(v), floatGolden[i]) {
			t.Errorf("value %d reads as %v, want %v", i, float64(v), floatGolden[i])
		}
	}
}

func TestFloatRoundTrip(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0, 1e300, -1e-300, 5e-324, 0.1, 1e21, 1e-7} {
		raw, err := json.Marshal(Float(v))
		if err != nil {
			t.Fatal(err)
		}
		var back Float
		if err := json.Unmarshal(raw, &back); err != nil || !sameFloat(float64(back), v) {
			t.Errorf("%v → %s → %v, %v", v, raw, float64(back), err)
		}
	}
}

func TestFloatReads(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		bad  bool
	}{
		{in: `1`, want: 1},
		{in: `-0`, want: math.Copysign(0, -1)},
		{in: `1E+2`, want: 100},
		{in: `"NaN"`, want: math.NaN()},
		{in: `"nan"`, want: math.NaN()},
		{in: `"Infinity"`, want: math.Inf(1)},
		{in: `"-Infinity"`, want: math.Inf(-1)},
		{in: `"-inf"`, want: math.Inf(-1)},
		{in: `"+Inf"`, want: math.Inf(1)},
		{in: `null`, want: 42}, // unchanged
		{in: `1e400`, bad: true},
		{in: `"1"`, bad: true},
		{in: `"-nan"`, bad: true},
		{in: `true`, bad: true},
		{in: `inf`, bad: true},
		{in: `0x10`, bad: true},
		{in: `01`, bad: true},
		{in: `1.`, bad: true},
		{in: `.5`, bad: true},
		{in: `1e`, bad: true},
		{in: ``, bad: true},
	} {
		f := Float(42)
		err := f.UnmarshalJSON([]byte(tc.in))
		switch {
		case tc.bad && err == nil:
			t.Errorf("%s read as %v", tc.in, float64(f))
		case !tc.bad && (err != nil || !sameFloat(float64(f), tc.want)):
			t.Errorf("%s read as %v, %v; want %v", tc.in, float64(f), err, tc.want)
		}
	}
}

// The records of schema 2's fixture, written by the old type (a run's evals
// with NaN, ±Inf, -0 and 1e300; summaries whose last value is NaN and whose
// max is +Inf), read into the store's types and written again, come out
// byte for byte as they were.
func TestFloatRecordsReadAsWritten(t *testing.T) {
	bdb, err := bolt.Open(filepath.Join("testdata", "schema2.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	n := 0
	err = bdb.View(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketRuns).ForEach(func(k, v []byte) error {
			var r Run
			return sameRecord(t, k, v, &r)
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketSummaries).ForEach(func(k, v []byte) error {
			n++
			var sums map[string]*Summary
			return sameRecord(t, k, v, &sums)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d runs with summaries in the fixture, want 4", n)
	}
}

func sameRecord(t *testing.T, k, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return err
	}
	again, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, raw) {
		t.Errorf("%s:\nstored  %s\nwritten %s", k, raw, again)
	}
	return nil
}

// Whatever Float reads, it writes back to the same value; a JSON number it
// reads as encoding/json reads a float64.
func FuzzFloat(f *testing.F) {
	for _, s := range []string{`1`, `-0`, `1e-7`, `"NaN"`, `"-Infinity"`, `1e400`, `0.1`, `"inf"`, `null`, `5e-324`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var v Float
		if err := v.UnmarshalJSON(in); err != nil {
			return
		}
		var std float64
		if len(in) > 0 && in[0] != '"' && string(in) != "null" {
			if err := json.Unmarshal(in, &std); err != nil || !sameFloat(std, float64(v)) {
				t.Fatalf("%q: Float reads %v, encoding/json %v (%v)", in, float64(v), std, err)
			}
		}
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back Float
		if err := json.Unmarshal(raw, &back); err != nil || !sameFloat(float64(back), float64(v)) {
			t.Fatalf("%q → %v → %s → %v (%v)", in, float64(v), raw, float64(back), err)
		}
	})
}
