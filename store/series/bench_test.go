package series

import (
	"testing"
)

// benchSeries are realistic 1000-point training series: "float32" is a loss
// computed in float32 and logged as a float64 (the usual case for PyTorch or
// JAX), "float64" a loss whose low mantissa bits are all noise (the worst
// case for XOR codes).
var benchSeries = []struct {
	name    string
	float32 bool
}{
	{"float32", true},
	{"float64", false},
}

const benchPoints = 1000

func BenchmarkAppend(b *testing.B) {
	for _, bs := range benchSeries {
		b.Run(bs.name, func(b *testing.B) {
			pts := trainingSeries(newRand(b, 1), benchPoints, bs.float32)
			var a *Appender
			for b.Loop() {
				a = NewAppender()
				for _, p := range pts {
					a.Append(p)
				}
			}
			reportPerPoint(b, a.Size())
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, bs := range benchSeries {
		b.Run(bs.name, func(b *testing.B) {
			chunk := encode(trainingSeries(newRand(b, 1), benchPoints, bs.float32))
			dst := make([]Point, 0, benchPoints)
			for b.Loop() {
				var err error
				dst, err = DecodeAppend(dst[:0], chunk)
				if err != nil {
					b.Fatal(err)
				}
			}
			reportPerPoint(b, len(chunk))
		})
	}
}

// reportPerPoint reports the chunk size and the time per point.
func reportPerPoint(b *testing.B, chunkLen int) {
	b.ReportMetric(float64(chunkLen)/benchPoints, "B/point")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchPoints, "ns/point")
}
