package table

import (
	"bytes"
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

// String is the text of a cellText or cellBytes cell.
func (c cell) String() string {
	if c.kind == cellBytes {
		return string(c.raw)
	}
	return c.text
}

// pendingSlack is how many values that are not numbers an inferred column
// keeps aside, beyond 1% of its rows, before it turns categorical.
const pendingSlack = 32

// pendingText is a value that is not a number, in an inferred column that
// is numeric so far: its row holds NaN until the column's kind is settled.
type pendingText struct {
	row  int
	text string
}

// builder grows one column row by row. A column whose kind the options fix
// (or hint numeric) keeps it: text in a numeric one is a bad cell. An
// inferred column starts numeric and is settled by finish: numeric when at
// least 99% of its values are numbers (all of them under 100 values),
// categorical otherwise.
type builder struct {
	col   *Column
	fixed Kind             // from the options; 0 when inferred
	infer bool             // the kind is settled by finish
	index map[string]int32 // level → code, once categorical

	// An inferred column counts its values that are numbers and those that
	// are not. While it is numeric, it keeps the latter's texts aside, at
	// most 1% of its rows and pendingSlack: a typo or two cost no more.
	// Beyond, it turns categorical, which finish may undo.
	numbers, texts int
	pending        []pendingText
	firstText      *BadRow // the first text, the bad cell if it ends numeric
}

// newBuilder starts a column of a kind (start), which the options may fix.
func newBuilder(name string, fixed, start Kind) *builder {
	b := &builder{col: &Column{Name: name, Kind: start}, fixed: fixed, infer: fixed == 0 && start == Numeric}
	if start == Categorical {
		b.index = make(map[string]int32)
	}
	return b
}

// add appends one row's value, read at that line of the file (the row
// number in a Parquet file), which a bad cell is reported with.
func (b *builder) add(c cell, line int) {
	col := b.col
	switch c.kind {
	case cellMissing:
		if col.Kind == Numeric {
			col.Values = append(col.Values, math.NaN())
		} else {
			col.Codes = append(col.Codes, -1)
		}
		return
	case cellNumber:
		b.numbers++
		if col.Kind == Numeric {
			col.Values = append(col.Values, c.num)
		} else {
			col.Codes = append(col.Codes, b.code(formatNumber(c.num)))
		}
		return
	}
	b.texts++
	switch {
	case col.Kind == Categorical:
	case b.fixed == Numeric:
		col.BadCells++
		if col.FirstBadCell == nil {
			col.FirstBadCell = &BadRow{Line: line, Reason: notANumber(col.Name, c.String())}
		}
		col.Values = append(col.Values, math.NaN())
		return
	default:
		if b.firstText == nil {
			b.firstText = &BadRow{Line: line, Reason: notANumber(col.Name, c.String())}
		}
		if len(b.pending) < len(col.Values)/100+pendingSlack {
			text := c.text
			if c.kind == cellBytes {
				text = string(c.raw)
			} else {
				text = strings.Clone(text) // not to pin the CSV record
			}
			b.pending = append(b.pending, pendingText{row: len(col.Values), text: text})
			col.Values = append(col.Values, math.NaN())
			return
		}
		b.toCategorical()
	}
	if c.kind == cellBytes {
		col.Codes = append(col.Codes, b.codeBytes(c.raw))
	} else {
		col.Codes = append(col.Codes, b.code(c.text))
	}
}

// addMissingRows back-fills a column first seen after n rows.
func (b *builder) addMissingRows(n int) {
	for range n {
		b.add(cell{kind: cellMissing}, 0)
	}
}

// finish settles the kind of an inferred column: numeric when at least 99%
// of its values that are not missing are numbers, and all of them when it
// has fewer than 100; the others are then its bad cells.
func (b *builder) finish() {
	if !b.infer {
		return
	}
	n := b.numbers + b.texts
	if b.texts == 0 || n >= 100 && 100*b.texts <= n {
		b.toNumeric()
		b.col.BadCells, b.col.FirstBadCell = b.texts, b.firstText
	} else {
		b.toCategorical()
	}
	b.pending, b.firstText = nil, nil
}

// finishColumns settles every column's kind and counts the table's bad
// cells.
func finishColumns(t *Table, builders []*builder) {
	t.BadCells = 0
	for _, b := range builders {
		b.finish()
		t.BadCells += b.col.BadCells
	}
}

// toCategorical turns a numeric column categorical, writing the numbers
// read so far in their canonical form and the texts kept aside as they
// were: the raw text of earlier numbers is not kept, which is what lets a
// million-row file be read in little memory.
func (b *builder) toCategorical() {
	col := b.col
	if col.Kind == Categorical {
		return
	}
	col.Kind = Categorical
	b.index = make(map[string]int32)
	col.Codes = make([]int32, len(col.Values), max(len(col.Values), 16))
	pending := b.pending
	for i, v := range col.Values {
		switch {
		case len(pending) > 0 && pending[0].row == i:
			col.Codes[i] = b.code(pending[0].text)
			pending = pending[1:]
		case math.IsNaN(v):
			col.Codes[i] = -1
		default:
			col.Codes[i] = b.code(formatNumber(v))
		}
	}
	col.Values, b.pending = nil, nil
}

// toNumeric turns an inferred column that turned categorical back to
// numeric. Its levels are numbers in their canonical form, which read back
// exactly, or texts that are no numbers, which become NaN.
func (b *builder) toNumeric() {
	col := b.col
	if col.Kind == Numeric {
		return
	}
	perLevel := make([]float64, len(col.Levels))
	for i, level := range col.Levels {
		v, ok := parseNumber(level)
		if !ok {
			v = math.NaN()
		}
		perLevel[i] = v
	}
	col.Values = make([]float64, len(col.Codes))
	for i, code := range col.Codes {
		if code < 0 {
			col.Values[i] = math.NaN()
		} else {
			col.Values[i] = perLevel[code]
		}
	}
	col.Kind, col.Codes, col.Levels, b.index = Numeric, nil, nil, nil
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

// maxMissingLen is the length of the longest spelling of a missing value.
const maxMissingLen = 4

// isMissing says whether a trimmed text value spells a missing value: empty;
// NA, N/A, #N/A, null, NaN, -NaN and +NaN in any case; None, nil and <NA>
// as Python, Go and pandas write them.
func isMissing(s string) bool {
	switch len(s) {
	case 0:
		return true
	case 2:
		return strings.EqualFold(s, "na")
	case 3:
		return strings.EqualFold(s, "n/a") || strings.EqualFold(s, "nan") || s == "nil"
	case 4:
		return strings.EqualFold(s, "null") || strings.EqualFold(s, "#n/a") ||
			strings.EqualFold(s, "-nan") || strings.EqualFold(s, "+nan") || s == "None" || s == "<NA>"
	}
	return false
}

// mayBeNumber says whether a text that starts with c may be a number, so
// that strconv.ParseFloat, which allocates its error, is kept away from
// most words.
func mayBeNumber(c byte) bool {
	switch {
	case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'i', c == 'I', c == 'n', c == 'N':
		return true
	}
	return false
}

// parseNumber reads a trimmed text value as a number. Out-of-range values
// become ±Inf, as strconv.ParseFloat gives them.
func parseNumber(s string) (float64, bool) {
	if s == "" || !mayBeNumber(s[0]) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}

// classifyTrimmed says what a trimmed text value is for a column of the
// given fixed kind (0 when inferred): missing, a number (not in a column
// forced categorical, which keeps its text as written), or text.
func classifyTrimmed(s string, fixed Kind) (cellKind, float64) {
	if isMissing(s) {
		return cellMissing, 0
	}
	if fixed == Categorical {
		return cellText, 0
	}
	if v, ok := parseNumber(s); ok {
		if math.IsNaN(v) {
			return cellMissing, 0
		}
		return cellNumber, v
	}
	return cellText, 0
}

// classifyText reads a CSV field, or a Parquet string in a column forced
// numeric. Text is kept trimmed.
func classifyText(s string, fixed Kind) cell {
	s = strings.TrimSpace(s)
	kind, v := classifyTrimmed(s, fixed)
	return cell{kind: kind, num: v, text: s}
}

// classifyBytes reads a JSON string as classifyText reads a CSV field, so
// that a quoted number is a number, but keeps text as written, in the line
// buffer. Most strings are told to be text without being copied.
func classifyBytes(raw []byte, fixed Kind) cell {
	s := bytes.TrimSpace(raw)
	if len(s) > maxMissingLen && (fixed == Categorical || !mayBeNumber(s[0])) {
		return cell{kind: cellBytes, raw: raw}
	}
	kind, v := classifyTrimmed(string(s), fixed)
	if kind == cellText {
		return cell{kind: cellBytes, raw: raw}
	}
	return cell{kind: kind, num: v}
}

// notANumber is the reason a cell of a numeric column is bad.
func notANumber(column, value string) string {
	return fmt.Sprintf("column %q: %q is not a number", column, truncate(strings.TrimSpace(value), 40))
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
