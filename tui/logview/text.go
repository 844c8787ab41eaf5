package logview

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"lathe/tui/format"
)

// Clean makes one line of a job's output safe to draw: a progress
// bar redrawn with '\r' keeps its last state, escape sequences and control
// characters go, tabs become spaces. Whatever shows lines of output (the
// run overview's last lines) draws them through it.
func Clean(l string) string {
	l = strings.TrimRight(l, "\r") // CRLF, or a bar's '\r' before its next state
	if i := strings.LastIndexByte(l, '\r'); i >= 0 {
		l = l[i+1:]
	}
	if plainLine(l) {
		return l // most lines: kept as they are, no copy
	}
	if !utf8.ValidString(l) {
		l = strings.ToValidUTF8(l, "\uFFFD")
	}
	if strings.IndexByte(l, 0x1b) >= 0 {
		l = ansi.Strip(l)
	}
	var b strings.Builder
	b.Grow(len(l))
	tabs := strings.IndexByte(l, '\t') >= 0
	col := 0 // cells so far, for tab stops
	for _, r := range l {
		switch {
		case r == '\t':
			pad := 8 - col%8
			b.WriteString("        "[:pad])
			col += pad
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			// C0 and C1 controls (bell, backspace, shift-out…) would move
			// the cursor or change the terminal's state.
		default:
			b.WriteRune(r)
			switch {
			case !tabs:
			case r < utf8.RuneSelf:
				col++
			default:
				col += ansi.StringWidth(string(r))
			}
		}
	}
	return b.String()
}

// plainLine reports that l is valid UTF-8 without control characters.
func plainLine(l string) bool {
	for i := 0; i < len(l); {
		c := l[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(l[i:])
		if r == utf8.RuneError && size == 1 || r < 0xa0 {
			return false
		}
		i += size
	}
	return true
}

// find returns the byte range of the first match of needle in s at
// or after from, or -1, -1. With fold, needle is lower-case and s's case is
// ignored.
func find(s, needle string, fold bool, from int) (start, end int) {
	if needle == "" || from > len(s) {
		return -1, -1
	}
	if !fold {
		if i := strings.Index(s[from:], needle); i >= 0 {
			return from + i, from + i + len(needle)
		}
		return -1, -1
	}
	if isASCII(needle) {
		n := len(needle)
		c0 := needle[0]
		for i := from; i+n <= len(s); i++ {
			if c := s[i]; c != c0 && c|0x20 != c0 {
				continue
			}
			if asciiFold(s[i:i+n], needle) {
				return i, i + n
			}
		}
		return -1, -1
	}
	for i := from; i < len(s); {
		if n := prefixFold(s[i:], needle); n >= 0 {
			return i, i + n
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1, -1
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiFold reports a == b ignoring case, b being lower-case ASCII.
func asciiFold(a, b string) bool {
	for i := 0; i < len(b); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// prefixFold returns how many bytes of s match the lower-case
// needle, ignoring case, or -1.
func prefixFold(s, needle string) int {
	j := 0
	for _, nr := range needle {
		if j >= len(s) {
			return -1
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if unicode.ToLower(r) != nr {
			return -1
		}
		j += size
	}
	return j
}

// fitLine cuts a line to w cells without measuring all of a very long
// one: no cell takes more than a few bytes, so a prefix is enough.
func fitLine(l string, w int) string {
	if w <= 0 {
		return ""
	}
	lim := 8*w + 64
	if len(l) <= lim {
		return format.Fit(l, w)
	}
	for lim > 0 && !utf8.RuneStart(l[lim]) {
		lim--
	}
	p := l[:lim]
	if out := format.Fit(p, w); out != p {
		return out
	}
	// The prefix fits: say that the line goes on.
	return format.Fit(p, w-1) + "…"
}
