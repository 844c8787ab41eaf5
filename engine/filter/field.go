package filter

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Run is what a filter reads of a run. The engine implements it over its
// in-memory catalogue. The second result of each accessor is false when the
// run lacks the value (a param never set, a metric never logged, a run not
// started yet); a filter then treats every comparison on it as false.
type Run interface {
	// Text returns the id, name, experiment or status of the run.
	Text(f Field) (string, bool)
	Param(name string) (string, bool)
	Tag(name string) (string, bool)
	// Metric returns the summary value agg of the named metric; for Count,
	// the number of points.
	Metric(name string, agg Agg) (float64, bool)
	// Time returns the run's started, created or ended time.
	Time(f Field) (time.Time, bool)
	// Duration is ended-or-now minus started.
	Duration() (time.Duration, bool)
	// GPUs is the number of GPUs the run holds.
	GPUs() int
}

// Agg chooses which summary of a metric's series a field reads. The zero
// value is Last, which is what metrics.NAME means.
type Agg int

// The aggregates of a metric, written metrics.NAME.last, .min, .max, .count.
const (
	Last Agg = iota
	Min
	Max
	Count
)

var aggNames = [...]string{Last: "last", Min: "min", Max: "max", Count: "count"}

// String returns the aggregate as the language writes it: "last", "min",
// "max" or "count".
func (a Agg) String() string {
	if a >= 0 && int(a) < len(aggNames) {
		return aggNames[a]
	}
	return "Agg(" + strconv.Itoa(int(a)) + ")"
}

// FieldKind is what a field reads of a run.
type FieldKind int

// The kinds of field. The zero FieldKind is not a valid kind, so that a
// zero Field is recognisably unset.
const (
	Param FieldKind = iota + 1
	Metric
	Tag
	ID
	Name
	Experiment
	Status
	Duration
	Started
	Created
	Ended
	GPUs
)

// topFields are the fields that take no name, by their spelling.
var topFields = [...]struct {
	name string
	kind FieldKind
}{
	{"status", Status}, {"name", Name}, {"experiment", Experiment}, {"id", ID},
	{"duration", Duration}, {"started", Started}, {"created", Created}, {"ended", Ended},
	{"gpus", GPUs},
}

// namespaces are the fields that take a name: params.NAME and so on.
var namespaces = [...]struct {
	prefix string // with the dot
	kind   FieldKind
}{
	{"params.", Param}, {"metrics.", Metric}, {"tags.", Tag},
}

// String returns the kind as the language writes it ("params", "status"…).
func (k FieldKind) String() string {
	for _, ns := range namespaces {
		if ns.kind == k {
			return ns.prefix[:len(ns.prefix)-1]
		}
	}
	for _, f := range topFields {
		if f.kind == k {
			return f.name
		}
	}
	return "FieldKind(" + strconv.Itoa(int(k)) + ")"
}

// fieldList ends the message for an unknown field; it is the whole
// vocabulary, so that the message alone is enough to fix the expression.
const fieldList = "fields are params.NAME, metrics.NAME[.last|.min|.max|.count], tags.NAME, " +
	"status, name, experiment, id, duration, started, created, ended, gpus"

// Field is one thing a filter reads of a run. Name is set for Param, Metric
// and Tag; Agg only for Metric.
type Field struct {
	Kind FieldKind
	Name string
	Agg  Agg
}

// Fields without a name, made once so that matching builds none.
var (
	idField         = Field{Kind: ID}
	nameField       = Field{Kind: Name}
	experimentField = Field{Kind: Experiment}
)

// ParseField parses a field as --sort KEY names it, with the same syntax and
// errors as a field in an expression: "metrics.val_loss.min",
// `params."batch size"`, "started". The error is an *Error.
func ParseField(s string) (Field, error) {
	p := parser{src: s, toks: lex(s)}
	t := p.peek()
	switch t.kind {
	case tokEnd:
		return Field{}, p.errorf(t.pos, "expected a field; %s", fieldList)
	case tokBad:
		return Field{}, p.badToken(t)
	case tokWord:
		if !isFieldWord(t.text) {
			return Field{}, p.errorf(t.pos, "unknown field %s; %s", quoteClip(t.text), fieldList)
		}
	default:
		return Field{}, p.errorf(t.pos, "expected a field, found %s; %s", describe(t), fieldList)
	}
	f, err := p.field()
	if err != nil {
		return Field{}, err
	}
	if t := p.peek(); t.kind != tokEnd {
		if t.kind == tokBad {
			return Field{}, p.badToken(t)
		}
		return Field{}, p.errorf(t.pos, "unexpected %s after the field", describe(t))
	}
	return f, nil
}

// String returns the canonical spelling of the field, which ParseField reads
// back: "params.lr", `params."batch size"`, "metrics.val_loss" (the last
// value), "metrics.val_loss.min", "status".
func (f Field) String() string {
	switch f.Kind {
	case Param, Tag:
		return f.Kind.String() + "." + fieldName(f.Name)
	case Metric:
		s := "metrics." + fieldName(f.Name)
		switch {
		case f.Agg != Last:
			s += "." + f.Agg.String()
		case bareName(f.Name):
			// A bare name that ends in an aggregate would read back as
			// that aggregate: metrics.acc.min.last is the metric "acc.min".
			if name, agg := splitAgg(f.Name); name != f.Name || agg != Last {
				s += ".last"
			}
		}
		return s
	}
	return f.Kind.String()
}

// fieldName writes a param, metric or tag name bare when the language
// reads it back as the same name, quoted otherwise.
func fieldName(name string) string {
	if bareName(name) {
		return name
	}
	return quote(name)
}

// Value returns the field's value in r, for sorting: a number when isNum,
// else text; ok is false when the run lacks it. Params and tags are numbers
// when their text is one (their text is returned too); times are Unix
// seconds and durations seconds. num may be NaN (a metric that logged NaN,
// a param "nan"): the caller decides where NaN sorts.
func (f Field) Value(r Run) (num float64, text string, isNum bool, ok bool) {
	switch f.Kind {
	case Param, Tag:
		var v string
		if f.Kind == Param {
			v, ok = r.Param(f.Name)
		} else {
			v, ok = r.Tag(f.Name)
		}
		if !ok {
			return 0, "", false, false
		}
		num, isNum = parseNumber(v)
		return num, v, isNum, true
	case ID, Name, Experiment, Status:
		text, ok = r.Text(f)
		return 0, text, false, ok
	case Metric:
		num, ok = r.Metric(f.Name, f.Agg)
		return num, "", ok, ok
	case Started, Created, Ended:
		t, ok := r.Time(f)
		if !ok {
			return 0, "", false, false
		}
		return float64(t.Unix()) + float64(t.Nanosecond())/1e9, "", true, true
	case Duration:
		d, ok := r.Duration()
		return d.Seconds(), "", ok, ok
	case GPUs:
		return float64(r.GPUs()), "", true, true
	}
	return 0, "", false, false
}

// isFieldWord reports whether a bare word names a field (rightly or not):
// such a word is never a search term, so that a mistyped comparison is an
// error rather than a search.
func isFieldWord(w string) bool {
	for _, ns := range namespaces {
		if hasPrefixASCIIFold(w, ns.prefix) || equalASCIIFold(w, ns.prefix[:len(ns.prefix)-1]) {
			return true
		}
	}
	_, ok := topField(w)
	return ok
}

func topField(w string) (FieldKind, bool) {
	for _, f := range topFields {
		if equalASCIIFold(w, f.name) {
			return f.kind, true
		}
	}
	return 0, false
}

// nameRune reports whether r may appear in a bare param, metric or tag name.
func nameRune(r rune) bool {
	switch r {
	case '_', '-', '.', '/', ':':
		return true
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// bareName reports whether name can be written without quotes.
func bareName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !nameRune(r) {
			return false
		}
	}
	return true
}

// splitAgg splits a bare metric reference into the name and the aggregate
// its last component names, if that leaves a name.
func splitAgg(s string) (string, Agg) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 {
		return s, Last
	}
	if agg, ok := aggOf(s[i+1:]); ok {
		return s[:i], agg
	}
	return s, Last
}

func aggOf(s string) (Agg, bool) {
	for a, n := range aggNames {
		if equalASCIIFold(s, n) {
			return Agg(a), true
		}
	}
	return 0, false
}
