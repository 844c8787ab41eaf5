package filter

import (
	"strconv"
	"unicode/utf8"
)

// Error is a parse error: what went wrong and where.
type Error struct {
	Expr string
	Pos  int // byte offset in Expr where it went wrong (len(Expr) for "unexpected end")
	Msg  string
}

// Error returns one line that quotes the expression and gives the column
// (1-based, in characters): filter "metrics.loss <> 3": column 15: expected
// a value after "<".
func (e *Error) Error() string {
	return "filter " + strconv.Quote(e.Expr) + ": column " + strconv.Itoa(e.column()) + ": " + e.Msg
}

// pos is Pos clamped into Expr and moved back to the start of a character.
func (e *Error) pos() int {
	pos := min(max(e.Pos, 0), len(e.Expr))
	for pos > 0 && pos < len(e.Expr) && !utf8.RuneStart(e.Expr[pos]) {
		pos--
	}
	return pos
}

func (e *Error) column() int { return utf8.RuneCountInString(e.Expr[:e.pos()]) + 1 }
