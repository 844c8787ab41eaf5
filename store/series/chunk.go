package series

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("series: corrupt chunk")

// version is the format version, the first byte of every chunk.
const version = 1

// floatFields is the size of the header's four float64 fields.
const floatFields = 4 * 8

// corrupt returns an error wrapping ErrCorrupt.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// zigzag maps signed to unsigned varint input the way encoding/binary's
// Varint does, so small magnitudes of either sign stay short.
func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

// uvarintLen is the length of the uvarint encoding of x: 7 bits per byte.
func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// headerLen is the length of the header appendHeader writes for s.
func headerLen(s *Summary) int {
	n := 1 + uvarintLen(uint64(s.Count))
	if s.Count == 0 {
		return n
	}
	return n + uvarintLen(zigzag(s.FirstStep)) + uvarintLen(zigzag(s.LastStep)) +
		uvarintLen(zigzag(s.FirstTime)) + uvarintLen(zigzag(s.LastTime)) +
		floatFields
}

// appendHeader appends the chunk header of s to b (layout in doc.go).
func appendHeader(b []byte, s *Summary) []byte {
	b = append(b, version)
	b = binary.AppendUvarint(b, uint64(s.Count))
	if s.Count == 0 {
		return b
	}
	// Last step and time are absolute, not relative to the first ones
	// (which would save 3 bytes a chunk): the decoder starts from the
	// first ones and checks it ends at the last ones, which then catches
	// damage to either.
	b = binary.AppendVarint(b, s.FirstStep)
	b = binary.AppendVarint(b, s.LastStep)
	b = binary.AppendVarint(b, s.FirstTime)
	b = binary.AppendVarint(b, s.LastTime)
	for _, f := range [...]float64{s.Min, s.Max, s.Sum, s.Last} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	return b
}

// parseHeader reads the header of chunk and returns its summary and the bit
// stream that follows. It checks that the stream is long enough for Count
// points, so callers may size buffers by Count.
func parseHeader(chunk []byte) (Summary, []byte, error) {
	if len(chunk) == 0 {
		return Summary{}, nil, corrupt("empty chunk")
	}
	if chunk[0] != version {
		return Summary{}, nil, corrupt("unknown format version %d (want %d)", chunk[0], version)
	}
	p := chunk[1:]
	count, n := binary.Uvarint(p)
	if n <= 0 {
		return Summary{}, nil, corrupt("bad point count")
	}
	p = p[n:]
	if count == 0 {
		if len(p) != 0 {
			return Summary{}, nil, corrupt("%d bytes after the header of an empty chunk", len(p))
		}
		return emptySummary(), nil, nil
	}

	var ints [4]int64 // first step, last step, first time, last time
	for i := range ints {
		v, n := binary.Varint(p)
		if n <= 0 {
			return Summary{}, nil, corrupt("bad varint in header")
		}
		ints[i], p = v, p[n:]
	}
	if len(p) < floatFields {
		return Summary{}, nil, corrupt("header truncated")
	}
	var floats [4]float64 // min, max, sum, last
	for i := range floats {
		floats[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*i:]))
	}
	stream := p[floatFields:]

	// The first point takes at least 1 bit (its value code), every other
	// one at least 3 (step, time and value codes). Checking this before
	// anything is sized by count bounds what a forged count can cost.
	streamBits := uint64(len(stream)) * 8
	if streamBits == 0 || count-1 > (streamBits-1)/3 || count > math.MaxInt {
		return Summary{}, nil, corrupt("%d points cannot fit in %d stream bytes", count, len(stream))
	}
	s := Summary{
		Count:     int(count),
		FirstStep: ints[0],
		LastStep:  ints[1],
		FirstTime: ints[2],
		LastTime:  ints[3],
		Min:       floats[0],
		Max:       floats[1],
		Sum:       floats[2],
		Last:      floats[3],
	}
	if s.Count == 1 && (s.FirstStep != s.LastStep || s.FirstTime != s.LastTime) {
		return Summary{}, nil, corrupt("one point with different first and last step or time")
	}
	return s, stream, nil
}

// ReadSummary returns the summary in the header of chunk, without decoding
// its points. It checks the header only: a chunk whose stream is damaged may
// still have a readable summary.
func ReadSummary(chunk []byte) (Summary, error) {
	s, _, err := parseHeader(chunk)
	return s, err
}

// Decode returns the points of chunk in arrival order.
func Decode(chunk []byte) ([]Point, error) {
	return DecodeAppend(nil, chunk)
}

// DecodeAppend appends the points of chunk to dst and returns the extended
// slice; on error it returns dst unchanged. Reusing dst across chunks avoids
// allocating for each.
func DecodeAppend(dst []Point, chunk []byte) ([]Point, error) {
	out, _, err := decode(dst, chunk, true)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// decoded is what decode learnt besides the points: enough to continue the
// stream (see Resume).
type decoded struct {
	summary Summary
	stream  []byte // the bit stream, aliasing the chunk
	bitLen  uint64 // bits of stream used by points (the rest is padding)
	codec   codec  // state after the last point
}

// decode decodes every point of chunk, appending them to dst when keep is
// set, and checks the chunk for consistency: the stream must hold exactly
// Count points followed by fewer than 8 zero padding bits, and the points
// must agree with the header summary.
func decode(dst []Point, chunk []byte, keep bool) ([]Point, decoded, error) {
	s, stream, err := parseHeader(chunk)
	if err != nil {
		return dst, decoded{}, err
	}
	if s.Count == 0 {
		return dst, decoded{summary: s}, nil
	}
	if keep {
		// parseHeader bounded Count by the chunk length.
		dst = slices.Grow(dst, s.Count)
	}

	r := bitReader{data: stream}
	c := codec{step: s.FirstStep, time: s.FirstTime}
	var got Summary
	for i := range s.Count {
		if i > 0 {
			c.readStepTime(&r)
		}
		v, ok := c.readValue(&r)
		if r.overrun {
			return dst, decoded{}, corrupt("stream ends in point %d of %d", i, s.Count)
		}
		if !ok {
			return dst, decoded{}, corrupt("invalid value code in point %d", i)
		}
		p := Point{Step: c.step, Time: c.time, Value: math.Float64frombits(v)}
		got.add(p)
		if keep {
			dst = append(dst, p)
		}
	}

	left := r.bitsLeft()
	if left >= 8 {
		return dst, decoded{}, corrupt("%d bytes after the last point", left/8)
	}
	if left > 0 && stream[len(stream)-1]&(1<<left-1) != 0 {
		return dst, decoded{}, corrupt("nonzero padding bits")
	}
	if field := s.mismatch(&got); field != "" {
		return dst, decoded{}, corrupt("header %s disagrees with the points", field)
	}
	return dst, decoded{summary: s, stream: stream, bitLen: r.pos, codec: c}, nil
}
