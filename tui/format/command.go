package format

import (
	"errors"
	"slices"
	"strings"
)

// Quote writes a word so that a POSIX shell, and SplitCommand, read it
// back: as it is when it is plain, else in quotes.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	plain := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%^", r))
	}) < 0
	switch {
	case plain:
		return s
	case strings.Contains(s, "'") && !strings.ContainsAny(s, "\"\\$`!"):
		return `"` + s + `"` // it's reads better as "it's" than as 'it'\''s'
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Command writes an argv as a command line a shell, and SplitCommand,
// read back.
func Command(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = Quote(a)
	}
	return strings.Join(words, " ")
}

// SplitCommand splits a command line as a POSIX shell would, without any
// expansion: blanks separate words, '…' keeps everything inside as it is,
// "…" too except that \ escapes " \ $ and `, and \ outside quotes escapes
// any character. Quotes with nothing inside make an empty word.
func SplitCommand(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // in a word (which may be empty: '')
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case ' ', '\t', '\n', '\r':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case '\\':
			if i+1 == len(rs) {
				return nil, errors.New(`a \ at the end escapes nothing; write \\ for a backslash`)
			}
			i++
			cur.WriteRune(rs[i])
			in = true
		case '\'':
			end := slices.Index(rs[i+1:], '\'')
			if end < 0 {
				return nil, errors.New(`an unterminated ' quote; close it, or write \' for a quote`)
			}
			cur.WriteString(string(rs[i+1 : i+1+end]))
			i += 1 + end
			in = true
		case '"':
			closed := false
			for i++; i < len(rs); i++ {
				if rs[i] == '"' {
					closed = true
					break
				}
				if rs[i] == '\\' && i+1 < len(rs) && strings.ContainsRune("\"\\$`", rs[i+1]) {
					i++
				}
				cur.WriteRune(rs[i])
			}
			if !closed {
				return nil, errors.New(`an unterminated " quote; close it, or write \" for a quote`)
			}
			in = true
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}
