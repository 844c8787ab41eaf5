package table

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvField is a column of the CSV file that is read.
type csvField struct {
	index int // position in the record
	b     *builder
}

func readCSV(br *bufio.Reader, opt Options) (*Table, error) {
	if head, _ := br.Peek(len(utf8BOM)); string(head) == string(utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1 // a row of the wrong width is a bad row, not an error
	r.ReuseRecord = true

	header, err := readCSVHeader(r)
	if err != nil {
		return nil, err
	}
	sel := newSelection(opt)
	if err := sel.check(opt, header); err != nil {
		return nil, err
	}
	t := &Table{Format: formatCSV}
	var fields []csvField
	for i, name := range header {
		if sel.wants(name) {
			fixed, start := sel.kind(name)
			b := newBuilder(name, fixed, start)
			fields = append(fields, csvField{index: i, b: b})
			t.Columns = append(t.Columns, b.col)
		}
	}

	for {
		record, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// encoding/csv has consumed the bad record's lines and goes on
			// from the next one.
			t.addBad(pe.StartLine, pe.Err.Error())
			continue
		}
		if err != nil {
			return nil, fail(ErrUnreadable, "%v", err)
		}
		if len(record) != len(header) {
			line, _ := r.FieldPos(0)
			t.addBad(line, fmt.Sprintf("%d fields, the header has %d", len(record), len(header)))
			continue
		}
		for _, f := range fields {
			c := classifyText(record[f.index], f.b.fixed)
			line := 0 // only text in a numeric column needs its line
			if c.kind == cellText && f.b.col.Kind == Numeric {
				line, _ = r.FieldPos(f.index)
			}
			f.b.add(c, line)
		}
		t.Rows++
	}
	builders := make([]*builder, len(fields))
	for i, f := range fields {
		builders[i] = f.b
	}
	finishColumns(t, builders)
	return t, nil
}

// readCSVHeader reads the first record as the column names, trimmed.
func readCSVHeader(r *csv.Reader) ([]string, error) {
	record, err := r.Read()
	if err == io.EOF {
		return nil, fail(ErrUnreadable, "empty file: a CSV file needs a header line")
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, fail(ErrUnreadable, "line %d: cannot read the header: %v", pe.StartLine, pe.Err)
	}
	if err != nil {
		return nil, fail(ErrUnreadable, "%v", err)
	}
	line, _ := r.FieldPos(0)
	header := make([]string, len(record))
	seen := make(map[string]int, len(record))
	for i, name := range record {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fail(ErrUnreadable, "line %d: empty header name in column %d", line, i+1)
		}
		if j, dup := seen[name]; dup {
			return nil, fail(ErrUnreadable, "line %d: duplicate header %q (columns %d and %d)", line, name, j+1, i+1)
		}
		seen[name] = i
		header[i] = name
	}
	return header, nil
}
