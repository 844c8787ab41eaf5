package mlflow

import (
	"math"
	"testing"
)

func TestNumbersAsMLflowWritesThem(t *testing.T) {
	fields, err := decodeBody([]byte(`{"a": 12, "b": "1700000000000", "c": 1.7e12, "d": "NaN", "e": "-Infinity", "f": 0.5, "g": "x", "h": 1.5}`))
	if err != nil {
		t.Fatal(err)
	}
	q := request{fields: fields}
	for name, want := range map[string]int64{"a": 12, "b": 1700000000000, "c": 1700000000000} {
		if got, ok, err := q.int64(name); err != nil || !ok || got != want {
			t.Errorf("int64 %s = %d %v %v, want %d", name, got, ok, err, want)
		}
	}
	for _, name := range []string{"g", "h"} {
		if _, _, err := q.int64(name); err == nil {
			t.Errorf("int64 %s: no error", name)
		}
	}
	if v, _, _ := q.float("d"); !math.IsNaN(v) {
		t.Errorf("NaN read as %v", v)
	}
	if v, _, _ := q.float("e"); !math.IsInf(v, -1) {
		t.Errorf("-Infinity read as %v", v)
	}
	if _, ok, err := q.float("missing"); ok || err != nil {
		t.Errorf("a missing double: %v %v", ok, err)
	}
	for _, bad := range []string{`{`, `[1]`, `{"a":1} {"b":2}`, `nul`} {
		if _, err := decodeBody([]byte(bad)); err == nil {
			t.Errorf("body %q: no error", bad)
		}
	}
}

// FuzzDecodeRequest feeds the request decoder and every accessor arbitrary
// bodies: whatever arrives, the answer is a value or an MLflow error, never
// a panic.
func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{
		`{"run_id": "abc", "metrics": [{"key": "loss", "value": "NaN", "timestamp": "17", "step": 1}], "params": [{"key": "lr", "value": "0.1"}]}`,
		`{"experiment_ids": ["0", 1], "max_results": 1e3, "page_token": "eyJvZmZzZXQiOjF9", "filter": "metrics.a > 1 and tags.b = 'x'"}`,
		`{"tags": [1, {"key": null}], "value": {"x": []}}`, ``, `[]`, `{"a": 1e400}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fields, err := decodeBody(body)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("decode error %T is not an MLflow error", err)
			}
			return
		}
		q := request{fields: fields}
		for name := range fields {
			q.str(name)
			q.int64(name)
			q.float(name)
			q.strs(name)
			if objs, err := q.objects(name); err == nil {
				for _, o := range objs {
					metric(o)
				}
			}
			q.pairs(name, maxTagValue)
		}
		if filter, err := q.str("filter"); err == nil {
			parseFilter(filter)
		}
		pagedUpTo(q, []int{1, 2, 3}, 2, 10)
	})
}
