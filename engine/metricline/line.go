package metricline

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Metric is one named value.
type Metric struct {
	Name  string
	Value float64
}

// Record is what one line says. Fields absent from the line are zero.
type Record struct {
	HasStep  bool
	Step     int64
	HasTime  bool
	Time     int64             // microseconds since the Unix epoch
	Metrics  []Metric          // in the order written in the line
	Params   map[string]string // nil when absent
	Tags     map[string]string // nil when absent
	Eval     *Eval
	Artifact *Artifact
	Dataset  *Dataset
	Total    int64 // 0 when absent
	// Experiment moves the run to another experiment ("" when absent): a
	// W&B-style script's project.
	Experiment string
	// HasNextStep marks a line that sets the step of the metric lines
	// after it to NextStep (a Keras "Epoch 3/10" header, see ParseAuto).
	HasNextStep bool
	NextStep    int64
}

// Eval is a set of evaluation metrics for one slice of the data.
type Eval struct {
	Slice   string
	Metrics []Metric
}

// Artifact is a file the job produced.
type Artifact struct {
	Name, Path string
}

// Dataset is data the job reads. Role is "train", "validation", "test" or
// any other text; "" when the line gives none.
type Dataset struct {
	Name, Path, Role string
}

// maxNameLen is the longest metric, param or tag name, in bytes.
const maxNameLen = 250

// Bits for the known top-level fields, to reject duplicates.
const (
	fStep = 1 << iota
	fTime
	fMetrics
	fParams
	fTags
	fEval
	fArtifact
	fDataset
	fTotal
	fExperiment
)

var (
	errEmpty     = errors.New("empty line")
	errNotObject = errors.New("not a JSON object")
	errNoField   = errors.New("no known field")
)

// validExperiment refuses what cannot name an experiment (the store's rule).
func validExperiment(name string) error {
	if len(name) > 200 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("experiment %q: at most 200 bytes, no control characters", name)
	}
	return nil
}

// ParseLine parses one line of a metrics file. The error says briefly what
// is wrong (one line, fit to show a user, e.g. `metric "loss": value is a
// boolean`, `not a JSON object`, `step 12.5 is not an integer`); it never
// includes the whole line.
//
// On error the Record is zero: a line counts whole or not at all. Syntax
// errors give a byte offset into line. The Record never refers to line's
// memory, so the caller may reuse its read buffer.
func ParseLine(line []byte) (Record, error) {
	rec, _, err := parseLine(line)
	return rec, err
}

// parseLine is ParseLine that also reports whether the line had a top-level
// "metrics" field, which is what makes an output line a metrics line.
func parseLine(line []byte) (rec Record, hasMetrics bool, err error) {
	s := scanner{b: line}
	s.skipBOM()
	s.skipSpace()
	if s.i >= len(s.b) {
		return Record{}, false, errEmpty
	}
	if s.b[s.i] != '{' {
		return Record{}, false, errNotObject
	}
	s.i++
	seen := 0
	s.skipSpace()
	if s.peek() == '}' {
		s.i++
	} else {
		var keyBuf [32]byte
		for {
			s.skipSpace()
			key, _, err := s.readString(keyBuf[:0], true)
			if err != nil {
				return Record{}, false, err
			}
			if err := s.expect(':'); err != nil {
				return Record{}, false, err
			}
			s.skipSpace()
			bit := 0
			switch string(key) {
			case "step":
				bit = fStep
			case "time":
				bit = fTime
			case "metrics":
				bit = fMetrics
			case "params":
				bit = fParams
			case "tags":
				bit = fTags
			case "eval":
				bit = fEval
			case "artifact":
				bit = fArtifact
			case "dataset":
				bit = fDataset
			case "total":
				bit = fTotal
			case "experiment":
				bit = fExperiment
			}
			if seen&bit != 0 {
				return Record{}, false, fmt.Errorf("duplicate field %q", string(key)) // string(): keep keyBuf on the stack
			}
			seen |= bit
			switch bit {
			case fStep:
				rec.Step, err = s.integer("step")
				rec.HasStep = true
			case fTime:
				rec.Time, err = s.time()
				rec.HasTime = true
			case fMetrics:
				rec.Metrics, err = s.metrics("metrics", "metric")
			case fParams:
				rec.Params, err = s.stringMap("params", "param")
			case fTags:
				rec.Tags, err = s.stringMap("tags", "tag")
			case fEval:
				rec.Eval, err = s.eval()
			case fArtifact:
				rec.Artifact, err = s.artifact()
			case fDataset:
				rec.Dataset, err = s.dataset()
			case fTotal:
				rec.Total, err = s.integer("total")
				if err == nil && rec.Total <= 0 {
					err = fmt.Errorf("total %d is not positive", rec.Total)
				}
			case fExperiment:
				rec.Experiment, err = s.nonEmptyString("experiment")
				if err == nil {
					err = validExperiment(rec.Experiment)
				}
			default:
				_, err = s.skipValue(nil, false)
			}
			if err != nil {
				return Record{}, false, err
			}
			s.skipSpace()
			if s.peek() == ',' {
				s.i++
				continue
			}
			if s.peek() == '}' {
				s.i++
				break
			}
			return Record{}, false, s.errSyntax()
		}
	}
	s.skipSpace()
	if s.i < len(s.b) {
		return Record{}, false, fmt.Errorf("unexpected data after the JSON object at offset %d", s.i)
	}
	if seen == 0 {
		return Record{}, false, errNoField
	}
	if seen == fMetrics && len(rec.Metrics) == 0 {
		return Record{}, false, errors.New("metrics is empty")
	}
	return rec, seen&fMetrics != 0, nil
}

// integer reads a step or total: a JSON number with an exact int64 value.
func (s *scanner) integer(what string) (int64, error) {
	if c := s.peek(); c != '-' && !isDigit(c) {
		return 0, s.notA(what, "a number")
	}
	n, err := s.readNumber()
	if err != nil {
		return 0, err
	}
	v, exact, ok := decimalToInt(n.text, 0)
	if !ok {
		return 0, fmt.Errorf("%s %s is out of range", what, clip(n.text))
	}
	if !exact {
		return 0, fmt.Errorf("%s %s is not an integer", what, clip(n.text))
	}
	return v, nil
}

// time reads Unix seconds as microseconds.
func (s *scanner) time() (int64, error) {
	if c := s.peek(); c != '-' && !isDigit(c) {
		return 0, s.notA("time", "a number")
	}
	n, err := s.readNumber()
	if err != nil {
		return 0, err
	}
	v, _, ok := decimalToInt(n.text, 6)
	if !ok {
		return 0, fmt.Errorf("time %s is out of range", clip(n.text))
	}
	return v, nil
}

// entry is a metric being collected: its name is names[off:end] in the
// shared name buffer of metrics.
type entry struct {
	off, end int
	v        float64
}

// metrics reads an object of name → number. what names the object and
// label one member in errors ("metrics"/"metric", "eval metrics"/"eval
// metric"). An empty object gives nil.
//
// All names are gathered in one buffer and turned into a single string
// that the Metric names slice, so a line costs two allocations however
// many metrics it has.
func (s *scanner) metrics(what, label string) ([]Metric, error) {
	if s.peek() != '{' {
		return nil, s.notA(what, "an object")
	}
	s.i++
	s.skipSpace()
	if s.peek() == '}' {
		s.i++
		return nil, nil
	}
	var entBuf [16]entry
	var nameBuf [256]byte
	ents, names := entBuf[:0], nameBuf[:0]
	for {
		s.skipSpace()
		off := len(names)
		var high bool
		var err error
		names, high, err = s.readString(names, true)
		if err != nil {
			return nil, err
		}
		name := names[off:]
		if msg := checkName(name, high); msg != "" {
			return nil, fmt.Errorf("%s name %s", label, msg)
		}
		if err := s.expect(':'); err != nil {
			return nil, err
		}
		s.skipSpace()
		v, err := s.metricValue(label, name)
		if err != nil {
			return nil, err
		}
		ents = append(ents, entry{off, len(names), v})
		s.skipSpace()
		if s.peek() == ',' {
			s.i++
			continue
		}
		if s.peek() == '}' {
			s.i++
			break
		}
		return nil, s.errSyntax()
	}
	if d := duplicate(names, ents); d >= 0 {
		return nil, fmt.Errorf("duplicate %s %s", label, quoteName(names[ents[d].off:ents[d].end]))
	}
	all := string(names)
	out := make([]Metric, len(ents))
	for k, e := range ents {
		out[k] = Metric{all[e.off:e.end], e.v}
	}
	return out, nil
}

// duplicate returns the index of an entry whose name occurred before, or -1.
func duplicate(names []byte, ents []entry) int {
	if len(ents) <= 32 {
		// Comparing pairs beats hashing for the usual handful of metrics.
		for k := 1; k < len(ents); k++ {
			a := names[ents[k].off:ents[k].end]
			for j := 0; j < k; j++ {
				if string(a) == string(names[ents[j].off:ents[j].end]) {
					return k
				}
			}
		}
		return -1
	}
	seen := make(map[string]struct{}, len(ents))
	for k, e := range ents {
		n := string(names[e.off:e.end])
		if _, dup := seen[n]; dup {
			return k
		}
		seen[n] = struct{}{}
	}
	return -1
}

// metricValue reads a metric value: a number or a special-value string.
func (s *scanner) metricValue(label string, name []byte) (float64, error) {
	switch c := s.peek(); {
	case c == '-' || isDigit(c):
		n, err := s.readNumber()
		if err != nil {
			return 0, err
		}
		f, ok := n.float()
		if !ok {
			return 0, fmt.Errorf("%s %s: value %s is out of range", label, quoteName(name), clip(n.text))
		}
		return f, nil
	case c == '"':
		var buf [16]byte
		str, _, err := s.readString(buf[:0], true)
		if err != nil {
			return 0, err
		}
		f, ok := special(str)
		if !ok {
			return 0, fmt.Errorf("%s %s: value %s is not a number", label, quoteName(name), quoteName(str))
		}
		return f, nil
	}
	k, err := s.kind()
	if err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s %s: value is %s", label, quoteName(name), k)
}

// checkName returns why name is not a valid metric/param/tag name, or "".
func checkName(name []byte, high bool) string {
	if len(name) == 0 {
		return "is empty"
	}
	if len(name) > maxNameLen {
		return fmt.Sprintf("%s is longer than %d bytes", quoteName(name), maxNameLen)
	}
	if !high {
		for _, c := range name {
			if c < 0x20 || c == 0x7f {
				return quoteName(name) + " contains a control character"
			}
		}
		return ""
	}
	for k := 0; k < len(name); {
		r, size := utf8.DecodeRune(name[k:])
		if r == utf8.RuneError && size == 1 {
			return quoteName(name) + " is not valid UTF-8"
		}
		if r < 0x20 || (0x7f <= r && r < 0xa0) { // C0, DEL and C1: unicode.IsControl
			return quoteName(name) + " contains a control character"
		}
		k += size
	}
	return ""
}

// stringMap reads params or tags: name → any JSON value kept as a string.
func (s *scanner) stringMap(what, label string) (map[string]string, error) {
	m := make(map[string]string)
	err := s.members(what, func(key []byte) error {
		if msg := checkName(key, !isASCII(key)); msg != "" {
			return fmt.Errorf("%s name %s", label, msg)
		}
		if _, dup := m[string(key)]; dup {
			return fmt.Errorf("duplicate %s %s", label, quoteName(key))
		}
		v, err := s.scalarString()
		if err != nil {
			return err
		}
		m[string(key)] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// isASCII reports whether b is all ASCII.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// scalarString converts a param/tag value to its string form.
func (s *scanner) scalarString() (string, error) {
	switch c := s.peek(); {
	case c == '"':
		str, high, err := s.readString(nil, true)
		if err != nil {
			return "", err
		}
		return validString(str, high), nil
	case c == '-' || isDigit(c):
		n, err := s.readNumber()
		if err != nil {
			return "", err
		}
		return string(n.text), nil
	case c == 't':
		return "true", s.literal("true")
	case c == 'f':
		return "false", s.literal("false")
	case c == 'n':
		return "", s.literal("null")
	case c == '{' || c == '[':
		out, err := s.skipValue(nil, true)
		if err != nil {
			return "", err
		}
		return validString(out, true), nil
	}
	return "", s.errSyntax()
}

// validString converts b to a string, replacing invalid UTF-8 with U+FFFD
// as encoding/json does, so that stored strings are always valid text.
func validString(b []byte, high bool) string {
	if high && !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(b)
}

// nonEmptyString reads a string field that must not be empty.
func (s *scanner) nonEmptyString(what string) (string, error) {
	if s.peek() != '"' {
		return "", s.notA(what, "a string")
	}
	str, high, err := s.readString(nil, true)
	if err != nil {
		return "", err
	}
	if len(str) == 0 {
		return "", fmt.Errorf("%s is empty", what)
	}
	return validString(str, high), nil
}

func (s *scanner) eval() (*Eval, error) {
	ev := new(Eval)
	var hasSlice, hasMetrics bool
	err := s.members("eval", func(key []byte) error {
		var err error
		switch string(key) {
		case "slice":
			if hasSlice {
				return errors.New(`eval: duplicate field "slice"`)
			}
			hasSlice = true
			ev.Slice, err = s.nonEmptyString("eval slice")
		case "metrics":
			if hasMetrics {
				return errors.New(`eval: duplicate field "metrics"`)
			}
			hasMetrics = true
			ev.Metrics, err = s.metrics("eval metrics", "eval metric")
		default:
			_, err = s.skipValue(nil, false)
		}
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case !hasSlice:
		return nil, errors.New("eval slice is missing")
	case !hasMetrics:
		return nil, errors.New("eval metrics is missing")
	}
	return ev, nil
}

func (s *scanner) artifact() (*Artifact, error) {
	a := new(Artifact)
	err := s.stringFields("artifact", []stringField{{"name", &a.Name, true}, {"path", &a.Path, true}})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (s *scanner) dataset() (*Dataset, error) {
	d := new(Dataset)
	err := s.stringFields("dataset", []stringField{{"name", &d.Name, true}, {"path", &d.Path, true}, {"role", &d.Role, false}})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// stringField is a member of an object of non-empty strings.
type stringField struct {
	key      string
	to       *string
	required bool
}

// stringFields reads an object of non-empty string members into fields,
// skipping members it does not know: a member given twice, or a required
// one missing, is an error named after what.
func (s *scanner) stringFields(what string, fields []stringField) error {
	seen := make([]bool, len(fields))
	err := s.members(what, func(key []byte) error {
		for i, f := range fields {
			if string(key) != f.key {
				continue
			}
			if seen[i] {
				return fmt.Errorf("%s: duplicate field %q", what, f.key)
			}
			seen[i] = true
			var err error
			*f.to, err = s.nonEmptyString(what + " " + f.key)
			return err
		}
		_, err := s.skipValue(nil, false)
		return err
	})
	if err != nil {
		return err
	}
	for i, f := range fields {
		if f.required && !seen[i] {
			return fmt.Errorf("%s %s is missing", what, f.key)
		}
	}
	return nil
}

// special parses the string forms of non-finite values: the special values
// strconv.ParseFloat accepts ("nan", "inf", "infinity", any case, with an
// optional sign on the infinities), which include the "NaN", "Infinity" and
// "-Infinity" lathe writes.
func special(b []byte) (float64, bool) {
	if len(b) < 3 || len(b) > 9 {
		return 0, false
	}
	var low [9]byte
	for k, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[k] = c
	}
	w := string(low[:len(b)])
	sign := 1.0
	switch w[0] {
	case '+':
		w = w[1:]
	case '-':
		sign = -1
		w = w[1:]
	default:
		if w == "nan" {
			return nan(), true
		}
	}
	if w == "inf" || w == "infinity" {
		return sign * inf, true
	}
	return 0, false
}
