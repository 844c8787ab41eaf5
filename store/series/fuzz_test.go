package series

import (
	"errors"
	"math"
	"testing"
)

// FuzzDecode checks that no input makes the decoders panic, that every
// failure wraps ErrCorrupt, and that whatever decodes is a consistent chunk:
// re-encoding its points gives a chunk that decodes to the same points, its
// header summary is theirs, and Resume continues it.
func FuzzDecode(f *testing.F) {
	rng := newRand(f, 4)
	seeds := [][]Point{
		nil,
		{{Step: 1, Time: 2, Value: 3}},
		{{Step: math.MinInt64, Time: math.MaxInt64, Value: math.NaN()}, {Step: math.MaxInt64, Time: math.MinInt64, Value: math.Inf(-1)}},
		trainingSeries(rng, 20, true),
		trainingSeries(rng, 20, false),
		randomSeries(rng, 30, 0.3),
		randomSeries(rng, 30, 1),
	}
	for _, pts := range seeds {
		chunk := encode(pts)
		f.Add(chunk)
		f.Add(chunk[:len(chunk)/2])
		f.Add(chunk[:len(chunk)-1])
	}
	f.Add([]byte{})
	f.Add([]byte{2, 0})

	f.Fuzz(func(t *testing.T, chunk []byte) {
		sum, sumErr := ReadSummary(chunk)
		pts, err := Decode(chunk)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode: %v does not wrap ErrCorrupt", err)
			}
			if sumErr != nil && !errors.Is(sumErr, ErrCorrupt) {
				t.Fatalf("ReadSummary: %v does not wrap ErrCorrupt", sumErr)
			}
			if _, rerr := Resume(chunk); !errors.Is(rerr, ErrCorrupt) {
				t.Fatalf("Decode fails (%v) but Resume gives %v", err, rerr)
			}
			return
		}
		if sumErr != nil {
			t.Fatalf("Decode succeeds but ReadSummary fails: %v", sumErr)
		}

		// Re-encoding need not give the same bytes (an encoder may pick
		// other codes for the same points), but must give the same points.
		again, err := Decode(encode(pts))
		if err != nil {
			t.Fatalf("re-encoded chunk does not decode: %v", err)
		}
		if d := diffPoints(again, pts); d != "" {
			t.Fatalf("re-encoded chunk: %s", d)
		}
		want := wantSummary(pts)
		if f := sum.mismatch(&want); f != "" {
			t.Fatalf("header %s differs from the points: %+v, want %+v", f, sum, want)
		}

		r, err := Resume(chunk)
		if err != nil {
			t.Fatalf("Decode succeeds but Resume fails: %v", err)
		}
		extra := Point{Step: 1, Time: 2, Value: 3}
		r.Append(extra)
		got, err := Decode(r.Bytes())
		if err != nil {
			t.Fatalf("resumed chunk does not decode: %v", err)
		}
		if d := diffPoints(got, append(pts, extra)); d != "" {
			t.Fatalf("resumed chunk: %s", d)
		}
	})
}
