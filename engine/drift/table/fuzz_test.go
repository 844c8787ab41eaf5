package table

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// checkTable checks what holds for any table read: every column has one
// entry per row, codes point into distinct levels, and the bad rows kept are
// the first ones, in file order, within the file. maxLine is the number of
// lines (text formats) or rows (Parquet) the file can have.
func checkTable(t *testing.T, tb *Table, maxLine int) {
	t.Helper()
	names := make(map[string]bool)
	for _, c := range tb.Columns {
		if names[c.Name] {
			t.Fatalf("column %q twice", c.Name)
		}
		names[c.Name] = true
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

func lineCount(data []byte) int { return bytes.Count(data, []byte("\n")) + 1 }

func FuzzCSV(f *testing.F) {
	for _, seed := range []string{
		lines("a,b,c", "1,x,2.5", "NA,y,inf", `3,"q,""r""",`, "", "4,5"),
		"\xef\xbb\xbfa\r\n1\r\n\"2\n3\"\r\n",
		lines("a,b", `1,x"y`, `2,"p"q`, `3,"open`),
		lines("a", "1", "x", "-Infinity", "1e999"),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Read(bytes.NewReader(data), Options{Format: "csv"})
		if err != nil {
			return
		}
		checkTable(t, tb, lineCount(data))
		if len(tb.Columns) < 2 {
			return
		}
		// Forcing kinds changes which rows are bad, not the invariants.
		forced, err := Read(bytes.NewReader(data), Options{Format: "csv", Types: map[string]Kind{
			tb.Columns[0].Name: Numeric, tb.Columns[1].Name: Categorical,
		}})
		if err != nil {
			t.Fatalf("forcing kinds: %v", err)
		}
		checkTable(t, forced, lineCount(data))
		if forced.Rows+forced.Bad != tb.Rows+tb.Bad {
			t.Fatalf("forcing kinds changed the row count: %d+%d, was %d+%d", forced.Rows, forced.Bad, tb.Rows, tb.Bad)
		}
	})
}

func FuzzJSONL(f *testing.F) {
	for _, seed := range []string{
		lines(`{"a":1,"b":"x","c":true,"d":null}`, `{"a":2.5e3,"e":"late"}`, "", `{"a":"\u00e9\n"}`),
		lines(`{"a":{"b":1}}`, `[1]`, `{"a":[1,2]}`, `{"a":NaN,"b":-Infinity}`, `{"a":1,"a":2}`),
		lines(`{"a":1,}`, `{"a":01}`, `{"a":"x`, `{} `),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Read(bytes.NewReader(data), Options{Format: "jsonl"})
		if err != nil {
			return
		}
		checkTable(t, tb, lineCount(data))
		if bytes.Contains(data, []byte("NaN")) || bytes.Contains(data, []byte("Infinity")) {
			return // Python's tokens, which encoding/json rejects
		}
		// Line by line, the scanner agrees with encoding/json.
		for i, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 || i > 50 {
				continue
			}
			one, err := Read(bytes.NewReader(line), Options{Format: "jsonl"})
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
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
