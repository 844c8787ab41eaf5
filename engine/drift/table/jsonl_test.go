package table

import (
	"errors"
	"strings"
	"testing"
)

func TestJSONL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opt  Options
		want string
	}{{
		name: "types and missing values",
		in: lines(`{"n": 1, "s": "a", "b": true, "z": null}`,
			`{"n": -2.5e1, "s": "b", "b": false, "z": null}`,
			`{"s": "", "b": true}`),
		want: lines("jsonl rows=3 bad=0",
			"n numeric: 1 -25 .",
			// "" is missing, as an empty CSV field is.
			"s categorical: a b .",
			"b categorical: true false true",
			"z numeric: . . ."),
	}, {
		name: "late keys are missing before",
		in:   lines(`{"a":1}`, `{"a":2,"b":"x"}`, `{"c":3}`),
		want: lines("jsonl rows=3 bad=0", "a numeric: 1 2 .", "b categorical: . x .", "c numeric: . . 3"),
	}, {
		name: "quoted numbers are numbers, numbers turned late are canonical",
		in:   lines(`{"a":"3","b":1.50}`, `{"a":" 41.3 ","b":"x"}`, `{"a":4,"b":1.5}`, `{"a":"1e999","b":"007"}`),
		want: lines("jsonl rows=4 bad=0", "a numeric: 3 41.3 4 +Inf", "b categorical: 1.5 x 1.5 7"),
	}, {
		name: "quoted missing spellings are missing, other text as written",
		in: lines(`{"a":"NA","b":" x "}`, `{"a":"None","b":"null"}`, `{"a":"-nan","b":"#N/A"}`, `{"a":"","b":"  "}`,
			`{"a":"nil","b":"n/a"}`, `{"a":2,"b":"<NA>"}`),
		want: lines("jsonl rows=6 bad=0", "a numeric: . . . . . 2", `b categorical: " x " . . . . .`),
	}, {
		name: "Python's NaN and infinities",
		in:   lines(`{"x": NaN}`, `{"x": Infinity}`, `{"x": -Infinity}`, `{"x": 1e999}`),
		want: lines("jsonl rows=4 bad=0", "x numeric: . +Inf -Inf +Inf"),
	}, {
		name: "escapes",
		in:   lines(`{"k\u00e9y": "a\"b\\c\u00e9\n", "t": "\ud83d\ude00"}`),
		want: lines("jsonl rows=1 bad=0", `kéy categorical: "a\"b\\cé\n"`, "t categorical: 😀"),
	}, {
		name: "nested values are bad",
		in:   lines(`{"a":1,"o":{"x":1}}`, `{"a":2,"l":[1,2]}`, `{"a":3}`),
		want: lines("jsonl rows=1 bad=2", "a numeric: 3",
			`line 1: column "o": nested object`,
			`line 2: column "l": nested array`),
	}, {
		name: "lines that are not objects are bad",
		in: lines(`[1,2]`, `42`, `"s"`, `null`, `{"a":1} {"a":2}`, `{"a":1,}`, `{"a" 1}`,
			`{"a":01}`, `{"a":tru}`, `{"a":"x`, `{a:1}`, `{"a":1`, `{"a":"\x"}`, "{\"a\":\"\t\"}", `{"a":4}`),
		want: lines("jsonl rows=1 bad=14", "a numeric: 4",
			"line 1: not a JSON object",
			"line 2: not a JSON object",
			"line 3: not a JSON object",
			"line 4: not a JSON object",
			"line 5: invalid JSON at column 9: data after the object",
			"line 6: invalid JSON at column 8: expected a key",
			"line 7: invalid JSON at column 6: expected :",
			"line 8: invalid JSON at column 7: expected , or }",
			"line 9: invalid JSON at column 6: expected a value",
			"line 10: invalid JSON at column 6: unterminated string"),
	}, {
		name: "a repeated key is bad",
		in:   lines(`{"a":1,"a":2}`, `{"a":3,"b":1,"b":2}`, `{"a":4}`),
		want: lines("jsonl rows=1 bad=2", "a numeric: 4",
			`line 1: key "a" repeated`, `line 2: key "b" repeated`),
	}, {
		name: "a bad line adds no column",
		in:   lines(`{"a":1}`, `{"a":2,"new":"x","o":{}}`, `{"a":3}`),
		want: lines("jsonl rows=2 bad=1", "a numeric: 1 3", `line 2: column "o": nested object`),
	}, {
		name: "blank lines and a missing final newline",
		in:   "\n  \n{\"a\":1}\n\r\n{\"a\":2}",
		want: lines("jsonl rows=2 bad=0", "a numeric: 1 2"),
	}, {
		name: "forced kinds: text in a numeric column is a bad cell",
		in: lines(`{"n":"1.5","c":1.50,"b":true}`, `{"n":" NA ","c":true,"b":false}`,
			`{"n":"x","c":1,"b":true}`, `{"n":null,"c":null,"b":null}`, `{"n":"2","c":"NA","b":"yes"}`),
		opt: Options{Types: map[string]Kind{"n": Numeric, "c": Categorical, "b": Numeric}},
		want: lines("jsonl rows=5 bad=0 bad cells=2",
			"n numeric: 1.5 . . . 2",
			`n bad cells=1, first line 3: column "n": "x" is not a number`,
			"c categorical: 1.50 true 1 . .",
			"b numeric: 1 0 1 . .",
			`b bad cells=1, first line 5: column "b": "yes" is not a number`),
	}, {
		name: "hints",
		in:   lines(`{"c":1.50,"n":1}`, `{"c":"x","n":"2"}`, `{"c":true,"n":true}`),
		opt:  Options{Hints: map[string]Kind{"c": Categorical, "n": Numeric, "absent": Categorical}},
		want: lines("jsonl rows=3 bad=0", "c categorical: 1.5 x true", "n numeric: 1 2 1"),
	}, {
		name: "hinted numeric: text in every row is a bad cell, the other columns are kept",
		in:   lines(`{"age":"old","income":41.3,"city":"Oslo"}`, `{"age":"young","income":"52","city":"Lyon"}`),
		opt:  Options{Hints: map[string]Kind{"age": Numeric, "income": Numeric, "city": Categorical}},
		want: lines("jsonl rows=2 bad=0 bad cells=2", "age numeric: . .",
			`age bad cells=2, first line 1: column "age": "old" is not a number`,
			"income numeric: 41.3 52", "city categorical: Oslo Lyon"),
	}, {
		name: "a subset skips the other keys, nested or not",
		in:   lines(`{"meta":{"a":[1,{"b":"}"}]},"x":1,"tags":["q"]}`, `{"x":2,"y":"z"}`),
		opt:  Options{Columns: []string{"x"}},
		want: lines("jsonl rows=2 bad=0", "x numeric: 1 2"),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Format = "jsonl"
			if got := dump(readString(t, tt.in, tt.opt)); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestJSONLLongLine(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", maxJSONLine) + `"}`
	in := lines(`{"a":"short"}`, long, `{"a":"after"}`)
	got := dump(readString(t, in, Options{Format: "jsonl"}))
	want := lines("jsonl rows=2 bad=1", "a categorical: short after", "line 2: line longer than 16 MiB")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// A line longer than the read buffer but under the limit is read whole.
	mid := `{"a":"` + strings.Repeat("y", 200_000) + `"}`
	tb := readString(t, lines(mid), Options{Format: "jsonl"})
	if c := tb.Column("a"); tb.Rows != 1 || c == nil || len(c.Levels[0]) != 200_000 {
		t.Errorf("a 200 kB line was not read whole: %d rows", tb.Rows)
	}
}

func TestJSONLErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opt  Options
		kind error
		want string
	}{
		{"empty", "", Options{}, ErrUnreadable, "empty file: no JSON lines"},
		{"blank", "\n \n", Options{}, ErrUnreadable, "empty file: no JSON lines"},
		{"unknown column lists the keys of good lines", lines(`{"a":1,"b":2}`, `{"c":3}`, `{"bad":1,}`),
			Options{Columns: []string{"a", "bad"}}, ErrNoColumn, `no column "bad"; the file has "a", "b", "c"`},
		{"unknown typed column", lines(`{"a":1}`), Options{Types: map[string]Kind{"b": Numeric}}, ErrNoColumn,
			`no column "b"; the file has "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Format = "jsonl"
			_, err := Read(strings.NewReader(tt.in), tt.opt)
			if err == nil || err.Error() != tt.want || !errors.Is(err, tt.kind) {
				t.Errorf("got %v, want %q (%v)", err, tt.want, tt.kind)
			}
		})
	}
}
