package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"

	"lathe/store/series"
)

// ChunkPoints is how many points a chunk holds before it is sealed and a new
// one begun: small enough that rewriting the open chunk at each commit is
// cheap, large enough that a million-point series is a thousand keys.
const ChunkPoints = 1024

// Summary describes one metric of a run without opening its series.
type Summary struct {
	Count    int64 `json:"count"`
	Last     Float `json:"last"`
	Min      Float `json:"min"` // over non-NaN values; NaN when all are NaN
	Max      Float `json:"max"`
	LastStep int64 `json:"last_step"`
	// Where the series lives: its id within the run and how many chunks it has.
	ID     uint32 `json:"id"`
	Chunks uint32 `json:"chunks"`
}

func (s *Summary) add(p series.Point) {
	if s.Count == 0 {
		s.Min, s.Max = Float(math.NaN()), Float(math.NaN())
	}
	s.Count++
	s.Last = Float(p.Value)
	s.LastStep = p.Step
	if math.IsNaN(p.Value) {
		return
	}
	if math.IsNaN(float64(s.Min)) || p.Value < float64(s.Min) {
		s.Min = Float(p.Value)
	}
	if math.IsNaN(float64(s.Max)) || p.Value > float64(s.Max) {
		s.Max = Float(p.Value)
	}
}

// ValidMetricName reports why name cannot name a metric, or nil.
func ValidMetricName(name string) error {
	if name == "" || len(name) > 250 || !utf8.ValidString(name) {
		return fmt.Errorf("%w: metric name %q", ErrInvalidInput, name)
	}
	return nil
}

func seriesKey(runID string, metric, chunk uint32) []byte {
	k := make([]byte, 0, IDLen+8)
	k = append(k, runID...)
	k = binary.BigEndian.AppendUint32(k, metric)
	return binary.BigEndian.AppendUint32(k, chunk)
}

// summariesFor returns the run's summaries, cached in the transaction when it
// is writable.
func (tx *Tx) summariesFor(runID string) (map[string]*Summary, error) {
	if s, ok := tx.summaries[runID]; ok {
		return s, nil
	}
	sums := map[string]*Summary{}
	if err := tx.getJSON(bucketSummaries, []byte(runID), &sums); err != nil && err != ErrNotFound {
		return nil, err
	}
	if tx.writable {
		if tx.summaries == nil {
			tx.summaries = map[string]map[string]*Summary{}
		}
		tx.summaries[runID] = sums
	}
	return sums, nil
}

// Summaries returns a copy of every metric summary of a run.
func (tx *Tx) Summaries(runID string) (map[string]Summary, error) {
	sums, err := tx.summariesFor(runID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Summary, len(sums))
	for k, v := range sums {
		out[k] = *v
	}
	return out, nil
}

// AppendPoints adds points to the end of a run's metric series.
func (tx *Tx) AppendPoints(runID, metric string, pts []series.Point) error {
	if len(pts) == 0 {
		return nil
	}
	if err := ValidMetricName(metric); err != nil {
		return err
	}
	tx.touch(runID)
	sums, err := tx.summariesFor(runID)
	if err != nil {
		return err
	}
	sum := sums[metric]
	if sum == nil {
		sum = &Summary{ID: uint32(len(sums)), Chunks: 1}
		sums[metric] = sum
	}
	b := tx.bucket(bucketSeries)
	app, err := tx.db.open.get(b, runID, sum)
	if err != nil {
		return err
	}
	for _, p := range pts {
		if app.Count() >= ChunkPoints {
			if err := b.Put(seriesKey(runID, sum.ID, sum.Chunks-1), app.Bytes()); err != nil {
				return err
			}
			sum.Chunks++
			app = series.NewAppender()
			tx.db.open.put(runID, sum.ID, app)
		}
		app.Append(p)
		sum.add(p)
	}
	return b.Put(seriesKey(runID, sum.ID, sum.Chunks-1), app.Bytes())
}

// summaryOf is the summary of one metric of a run; ErrNotFound when the run
// has logged no such metric.
func (tx *Tx) summaryOf(runID, metric string) (*Summary, error) {
	sums, err := tx.summariesFor(runID)
	if err != nil {
		return nil, err
	}
	sum := sums[metric]
	if sum == nil {
		return nil, fmt.Errorf("metric %q: %w", metric, ErrNotFound)
	}
	return sum, nil
}

// Series reads every point of a run's metric, in the order they arrived.
func (tx *Tx) Series(runID, metric string) ([]series.Point, error) {
	sum, err := tx.summaryOf(runID, metric)
	if err != nil {
		return nil, err
	}
	pts := make([]series.Point, 0, sum.Count)
	b := tx.bucket(bucketSeries)
	for i := uint32(0); i < sum.Chunks; i++ {
		raw := b.Get(seriesKey(runID, sum.ID, i))
		if raw == nil {
			return nil, fmt.Errorf("%w: run %s metric %q chunk %d is missing", ErrDamaged, runID, metric, i)
		}
		if pts, err = series.DecodeAppend(pts, raw); err != nil {
			return nil, fmt.Errorf("%w: run %s metric %q chunk %d: %v", ErrDamaged, runID, metric, i, err)
		}
	}
	return pts, nil
}

// openChunks caches the encoder of the last chunk of recently written series.
// Only the writer goroutine touches it.
type openChunks struct {
	m map[openKey]*series.Appender
}

type openKey struct {
	run    string
	metric uint32
}

// maxOpenChunks bounds the cache; past it the cache starts over (chunks are
// reloaded from the file on their next append).
const maxOpenChunks = 1 << 16

func newOpenChunks() *openChunks { return &openChunks{m: map[openKey]*series.Appender{}} }

func (o *openChunks) reset() { clear(o.m) }

// forget drops a series that is gone.
func (o *openChunks) forget(run string, metric uint32) { delete(o.m, openKey{run, metric}) }

func (o *openChunks) put(run string, metric uint32, app *series.Appender) {
	if len(o.m) >= maxOpenChunks {
		o.reset()
	}
	o.m[openKey{run, metric}] = app
}

func (o *openChunks) get(b interface{ Get([]byte) []byte }, run string, sum *Summary) (*series.Appender, error) {
	if app, ok := o.m[openKey{run, sum.ID}]; ok {
		return app, nil
	}
	app := series.NewAppender()
	if raw := b.Get(seriesKey(run, sum.ID, sum.Chunks-1)); raw != nil {
		var err error
		if app, err = series.Resume(raw); err != nil {
			return nil, fmt.Errorf("%w: run %s series %d: %v", ErrDamaged, run, sum.ID, err)
		}
	}
	o.put(run, sum.ID, app)
	return app, nil
}
