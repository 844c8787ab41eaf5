package table

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestInference checks the 99% rule in CSV and JSON lines: a column is
// numeric when at least 99% of its values that are not missing are numbers
// (all of them under 100 values), the others being its bad cells; else it is
// categorical.
func TestInference(t *testing.T) {
	every := func(n int) func(int) bool { return func(row int) bool { return row%n == 0 } }
	among := func(rows ...int) func(int) bool {
		return func(row int) bool {
			for _, r := range rows {
				if r == row {
					return true
				}
			}
			return false
		}
	}
	none := func(int) bool { return false }
	tests := []struct {
		name          string
		rows          int
		text, missing func(row int) bool // 1-based data rows holding "abc", or nothing
		want          Kind
		bad, firstRow int // bad cells, and the data row of the first
	}{
		{"one typo in 400 rows", 400, among(41), none, Numeric, 1, 41},
		{"exactly 1% of 200", 200, among(10, 20), none, Numeric, 2, 10},
		{"just over 1% of 200", 200, among(10, 20, 30), none, Categorical, 0, 0},
		{"100 values, one text", 100, among(50), none, Numeric, 1, 50},
		{"99 values, one text", 99, among(50), none, Categorical, 0, 0},
		{"missing values are not counted: 100 left", 199, among(3), every(2), Numeric, 1, 3},
		{"missing values are not counted: 99 left", 198, among(3), every(2), Categorical, 0, 0},
		{"no text at all", 150, none, every(3), Numeric, 0, 0},
		// The first texts are kept aside; beyond 1% of the rows so far and
		// the slack the column turns categorical, and back at the end.
		{"50 texts first, then 10 000 numbers", 10_050, func(row int) bool { return row <= 50 }, none, Numeric, 50, 1},
		{"texts pass 1% late in the file", 1020, func(row int) bool { return row > 1000 }, none, Categorical, 0, 0},
		{"texts spread at 2%", 10_000, every(50), none, Categorical, 0, 0},
		{"texts spread at 0.5%", 20_000, every(200), none, Numeric, 100, 200},
	}
	for _, tt := range tests {
		number := func(row int) float64 { return float64(row) + 0.25 }
		for _, format := range []string{"csv", "jsonl"} {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				var in strings.Builder
				if format == "csv" {
					in.WriteString("x,other\n")
				}
				for row := 1; row <= tt.rows; row++ {
					value := fmt.Sprintf("%d.250", row) // canonical: row.25
					switch {
					case tt.text(row):
						value = "abc"
					case tt.missing(row):
						value = ""
					}
					if format == "csv" {
						fmt.Fprintf(&in, "%s,%d\n", value, row)
						continue
					}
					switch {
					case value == "":
						value = "null"
					case value == "abc" || row%2 == 0: // quoted numbers are numbers too
						value = `"` + value + `"`
					}
					fmt.Fprintf(&in, `{"x":%s,"other":%d}`+"\n", value, row)
				}
				tb := readString(t, in.String(), Options{Format: format})
				c := tb.Column("x")
				if tb.Rows != tt.rows || tb.Bad != 0 || tb.Column("other").Kind != Numeric {
					t.Fatalf("%d rows, %d bad: want %d, 0", tb.Rows, tb.Bad, tt.rows)
				}
				if c.Kind != tt.want || c.BadCells != tt.bad || tb.BadCells != tt.bad {
					t.Fatalf("%v with %d bad cells (table %d); want %v with %d", c.Kind, c.BadCells, tb.BadCells, tt.want, tt.bad)
				}
				line := tt.firstRow // a JSON line is its row
				if format == "csv" {
					line++ // after the header
				}
				switch {
				case tt.bad == 0 && c.FirstBadCell != nil:
					t.Errorf("first bad cell %+v, want none", c.FirstBadCell)
				case tt.bad > 0 && (c.FirstBadCell == nil || *c.FirstBadCell != BadRow{Line: line, Reason: `column "x": "abc" is not a number`}):
					t.Errorf("first bad cell %+v, want line %d", c.FirstBadCell, line)
				}
				for i := range tt.rows {
					row := i + 1
					if c.Kind == Numeric {
						want := number(row)
						if tt.text(row) || tt.missing(row) {
							want = math.NaN()
						}
						if got := c.Values[i]; got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
							t.Fatalf("row %d: %v, want %v", row, got, want)
						}
						continue
					}
					want := formatNumber(number(row))
					switch {
					case tt.text(row):
						want = "abc"
					case tt.missing(row):
						want = "<missing>"
					}
					got := "<missing>"
					if code := c.Codes[i]; code >= 0 {
						got = c.Levels[code]
					}
					if got != want {
						t.Fatalf("row %d: %q, want %q", row, got, want)
					}
				}
			})
		}
	}
}

// TestInferredColumnKeepsFewTexts checks that a column numeric so far keeps
// at most 1% of its rows (and pendingSlack) of texts aside, turning
// categorical beyond.
func TestInferredColumnKeepsFewTexts(t *testing.T) {
	for _, tt := range []struct {
		every      int // a text every so many rows
		turnsEarly bool
	}{{200, false}, {50, true}} {
		b := newBuilder("x", 0, Numeric)
		turned := false
		for row := 1; row <= 100_000; row++ {
			if row%tt.every == 0 {
				b.add(cell{kind: cellText, text: "abc"}, row)
			} else {
				b.add(cell{kind: cellNumber, num: float64(row)}, row)
			}
			if len(b.pending) > row/100+pendingSlack {
				t.Fatalf("a text every %d rows: %d kept aside at row %d", tt.every, len(b.pending), row)
			}
			turned = turned || b.col.Kind == Categorical
		}
		if turned != tt.turnsEarly {
			t.Errorf("a text every %d rows: turned categorical while reading: %v, want %v", tt.every, turned, tt.turnsEarly)
		}
		b.finish()
		if b.pending != nil {
			t.Errorf("a text every %d rows: texts still kept after finish", tt.every)
		}
	}
}
