package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
)

// maxJSONLine is the longest JSON line read; a longer one is a bad row, so
// that one runaway line cannot exhaust memory.
const maxJSONLine = 16 << 20

// jsonlReader reads JSON lines into columns, one line at a time.
type jsonlReader struct {
	br   *bufio.Reader
	long []byte // a line longer than br's buffer, put together
	sel  selection
	t    *Table
	scan objectScanner

	index map[string]int // column name → position in cols
	cols  []*builder
	cells []cell // the current line's value per column
	set   []int  // the line that last gave each column a value

	// Keys first seen on the current line, added only if the line is good.
	fresh       []freshColumn
	freshOthers []string

	known map[string]bool // every key of a good line, read or not
	names []string        // the same, in order of first appearance, for errors
}

type freshColumn struct {
	name string
	c    cell
}

func readJSONL(br *bufio.Reader, opt Options) (*Table, error) {
	if head, _ := br.Peek(len(utf8BOM)); bytes.Equal(head, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	r := &jsonlReader{
		br:    br,
		sel:   newSelection(opt),
		t:     &Table{Format: formatJSONL},
		index: make(map[string]int),
		known: make(map[string]bool),
	}
	lineNo, objects := 0, 0
	for {
		line, tooLong, err := r.nextLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fail(ErrUnreadable, "%v", err)
		}
		lineNo++
		if tooLong {
			objects++
			r.t.addBad(lineNo, fmt.Sprintf("line longer than %d MiB", maxJSONLine>>20))
			continue
		}
		if len(bytes.TrimLeft(line, " \t\r\n")) == 0 {
			continue
		}
		objects++
		if reason := r.readLine(lineNo, line); reason != "" {
			r.t.addBad(lineNo, reason)
			continue
		}
		r.commit(lineNo)
	}
	if objects == 0 {
		return nil, fail(ErrUnreadable, "empty file: no JSON lines")
	}
	if err := r.sel.check(opt, r.names); err != nil {
		// With no good line the file's columns are unknown: the empty
		// table, whose bad rows say why, is the better answer.
		if !errors.Is(err, ErrNoColumn) || r.t.Rows > 0 {
			return nil, err
		}
	}
	finishColumns(r.t, r.cols)
	return r.t, nil
}

// nextLine returns the next line without its newline. A line longer than
// maxJSONLine is read through but not kept.
func (r *jsonlReader) nextLine() (line []byte, tooLong bool, err error) {
	line, err = r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			if len(r.long)+len(line) > maxJSONLine {
				tooLong = true
				r.long = r.long[:0]
			}
			if !tooLong {
				r.long = append(r.long, line...)
			}
		}
		line = r.long
	}
	if err == io.EOF && (len(line) > 0 || tooLong) {
		err = nil // the last line has no newline
	}
	if err != nil {
		return nil, false, err
	}
	return bytes.TrimSuffix(line, []byte("\n")), tooLong, nil
}

// readLine reads one line's object into cells, or says why the line is bad.
func (r *jsonlReader) readLine(lineNo int, line []byte) string {
	r.fresh, r.freshOthers = r.fresh[:0], r.freshOthers[:0]
	s := &r.scan
	if err := s.start(line); err != nil {
		return err.Error()
	}
	for {
		key, more, err := s.key()
		if err != nil {
			return err.Error()
		}
		if !more {
			return ""
		}
		if r.sel.only != nil && !r.sel.only[string(key)] {
			if err := r.skip(); err != nil {
				return err.Error()
			}
			if !r.known[string(key)] {
				r.freshOthers = append(r.freshOthers, string(key))
			}
			continue
		}
		v, err := s.value()
		if err != nil {
			return err.Error()
		}
		i, known := r.index[string(key)]
		fixed := Kind(0)
		if known {
			fixed = r.cols[i].fixed
		} else {
			fixed, _ = r.sel.kind(string(key))
		}
		c, reason := jsonCell(key, v, fixed)
		if reason != "" {
			return reason
		}
		if known {
			if r.set[i] == lineNo {
				return fmt.Sprintf("key %q repeated", key)
			}
			r.set[i], r.cells[i] = lineNo, c
			continue
		}
		for _, f := range r.fresh {
			if f.name == string(key) {
				return fmt.Sprintf("key %q repeated", key)
			}
		}
		r.fresh = append(r.fresh, freshColumn{name: string(key), c: c})
	}
}

// skip passes over the value of a key that is not read, nested or not.
func (r *jsonlReader) skip() error {
	v, err := r.scan.value()
	if err != nil {
		return err
	}
	if v.kind == jsonObject || v.kind == jsonArray {
		return r.scan.skipNested()
	}
	return nil
}

// jsonCell classifies one value for a column of the given fixed kind (0
// when inferred), or says why the row is bad. A string is read as a CSV
// field is, so that a quoted number is a number and "NA" is missing.
func jsonCell(key []byte, v jsonValue, fixed Kind) (cell, string) {
	switch v.kind {
	case jsonNull:
		return cell{kind: cellMissing}, ""
	case jsonNumber:
		switch {
		case math.IsNaN(v.num):
			return cell{kind: cellMissing}, ""
		case fixed == Categorical:
			return cell{kind: cellBytes, raw: v.raw}, ""
		}
		return cell{kind: cellNumber, num: v.num}, ""
	case jsonBool:
		if fixed == Numeric {
			if v.bool {
				return cell{kind: cellNumber, num: 1}, ""
			}
			return cell{kind: cellNumber, num: 0}, ""
		}
		return cell{kind: cellBytes, raw: v.raw}, ""
	case jsonString:
		return classifyBytes(v.raw, fixed), ""
	case jsonObject:
		return cell{}, fmt.Sprintf("column %q: nested object", key)
	}
	return cell{}, fmt.Sprintf("column %q: nested array", key)
}

// commit adds the current line's cells as a row; keys first seen on it
// become columns, missing in the rows before.
func (r *jsonlReader) commit(lineNo int) {
	for i, b := range r.cols {
		if r.set[i] == lineNo {
			b.add(r.cells[i], lineNo)
		} else {
			b.add(cell{kind: cellMissing}, lineNo)
		}
	}
	for _, f := range r.fresh {
		fixed, start := r.sel.kind(f.name)
		b := newBuilder(f.name, fixed, start)
		b.addMissingRows(r.t.Rows)
		b.add(f.c, lineNo)
		r.index[f.name] = len(r.cols)
		r.cols = append(r.cols, b)
		r.cells = append(r.cells, cell{})
		r.set = append(r.set, lineNo)
		r.t.Columns = append(r.t.Columns, b.col)
		r.learn(f.name)
	}
	for _, name := range r.freshOthers {
		r.learn(name)
	}
	r.t.Rows++
}

func (r *jsonlReader) learn(name string) {
	if !r.known[name] {
		r.known[name] = true
		r.names = append(r.names, name)
	}
}
