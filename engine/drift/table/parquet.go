package table

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// pqSource is how the values of a Parquet column are stored.
type pqSource uint8

const (
	srcBool   pqSource = iota + 1
	srcInt             // INT32 or INT64, signed; maybe a decimal
	srcUint            // INT32 or INT64 with an unsigned integer logical type
	srcFloat           // FLOAT
	srcDouble          // DOUBLE
	srcString          // BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY holding UTF-8 text
)

// pqColumn reads one top-level Parquet column, a row group at a time.
type pqColumn struct {
	b *builder
	pqField
}

// pqField is a top-level column of a Parquet file, as its schema says.
type pqField struct {
	name   string
	leaf   int // index of the leaf column in each row group
	src    pqSource
	scale  float64
	maxDef int    // 1 when the column is optional
	why    string // why it cannot be read; empty when it can
}

// readParquet reads a Parquet file's flat columns. The library is trusted
// with nothing: its errors are reworded, and its panics on damaged files are
// turned into errors at each call into it (guard).
func readParquet(r io.ReaderAt, size int64, opt Options) (*Table, error) {
	if err := checkFooter(r, size); err != nil {
		return nil, unreadableParquet(err.Error())
	}
	var f *parquet.File
	var fields []pqField
	err := guard(func() (err error) {
		f, err = parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		if err != nil {
			return err
		}
		fields = pqFields(f)
		return nil
	})
	if err != nil {
		return nil, unreadableParquet(err.Error())
	}

	sel := newSelection(opt)
	t := &Table{Format: formatParquet}
	names := make([]string, len(fields))
	seen := make(map[string]bool)
	var cols []*pqColumn
	for i, field := range fields {
		if seen[field.name] {
			return nil, unreadableParquet(fmt.Sprintf("column %q appears twice", field.name))
		}
		seen[field.name] = true
		names[i] = field.name
		if !sel.wants(field.name) {
			continue
		}
		if field.why != "" {
			if sel.only != nil {
				return nil, fail(ErrNoColumn, "column %q cannot be read: %s", field.name, field.why)
			}
			t.Skipped = append(t.Skipped, field.name)
			continue
		}
		kind := sel.types[field.name]
		if kind == 0 {
			kind = sel.hints[field.name]
		}
		if kind == 0 {
			kind = Numeric
			if field.src == srcBool || field.src == srcString {
				kind = Categorical
			}
		}
		// No inference: the kind is known from the start.
		c := &pqColumn{b: newBuilder(field.name, kind, kind), pqField: field}
		cols = append(cols, c)
		t.Columns = append(t.Columns, c.b.col)
	}
	if err := sel.check(opt, names); err != nil {
		return nil, err
	}

	groups := f.Metadata().RowGroups
	if len(groups) != len(f.RowGroups()) {
		return nil, unreadableParquet("its row groups do not match its metadata")
	}
	var total int64
	for _, g := range groups {
		if g.NumRows < 0 || g.NumRows > rowLimit(size)-total {
			return nil, unreadableParquet(fmt.Sprintf("its row groups claim more rows than %d bytes can hold", size))
		}
		total += g.NumRows
	}

	builders := make([]*builder, len(cols))
	for i, c := range cols {
		builders[i] = c.b
	}
	row := 0 // rows before the current row group
	for g, rg := range f.RowGroups() {
		for _, c := range cols {
			if err := c.read(r, size, rg, &groups[g], g, row); err != nil {
				return nil, err
			}
		}
		row += int(groups[g].NumRows)
	}
	t.Rows = row
	finishColumns(t, builders)
	return t, nil
}

// pqFields lists the top-level columns of a file. Even the schema's getters
// panic on some damaged files, so it runs under guard.
func pqFields(f *parquet.File) []pqField {
	var fields []pqField
	for _, c := range f.Root().Columns() {
		src, scale, why := pqSourceOf(c)
		fields = append(fields, pqField{name: c.Name(), leaf: c.Index(), src: src, scale: scale,
			maxDef: c.MaxDefinitionLevel(), why: why})
	}
	return fields
}

// pqSourceOf says how a top-level column's values are stored, or why it
// cannot be read.
func pqSourceOf(c *parquet.Column) (src pqSource, scale float64, why string) {
	if !c.Leaf() {
		return 0, 0, "it is a nested group"
	}
	if c.Repeated() {
		return 0, 0, "it is a repeated field"
	}
	typ := c.Type()
	var logical format.LogicalTypeValue
	if lt := typ.LogicalType(); lt != nil {
		logical = lt.Value
	}
	switch typ.Kind() {
	case parquet.Boolean:
		return srcBool, 1, ""
	case parquet.Int32, parquet.Int64:
		switch lt := logical.(type) {
		case *format.IntType:
			if !lt.IsSigned {
				return srcUint, 1, ""
			}
		case *format.DecimalType:
			return srcInt, math.Pow10(int(lt.Scale)), ""
		}
		return srcInt, 1, ""
	case parquet.Float:
		return srcFloat, 1, ""
	case parquet.Double:
		return srcDouble, 1, ""
	case parquet.ByteArray, parquet.FixedLenByteArray:
		switch logical.(type) {
		case *format.StringType, *format.EnumType:
			return srcString, 1, ""
		}
		return 0, 0, "binary values that are not marked as text (String, UTF8 or Enum)"
	}
	return 0, 0, fmt.Sprintf("values of type %s", typ.Kind())
}

// read adds the column's values in one row group, whose first row is the
// file's row first+1, after checking what its page headers claim.
func (c *pqColumn) read(r io.ReaderAt, size int64, rg parquet.RowGroup, meta *format.RowGroup, g, first int) error {
	name, rows := c.b.col.Name, int(meta.NumRows)
	if c.leaf < 0 || c.leaf >= len(meta.Columns) {
		return unreadableParquet(fmt.Sprintf("row group %d lacks column %q", g+1, name))
	}
	if err := checkChunk(r, size, &meta.Columns[c.leaf].MetaData, meta.NumRows, c.maxDef); err != nil {
		return unreadableParquet(fmt.Sprintf("column %q: %v", name, err))
	}
	read := 0
	err := eachValues(rg, c.leaf, func(values []parquet.Value) error {
		if len(values) > rows-read {
			return fmt.Errorf("column %q has more values than row group %d has rows", name, g+1)
		}
		c.add(values, first+read)
		read += len(values)
		return nil
	})
	if err != nil {
		return unreadableParquet(err.Error())
	}
	if read != rows {
		return unreadableParquet(fmt.Sprintf("column %q has %d values in row group %d, which has %d rows", name, read, g+1, rows))
	}
	return nil
}

// eachValues hands the values of one column chunk to visit, a page buffer
// at a time. Pages are not released back to the library's pools: its
// reference counting is one more thing a damaged file could upset.
func eachValues(rg parquet.RowGroup, leaf int, visit func([]parquet.Value) error) error {
	var pages parquet.Pages
	err := guard(func() error {
		chunks := rg.ColumnChunks()
		if leaf >= len(chunks) {
			return errors.New("a row group lacks a column")
		}
		pages = chunks[leaf].Pages()
		return nil
	})
	if err != nil {
		return err
	}
	defer guard(pages.Close)
	buf := make([]parquet.Value, 1024)
	for {
		var values parquet.ValueReader
		err := guard(func() error {
			page, err := pages.ReadPage()
			if err == nil {
				values = page.Values()
			}
			return err
		})
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for {
			var n int
			err := guard(func() (err error) {
				n, err = values.ReadValues(buf)
				return err
			})
			if n > 0 {
				if err := visit(buf[:n]); err != nil {
					return err
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if n == 0 {
				return errors.New("a page gives no values")
			}
		}
	}
}

// guard runs a call into the Parquet library, turning a panic into an
// error; the call's own error is returned as it is.
func guard(call func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return call()
}

// unreadableParquet words an error about a Parquet file as one line.
func unreadableParquet(reason string) error {
	reason = strings.Join(strings.Fields(reason), " ")
	return fail(ErrUnreadable, "unreadable Parquet file: %s", truncate(reason, 200))
}

// add adds values of the current row group, the first of which is in the
// file's row first+1.
func (c *pqColumn) add(values []parquet.Value, first int) {
	if c.b.col.Kind == Numeric {
		for i, v := range values {
			x, ok := c.number(v)
			switch {
			case !ok:
				c.b.add(cell{kind: cellBytes, raw: v.ByteArray()}, first+i+1)
			case math.IsNaN(x):
				c.b.add(cell{kind: cellMissing}, 0)
			default:
				c.b.add(cell{kind: cellNumber, num: x}, 0)
			}
		}
		return
	}
	for _, v := range values {
		if text, ok := c.text(v); ok {
			c.b.add(cell{kind: cellBytes, raw: text}, 0)
		} else {
			c.b.add(cell{kind: cellMissing}, 0)
		}
	}
}

// number reads a value as a number: NaN when null; ok is false for text
// that is not a number.
func (c *pqColumn) number(v parquet.Value) (x float64, ok bool) {
	if v.IsNull() {
		return math.NaN(), true
	}
	switch c.src {
	case srcBool:
		if v.Boolean() {
			return 1, true
		}
		return 0, true
	case srcInt:
		return float64(integer(v)) / c.scale, true
	case srcUint:
		return float64(unsigned(v)), true
	case srcFloat:
		return float64(v.Float()), true
	case srcDouble:
		return v.Double(), true
	}
	switch cl := classifyBytes(v.ByteArray(), Numeric); cl.kind {
	case cellNumber:
		return cl.num, true
	case cellMissing:
		return math.NaN(), true
	}
	return math.NaN(), false
}

// text reads a value as a level; ok is false when it is missing.
func (c *pqColumn) text(v parquet.Value) ([]byte, bool) {
	if v.IsNull() {
		return nil, false
	}
	switch c.src {
	case srcString:
		return v.ByteArray(), true
	case srcBool:
		if v.Boolean() {
			return trueText, true
		}
		return falseText, true
	case srcInt:
		if c.scale == 1 {
			return strconv.AppendInt(nil, integer(v), 10), true
		}
	case srcUint:
		return strconv.AppendUint(nil, unsigned(v), 10), true
	case srcFloat:
		x := float64(v.Float())
		if math.IsNaN(x) {
			return nil, false
		}
		return strconv.AppendFloat(nil, x, 'g', -1, 32), true
	}
	x, _ := c.number(v)
	if math.IsNaN(x) {
		return nil, false
	}
	return strconv.AppendFloat(nil, x, 'g', -1, 64), true
}

// integer is the value of an INT32 or INT64 column.
func integer(v parquet.Value) int64 {
	if v.Kind() == parquet.Int32 {
		return int64(v.Int32())
	}
	return v.Int64()
}

// unsigned is the value of an INT32 or INT64 column of unsigned integers.
func unsigned(v parquet.Value) uint64 {
	if v.Kind() == parquet.Int32 {
		return uint64(uint32(v.Int32()))
	}
	return uint64(v.Int64())
}
