package engine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"unicode"
	"unicode/utf8"

	"lathe/engine/api"
	"lathe/engine/metricline"
)

// searchProgress is how often, in bytes read, a search says how far it is.
const searchProgress = 64 << 20

// logSearch is one search through a run's output.
type logSearch struct {
	ctx     context.Context
	f       *os.File
	req     api.LogSearchRequest
	kv      metricline.Mode
	fn      func(api.LogSearchEvent) error
	needle  []byte
	lower   []byte // the chunk lower-cased, for a search that ignores case
	size    int64
	scanned int64
	matches int
	told    int64 // scanned when progress was last sent
	buf     []byte
}

func searchLog(ctx context.Context, path string, req api.LogSearchRequest, kv metricline.Mode, fn func(api.LogSearchEvent) error) error {
	f, size, err := openOutput(path)
	if err != nil {
		return err
	}
	if f == nil {
		return fn(api.LogSearchEvent{Done: true})
	}
	defer f.Close()
	s := &logSearch{ctx: ctx, f: f, req: req, kv: kv, fn: fn, needle: []byte(req.Query), size: size, buf: make([]byte, logChunk)}
	if req.Fold {
		s.needle = bytes.ToLower(s.needle)
	}
	from := req.From
	if from < 0 || from > size {
		from = size
	}
	if req.Back {
		err = s.back(from)
	} else {
		// Output written while searching is searched too.
		err = s.scanRange(from, size, true, s.send)
	}
	switch {
	case errors.Is(err, errEnough):
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return err
	}
	return fn(api.LogSearchEvent{Scanned: s.scanned, Size: s.size, Done: true})
}

// errEnough stops a search that found Max matches.
var errEnough = errors.New("enough matches")

// back searches the lines above a line's start, up to the output's start,
// by ranges of whole lines read from the end, each's matches sent last
// first.
func (s *logSearch) back(end int64) error {
	bs := backScanner{r: s.f}
	var found []int64
	collect := func(off int64) error { found = append(found, off); return nil }
	for end > 0 {
		start := max(end-logChunk, 0)
		chunk := s.buf[:end-start]
		if _, err := s.f.ReadAt(chunk, start); err != nil {
			return err
		}
		found = found[:0]
		if nl := bytes.IndexByte(chunk, '\n'); start == 0 || nl >= 0 && start+int64(nl)+1 < end {
			// The chunk's whole lines: after its first line break.
			if start > 0 {
				chunk, start = chunk[nl+1:], start+int64(nl)+1
			}
			last := int64(-1)
			if err := s.matchLines(chunk, start, start, &last, collect); err != nil {
				return err
			}
			s.scanned += end - start
			if err := s.progress(); err != nil {
				return err
			}
		} else {
			// A line longer than a chunk: searched from its start.
			ls, err := bs.lineStart(end)
			if err != nil {
				return err
			}
			start = ls
			if err := s.scanRange(start, end, false, collect); err != nil {
				return err
			}
		}
		for i := len(found) - 1; i >= 0; i-- {
			if err := s.send(found[i]); err != nil {
				return err
			}
		}
		end = start
	}
	return nil
}

// scanRange calls hit with the start of each line in [from, to) that holds
// the query, in order; from is a line's start. When growing, the range
// follows the output as it grows.
func (s *logSearch) scanRange(from, to int64, growing bool, hit func(int64) error) error {
	lineStart, last := from, int64(-1)
	for pos := from; ; {
		if pos >= to {
			if !growing {
				return nil
			}
			fi, err := s.f.Stat()
			if err != nil || fi.Size() <= to {
				return err
			}
			to, s.size = fi.Size(), fi.Size()
		}
		n, err := s.f.ReadAt(s.buf[:min(int64(len(s.buf)), to-pos)], pos)
		if n == 0 {
			return err
		}
		chunk := s.buf[:n]
		next := pos + int64(n)
		lastNL := bytes.LastIndexByte(chunk, '\n')
		if next < to {
			if lastNL >= 0 {
				// Whole lines: the rest is read with the next chunk.
				chunk, next = chunk[:lastNL+1], pos+int64(lastNL)+1
			} else {
				// Inside a line longer than a chunk: chunks overlap by
				// the query's length.
				next = pos + int64(max(n-len(s.needle)+1, 1))
			}
		}
		if err := s.matchLines(chunk, pos, lineStart, &last, hit); err != nil {
			return err
		}
		if lastNL >= 0 && lastNL < len(chunk) {
			lineStart = pos + int64(lastNL) + 1
		}
		s.scanned += next - pos
		pos = next
		if err := s.progress(); err != nil {
			return err
		}
	}
}

// matchLines calls hit with the start of each line of chunk (which begins
// at byte pos, inside the line that starts at lineStart) that holds the
// query, but last, the line hit last.
func (s *logSearch) matchLines(chunk []byte, pos, lineStart int64, last *int64, hit func(int64) error) error {
	hay := chunk
	if s.req.Fold {
		hay = s.lowered(chunk)
	}
	for i := 0; i < len(hay); {
		j := bytes.Index(hay[i:], s.needle)
		if j < 0 {
			return nil
		}
		m := i + j
		ls := lineStart
		if nl := bytes.LastIndexByte(chunk[:m], '\n'); nl >= 0 {
			ls = pos + int64(nl) + 1
		}
		if ls != *last {
			*last = ls
			if err := hit(ls); err != nil {
				return err
			}
		}
		le := bytes.IndexByte(chunk[m:], '\n')
		if le < 0 {
			return nil
		}
		i = m + le + 1
	}
	return nil
}

// progress says how far the search is, every searchProgress bytes, and
// stops it when the client has gone.
func (s *logSearch) progress() error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	if s.scanned-s.told < searchProgress {
		return nil
	}
	s.told = s.scanned
	return s.fn(api.LogSearchEvent{Scanned: s.scanned, Size: s.size})
}

// send sends the matching line at off, unless it is a metric line hidden.
func (s *logSearch) send(off int64) error {
	l, err := lineAt(s.f, off, max(s.size, off+api.MaxLogLine+2))
	if err != nil {
		return err
	}
	if s.req.HideMetrics && isMetricLine(l, s.kv) {
		return nil
	}
	s.matches++
	if err := s.fn(api.LogSearchEvent{Match: &l, Scanned: s.scanned, Size: s.size}); err != nil {
		return err
	}
	if s.req.Max > 0 && s.matches >= s.req.Max {
		return errEnough
	}
	return nil
}

// lowered is chunk with its ASCII letters lower-cased, the same length so
// that offsets hold; a query with other letters is matched against them as
// they are written in lower case.
func (s *logSearch) lowered(chunk []byte) []byte {
	if cap(s.lower) < len(chunk) {
		s.lower = make([]byte, len(chunk))
	}
	out := s.lower[:len(chunk)]
	for i, c := range chunk {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	if !isASCIIBytes(s.needle) {
		lowerRunes(out)
	}
	return out
}

// lowerRunes lower-cases the non-ASCII letters of b in place where the
// lower case has the same length in UTF-8 (nearly all).
func lowerRunes(b []byte) {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if lr := unicode.ToLower(r); lr != r && utf8.RuneLen(lr) == size {
			utf8.EncodeRune(b[i:], lr)
		}
		i += size
	}
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
