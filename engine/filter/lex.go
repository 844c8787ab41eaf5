package filter

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokEnd tokKind = iota
	tokWord
	tokString
	tokLParen
	tokRParen
	tokComma
	tokOp
	tokBad // what cannot be a token; text is the message
)

// op is a comparison operator.
type op uint8

const (
	opEq op = iota + 1
	opNe
	opLt
	opLe
	opGt
	opGe
	opMatch
	opNotMatch
	opIn
	opNotIn
	opExists
)

var opNames = [...]string{
	opEq: "=", opNe: "!=", opLt: "<", opLe: "<=", opGt: ">", opGe: ">=",
	opMatch: "~", opNotMatch: "!~", opIn: "in", opNotIn: "not in", opExists: "exists",
}

func (o op) String() string { return opNames[o] }

// token is one token of an expression. pos and end are byte offsets.
type token struct {
	kind     tokKind
	op       op
	pos, end int
	text     string // a word as written, a string unescaped, or tokBad's message
}

// lex splits expr into tokens, ending with tokEnd, or with tokBad where
// something cannot be a token: the parser reports that only when it gets
// there, so the first error from the left is the one reported.
func lex(expr string) []token {
	toks := make([]token, 0, 16)
	i := 0
	for {
		for i < len(expr) {
			r, size := utf8.DecodeRuneInString(expr[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		if i == len(expr) {
			return append(toks, token{kind: tokEnd, pos: i, end: i})
		}
		t := token{pos: i, end: i + 1}
		switch c := expr[i]; c {
		case '(':
			t.kind = tokLParen
		case ')':
			t.kind = tokRParen
		case ',':
			t.kind = tokComma
		case '"', '\'':
			t = lexString(expr, i)
		case '=', '<', '>', '~', '!':
			t.kind = tokOp
			next := byte(0)
			if i+1 < len(expr) {
				next = expr[i+1]
			}
			switch {
			case c == '=':
				t.op = opEq
			case c == '~':
				t.op = opMatch
			case c == '<' && next == '=':
				t.op, t.end = opLe, i+2
			case c == '<':
				t.op = opLt
			case c == '>' && next == '=':
				t.op, t.end = opGe, i+2
			case c == '>':
				t.op = opGt
			case next == '=':
				t.op, t.end = opNe, i+2
			case next == '~':
				t.op, t.end = opNotMatch, i+2
			default:
				t.kind, t.text = tokBad, `"!" must be followed by = or ~ (write not to negate)`
			}
		default:
			t.kind = tokWord
			t.end = wordEnd(expr, i)
			t.text = expr[i:t.end]
		}
		toks = append(toks, t)
		if t.kind == tokBad {
			return toks
		}
		i = t.end
	}
}

// wordRune reports whether r may be part of a bare word.
func wordRune(r rune) bool {
	switch r {
	case '"', '\'', '(', ')', ',', '=', '!', '<', '>', '~':
		return false
	}
	return !unicode.IsSpace(r)
}

func wordEnd(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !wordRune(r) {
			break
		}
		i += size
	}
	return i
}

// lexString reads the string whose opening quote is at i. A backslash
// escapes a backslash or either quote; before anything else it stands for
// itself, so that regular expressions read as written: "^bert\.v\d".
func lexString(s string, i int) token {
	q := s[i]
	var b strings.Builder
	start := i + 1 // of the text not yet copied to b
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == q:
			if b.Len() == 0 && start == i+1 {
				return token{kind: tokString, pos: i, end: j + 1, text: s[i+1 : j]}
			}
			b.WriteString(s[start:j])
			return token{kind: tokString, pos: i, end: j + 1, text: b.String()}
		case c == '\\' && j+1 < len(s) && isEscaped(s[j+1]):
			b.WriteString(s[start:j])
			j++
			start = j
		}
	}
	return token{kind: tokBad, pos: i, end: len(s), text: "unterminated string: close it with " + string(q)}
}

func isEscaped(c byte) bool { return c == '\\' || c == '"' || c == '\'' }

// quote writes s as a double-quoted string that lexString reads back as s,
// escaping a backslash only where it would otherwise escape.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\' && (i+1 == len(s) || isEscaped(s[i+1])):
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// keywords are the words of the language, in any case.
var keywords = [...]string{"and", "or", "not", "in", "exists"}

func isKeyword(w string) bool {
	for _, k := range keywords {
		if equalASCIIFold(w, k) {
			return true
		}
	}
	return false
}

// bareWord reports whether s reads back as one word with text s, and not as
// a keyword.
func bareWord(s string) bool {
	return s != "" && wordEnd(s, 0) == len(s) && !isKeyword(s)
}

func equalASCIIFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lowerASCII(s[i]) != lowerASCII(t[i]) {
			return false
		}
	}
	return true
}

func hasPrefixASCIIFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalASCIIFold(s[:len(prefix)], prefix)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
