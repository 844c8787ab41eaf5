package metricline

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// maxNesting bounds how deeply arrays and objects may nest inside a
// params/tags value or an ignored field. The scanner is iterative, so the
// limit is not about the Go stack: it stops one pathological line from
// becoming a parameter string other tools cannot read back (encoding/json
// gives up at 10000).
const maxNesting = 1000

// scanner walks one JSON text. Every method leaves i just past what it
// consumed and returns an error rather than indexing past the end.
type scanner struct {
	b []byte
	i int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (s *scanner) skipSpace() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// skipBOM skips a UTF-8 byte order mark at the start of the text: some
// Windows tools write one and it is never meaningful.
func (s *scanner) skipBOM() {
	if s.i == 0 && len(s.b) >= 3 && s.b[0] == 0xEF && s.b[1] == 0xBB && s.b[2] == 0xBF {
		s.i = 3
	}
}

// peek returns the byte at i, or 0 at the end (0 is never valid JSON
// outside a string, so callers need no separate end check).
func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

var errEOL = errors.New("unexpected end of line")

// errSyntax reports the byte at i as unexpected.
func (s *scanner) errSyntax() error {
	if s.i >= len(s.b) {
		return errEOL
	}
	return fmt.Errorf("invalid character %s at offset %d", describeByte(s.b[s.i]), s.i)
}

func describeByte(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c >= 0x20 && c < 0x7f:
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// expect skips whitespace and consumes c.
func (s *scanner) expect(c byte) error {
	s.skipSpace()
	if s.peek() == c && s.i < len(s.b) {
		s.i++
		return nil
	}
	return s.errSyntax()
}

// literal consumes the keyword lit (true, false or null).
func (s *scanner) literal(lit string) error {
	for k := 0; k < len(lit); k++ {
		if s.peek() != lit[k] {
			return s.errSyntax()
		}
		s.i++
	}
	return nil
}

// kind names the JSON type of the value at i for error messages, checking
// keywords in full. It returns "" (and a syntax error) when no value starts
// here.
func (s *scanner) kind() (string, error) {
	switch c := s.peek(); {
	case c == '"':
		return "a string", nil
	case c == '-' || isDigit(c):
		return "a number", nil
	case c == '{':
		return "an object", nil
	case c == '[':
		return "an array", nil
	case c == 't' || c == 'f':
		save := s.i
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		if err := s.literal(lit); err != nil {
			return "", err
		}
		s.i = save
		return "a boolean", nil
	case c == 'n':
		save := s.i
		if err := s.literal("null"); err != nil {
			return "", err
		}
		s.i = save
		return "null", nil
	}
	return "", s.errSyntax()
}

// strStop marks the bytes that end a plain run inside a JSON string.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

// readString decodes the JSON string at i (its opening quote) and appends
// the result to dst; with keep false it only validates. high reports that
// the decoded bytes contain non-ASCII, so callers check UTF-8 only then.
// Lone UTF-16 surrogates in \u escapes become U+FFFD, as in encoding/json.
func (s *scanner) readString(dst []byte, keep bool) (out []byte, high bool, err error) {
	if s.peek() != '"' {
		return dst, false, s.errSyntax()
	}
	b := s.b
	i := s.i + 1
	start := i
	var or byte
	for {
		for i < len(b) && !strStop[b[i]] {
			or |= b[i]
			i++
		}
		if i >= len(b) {
			s.i = i
			return dst, false, errors.New("unexpected end of line in string")
		}
		switch c := b[i]; c {
		case '"':
			if keep {
				dst = append(dst, b[start:i]...)
			}
			s.i = i + 1
			return dst, high || or >= 0x80, nil
		case '\\':
			if keep {
				dst = append(dst, b[start:i]...)
			}
			if i+1 >= len(b) {
				s.i = len(b)
				return dst, false, errors.New("unexpected end of line in string")
			}
			var r rune
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				r = rune(e)
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			case 'u':
				r = hex4(b, i+2)
				if r < 0 {
					s.i = i
					return dst, false, fmt.Errorf("invalid \\u escape in string at offset %d", i)
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A high surrogate followed by an escaped low one is a
					// pair; anything else is replaced, and a following
					// escape is decoded on its own.
					r2 := rune(-1)
					if r < 0xDC00 && i+2 < len(b) && b[i+2] == '\\' && i+3 < len(b) && b[i+3] == 'u' {
						r2 = hex4(b, i+4)
					}
					if 0xDC00 <= r2 && r2 < 0xE000 {
						r = utf16.DecodeRune(r, r2)
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
			default:
				s.i = i
				return dst, false, fmt.Errorf("invalid escape %s in string at offset %d", describeByte(e), i)
			}
			if keep {
				dst = utf8.AppendRune(dst, r)
			}
			if r >= 0x80 {
				high = true
			}
			i += 2
			start = i
		default:
			s.i = i
			return dst, false, fmt.Errorf("control character %s in string at offset %d", describeByte(c), i)
		}
	}
}

// hex4 decodes four hex digits at b[i:], or returns -1.
func hex4(b []byte, i int) rune {
	if i < 0 || len(b)-i < 4 {
		return -1
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// skipValue validates the JSON value at i and moves past it. With compact
// set it appends the value to dst without insignificant whitespace
// (strings and numbers exactly as written). It uses an explicit stack, so
// nesting costs heap bytes, never Go stack, and is capped at maxNesting.
func (s *scanner) skipValue(dst []byte, compact bool) ([]byte, error) {
	var stackBuf [32]byte
	stack := stackBuf[:0]
	for {
		// A value starts here.
		s.skipSpace()
		c := s.peek()
		switch {
		case c == '{' || c == '[':
			if len(stack) >= maxNesting {
				return dst, fmt.Errorf("value nested more than %d deep at offset %d", maxNesting, s.i)
			}
			s.i++
			if compact {
				dst = append(dst, c)
			}
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			s.skipSpace()
			if s.peek() == closer {
				s.i++
				if compact {
					dst = append(dst, closer)
				}
				break // an empty container is a complete value
			}
			stack = append(stack, c)
			if c == '{' {
				var err error
				if dst, err = s.objectKey(dst, compact); err != nil {
					return dst, err
				}
			}
			continue
		case c == '"':
			start := s.i
			if _, _, err := s.readString(nil, false); err != nil {
				return dst, err
			}
			if compact {
				dst = append(dst, s.b[start:s.i]...)
			}
		case c == '-' || isDigit(c):
			n, err := s.readNumber()
			if err != nil {
				return dst, err
			}
			if compact {
				dst = append(dst, n.text...)
			}
		case c == 't' || c == 'f' || c == 'n':
			lit := "null"
			if c == 't' {
				lit = "true"
			} else if c == 'f' {
				lit = "false"
			}
			if err := s.literal(lit); err != nil {
				return dst, err
			}
			if compact {
				dst = append(dst, lit...)
			}
		default:
			return dst, s.errSyntax()
		}

		// A value ended: close containers until one has a next element.
		for {
			if len(stack) == 0 {
				return dst, nil
			}
			s.skipSpace()
			c := s.peek()
			top := stack[len(stack)-1]
			if c == ',' {
				s.i++
				if compact {
					dst = append(dst, ',')
				}
				if top == '{' {
					var err error
					if dst, err = s.objectKey(dst, compact); err != nil {
						return dst, err
					}
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				s.i++
				if compact {
					dst = append(dst, c)
				}
				stack = stack[:len(stack)-1]
				continue
			}
			return dst, s.errSyntax()
		}
	}
}

// objectKey reads `"key":` inside skipValue.
func (s *scanner) objectKey(dst []byte, compact bool) ([]byte, error) {
	s.skipSpace()
	start := s.i
	if _, _, err := s.readString(nil, false); err != nil {
		return dst, err
	}
	if compact {
		dst = append(dst, s.b[start:s.i]...)
	}
	if err := s.expect(':'); err != nil {
		return dst, err
	}
	if compact {
		dst = append(dst, ':')
	}
	return dst, nil
}

// members walks the members of the JSON object at i, calling fn with each
// decoded key and i at the start of its value; fn must consume the value.
// what names the object in the error when the value is not an object.
func (s *scanner) members(what string, fn func(key []byte) error) error {
	s.skipSpace()
	if s.peek() != '{' {
		return s.notA(what, "an object")
	}
	s.i++
	s.skipSpace()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	var keyBuf [64]byte
	for {
		s.skipSpace()
		key, _, err := s.readString(keyBuf[:0], true)
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		s.skipSpace()
		if err := fn(key); err != nil {
			return err
		}
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errSyntax()
		}
	}
}

// notA reports that the value at i, named what, is not of type want.
func (s *scanner) notA(what, want string) error {
	k, err := s.kind()
	if err != nil {
		return err
	}
	return fmt.Errorf("%s must be %s, got %s", what, want, k)
}
