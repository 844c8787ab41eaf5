package table

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// dump writes a table as text a test can compare whole: its counts, each
// column's kind and values ("." for a missing value) and bad cells if any,
// and the kept bad rows.
func dump(t *Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s rows=%d bad=%d", t.Format, t.Rows, t.Bad)
	if t.BadCells > 0 {
		fmt.Fprintf(&b, " bad cells=%d", t.BadCells)
	}
	b.WriteString("\n")
	for _, c := range t.Columns {
		var values []string
		if c.Kind == Numeric {
			for _, v := range c.Values {
				if math.IsNaN(v) {
					values = append(values, ".")
				} else {
					values = append(values, formatNumber(v))
				}
			}
		} else {
			for _, code := range c.Codes {
				if code < 0 {
					values = append(values, ".")
				} else {
					values = append(values, showLevel(c.Levels[code]))
				}
			}
		}
		fmt.Fprintf(&b, "%s %s: %s\n", c.Name, c.Kind, strings.Join(values, " "))
		if c.BadCells > 0 || c.FirstBadCell != nil {
			fmt.Fprintf(&b, "%s bad cells=%d", c.Name, c.BadCells)
			if first := c.FirstBadCell; first != nil {
				fmt.Fprintf(&b, ", first line %d: %s", first.Line, first.Reason)
			}
			b.WriteString("\n")
		}
	}
	for _, bad := range t.FirstBad {
		fmt.Fprintf(&b, "line %d: %s\n", bad.Line, bad.Reason)
	}
	if len(t.Skipped) > 0 {
		fmt.Fprintf(&b, "skipped: %s\n", strings.Join(t.Skipped, " "))
	}
	return b.String()
}

// showLevel quotes a level when it could not be told apart otherwise.
func showLevel(s string) string {
	if s == "" || s == "." || strings.ContainsAny(s, " \t\r\n\"") {
		return strconv.Quote(s)
	}
	return s
}

// readString reads text as a table or fails the test.
func readString(t *testing.T, text string, opt Options) *Table {
	t.Helper()
	tb, err := Read(strings.NewReader(text), opt)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return tb
}

// lines joins lines, each ended by a newline.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
