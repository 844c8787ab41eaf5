package table

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cellKind is what one value of a row turned out to be.
type cellKind uint8

const (
	cellMissing cellKind = iota
	cellNumber           // num
	cellText             // text
	cellBytes            // raw, a JSON string or token still in the line buffer
)

// cell is one value of a row, classified but not yet added to its column:
// a row is added only once every value in it is known to be good.
type cell struct {
	kind cellKind
	num  float64
	text string
	raw  []byte
}

// builder grows one column row by row. A column whose kind the options do
// not fix starts numeric (or categorical, hinted so) and turns categorical
// at its first value that is not a number.
type builder struct {
	col   *Column
	fixed Kind             // from the options; 0 when inferred
	index map[string]int32 // level → code, once categorical
}

// newBuilder starts a column of a kind (start), which the options may fix.
func newBuilder(name string, fixed, start Kind) *builder {
	b := &builder{col: &Column{Name: name, Kind: start}, fixed: fixed}
	if start == Categorical {
		b.index = make(map[string]int32)
	}
	return b
}

// add appends one row's value.
func (b *builder) add(c cell) {
	switch c.kind {
	case cellMissing:
		if b.col.Kind == Numeric {
			b.col.Values = append(b.col.Values, math.NaN())
		} else {
			b.col.Codes = append(b.col.Codes, -1)
		}
	case cellNumber:
		if b.col.Kind == Numeric {
			b.col.Values = append(b.col.Values, c.num)
		} else {
			b.col.Codes = append(b.col.Codes, b.code(formatNumber(c.num)))
		}
	case cellText:
		b.toCategorical()
		b.col.Codes = append(b.col.Codes, b.code(c.text))
	case cellBytes:
		b.toCategorical()
		b.col.Codes = append(b.col.Codes, b.codeBytes(c.raw))
	}
}

// addMissingRows back-fills a column first seen after n rows.
func (b *builder) addMissingRows(n int) {
	for range n {
		b.add(cell{kind: cellMissing})
	}
}

// toCategorical turns a numeric column categorical, writing the numbers
// read so far in their canonical form: the raw text of earlier rows is not
// kept, which is what lets a million-row file be read in little memory.
func (b *builder) toCategorical() {
	if b.col.Kind == Categorical {
		return
	}
	b.col.Kind = Categorical
	b.index = make(map[string]int32)
	b.col.Codes = make([]int32, len(b.col.Values), max(len(b.col.Values), 16))
	for i, v := range b.col.Values {
		if math.IsNaN(v) {
			b.col.Codes[i] = -1
		} else {
			b.col.Codes[i] = b.code(formatNumber(v))
		}
	}
	b.col.Values = nil
}

// code returns the code of a level, adding it if new. The level is cloned
// so that it does not pin the whole line it was cut from.
func (b *builder) code(s string) int32 {
	if c, ok := b.index[s]; ok {
		return c
	}
	s = strings.Clone(s)
	c := int32(len(b.col.Levels))
	b.col.Levels = append(b.col.Levels, s)
	b.index[s] = c
	return c
}

func (b *builder) codeBytes(s []byte) int32 {
	if c, ok := b.index[string(s)]; ok {
		return c
	}
	return b.code(string(s))
}

// formatNumber is the one text a number has in a categorical column, so that
// "1.0" read before a column turned categorical and "1.0" read after it are
// the same level.
func formatNumber(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// isMissing says whether a trimmed text field spells a missing value: empty,
// NA, N/A, null or NaN, in any case.
func isMissing(s string) bool {
	switch len(s) {
	case 0:
		return true
	case 2:
		return strings.EqualFold(s, "na")
	case 3:
		return strings.EqualFold(s, "n/a") || strings.EqualFold(s, "nan")
	case 4:
		return strings.EqualFold(s, "null")
	}
	return false
}

// parseNumber reads a trimmed text field as a number. Out-of-range values
// become ±Inf, as strconv.ParseFloat gives them. The first-byte check keeps
// ParseFloat, which allocates its error, away from most words.
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	switch c := s[0]; {
	case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'i', c == 'I', c == 'n', c == 'N':
	default:
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}

// classifyText reads one text value (a CSV field, or a JSON string in a
// column forced numeric) for a column of the given fixed kind (0 when
// inferred). It fails only when the column is forced numeric and the value
// is not a number.
func classifyText(s string, fixed Kind) (cell, bool) {
	s = strings.TrimSpace(s)
	if isMissing(s) {
		return cell{kind: cellMissing}, true
	}
	if fixed == Categorical {
		return cell{kind: cellText, text: s}, true
	}
	if v, ok := parseNumber(s); ok {
		if math.IsNaN(v) {
			return cell{kind: cellMissing}, true
		}
		return cell{kind: cellNumber, num: v}, true
	}
	if fixed == Numeric {
		return cell{}, false
	}
	return cell{kind: cellText, text: s}, true
}

// notANumber is the reason a row is bad when a column forced numeric holds
// something else.
func notANumber(column, value string) string {
	return fmt.Sprintf("column %q: %q is not a number", column, truncate(value, 40))
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}
