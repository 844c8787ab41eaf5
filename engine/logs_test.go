package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/metricline"
)

// writeLog writes an output file of the given text.
func writeLog(t testing.TB, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "output.log")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func texts(ls []api.LogLine) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Text
	}
	return out
}

func mustLines(t *testing.T, path string, req api.LogLinesRequest, kv metricline.Mode) api.LogLines {
	t.Helper()
	got, err := readLogLines(path, req, kv)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestLogLinesForwardAndBack(t *testing.T) {
	long := strings.Repeat("x", logChunk+api.MaxLogLine) // longer than a chunk and the cut
	text := "one\r\ntwo\n" + long + "\nthree\nlast, unfinished"
	path := writeLog(t, text)
	size := int64(len(text))

	// From the end, back: the unfinished line too; CRLF gone; the long line cut.
	end := mustLines(t, path, api.LogLinesRequest{From: -1, Back: true, Count: 3}, "")
	if got := texts(end.Lines); !slices.Equal(got, []string{long[:api.MaxLogLine], "three", "last, unfinished"}) {
		t.Fatalf("back from the end: %.40q", got)
	}
	if !end.Lines[0].Cut || end.Lines[0].Len != int64(len(long))+1 || end.Size != size || end.End != size {
		t.Errorf("long line %+v / window %d..%d of %d", end.Lines[0].Len, end.Start, end.End, end.Size)
	}
	// Further back from where the window starts: the first lines.
	above := mustLines(t, path, api.LogLinesRequest{From: end.Start, Back: true, Count: 10}, "")
	if got := texts(above.Lines); !slices.Equal(got, []string{"one", "two"}) || above.Start != 0 {
		t.Errorf("above: %q from %d", got, above.Start)
	}
	// Forward from the start: offsets chain, each line's Len leads to the next.
	fwd := mustLines(t, path, api.LogLinesRequest{From: 0, Count: 10}, "")
	if len(fwd.Lines) != 5 || fwd.End != size {
		t.Fatalf("forward: %d lines to %d", len(fwd.Lines), fwd.End)
	}
	for i := 1; i < len(fwd.Lines); i++ {
		if p := fwd.Lines[i-1]; p.Offset+p.Len != fwd.Lines[i].Offset {
			t.Errorf("line %d at %d, the one before ends at %d", i, fwd.Lines[i].Offset, p.Offset+p.Len)
		}
	}
	if fwd.Lines[0].Len != 5 || fwd.Lines[1].Offset != 5 {
		t.Errorf("CRLF line: %+v", fwd.Lines[0])
	}
	// No more than MaxLogLines at once.
	many := writeLog(t, strings.Repeat("x\n", api.MaxLogLines+5))
	if got := mustLines(t, many, api.LogLinesRequest{From: 0, Count: 1 << 30}, ""); len(got.Lines) != api.MaxLogLines {
		t.Errorf("%d lines at once", len(got.Lines))
	}
	// Forward from a middle line, counted.
	mid := mustLines(t, path, api.LogLinesRequest{From: 5, Count: 1}, "")
	if got := texts(mid.Lines); !slices.Equal(got, []string{"two"}) || mid.End != 9 {
		t.Errorf("one from 5: %q to %d", got, mid.End)
	}
}

func TestLogLinesMissingAndEmpty(t *testing.T) {
	got := mustLines(t, filepath.Join(t.TempDir(), "none.log"), api.LogLinesRequest{From: -1, Back: true, Count: 10}, "")
	if len(got.Lines) != 0 || got.Size != 0 || got.Lines == nil {
		t.Errorf("a missing output: %+v", got)
	}
	got = mustLines(t, writeLog(t, ""), api.LogLinesRequest{From: 0, Count: 10}, "")
	if len(got.Lines) != 0 {
		t.Errorf("an empty output: %+v", got)
	}
}

func TestLogLinesHideMetrics(t *testing.T) {
	text := "start\n{\"metrics\": {\"loss\": 1}}\nepoch 1 loss=0.5\n{\"msg\": \"json, no metrics\"}\nend\n"
	path := writeLog(t, text)
	got := mustLines(t, path, api.LogLinesRequest{From: 0, Count: 10, HideMetrics: true}, "")
	if want := []string{"start", "epoch 1 loss=0.5", `{"msg": "json, no metrics"}`, "end"}; !slices.Equal(texts(got.Lines), want) {
		t.Errorf("JSON metrics hidden: %q", texts(got.Lines))
	}
	// With the kv parser, name=value lines are metrics too; back as well.
	got = mustLines(t, path, api.LogLinesRequest{From: -1, Back: true, Count: 10, HideMetrics: true}, metricline.ModeKV)
	if want := []string{"start", `{"msg": "json, no metrics"}`, "end"}; !slices.Equal(texts(got.Lines), want) {
		t.Errorf("kv metrics hidden: %q", texts(got.Lines))
	}
}

// search runs a search to its end and returns the matching lines' texts.
func search(t *testing.T, path string, req api.LogSearchRequest) ([]string, []api.LogSearchEvent) {
	t.Helper()
	var got []string
	var evs []api.LogSearchEvent
	err := searchLog(context.Background(), path, req, "", func(ev api.LogSearchEvent) error {
		evs = append(evs, ev)
		if ev.Match != nil {
			got = append(got, ev.Match.Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || !evs[len(evs)-1].Done {
		t.Fatalf("the last event does not say the search is done: %+v", evs)
	}
	return got, evs
}

func TestSearchLog(t *testing.T) {
	// Enough lines for several chunks, a match split by a chunk's end in a
	// line longer than a chunk, CRLF.
	var b strings.Builder
	for i := range 40000 {
		fmt.Fprintf(&b, "line %d of the output\r\n", i)
	}
	long := strings.Repeat("y", logChunk-3) + "NEEDLE" + strings.Repeat("y", logChunk)
	b.WriteString(long + "\n")
	b.WriteString("Needle at the end")
	path := writeLog(t, b.String())

	got, _ := search(t, path, api.LogSearchRequest{Query: "line 3999", From: 0})
	want := []string{"line 3999 of the output"}
	for i := range 10 {
		want = append(want, fmt.Sprintf("line 3999%d of the output", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("forward: %q", got)
	}
	// Back from the end, nearest first.
	got, _ = search(t, path, api.LogSearchRequest{Query: "line 3999", From: -1, Back: true, Max: 2})
	if !slices.Equal(got, []string{"line 39999 of the output", "line 39998 of the output"}) {
		t.Errorf("back: %q", got)
	}
	// The needle across chunks of a long line, and case: exact, then folded.
	got, _ = search(t, path, api.LogSearchRequest{Query: "NEEDLE", From: 0})
	if len(got) != 1 || !strings.HasPrefix(got[0], "yyy") {
		t.Errorf("exact case: %d matches", len(got))
	}
	got, evs := search(t, path, api.LogSearchRequest{Query: "needle", Fold: true, From: 0})
	if len(got) != 2 || got[1] != "Needle at the end" {
		t.Errorf("folded: %.30q", got)
	}
	if m := evs[0].Match; m == nil || m.Offset != int64(strings.Index(b.String(), long)) {
		t.Errorf("the long line's match is not at its start: %+v", evs[0])
	}
	got, _ = search(t, path, api.LogSearchRequest{Query: "needle", Fold: true, From: -1, Back: true})
	if len(got) != 2 || got[0] != "Needle at the end" {
		t.Errorf("folded, back: %.30q", got)
	}
	// From a line's start: the lines before are not searched.
	off := int64(strings.Index(b.String(), "line 39995 "))
	got, _ = search(t, path, api.LogSearchRequest{Query: "line 3999", From: off})
	if len(got) != 5 {
		t.Errorf("from line 39995: %q", got)
	}
	got, _ = search(t, path, api.LogSearchRequest{Query: "line 3999", From: off, Back: true})
	if len(got) != 6 || got[0] != "line 39994 of the output" {
		t.Errorf("back from line 39995: %q", got)
	}
}

func TestSearchLogMissingFile(t *testing.T) {
	got, evs := search(t, filepath.Join(t.TempDir(), "none.log"), api.LogSearchRequest{Query: "x"})
	if len(got) != 0 || len(evs) != 1 {
		t.Errorf("missing: %q %+v", got, evs)
	}
}

func TestSearchLogProgressAndCancel(t *testing.T) {
	line := strings.Repeat("z", 99) + "\n"
	path := writeLog(t, strings.Repeat(line, (3*searchProgress)/100))
	_, evs := search(t, path, api.LogSearchRequest{Query: "absent", From: 0})
	if len(evs) < 3 || evs[0].Scanned < searchProgress || evs[0].Size != 3*searchProgress/100*100 {
		t.Errorf("progress: %+v", evs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := searchLog(ctx, path, api.LogSearchRequest{Query: "absent"}, "", func(ev api.LogSearchEvent) error {
		n++
		cancel() // the client went away on the first progress
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled: %v after %d events", err, n)
	}
}

func TestSearchLogGrowing(t *testing.T) {
	path := writeLog(t, strings.Repeat("filler line\n", 200000)+"first match\n")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The file grows while the search reads it: what is written before it
	// reaches the end is searched too.
	var got []string
	err = searchLog(context.Background(), path, api.LogSearchRequest{Query: "match"}, "", func(ev api.LogSearchEvent) error {
		if ev.Match != nil {
			got = append(got, ev.Match.Text)
			if len(got) == 1 {
				fmt.Fprintf(f, "second match\n")
			}
		}
		return nil
	})
	if err != nil || !slices.Equal(got, []string{"first match", "second match"}) {
		t.Errorf("growing: %q %v", got, err)
	}
}

// The range reads and the search through the engine and its socket: a
// run's real output.
func TestLogLinesAndSearchOfARun(t *testing.T) {
	implsOver(t, testRunners[:1], nil, func(t *testing.T, svc api.Service, e *Engine) {
		r := submit(t, svc, api.SubmitRequest{Parse: "kv", Command: sh("for i in $(seq 1 3000); do echo \"step=$i loss=0.5\"; echo \"text $i\"; done")})
		r = wait(t, svc, r.ID)
		end, err := svc.LogLines(ctxT(t), r.ID, api.LogLinesRequest{From: -1, Back: true, Count: 2, HideMetrics: true})
		if err != nil || !slices.Equal(texts(end.Lines), []string{"text 2999", "text 3000"}) {
			t.Fatalf("last lines but metrics: %q %v", texts(end.Lines), err)
		}
		var got []api.LogLine
		err = svc.SearchLogs(ctxT(t), r.ID, api.LogSearchRequest{Query: "TEXT 1", Fold: true, From: -1, Back: true, Max: 3}, func(ev api.LogSearchEvent) error {
			if ev.Match != nil {
				got = append(got, *ev.Match)
			}
			return nil
		})
		if err != nil || !slices.Equal(texts(got), []string{"text 1999", "text 1998", "text 1997"}) {
			t.Errorf("search back: %q %v", texts(got), err)
		}
		// The match's offset is where a range read shows it.
		at, err := svc.LogLines(ctxT(t), r.ID, api.LogLinesRequest{From: got[0].Offset, Count: 1})
		if err != nil || len(at.Lines) != 1 || at.Lines[0].Text != "text 1999" {
			t.Errorf("at the match: %+v %v", at, err)
		}
		if _, err := svc.LogLines(ctxT(t), "nosuchrun", api.LogLinesRequest{}); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("unknown run: %v", err)
		}
		if err := svc.SearchLogs(ctxT(t), r.ID, api.LogSearchRequest{}, nil); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("empty query: %v", err)
		}
		// A search cancelled by the client ends.
		ctx, cancel := context.WithTimeout(ctxT(t), time.Minute)
		cancel()
		if err := svc.SearchLogs(ctx, r.ID, api.LogSearchRequest{Query: "x"}, func(api.LogSearchEvent) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	})
}

// A client that goes away mid-search over the socket stops it: the call
// returns at once, cancelled.
func TestSearchLogsCancelledOverTheSocket(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	c := serveOverSocket(t, e)
	r := wait(t, e, submit(t, e, api.SubmitRequest{Command: sh("true")}).ID)
	files, err := e.files(r.ID, r.Runner)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("z", 99) + "\n"
	if err := os.WriteFile(files.Output, []byte(strings.Repeat(line, (searchProgress+searchProgress/8)/100)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	var evs []api.LogSearchEvent
	err = c.SearchLogs(ctx, r.ID, api.LogSearchRequest{Query: "absent"}, func(ev api.LogSearchEvent) error {
		evs = append(evs, ev)
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || len(evs) != 1 || evs[0].Scanned < searchProgress || evs[0].Done {
		t.Errorf("cancelled mid-way: %v after %+v", err, evs)
	}
}

// A progress bar redrawn with carriage returns reads as its last state,
// even when the line is far longer than a line kept.
func TestLogLinesShowProgressBarsAsTheTerminalDoes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output.log")
	var b strings.Builder
	b.WriteString("start\n")
	for i := 0; i <= 10000; i++ {
		fmt.Fprintf(&b, "\r%3d%%|%-50s|", i/100, strings.Repeat("█", i/200))
	}
	b.WriteString("\nabc\rXY\r\nend\n")
	os.WriteFile(path, []byte(b.String()), 0o644)
	if b.Len() < 2*api.MaxLogLine {
		t.Fatalf("the bar line is only %d bytes", b.Len())
	}
	ls, err := readLogLines(path, api.LogLinesRequest{Count: 10}, "")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, l := range ls.Lines {
		texts = append(texts, l.Text)
	}
	want := []string{"start", "100%|" + strings.Repeat("█", 50) + "|", "XYc", "end"}
	if !slices.Equal(texts, want) || ls.Lines[1].Cut || ls.Lines[2].Offset != ls.Lines[1].Offset+ls.Lines[1].Len {
		t.Errorf("lines = %q (cut %v), want %q", texts, ls.Lines[1].Cut, want)
	}
}
