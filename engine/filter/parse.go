package filter

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// maxDepth bounds the nesting of parentheses and nots, and so the recursion
// of parsing and matching.
const maxDepth = 100

// statuses are the values status may be compared with.
var statuses = [...]string{"queued", "running", "succeeded", "failed", "killed", "lost"}

const statusList = "queued, running, succeeded, failed, killed or lost"

const opList = "=, !=, <, <=, >, >=, ~, !~, in, not in or exists"

// parser is a recursive-descent parser over the tokens of one expression.
type parser struct {
	src    string
	toks   []token
	i      int
	now    time.Time
	depth  int
	fields []Field
}

func (p *parser) peek() token { return p.toks[p.i] }

// peekAt looks k tokens ahead; past the end it sees the last token.
func (p *parser) peekAt(k int) token {
	return p.toks[min(p.i+k, len(p.toks)-1)]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEnd && t.kind != tokBad {
		p.i++
	}
	return t
}

func (p *parser) errorf(pos int, format string, args ...any) *Error {
	return &Error{Expr: p.src, Pos: pos, Msg: oneLine(fmt.Sprintf(format, args...))}
}

// oneLine escapes the control characters that user text (a field name, a
// word) brought into a message, so that it stays one line.
func oneLine(msg string) string {
	if !strings.ContainsFunc(msg, breaksLine) {
		return msg
	}
	var b strings.Builder
	for _, r := range msg {
		if breaksLine(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func breaksLine(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }

func (p *parser) badToken(t token) *Error { return p.errorf(t.pos, "%s", t.text) }

func isWord(t token, kw string) bool {
	return t.kind == tokWord && equalASCIIFold(t.text, kw)
}

func (p *parser) use(f Field) {
	for _, g := range p.fields {
		if g == f {
			return
		}
	}
	p.fields = append(p.fields, f)
}

// or = and { "or" and }.
func (p *parser) or() (*node, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	for isWord(p.peek(), "or") {
		p.next()
		m, err := p.and()
		if err != nil {
			return nil, err
		}
		n = join(nodeOr, n, m)
	}
	return n, nil
}

// and = unary { "and" unary }.
func (p *parser) and() (*node, error) {
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	for isWord(p.peek(), "and") {
		p.next()
		m, err := p.unary()
		if err != nil {
			return nil, err
		}
		n = join(nodeAnd, n, m)
	}
	return n, nil
}

// join makes a and b one node of kind, flattening nested ands (or ors),
// which is what keeps the canonical form free of redundant parentheses.
func join(kind nodeKind, a, b *node) *node {
	n := &node{kind: kind}
	for _, m := range []*node{a, b} {
		if m.kind == kind {
			n.kids = append(n.kids, m.kids...)
		} else {
			n.kids = append(n.kids, m)
		}
	}
	return n
}

// unary = "not" unary | primary.
func (p *parser) unary() (*node, error) {
	t := p.peek()
	if !isWord(t, "not") {
		return p.primary()
	}
	p.next()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	p.depth--
	return &node{kind: nodeNot, kids: []*node{n}}, nil
}

func (p *parser) enter(t token) error {
	if p.depth++; p.depth > maxDepth {
		return p.errorf(t.pos, "nested more than %d deep", maxDepth)
	}
	return nil
}

// primary = "(" or ")" | comparison | term.
func (p *parser) primary() (*node, error) {
	t := p.peek()
	switch t.kind {
	case tokLParen:
		p.next()
		if err := p.enter(t); err != nil {
			return nil, err
		}
		if r := p.peek(); r.kind == tokRParen {
			return nil, p.errorf(r.pos, "expected a condition inside ( )")
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		switch r := p.peek(); r.kind {
		case tokRParen:
			p.next()
			p.depth--
			return n, nil
		case tokEnd:
			return nil, p.errorf(t.pos, "unclosed (")
		case tokBad:
			return nil, p.badToken(r)
		default:
			return nil, p.errorf(r.pos, "expected and, or or ), found %s", describe(r))
		}
	case tokWord:
		if isKeyword(t.text) {
			return nil, p.errorf(t.pos, "expected a condition, found %s", describe(t))
		}
		if isFieldWord(t.text) {
			return p.comparison()
		}
		if p.startsComparison(1) {
			return nil, p.errorf(t.pos, "unknown field %s; %s", quoteClip(t.text), fieldList)
		}
		return p.term()
	case tokString:
		if p.startsComparison(1) {
			return nil, p.errorf(t.pos, "unknown field %s; %s", quoteClip(t.text), fieldList)
		}
		return p.term()
	case tokEnd:
		if p.i > 0 {
			prev := p.toks[p.i-1]
			if prev.kind == tokLParen {
				return nil, p.errorf(prev.pos, "unclosed (")
			}
			return nil, p.errorf(t.pos, "expected a condition after %s", describe(prev))
		}
		return nil, p.errorf(t.pos, "expected a condition")
	case tokBad:
		return nil, p.badToken(t)
	case tokOp:
		return nil, p.errorf(t.pos, "expected a field before %s", describe(t))
	}
	return nil, p.errorf(t.pos, "expected a condition, found %s", describe(t))
}

// startsComparison reports whether the token k ahead begins an operator:
// then the token before it was meant as a field.
func (p *parser) startsComparison(k int) bool {
	t := p.peekAt(k)
	return t.kind == tokOp || isWord(t, "in") || isWord(t, "exists") ||
		(isWord(t, "not") && isWord(p.peekAt(k+1), "in"))
}

// term is a bare word or a string searched for in the id, name and
// experiment.
func (p *parser) term() (*node, error) {
	t := p.next()
	p.use(idField)
	p.use(nameField)
	p.use(experimentField)
	return &node{kind: nodeTerm, term: t.text}, nil
}

// field reads a field: a word, or a word "params." (or metrics., tags.)
// followed directly by a string, and for a metric by ".last" and so on.
func (p *parser) field() (Field, error) {
	t := p.next()
	var f Field
	var rest string
	for _, ns := range namespaces {
		if hasPrefixASCIIFold(t.text, ns.prefix) {
			f.Kind, rest = ns.kind, t.text[len(ns.prefix):]
			break
		}
		if equalASCIIFold(t.text, ns.prefix[:len(ns.prefix)-1]) {
			return f, p.errorf(t.pos, "%s needs a name: %sNAME", t.text, ns.prefix)
		}
	}
	if f.Kind == 0 {
		k, ok := topField(t.text)
		if !ok {
			return f, p.errorf(t.pos, "unknown field %s; %s", quoteClip(t.text), fieldList)
		}
		return Field{Kind: k}, nil
	}
	prefix := t.text[:len(t.text)-len(rest)]
	if rest != "" {
		for i, r := range rest {
			if !nameRune(r) {
				return f, p.errorf(t.pos+len(prefix)+i,
					"%q cannot be in a bare name; quote the name: %s%s", r, prefix, quote(rest))
			}
		}
		f.Name = rest
		if f.Kind == Metric {
			f.Name, f.Agg = splitAgg(rest)
		}
		return f, nil
	}
	s := p.peek()
	if s.kind == tokBad && s.pos == t.end {
		return f, p.badToken(s)
	}
	if s.kind != tokString || s.pos != t.end {
		return f, p.errorf(t.end, "expected a name after %s: %sNAME or %s\"NAME\"", prefix, prefix, prefix)
	}
	p.next()
	if s.text == "" {
		return f, p.errorf(s.pos, "the name after %s is empty", prefix)
	}
	f.Name = s.text
	a := p.peek()
	if a.kind != tokWord || a.pos != s.end {
		return f, nil
	}
	if f.Kind == Metric && len(a.text) > 1 && a.text[0] == '.' {
		if agg, ok := aggOf(a.text[1:]); ok {
			p.next()
			f.Agg = agg
			return f, nil
		}
	}
	if f.Kind == Metric {
		return f, p.errorf(a.pos, "expected .last, .min, .max or .count after %s, found %s", f, quoteClip(a.text))
	}
	return f, p.errorf(a.pos, "unexpected %s after %s", quoteClip(a.text), f)
}

// comparison = field ( op value | ["not"] "in" list | "exists" ).
func (p *parser) comparison() (*node, error) {
	first, start := p.peek(), p.i
	f, err := p.field()
	if err != nil {
		return nil, err
	}
	c := &comparison{field: f}
	t := p.peek()
	switch {
	case t.kind == tokOp:
		c.op = t.op
	case isWord(t, "in"):
		c.op = opIn
	case isWord(t, "not") && isWord(p.peekAt(1), "in"):
		c.op = opNotIn
	case isWord(t, "not"):
		return nil, p.errorf(p.peekAt(1).pos, "expected in after not: write %s not in (a, b), or put not before the field", f)
	case isWord(t, "exists"):
		c.op = opExists
	case t.kind == tokBad:
		return nil, p.badToken(t)
	default:
		hint := ""
		// A lone word such as tags.v2 may have been meant as a search.
		if p.i == start+1 && (t.kind == tokEnd || t.kind == tokRParen || isKeyword(t.text)) {
			hint = " (to search for the text, quote it: " + quote(first.text) + ")"
		}
		return nil, p.errorf(t.pos, "expected an operator after %s: %s%s", f, opList, hint)
	}
	if err := p.checkOp(f, c.op, t); err != nil {
		return nil, err
	}
	p.next()
	if c.op == opNotIn {
		p.next()
	}
	switch c.op {
	case opExists:
	case opIn, opNotIn:
		if err := p.list(c); err != nil {
			return nil, err
		}
	default:
		v := p.peek()
		if v.kind == tokOp && v.op == opEq && c.op == opEq && v.pos == t.end {
			return nil, p.errorf(t.pos, `"==" is not an operator: write =`)
		}
		if err := p.value(c, v, fmt.Sprintf("after %q", c.op.String())); err != nil {
			return nil, err
		}
	}
	p.use(f)
	return &node{kind: nodeCmp, cmp: c}, nil
}

// checkOp rejects operators that make no sense for the field.
func (p *parser) checkOp(f Field, o op, t token) error {
	switch f.Kind {
	case Metric, GPUs, Duration, Started, Created, Ended:
		if o == opMatch || o == opNotMatch {
			return p.errorf(t.pos, "%s does not apply to %s, which is not text: use %s", o, f, "=, !=, <, <=, >, >=, in or exists")
		}
	case Status:
		switch o {
		case opLt, opLe, opGt, opGe:
			return p.errorf(t.pos, "%s does not apply to status: use =, !=, in, not in, ~ or !~", o)
		}
	}
	return nil
}

// list reads "(" value { "," value } ")" after in or not in.
func (p *parser) list(c *comparison) error {
	open := p.peek()
	if open.kind != tokLParen {
		return p.errorf(open.pos, "%s wants a list in parentheses: %s (a, b)", c.op, c.op)
	}
	p.next()
	after := "after " + quote("(")
	for {
		v := p.peek()
		switch {
		case v.kind == tokEnd:
			return p.errorf(open.pos, "unclosed (")
		case v.kind == tokRParen && len(c.lits) == 0:
			return p.errorf(v.pos, "%s wants at least one value: %s (a, b)", c.op, c.op)
		}
		if err := p.value(c, v, after); err != nil {
			return err
		}
		switch s := p.next(); s.kind {
		case tokComma:
			after = "after " + quote(",")
		case tokRParen:
			return nil
		case tokEnd:
			return p.errorf(open.pos, "unclosed (")
		case tokBad:
			return p.badToken(s)
		default:
			return p.errorf(s.pos, "expected , or ) in the list, found %s", describe(s))
		}
	}
}

// value reads the literal t, interprets it for the comparison's field and
// appends it to c.
func (p *parser) value(c *comparison, t token, after string) error {
	switch {
	case t.kind == tokBad:
		return p.badToken(t)
	case t.kind == tokWord && isKeyword(t.text):
		return p.errorf(t.pos, "expected a value %s, found %s (quote it to use it as a value)", after, describe(t))
	case t.kind != tokWord && t.kind != tokString:
		return p.errorf(t.pos, "expected a value %s", after)
	}
	p.next()
	f := c.field
	lit := literal{text: t.text}
	if c.op == opMatch || c.op == opNotMatch {
		m, msg := compileMatcher(t.text)
		if m == nil {
			return p.errorf(t.pos, "bad regular expression %s: %s", quoteClip(t.text), msg)
		}
		c.re = m
		c.lits = append(c.lits, lit)
		return nil
	}
	switch f.Kind {
	case Metric, GPUs:
		var ok bool
		if lit.num, ok = literalNumber(t.text); !ok {
			return p.errorf(t.pos, "%s is not a number (%s is a number)", quoteClip(t.text), f)
		}
		lit.isNum = true
	case Param, Tag:
		lit.num, lit.isNum = literalNumber(t.text)
		c.anyNum = c.anyNum || lit.isNum
	case Duration:
		var ok bool
		if lit.dur, ok = parseDuration(t.text); !ok {
			return p.errorf(t.pos, "%s is not a duration: write 90s, 2h or 3d", quoteClip(t.text))
		}
	case Started, Created, Ended:
		var ok bool
		if lit.lo, lit.hi, ok = parseTime(t.text, p.now); !ok {
			return p.errorf(t.pos, "%s is not a time: write 2026-11-01, 2026-11-01T14:00, or -24h for 24 hours ago", quoteClip(t.text))
		}
	case Status:
		lit.text = ""
		for _, s := range statuses {
			if equalASCIIFold(t.text, s) {
				lit.text = s
			}
		}
		if lit.text == "" {
			return p.errorf(t.pos, "%s is not a status: use %s", quoteClip(t.text), statusList)
		}
	}
	c.lits = append(c.lits, lit)
	return nil
}

// describe names a token for a message.
func describe(t token) string {
	switch t.kind {
	case tokEnd:
		return "the end"
	case tokWord:
		return quoteClip(t.text)
	case tokString:
		return "the string " + quoteClip(t.text)
	case tokOp:
		return quote(t.op.String())
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokComma:
		return `","`
	}
	return "?"
}

// quoteClip quotes user text for a message (one line, whatever it holds),
// shortened when long.
func quoteClip(s string) string {
	const max = 40
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return fmt.Sprintf("%q", s[:cut]) + "…"
}
