package series

import "encoding/binary"

// bitWriter appends bits to a byte slice, most significant bit first.
//
// The stream lives directly in buf (no 64-bit accumulator) so that Bytes can
// copy it as is and Resume can rebuild a writer from a decoded chunk by
// copying its stream and counting the free bits of the last byte.
type bitWriter struct {
	buf []byte
	// free is the number of low bits of the last byte of buf not written yet
	// (0 when buf is empty or its last byte is full). Unwritten bits are zero.
	free uint
}

// writeBit writes one bit: 1 when bit is true.
func (w *bitWriter) writeBit(bit bool) {
	if w.free == 0 {
		w.buf = append(w.buf, 0)
		w.free = 8
	}
	w.free--
	if bit {
		w.buf[len(w.buf)-1] |= 1 << w.free
	}
}

// writeBits writes the low n bits of v (0 <= n <= 64), most significant
// first. Bits of v above n are ignored.
func (w *bitWriter) writeBits(v uint64, n uint) {
	if n == 0 {
		return
	}
	u := v << (64 - n) // the n bits at the top, zeros below
	if w.free > 0 {
		// Fill the free low bits of the last byte with the top of u.
		w.buf[len(w.buf)-1] |= byte(u >> (64 - w.free))
		if n <= w.free {
			w.free -= n
			return
		}
		n -= w.free
		u <<= w.free
		w.free = 0
	}
	// Append the remaining n bits as whole bytes; the bits of the last one
	// beyond n are zeros from the shift above and become free.
	var tmp [8]byte
	binary.BigEndian.PutUint64(tmp[:], u)
	k := (n + 7) / 8
	w.buf = append(w.buf, tmp[:k]...)
	w.free = k*8 - n
}

// bitLen is the number of bits written.
func (w *bitWriter) bitLen() uint64 {
	return uint64(len(w.buf))*8 - uint64(w.free)
}

// bitReader reads bits written by bitWriter.
//
// Reading past the end does not fail at once: it yields zero bits and sets
// overrun, which the decoder checks once per point. This keeps the hot path
// free of error returns while still bounding the work on a truncated chunk
// (the decoder stops at the first point that overran).
type bitReader struct {
	data    []byte
	pos     uint64 // next bit to read
	overrun bool
}

// readBit reads one bit.
func (r *bitReader) readBit() bool {
	i := r.pos >> 3
	if i >= uint64(len(r.data)) {
		r.overrun = true
		return false
	}
	bit := (r.data[i]>>(7-r.pos%8))&1 == 1
	r.pos++
	return bit
}

// readBits reads n bits (0 <= n <= 64) as an unsigned number, most
// significant first.
func (r *bitReader) readBits(n uint) uint64 {
	i := r.pos >> 3
	if n <= 56 && i+8 <= uint64(len(r.data)) {
		// Fast path: the bits lie within the 8 bytes from i, since at
		// most 7 bits of byte i were read already.
		word := binary.BigEndian.Uint64(r.data[i:])
		read := r.pos & 7
		r.pos += uint64(n)
		return word << read >> (64 - n) // n == 0 shifts everything out
	}
	return r.readBitsSlow(n)
}

// readBitsSlow is readBits near the end of the stream (and for n > 56):
// byte by byte.
func (r *bitReader) readBitsSlow(n uint) uint64 {
	var v uint64
	for n > 0 {
		i := r.pos >> 3
		if i >= uint64(len(r.data)) {
			r.overrun = true
			return 0
		}
		avail := 8 - uint(r.pos&7) // unread bits left in this byte
		take := min(n, avail)
		// The mask is computed in byte arithmetic: for take == 8, 1<<8
		// wraps to 0 and 0-1 to 0xff, keeping the whole byte.
		b := (r.data[i] >> (avail - take)) & (1<<take - 1)
		v = v<<take | uint64(b)
		r.pos += uint64(take)
		n -= take
	}
	return v
}

// bitsLeft is the number of bits not read yet (0 after an overrun).
func (r *bitReader) bitsLeft() uint64 {
	total := uint64(len(r.data)) * 8
	if r.pos >= total {
		return 0
	}
	return total - r.pos
}
