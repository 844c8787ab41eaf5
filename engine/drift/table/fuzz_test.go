package table

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// checkTable checks what holds for any table read: every column has one
// entry per row, codes point into distinct levels, bad cells are missing
// values of numeric columns, and the bad rows kept are the first ones, in
// file order, within the file. maxLine is the number of lines (text
// formats) or rows (Parquet) the file can have.
func checkTable(t *testing.T, tb *Table, maxLine int) {
	t.Helper()
	names := make(map[string]bool)
	badCells := 0
	for _, c := range tb.Columns {
		if names[c.Name] {
			t.Fatalf("column %q twice", c.Name)
		}
		names[c.Name] = true
		badCells += c.BadCells
		if c.BadCells < 0 || c.BadCells > tb.Rows || c.BadCells > 0 && (c.Kind != Numeric || c.Missing() < c.BadCells) {
			t.Fatalf("%v %q: %d bad cells, %d missing, %d rows", c.Kind, c.Name, c.BadCells, c.Missing(), tb.Rows)
		}
		if (c.BadCells > 0) != (c.FirstBadCell != nil) ||
			c.FirstBadCell != nil && (c.FirstBadCell.Line < 1 || c.FirstBadCell.Line > maxLine || c.FirstBadCell.Reason == "") {
			t.Fatalf("column %q: %d bad cells, first %+v, in %d lines", c.Name, c.BadCells, c.FirstBadCell, maxLine)
		}
		switch c.Kind {
		case Numeric:
			if len(c.Values) != tb.Rows || c.Codes != nil || c.Levels != nil {
				t.Fatalf("numeric %q: %d values, %d codes, %d levels for %d rows",
					c.Name, len(c.Values), len(c.Codes), len(c.Levels), tb.Rows)
			}
		case Categorical:
			if len(c.Codes) != tb.Rows || c.Values != nil {
				t.Fatalf("categorical %q: %d codes, %d values for %d rows", c.Name, len(c.Codes), len(c.Values), tb.Rows)
			}
			used := make([]bool, len(c.Levels))
			for _, code := range c.Codes {
				if code < -1 || int(code) >= len(c.Levels) {
					t.Fatalf("categorical %q: code %d with %d levels", c.Name, code, len(c.Levels))
				}
				if code >= 0 {
					used[code] = true
				}
			}
			levels := make(map[string]bool)
			for i, level := range c.Levels {
				if levels[level] || !used[i] {
					t.Fatalf("categorical %q: level %q repeated or unused", c.Name, level)
				}
				levels[level] = true
			}
		default:
			t.Fatalf("column %q of kind %v", c.Name, c.Kind)
		}
	}
	if tb.BadCells != badCells {
		t.Fatalf("table: %d bad cells, its columns %d", tb.BadCells, badCells)
	}
	if tb.Rows+tb.Bad > maxLine {
		t.Fatalf("%d rows and %d bad rows in %d lines", tb.Rows, tb.Bad, maxLine)
	}
	if len(tb.FirstBad) != min(tb.Bad, MaxBadKept) {
		t.Fatalf("%d bad rows kept of %d", len(tb.FirstBad), tb.Bad)
	}
	for i, bad := range tb.FirstBad {
		if bad.Line < 1 || bad.Line > maxLine || i > 0 && bad.Line <= tb.FirstBad[i-1].Line {
			t.Fatalf("bad rows out of order or out of the file: %+v", tb.FirstBad)
		}
	}
}

// checkInference checks the 99% rule on the numeric columns of a table
// read without Types or Hints: at most 1% of the values that are not
// missing are bad cells, and none under 100 values.
func checkInference(t *testing.T, tb *Table) {
	t.Helper()
	for _, c := range tb.Columns {
		if c.Kind == Numeric && !ruleSaysNumeric(c) {
			t.Fatalf("column %q is numeric with %d bad cells of %d values", c.Name, c.BadCells, tb.Rows-c.Missing()+c.BadCells)
		}
	}
}

// ruleSaysNumeric says whether the 99% rule makes a column read numeric,
// its texts bad cells, numeric.
func ruleSaysNumeric(c *Column) bool {
	n := len(c.Values) - c.Missing() + c.BadCells
	return c.BadCells == 0 || n >= 100 && 100*c.BadCells <= n
}

func lineCount(data []byte) int { return bytes.Count(data, []byte("\n")) + 1 }

func FuzzCSV(f *testing.F) {
	for _, seed := range []string{
		lines("a,b,c", "1,x,2.5", "NA,y,inf", `3,"q,""r""",`, "", "4,5"),
		"\xef\xbb\xbfa\r\n1\r\n\"2\n3\"\r\n",
		lines("a,b", `1,x"y`, `2,"p"q`, `3,"open`),
		lines("a", "1", "x", "-Infinity", "1e999"),
		lines("a,b", "1,x", "None,-nan", "#N/A,nil", "2,<NA>"),
		"a,b\n" + strings.Repeat("1,2\n", 120) + "x,y\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Read(bytes.NewReader(data), Options{Format: "csv"})
		if err != nil {
			return
		}
		checkTable(t, tb, lineCount(data))
		checkInference(t, tb)
		if len(tb.Columns) < 2 {
			return
		}
		// Forcing kinds changes which cells are bad, not which rows.
		first := tb.Columns[0]
		forced, err := Read(bytes.NewReader(data), Options{Format: "csv", Types: map[string]Kind{
			first.Name: Numeric, tb.Columns[1].Name: Categorical,
		}})
		if err != nil {
			t.Fatalf("forcing kinds: %v", err)
		}
		checkTable(t, forced, lineCount(data))
		if forced.Rows != tb.Rows || forced.Bad != tb.Bad {
			t.Fatalf("forcing kinds changed the rows: %d and %d bad, was %d and %d", forced.Rows, forced.Bad, tb.Rows, tb.Bad)
		}
		// Forced numeric, the first column is what inference made of it,
		// or what the 99% rule turned categorical.
		same := forced.Columns[0]
		switch {
		case first.Kind == Categorical && ruleSaysNumeric(same):
			t.Fatalf("column %q is categorical, but forced numeric has %d bad cells of %d values",
				first.Name, same.BadCells, tb.Rows-same.Missing()+same.BadCells)
		case first.Kind == Numeric && (same.BadCells != first.BadCells || !sameValues(same.Values, first.Values) ||
			first.FirstBadCell != nil && *same.FirstBadCell != *first.FirstBadCell):
			t.Fatalf("column %q: forced numeric %d bad cells (%+v), inferred %d (%+v), or other values",
				first.Name, same.BadCells, same.FirstBadCell, first.BadCells, first.FirstBadCell)
		}
	})
}

// sameValues says whether two columns of numbers are the same, NaN for NaN.
func sameValues(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
}

func FuzzJSONL(f *testing.F) {
	for _, seed := range []string{
		lines(`{"a":1,"b":"x","c":true,"d":null}`, `{"a":2.5e3,"e":"late"}`, "", `{"a":"\u00e9\n"}`),
		lines(`{"a":{"b":1}}`, `[1]`, `{"a":[1,2]}`, `{"a":NaN,"b":-Infinity}`, `{"a":1,"a":2}`),
		lines(`{"a":1,}`, `{"a":01}`, `{"a":"x`, `{} `),
		lines(`{"a":"41.3","b":" NA "}`, `{"a":2,"b":"None"}`, `{"a":"x","b":""}`),
		strings.Repeat(`{"a":1,"b":"2"}`+"\n", 120) + `{"a":true,"b":"y"}` + "\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Read(bytes.NewReader(data), Options{Format: "jsonl"})
		if err != nil {
			return
		}
		checkTable(t, tb, lineCount(data))
		checkInference(t, tb)
		if bytes.Contains(data, []byte("NaN")) || bytes.Contains(data, []byte("Infinity")) {
			return // Python's tokens, which encoding/json rejects
		}
		// Line by line, the scanner agrees with encoding/json.
		for i, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 || i > 50 {
				continue
			}
			one, err := Read(bytes.NewReader(line), Options{Format: "jsonl"})
			if err != nil && isText(line) {
				t.Fatalf("line %d: %v", i+1, err)
			}
			if err != nil {
				// Control bytes are no JSON, in a string or out.
				if flatObject(bytes.TrimPrefix(line, utf8BOM)) {
					t.Fatalf("line %d %q is not text but encoding/json reads it", i+1, line)
				}
				continue
			}
			if want := flatObject(bytes.TrimPrefix(line, utf8BOM)); (one.Rows == 1) != want {
				t.Fatalf("line %d %q: read %d rows (%v), encoding/json says flat object: %v", i+1, line, one.Rows, one.FirstBad, want)
			}
		}
	})
}

// flatObject says, with encoding/json, whether a line is one JSON object of
// scalar values with distinct keys.
func flatObject(line []byte) bool {
	if !json.Valid(line) {
		return false
	}
	d := json.NewDecoder(bytes.NewReader(line))
	if tok, _ := d.Token(); tok != json.Delim('{') {
		return false
	}
	keys := make(map[string]bool)
	for d.More() {
		key, _ := d.Token()
		if keys[key.(string)] {
			return false
		}
		keys[key.(string)] = true
		if value, _ := d.Token(); value == json.Delim('{') || value == json.Delim('[') {
			return false
		}
	}
	_, err := d.Token() // the closing brace
	return err == nil
}

func FuzzParquet(f *testing.F) {
	for _, name := range fixtures {
		data, err := os.ReadFile(fixtureDir + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	var buf bytes.Buffer
	note := "n"
	if err := parquet.Write(&buf, []pqRow{{Flag: true, F32: 1, Cents: 5, Note: &note, Mood: "m", Tags: []string{"t"}}, {}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		// A damaged file must not make the reader allocate what it claims:
		// running out of memory is the one failure nothing can recover.
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tb, err := Read(bytes.NewReader(data), Options{Format: "parquet"})
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<30 {
			t.Fatalf("%d bytes of input made the reader allocate %d MiB", len(data), alloc>>20)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "unreadable Parquet file: ") {
				t.Fatalf("error %q does not say the file is unreadable", err)
			}
			return
		}
		checkTable(t, tb, tb.Rows+tb.Bad)
	})
}

// TestReadNeverReadsPastAnError makes sure a reader that fails midway gives
// an error, not a short table.
func TestReadNeverReadsPastAnError(t *testing.T) {
	for _, format := range []string{"csv", "jsonl", "parquet"} {
		r := io.MultiReader(strings.NewReader("a\n1\n"), failingReader{})
		if _, err := Read(r, Options{Format: format}); err == nil {
			t.Errorf("%s: no error from a failing reader", format)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
