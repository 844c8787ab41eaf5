package metricline

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// ParseAuto reads the progress lines popular trainers print unmodified
// (lathe run --parse auto). ok is false, and rec empty, when the line is
// none of them. Only the last state of a line counts: progress bars redraw
// with "\r", and the final state is the newest. ANSI colour sequences are
// skipped. The forms, tried in this order:
//
//   - A Hugging Face Trainer dict: a Python dict literal of quoted str keys,
//     as in {'loss': 0.41, 'grad_norm': 1.2, 'learning_rate': 5e-05,
//     'epoch': 0.5}. Every number (nan and inf included) is a metric,
//     epoch too; True, False, None and string values are skipped. Any other
//     value (a list, a nested dict, a call) makes the line text, and so does
//     a dict without a number.
//   - A Keras epoch header, "Epoch 3/10": it carries no metric, but sets
//     the step of the metric lines that follow to 2 (epochs count from 0 as
//     steps do) and the run's total to 10 ([Record.HasNextStep]).
//   - A Keras progress line: "1875/1875", then optionally a bar ("[====]"
//     or "━━━━") and timings ("3s 1ms/step", "ETA: 3s"), then
//     " - "-separated name: number pairs, as in
//     1875/1875 [==============================] - 3s 1ms/step - loss: 0.3127 - accuracy: 0.9031.
//   - name: number pairs, as in "loss: 0.31 acc: 0.9" or
//     "loss: 0.31, acc: 0.9" or "loss: 0.31 - acc: 0.9". To leave prose alone
//     the whole line must be such pairs (separated by spaces, ',', ';', '|'
//     or a lone '-'), a name must start with a lowercase ASCII letter or '_'
//     and continue as a ParseKV name, and a value must be a whole number in
//     strconv.ParseFloat's syntax. So "Note: 3 files", "at 12:30:01" and
//     "see http://x" stay text.
//   - name=number pairs, as ParseKV reads them.
//
// As in ParseKV, a pair named "step" with an integer value sets the
// record's step instead of becoming a metric, and when a name occurs twice
// the last value wins.
func ParseAuto(line []byte) (rec Record, ok bool) {
	s := lastState(line)
	if bytes.IndexByte(s, 0x1b) >= 0 {
		s = stripEscapes(s)
	}
	s = bytes.TrimSpace(s)
	if len(s) == 0 {
		return Record{}, false
	}
	for _, parse := range [...]func([]byte) (Record, bool){parseDict, parseEpoch, parseKeras, parseColonPairs} {
		if rec, ok := parse(s); ok {
			return rec, true
		}
	}
	return ParseKV(s)
}

// lastState is the last part of line after a "\r" that is not blank, so
// that a CRLF line end does not hide the line.
func lastState(line []byte) []byte {
	for {
		i := bytes.LastIndexByte(line, '\r')
		if i < 0 {
			return line
		}
		if len(bytes.TrimSpace(line[i+1:])) > 0 {
			return line[i+1:]
		}
		line = line[:i]
	}
}

// stripEscapes is s without its ANSI escape sequences, in a new slice.
func stripEscapes(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i = skipEscape(s, i)
			continue
		}
		out = append(out, s[i])
		i++
	}
	return out
}

// pairs collects the metrics of one line: the last value of a name wins, at
// the place of its first.
type pairs struct {
	rec   Record
	index map[string]int // name → rec.Metrics index, once there are many
}

func (p *pairs) add(name []byte, val []byte, v float64) {
	if string(name) == "step" {
		if step, ok := kvInt(val, v); ok {
			p.rec.HasStep, p.rec.Step = true, step
		}
		return
	}
	// As in ParseKV: a linear search for a few dozen names, an index
	// beyond (a hostile line) so that the work stays linear.
	if p.index != nil {
		if k, ok := p.index[string(name)]; ok {
			p.rec.Metrics[k].Value = v
			return
		}
	} else {
		for k := range p.rec.Metrics {
			if p.rec.Metrics[k].Name == string(name) {
				p.rec.Metrics[k].Value = v
				return
			}
		}
	}
	p.rec.Metrics = append(p.rec.Metrics, Metric{string(name), v})
	if p.index != nil {
		p.index[string(name)] = len(p.rec.Metrics) - 1
	} else if len(p.rec.Metrics) > 32 {
		p.index = make(map[string]int, 2*len(p.rec.Metrics))
		for k, m := range p.rec.Metrics {
			p.index[m.Name] = k
		}
	}
}

func (p *pairs) result() (Record, bool) {
	if len(p.rec.Metrics) == 0 {
		return Record{}, false
	}
	return p.rec, true
}

// autoNumber parses a whole value in strconv.ParseFloat's syntax.
func autoNumber(b []byte) (float64, bool) {
	if len(b) == 0 || !kvNumberStart(b[0]) {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}

// parseDict reads a Python dict literal of str keys (see ParseAuto).
func parseDict(s []byte) (Record, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return Record{}, false
	}
	var p pairs
	i := 1
	for {
		i = skipBlank(s, i)
		key, j, ok := pyString(s, i)
		if !ok || len(key) == 0 || len(key) > maxNameLen || !cleanName(key) {
			return Record{}, false
		}
		i = skipBlank(s, j)
		if i >= len(s) || s[i] != ':' {
			return Record{}, false
		}
		i = skipBlank(s, i+1)
		if i < len(s) && (s[i] == '\'' || s[i] == '"') {
			if _, i, ok = pyString(s, i); !ok {
				return Record{}, false
			}
		} else {
			j := i
			for j < len(s) && s[j] != ',' && s[j] != '}' {
				j++
			}
			val := bytes.TrimSpace(s[i:j])
			switch string(val) {
			case "True", "False", "None":
			default:
				v, ok := autoNumber(val)
				if !ok {
					return Record{}, false
				}
				p.add(key, val, v)
			}
			i = j
		}
		i = skipBlank(s, i)
		switch {
		case i == len(s)-1 && s[i] == '}':
			return p.result()
		case i < len(s) && s[i] == ',':
			i++
		default:
			return Record{}, false
		}
	}
}

func skipBlank(s []byte, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// pyString reads a quoted Python str at s[i]: its raw content and the
// index after the closing quote. Escapes are skipped over, not decoded.
func pyString(s []byte, i int) (str []byte, end int, ok bool) {
	if i >= len(s) || (s[i] != '\'' && s[i] != '"') {
		return nil, i, false
	}
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return s[i+1 : j], j + 1, true
		}
	}
	return nil, len(s), false
}

// cleanName reports a name is UTF-8 without control characters, as
// metric names must be.
func cleanName(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// parseEpoch reads Keras's "Epoch 3/10".
func parseEpoch(s []byte) (Record, bool) {
	rest, ok := bytes.CutPrefix(s, []byte("Epoch "))
	if !ok {
		return Record{}, false
	}
	n, m, ok := fraction(rest)
	if !ok || n < 1 || n > m {
		return Record{}, false
	}
	return Record{HasNextStep: true, NextStep: n - 1, Total: m}, true
}

// fraction reads "N/M" of two positive decimal integers, the whole of b.
func fraction(b []byte) (n, m int64, ok bool) {
	a, c, found := bytes.Cut(b, []byte("/"))
	if !found {
		return 0, 0, false
	}
	n, ok1 := positive(a)
	m, ok2 := positive(c)
	return n, m, ok1 && ok2
}

func positive(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n > 0
}

// parseKeras reads a Keras progress line (see ParseAuto).
func parseKeras(s []byte) (Record, bool) {
	if !isDigit(s[0]) { // most text: no need to split it
		return Record{}, false
	}
	segs := bytes.Split(s, []byte(" - "))
	head := bytes.Fields(segs[0])
	if len(head) == 0 {
		return Record{}, false
	}
	if _, _, ok := fraction(head[0]); !ok {
		return Record{}, false
	}
	for _, w := range head[1:] {
		if !kerasBar(w) && !timing(w) {
			return Record{}, false
		}
	}
	var p pairs
	for _, seg := range segs[1:] {
		seg = bytes.TrimSpace(seg)
		if eta, ok := bytes.CutPrefix(seg, []byte("ETA: ")); ok && timings(eta) {
			continue
		}
		if timings(seg) {
			continue
		}
		name, val, ok := bytes.Cut(seg, []byte(": "))
		if !ok || !colonName(name) {
			return Record{}, false
		}
		v, ok := autoNumber(bytes.TrimSpace(val))
		if !ok {
			return Record{}, false
		}
		p.add(name, bytes.TrimSpace(val), v)
	}
	return p.result()
}

// kerasBar reports a progress bar word: "[====>....]" or a run of
// non-ASCII box-drawing characters ("━━━━").
func kerasBar(w []byte) bool {
	if len(w) >= 2 && w[0] == '[' && w[len(w)-1] == ']' {
		return true
	}
	for _, r := range string(w) {
		if r < 0x2500 || r > 0x259f { // box drawing and block elements
			return false
		}
	}
	return len(w) > 0
}

// timings reports that every word of b is a timing such as "3s".
func timings(b []byte) bool {
	ws := bytes.Fields(b)
	for _, w := range ws {
		if !timing(w) {
			return false
		}
	}
	return len(ws) > 0
}

// timing reports a word like "3s", "1ms/step", "120us/sample", "3s/epoch"
// or "1:02" (ETA of Keras 3).
func timing(w []byte) bool {
	w, _, _ = bytes.Cut(w, []byte("/"))
	i := 0
	for i < len(w) && (isDigit(w[i]) || w[i] == '.' || w[i] == ':') {
		i++
	}
	if i == 0 {
		return false
	}
	switch string(w[i:]) {
	case "", "s", "ms", "us", "µs", "ns", "m", "h":
		return true
	}
	return false
}

// parseColonPairs reads a line made only of name: number pairs (see
// ParseAuto).
func parseColonPairs(s []byte) (Record, bool) {
	var p pairs
	var name []byte // a name waiting for its value
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\t' || c == ',' || c == ';' || c == '|' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != ',' && s[j] != ';' && s[j] != '|' {
			j++
		}
		tok := s[i:j]
		i = j
		if name != nil {
			v, ok := autoNumber(tok)
			if !ok {
				return Record{}, false
			}
			p.add(name, tok, v)
			name = nil
			continue
		}
		if len(tok) == 1 && tok[0] == '-' {
			continue
		}
		n, val, ok := bytes.Cut(tok, []byte(":"))
		if !ok || !colonName(n) {
			return Record{}, false
		}
		if len(val) == 0 {
			name = n
			continue
		}
		v, ok := autoNumber(val)
		if !ok {
			return Record{}, false
		}
		p.add(n, val, v)
	}
	if name != nil {
		return Record{}, false
	}
	return p.result()
}

// colonName reports a name of a name: number pair: a ParseKV name that
// starts with a lowercase ASCII letter or '_'.
func colonName(b []byte) bool {
	if len(b) == 0 || len(b) > maxNameLen || !(b[0] == '_' || 'a' <= b[0] && b[0] <= 'z') {
		return false
	}
	return kvName(b)
}
