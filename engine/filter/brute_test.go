package filter

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMatchBruteForce builds random expression trees over random runs,
// writes each tree as text in a random spelling, and checks that the
// parsed expression (and its canonical form) matches exactly the runs that
// an evaluator of the tree itself, written here over the plain structs,
// says it should.
func TestMatchBruteForce(t *testing.T) {
	const exprs, runs = 4000, 60
	g := &gen{rng: newRand(20261105), now: testNow}
	rs := make([]*testRun, runs)
	for i := range rs {
		rs[i] = g.run()
	}
	var hits, misses int
	for i := 0; i < exprs; i++ {
		tree := g.expr(0)
		src := g.render(tree)
		e, err := Parse(src, testNow)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		canon, err := Parse(e.String(), testNow)
		if err != nil {
			t.Fatalf("Parse(%q) (canonical of %q): %v", e.String(), src, err)
		}
		if canon.String() != e.String() {
			t.Fatalf("canonical %q reads back as %q", e.String(), canon.String())
		}
		for _, r := range rs {
			want := tree.eval(r)
			if got := e.Match(r); got != want {
				t.Fatalf("%q\ncanonical %q\non %s\n= %v, want %v", src, e.String(), describeRun(r), got, want)
			}
			if got := canon.Match(r); got != want {
				t.Fatalf("canonical %q of %q\non %s\n= %v, want %v", e.String(), src, describeRun(r), got, want)
			}
			if want {
				hits++
			} else {
				misses++
			}
		}
	}
	// Both outcomes must be common, or the test proves little.
	if total := hits + misses; hits < total/5 || misses < total/5 {
		t.Errorf("%d matches, %d misses: the generator is lopsided", hits, misses)
	}
}

func describeRun(r *testRun) string {
	var b strings.Builder
	fmt.Fprintf(&b, "text %q params %q tags %q gpus %d", r.text, r.params, r.tags, r.gpus)
	fmt.Fprintf(&b, " metrics %v", r.metrics)
	for _, k := range []FieldKind{Started, Created, Ended} {
		if v, ok := r.times[k]; ok {
			fmt.Fprintf(&b, " %v %s", k, v.Format(time.RFC3339Nano))
		}
	}
	return b.String()
}

// gExpr is a generated expression: its meaning is given by its parts, not
// by any text.
type gExpr struct {
	kind  string // and, or, not, cmp, term
	kids  []*gExpr
	field Field
	op    string // =, !=, <, <=, >, >=, ~, !~, in, not in, exists
	lits  []gLit
	term  string
}

type gLit struct {
	src    string // the text to write, quoted or not
	text   string // the text compared with
	num    float64
	isNum  bool
	dur    time.Duration
	lo, hi time.Time
	re     *regexp.Regexp
}

type gen struct {
	rng *rand.Rand
	now time.Time
}

var (
	gParamNames  = []string{"lr", "opt", "batch size", "seed", "a.b", "x:y/z", "é", `q"uote`}
	gTagNames    = []string{"team", "dataset", "note", "has space"}
	gValues      = []string{"0.01", "1e-2", "0.001", "1", "1.0", "-3", ".5", "007", "7", "nan", "NaN", "inf", "-inf", "adam", "Adam", "sgd", "", "0.01x", "a b", "and", `back\slash`, "1e400", "z", "it's"}
	gMetricNames = []string{"loss", "val/loss", "train.loss", "acc.min", "a b", "count"}
	gMetricVals  = []float64{0, 0.1, 0.3, 0.5, 1, -2, 100, math.NaN(), math.Inf(1), math.Inf(-1)}
	gNumbers     = []string{"0", "0.1", ".3", "0.5", "1", "1e0", "-2", "100", "inf", "-inf", "1e-3", "+1"}
	gNames       = []string{"bert-base", "BERT-large", "resnet 50", "sweep-12", "sweep-x", "vision-2", "ſtatus", "\u212Aelvin", "straße", "Ünïcode"}
	gIDs         = []string{"01abc", "02def", "0a1b", "ff00"}
	gExps        = []string{"nlp", "vision-2", "NLP-sweep", "default"}
	gTerms       = []string{"bert", "BERT", "sweep", "50", "resnet 50", "kelvin", "STATUS", "ss", "nlp", "02", "x", "ü", "vision", "-", "Base"}
	gRegexps     = []string{"^bert-", "resnet", "(?i)BERT", `^sweep-\d+$`, "a|b", "^$", "lar", "-", ".*", "^s", "e$", "(?i)^ſ", "[0-9]", `\.`, "^1"}
	gDurations   = []struct {
		text string
		d    time.Duration
	}{{"90s", 90 * time.Second}, {"2h", 2 * time.Hour}, {"1h30m", 90 * time.Minute}, {"2d", 48 * time.Hour},
		{"1d12h", 36 * time.Hour}, {"30m", 30 * time.Minute}, {"0s", 0}, {"10d", 240 * time.Hour}}
	gRelative = []struct {
		text string
		d    time.Duration
	}{{"-24h", 24 * time.Hour}, {"-2h", 2 * time.Hour}, {"-7d", 7 * 24 * time.Hour}, {"-1d12h", 36 * time.Hour}, {"-90m", 90 * time.Minute}}
	gClock = [][2]int{{0, 0}, {10, 0}, {10, 30}, {23, 59}, {12, 0}}
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *gen) run() *testRun {
	r := &testRun{
		text:    map[FieldKind]string{},
		params:  map[string]string{},
		tags:    map[string]string{},
		metrics: map[string][4]float64{},
		times:   map[FieldKind]time.Time{},
		now:     g.now,
		gpus:    g.rng.IntN(5),
	}
	if g.chance(0.9) {
		r.text[ID] = pick(g.rng, gIDs)
	}
	if g.chance(0.8) {
		r.text[Name] = pick(g.rng, gNames)
	}
	if g.chance(0.8) {
		r.text[Experiment] = pick(g.rng, gExps)
	}
	if g.chance(0.9) {
		r.text[Status] = pick(g.rng, statuses[:])
	}
	for _, n := range gParamNames {
		if g.chance(0.6) {
			r.params[n] = pick(g.rng, gValues)
		}
	}
	for _, n := range gTagNames {
		if g.chance(0.6) {
			r.tags[n] = pick(g.rng, gValues)
		}
	}
	for _, n := range gMetricNames {
		if g.chance(0.6) {
			r.metrics[n] = [4]float64{pick(g.rng, gMetricVals), pick(g.rng, gMetricVals), pick(g.rng, gMetricVals), float64(g.rng.IntN(3))}
		}
	}
	for _, k := range []FieldKind{Started, Created, Ended} {
		if g.chance(0.75) {
			r.times[k] = g.instant()
		}
	}
	return r
}

// instant returns a time in the last week, often on an edge a literal
// names: a midnight, a literal's minute, an instant relative to now.
func (g *gen) instant() time.Time {
	y, m, d := g.now.Date()
	day := d - g.rng.IntN(8)
	switch g.rng.IntN(5) {
	case 0:
		return time.Date(y, m, day, 0, 0, 0, 0, g.now.Location())
	case 1:
		c := pick(g.rng, gClock)
		return time.Date(y, m, day, c[0], c[1], g.rng.IntN(2)*59, 0, g.now.Location())
	case 2:
		return g.now.Add(-pick(g.rng, gRelative).d + time.Duration(g.rng.IntN(3)-1))
	case 3:
		return g.now.Add(-pick(g.rng, gDurations).d)
	}
	return g.now.Add(-time.Duration(g.rng.Int64N(int64(8 * 24 * time.Hour))))
}

func (g *gen) expr(depth int) *gExpr {
	n := g.rng.IntN(10)
	if depth >= 4 {
		n = 9
	}
	switch {
	case n < 2:
		return &gExpr{kind: "and", kids: []*gExpr{g.expr(depth + 1), g.expr(depth + 1)}}
	case n < 4:
		return &gExpr{kind: "or", kids: []*gExpr{g.expr(depth + 1), g.expr(depth + 1)}}
	case n < 5:
		return &gExpr{kind: "not", kids: []*gExpr{g.expr(depth + 1)}}
	case n < 6 && g.chance(0.4):
		return &gExpr{kind: "term", term: pick(g.rng, gTerms)}
	}
	return g.cmp()
}

var (
	gAllOps    = []string{"=", "!=", "<", "<=", ">", ">=", "~", "!~", "in", "not in", "exists"}
	gNumOps    = []string{"=", "!=", "<", "<=", ">", ">=", "in", "not in", "exists"}
	gStatusOps = []string{"=", "!=", "~", "!~", "in", "not in", "exists"}
)

func (g *gen) cmp() *gExpr {
	c := &gExpr{kind: "cmp"}
	c.field.Kind = FieldKind(1 + g.rng.IntN(int(GPUs)))
	ops := gAllOps
	switch c.field.Kind {
	case Param:
		c.field.Name = pick(g.rng, gParamNames)
	case Tag:
		c.field.Name = pick(g.rng, gTagNames)
	case Metric:
		c.field.Name = pick(g.rng, gMetricNames)
		c.field.Agg = Agg(g.rng.IntN(4))
		ops = gNumOps
	case Status:
		ops = gStatusOps
	case GPUs, Duration, Started, Created, Ended:
		ops = gNumOps
	}
	c.op = pick(g.rng, ops)
	n := 0
	switch c.op {
	case "exists":
	case "in", "not in":
		n = 1 + g.rng.IntN(3)
	default:
		n = 1
	}
	for range n {
		c.lits = append(c.lits, g.literal(c.field.Kind, c.op))
	}
	return c
}

// gNumber is this test's own idea of a number: decimal, inf or nan.
var gNumber = regexp.MustCompile(`^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$|^[+-]?(?i:inf|infinity|nan)$`)

func oracleNumber(s string) (float64, bool) {
	if !gNumber.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeError(err) {
		panic(fmt.Sprintf("ParseFloat(%q): %v", s, err))
	}
	return v, true
}

func isRangeError(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (g *gen) literal(k FieldKind, op string) gLit {
	if op == "~" || op == "!~" {
		p := pick(g.rng, gRegexps)
		return gLit{src: p, text: p, re: regexp.MustCompile(p)}
	}
	var l gLit
	switch k {
	case Param, Tag:
		l.text = pick(g.rng, gValues)
		if g.chance(0.3) {
			l.text = pick(g.rng, gNumbers)
		}
		l.num, l.isNum = oracleNumber(l.text)
		if math.IsNaN(l.num) {
			l.isNum = false // nan is text as a literal
		}
	case Metric, GPUs:
		l.text = pick(g.rng, gNumbers)
		if k == GPUs {
			l.text = strconv.Itoa(g.rng.IntN(5))
		}
		l.num, l.isNum = oracleNumber(l.text)
	case ID:
		l.text = pick(g.rng, gIDs)
	case Name:
		l.text = pick(g.rng, append(gNames, "c", "bert", "and", ""))
	case Experiment:
		l.text = pick(g.rng, gExps)
	case Status:
		l.text = pick(g.rng, statuses[:])
		l.src = randomCase(g.rng, l.text)
	case Duration:
		d := pick(g.rng, gDurations)
		l.text, l.dur = d.text, d.d
	case Started, Created, Ended:
		l.text, l.lo, l.hi = g.timeLiteral()
	}
	if l.src == "" {
		l.src = l.text
	}
	return l
}

// timeLiteral returns a time literal and the interval it names, worked
// out from its parts.
func (g *gen) timeLiteral() (string, time.Time, time.Time) {
	y, m, d := g.now.Date()
	day := d - g.rng.IntN(8)
	loc := g.now.Location()
	switch g.rng.IntN(4) {
	case 0:
		lo := time.Date(y, m, day, 0, 0, 0, 0, loc)
		return lo.Format("2006-01-02"), lo, lo.AddDate(0, 0, 1)
	case 1:
		c := pick(g.rng, gClock)
		lo := time.Date(y, m, day, c[0], c[1], 0, 0, loc)
		return lo.Format("2006-01-02T15:04"), lo, lo.Add(time.Minute)
	case 2:
		c := pick(g.rng, gClock)
		lo := time.Date(y, m, day, c[0], c[1], 0, 0, loc).In(pick(g.rng, []*time.Location{time.UTC, time.FixedZone("", -7*3600)}))
		return lo.Format(time.RFC3339), lo, lo.Add(time.Second)
	}
	r := pick(g.rng, gRelative)
	lo := g.now.Add(-r.d)
	return r.text, lo, lo.Add(1)
}

func randomCase(rng *rand.Rand, s string) string {
	switch rng.IntN(3) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return s
}

// eval is the meaning of the tree, straight from the language's rules.
func (x *gExpr) eval(r *testRun) bool {
	switch x.kind {
	case "and":
		return x.kids[0].eval(r) && x.kids[1].eval(r)
	case "or":
		return x.kids[0].eval(r) || x.kids[1].eval(r)
	case "not":
		return !x.kids[0].eval(r)
	case "term":
		for _, k := range []FieldKind{ID, Name, Experiment} {
			if v, ok := r.text[k]; ok && oracleContainsFold(v, x.term) {
				return true
			}
		}
		return false
	}
	f := x.field
	switch f.Kind {
	case Param, Tag:
		m := r.params
		if f.Kind == Tag {
			m = r.tags
		}
		v, ok := m[f.Name]
		if !ok {
			return false
		}
		return x.any(func(op string, l gLit) bool {
			vn, vIsNum := oracleNumber(v)
			if vIsNum && l.isNum {
				if math.IsNaN(vn) {
					return false
				}
				return orderHolds(op, cmpOf(vn < l.num, vn > l.num))
			}
			return orderHolds(op, strings.Compare(v, l.text))
		}, v)
	case ID, Name, Experiment, Status:
		v, ok := r.text[f.Kind]
		if !ok {
			return false
		}
		return x.any(func(op string, l gLit) bool { return orderHolds(op, strings.Compare(v, l.text)) }, v)
	case Metric:
		vals, ok := r.metrics[f.Name]
		if !ok {
			return false
		}
		v := vals[f.Agg]
		if x.op == "exists" {
			return true
		}
		return !math.IsNaN(v) && x.any(func(op string, l gLit) bool { return orderHolds(op, cmpOf(v < l.num, v > l.num)) }, "")
	case GPUs:
		v := float64(r.gpus)
		return x.any(func(op string, l gLit) bool { return orderHolds(op, cmpOf(v < l.num, v > l.num)) }, "")
	case Duration:
		start, ok := r.times[Started]
		if !ok {
			return false
		}
		end, ok := r.times[Ended]
		if !ok {
			end = r.now
		}
		d := end.Sub(start)
		return x.any(func(op string, l gLit) bool { return orderHolds(op, cmpOf(d < l.dur, d > l.dur)) }, "")
	case Started, Created, Ended:
		v, ok := r.times[f.Kind]
		if !ok {
			return false
		}
		return x.any(func(op string, l gLit) bool {
			// The interval [lo, hi) is below, at, or above v.
			switch {
			case v.Before(l.lo):
				return orderHolds(op, -1)
			case v.Before(l.hi):
				return orderHolds(op, 0)
			}
			return orderHolds(op, 1)
		}, "")
	}
	panic("unknown field")
}

// any applies the operator: one literal for =, <…; any of them for in;
// none of them (each !=) for not in. Regular expressions and exists need
// no comparison.
func (x *gExpr) any(cmp func(op string, l gLit) bool, text string) bool {
	switch x.op {
	case "exists":
		return true
	case "~":
		return x.lits[0].re.MatchString(text)
	case "!~":
		return !x.lits[0].re.MatchString(text)
	case "in":
		return slices.ContainsFunc(x.lits, func(l gLit) bool { return cmp("=", l) })
	case "not in":
		return !slices.ContainsFunc(x.lits, func(l gLit) bool { return !cmp("!=", l) })
	}
	return cmp(x.op, x.lits[0])
}

func cmpOf(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}

func orderHolds(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	panic(op)
}

// oracleContainsFold tries every substring with strings.EqualFold.
func oracleContainsFold(s, sub string) bool {
	var starts []int
	for i := range s {
		starts = append(starts, i)
	}
	starts = append(starts, len(s))
	for _, i := range starts {
		for _, j := range starts {
			if j >= i && strings.EqualFold(s[i:j], sub) {
				return true
			}
		}
	}
	return false
}

// Writing the tree as text, in any of the spellings the language allows.

var (
	gBareWord  = regexp.MustCompile(`^[^\s"'(),=!<>~]+$`)
	gBareName  = regexp.MustCompile(`^[\p{L}\p{Nd}_\-./:]+$`)
	gAggSuffix = regexp.MustCompile(`(?i)\.(last|min|max|count)$`)
	gKeyword   = regexp.MustCompile(`(?i)^(and|or|not|in|exists)$`)
	gFieldWord = regexp.MustCompile(`(?i)^(params|metrics|tags)(\..*)?$|^(?i:status|name|experiment|id|duration|started|created|ended|gpus)$`)
)

var (
	gFieldNames = map[FieldKind]string{
		Param: "params", Metric: "metrics", Tag: "tags", ID: "id", Name: "name", Experiment: "experiment",
		Status: "status", Duration: "duration", Started: "started", Created: "created", Ended: "ended", GPUs: "gpus",
	}
	gAggNames = map[Agg]string{Last: "last", Min: "min", Max: "max", Count: "count"}
)

func (g *gen) render(x *gExpr) string {
	var b strings.Builder
	g.write(&b, x)
	return b.String()
}

func (g *gen) space() string {
	switch g.rng.IntN(8) {
	case 0:
		return "  "
	case 1:
		return "\t"
	case 2:
		return "\n "
	}
	return " "
}

// optSpace is a space where none is needed.
func (g *gen) optSpace() string {
	if g.chance(0.4) {
		return ""
	}
	return g.space()
}

func (g *gen) keyword(k string) string { return randomCase(g.rng, k) }

func (g *gen) write(b *strings.Builder, x *gExpr) {
	switch x.kind {
	case "and", "or":
		for i, k := range x.kids {
			if i > 0 {
				b.WriteString(g.space() + g.keyword(x.kind) + g.space())
			}
			g.group(b, k, x.kind == "and" && k.kind == "or")
		}
	case "not":
		b.WriteString(g.keyword("not"))
		k := x.kids[0]
		if k.kind == "and" || k.kind == "or" || g.chance(0.3) {
			b.WriteString(g.optSpace())
			g.group(b, k, true)
		} else {
			b.WriteString(g.space())
			g.write(b, k)
		}
	case "term":
		if gBareWord.MatchString(x.term) && !gKeyword.MatchString(x.term) && !gFieldWord.MatchString(x.term) && g.chance(0.7) {
			b.WriteString(x.term)
		} else {
			b.WriteString(g.quote(x.term))
		}
	case "cmp":
		g.writeField(b, x.field)
		switch x.op {
		case "exists":
			b.WriteString(g.space() + g.keyword("exists"))
		case "in", "not in":
			if x.op == "not in" {
				b.WriteString(g.space() + g.keyword("not"))
			}
			b.WriteString(g.space() + g.keyword("in") + g.optSpace() + "(" + g.optSpace())
			for i, l := range x.lits {
				if i > 0 {
					b.WriteString(g.optSpace() + "," + g.optSpace())
				}
				b.WriteString(g.literalSrc(l))
			}
			b.WriteString(g.optSpace() + ")")
		default:
			b.WriteString(g.optSpace() + x.op + g.optSpace() + g.literalSrc(x.lits[0]))
		}
	}
}

// group writes x in parentheses when needed, and at times when not.
func (g *gen) group(b *strings.Builder, x *gExpr, need bool) {
	if !need && !g.chance(0.15) {
		g.write(b, x)
		return
	}
	b.WriteString("(" + g.optSpace())
	g.write(b, x)
	b.WriteString(g.optSpace() + ")")
}

func (g *gen) literalSrc(l gLit) string {
	if gBareWord.MatchString(l.src) && !gKeyword.MatchString(l.src) && g.chance(0.6) {
		return l.src
	}
	return g.quote(l.src)
}

// quote writes s in double or single quotes, escaping the quote and every
// backslash.
func (g *gen) quote(s string) string {
	q := `"`
	if g.chance(0.3) {
		q = "'"
	}
	var b strings.Builder
	b.WriteString(q)
	for _, r := range s {
		if string(r) == q || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteString(q)
	return b.String()
}

func (g *gen) writeField(b *strings.Builder, f Field) {
	switch f.Kind {
	case Param, Tag, Metric:
		b.WriteString(randomCase(g.rng, gFieldNames[f.Kind]) + ".")
		if !gBareName.MatchString(f.Name) || g.chance(0.2) {
			b.WriteString(g.quote(f.Name))
			if f.Kind == Metric && (f.Agg != Last || g.chance(0.3)) {
				b.WriteString("." + randomCase(g.rng, gAggNames[f.Agg]))
			}
			return
		}
		b.WriteString(f.Name)
		if f.Kind == Metric && (f.Agg != Last || gAggSuffix.MatchString(f.Name) || g.chance(0.3)) {
			b.WriteString("." + randomCase(g.rng, gAggNames[f.Agg]))
		}
	default:
		b.WriteString(randomCase(g.rng, gFieldNames[f.Kind]))
	}
}
