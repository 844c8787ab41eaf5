package series

import "testing"

// TestBits writes fields of random widths, including 0 and 64, interleaved
// with single bits, and reads them back, then checks that reading past the
// end sets overrun.
func TestBits(t *testing.T) {
	rng := newRand(t, 5)
	type field struct {
		v uint64
		n uint
	}
	var fields []field
	var w bitWriter
	for range 10_000 {
		f := field{rng.Uint64(), uint(rng.IntN(65))}
		if rng.IntN(4) == 0 {
			f = field{rng.Uint64() & 1, 1}
			w.writeBit(f.v == 1)
		} else {
			w.writeBits(f.v, f.n)
		}
		if f.n < 64 {
			f.v &= 1<<f.n - 1
		}
		fields = append(fields, f)
	}
	if w.free > 0 && w.buf[len(w.buf)-1]&(1<<w.free-1) != 0 {
		t.Fatal("unwritten bits are not zero")
	}

	r := bitReader{data: w.buf}
	for i, f := range fields {
		var got uint64
		if f.n == 1 && rng.IntN(2) == 0 {
			if r.readBit() {
				got = 1
			}
		} else {
			got = r.readBits(f.n)
		}
		if got != f.v {
			t.Fatalf("field %d (%d bits): got %#x, want %#x", i, f.n, got, f.v)
		}
	}
	if r.overrun || r.pos != w.bitLen() || r.bitsLeft() != uint64(w.free) {
		t.Fatalf("after reading everything: overrun %v, pos %d, bits left %d; wrote %d bits, %d free",
			r.overrun, r.pos, r.bitsLeft(), w.bitLen(), w.free)
	}
	r.readBits(uint(w.free) + 1)
	if !r.overrun {
		t.Error("reading past the end did not set overrun")
	}
}
