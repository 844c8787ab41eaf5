package filter

import (
	"math"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// literal is a value in an expression, interpreted for the field it is
// compared with.
type literal struct {
	text  string // as written (unescaped); a status in lower case
	num   float64
	isNum bool          // text is a number (params, tags, metrics, gpus)
	dur   time.Duration // duration
	// A time is the interval [lo, hi) it names: a date is its day, a
	// date-time its minute or second, a relative time an instant.
	lo, hi time.Time
}

// parseNumber reads a decimal number ("0.01", "-3", "1e-4", ".5"), "inf",
// "infinity" or "nan" (any case, signed or not). It does not allocate for
// text that is not a number, which matters when matching: a param is tried
// as a number for every run.
func parseNumber(s string) (float64, bool) {
	body := s
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch {
	case equalASCIIFold(body, "inf"), equalASCIIFold(body, "infinity"):
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case equalASCIIFold(body, "nan"):
		return math.NaN(), true
	}
	i, digits := 0, 0
	for ; i < len(body) && isDigit(body[i]); i++ {
		digits++
	}
	if i < len(body) && body[i] == '.' {
		for i++; i < len(body) && isDigit(body[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		start := i
		for ; i < len(body) && isDigit(body[i]); i++ {
		}
		if i == start {
			return 0, false
		}
	}
	if i != len(body) {
		return 0, false
	}
	// The syntax is checked, so the only error left is ErrRange, for which
	// ParseFloat returns ±Inf or 0 as wanted.
	v, _ := strconv.ParseFloat(s, 64)
	return v, true
}

// literalNumber is parseNumber for a literal: "nan" is text there, since a
// comparison with NaN would never hold.
func literalNumber(s string) (float64, bool) {
	v, ok := parseNumber(s)
	return v, ok && !math.IsNaN(v)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseDuration reads a duration as time.ParseDuration does, without a
// sign, with an optional leading count of days: "90s", "1h30m", "2d",
// "1.5d", "2d12h".
func parseDuration(s string) (time.Duration, bool) {
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n := s[:i]
		if _, ok := parseNumber(n); !ok || strings.ContainsAny(n, "+-eEiInN") {
			return 0, false
		}
		h, err := time.ParseDuration(n + "h")
		if err != nil || h > math.MaxInt64/24 {
			return 0, false
		}
		days = h * 24
		if s = s[i+1:]; s == "" {
			return days, true
		}
		if s[0] == '+' || s[0] == '-' {
			return 0, false
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d > math.MaxInt64-days {
		return 0, false
	}
	return days + d, true
}

// timeLayouts are the absolute times a literal may be; those without a
// zone are in the location of the now given to Parse.
var timeLayouts = [...]struct {
	layout string
	span   time.Duration // 0: a day, whose length depends on the zone
}{
	{"2006-01-02", 0},
	{"2006-01-02T15:04", time.Minute},
	{"2006-01-02T15:04Z07:00", time.Minute},
	{"2006-01-02T15:04:05", time.Second},
	{time.RFC3339, time.Second},
}

// parseTime reads a time literal as the interval [lo, hi) it names.
func parseTime(s string, now time.Time) (lo, hi time.Time, ok bool) {
	if s != "" && s[0] == '-' {
		d, ok := parseDuration(s[1:])
		if !ok {
			return lo, hi, false
		}
		lo = now.Add(-d)
		return lo, lo.Add(1), true
	}
	for _, l := range timeLayouts {
		t, err := time.ParseInLocation(l.layout, s, now.Location())
		if err != nil {
			continue
		}
		if l.span == 0 {
			return t, t.AddDate(0, 0, 1), true
		}
		span := l.span
		if l.span == time.Second {
			// Fractional seconds, which Parse accepts after the seconds,
			// narrow the interval to their last digit.
			if i := strings.LastIndexByte(s, '.'); i >= 0 {
				j := i + 1
				for j < len(s) && isDigit(s[j]) {
					j++
				}
				span = time.Second
				for k := i + 1; k < j && span > 1; k++ {
					span /= 10
				}
			}
		}
		return t, t.Add(span), true
	}
	return lo, hi, false
}

// matcher matches a regular expression. Expressions that are a plain
// literal, anchored or not, are matched with the strings package: faster,
// and free of regexp's pooled state, whose reuse is not guaranteed.
type matcher struct {
	re   *regexp.Regexp
	kind matchKind
	lit  string
}

type matchKind uint8

const (
	matchRegexp matchKind = iota
	matchContains
	matchPrefix
	matchSuffix
	matchEqual
)

// compileMatcher compiles pattern as RE2; the error is one line.
func compileMatcher(pattern string) (*matcher, string) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		if se, ok := err.(*syntax.Error); ok {
			if se.Expr == pattern || se.Expr == "" {
				return nil, se.Code.String()
			}
			return nil, se.Code.String() + " " + quoteClip(se.Expr)
		}
		return nil, err.Error()
	}
	m := &matcher{re: re}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return m, ""
	}
	tree = tree.Simplify()
	subs := []*syntax.Regexp{tree}
	if tree.Op == syntax.OpConcat {
		subs = tree.Sub
	}
	begin := len(subs) > 0 && subs[0].Op == syntax.OpBeginText
	if begin {
		subs = subs[1:]
	}
	end := len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText
	if end {
		subs = subs[:len(subs)-1]
	}
	var lit string
	switch {
	case len(subs) == 0:
	case len(subs) == 1 && subs[0].Op == syntax.OpEmptyMatch:
	case len(subs) == 1 && subs[0].Op == syntax.OpLiteral && subs[0].Flags&syntax.FoldCase == 0:
		lit = string(subs[0].Rune)
		// regexp matches U+FFFD against invalid UTF-8; strings do not.
		if strings.ContainsRune(lit, utf8.RuneError) {
			return m, ""
		}
	default:
		return m, ""
	}
	switch {
	case begin && end:
		m.kind = matchEqual
	case begin:
		m.kind = matchPrefix
	case end:
		m.kind = matchSuffix
	default:
		m.kind = matchContains
	}
	m.lit = lit
	return m, ""
}

func (m *matcher) match(s string) bool {
	switch m.kind {
	case matchContains:
		return strings.Contains(s, m.lit)
	case matchPrefix:
		return strings.HasPrefix(s, m.lit)
	case matchSuffix:
		return strings.HasSuffix(s, m.lit)
	case matchEqual:
		return s == m.lit
	}
	return m.re.MatchString(s)
}
