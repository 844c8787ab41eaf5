package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/format"
)

// The Parquet library allocates whatever a file's metadata claims (a list of
// two billion schema elements, a two-gigabyte string, a page of two billion
// values) before finding out that the bytes are not there, and a Go program
// cannot survive running out of memory. So the claims are checked here
// first, against the size of the file: the footer and each page header are
// walked as Thrift compact-protocol bytes, and every length in them must fit
// in the bytes that follow.

// maxPageSize is the largest page read, uncompressed. Writers cut pages at a
// megabyte or so; a gigabyte is a damaged header.
const maxPageSize = 1 << 30

// maxThriftDepth bounds the nesting of Thrift values; Parquet's metadata
// nests a handful deep.
const maxThriftDepth = 64

// rowLimit is the most rows a file of this size is believed to hold: plenty
// for any real file (a thousand rows a byte, or four million), and a bound on
// what a damaged row count can make the reader allocate.
func rowLimit(size int64) int64 { return max(1<<22, 1024*size) }

var (
	errThriftShort = errors.New("runs past its end")
	errThriftBad   = errors.New("is not valid Thrift")
)

// checkFooter checks the file's metadata before the library decodes it.
func checkFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return nil // the library says what is wrong
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil && err != io.EOF {
		return err
	}
	if string(tail[4:]) != "PAR1" {
		return nil // not plain Parquet: the library says what is wrong
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 {
		return fmt.Errorf("its footer claims %d bytes in a file of %d", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil && err != io.EOF {
		return err
	}
	w := thriftWalker{b: footer}
	if err := w.structure(0, 0); err != nil {
		return fmt.Errorf("its footer %w", err)
	}
	return nil
}

// checkChunk walks the pages of a column chunk of a flat column: the chunk
// must lie in the file, each page in the chunk, the pages must hold no more
// values than the row group has rows, and no run-length encoded stream the
// reader decodes may claim far more values than its page holds.
func checkChunk(r io.ReaderAt, size int64, m *format.ColumnMetaData, rows int64, maxDef int) error {
	start := m.DataPageOffset
	if m.DictionaryPageOffset != 0 {
		start = m.DictionaryPageOffset
	}
	if start < 4 || start > size || m.TotalCompressedSize < 0 || m.TotalCompressedSize > size-start {
		return errors.New("a column chunk lies outside the file")
	}
	end := start + m.TotalCompressedSize
	values := int64(0)
	var scratch []byte
	for pos := start; pos < end; {
		h, err := readPageHeader(r, pos, end)
		if err != nil {
			return err
		}
		if h.compressed < 0 || h.compressed > end-pos-h.length {
			return errors.New("a page runs past its column chunk")
		}
		if h.uncompressed < 0 || h.uncompressed > maxPageSize {
			return fmt.Errorf("a page claims %d bytes", h.uncompressed)
		}
		switch h.typ {
		case format.DataPage, format.DataPageV2:
			if h.numValues < 0 || h.numValues > rows-values {
				return fmt.Errorf("pages hold more values than the row group's %d rows", rows)
			}
			values += h.numValues
			if err := checkRuns(r, pos+h.length, h, m.Codec, maxDef, &scratch); err != nil {
				return err
			}
		case format.DictionaryPage:
			// A dictionary entry takes a bit at least.
			if h.numValues < 0 || h.numValues > 8*h.uncompressed+8 {
				return fmt.Errorf("a dictionary page claims %d values in %d bytes", h.numValues, h.uncompressed)
			}
		}
		pos += h.length + h.compressed
	}
	return nil
}

// checkRuns scans the run-length encoded streams of a data page that are
// stored uncompressed: its definition levels, and its dictionary indices
// when its values are not compressed. The library decodes every run whatever
// the page's value count, and one damaged run header can claim two billion.
// Streams inside compressed data are not reached.
func checkRuns(r io.ReaderAt, body int64, h pageHeader, codec format.CompressionCodec, maxDef int, scratch *[]byte) error {
	limit := 2*uint64(h.numValues) + 1024
	dictionary := h.encoding == format.RLEDictionary || h.encoding == format.PlainDictionary
	var levels, indices []byte
	switch {
	case h.typ == format.DataPageV2:
		if h.repLength < 0 || h.defLength < 0 || h.repLength+h.defLength > h.compressed {
			return errors.New("a page's levels run past it")
		}
		n := h.repLength + h.defLength
		if dictionary && (codec == format.Uncompressed || !h.valuesCompressed) {
			n = h.compressed
		}
		data, err := readBytes(r, body, n, scratch)
		if err != nil {
			return err
		}
		levels = data[h.repLength : h.repLength+h.defLength]
		if n == h.compressed {
			indices = data[h.repLength+h.defLength:]
		}
	case codec == format.Uncompressed && (maxDef > 0 || dictionary):
		data, err := readBytes(r, body, h.compressed, scratch)
		if err != nil {
			return err
		}
		if maxDef > 0 {
			if h.defEncoding != format.RLE || len(data) < 4 {
				return nil // the library says what is wrong, or needs no runs
			}
			n := int64(binary.LittleEndian.Uint32(data))
			if n > int64(len(data)-4) {
				return errors.New("a page's levels run past it")
			}
			levels, data = data[4:4+n], data[4+n:]
		}
		if dictionary {
			indices = data
		}
	}
	if maxDef > 0 && runCount(levels, 1, limit) > limit {
		return fmt.Errorf("a page's levels claim more values than its %d", h.numValues)
	}
	if len(indices) > 0 && runCount(indices[1:], uint(indices[0]), limit) > limit {
		return fmt.Errorf("a page's dictionary indices claim more values than its %d", h.numValues)
	}
	return nil
}

// runCount adds up the counts of the runs of a run-length/bit-packed hybrid
// stream of values of width bits, as the library's decoder walks it (an
// empty run has no value byte), stopping once past limit or where the
// decoder would fail.
func runCount(b []byte, width uint, limit uint64) uint64 {
	var total uint64
	for len(b) > 0 && total <= limit {
		header, n := binary.Uvarint(b)
		if n <= 0 {
			break
		}
		b = b[n:]
		count := header >> 1
		if count > limit {
			return count
		}
		size := uint64(width+7) / 8 // one repeated value
		if header&1 == 1 {          // count groups of eight values, width bytes each
			size = count * uint64(width)
			count *= 8
		} else if count == 0 {
			continue
		}
		if size > uint64(len(b)) {
			break
		}
		total += count
		b = b[size:]
	}
	return total
}

// readBytes reads n bytes at off into a reused buffer.
func readBytes(r io.ReaderAt, off, n int64, scratch *[]byte) ([]byte, error) {
	if int64(cap(*scratch)) < n {
		*scratch = make([]byte, n)
	}
	b := (*scratch)[:n]
	if _, err := r.ReadAt(b, off); err != nil && err != io.EOF {
		return nil, err
	}
	return b, nil
}

// pageHeader is what checkChunk needs of a page header.
type pageHeader struct {
	length                   int64 // of the header itself
	typ                      format.PageType
	compressed, uncompressed int64
	numValues                int64 // a data page's values, or a dictionary's
	encoding                 format.Encoding
	defEncoding              format.Encoding // data page v1
	repLength, defLength     int64           // data page v2
	valuesCompressed         bool            // data page v2
}

// readPageHeader reads the page header at pos, reading more of the chunk
// while the header runs past what was read.
func readPageHeader(r io.ReaderAt, pos, end int64) (pageHeader, error) {
	window := min(end-pos, 4096)
	for {
		buf := make([]byte, window)
		if _, err := r.ReadAt(buf, pos); err != nil && err != io.EOF {
			return pageHeader{}, err
		}
		w := thriftWalker{b: buf, ints: make(map[[2]int16]int64)}
		err := w.structure(0, 0)
		if err == nil {
			return newPageHeader(int64(w.pos), w.ints), nil
		}
		if err != errThriftShort || window == end-pos {
			return pageHeader{}, fmt.Errorf("a page header %w", err)
		}
		window = min(end-pos, 4*window)
	}
}

// newPageHeader picks the fields of a page header by their Thrift ids.
func newPageHeader(length int64, f map[[2]int16]int64) pageHeader {
	h := pageHeader{
		length:       length,
		typ:          format.PageType(f[[2]int16{0, 1}]),
		uncompressed: f[[2]int16{0, 2}],
		compressed:   f[[2]int16{0, 3}],
	}
	switch h.typ {
	case format.DataPage:
		h.numValues = f[[2]int16{5, 1}]
		h.encoding = format.Encoding(f[[2]int16{5, 2}])
		h.defEncoding = format.Encoding(f[[2]int16{5, 3}])
	case format.DataPageV2:
		h.numValues = f[[2]int16{8, 1}]
		h.encoding = format.Encoding(f[[2]int16{8, 4}])
		h.defLength = f[[2]int16{8, 5}]
		h.repLength = f[[2]int16{8, 6}]
		compressed, set := f[[2]int16{8, 7}]
		h.valuesCompressed = !set || compressed != 0
	case format.DictionaryPage:
		h.numValues = f[[2]int16{7, 1}]
	}
	return h
}

// thriftWalker walks Thrift compact-protocol bytes without decoding them,
// checking that each length fits in the bytes left. It keeps the integer
// fields of the outer struct and of the structs in it, keyed by the field
// ids of the parent (0 for the outer struct) and the field.
type thriftWalker struct {
	b    []byte
	pos  int
	ints map[[2]int16]int64 // nil: keep nothing
}

// structure walks a struct's fields up to its stop byte.
func (w *thriftWalker) structure(depth int, parent int16) error {
	if depth > maxThriftDepth {
		return errThriftBad
	}
	var id int16
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		typ := h & 0x0f
		if typ == 0 {
			return nil
		}
		if delta := int16(h >> 4); delta != 0 {
			id += delta
		} else {
			v, err := w.varint()
			if err != nil {
				return err
			}
			id = int16(zigzag(v))
		}
		v, err := w.value(typ, depth, id)
		if err != nil {
			return err
		}
		if w.ints != nil && depth <= 1 && typ <= 6 {
			w.ints[[2]int16{parent, id}] = v
		}
	}
}

// value walks one value of a type; an integer's value is returned.
func (w *thriftWalker) value(typ byte, depth int, id int16) (int64, error) {
	switch typ {
	case 1: // true, held in the type
		return 1, nil
	case 2: // false
		return 0, nil
	case 3: // byte
		return 0, w.skip(1)
	case 4, 5, 6: // i16, i32, i64
		v, err := w.varint()
		return zigzag(v), err
	case 7: // double
		return 0, w.skip(8)
	case 8: // binary
		n, err := w.varint()
		if err != nil {
			return 0, err
		}
		return 0, w.skip(n)
	case 9, 10: // list, set
		h, err := w.byte()
		if err != nil {
			return 0, err
		}
		n, elem := uint64(h>>4), h&0x0f
		if n == 15 {
			if n, err = w.varint(); err != nil {
				return 0, err
			}
		}
		return 0, w.elements(n, 1, depth, elem, 0)
	case 11: // map
		n, err := w.varint()
		if err != nil || n == 0 {
			return 0, err
		}
		kv, err := w.byte()
		if err != nil {
			return 0, err
		}
		return 0, w.elements(n, 2, depth, kv>>4, kv&0x0f)
	case 12: // struct
		return 0, w.structure(depth+1, id)
	}
	return 0, errThriftBad
}

// elements walks n elements of a list (one type) or a map (two), after
// checking that they can fit: each takes a byte at least.
func (w *thriftWalker) elements(n, per uint64, depth int, types ...byte) error {
	if n > uint64(len(w.b)-w.pos)/per {
		return errThriftShort
	}
	for range n {
		for _, typ := range types[:per] {
			if typ == 1 || typ == 2 {
				typ = 3 // in a container, a boolean takes a byte
			}
			if _, err := w.value(typ, depth+1, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *thriftWalker) byte() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, errThriftShort
	}
	w.pos++
	return w.b[w.pos-1], nil
}

func (w *thriftWalker) skip(n uint64) error {
	if n > uint64(len(w.b)-w.pos) {
		return errThriftShort
	}
	w.pos += int(n)
	return nil
}

func (w *thriftWalker) varint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	switch {
	case n == 0:
		return 0, errThriftShort
	case n < 0:
		return 0, errThriftBad
	}
	w.pos += n
	return v, nil
}

func zigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }
