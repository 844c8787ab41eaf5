package filter

import (
	"slices"
	"strings"
	"time"
)

// Expr is a compiled filter expression. It is immutable and safe for
// concurrent use.
type Expr struct {
	root   *node // nil: every run matches
	text   string
	fields []Field
}

// Parse compiles expr. now anchors relative times (-24h) and gives the
// location of dates and date-times written without a zone (pass time.Now()
// for local time). An expression of only blanks matches every run. The
// error is an *Error.
func Parse(expr string, now time.Time) (*Expr, error) {
	p := parser{src: expr, toks: lex(expr), now: now}
	if p.peek().kind == tokEnd {
		return &Expr{}, nil
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.kind {
	case tokEnd:
	case tokBad:
		return nil, p.badToken(t)
	case tokRParen:
		return nil, p.errorf(t.pos, "unmatched ): there is no ( to close")
	default:
		return nil, p.errorf(t.pos, "expected and, or or the end, found %s", describe(t))
	}
	var b strings.Builder
	n.write(&b) // before reordering: the canonical form keeps the user's order
	n.order()
	return &Expr{root: n, text: b.String(), fields: p.fields}, nil
}

// Match reports whether the run r passes the filter. It does not allocate
// (given a Run whose methods do not).
func (e *Expr) Match(r Run) bool {
	if e == nil || e.root == nil {
		return true
	}
	return e.root.match(r)
}

// String returns the canonical form of the expression, which Parse reads
// back to the same expression with the same canonical form: keywords,
// field kinds, aggregates and statuses in lower case (names of params,
// metrics and tags as written); one space between tokens, none inside a
// field; nested ands and ors flattened; parentheses where precedence needs
// them and around the operand of not, unless it is a term or another not;
// names and literals bare where the language reads them back so, else
// double-quoted; regular expressions always quoted. Literals otherwise keep
// their text: 1e-3 stays 1e-3, 90s stays 90s, -24h stays relative. It is ""
// for an expression that matches every run.
func (e *Expr) String() string {
	if e == nil {
		return ""
	}
	return e.text
}

// Fields returns the fields the expression reads, each once, in the order
// they first appear; a search term reads id, name and experiment.
func (e *Expr) Fields() []Field {
	if e == nil {
		return nil
	}
	return slices.Clone(e.fields)
}

// termFields are what a search term looks in.
var termFields = [...]Field{idField, nameField, experimentField}

type nodeKind uint8

const (
	nodeAnd nodeKind = iota + 1
	nodeOr
	nodeNot
	nodeCmp
	nodeTerm
)

type node struct {
	kind nodeKind
	kids []*node     // and, or: two or more; not: one
	cmp  *comparison // nodeCmp
	term string      // nodeTerm
	work int         // an estimate of the cost of matching, set by order
}

// comparison is a field, an operator and its literals (one, or the list of
// in; none for exists).
type comparison struct {
	field  Field
	op     op
	lits   []literal
	re     *matcher // ~ and !~
	anyNum bool     // a param or tag literal is a number: try the value as one
}

func (n *node) match(r Run) bool {
	switch n.kind {
	case nodeAnd:
		for _, k := range n.kids {
			if !k.match(r) {
				return false
			}
		}
		return true
	case nodeOr:
		for _, k := range n.kids {
			if k.match(r) {
				return true
			}
		}
		return false
	case nodeNot:
		return !n.kids[0].match(r)
	case nodeTerm:
		for _, f := range termFields {
			if v, ok := r.Text(f); ok && containsFold(v, n.term) {
				return true
			}
		}
		return false
	}
	return n.cmp.match(r)
}

// match applies the comparison to r. A value the run lacks fails every
// comparison but a negation around it; so does a NaN number.
func (c *comparison) match(r Run) bool {
	f := &c.field
	switch f.Kind {
	case Param, Tag:
		var v string
		var ok bool
		if f.Kind == Param {
			v, ok = r.Param(f.Name)
		} else {
			v, ok = r.Tag(f.Name)
		}
		return ok && c.matchValue(v)
	case ID, Name, Experiment, Status:
		v, ok := r.Text(*f)
		return ok && c.matchText(v)
	case Metric:
		v, ok := r.Metric(f.Name, f.Agg)
		return ok && c.matchNumber(v)
	case GPUs:
		return c.matchNumber(float64(r.GPUs()))
	case Duration:
		d, ok := r.Duration()
		return ok && c.matchDuration(d)
	case Started, Created, Ended:
		t, ok := r.Time(*f)
		return ok && c.matchTime(t)
	}
	return false
}

// holds says whether o holds between two values that compare as cmp
// (-1, 0, +1).
func holds(o op, cmp int) bool {
	switch o {
	case opEq:
		return cmp == 0
	case opNe:
		return cmp != 0
	case opLt:
		return cmp < 0
	case opLe:
		return cmp <= 0
	case opGt:
		return cmp > 0
	case opGe:
		return cmp >= 0
	}
	return false
}

func compare[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (c *comparison) matchText(v string) bool {
	switch c.op {
	case opExists:
		return true
	case opMatch:
		return c.re.match(v)
	case opNotMatch:
		return !c.re.match(v)
	case opIn, opNotIn:
		for i := range c.lits {
			if v == c.lits[i].text {
				return c.op == opIn
			}
		}
		return c.op == opNotIn
	}
	return holds(c.op, strings.Compare(v, c.lits[0].text))
}

// matchValue compares a param or tag: as numbers when both the value and
// the literal are numbers, as text otherwise.
func (c *comparison) matchValue(v string) bool {
	switch c.op {
	case opExists:
		return true
	case opMatch:
		return c.re.match(v)
	case opNotMatch:
		return !c.re.match(v)
	}
	var num float64
	var isNum bool
	if c.anyNum {
		num, isNum = parseNumber(v)
	}
	cmp := func(o op, l *literal) bool {
		if isNum && l.isNum {
			return num == num && holds(o, compare(num, l.num))
		}
		return holds(o, strings.Compare(v, l.text))
	}
	switch c.op {
	case opIn:
		for i := range c.lits {
			if cmp(opEq, &c.lits[i]) {
				return true
			}
		}
		return false
	case opNotIn:
		for i := range c.lits {
			if !cmp(opNe, &c.lits[i]) {
				return false
			}
		}
		return true
	}
	return cmp(c.op, &c.lits[0])
}

func (c *comparison) matchNumber(v float64) bool {
	switch {
	case c.op == opExists:
		return true
	case v != v: // NaN
		return false
	case c.op == opIn || c.op == opNotIn:
		for i := range c.lits {
			if v == c.lits[i].num {
				return c.op == opIn
			}
		}
		return c.op == opNotIn
	}
	return holds(c.op, compare(v, c.lits[0].num))
}

func (c *comparison) matchDuration(d time.Duration) bool {
	switch c.op {
	case opExists:
		return true
	case opIn, opNotIn:
		for i := range c.lits {
			if d == c.lits[i].dur {
				return c.op == opIn
			}
		}
		return c.op == opNotIn
	}
	return holds(c.op, compare(int64(d), int64(c.lits[0].dur)))
}

// matchTime compares t with the intervals the literals name: = is within,
// < before, > after, <= and >= include the interval.
func (c *comparison) matchTime(t time.Time) bool {
	within := func(l *literal) bool { return !t.Before(l.lo) && t.Before(l.hi) }
	switch c.op {
	case opExists:
		return true
	case opIn, opNotIn:
		for i := range c.lits {
			if within(&c.lits[i]) {
				return c.op == opIn
			}
		}
		return c.op == opNotIn
	}
	l := &c.lits[0]
	switch c.op {
	case opEq:
		return within(l)
	case opNe:
		return !within(l)
	case opLt:
		return t.Before(l.lo)
	case opLe:
		return t.Before(l.hi)
	case opGt:
		return !t.Before(l.hi)
	case opGe:
		return !t.Before(l.lo)
	}
	return false
}

// order estimates the work of matching n, and sorts the operands of every
// and and or cheapest first: they have no side effects, so the order does
// not change the result, and a cheap operand often decides alone. Reading a
// run's own fields is cheap; params, tags and metrics are lookups by name;
// a search term reads three fields; a regular expression runs a machine.
func (n *node) order() {
	switch n.kind {
	case nodeAnd, nodeOr:
		for _, k := range n.kids {
			k.order()
			n.work += k.work
		}
		slices.SortStableFunc(n.kids, func(a, b *node) int { return a.work - b.work })
	case nodeNot:
		n.kids[0].order()
		n.work = n.kids[0].work
	case nodeTerm:
		n.work = 6
	case nodeCmp:
		n.work = 1 + len(n.cmp.lits)/4
		switch n.cmp.field.Kind {
		case Param, Tag, Metric:
			n.work += 2
		}
		if n.cmp.re != nil && n.cmp.re.kind == matchRegexp {
			n.work += 10
		}
	}
}

// write appends the canonical form of n.
func (n *node) write(b *strings.Builder) {
	switch n.kind {
	case nodeAnd, nodeOr:
		sep := " and "
		if n.kind == nodeOr {
			sep = " or "
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			k.writeGrouped(b, n.kind == nodeAnd && k.kind == nodeOr)
		}
	case nodeNot:
		b.WriteString("not ")
		k := n.kids[0]
		k.writeGrouped(b, k.kind != nodeTerm && k.kind != nodeNot)
	case nodeTerm:
		if bareWord(n.term) && !isFieldWord(n.term) {
			b.WriteString(n.term)
		} else {
			b.WriteString(quote(n.term))
		}
	case nodeCmp:
		n.cmp.write(b)
	}
}

func (n *node) writeGrouped(b *strings.Builder, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	n.write(b)
	if paren {
		b.WriteByte(')')
	}
}

func (c *comparison) write(b *strings.Builder) {
	b.WriteString(c.field.String())
	b.WriteByte(' ')
	b.WriteString(c.op.String())
	switch c.op {
	case opExists:
		return
	case opIn, opNotIn:
		b.WriteString(" (")
		for i := range c.lits {
			if i > 0 {
				b.WriteString(", ")
			}
			writeLiteral(b, c.lits[i].text)
		}
		b.WriteByte(')')
	case opMatch, opNotMatch:
		b.WriteByte(' ')
		b.WriteString(quote(c.lits[0].text))
	default:
		b.WriteByte(' ')
		writeLiteral(b, c.lits[0].text)
	}
}

func writeLiteral(b *strings.Builder, s string) {
	if bareWord(s) {
		b.WriteString(s)
	} else {
		b.WriteString(quote(s))
	}
}
