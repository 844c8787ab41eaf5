package store

import (
	"bytes"
	"fmt"
	"math"

	"lathe/store/series"
)

// Bucket summarises consecutive points of a series, for a chart: a chart
// draws the span from Min to Max so that spikes survive the downsampling.
type Bucket struct {
	FirstStep, LastStep int64
	FirstTime, LastTime int64
	Count               int
	Min, Max            float64 // over non-NaN values
	Mean                float64 // of the finite values
	Last                float64
}

// SeriesView returns a metric of a run in at most about maxPoints buckets,
// in arrival order. A series no longer than maxPoints comes back point by
// point. A long one is summarised from the summaries in its chunk headers,
// without decoding a point, when it has enough chunks to fill a quarter of
// the view; otherwise its points are decoded and bucketed.
func (tx *Tx) SeriesView(runID, metric string, maxPoints int) ([]Bucket, error) {
	if maxPoints < 1 {
		return nil, fmt.Errorf("%w: a view of %d points", ErrInvalidInput, maxPoints)
	}
	sum, err := tx.summaryOf(runID, metric)
	if err != nil {
		return nil, err
	}
	if sum.Count > int64(maxPoints) && int(sum.Chunks) >= maxPoints/4 {
		return tx.chunkView(runID, metric, sum, maxPoints)
	}
	pts, err := tx.Series(runID, metric)
	if err != nil {
		return nil, err
	}
	per := (len(pts) + maxPoints - 1) / maxPoints
	out := make([]Bucket, 0, (len(pts)+per-1)/max(per, 1))
	for i := 0; i < len(pts); i += per {
		out = append(out, pointBucket(pts[i:min(i+per, len(pts))]))
	}
	return out, nil
}

// chunkView builds the view from chunk headers alone.
func (tx *Tx) chunkView(runID, metric string, sum *Summary, maxPoints int) ([]Bucket, error) {
	per := (int(sum.Chunks) + maxPoints - 1) / maxPoints
	out := make([]Bucket, 0, (int(sum.Chunks)+per-1)/per)
	prefix := seriesKey(runID, sum.ID, 0)[:IDLen+4]
	c := tx.bucket(bucketSeries).Cursor()
	var cur Bucket
	var sumFinite float64
	n := 0
	flush := func() {
		if cur.Count > 0 {
			cur.Mean = sumFinite / float64(cur.Count)
			out = append(out, cur)
		}
		cur, sumFinite, n = Bucket{}, 0, 0
	}
	chunks := 0
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		s, err := series.ReadSummary(v)
		if err != nil {
			return nil, fmt.Errorf("%w: run %s metric %q: %v", ErrDamaged, runID, metric, err)
		}
		chunks++
		if s.Count == 0 {
			continue
		}
		if cur.Count == 0 {
			cur = Bucket{FirstStep: s.FirstStep, FirstTime: s.FirstTime, Min: math.NaN(), Max: math.NaN()}
		}
		cur.LastStep, cur.LastTime, cur.Last = s.LastStep, s.LastTime, s.Last
		cur.Count += s.Count
		cur.Min, cur.Max = nanMin(cur.Min, s.Min), nanMax(cur.Max, s.Max)
		sumFinite += s.Sum
		if n++; n == per {
			flush()
		}
	}
	flush()
	if chunks != int(sum.Chunks) {
		return nil, fmt.Errorf("%w: run %s metric %q has %d chunks, its summary says %d", ErrDamaged, runID, metric, chunks, sum.Chunks)
	}
	return out, nil
}

func pointBucket(pts []series.Point) Bucket {
	b := Bucket{
		FirstStep: pts[0].Step, FirstTime: pts[0].Time,
		LastStep: pts[len(pts)-1].Step, LastTime: pts[len(pts)-1].Time,
		Count: len(pts), Min: math.NaN(), Max: math.NaN(), Last: pts[len(pts)-1].Value,
	}
	var sum float64
	finite := 0
	for _, p := range pts {
		b.Min, b.Max = nanMin(b.Min, p.Value), nanMax(b.Max, p.Value)
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			sum += p.Value
			finite++
		}
	}
	b.Mean = math.NaN()
	if finite > 0 {
		b.Mean = sum / float64(finite)
	}
	return b
}

// nanMin is the smaller of a and b where a NaN means "none yet".
func nanMin(a, b float64) float64 {
	if math.IsNaN(a) || b < a {
		return b
	}
	return a
}

func nanMax(a, b float64) float64 {
	if math.IsNaN(a) || b > a {
		return b
	}
	return a
}
