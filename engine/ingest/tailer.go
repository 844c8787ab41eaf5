package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"
	"unicode/utf8"

	"lathe/engine/metricline"
	"lathe/engine/termline"
	"lathe/store"
	"lathe/store/series"
)

// MaxLine is the longest line read whole; a longer one is cut and counted as
// invalid, so a runaway line cannot exhaust the engine's memory.
const MaxLine = 1 << 20

// readSize is how much a Tailer reads at a time; a batch covers at most one
// read, so a commit stays bounded however far behind the engine is.
const readSize = 4 << 20

// maxShownLine is how much of the first invalid line is kept.
const maxShownLine = 200

// Batch is what one read of a file says, and how far it got.
type Batch struct {
	Source store.Source
	// File names the event file of a SourceEvents batch (its tail's key).
	File string
	// Tail is the state after this batch: store it with the batch's points.
	Tail      store.TailState
	Metrics   map[string][]series.Point
	Params    map[string]string
	Tags      map[string]string
	Evals     map[string]map[string]float64
	Artifacts []store.Artifact
	// Datasets are the data sets the batch names, by name and path only
	// (the engine digests them); a name named again replaces its entry.
	Datasets []store.Dataset
	Total    int64
	// Experiment is the experiment the job asked to be in (its last such
	// line), "" when none.
	Experiment string
	Points     int
	// Invalid counts the lines of this batch that could not be read (Tail
	// holds the run's count so far).
	Invalid int64
}

// Empty reports whether the batch only moves the offset.
func (b *Batch) Empty() bool {
	return b.Points == 0 && b.Params == nil && b.Tags == nil && b.Evals == nil &&
		b.Artifacts == nil && b.Datasets == nil && b.Total == 0 && b.Experiment == ""
}

// Tailer reads one file of a run.
type Tailer struct {
	path  string
	src   store.Source
	parse metricline.Mode
	state store.TailState
	now   func() time.Time

	f *os.File
}

// NewTailer reads path from state (as the store last recorded it). For
// output.log, parse is the run's parse mode: which lines besides JSON
// metrics lines count as metrics.
func NewTailer(path string, src store.Source, state store.TailState, parse metricline.Mode) *Tailer {
	return &Tailer{path: path, src: src, parse: parse, state: state, now: time.Now}
}

// WithClock has the tailer stamp points that carry no time with now's
// time rather than the clock's (a store rebuilt from a job's files long
// after it wrote them).
func (t *Tailer) WithClock(now func() time.Time) *Tailer {
	t.now = now
	return t
}

// State is how far the tailer has read.
func (t *Tailer) State() store.TailState { return t.state }

// Close releases the file.
func (t *Tailer) Close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

// Read returns what was appended since the last call, or nil when nothing
// was. Only complete lines are read, unless final is set (the job has ended,
// so a last line without a newline is complete too). more reports that the
// file holds more than one read took: call again at once.
func (t *Tailer) Read(final bool) (b *Batch, more bool, err error) {
	if t.f == nil {
		f, err := os.Open(t.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("tail %s: %w", t.path, err)
		}
		t.f = f
	}
	fi, err := t.f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	size := fi.Size()
	if size <= t.state.Offset {
		if t.startedOver() {
			return t.Read(final)
		}
		return nil, false, nil
	}
	buf := getBuf(int(min(size-t.state.Offset, readSize)))
	defer putBuf(buf) // what a batch keeps of it is copied
	n, err := t.f.ReadAt(buf, t.state.Offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, fmt.Errorf("tail %s: %w", t.path, err)
	}
	if n == 0 {
		return nil, false, nil
	}
	data := buf[:n]
	more = t.state.Offset+int64(n) < size
	b = &Batch{Source: t.src}
	state := t.state
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			switch {
			case len(data) > MaxLine || state.Skipping && more:
				// An over-long line without its end yet: count it once and
				// throw it away up to its newline.
				if !state.Skipping {
					// A progress bar redrawn for an hour makes a line of
					// output this long, and it is no metrics line.
					if t.src == store.SourceMetrics || !bytes.Contains(data, []byte("\r")) {
						t.invalid(&state, data[:maxShownLine], fmt.Errorf("line longer than %d bytes, cut", MaxLine))
					}
					state.Skipping = true
				}
				state.Offset += int64(len(data))
				data = nil
			case final && !more:
				// The last line of a finished job: nothing will end it.
				if !state.Skipping {
					t.line(b, &state, data)
				}
				state.Skipping = false
				state.Offset += int64(len(data))
				data = nil
			}
			break
		}
		if state.Skipping {
			state.Skipping = false
		} else {
			t.line(b, &state, data[:i])
		}
		state.Offset += int64(i + 1)
		data = data[i+1:]
	}
	if state.Offset == t.state.Offset {
		return nil, false, nil
	}
	b.Invalid = state.Invalid - t.state.Invalid
	t.state = state
	b.Tail = state
	return b, more, nil
}

// startedOver notices a file that the job truncated below what was read,
// or replaced with a new one, and starts reading it again from its start:
// what it holds now was written after. (A file truncated and then written
// past the old offset before the engine looks cannot be told from one that
// grew.)
func (t *Tailer) startedOver() bool {
	open, err := t.f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(t.path)
	switch {
	case err == nil && !os.SameFile(open, now):
		t.f.Close()
		t.f = nil
	case open.Size() < t.state.Offset:
	default:
		return false
	}
	t.state.Offset, t.state.Skipping = 0, false
	return true
}

// line handles one line (without its newline).
func (t *Tailer) line(b *Batch, state *store.TailState, line []byte) {
	if t.src != store.SourceMetrics && termline.NeedsRender(line) {
		// Output is read as the terminal shows it: a Keras epoch's
		// metrics are the last state of its progress line.
		line = termline.Render(line)
	}
	if len(line) > MaxLine {
		t.invalid(state, line, fmt.Errorf("line longer than %d bytes, cut", MaxLine))
		return
	}
	var rec metricline.Record
	var err error
	switch t.src {
	case store.SourceMetrics:
		if len(bytes.TrimSpace(line)) == 0 {
			return
		}
		rec, err = metricline.ParseLine(line)
	default:
		var ok bool
		rec, ok, err = metricline.ParseOutput(line, t.parse)
		if !ok && err == nil {
			return
		}
	}
	if err != nil {
		t.invalid(state, line, err)
		return
	}
	t.record(b, state, &rec)
}

func (t *Tailer) invalid(state *store.TailState, line []byte, err error) {
	state.Invalid++
	if state.FirstInvalid != "" {
		return
	}
	shown := line
	if len(shown) > maxShownLine {
		shown = shown[:maxShownLine]
		for len(shown) > 0 && !utf8.Valid(shown) {
			shown = shown[:len(shown)-1]
		}
	}
	state.FirstInvalid = fmt.Sprintf("%s: %s", err, bytes.ToValidUTF8(shown, []byte("?")))
}

func (t *Tailer) record(b *Batch, state *store.TailState, rec *metricline.Record) {
	if rec.HasNextStep {
		// A Keras "Epoch 3/10": the metric lines after it are that epoch's.
		state.NextStep = rec.NextStep
	}
	if len(rec.Metrics) > 0 {
		step := state.NextStep
		if rec.HasStep {
			step = rec.Step
		}
		state.NextStep = step + 1
		when := rec.Time
		if !rec.HasTime {
			when = t.now().UnixMicro()
		}
		if b.Metrics == nil {
			b.Metrics = map[string][]series.Point{}
		}
		for _, m := range rec.Metrics {
			b.Metrics[m.Name] = append(b.Metrics[m.Name], series.Point{Step: step, Time: when, Value: m.Value})
		}
		b.Points += len(rec.Metrics)
	}
	b.Params = merge(b.Params, rec.Params)
	b.Tags = merge(b.Tags, rec.Tags)
	if rec.Eval != nil {
		if b.Evals == nil {
			b.Evals = map[string]map[string]float64{}
		}
		slice := b.Evals[rec.Eval.Slice]
		if slice == nil {
			slice = map[string]float64{}
			b.Evals[rec.Eval.Slice] = slice
		}
		for _, m := range rec.Eval.Metrics {
			slice[m.Name] = m.Value
		}
	}
	if rec.Artifact != nil {
		b.Artifacts = append(b.Artifacts, store.Artifact{Name: rec.Artifact.Name, Path: rec.Artifact.Path})
	}
	if rec.Dataset != nil {
		d := store.Dataset{Name: rec.Dataset.Name, Path: rec.Dataset.Path, Role: rec.Dataset.Role}
		b.Datasets = slices.DeleteFunc(b.Datasets, func(x store.Dataset) bool { return x.Name == d.Name })
		b.Datasets = append(b.Datasets, d)
	}
	if rec.Total > 0 {
		b.Total = rec.Total
	}
	if rec.Experiment != "" {
		b.Experiment = rec.Experiment
	}
}

func merge(dst, src map[string]string) map[string]string {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]string, len(src))
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}
