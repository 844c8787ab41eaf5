package tfevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// maxRecord bounds a record's length: a length past it is a damaged header
// (event records are small), not a reason to allocate.
const maxRecord = 64 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is TFRecord's checksum: CRC-32C, rotated and offset so that a
// checksum of data holding checksums stays well spread.
func maskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return (c>>15 | c<<17) + 0xa282ead8
}

// ErrTruncated says the input ends inside a record: a writer may still be
// writing it.
var ErrTruncated = errors.New("tfevents: a record is cut short")

// Records reads the records of a TFRecord stream held in memory (a file
// read whole, or what a tailer has so far).
type Records struct {
	b   []byte
	off int
	// Corrupt counts the records skipped for a failed checksum, and the
	// bytes skipped to find a sound header again; FirstCorrupt says where
	// the first was.
	Corrupt      int
	SkippedBytes int
	FirstCorrupt string
	// Base is where the input starts in its file, for the byte offsets of
	// FirstCorrupt (a tailer reads a file from where it stopped).
	Base int64
	// skipping says the bytes before off are being skipped in search of a
	// sound header: that run counts as one damaged record.
	skipping bool
}

// NewRecords reads b.
func NewRecords(b []byte) *Records { return &Records{b: b} }

// Offset is where the next record starts: a tailer resumes there with
// more of the file.
func (r *Records) Offset() int64 { return int64(r.off) }

// Next returns the next sound record's data (a slice of the input); io.EOF
// at the end of the input on a record boundary, ErrTruncated inside one.
func (r *Records) Next() ([]byte, error) {
	for {
		rest := r.b[r.off:]
		if len(rest) == 0 {
			return nil, io.EOF
		}
		if len(rest) < 12 {
			return nil, ErrTruncated
		}
		n := binary.LittleEndian.Uint64(rest)
		if maskedCRC(rest[:8]) != binary.LittleEndian.Uint32(rest[8:]) || n > maxRecord {
			// The header is damaged: the length cannot be trusted, so look
			// for the next sound header a byte further on.
			if !r.skipping {
				r.corrupt(fmt.Sprintf("a damaged record header at byte %d", r.Base+int64(r.off)))
			}
			r.skipping = true
			r.off++
			r.SkippedBytes++
			continue
		}
		r.skipping = false
		end := 12 + int(n) + 4
		if len(rest) < end {
			return nil, ErrTruncated
		}
		data := rest[12 : 12+n]
		if maskedCRC(data) != binary.LittleEndian.Uint32(rest[12+n:]) {
			r.corrupt(fmt.Sprintf("a record at byte %d fails its checksum", r.Base+int64(r.off)))
			r.off += end
			continue
		}
		r.off += end
		return data, nil
	}
}

// corrupt counts a damaged record.
func (r *Records) corrupt(what string) {
	r.Corrupt++
	if r.FirstCorrupt == "" {
		r.FirstCorrupt = what
	}
}
