package ingest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lathe/engine/tfevents"
	"lathe/store"
	"lathe/store/series"
)

// EventDir is a folder whose TensorBoard event files a run's metrics come
// from. Key prefixes the names of its files' tails, so that two folders of
// a run never share one.
type EventDir struct {
	Key  string
	Path string
}

// EventTailer reads the TensorBoard event files of a run's folders as they
// grow: every record whole and once, from where the store says each file
// was read to.
type EventTailer struct {
	dirs   []EventDir
	states map[string]store.TailState
	paths  map[string]string // file key → path
	listed time.Time
	buf    []byte
	// limit is the most read at a time: readSize, more for a larger record.
	limit int64
}

// maxEventRecord bounds what is read at once for one record (TFRecord
// framing allows more; no scalar event comes near).
const maxEventRecord = 64 << 20

// listEvery is how often the folders are listed for new event files.
const listEvery = time.Second

// NewEventTailer reads the event files under dirs, from states (as the
// store last recorded them, by file key).
func NewEventTailer(dirs []EventDir, states map[string]store.TailState) *EventTailer {
	return &EventTailer{dirs: dirs, states: states, paths: map[string]string{}, limit: readSize}
}

// IsEventFile says whether a file's name is one of TensorBoard's.
func IsEventFile(name string) bool { return strings.Contains(name, "tfevents") }

// list finds the event files of the folders.
func (t *EventTailer) list() {
	for _, d := range t.dirs {
		filepath.WalkDir(d.Path, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !IsEventFile(e.Name()) {
				return nil
			}
			rel, _ := filepath.Rel(d.Path, path)
			t.paths[d.Key+filepath.ToSlash(rel)] = path
			return nil
		})
	}
	t.listed = time.Now()
}

// Read returns what one file gained since it was last read, as a batch of
// points with the file's new state (Batch.File names it); nil when no file
// gained a whole record. more says another call may find more. When final,
// the job has ended: a record cut short at a file's end is counted as
// invalid once, and its bytes passed.
func (t *EventTailer) Read(final bool) (b *Batch, more bool, err error) {
	if final || time.Since(t.listed) >= listEvery {
		t.list()
	}
	keys := make([]string, 0, len(t.paths))
	for k := range t.paths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b, err := t.readFile(k, final)
		if err != nil {
			return nil, false, err
		}
		if b != nil {
			return b, true, nil
		}
	}
	return nil, false, nil
}

// readFile reads one file from its offset, at most readSize at a time
// (more when one record is larger).
func (t *EventTailer) readFile(key string, final bool) (*Batch, error) {
	state := t.states[key]
	f, err := os.Open(t.paths[key])
	if errors.Is(err, fs.ErrNotExist) {
		delete(t.paths, key) // gone: a later listing finds it again if it returns
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < state.Offset {
		// Rewritten from the start: what was read stays stored.
		state.Offset = 0
	}
	if fi.Size() == state.Offset {
		return nil, nil
	}
	want := min(fi.Size()-state.Offset, t.limit)
	if cap(t.buf) < int(want) {
		t.buf = make([]byte, want)
	}
	buf := t.buf[:want]
	n, err := f.ReadAt(buf, state.Offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	buf = buf[:n]
	rs := tfevents.NewRecords(buf)
	rs.Base = state.Offset
	b := &Batch{Source: store.SourceEvents, File: key}
	var truncated bool
	for {
		data, err := rs.Next()
		if err != nil {
			truncated = errors.Is(err, tfevents.ErrTruncated)
			break
		}
		ev, err := tfevents.ParseEvent(data)
		if err != nil {
			continue // a sound record that is not an event
		}
		for _, s := range ev.Scalars {
			name := eventMetric(key, s.Tag)
			if store.ValidMetricName(name) != nil {
				continue
			}
			if b.Metrics == nil {
				b.Metrics = map[string][]series.Point{}
			}
			b.Metrics[name] = append(b.Metrics[name], series.Point{Step: s.Step, Time: int64(s.WallTime * 1e6), Value: s.Value})
			b.Points++
		}
	}
	end := state.Offset + rs.Offset()
	if rs.Corrupt > 0 {
		b.Invalid += int64(rs.Corrupt)
		state.Invalid += int64(rs.Corrupt)
		if state.FirstInvalid == "" {
			state.FirstInvalid = fmt.Sprintf("events %s: %s", key, rs.FirstCorrupt)
		}
	}
	switch {
	case truncated && rs.Offset() == 0 && int64(n) == t.limit && t.limit < maxEventRecord:
		// One record larger than a read: read it whole next time.
		t.limit *= 2
		return t.readFile(key, final)
	case truncated && final:
		b.Invalid++
		state.Invalid++
		if state.FirstInvalid == "" {
			state.FirstInvalid = fmt.Sprintf("events %s: the last record is cut short at byte %d", key, end)
		}
		end = fi.Size()
	}
	if end == state.Offset && b.Invalid == 0 {
		return nil, nil // a record still being written
	}
	state.Offset = end
	b.Tail = state
	t.states[key] = state
	return b, nil
}

// eventMetric names a scalar: its tag, after the file's folder under the
// folder watched when it is not at its top ("train/epoch_loss" for Keras's
// logs/train/events…).
func eventMetric(key, tag string) string {
	_, rel, _ := strings.Cut(key, ":")
	if dir := filepath.ToSlash(filepath.Dir(rel)); dir != "." {
		return dir + "/" + tag
	}
	return tag
}

// Close releases what the tailer holds.
func (t *EventTailer) Close() error {
	t.buf = nil
	return nil
}
