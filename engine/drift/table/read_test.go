package table

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotText reads files that are not text, whatever their name says.
func TestNotText(t *testing.T) {
	exe, err := os.Open(os.Args[0]) // this test's own executable
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(exe, head)
	if err != nil && err != io.ErrUnexpectedEOF {
		t.Fatal(err)
	}
	binary := string(head[:n])

	const says = "not a text file (CSV or JSON lines) nor Parquet"
	for _, tt := range []struct {
		name, file, format, content string
	}{
		{"an executable named .csv", "prog.csv", "", binary},
		{"an executable named .jsonl", "prog.jsonl", "", binary},
		{"an executable, no extension", "prog", "", binary},
		{"an executable read as CSV", "prog.bin", "csv", binary},
		{"one NUL byte", "a.csv", "", "a,b\n1,\x00\n"},
		{"UTF-16", "a.csv", "", "\xff\xfea\x00,\x00b\x00\n\x00"},
		{"control bytes without NUL", "a.csv", "", strings.Repeat("a,\x01\x02\n", 100)},
		{"JSON lines with control bytes", "a.jsonl", "", strings.Repeat("{\x1b\x1b}\n", 100)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path, Options{Format: tt.format})
			if want := path + ": " + says; err == nil || err.Error() != want || !errors.Is(err, ErrUnreadable) {
				t.Errorf("ReadFile: got %v, want %q", err, want)
			}
			_, err = Read(strings.NewReader(tt.content), Options{Format: tt.format})
			if err == nil || err.Error() != says || !errors.Is(err, ErrUnreadable) {
				t.Errorf("Read: got %v, want %q", err, says)
			}
		})
	}

	// Text with a few control bytes, or a NUL beyond the first 4 KiB, is
	// read: a form feed or a stray byte is the content's business.
	for _, in := range []string{
		"a,b\n1,\f\n2,x\n",
		"a\n" + strings.Repeat("1\n", 3000) + "\x00\n",
	} {
		tb, err := Read(strings.NewReader(in), Options{Format: "csv"})
		if err != nil || tb.Rows < 2 {
			t.Errorf("%.20q…: %v", in, err)
		}
	}
}

// TestEveryRowBad checks that a file none of whose rows is good gives an
// empty table whose bad rows say why, even when the options name columns
// that no good JSON line could show.
func TestEveryRowBad(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		opt  Options
		want string
	}{{
		name: "CSV",
		in:   lines("a,b", "1", "2,3,4"),
		opt:  Options{Format: "csv", Columns: []string{"a"}},
		want: lines("csv rows=0 bad=2", "a numeric: ", "line 2: 1 fields, the header has 2", "line 3: 3 fields, the header has 2"),
	}, {
		name: "JSON lines naming columns",
		in:   lines(`{"a":1,}`, `not json`, `{"a":{"b":1}}`),
		opt:  Options{Format: "jsonl", Columns: []string{"a"}, Types: map[string]Kind{"a": Numeric}},
		want: lines("jsonl rows=0 bad=3",
			"line 1: invalid JSON at column 8: expected a key",
			"line 2: not a JSON object",
			`line 3: column "a": nested object`),
	}} {
		t.Run(tt.name, func(t *testing.T) {
			if got := dump(readString(t, tt.in, tt.opt)); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}

	// A kind that does not exist is still an error.
	_, err := Read(strings.NewReader(lines("not json")), Options{Format: "jsonl", Types: map[string]Kind{"a": 7}})
	if want := `column "a": unknown kind 7`; err == nil || err.Error() != want || !errors.Is(err, ErrBadOption) {
		t.Errorf("got %v, want %q", err, want)
	}
}
