// Package termline renders output as a terminal shows it: a carriage
// return goes back to the start of the line and what follows overwrites
// it, so a progress bar redrawn ten thousand times (tqdm, Keras) reads as
// its last state, not as ten thousand states on one line. Backspace goes
// back one column; ESC[K and ESC[2K erase to the end of the line and the
// whole line. Other escape sequences (colours) are kept, each taking the
// columns of its bytes. Columns are runes.
package termline

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// NeedsRender says whether a line (without its '\n') shows otherwise than
// its bytes: a carriage return before its end, or a backspace.
func NeedsRender(line []byte) bool {
	line = bytes.TrimSuffix(line, []byte("\r"))
	return bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, '\b') >= 0
}

// Render is the line (without its '\n') as a terminal shows it; a line
// that needs no rendering is returned as it is.
func Render(line []byte) []byte {
	if !NeedsRender(line) {
		return bytes.TrimSuffix(line, []byte("\r"))
	}
	var l Line
	l.Write(line)
	return l.Bytes()
}

// Line is one line of a terminal as bytes arrive. Max, when set, bounds
// the columns kept (what is written past it is dropped).
type Line struct {
	Max  int
	cols []rune
	col  int
	esc  []byte // an escape sequence not yet ended
	// part is a rune cut by the end of a Write, completed by the next.
	part []byte
}

// Write takes more of the line; it never fails.
func (l *Line) Write(p []byte) (int, error) {
	n := len(p)
	if len(l.part) > 0 {
		p = append(l.part, p...)
		l.part = nil
	}
	for len(p) > 0 {
		if l.esc == nil && !utf8.FullRune(p) {
			l.part = append([]byte(nil), p...)
			break
		}
		if l.esc != nil {
			p = l.escape(p)
			continue
		}
		r, size := utf8.DecodeRune(p)
		p = p[size:]
		switch r {
		case '\r':
			l.col = 0
		case '\b':
			l.col = max(0, l.col-1)
		case 0x1b:
			l.esc = []byte{0x1b}
		default:
			l.put(r)
		}
	}
	return n, nil
}

// escape reads an escape sequence: ESC [ params final.
func (l *Line) escape(p []byte) []byte {
	for len(p) > 0 {
		c := p[0]
		p = p[1:]
		l.esc = append(l.esc, c)
		switch {
		case len(l.esc) == 2 && c != '[':
			l.putAll(l.esc) // not a CSI sequence: kept as it is
			l.esc = nil
			return p
		case len(l.esc) > 2 && c >= 0x40 && c <= 0x7e:
			l.csi(l.esc)
			l.esc = nil
			return p
		case len(l.esc) > 64:
			l.putAll(l.esc)
			l.esc = nil
			return p
		}
	}
	return p
}

func (l *Line) csi(seq []byte) {
	if seq[len(seq)-1] != 'K' {
		l.putAll(seq)
		return
	}
	switch string(seq[2 : len(seq)-1]) {
	case "", "0":
		l.cols = l.cols[:min(l.col, len(l.cols))]
	case "2":
		l.cols = l.cols[:0]
		for range l.col {
			l.cols = append(l.cols, ' ')
		}
	case "1":
		for i := 0; i < min(l.col, len(l.cols)); i++ {
			l.cols[i] = ' '
		}
	}
}

func (l *Line) putAll(b []byte) {
	for _, r := range string(b) {
		l.put(r)
	}
}

func (l *Line) put(r rune) {
	if l.Max > 0 && l.col >= l.Max {
		return
	}
	for len(l.cols) < l.col {
		l.cols = append(l.cols, ' ')
	}
	if l.col < len(l.cols) {
		l.cols[l.col] = r
	} else {
		l.cols = append(l.cols, r)
	}
	l.col++
}

// Bytes is what the line shows now.
func (l *Line) Bytes() []byte {
	out := []byte(string(l.cols))
	return append(append(out, l.esc...), l.part...)
}

// Reset empties the line.
func (l *Line) Reset() {
	l.cols, l.col, l.esc, l.part = l.cols[:0], 0, nil, nil
}

// maxLine bounds the columns a Writer keeps of one line.
const maxLine = 1 << 20

// Writer renders a stream line by line onto w: lines that need no
// rendering pass as they are; a line that is not yet ended, or that has
// carriage returns, is held until its '\n' (or Flush) and written as it
// shows (at most a MiB of it).
type Writer struct {
	w    io.Writer
	line Line
	// open says the line has begun in an earlier Write.
	open bool
	out  []byte
}

// NewWriter renders onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w, line: Line{Max: maxLine}} }

func (t *Writer) Write(p []byte) (int, error) {
	n := len(p)
	t.out = t.out[:0]
	for {
		nl := bytes.IndexByte(p, '\n')
		if nl < 0 {
			break
		}
		line := p[:nl]
		if !t.open && !NeedsRender(line) {
			t.out = append(append(t.out, bytes.TrimSuffix(line, []byte("\r"))...), '\n')
		} else {
			t.line.Write(line)
			t.out = append(append(t.out, t.line.Bytes()...), '\n')
			t.line.Reset()
			t.open = false
		}
		p = p[nl+1:]
	}
	if len(p) > 0 {
		t.line.Write(p)
		t.open = true
	}
	if len(t.out) == 0 {
		return n, nil
	}
	_, err := t.w.Write(t.out)
	return n, err
}

// Flush writes a line not yet ended (a progress bar when the output ends).
func (t *Writer) Flush() error {
	if !t.open {
		return nil
	}
	t.open = false
	_, err := t.w.Write(t.line.Bytes())
	t.line.Reset()
	return err
}
