package table

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opt  Options
		want string
	}{{
		name: "inference",
		in:   lines("n,c,late,empty", "1,a,1.0,", "2.5,b,2,", "-3e2,a,x,"),
		want: lines("csv rows=3 bad=0",
			"n numeric: 1 2.5 -300",
			"c categorical: a b a",
			// Numbers read before the column turned are written back in
			// their canonical form.
			"late categorical: 1 2 x",
			"empty numeric: . . ."),
	}, {
		name: "numbers after text are canonical too",
		in:   lines("c", "x", "1.0", "1", "007"),
		want: lines("csv rows=4 bad=0", "c categorical: x 1 1 7"),
	}, {
		name: "missing spellings",
		in:   lines("n,c", ",a", "NA,na", "N/A,n/a", "null,NULL", "NaN,nan", "  ,Null", "4,b"),
		want: lines("csv rows=7 bad=0",
			"n numeric: . . . . . . 4",
			"c categorical: a . . . . . b"),
	}, {
		name: "more missing spellings; None and nil only as written",
		in: lines("n,c", "-nan,None", "+NaN,#N/A", "-NAN,#n/a", "nil,NULL", "None,<NA>", "#N/A,nil",
			"1,none", "2,NIL", "3,Nil", "4,<na>"),
		want: lines("csv rows=10 bad=0",
			"n numeric: . . . . . . 1 2 3 4",
			"c categorical: . . . . . . none NIL Nil <na>"),
	}, {
		name: "infinities are kept",
		in:   lines("x", "inf", "+inf", "-inf", "Infinity", "-Infinity", "INF", "1e999"),
		want: lines("csv rows=7 bad=0", "x numeric: +Inf +Inf -Inf +Inf -Inf +Inf +Inf"),
	}, {
		name: "byte order mark and header spaces",
		in:   "\xef\xbb\xbf a , b \n1,x\n",
		want: lines("csv rows=1 bad=0", "a numeric: 1", "b categorical: x"),
	}, {
		name: "blank lines are skipped, lines still counted",
		in:   lines("a,b", "", "1,2", "", "", "3", "4,5"),
		want: lines("csv rows=2 bad=1", "a numeric: 1 4", "b numeric: 2 5",
			"line 6: 1 fields, the header has 2"),
	}, {
		name: "quoted commas and newlines",
		in: lines(`id,text`, `1,"a, b"`, `2,"two`, `lines"`, `3`, `4,"say ""hi"""`,
			`5,"x`, `y`, `z"`, `6,7,8`),
		want: lines("csv rows=4 bad=2",
			"id numeric: 1 2 4 5",
			`text categorical: "a, b" "two\nlines" "say \"hi\"" "x\ny\nz"`,
			"line 5: 1 fields, the header has 2",
			"line 10: 3 fields, the header has 2"),
	}, {
		name: "wrong field counts",
		in:   lines("a,b,c,d", "1,2,3,4", "1,2,3", "1,2,3,4,5", "5,6,7,8"),
		want: lines("csv rows=2 bad=2",
			"a numeric: 1 5", "b numeric: 2 6", "c numeric: 3 7", "d numeric: 4 8",
			"line 3: 3 fields, the header has 4",
			"line 4: 5 fields, the header has 4"),
	}, {
		name: "bad quotes, then reading goes on",
		in:   lines("a,b", `1,x"y`, `2,"p"q`, "3,ok"),
		want: lines("csv rows=1 bad=2", "a numeric: 3", "b categorical: ok",
			`line 2: bare " in non-quoted-field`,
			`line 3: extraneous or missing " in quoted-field`),
	}, {
		name: "an unterminated quote ends the file in one bad row",
		in:   lines("a,b", "1,2", `3,"open`, "4,5", "6,7"),
		want: lines("csv rows=1 bad=1", "a numeric: 1", "b numeric: 2",
			`line 3: extraneous or missing " in quoted-field`),
	}, {
		name: "no trailing newline, CRLF",
		in:   "a,b\r\n1,x\r\n2,y",
		want: lines("csv rows=2 bad=0", "a numeric: 1 2", "b categorical: x y"),
	}, {
		name: "header only",
		in:   lines("a,b"),
		want: lines("csv rows=0 bad=0", "a numeric: ", "b numeric: "),
	}, {
		name: "forced numeric: a word is a bad cell, its row kept",
		in:   lines("a,b", "1,"+strings.Repeat("w", 50), "2,3", "NA,x", "4,5"),
		opt:  Options{Types: map[string]Kind{"b": Numeric}},
		want: lines("csv rows=4 bad=0 bad cells=2", "a numeric: 1 2 . 4", "b numeric: . 3 . 5",
			`b bad cells=2, first line 2: column "b": "`+strings.Repeat("w", 40)+`…" is not a number`),
	}, {
		name: "a bad cell's line is its field's, in a quoted multi-line row",
		in:   lines("t,n", `"two`, `lines",1`, `"x",`, `"three`, ``, `lines",oops`),
		opt:  Options{Types: map[string]Kind{"n": Numeric}},
		want: lines("csv rows=3 bad=0 bad cells=1", `t categorical: "two\nlines" x "three\n\nlines"`, "n numeric: 1 . .",
			`n bad cells=1, first line 7: column "n": "oops" is not a number`),
	}, {
		name: "forced categorical keeps the text",
		in:   lines("zip,n", "007,1.0", "1.0,NA", "inf,2"),
		opt:  Options{Types: map[string]Kind{"zip": Categorical, "n": Categorical}},
		want: lines("csv rows=3 bad=0", "zip categorical: 007 1.0 inf", "n categorical: 1.0 . 2"),
	}, {
		name: "hints: numeric is forced, categorical writes numbers as inference does",
		in:   lines("n,c,t", "1,1.0,5", "x,b,6", "2,007,y"),
		opt: Options{
			Hints: map[string]Kind{"n": Numeric, "c": Categorical, "t": Numeric, "absent": Numeric},
			Types: map[string]Kind{"t": Categorical}, // Types win
		},
		want: lines("csv rows=3 bad=0 bad cells=1", "n numeric: 1 . 2",
			`n bad cells=1, first line 3: column "n": "x" is not a number`,
			"c categorical: 1 b 7", "t categorical: 5 6 y"),
	}, {
		name: "a subset of columns, in file order",
		in:   lines("a,b,c", "1,x,3", "4,y"),
		opt:  Options{Columns: []string{"c", "a"}},
		want: lines("csv rows=1 bad=1", "a numeric: 1", "c numeric: 3",
			"line 3: 2 fields, the header has 3"),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opt.Format = "csv"
			if got := dump(readString(t, tt.in, tt.opt)); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opt  Options
		kind error
		want string
	}{
		{"empty", "", Options{}, ErrUnreadable, "empty file: a CSV file needs a header line"},
		{"only a byte order mark", "\xef\xbb\xbf", Options{}, ErrUnreadable, "empty file: a CSV file needs a header line"},
		{"only blank lines", "\n\n\n", Options{}, ErrUnreadable, "empty file: a CSV file needs a header line"},
		{"duplicate header", "a,b,a\n", Options{}, ErrUnreadable, `line 1: duplicate header "a" (columns 1 and 3)`},
		{"duplicate once trimmed", "a, a\n", Options{}, ErrUnreadable, `line 1: duplicate header "a" (columns 1 and 2)`},
		{"empty header", "a,,c\n", Options{}, ErrUnreadable, "line 1: empty header name in column 2"},
		{"bad quote in the header", "\n\"a\"b,c\n", Options{}, ErrUnreadable,
			`line 2: cannot read the header: extraneous or missing " in quoted-field`},
		{"unknown column", "a,b\n1,2\n", Options{Columns: []string{"a", "z"}}, ErrNoColumn,
			`no column "z"; the file has "a", "b"`},
		{"unknown typed column", "a,b\n1,2\n", Options{Types: map[string]Kind{"q": Numeric}}, ErrNoColumn,
			`no column "q"; the file has "a", "b"`},
		{"bad kind", "a\n1\n", Options{Types: map[string]Kind{"a": 9}}, ErrBadOption, `column "a": unknown kind 9`},
		{"bad hint", "a\n1\n", Options{Hints: map[string]Kind{"z": 0}}, ErrBadOption, `column "z": unknown kind 0`},
		{"unknown format", "a\n", Options{Format: "xlsx"}, ErrBadOption, `unknown format "xlsx": use csv, jsonl or parquet`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opt.Format == "" {
				tt.opt.Format = "csv"
			}
			_, err := Read(strings.NewReader(tt.in), tt.opt)
			if err == nil || err.Error() != tt.want || !errors.Is(err, tt.kind) {
				t.Errorf("got %v, want %q (%v)", err, tt.want, tt.kind)
			}
		})
	}
}

func TestReadFileErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(path, []byte(",a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path, Options{})
	if want := path + ": line 1: empty header name in column 1"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	missing := filepath.Join(dir, "nope.csv")
	_, err = ReadFile(missing, Options{})
	if want := missing + ": no such file or directory"; err == nil || err.Error() != want || !errors.Is(err, ErrUnreadable) {
		t.Errorf("got %v, want %q", err, want)
	}
	_, err = ReadFile(dir, Options{})
	if want := dir + ": is a directory, not a data file"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestFormatDetection(t *testing.T) {
	fixture, err := os.ReadFile(fixtureDir + "drift-sample.parquet")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file    string // name written in a temporary folder
		content string
		format  string // Options.Format
		want    string // Table.Format
	}{
		{"a.csv", "{a\n1\n", "", "csv"}, // the name wins over the content
		{"a.CSV", "a\n1\n", "", "csv"},
		{"a.jsonl", `{"a":1}` + "\n", "", "jsonl"},
		{"a.ndjson", `{"a":1}` + "\n", "", "jsonl"},
		{"a.json", `{"a":1}` + "\n", "", "jsonl"},
		{"a.pq", string(fixture), "", "parquet"},
		{"a.parquet", string(fixture), "", "parquet"},
		{"a.txt", "a,b\n1,2\n", "", "csv"},
		{"a.txt", "\xef\xbb\xbf \n {\"a\":1}\n", "", "jsonl"},
		{"a.dat", string(fixture), "", "parquet"},
		{"noext", `{"a":1}`, "", "jsonl"},
		{"a.csv", `{"a":1}`, "ndjson", "jsonl"}, // the option wins over the name
		{"a.json", "a\n1\n", "CSV", "csv"},
	}
	for _, tt := range tests {
		t.Run(tt.file+" "+tt.format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			tb, err := ReadFile(path, Options{Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			if tb.Format != tt.want {
				t.Errorf("format %q, want %q", tb.Format, tt.want)
			}
			if tt.format != "" || tt.file == "a.csv" {
				return
			}
			// Read, without a name, finds the same by content.
			tb, err = Read(strings.NewReader(tt.content), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tb.Format != tt.want {
				t.Errorf("Read: format %q, want %q", tb.Format, tt.want)
			}
		})
	}
}

func TestKind(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Kind
	}{{"numeric", Numeric}, {"num", Numeric}, {"NUMERIC", Numeric}, {"categorical", Categorical}, {" cat ", Categorical}} {
		got, err := ParseKind(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if back, _ := ParseKind(got.String()); back != got {
			t.Errorf("%v does not read back", got)
		}
	}
	_, err := ParseKind("text")
	if want := `unknown column kind "text": use numeric or categorical`; err == nil || err.Error() != want || !errors.Is(err, ErrBadOption) {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestColumnCounts(t *testing.T) {
	tb := readString(t, lines("n,c", "1,a", "NA,b", "inf,a", "2,NA"), Options{Format: "csv"})
	n, c := tb.Column("n"), tb.Column("c")
	if n == nil || c == nil || tb.Column("z") != nil {
		t.Fatalf("Column lookup: n=%v c=%v", n, c)
	}
	if n.Missing() != 1 || c.Missing() != 1 {
		t.Errorf("Missing: n %d, c %d; want 1 and 1", n.Missing(), c.Missing())
	}
	if n.Counts() != nil {
		t.Errorf("numeric Counts = %v, want nil", n.Counts())
	}
	counts := c.Counts()
	if len(counts) != 2 || counts["a"] != 2 || counts["b"] != 1 {
		t.Errorf("Counts = %v, want a:2 b:1", counts)
	}
}
