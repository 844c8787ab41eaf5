package series

import "math/bits"

// Bucket widths of the delta-of-delta codes (see doc.go). A dod is written in
// the first bucket whose width holds it as a two's complement number; bucket i
// (1-based) is announced by i one bits and a zero, and a dod that fits none is
// written raw after len(widths)+1 one bits.
var (
	// Steps are usually regular (dod 0); the buckets cover logging at a
	// varying stride (6 bits: ±32), a resume from a checkpoint a few
	// thousand steps back (13 bits: ±4096) or further (20 bits: ±524288),
	// and counters such as tokens seen (32 bits).
	stepWidths = [...]uint{6, 13, 20, 32}

	// Times are microseconds. A dod is the change of the interval between
	// points, i.e. the jitter: 12 bits hold ±2 ms (fast loops, 10 ms
	// apart), 17 bits ±65 ms (a step every second or so, a few percent of
	// jitter), 22 bits ±2 s (slow steps, evaluations) and 32 bits ±35 min
	// (pauses).
	timeWidths = [...]uint{12, 17, 22, 32}
)

// fitsSigned reports whether v is representable in width bits of two's
// complement.
func fitsSigned(v int64, width uint) bool {
	if width >= 64 {
		return true
	}
	// v fits iff all bits from width-1 up are copies of the sign bit.
	top := v >> (width - 1)
	return top == 0 || top == -1
}

// writeDoD writes one delta-of-delta with the buckets of widths.
func writeDoD(w *bitWriter, dod int64, widths []uint) {
	if dod == 0 {
		w.writeBit(false)
		return
	}
	for i, width := range widths {
		if fitsSigned(dod, width) {
			// One write of i+1 ones, a zero and the dod (at most 37 bits).
			ones := uint(i + 1)
			prefix := uint64(1)<<(ones+1) - 2
			w.writeBits(prefix<<width|uint64(dod)&(1<<width-1), ones+1+width)
			return
		}
	}
	ones := uint(len(widths) + 1)
	w.writeBits(1<<ones-1, ones) // escape: no terminating zero
	w.writeBits(uint64(dod), 64)
}

// readDoD reads one delta-of-delta written by writeDoD. A read past the end
// of the stream is reported by r.overrun.
func readDoD(r *bitReader, widths []uint) int64 {
	ones := 0
	for ones <= len(widths) && r.readBit() {
		ones++
	}
	switch {
	case ones == 0:
		return 0
	case ones <= len(widths):
		width := widths[ones-1]
		v := r.readBits(width)
		// Sign-extend from width bits.
		return int64(v<<(64-width)) >> (64 - width)
	default:
		return int64(r.readBits(64))
	}
}

// codec is the state both ends of a stream track, since every code is
// relative to it: the previous point, the previous step and time deltas, and
// the XOR window of the last '11' value code.
type codec struct {
	step, time           int64
	stepDelta, timeDelta int64
	value                uint64 // bits of the previous value; 0 before the first point
	leading, trailing    uint   // XOR window, valid only when windowed
	windowed             bool
}

// writeStepTime writes the step and time codes of a point other than the
// first one (whose step and time are in the chunk header).
//
// The arithmetic relies on Go's signed integers wrapping on overflow (two's
// complement, as the spec defines): deltas and dods of any int64 values are
// computed modulo 2^64 and readStepTime undoes them modulo 2^64, so
// sequences such as MinInt64, MaxInt64 round-trip. A dod that needs all 64
// bits takes the escape code.
func (c *codec) writeStepTime(w *bitWriter, step, time int64) {
	d := step - c.step
	writeDoD(w, d-c.stepDelta, stepWidths[:])
	c.step, c.stepDelta = step, d

	d = time - c.time
	writeDoD(w, d-c.timeDelta, timeWidths[:])
	c.time, c.timeDelta = time, d
}

// readStepTime is the inverse of writeStepTime.
func (c *codec) readStepTime(r *bitReader) {
	c.stepDelta += readDoD(r, stepWidths[:])
	c.step += c.stepDelta
	c.timeDelta += readDoD(r, timeWidths[:])
	c.time += c.timeDelta
}

// maxLeading is the largest leading-zero count a '11' code can express in
// its 5-bit field; an XOR with more leading zeros is written as if it had 31
// and carries a few zero bits in its meaningful part.
const maxLeading = 31

// writeValue writes the Gorilla XOR code of the value bits v:
//
//	'0'                          v equals the previous value
//	'10' <window bits>           the XOR fits the previous window
//	'11' <5 leading> <6 length> <length bits>   a new window
func (c *codec) writeValue(w *bitWriter, v uint64) {
	x := v ^ c.value
	c.value = v
	if x == 0 {
		w.writeBit(false)
		return
	}
	leading := min(uint(bits.LeadingZeros64(x)), maxLeading)
	trailing := uint(bits.TrailingZeros64(x))
	length := 64 - leading - trailing

	// Reuse the previous window when it holds the XOR and costs no more
	// than a new one: '10' + window bits against '11' + 11 bits + length
	// bits. Plain Gorilla always reuses, but after an outlier has widened
	// the window that wastes bits on every following value, while a new
	// tight window pays for itself at once (on a float32 loss this saves
	// about 9 bits a value). Either choice decodes the same.
	if c.windowed && leading >= c.leading && trailing >= c.trailing {
		window := 64 - c.leading - c.trailing
		if window <= 11+length {
			if window <= 62 {
				w.writeBits(0b10<<window|x>>c.trailing, 2+window)
			} else {
				w.writeBits(0b10, 2)
				w.writeBits(x>>c.trailing, window)
			}
			return
		}
	}
	// '11', 5 bits of leading, 6 bits of length (64 does not fit and is
	// written as 0), in one write.
	w.writeBits(0b11<<11|uint64(leading)<<6|uint64(length&63), 13)
	w.writeBits(x>>trailing, length)
	c.leading, c.trailing, c.windowed = leading, trailing, true
}

// readValue reads a code written by writeValue and returns the value bits.
// It reports false for a code that no encoder writes (a '10' before any
// window, or a window wider than 64 bits); a read past the end is reported
// by r.overrun instead.
func (c *codec) readValue(r *bitReader) (uint64, bool) {
	if !r.readBit() {
		return c.value, true
	}
	var x uint64
	if !r.readBit() {
		if !c.windowed {
			return 0, false
		}
		x = r.readBits(64-c.leading-c.trailing) << c.trailing
	} else {
		leading := uint(r.readBits(5))
		length := uint(r.readBits(6))
		if length == 0 {
			length = 64
		}
		if leading+length > 64 {
			return 0, false
		}
		trailing := 64 - leading - length
		x = r.readBits(length) << trailing
		c.leading, c.trailing, c.windowed = leading, trailing, true
	}
	c.value ^= x
	return c.value, true
}
