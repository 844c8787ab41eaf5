package series

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var seedFlag = flag.Uint64("series.seed", 0, "seed of TestProperties (0: derive one from the clock)")

// newRand returns a generator for a test that needs fixed data.
func newRand(t testing.TB, seed uint64) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewPCG(seed, 0x5e41e5))
}

// TestProperties checks, on thousands of random series mixing regular runs
// with extreme steps, times and values, that
//   - Decode(Bytes()) gives the points back bit-exactly,
//   - Summary and ReadSummary equal a recomputation from the points,
//   - Resume of a prefix's chunk, then appending the rest, gives the same
//     bytes as appending everything directly,
//   - calling Bytes between appends (and scribbling over its result) does
//     not disturb the stream, and each such snapshot decodes to its prefix.
//
// A failure reports its seed; rerun it with -series.seed=N.
func TestProperties(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -series.seed=%d)", seed, seed)
	rng := newRand(t, seed)

	series := 4000
	if testing.Short() {
		series = 500
	}
	chaosLevels := []float64{0, 0.001, 0.01, 0.1, 0.5, 1}
	for i := range series {
		n := rng.IntN(100)
		switch rng.IntN(10) {
		case 0:
			n = rng.IntN(3) // 0, 1 or 2 points
		case 1:
			n = 500 + rng.IntN(2000)
		}
		pts := randomSeries(rng, n, chaosLevels[rng.IntN(len(chaosLevels))])
		if msg := checkProperties(rng, pts); msg != "" {
			t.Fatalf("seed %d, series %d (%d points): %s", seed, i, n, msg)
		}
	}
}

// checkProperties returns a description of the first property pts breaks,
// or "".
func checkProperties(rng *rand.Rand, pts []Point) string {
	want := encode(pts)

	// Append with snapshots taken at random moments.
	a := NewAppender()
	type snapshot struct {
		n     int
		chunk []byte
	}
	var snaps []snapshot
	every := max(8, len(pts)/8) // about 8 snapshots at most: each is decoded
	for i, p := range pts {
		if rng.IntN(every) == 0 {
			b := a.Bytes()
			if len(b) != a.Size() {
				return fmt.Sprintf("Size() differs from len(Bytes()) at point %d", i)
			}
			snaps = append(snaps, snapshot{i, bytes.Clone(b)})
			for j := range b {
				b[j] ^= 0xa5
			}
		}
		a.Append(p)
	}
	got := a.Bytes()
	if !bytes.Equal(got, want) {
		return "Bytes() between appends changed the chunk"
	}
	if len(got) != a.Size() {
		return "Size() differs from len(Bytes())"
	}
	for _, s := range snaps {
		dec, err := Decode(s.chunk)
		if err != nil {
			return fmt.Sprintf("snapshot after %d points: %v", s.n, err)
		}
		if d := diffPoints(dec, pts[:s.n]); d != "" {
			return fmt.Sprintf("snapshot after %d points: %s", s.n, d)
		}
	}

	dec, err := Decode(want)
	if err != nil {
		return "Decode: " + err.Error()
	}
	if d := diffPoints(dec, pts); d != "" {
		return "Decode: " + d
	}
	sum := wantSummary(pts)
	if d := diffSummary(a.Summary(), sum); d != "" {
		return "Summary: " + d
	}
	read, err := ReadSummary(want)
	if err != nil {
		return "ReadSummary: " + err.Error()
	}
	if d := diffSummary(read, sum); d != "" {
		return "ReadSummary: " + d
	}

	// Resume at a random split, and at the ends.
	for _, k := range []int{rng.IntN(len(pts) + 1), 0, len(pts)} {
		r, err := Resume(encode(pts[:k]))
		if err != nil {
			return fmt.Sprintf("Resume after %d points: %v", k, err)
		}
		for _, p := range pts[k:] {
			r.Append(p)
		}
		if !bytes.Equal(r.Bytes(), want) {
			return fmt.Sprintf("Resume after %d points gives different bytes", k)
		}
		if d := diffSummary(r.Summary(), sum); d != "" {
			return fmt.Sprintf("Resume after %d points: Summary: %s", k, d)
		}
	}
	return ""
}
