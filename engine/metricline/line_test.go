package metricline

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func ms(kv ...any) []Metric {
	var out []Metric
	for i := 0; i < len(kv); i += 2 {
		v := kv[i+1]
		var f float64
		switch v := v.(type) {
		case int:
			f = float64(v)
		case float64:
			f = v
		}
		out = append(out, Metric{kv[i].(string), f})
	}
	return out
}

var negZero = math.Copysign(0, -1)

func TestParseLineValid(t *testing.T) {
	tests := []struct {
		name, line string
		want       Record
	}{
		{"full metrics line",
			`{"step": 12, "time": 1732280000.123, "metrics": {"loss": 0.31, "acc": 0.9}}`,
			Record{HasStep: true, Step: 12, HasTime: true, Time: 1732280000123000, Metrics: ms("loss", 0.31, "acc", 0.9)}},
		{"python json.dumps output",
			`{"step": 3, "time": 1732280000.5234567, "metrics": {"loss": 1e-05, "acc": 1.0, "n": 12}}`,
			Record{HasStep: true, Step: 3, HasTime: true, Time: 1732280000523457, Metrics: ms("loss", 1e-05, "acc", 1.0, "n", 12)}},
		{"metrics only", `{"metrics":{"loss":0.5}}`, Record{Metrics: ms("loss", 0.5)}},
		{"order kept", `{"metrics":{"z":1,"a":2,"m":3}}`, Record{Metrics: ms("z", 1, "a", 2, "m", 3)}},
		{"special strings", `{"metrics":{"a":"NaN","b":"Infinity","c":"-Infinity","d":"nan","e":"INF","f":"-inf","g":"+inf","h":"+Infinity","i":"iNfInItY"}}`,
			Record{Metrics: ms("a", math.NaN(), "b", math.Inf(1), "c", math.Inf(-1), "d", math.NaN(), "e", math.Inf(1), "f", math.Inf(-1), "g", math.Inf(1), "h", math.Inf(1), "i", math.Inf(1))}},
		{"escaped special string", `{"metrics":{"a":"\u004eaN"}}`, Record{Metrics: ms("a", math.NaN())}},
		{"number forms", `{"metrics":{"a":-0,"b":0.0,"c":1E2,"d":-1.5e-3,"e":1e308,"f":-1e308,"g":5e-324,"h":1e-400,"i":123456789012345678901234567890}}`,
			Record{Metrics: ms("a", negZero, "b", 0.0, "c", 100.0, "d", -0.0015, "e", 1e308, "f", -1e308, "g", 5e-324, "h", 0.0, "i", 1.2345678901234568e29)}},
		{"long mantissa", `{"metrics":{"a":0.30000000000000004,"b":3.141592653589793238462643383279}}`,
			Record{Metrics: ms("a", 0.30000000000000004, "b", math.Pi)}},
		{"step 12.0", `{"step":12.0}`, Record{HasStep: true, Step: 12}},
		{"step exponent", `{"step":1.2e1}`, Record{HasStep: true, Step: 12}},
		{"step 1e3", `{"step":1e3}`, Record{HasStep: true, Step: 1000}},
		{"step 1200e-2", `{"step":1200e-2}`, Record{HasStep: true, Step: 12}},
		{"step zero", `{"step":0}`, Record{HasStep: true}},
		{"step negative", `{"step":-5}`, Record{HasStep: true, Step: -5}},
		{"step max", `{"step":9223372036854775807}`, Record{HasStep: true, Step: math.MaxInt64}},
		{"step min", `{"step":-9223372036854775808}`, Record{HasStep: true, Step: math.MinInt64}},
		{"step beyond float precision", `{"step":9007199254740993}`, Record{HasStep: true, Step: 9007199254740993}},
		{"zero exponent huge", `{"step":0e999999999999999999}`, Record{HasStep: true}},
		{"time integer", `{"time":1732280000}`, Record{HasTime: true, Time: 1732280000000000}},
		{"time rounds down", `{"time":1.0000004}`, Record{HasTime: true, Time: 1000000}},
		{"time rounds half up", `{"time":1.0000005}`, Record{HasTime: true, Time: 1000001}},
		{"time rounds up", `{"time":1.00000051}`, Record{HasTime: true, Time: 1000001}},
		{"time negative half", `{"time":-0.0000005}`, Record{HasTime: true, Time: -1}},
		{"time exponent", `{"time":1.7322800001234567e9}`, Record{HasTime: true, Time: 1732280000123457}},
		{"time tiny", `{"time":1e-30}`, Record{HasTime: true}},
		{"params",
			`{"params": {"lr": 0.01, "opt": "adam", "wd": 1e-3, "on": true, "off": false, "none": null, "neg": -0.0}}`,
			Record{Params: map[string]string{"lr": "0.01", "opt": "adam", "wd": "1e-3", "on": "true", "off": "false", "none": "", "neg": "-0.0"}}},
		{"params nested compacted",
			`{"params": {"layers": [ 64 , 32 ], "sched": { "kind" : "cos", "warm": [1, {"a": null}], "s": "x y\"" }, "e": [], "o": {}}}`,
			Record{Params: map[string]string{"layers": "[64,32]", "sched": `{"kind":"cos","warm":[1,{"a":null}],"s":"x y\""}`, "e": "[]", "o": "{}"}}},
		{"params escapes decoded", `{"params":{"path":"a\\b\n\u00e9\ud83d\ude00"}}`,
			Record{Params: map[string]string{"path": "a\\b\né😀"}}},
		{"lone surrogate becomes U+FFFD", `{"params":{"p":"x\udc80y"}}`,
			Record{Params: map[string]string{"p": "x\uFFFDy"}}},
		{"invalid UTF-8 value replaced", "{\"params\":{\"p\":\"a\xffb\"}}",
			Record{Params: map[string]string{"p": "a\uFFFDb"}}},
		{"empty params", `{"params":{}}`, Record{Params: map[string]string{}}},
		{"tags", `{"tags": {"dataset": "digits", "seed": 3}}`, Record{Tags: map[string]string{"dataset": "digits", "seed": "3"}}},
		{"eval", `{"eval": {"slice": "class=3", "metrics": {"acc": 0.81}}}`,
			Record{Eval: &Eval{Slice: "class=3", Metrics: ms("acc", 0.81)}}},
		{"eval empty metrics, unknown field", `{"eval": {"metrics": {}, "slice": "all", "n": [1]}}`,
			Record{Eval: &Eval{Slice: "all"}}},
		{"artifact", `{"artifact": {"name": "model", "path": "model.pt", "bytes": 12}}`,
			Record{Artifact: &Artifact{Name: "model", Path: "model.pt"}}},
		{"dataset", `{"dataset": {"name": "digits-train", "path": "data/train.csv", "role": "train"}}`,
			Record{Dataset: &Dataset{Name: "digits-train", Path: "data/train.csv", Role: "train"}}},
		{"dataset without role, unknown field", `{"dataset": {"path": "/d/x.parquet", "rows": [1], "name": "x"}}`,
			Record{Dataset: &Dataset{Name: "x", Path: "/d/x.parquet"}}},
		{"dataset free role, escapes", `{"dataset": {"name": "n\u00e9", "path": "a\\b", "role": "calibration set"}}`,
			Record{Dataset: &Dataset{Name: "né", Path: `a\b`, Role: "calibration set"}}},
		{"total", `{"total": 5000}`, Record{Total: 5000}},
		{"total float form", `{"total": 5e3}`, Record{Total: 5000}},
		{"all fields on one line",
			`{"step":1,"time":2,"metrics":{"a":1},"params":{"p":"1"},"tags":{"t":"2"},"eval":{"slice":"s","metrics":{"b":2}},"artifact":{"name":"n","path":"p"},"dataset":{"name":"d","path":"q","role":"test"},"total":9}`,
			Record{HasStep: true, Step: 1, HasTime: true, Time: 2000000, Metrics: ms("a", 1), Params: map[string]string{"p": "1"},
				Tags: map[string]string{"t": "2"}, Eval: &Eval{Slice: "s", Metrics: ms("b", 2)}, Artifact: &Artifact{"n", "p"},
				Dataset: &Dataset{"d", "q", "test"}, Total: 9}},
		{"empty metrics with step", `{"step":4,"metrics":{}}`, Record{HasStep: true, Step: 4}},
		{"unknown fields ignored", `{"v":2,"metrics":{"a":1},"future":{"x":[1,2,{"y":null}]},"s":"\u1234","n":-1.5e7,"b":false}`,
			Record{Metrics: ms("a", 1)}},
		{"duplicate unknown fields ignored", `{"x":1,"x":2,"total":1}`, Record{Total: 1}},
		{"escaped field name", `{"\u0073tep":3}`, Record{HasStep: true, Step: 3}},
		{"whitespace and CR", " \t{ \"metrics\" : { \"a\" : 1 } } \t\r", Record{Metrics: ms("a", 1)}},
		{"trailing newline", "{\"total\":1}\r\n", Record{Total: 1}},
		{"byte order mark", "\xEF\xBB\xBF{\"total\":1}", Record{Total: 1}},
		{"unicode metric name", `{"metrics":{"λ/ß":1,"\u00e9":2}}`, Record{Metrics: ms("λ/ß", 1, "é", 2)}},
		{"name of 250 bytes", `{"metrics":{"` + strings.Repeat("a", 250) + `":1}}`, Record{Metrics: ms(strings.Repeat("a", 250), 1)}},
		{"many metrics", manyMetricsLine(40, false), Record{Metrics: manyMetrics(40)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLine([]byte(tt.line))
			if err != nil {
				t.Fatalf("ParseLine(%s): %v", tt.line, err)
			}
			if d := diffRecord(got, tt.want); d != "" {
				t.Errorf("ParseLine(%s): %s", tt.line, d)
			}
		})
	}
}

func manyMetrics(n int) []Metric {
	var out []Metric
	for i := range n {
		out = append(out, Metric{"m" + strconv.Itoa(i), float64(i)})
	}
	return out
}

func manyMetricsLine(n int, dupLast bool) string {
	var b strings.Builder
	b.WriteString(`{"metrics":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		j := i
		if dupLast && i == n-1 {
			j = 0
		}
		b.WriteString(`"m` + strconv.Itoa(j) + `":` + strconv.Itoa(i))
	}
	b.WriteString("}}")
	return b.String()
}

func TestParseLineInvalid(t *testing.T) {
	long := strings.Repeat("a", 251)
	tests := []struct{ line, err string }{
		// Not an object at all.
		{``, `empty line`},
		{" \t\r", `empty line`},
		{`[1,2]`, `not a JSON object`},
		{`"metrics"`, `not a JSON object`},
		{`loss=0.3`, `not a JSON object`},
		{`null`, `not a JSON object`},
		{`{"metrics":{"a":1}} {"total":1}`, `unexpected data after the JSON object at offset 20`},
		{`{"metrics":{"a":1}}x`, `unexpected data after the JSON object at offset 19`},
		{`{"metrics":{"a":1}`, `unexpected end of line`},
		{`{"metrics":{"a":1}]`, `invalid character ']' at offset 18`},
		{`{"metrics":{"a":1,}}`, `invalid character '}' at offset 18`},
		{`{"metrics":{"a" 1}}`, `invalid character '1' at offset 16`},
		{`{'loss': 0.3}`, `invalid character '\'' at offset 1`},
		{`{"metrics":{"a":01}}`, `invalid character '1' at offset 17`},
		{`{"metrics":{"a":.5}}`, `invalid character '.' at offset 16`},
		{`{"metrics":{"a":1.}}`, `invalid character '}' at offset 18`},
		{`{"metrics":{"a":+1}}`, `invalid character '+' at offset 16`},
		{`{"metrics":{"a":1e}}`, `invalid character '}' at offset 18`},
		{`{"metrics":{"a":NaN}}`, `invalid character 'N' at offset 16`},
		{`{"metrics":{"a":tru}}`, `invalid character '}' at offset 19`},
		{`{"metrics":{"a` + "\t" + `":1}}`, `control character byte 0x09 in string at offset 14`},
		{`{"metrics":{"a\x":1}}`, `invalid escape 'x' in string at offset 14`},
		{`{"metrics":{"a\u12":1}}`, `invalid \u escape in string at offset 14`},
		{`{"metrics":{"a`, `unexpected end of line in string`},
		{`{"x":[1,2}`, `invalid character '}' at offset 9`},
		{`{"x":{"a":1,"b"}}`, `invalid character '}' at offset 15`},
		{"{\"total\":1}\x00", `unexpected data after the JSON object at offset 11`},
		// No known field.
		{`{}`, `no known field`},
		{`{"loss":0.3,"acc":0.9}`, `no known field`},
		{`{"Step":1}`, `no known field`},
		// Duplicates.
		{`{"step":1,"step":2}`, `duplicate field "step"`},
		{`{"metrics":{"a":1},"metrics":{"b":1}}`, `duplicate field "metrics"`},
		{`{"metrics":{"a":1,"b":2,"a":3}}`, `duplicate metric "a"`},
		{`{"metrics":{"a":1,"\u0061":3}}`, `duplicate metric "a"`},
		{manyMetricsLine(50, true), `duplicate metric "m0"`},
		{`{"params":{"a":1,"a":2}}`, `duplicate param "a"`},
		{`{"tags":{"a":1,"a":2}}`, `duplicate tag "a"`},
		{`{"eval":{"slice":"a","slice":"b","metrics":{}}}`, `eval: duplicate field "slice"`},
		{`{"eval":{"slice":"a","metrics":{"x":1,"x":1}}}`, `duplicate eval metric "x"`},
		{`{"artifact":{"name":"a","name":"b","path":"p"}}`, `artifact: duplicate field "name"`},
		// step / total.
		{`{"step":12.5}`, `step 12.5 is not an integer`},
		{`{"step":1e-1}`, `step 1e-1 is not an integer`},
		{`{"step":"12"}`, `step must be a number, got a string`},
		{`{"step":null}`, `step must be a number, got null`},
		{`{"step":true}`, `step must be a number, got a boolean`},
		{`{"step":[1]}`, `step must be a number, got an array`},
		{`{"step":9223372036854775808}`, `step 9223372036854775808 is out of range`},
		{`{"step":-9223372036854775809}`, `step -9223372036854775809 is out of range`},
		{`{"step":1e19}`, `step 1e19 is out of range`},
		{`{"step":1e999999999999}`, `step 1e999999999999 is out of range`},
		{`{"step":` + strings.Repeat("9", 100) + `}`, `step ` + strings.Repeat("9", 40) + `… is out of range`},
		{`{"total":0}`, `total 0 is not positive`},
		{`{"total":-3}`, `total -3 is not positive`},
		{`{"total":2.5}`, `total 2.5 is not an integer`},
		{`{"total":"5"}`, `total must be a number, got a string`},
		// time.
		{`{"time":"2024-01-01"}`, `time must be a number, got a string`},
		{`{"time":1e13}`, `time 1e13 is out of range`},
		{`{"time":1e309}`, `time 1e309 is out of range`},
		// metrics.
		{`{"metrics":{}}`, `metrics is empty`},
		{`{"metrics":{},"other":1}`, `metrics is empty`},
		{`{"metrics":[1]}`, `metrics must be an object, got an array`},
		{`{"metrics":null}`, `metrics must be an object, got null`},
		{`{"metrics":{"loss":true}}`, `metric "loss": value is a boolean`},
		{`{"metrics":{"loss":null}}`, `metric "loss": value is null`},
		{`{"metrics":{"loss":{"v":1}}}`, `metric "loss": value is an object`},
		{`{"metrics":{"loss":[1]}}`, `metric "loss": value is an array`},
		{`{"metrics":{"loss":"0.3"}}`, `metric "loss": value "0.3" is not a number`},
		{`{"metrics":{"loss":"Infinit"}}`, `metric "loss": value "Infinit" is not a number`},
		{`{"metrics":{"loss":"-nan"}}`, `metric "loss": value "-nan" is not a number`},
		{`{"metrics":{"loss":""}}`, `metric "loss": value "" is not a number`},
		{`{"metrics":{"loss":1e309}}`, `metric "loss": value 1e309 is out of range`},
		{`{"metrics":{"loss":-1e309}}`, `metric "loss": value -1e309 is out of range`},
		{`{"metrics":{"a":1,"":2}}`, `metric name is empty`},
		{`{"metrics":{"` + long + `":1}}`, `metric name "` + strings.Repeat("a", 60) + `"… is longer than 250 bytes`},
		{`{"metrics":{"a\nb":1}}`, `metric name "a\nb" contains a control character`},
		{`{"metrics":{"a\u0000":1}}`, `metric name "a\x00" contains a control character`},
		{"{\"metrics\":{\"a\x7f\":1}}", `metric name "a\x7f" contains a control character`},
		{`{"metrics":{"a\u0085":1}}`, `metric name "a\u0085" contains a control character`},
		{"{\"metrics\":{\"a\xff\":1}}", `metric name "a\xff" is not valid UTF-8`},
		// params / tags.
		{`{"params":[1]}`, `params must be an object, got an array`},
		{`{"params":"lr=1"}`, `params must be an object, got a string`},
		{`{"params":{"":1}}`, `param name is empty`},
		{`{"tags":{"a\tb":1}}`, `tag name "a\tb" contains a control character`},
		{`{"params":{"a":[1,}}`, `invalid character '}' at offset 18`},
		// eval.
		{`{"eval":{"metrics":{"a":1}}}`, `eval slice is missing`},
		{`{"eval":{"slice":"a"}}`, `eval metrics is missing`},
		{`{"eval":{"slice":"","metrics":{}}}`, `eval slice is empty`},
		{`{"eval":{"slice":3,"metrics":{}}}`, `eval slice must be a string, got a number`},
		{`{"eval":{"slice":"s","metrics":{"acc":"high"}}}`, `eval metric "acc": value "high" is not a number`},
		{`{"eval":{"slice":"s","metrics":[]}}`, `eval metrics must be an object, got an array`},
		{`{"eval":"s"}`, `eval must be an object, got a string`},
		// artifact.
		{`{"artifact":{"name":"m"}}`, `artifact path is missing`},
		{`{"artifact":{"path":"p"}}`, `artifact name is missing`},
		{`{"artifact":{"name":"","path":"p"}}`, `artifact name is empty`},
		{`{"artifact":{"name":"m","path":null}}`, `artifact path must be a string, got null`},
		{`{"artifact":null}`, `artifact must be an object, got null`},
		// dataset.
		{`{"dataset":{"name":"d"}}`, `dataset path is missing`},
		{`{"dataset":{"path":"p","role":"train"}}`, `dataset name is missing`},
		{`{"dataset":{"name":"","path":"p"}}`, `dataset name is empty`},
		{`{"dataset":{"name":"d","path":""}}`, `dataset path is empty`},
		{`{"dataset":{"name":"d","path":"p","role":""}}`, `dataset role is empty`},
		{`{"dataset":{"name":"d","path":"p","role":null}}`, `dataset role must be a string, got null`},
		{`{"dataset":{"name":"d","path":7}}`, `dataset path must be a string, got a number`},
		{`{"dataset":{"name":"a","path":"p","name":"b"}}`, `dataset: duplicate field "name"`},
		{`{"dataset":{"name":"a","path":"p","role":"x","role":"y"}}`, `dataset: duplicate field "role"`},
		{`{"dataset":{"name":"a","path":"p"},"dataset":{"name":"b","path":"q"}}`, `duplicate field "dataset"`},
		{`{"dataset":"data/train.csv"}`, `dataset must be an object, got a string`},
		{`{"dataset":{"name":"d","path":"p"}`, `unexpected end of line`},
	}
	for _, tt := range tests {
		got, err := ParseLine([]byte(tt.line))
		if err == nil {
			t.Errorf("ParseLine(%q) = %+v, want error %q", tt.line, got, tt.err)
			continue
		}
		if err.Error() != tt.err {
			t.Errorf("ParseLine(%q) error\n got %s\nwant %s", tt.line, err, tt.err)
		}
		if d := diffRecord(got, Record{}); d != "" {
			t.Errorf("ParseLine(%q) returned a partial record with its error: %s", tt.line, d)
		}
	}
}

func TestParseLineNesting(t *testing.T) {
	nest := func(n int, close bool) string {
		s := strings.Repeat("[", n)
		if close {
			s += strings.Repeat("]", n)
		}
		return s
	}
	// 1000 levels are kept as compact text; 1001 are refused.
	rec, err := ParseLine([]byte(`{"params":{"deep":` + nest(maxNesting, true) + `}}`))
	if err != nil || rec.Params["deep"] != nest(maxNesting, true) {
		t.Errorf("nesting %d: err %v", maxNesting, err)
	}
	for _, line := range []string{
		`{"params":{"deep":` + nest(maxNesting+1, true) + `}}`,
		`{"params":{"deep":` + nest(100000, false),
		`{"params":{"deep":` + nest(100000, true) + `}}`,
		`{"unknown":` + nest(100000, true) + `,"total":1}`,
		`{"metrics":{"a":1},"x":` + strings.Repeat(`{"a":`, 100000),
	} {
		_, err := ParseLine([]byte(line))
		if err == nil {
			t.Errorf("nesting %d: no error", len(line))
			continue
		}
		if len(err.Error()) > 100 {
			t.Errorf("error too long: %s", err)
		}
	}
}

// TestErrorsAreShort checks that errors stay one short line whatever the
// input, since the engine shows them to users.
func TestErrorsAreShort(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	for _, line := range []string{
		big,
		`{"metrics":{"` + big + `":1}}`,
		`{"metrics":{"a":"` + big + `"}}`,
		`{"metrics":{"a":` + strings.Repeat("1", 1<<20) + `e999}}`,
		`{"step":1.` + strings.Repeat("5", 1<<20) + `}`,
		`{"metrics":{"a\n` + big + `":1}}`,
	} {
		_, err := ParseLine([]byte(line))
		if err == nil {
			t.Fatalf("no error")
		}
		if msg := err.Error(); len(msg) > 200 || strings.ContainsAny(msg, "\n\r") {
			t.Errorf("error %q is not one short line", msg)
		}
	}
}

func TestDecimalToInt(t *testing.T) {
	tests := []struct {
		text      string
		scale     int
		v         int64
		exact, ok bool
	}{
		{"0", 0, 0, true, true},
		{"-0", 0, 0, true, true},
		{"12", 0, 12, true, true},
		{"12.0", 0, 12, true, true},
		{"12.5", 0, 13, false, true},
		{"-12.5", 0, -13, false, true},
		{"12.49999999999999999999", 0, 12, false, true},
		{"0.5", 0, 1, false, true},
		{"0.05", 0, 0, false, true},
		{"1e-999999999", 0, 0, false, true},
		{"0e999999999", 0, 0, true, true},
		{"9223372036854775807", 0, math.MaxInt64, true, true},
		{"9223372036854775806.5", 0, math.MaxInt64, false, true},
		{"9223372036854775807.5", 0, 0, false, false},
		{"9223372036854775806.4", 0, math.MaxInt64 - 1, false, true},
		{"-9223372036854775808", 0, math.MinInt64, true, true},
		{"-9223372036854775807.5", 0, math.MinInt64, false, true},
		{"-9223372036854775808.5", 0, 0, false, false},
		{"92233720368547758.07e2", 0, math.MaxInt64, true, true},
		{"1732280000.123", 6, 1732280000123000, true, true},
		{"1732280000.1234565", 6, 1732280000123457, false, true},
		{"-1732280000.1234565", 6, -1732280000123457, false, true},
		{"1.5e-6", 6, 2, false, true},
		{"0.0000004999", 6, 0, false, true},
		{"9223372036854.775807", 6, math.MaxInt64, true, true},
		{"9223372036854.775808", 6, 0, false, false},
		{"00000", 0, 0, true, true}, // not JSON, but must not misbehave
	}
	for _, tt := range tests {
		v, exact, ok := decimalToInt([]byte(tt.text), tt.scale)
		if ok != tt.ok || (ok && (v != tt.v || exact != tt.exact)) {
			t.Errorf("decimalToInt(%s, %d) = %d, %v, %v; want %d, %v, %v", tt.text, tt.scale, v, exact, ok, tt.v, tt.exact, tt.ok)
		}
	}
}

// TestNumberFastPath compares the scanner's own conversion with strconv on
// many random and edge-case JSON numbers.
func TestNumberFastPath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	texts := []string{"0", "-0", "1", "0.1", "0.30000000000000004", "123456789012345", "1234567890123456",
		"999999999999999e22", "999999999999999e-22", "1e22", "1e23", "1e-22", "1e-23", "4.9e-324", "2.4703282292062328e-324",
		"1.7976931348623157e308", "1.7976931348623159e308", "0.000000000000000000000000001", "100000000000000000000000",
		"1.00000000000000011102230246251565404236316680908203125", "9007199254740993", "-5e-324"}
	for range 100000 {
		var s string
		switch r.IntN(4) {
		case 0:
			s = strconv.FormatFloat(math.Float64frombits(r.Uint64()), 'g', -1, 64)
		case 1:
			s = strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(40)-20)), 'f', r.IntN(20), 64)
		case 2:
			s = strconv.FormatInt(r.Int64()>>r.IntN(63), 10)
		default:
			s = strconv.FormatUint(r.Uint64N(1e15), 10) + "e" + strconv.Itoa(r.IntN(60)-30)
		}
		if strings.ContainsAny(s, "NI") || strings.HasPrefix(strings.TrimPrefix(s, "-"), ".") {
			continue // NaN/Inf, or forms JSON does not allow
		}
		texts = append(texts, s)
	}
	for _, text := range texts {
		sc := scanner{b: []byte(text)}
		n, err := sc.readNumber()
		if err != nil || sc.i != len(text) {
			t.Errorf("readNumber(%s): %v at %d", text, err, sc.i)
			continue
		}
		got, ok := n.float()
		want, werr := strconv.ParseFloat(text, 64)
		if ok != (werr == nil) || (ok && !sameFloat(got, want)) {
			t.Errorf("float(%s) = %v, %v; strconv says %v, %v", text, got, ok, want, werr)
		}
	}
}

func TestParseLineAllocs(t *testing.T) {
	line := []byte(benchLine)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := ParseLine(line); err != nil {
			t.Fatal(err)
		}
	})
	// One slice of metrics and one string holding all names.
	if allocs > 2 {
		t.Errorf("ParseLine allocates %v times per line, want ≤ 2", allocs)
	}
}

func TestParseLineDoesNotKeepInput(t *testing.T) {
	line := []byte(`{"metrics":{"loss":1},"params":{"p":"v"},"eval":{"slice":"s","metrics":{"a":1}},"artifact":{"name":"n","path":"p"},"dataset":{"name":"d","path":"q","role":"r"}}`)
	rec, err := ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	for i := range line {
		line[i] = 'X' // the engine reuses its read buffer
	}
	if rec.Metrics[0].Name != "loss" || rec.Params["p"] != "v" || rec.Eval.Slice != "s" || rec.Eval.Metrics[0].Name != "a" ||
		rec.Artifact.Name != "n" || rec.Artifact.Path != "p" || *rec.Dataset != (Dataset{"d", "q", "r"}) {
		t.Errorf("record changed with its input: %+v", rec)
	}
}

func TestParseOutputLine(t *testing.T) {
	tests := []struct {
		name, line string
		kv         bool
		ok         bool
		err        string
		want       Record
	}{
		{"plain text", "Epoch 1/10", false, false, "", Record{}},
		{"plain text kv", "Epoch 1/10", true, false, "", Record{}},
		{"kv off", "loss=0.3 step=4", false, false, "", Record{}},
		{"kv on", "loss=0.3 step=4", true, true, "", Record{HasStep: true, Step: 4, Metrics: ms("loss", 0.3)}},
		{"json metrics", `  {"step": 3, "metrics": {"loss": 0.5}}`, false, true, "", Record{HasStep: true, Step: 3, Metrics: ms("loss", 0.5)}},
		{"json metrics with other fields", `{"metrics": {"a": 1}, "params": {"p": 1}}`, true, true, "",
			Record{Metrics: ms("a", 1), Params: map[string]string{"p": "1"}}},
		{"json metrics empty with step", `{"step": 3, "metrics": {}}`, false, true, "", Record{HasStep: true, Step: 3}},
		{"json metrics invalid", `{"metrics": {"loss": "high"}}`, true, false, `metric "loss": value "high" is not a number`, Record{}},
		{"json metrics empty alone", `{"metrics": {}}`, true, false, `metrics is empty`, Record{}},
		{"json metrics bad step", `{"metrics": {"a": 1}, "step": 1.5}`, true, false, `step 1.5 is not an integer`, Record{}},
		{"json without metrics is text", `{"event": "start", "lr": 0.1}`, true, false, "", Record{}},
		{"valid record without metrics is text", `{"step": 3, "total": 10}`, false, false, "", Record{}},
		{"json without metrics, kv inside", `{"msg": "loss=0.5"}`, true, false, "", Record{}},
		{"python dict", `{'loss': 0.3, 'learning_rate': 5e-05, 'epoch': 0.5}`, true, false, "", Record{}},
		{"broken json mentioning metrics", `{"metrics": {"loss": 0.5}`, true, false, "", Record{}},
		{"brace text with kv", `{ step=3 loss=0.25 }`, true, true, "", Record{HasStep: true, Step: 3, Metrics: ms("loss", 0.25)}},
		{"nested metrics key does not count", `{"data": {"metrics": {"a": true}}}`, true, false, "", Record{}},
		{"CRLF", "{\"metrics\": {\"a\": 1}}\r", false, true, "", Record{Metrics: ms("a", 1)}},
		{"empty", "", true, false, "", Record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok, err := ParseOutputLine([]byte(tt.line), tt.kv)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Errorf("error %v, want %s", err, tt.err)
			}
			if d := diffRecord(rec, tt.want); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestExperimentLine(t *testing.T) {
	rec, err := ParseLine([]byte(`{"experiment": "digits", "tags": {"a": "b"}}`))
	if err != nil || len(rec.Metrics) != 0 || rec.Experiment != "digits" || rec.Tags["a"] != "b" {
		t.Errorf("experiment line = %+v %v", rec, err)
	}
	for _, bad := range []string{`{"experiment": ""}`, `{"experiment": 3}`, `{"experiment": "a\u0001b"}`, `{"experiment": "a", "experiment": "b"}`} {
		if _, err := ParseLine([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
