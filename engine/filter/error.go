package filter

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
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

// Caret returns two lines: the expression, and a ^ under the column, for
// showing under the input. Blanks and control characters of the expression
// show as spaces, so that it stays on one line and the ^ lines up (wide
// characters counted as wide).
func (e *Error) Caret() string {
	pos := e.pos()
	return printable(e.Expr) + "\n" + strings.Repeat(" ", ansi.StringWidth(printable(e.Expr[:pos]))) + "^"
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

// printable replaces blanks and control characters by a space and invalid
// UTF-8 by U+FFFD, one for one, so that the result is one line with one
// character for each of s.
func printable(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}
