package series

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// checkRoundTrip checks everything a chunk of pts must satisfy: decoding
// gives pts back bit-exactly, the summaries agree with a recomputation,
// Size matches Bytes, and resuming after any prefix gives the same bytes.
func checkRoundTrip(t *testing.T, pts []Point) {
	t.Helper()
	a := NewAppender()
	for _, p := range pts {
		a.Append(p)
	}
	chunk := a.Bytes()
	if a.Size() != len(chunk) {
		t.Errorf("Size() = %d, len(Bytes()) = %d", a.Size(), len(chunk))
	}
	if a.Count() != len(pts) {
		t.Errorf("Count() = %d, want %d", a.Count(), len(pts))
	}
	got, err := Decode(chunk)
	if err != nil {
		t.Fatalf("Decode: %v (chunk %x)", err, chunk)
	}
	if d := diffPoints(got, pts); d != "" {
		t.Errorf("Decode: %s", d)
	}
	want := wantSummary(pts)
	if d := diffSummary(a.Summary(), want); d != "" {
		t.Errorf("Summary: %s", d)
	}
	s, err := ReadSummary(chunk)
	if err != nil {
		t.Fatalf("ReadSummary: %v", err)
	}
	if d := diffSummary(s, want); d != "" {
		t.Errorf("ReadSummary: %s", d)
	}
	for k := 0; k <= len(pts); k++ {
		r, err := Resume(encode(pts[:k]))
		if err != nil {
			t.Fatalf("Resume after %d points: %v", k, err)
		}
		for _, p := range pts[k:] {
			r.Append(p)
		}
		if b := r.Bytes(); !bytes.Equal(b, chunk) {
			t.Fatalf("Resume after %d points: got %x, want %x", k, b, chunk)
		}
	}
}

func TestEdgeCases(t *testing.T) {
	negZero := math.Copysign(0, -1)
	tiny := math.SmallestNonzeroFloat64
	const (
		minI = math.MinInt64
		maxI = math.MaxInt64
	)
	vals := func(vs ...float64) []Point {
		pts := make([]Point, len(vs))
		for i, v := range vs {
			pts[i] = Point{Step: int64(i), Time: 1_700_000_000_000_000 + int64(i)*1_000_000, Value: v}
		}
		return pts
	}
	steps := func(ss ...int64) []Point {
		pts := make([]Point, len(ss))
		for i, s := range ss {
			pts[i] = Point{Step: s, Time: int64(i), Value: float64(i)}
		}
		return pts
	}
	times := func(ts ...int64) []Point {
		pts := make([]Point, len(ts))
		for i, ts := range ts {
			pts[i] = Point{Step: int64(i), Time: ts, Value: 1}
		}
		return pts
	}

	tests := []struct {
		name string
		pts  []Point
	}{
		{"empty", nil},
		{"one point", []Point{{Step: 7, Time: 1_700_000_000_000_000, Value: 0.5}}},
		{"one zero point", []Point{{}}},
		{"one extreme point", []Point{{Step: minI, Time: maxI, Value: math.Inf(-1)}}},
		{"NaN payloads", vals(nanWithPayload(false, 1), nanWithPayload(true, 1), nanWithPayload(false, 0xdeadbeef),
			math.NaN(), nanWithPayload(true, 1<<51), nanWithPayload(false, 1<<52-1))},
		{"only NaN", vals(math.NaN(), math.NaN(), nanWithPayload(true, 42))},
		{"infinities", vals(math.Inf(1), math.Inf(-1), math.Inf(1), 1, math.Inf(1))},
		{"only infinities", vals(math.Inf(-1), math.Inf(1))},
		{"signed zeros", vals(negZero, 0, negZero, negZero, 0)},
		{"zero then negative zero", vals(0, negZero)},
		{"subnormals", vals(tiny, -tiny, math.Float64frombits(1<<52-1), math.Float64frombits(12345), 0, tiny)},
		{"huge", vals(math.MaxFloat64, -math.MaxFloat64, math.MaxFloat64, 1e308, -1e300)},
		{"sum overflows", vals(math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64)},
		{"sum becomes NaN", vals(math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64, -math.MaxFloat64, -math.MaxFloat64)},
		{"repeated values", vals(3, 3, 3, 3, 3, 3)},
		{"full-width XOR", vals(math.Float64frombits(0), math.Float64frombits(math.MaxUint64), math.Float64frombits(1), math.Float64frombits(1<<63|1))},
		{"all bit positions", func() []Point {
			var vs []float64
			for i := range 64 {
				vs = append(vs, math.Float64frombits(1<<i), math.Float64frombits(1<<i|1<<(63-i)))
			}
			return vals(vs...)
		}()},
		{"extreme steps", steps(minI, maxI, minI, maxI, 0, minI, minI, maxI, -1, 1)},
		{"wrapping steps", steps(maxI, minI, minI+1, maxI, maxI-1, 0)},
		{"extreme times", times(minI, maxI, minI, maxI, 0, minI, minI, maxI, -1, 1)},
		{"repeated steps", steps(5, 5, 5, 5, 6, 6, 6)},
		{"backwards steps", steps(1000, 1001, 1002, 500, 501, 502, 0, -1, -2)},
		{"negative steps", steps(-10, -9, -8, -100000, -100001)},
		{"every bucket", steps(0, 0, 1, 33, 100, 5000, 600000, 1<<32, 1<<62, 0)},
		{"times every bucket", times(0, 0, 1, 2001, 70_000, 3_000_000, 3_000_000_000, 1<<62, 0)},
		{"bucket boundaries", func() []Point {
			// Deltas-of-deltas just inside and outside each bucket.
			var ss []int64
			s, d := int64(0), int64(0)
			for _, w := range []uint{6, 12, 13, 17, 20, 22, 32} {
				for _, dod := range []int64{1<<(w-1) - 1, 1 << (w - 1), -1 << (w - 1), -1<<(w-1) - 1} {
					d += dod
					s += d
					ss = append(ss, s)
				}
			}
			pts := steps(ss...)
			for i := range pts {
				pts[i].Time = ss[len(ss)-1-i]
			}
			return pts
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRoundTrip(t, tt.pts)
		})
	}
}

func TestEmptyChunk(t *testing.T) {
	chunk := NewAppender().Bytes()
	if want := []byte{1, 0}; !bytes.Equal(chunk, want) {
		t.Errorf("Bytes() of no points = %x, want %x", chunk, want)
	}
	var zero Appender // the zero value is usable too
	if !bytes.Equal(zero.Bytes(), chunk) {
		t.Errorf("zero Appender gives %x, want %x", zero.Bytes(), chunk)
	}
	pts, err := Decode(chunk)
	if err != nil || len(pts) != 0 {
		t.Errorf("Decode = %v, %v; want no points", pts, err)
	}
	s, err := ReadSummary(chunk)
	if err != nil || s.Count != 0 || !math.IsNaN(s.Min) || !math.IsNaN(s.Max) || !math.IsNaN(s.Last) || s.Sum != 0 {
		t.Errorf("ReadSummary = %+v, %v", s, err)
	}
}

func TestDecodeAppendKeepsDst(t *testing.T) {
	first := []Point{{1, 2, 3}, {4, 5, 6}}
	second := []Point{{7, 8, 9}}
	dst, err := DecodeAppend(nil, encode(first))
	if err != nil {
		t.Fatal(err)
	}
	dst, err = DecodeAppend(dst, encode(second))
	if err != nil {
		t.Fatal(err)
	}
	if d := diffPoints(dst, append(first, second...)); d != "" {
		t.Error(d)
	}
	// On error dst comes back as it was.
	got, err := DecodeAppend(dst, []byte{1, 5})
	if err == nil || len(got) != len(dst) {
		t.Errorf("DecodeAppend of a bad chunk = %d points, %v", len(got), err)
	}
}

func TestBytesIsIndependent(t *testing.T) {
	pts := []Point{{1, 10, 0.5}, {2, 20, 0.25}, {3, 30, 0.125}}
	a := NewAppender()
	a.Append(pts[0])
	b := a.Bytes()
	for i := range b {
		b[i] = 0xff // the caller may scribble over it
	}
	a.Append(pts[1])
	a.Append(pts[2])
	if !bytes.Equal(a.Bytes(), encode(pts)) {
		t.Error("modifying a Bytes() result changed the Appender")
	}
}

func TestResumeDoesNotRetainChunk(t *testing.T) {
	pts := []Point{{1, 10, 0.5}, {2, 20, 0.25}}
	chunk := encode(pts[:1])
	r, err := Resume(chunk)
	if err != nil {
		t.Fatal(err)
	}
	for i := range chunk {
		chunk[i] = 0xff
	}
	r.Append(pts[1])
	if !bytes.Equal(r.Bytes(), encode(pts)) {
		t.Error("modifying the chunk given to Resume changed the Appender")
	}
}

func TestCorrupt(t *testing.T) {
	pts := []Point{{1, 1_000_000, 2.5}, {2, 2_000_000, 2.25}, {3, 3_000_123, 2.2}}
	valid := encode(pts)
	sum := wantSummary(pts)
	h := headerLen(&sum) // the four floats end the header: Min, Max, Sum, Last
	with := func(edit func(b []byte) []byte) []byte {
		return edit(bytes.Clone(valid))
	}
	// oneValue is a chunk of one point at step 0, time 0, value 0 whose
	// stream is code.
	oneValue := func(code ...byte) []byte {
		return append(appendHeader(nil, &Summary{Count: 1}), code...)
	}
	tests := []struct {
		name  string
		chunk []byte
		msg   string // expected in the error message
	}{
		{"nil", nil, "empty"},
		{"version 0", with(func(b []byte) []byte { b[0] = 0; return b }), "version 0"},
		{"version 2", with(func(b []byte) []byte { b[0] = 2; return b }), "version 2"},
		{"no count", []byte{1}, "count"},
		{"bad count varint", []byte{1, 0x80}, "count"},
		{"empty with trailing byte", []byte{1, 0, 0}, "empty chunk"},
		{"count MaxUint64", append([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, valid[2:]...), "cannot fit"},
		{"count too large", with(func(b []byte) []byte { b[1] = 100; return b }), "cannot fit"},
		{"count one too many", with(func(b []byte) []byte { b[1] = 4; return b }), "stream ends"},
		{"count too small", with(func(b []byte) []byte { b[1] = 2; return b }), ""},
		{"header truncated", valid[:h-5], "header truncated"},
		{"header varint truncated", valid[:5], "bad varint"},
		{"no stream", valid[:h], "cannot fit"},
		{"trailing zero byte", append(bytes.Clone(valid), 0), "after the last point"},
		{"trailing garbage", append(bytes.Clone(valid), 0xde, 0xad), "after the last point"},
		{"nonzero padding", oneValue(0b0_0000001), "padding"}, // value code '0', 7 bits of padding
		{"wrong first step", with(func(b []byte) []byte { b[2] += 2; return b }), "last step"},
		{"wrong last step", with(func(b []byte) []byte { b[3] += 2; return b }), "last step"},
		{"wrong min", with(func(b []byte) []byte { b[h-32]++; return b }), "min"},
		{"wrong max", with(func(b []byte) []byte { b[h-24]++; return b }), "max"},
		{"wrong sum", with(func(b []byte) []byte { b[h-16]++; return b }), "sum"},
		{"wrong last value", with(func(b []byte) []byte { b[h-8]++; return b }), "last value"},
		{"one point, two steps", with(func(b []byte) []byte { b[1] = 1; return b }), "one point"},
		{"'10' before any window", oneValue(0b10_000000), "invalid value code"},
		// '11', 1 leading zero, 64 meaningful bits (written as 0).
		{"window wider than 64 bits", oneValue(0b11_00001_0, 0b00000_000), "invalid value code"},
		// '11', no leading zero, 64 meaningful bits: only 3 of them follow.
		{"value cut short", oneValue(0b11_00000_0, 0b00000_000), "stream ends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.chunk)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode: got %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Decode: error %q does not mention %q", err, tt.msg)
			}
			if _, rerr := Resume(tt.chunk); !errors.Is(rerr, ErrCorrupt) {
				t.Errorf("Resume: got %v, want ErrCorrupt", rerr)
			}
		})
	}
}

// Every strict prefix of a chunk is corrupt: the last byte always holds
// bits of the last point.
func TestTruncated(t *testing.T) {
	for _, pts := range [][]Point{
		{{1, 1, 1}},
		{{0, 0, 0}},
		trainingSeries(newRand(t, 1), 50, true),
		randomSeries(newRand(t, 2), 50, 0.5),
	} {
		chunk := encode(pts)
		for n := range len(chunk) {
			if _, err := Decode(chunk[:n]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode of %d of %d bytes: got %v, want ErrCorrupt", n, len(chunk), err)
			}
			s := wantSummary(pts)
			if _, err := ReadSummary(chunk[:n]); n < headerLen(&s) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ReadSummary of %d bytes of a %d-byte header: got %v, want ErrCorrupt", n, headerLen(&s), err)
			}
		}
	}
}

// Flipping any bit of a chunk never panics, and is nearly always detected.
func TestBitFlips(t *testing.T) {
	chunk := encode(trainingSeries(newRand(t, 3), 200, true))
	missed := 0
	for i := range len(chunk) * 8 {
		b := bytes.Clone(chunk)
		b[i/8] ^= 1 << (i % 8)
		pts, err := Decode(b)
		if err == nil {
			missed++
			again, err := Decode(encode(pts))
			if err != nil {
				t.Fatalf("flip of bit %d: re-encoding the decoded points fails: %v", i, err)
			}
			if d := diffPoints(again, pts); d != "" {
				t.Fatalf("flip of bit %d: re-encoding the decoded points: %s", i, d)
			}
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flip of bit %d: %v does not wrap ErrCorrupt", i, err)
		}
	}
	t.Logf("%d of %d single-bit flips went undetected", missed, len(chunk)*8)
}
