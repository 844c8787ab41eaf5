package metricline

// ParseOutputLine looks at one line of a job's output. ok is false when the
// line carries no metrics (the usual case: ordinary text).
//
// A line whose first non-space byte is '{' and that is a JSON object with a
// top-level "metrics" field is a metrics line and is parsed like ParseLine
// (all its fields, not only metrics); ok is true even when its metrics
// object is empty. If such a line is otherwise invalid, ok is false and err
// says why, so the caller can count it. Any other line, including JSON
// objects without "metrics" (a program's own JSON logging), is ordinary
// text: when kv is true its name=number pairs are extracted with ParseKV.
// err is nil whenever ok is true.
func ParseOutputLine(line []byte, kv bool) (rec Record, ok bool, err error) {
	s := scanner{b: line}
	s.skipBOM()
	s.skipSpace()
	if s.peek() == '{' {
		rec, hasMetrics, err := parseLine(line)
		if err == nil {
			if hasMetrics {
				return rec, true, nil
			}
		} else if objectHasMetrics(line) {
			return Record{}, false, err
		}
	}
	if kv {
		rec, ok = ParseKV(line)
		return rec, ok, nil
	}
	return Record{}, false, nil
}

// objectHasMetrics reports whether line is one syntactically valid JSON
// object with a top-level "metrics" field. It runs only after parseLine
// failed, to tell a broken metrics line from text that merely starts with
// '{' (such as a printed Python dict).
func objectHasMetrics(line []byte) bool {
	s := scanner{b: line}
	s.skipBOM()
	has := false
	err := s.members("line", func(key []byte) error {
		if string(key) == "metrics" {
			has = true
		}
		_, err := s.skipValue(nil, false)
		return err
	})
	if err != nil {
		return false
	}
	s.skipSpace()
	return has && s.i == len(s.b)
}
