package metricline

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

var lineSeeds = []string{
	benchLine,
	`{"step": 12, "time": 1732280000.123, "metrics": {"loss": 0.31, "acc": 0.9}}`,
	`{"params": {"lr": 0.01, "opt": "adam", "layers": [64, {"a": null}], "on": true}}`,
	`{"tags": {"dataset": "digits"}}`,
	`{"eval": {"slice": "class=3", "metrics": {"acc": 0.81}}}`,
	`{"artifact": {"name": "model", "path": "model.pt"}}`,
	`{"dataset": {"name": "digits-train", "path": "data/train.csv", "role": "train"}}`,
	`{"dataset": {"path": "d", "name": "n", "rows": 10}, "dataset": {}}`,
	`{"total": 5000}`,
	`{"metrics": {"a": "NaN", "b": "-Infinity", "c": "+inf", "d": -0, "e": 1e308, "f": 5e-324}}`,
	`{"step": 12.0, "metrics": {}}`,
	`{"step": 12.5}`,
	`{"step": 9223372036854775807}`,
	`{"time": -0.0000005}`,
	`{"metrics": {"a": 1, "a": 2}}`,
	`{"metrics": {"\u00e9\ud83d\ude00": 1, "x\udc80": 2}}`,
	"{\"params\": {\"p\": \"a\xffb\"}}",
	`{"metrics": {"a": 1}} trailing`,
	`{"x": [[[[[[[[]]]]]]]], "total": 1}`,
	`[1]`,
	``,
	"\xEF\xBB\xBF{\"total\":1}\r",
	`{'loss': 0.3}`,
}

func FuzzParseLine(f *testing.F) {
	for _, s := range lineSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, err := ParseLine(line)
		if err != nil {
			if msg := err.Error(); msg == "" || len(msg) > 300 || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("bad error message %q", msg)
			}
			if d := diffRecord(rec, Record{}); d != "" {
				t.Fatalf("record with error: %s", d)
			}
			return
		}
		if p := recordNameProblems(rec); p != "" {
			t.Fatalf("accepted bad name: %s", p)
		}
		// Only valid JSON is accepted.
		body := bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON")
		}
		checkAgainstEncodingJSON(t, body, rec)
		// Writing the record back and reading it again is lossless.
		enc := encodeRecord(rec)
		again, err := ParseLine(enc)
		if err != nil {
			t.Fatalf("re-encoded %s: %v", enc, err)
		}
		if d := diffRecord(rec, again); d != "" {
			t.Fatalf("re-encoded %s: %s", enc, d)
		}
	})
}

// checkAgainstEncodingJSON compares metric values with what encoding/json
// and strconv make of the same line.
func checkAgainstEncodingJSON(t *testing.T, body []byte, rec Record) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	check := func(raw json.RawMessage, got []Metric) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("encoding/json metrics: %v", err)
		}
		if len(m) != len(got) {
			t.Fatalf("encoding/json sees %d metrics, ParseLine %d", len(m), len(got))
		}
		for _, g := range got {
			v, ok := m[g.Name]
			if !ok {
				t.Fatalf("metric %q unknown to encoding/json", g.Name)
			}
			var want float64
			if v[0] == '"' {
				var s string
				if err := json.Unmarshal(v, &s); err != nil {
					t.Fatal(err)
				}
				var ok bool
				if want, ok = special([]byte(s)); !ok {
					t.Fatalf("metric %q: accepted string %q", g.Name, s)
				}
			} else {
				var err error
				if want, err = strconv.ParseFloat(string(v), 64); err != nil {
					t.Fatalf("metric %q: accepted %s: %v", g.Name, v, err)
				}
			}
			if !sameFloat(g.Value, want) {
				t.Fatalf("metric %q = %v, strconv says %v", g.Name, g.Value, want)
			}
		}
	}
	if raw, ok := top["metrics"]; ok {
		check(raw, rec.Metrics)
	}
	if rec.Eval != nil {
		// A map, not a struct: encoding/json matches struct fields
		// case-insensitively, the contract does not.
		var ev map[string]json.RawMessage
		if err := json.Unmarshal(top["eval"], &ev); err != nil {
			t.Fatal(err)
		}
		check(ev["metrics"], rec.Eval.Metrics)
	}
}

var kvSeeds = []string{
	benchKVLine,
	"epoch 3 | loss=0.512 acc=0.91, lr=1e-3 mode=train step=300",
	"938/938 [==============================] - 2s 2ms/step - loss: 0.3000 - accuracy: 0.9000",
	"{'loss': 0.3, 'learning_rate': 5e-05, 'epoch': 0.5}",
	"loss=nan grad=-inf step=1.5",
	"a=1\rb=2\ra=3",
	"\x1b[32mloss=0.5\x1b[0m \x1b]8;;x\x07lr=0.1",
	"x=1=2 ==3 a= =",
	"step=9223372036854775808 a=0x1p-2 b=1_000",
}

func FuzzParseKV(f *testing.F) {
	for _, s := range kvSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, ok := ParseKV(line)
		checkKV(t, line, rec, ok)
	})
}

func checkKV(t *testing.T, line []byte, rec Record, ok bool) {
	if !ok {
		if d := diffRecord(rec, Record{}); d != "" {
			t.Fatalf("not ok but %s", d)
		}
		return
	}
	if len(rec.Metrics) == 0 {
		t.Fatalf("ok without metrics")
	}
	if rec.HasTime || rec.Params != nil || rec.Tags != nil || rec.Eval != nil || rec.Artifact != nil || rec.Dataset != nil || rec.Total != 0 {
		t.Fatalf("unexpected fields: %+v", rec)
	}
	seen := map[string]bool{}
	for _, m := range rec.Metrics {
		if p := nameProblem(m.Name); p != "" {
			t.Fatalf("name %q: %s", m.Name, p)
		}
		if seen[m.Name] {
			t.Fatalf("name %q twice", m.Name)
		}
		seen[m.Name] = true
		if m.Name == "step" || !kvName([]byte(m.Name)) || !bytes.Contains(line, []byte(m.Name+"=")) {
			t.Fatalf("bad name %q", m.Name)
		}
	}
}

func FuzzParseOutputLine(f *testing.F) {
	for _, s := range lineSeeds {
		f.Add([]byte(s), false)
	}
	for _, s := range kvSeeds {
		f.Add([]byte(s), true)
	}
	f.Add([]byte(`{"metrics": {"loss": "high"}}`), true)
	f.Add([]byte(`{"msg": "loss=0.5"} a=1`), true)
	f.Fuzz(func(t *testing.T, line []byte, kv bool) {
		rec, ok, err := ParseOutputLine(line, kv)
		if ok && err != nil {
			t.Fatalf("ok with error %v", err)
		}
		if err != nil {
			if d := diffRecord(rec, Record{}); d != "" {
				t.Fatalf("record with error: %s", d)
			}
			if _, perr := ParseLine(line); perr == nil || perr.Error() != err.Error() {
				t.Fatalf("error %v, ParseLine says %v", err, perr)
			}
			return
		}
		if !ok {
			if d := diffRecord(rec, Record{}); d != "" {
				t.Fatalf("not ok but %s", d)
			}
			return
		}
		// Either a JSON metrics line, parsed exactly as ParseLine does, or
		// kv pairs exactly as ParseKV finds them.
		if want, perr := ParseLine(line); perr == nil && diffRecord(rec, want) == "" {
			if p := recordNameProblems(rec); p != "" {
				t.Fatal(p)
			}
			return
		}
		if !kv {
			t.Fatalf("ok without kv and unlike ParseLine: %+v", rec)
		}
		want, wok := ParseKV(line)
		if !wok || diffRecord(rec, want) != "" {
			t.Fatalf("ok, but neither ParseLine nor ParseKV gives %+v", rec)
		}
		checkKV(t, line, rec, ok)
	})
}
