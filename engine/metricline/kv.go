package metricline

import (
	"math"
	"strconv"
)

// Byte classes for ParseKV.
const (
	kvSep       = 1 << iota // ends a token
	kvNameStart             // may start a name
	kvNameCont              // may continue a name
)

var kvClass = func() (t [256]uint8) {
	// Besides the documented separators (whitespace, ',', ';', '|'), all
	// control bytes and brackets end a token: progress bars print
	// "[00:12<00:00, loss=0.123]" and "(acc=0.9)", and a "\r" separates
	// the updates of a tqdm line.
	for c := 0; c < 0x20; c++ {
		t[c] = kvSep
	}
	t[0x7f] = kvSep
	for _, c := range []byte(" ,;|()[]{}") {
		t[c] = kvSep
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = kvNameStart | kvNameCont
		t[c-'a'+'A'] = kvNameStart | kvNameCont
	}
	t['_'] = kvNameStart | kvNameCont
	for _, c := range []byte("0123456789./-") {
		t[c] = kvNameCont
	}
	return t
}()

// kvEntry is a pair found by ParseKV: the name is line[off:end].
type kvEntry struct {
	off, end int
	v        float64
}

// ParseKV extracts name=number pairs from free text such as
//
//	epoch 3 | loss=0.512 acc=0.91, lr=1e-3 mode=train step=300
//
// Tokens are separated by whitespace, commas, semicolons, '|', brackets
// and control bytes; ANSI colour sequences are skipped. A token is a pair
// when it is name=value: the name starts with an ASCII letter or '_' and
// continues with letters, digits, '_', '.', '/', '-' (at most 250 bytes);
// the value is the rest of the token and must parse whole with
// strconv.ParseFloat (so nan and inf work, and "3.2s" or "train" do not).
// Only '=' counts: Keras's "loss: 0.3" and a printed Python dict give
// nothing. A pair named "step" with an integer value sets the record's step
// instead of becoming a metric. When a name occurs twice the last value
// wins, at the place of the first: with "\r"-separated progress updates the
// last is the newest (likewise for step). ok is false, and rec empty, when
// no metric was found.
func ParseKV(line []byte) (rec Record, ok bool) {
	var entBuf [16]kvEntry
	ents := entBuf[:0]
	nameLen := 0
	var index map[string]int // name → ents index, once there are many
	for i := 0; i < len(line); {
		c := line[i]
		if c == 0x1b {
			i = skipEscape(line, i)
			continue
		}
		if kvClass[c]&kvSep != 0 {
			i++
			continue
		}
		start := i
		eq := -1
		for i < len(line) && kvClass[line[i]]&kvSep == 0 {
			if line[i] == '=' && eq < 0 {
				eq = i
			}
			i++
		}
		if eq <= start || eq-start > maxNameLen || eq+1 >= i {
			continue
		}
		name, val := line[start:eq], line[eq+1:i]
		if !kvName(name) || !kvNumberStart(val[0]) {
			continue
		}
		v, err := strconv.ParseFloat(string(val), 64)
		if err != nil {
			continue
		}
		if string(name) == "step" {
			if step, ok := kvInt(val, v); ok {
				rec.HasStep, rec.Step = true, step
			}
			continue
		}
		// Up to a few dozen pairs a linear search is cheapest; beyond that
		// (a hostile line) an index keeps the work linear.
		k := -1
		if index != nil {
			if j, found := index[string(name)]; found {
				k = j
			}
		} else {
			for j := range ents {
				if string(line[ents[j].off:ents[j].end]) == string(name) {
					k = j
					break
				}
			}
		}
		if k >= 0 {
			ents[k].v = v
			continue
		}
		ents = append(ents, kvEntry{start, eq, v})
		nameLen += eq - start
		if index != nil {
			index[string(name)] = len(ents) - 1
		} else if len(ents) > 32 {
			index = make(map[string]int, 2*len(ents))
			for j, e := range ents {
				index[string(line[e.off:e.end])] = j
			}
		}
	}
	if len(ents) == 0 {
		return Record{}, false
	}
	// One string holds every name, as in ParseLine.
	names := make([]byte, 0, nameLen)
	for _, e := range ents {
		names = append(names, line[e.off:e.end]...)
	}
	all := string(names)
	rec.Metrics = make([]Metric, len(ents))
	off := 0
	for k, e := range ents {
		n := e.end - e.off
		rec.Metrics[k] = Metric{all[off : off+n], e.v}
		off += n
	}
	return rec, true
}

// kvName reports whether b is a valid ParseKV name.
func kvName(b []byte) bool {
	if kvClass[b[0]]&kvNameStart == 0 {
		return false
	}
	for _, c := range b[1:] {
		if kvClass[c]&kvNameCont == 0 {
			return false
		}
	}
	return true
}

// kvNumberStart is a cheap filter before strconv.ParseFloat: values such as
// "train" or "'adam'" are common and need no full parse.
func kvNumberStart(c byte) bool {
	switch c {
	case '+', '-', '.', 'i', 'I', 'n', 'N':
		return true
	}
	return isDigit(c)
}

// kvInt returns the step written as val (already parsed as v) when it is an
// integer: "300", or a float form like "3e2" of an exactly integral value.
func kvInt(val []byte, v float64) (int64, bool) {
	if n, err := strconv.ParseInt(string(val), 10, 64); err == nil {
		return n, true
	}
	if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
		return int64(v), true
	}
	return 0, false
}

// skipEscape returns the index after the ANSI escape sequence at line[i]
// (ESC), so that colour codes neither glue to nor split the pairs they
// surround.
func skipEscape(line []byte, i int) int {
	i++ // ESC
	if i >= len(line) {
		return i
	}
	switch line[i] {
	case '[': // CSI: parameters, intermediates, one final byte
		i++
		for i < len(line) && 0x20 <= line[i] && line[i] <= 0x3f {
			i++
		}
		if i < len(line) && 0x40 <= line[i] && line[i] <= 0x7e {
			i++
		}
	case ']': // OSC, e.g. hyperlinks: up to BEL or ESC '\'
		i++
		for i < len(line) {
			if line[i] == 0x07 {
				return i + 1
			}
			if line[i] == 0x1b {
				if i+1 < len(line) && line[i+1] == '\\' {
					return i + 2
				}
				return i
			}
			i++
		}
	default: // two-byte sequence
		i++
	}
	return i
}
