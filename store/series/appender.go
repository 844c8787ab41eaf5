package series

import "math"

// Appender encodes points into a chunk incrementally: each Append writes a
// few bits at the end of the stream, and Bytes prefixes the stream with a
// header built from the running summary.
//
// The zero Appender is an empty chunk ready to use. An Appender is not safe
// for concurrent use.
type Appender struct {
	sum Summary
	c   codec
	w   bitWriter
}

// NewAppender returns an Appender of an empty chunk.
func NewAppender() *Appender {
	return &Appender{}
}

// Resume returns an Appender that continues the encoded chunk: appending to
// it gives the same bytes as appending to the Appender that wrote chunk. It
// decodes (and so validates) the whole chunk once. The Appender does not
// retain chunk, which may be reused afterwards (bbolt values, for instance,
// are only valid inside their transaction).
func Resume(chunk []byte) (*Appender, error) {
	_, d, err := decode(nil, chunk, false)
	if err != nil {
		return nil, err
	}
	a := &Appender{sum: d.summary, c: d.codec}
	// Copy the stream with room to grow: the next Append would otherwise
	// reallocate at once.
	a.w.buf = append(make([]byte, 0, len(d.stream)+len(d.stream)/2+16), d.stream...)
	a.w.free = uint(uint64(len(d.stream))*8 - d.bitLen)
	return a, nil
}

// Append adds p at the end of the chunk.
func (a *Appender) Append(p Point) {
	if a.sum.Count == 0 {
		// The first step and time are in the header only.
		a.c.step, a.c.time = p.Step, p.Time
	} else {
		a.c.writeStepTime(&a.w, p.Step, p.Time)
	}
	a.c.writeValue(&a.w, math.Float64bits(p.Value))
	a.sum.add(p)
}

// Count returns the number of points appended.
func (a *Appender) Count() int { return a.sum.Count }

// Size returns len(a.Bytes()) without building the chunk.
func (a *Appender) Size() int { return headerLen(&a.sum) + len(a.w.buf) }

// Summary returns the summary of the points appended.
func (a *Appender) Summary() Summary {
	if a.sum.Count == 0 {
		return emptySummary()
	}
	return a.sum
}

// Bytes returns the encoded chunk. The slice is freshly allocated on every
// call and shares nothing with the Appender: the caller may keep or modify
// it, and later Appends do not change it.
func (a *Appender) Bytes() []byte {
	sum := a.Summary()
	b := make([]byte, 0, headerLen(&sum)+len(a.w.buf))
	b = appendHeader(b, &sum)
	return append(b, a.w.buf...)
}
