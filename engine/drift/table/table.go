package table

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// MaxBadKept is how many bad rows a Table keeps for the user to look at; the
// rest are only counted.
const MaxBadKept = 10

// The kinds of error Read and ReadFile return; check them with errors.Is.
var (
	// ErrUnreadable: the file cannot be read as a table at all (unreadable,
	// empty, no usable header, a damaged Parquet file).
	ErrUnreadable = errors.New("unreadable data file")
	// ErrNoColumn: Options name a column the file does not have, or one of a
	// type this package cannot read.
	ErrNoColumn = errors.New("no such column")
	// ErrBadOption: an unknown format or kind name.
	ErrBadOption = errors.New("bad option")
)

// failure is an error of one of the kinds above whose message does not
// repeat the kind, so the user reads one plain sentence.
type failure struct {
	kind error
	msg  string
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.kind }

func fail(kind error, format string, args ...any) error {
	return &failure{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Kind is what a column holds.
type Kind uint8

const (
	Numeric Kind = iota + 1
	Categorical
)

func (k Kind) String() string {
	switch k {
	case Numeric:
		return "numeric"
	case Categorical:
		return "categorical"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind reads a kind as a user writes it: "numeric" or "num",
// "categorical" or "cat", in any case.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "numeric", "num":
		return Numeric, nil
	case "categorical", "cat":
		return Categorical, nil
	}
	return 0, fail(ErrBadOption, "unknown column kind %q: use numeric or categorical", s)
}

// Column is one column of a table, one entry per good row.
type Column struct {
	Name   string
	Kind   Kind
	Values []float64 // Numeric: one per row; NaN where missing; ±Inf kept as is
	Codes  []int32   // Categorical: one per row, index into Levels; -1 where missing
	Levels []string  // Categorical: the distinct values, in order of first appearance
	// BadCells counts the values of a numeric column that are not numbers
	// (text in a column forced or hinted numeric, or the few of an inferred
	// one): each is missing (NaN) in Values, and its row is kept. Always 0
	// in a categorical column.
	BadCells int
	// FirstBadCell is the first of them, with its line and why; nil when
	// there is none.
	FirstBadCell *BadRow
}

// Missing counts the missing values: NaN in a numeric column, code -1 in a
// categorical one.
func (c *Column) Missing() int {
	n := 0
	if c.Kind == Numeric {
		for _, v := range c.Values {
			if math.IsNaN(v) {
				n++
			}
		}
		return n
	}
	for _, code := range c.Codes {
		if code < 0 {
			n++
		}
	}
	return n
}

// Counts is how many rows hold each level of a categorical column, missing
// values excluded; nil for a numeric column.
func (c *Column) Counts() map[string]int {
	if c.Kind != Categorical {
		return nil
	}
	perCode := make([]int, len(c.Levels))
	for _, code := range c.Codes {
		if code >= 0 {
			perCode[code]++
		}
	}
	counts := make(map[string]int, len(c.Levels))
	for i, level := range c.Levels {
		counts[level] = perCode[i]
	}
	return counts
}

// BadRow is a row that was skipped, or a cell that was read as missing
// (Column.FirstBadCell), and why.
type BadRow struct {
	// Line is the 1-based line of the file where the row starts (CSV and
	// JSON lines; the CSV header is line 1; for a bad cell of a CSV file,
	// the line of the field), or the 1-based row number in a Parquet file.
	Line   int
	Reason string
}

// Table is a data file read into columns.
type Table struct {
	Format   string    // "csv", "jsonl" or "parquet"
	Columns  []*Column // in file order (JSON lines: order of first appearance)
	Rows     int       // good rows read
	Bad      int       // bad rows, skipped
	FirstBad []BadRow  // the first MaxBadKept bad rows
	// BadCells is the sum of the columns' BadCells: values of numeric
	// columns that are not numbers, read as missing in rows that are kept.
	BadCells int
	// Skipped names the Parquet columns left out because they are nested or
	// of a type this package does not read; empty for the text formats.
	Skipped []string
}

// Column returns the column of that name, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// addBad counts a skipped row and keeps the first few.
func (t *Table) addBad(line int, reason string) {
	t.Bad++
	if len(t.FirstBad) < MaxBadKept {
		t.FirstBad = append(t.FirstBad, BadRow{Line: line, Reason: reason})
	}
}
