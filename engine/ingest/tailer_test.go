package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lathe/engine/metricline"
	"lathe/store"
	"lathe/store/series"
)

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, tl *Tailer, final bool) *Batch {
	t.Helper()
	b, _, err := tl.Read(final)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPartialLinesWaitForTheirEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	tl := NewTailer(path, store.SourceMetrics, store.TailState{}, "")
	defer tl.Close()
	if b := read(t, tl, false); b != nil {
		t.Fatalf("missing file gave %+v", b)
	}
	appendFile(t, path, `{"step": 1, "metrics": {"loss": 1}}`+"\n"+`{"step": 2, "metr`)
	b := read(t, tl, false)
	if b == nil || b.Points != 1 || b.Tail.Offset != 36 {
		t.Fatalf("first read: %+v", b)
	}
	if b := read(t, tl, false); b != nil {
		t.Fatalf("a partial line was read: %+v", b)
	}
	appendFile(t, path, `ics": {"loss": 2}}`)
	if b := read(t, tl, false); b != nil {
		t.Fatalf("a line without its newline was read before the end: %+v", b)
	}
	b = read(t, tl, true)
	if b == nil || b.Points != 1 || b.Metrics["loss"][0].Step != 2 {
		t.Fatalf("final read: %+v", b)
	}
	fi, _ := os.Stat(path)
	if b.Tail.Offset != fi.Size() {
		t.Fatalf("offset %d, file %d", b.Tail.Offset, fi.Size())
	}
}

// Restarting from a stored state reads on from there: what was stored is not
// read again, what was not is.
func TestResumeFromStoredState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	for i := 1; i <= 10; i++ {
		appendFile(t, path, fmt.Sprintf(`{"metrics": {"x": %d}}`+"\n", i))
	}
	tl := NewTailer(path, store.SourceMetrics, store.TailState{}, "")
	b := read(t, tl, false)
	stored := b.Tail
	tl.Close()
	if stored.NextStep != 10 || b.Metrics["x"][9].Step != 9 {
		t.Fatalf("automatic steps: next %d, last %+v", stored.NextStep, b.Metrics["x"][9])
	}
	// Points read but not stored (a crash): the next tailer starts at the
	// stored state and yields only what follows it.
	for i := 11; i <= 12; i++ {
		appendFile(t, path, fmt.Sprintf(`{"metrics": {"x": %d}}`+"\n", i))
	}
	lost := NewTailer(path, store.SourceMetrics, stored, "")
	read(t, lost, false)
	lost.Close()
	again := NewTailer(path, store.SourceMetrics, stored, "")
	defer again.Close()
	b = read(t, again, false)
	if b.Points != 2 || b.Metrics["x"][0].Value != 11 || b.Metrics["x"][0].Step != 10 {
		t.Fatalf("resumed batch %+v", b.Metrics)
	}
}

func TestInvalidAndOverlongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	long := `{"metrics": {"x": 1}, "pad": "` + strings.Repeat("a", MaxLine+10) + `"}`
	appendFile(t, path, "garbage\n\n"+long+"\n"+`{"metrics": {"x": 2}}`+"\n"+`{"metrics": {"x": true}}`+"\n")
	tl := NewTailer(path, store.SourceMetrics, store.TailState{}, "")
	defer tl.Close()
	var points, invalid int64
	var first string
	for {
		b, more, err := tl.Read(false)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		points += int64(b.Points)
		invalid, first = b.Tail.Invalid, b.Tail.FirstInvalid
		if !more {
			break
		}
	}
	if points != 1 || invalid != 3 || !strings.HasSuffix(first, ": garbage") {
		t.Fatalf("points %d invalid %d first %q", points, invalid, first)
	}
}

// A line longer than one read is cut once, and the line after it counts,
// even when the engine restarts while throwing the long line away.
func TestOverlongLineAcrossReadsAndRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	appendFile(t, path, strings.Repeat("b", readSize+MaxLine))
	tl := NewTailer(path, store.SourceMetrics, store.TailState{}, "")
	b := read(t, tl, false)
	if b == nil || b.Tail.Invalid != 1 || !b.Tail.Skipping {
		t.Fatalf("first read %+v", b)
	}
	stored := b.Tail
	tl.Close()
	tl = NewTailer(path, store.SourceMetrics, stored, "")
	defer tl.Close()
	appendFile(t, path, "bbbb\n"+`{"metrics": {"x": 3}}`+"\n")
	var got []float64
	for {
		b, more, err := tl.Read(false)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			break
		}
		for _, p := range b.Metrics["x"] {
			got = append(got, p.Value)
		}
		stored = b.Tail
		if !more {
			break
		}
	}
	if len(got) != 1 || got[0] != 3 || stored.Invalid != 1 || stored.Skipping {
		t.Fatalf("after the long line: %v, state %+v", got, stored)
	}
}

func TestOutputLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output.log")
	appendFile(t, path, "Epoch 1: loss=0.5 acc=0.9\n{\"metrics\": {\"loss\": 0.4}}\n{\"metrics\": {\"loss\": [1]}}\nplain text\n")
	for _, kv := range []bool{false, true} {
		mode := metricline.ModeJSON
		if kv {
			mode = metricline.ModeKV
		}
		tl := NewTailer(path, store.SourceOutput, store.TailState{}, mode)
		tl.now = func() time.Time { return time.Unix(100, 0) }
		b := read(t, tl, false)
		tl.Close()
		want := 1
		if kv {
			want = 3
		}
		if b.Points != want || b.Tail.Invalid != 1 || b.Metrics["loss"][0].Time != 100_000_000 {
			t.Errorf("kv=%v: %d points, %d invalid, %+v", kv, b.Points, b.Tail.Invalid, b.Metrics)
		}
	}
}

func TestRecordFieldsGathered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	appendFile(t, path, `{"params": {"lr": 0.1}}
{"tags": {"a": "b"}}
{"eval": {"slice": "s", "metrics": {"acc": 0.5}}}
{"artifact": {"name": "m", "path": "/m.pt"}}
{"total": 9}
`)
	tl := NewTailer(path, store.SourceMetrics, store.TailState{}, "")
	defer tl.Close()
	b := read(t, tl, false)
	if b.Params["lr"] != "0.1" || b.Tags["a"] != "b" || b.Evals["s"]["acc"] != 0.5 || b.Artifacts[0].Path != "/m.pt" || b.Total != 9 || b.Empty() {
		t.Fatalf("%+v", b)
	}
}

// Data sets are gathered by name: one named again replaces its entry, in
// the place of the later line.
func TestDatasetsGathered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.jsonl")
	appendFile(t, path, `{"dataset": {"name": "train", "path": "old.csv"}}
{"dataset": {"name": "val", "path": "val.csv", "role": "validation"}}
{"dataset": {"name": "train", "path": "data/train.csv", "role": "train"}}
`)
	tl := NewTailer(path, store.SourceMetrics, store.TailState{}, "")
	defer tl.Close()
	b := read(t, tl, false)
	want := []store.Dataset{{Name: "val", Path: "val.csv", Role: "validation"}, {Name: "train", Path: "data/train.csv", Role: "train"}}
	if !slices.Equal(b.Datasets, want) || b.Empty() {
		t.Fatalf("datasets %+v, want %+v", b.Datasets, want)
	}
}

// A job that truncates its metrics file, or writes a new one in its place,
// is read again from the start of what it wrote.
func TestTruncatedOrReplacedFileIsReadFromItsStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.jsonl")
	appendFile(t, path, `{"step": 1, "metrics": {"loss": 3}}`+"\n"+`{"step": 2, "metrics": {"loss": 2}}`+"\n")
	tl := NewTailer(path, store.SourceMetrics, store.TailState{}, "")
	defer tl.Close()
	if b := read(t, tl, false); b == nil || len(b.Metrics["loss"]) != 2 {
		t.Fatalf("first read: %+v", b)
	}
	// Truncated, then a shorter content.
	if err := os.WriteFile(path, []byte(`{"step": 9, "metrics": {"loss": 1}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := read(t, tl, false)
	if b == nil || len(b.Metrics["loss"]) != 1 || b.Metrics["loss"][0].Step != 9 || b.Tail.Offset != 36 {
		t.Fatalf("after truncation: %+v", b)
	}
	// Replaced by another file (written aside, renamed over it).
	aside := filepath.Join(dir, "new.jsonl")
	appendFile(t, aside, `{"step": 20, "metrics": {"loss": 0.5}}`+"\n")
	if err := os.Rename(aside, path); err != nil {
		t.Fatal(err)
	}
	b = read(t, tl, false)
	if b == nil || len(b.Metrics["loss"]) != 1 || b.Metrics["loss"][0].Step != 20 {
		t.Fatalf("after replacement: %+v", b)
	}
	if b := read(t, tl, false); b != nil {
		t.Fatalf("nothing new, yet %+v", b)
	}
}

func TestOutputLinesAuto(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output.log")
	// Resumed training (initial_epoch=2) starts at "Epoch 3/4": its
	// metrics are at step 2, whatever came before.
	appendFile(t, path, "Epoch 3/4\n"+
		"  1/10 [==>...] - ETA: 1s - loss: 0.9\r10/10 [==========] - 1s 9ms/step - loss: 0.5 - accuracy: 0.7\n"+
		"Epoch 4/4\n"+
		"10/10 [==========] - 1s 9ms/step - loss: 0.25 - accuracy: 0.8\n"+
		"{'eval_loss': 0.3, 'epoch': 2.0}\n"+
		"Note: 3 files\n")
	tl := NewTailer(path, store.SourceOutput, store.TailState{}, metricline.ModeAuto)
	defer tl.Close()
	b := read(t, tl, false)
	loss, acc := b.Metrics["loss"], b.Metrics["accuracy"]
	if len(loss) != 2 || loss[0].Step != 2 || loss[0].Value != 0.5 || loss[1].Step != 3 || loss[1].Value != 0.25 || len(acc) != 2 {
		t.Fatalf("keras epochs: loss %+v accuracy %+v", loss, acc)
	}
	// The dict line after epoch 2's line takes the next step.
	if e := b.Metrics["eval_loss"]; len(e) != 1 || e[0].Step != 4 || b.Metrics["epoch"][0].Value != 2 {
		t.Fatalf("dict line: %+v", b.Metrics)
	}
	if b.Total != 4 || b.Points != 6 || b.Tail.Invalid != 0 || b.Tail.NextStep != 5 {
		t.Fatalf("total %d, %d points, tail %+v", b.Total, b.Points, b.Tail)
	}
}

// Output is read as the terminal shows it: a progress line's metrics are
// its last state, and a bar redrawn past MaxLine is no unreadable line.
func TestOutputProgressLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output.log")
	bar := strings.Repeat("\r 50%|#####     | 5/10", MaxLine/20+1)
	appendFile(t, path, "Epoch 1/2\n"+
		// Keras pads a redraw to the width it had; the raw bytes hold
		// an earlier loss first.
		"1/2 - loss: 0.9000\r2/2 - loss: 0.5   \n"+
		bar+"\n"+
		"Epoch 2/2\n2/2 - loss: 0.25\n")
	tl := NewTailer(path, store.SourceOutput, store.TailState{}, metricline.ModeAuto)
	defer tl.Close()
	var loss []series.Point
	var tail store.TailState
	for range 10 {
		b := read(t, tl, true)
		if b == nil {
			break
		}
		loss = append(loss, b.Metrics["loss"]...)
		tail = b.Tail
	}
	if len(loss) != 2 || loss[0].Value != 0.5 || loss[1].Value != 0.25 || tail.Invalid != 0 {
		t.Fatalf("loss %+v, tail %+v", loss, tail)
	}
}
