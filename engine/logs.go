package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"lathe/engine/api"
	"lathe/engine/metricline"
	"lathe/engine/termline"
)

// The output is read by ranges of lines and searched from the file itself,
// never held whole: a job may write gigabytes. Lines are found by their
// byte offsets, so reading back from the end needs no index of lines.

// LogLines reads lines of a run's output around a byte offset.
func (e *Engine) LogLines(ctx context.Context, ref string, req api.LogLinesRequest) (api.LogLines, error) {
	path, kv, err := e.outputOf(ref)
	if err != nil {
		return api.LogLines{}, err
	}
	return readLogLines(path, req, kv)
}

// SearchLogs streams the lines of a run's output that hold a query.
func (e *Engine) SearchLogs(ctx context.Context, ref string, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error {
	if req.Query == "" {
		return api.Errorf(api.ErrInvalid, "search for what? the query is empty")
	}
	path, kv, err := e.outputOf(ref)
	if err != nil {
		return err
	}
	return searchLog(ctx, path, req, kv, fn)
}

// outputOf is the path of a run's output and its parse mode.
func (e *Engine) outputOf(ref string) (path string, kv metricline.Mode, err error) {
	r, err := e.runView(ref)
	if err != nil {
		return "", "", err
	}
	files, err := e.files(r.ID, r.Runner)
	if err != nil {
		return "", "", err
	}
	return files.Output, metricline.Mode(r.Parse), nil
}

// logChunk is how much of the output is read at once.
const logChunk = 1 << 20

// hideScan bounds the bytes one LogLines reads past hidden lines, so that
// a request over output made only of metrics still answers soon.
const hideScan = 16 << 20

// openOutput opens an output that may not exist yet (a job that has
// written nothing): then f is nil.
func openOutput(path string) (f *os.File, size int64, err error) {
	f, err = os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("logs: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("logs: %w", err)
	}
	return f, fi.Size(), nil
}

// isMetricLine reports that a line is one the run's parser reads as
// metrics; a cut line is text.
func isMetricLine(l api.LogLine, kv metricline.Mode) bool {
	if l.Cut {
		return false
	}
	_, ok, _ := metricline.ParseOutput([]byte(l.Text), kv)
	return ok
}

func readLogLines(path string, req api.LogLinesRequest, kv metricline.Mode) (api.LogLines, error) {
	f, size, err := openOutput(path)
	if err != nil || f == nil {
		return api.LogLines{Lines: []api.LogLine{}}, err
	}
	defer f.Close()
	from := req.From
	if from < 0 || from > size {
		from = size
	}
	count := min(max(req.Count, 0), api.MaxLogLines)
	out := api.LogLines{Lines: make([]api.LogLine, 0, min(count, 4096)), Start: from, End: from, Size: size}
	keep := func(l api.LogLine) bool { return !req.HideMetrics || !isMetricLine(l, kv) }
	if req.Back {
		err = readBack(f, from, count, keep, &out)
	} else {
		err = readForward(f, from, size, count, keep, &out)
	}
	return out, err
}

// readForward reads lines from from on until count are kept or the end.
func readForward(f io.ReaderAt, from, size int64, count int, keep func(api.LogLine) bool, out *api.LogLines) error {
	pos := from
	for len(out.Lines) < count && pos < size && pos-from < hideScan+int64(count)*api.MaxLogLine {
		l, err := lineAt(f, pos, size)
		if err != nil {
			return err
		}
		pos += l.Len
		if keep(l) {
			out.Lines = append(out.Lines, l)
		}
	}
	out.End = pos
	return nil
}

// readBack reads the lines above from, nearest first, until count are
// kept or the start, and puts them in order.
func readBack(f io.ReaderAt, from int64, count int, keep func(api.LogLine) bool, out *api.LogLines) error {
	b := backScanner{r: f}
	end := from
	for len(out.Lines) < count && end > 0 && from-end < hideScan+int64(count)*api.MaxLogLine {
		start, err := b.lineStart(end)
		if err != nil {
			return err
		}
		l, err := lineAt(f, start, end)
		if err != nil {
			return err
		}
		end = start
		if keep(l) {
			out.Lines = append(out.Lines, l)
		}
	}
	out.Start = end
	for i, j := 0, len(out.Lines)-1; i < j; i, j = i+1, j-1 {
		out.Lines[i], out.Lines[j] = out.Lines[j], out.Lines[i]
	}
	return nil
}

// lineAt reads the line that starts at start, going no further than limit
// (the size, or the start of the line after): its text up to MaxLogLine
// bytes, its whole length.
func lineAt(r io.ReaderAt, start, limit int64) (api.LogLine, error) {
	l := api.LogLine{Offset: start}
	buf := make([]byte, min(limit-start, api.MaxLogLine+2))
	var text []byte
	// term renders a line with carriage returns (a progress bar) as a
	// terminal shows it: its last state, however long the line.
	var term *termline.Line
	for pos := start; pos < limit; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), limit-pos)], pos)
		if n == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return l, fmt.Errorf("logs: %w", err)
		}
		chunk := buf[:n]
		nl := bytes.IndexByte(chunk, '\n')
		if nl >= 0 {
			chunk = chunk[:nl+1]
		}
		body := bytes.TrimSuffix(chunk, []byte("\n"))
		shown := body
		if nl >= 0 {
			shown = bytes.TrimSuffix(body, []byte("\r")) // a CRLF line end
		}
		if term == nil && bytes.ContainsAny(shown, "\r\b") {
			term = &termline.Line{Max: api.MaxLogLine + 1}
			term.Write(text)
		}
		if term != nil {
			term.Write(body)
		} else if room := api.MaxLogLine + 2 - len(text); room > 0 {
			text = append(text, chunk[:min(len(chunk), room)]...)
		}
		pos += int64(len(chunk))
		l.Len = pos - start
		if nl >= 0 {
			break
		}
	}
	if term != nil {
		text = term.Bytes()
	}
	text = bytes.TrimSuffix(text, []byte("\n"))
	text = bytes.TrimSuffix(text, []byte("\r"))
	if len(text) > api.MaxLogLine {
		text, l.Cut = text[:api.MaxLogLine], true
	}
	l.Text = string(text)
	return l, nil
}

// backScanner finds line breaks going back through a file, a chunk at a
// time.
type backScanner struct {
	r        io.ReaderAt
	buf      []byte
	bufStart int64 // the offset of buf[0]
}

// lineStart is where the line ending at end starts (end is a line's start,
// or the end of the output): just after the last '\n' before end-1.
func (b *backScanner) lineStart(end int64) (int64, error) {
	pos := end - 1 // the line's last byte: its '\n', or the output's last
	for pos > 0 {
		if pos <= b.bufStart || pos > b.bufStart+int64(len(b.buf)) {
			if err := b.fill(pos); err != nil {
				return 0, err
			}
		}
		if i := bytes.LastIndexByte(b.buf[:pos-b.bufStart], '\n'); i >= 0 {
			return b.bufStart + int64(i) + 1, nil
		}
		pos = b.bufStart
	}
	return 0, nil
}

// fill reads the chunk that ends at end.
func (b *backScanner) fill(end int64) error {
	start := max(end-logChunk, 0)
	if cap(b.buf) < logChunk {
		b.buf = make([]byte, logChunk)
	}
	b.buf = b.buf[:end-start]
	n, err := b.r.ReadAt(b.buf, start)
	if n < len(b.buf) {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("logs: %w", err)
	}
	b.bufStart = start
	return nil
}
