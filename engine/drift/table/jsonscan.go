package table

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// objectScanner reads one line holding a flat JSON object, key by key,
// without building a map: the values it hands out point into the line, so
// a million lines cost no garbage beyond new levels. It is strict JSON with
// one extension: the bare NaN, Infinity and -Infinity that Python's json
// module writes.
type objectScanner struct {
	line       []byte
	pos        int
	afterValue bool // a key and value have been read
}

// jsonKind is the kind of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonNumber
	jsonString
	jsonBool
	jsonObject
	jsonArray
)

// jsonValue is a scalar value; raw is the number's token as written, or the
// string's decoded bytes.
type jsonValue struct {
	kind jsonKind
	num  float64
	bool bool
	raw  []byte
}

// The texts of literal tokens, kept by a column forced categorical.
var (
	trueText     = []byte("true")
	falseText    = []byte("false")
	nanText      = []byte("NaN")
	infinityText = []byte("Infinity")
)

// errNotObject is the reason for a line that is valid JSON of another kind,
// or not JSON.
var errNotObject = errors.New("not a JSON object")

// start begins a line, which must open an object.
func (s *objectScanner) start(line []byte) error {
	s.line, s.pos, s.afterValue = line, 0, false
	s.skipSpace()
	if !s.eat('{') {
		return errNotObject
	}
	return nil
}

// key reads the next key and its colon; ok is false at the end of the
// object, after which the rest of the line must be blank.
func (s *objectScanner) key() (key []byte, ok bool, err error) {
	s.skipSpace()
	if s.eat('}') {
		return nil, false, s.end()
	}
	if s.afterValue {
		// A comma, then a key: never a brace, which would be a trailing comma.
		if !s.eat(',') {
			return nil, false, s.syntax("expected , or }")
		}
		s.skipSpace()
	}
	if s.peek() != '"' {
		return nil, false, s.syntax("expected a key")
	}
	key, err = s.string()
	if err != nil {
		return nil, false, err
	}
	s.skipSpace()
	if !s.eat(':') {
		return nil, false, s.syntax("expected :")
	}
	s.afterValue = true
	return key, true, nil
}

// end checks that nothing but space follows the object.
func (s *objectScanner) end() error {
	s.skipSpace()
	if s.pos < len(s.line) {
		return s.syntax("data after the object")
	}
	return nil
}

// value reads a scalar value. A nested object or array is reported by kind
// and not read: the caller either rejects the row or calls skipNested.
func (s *objectScanner) value() (jsonValue, error) {
	s.skipSpace()
	switch c := s.peek(); {
	case c == '"':
		raw, err := s.string()
		return jsonValue{kind: jsonString, raw: raw}, err
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == '{':
		return jsonValue{kind: jsonObject}, nil
	case c == '[':
		return jsonValue{kind: jsonArray}, nil
	case s.literal("true"):
		return jsonValue{kind: jsonBool, bool: true, raw: trueText}, nil
	case s.literal("false"):
		return jsonValue{kind: jsonBool, raw: falseText}, nil
	case s.literal("null"):
		return jsonValue{kind: jsonNull}, nil
	case s.literal("NaN"):
		return jsonValue{kind: jsonNumber, num: math.NaN(), raw: nanText}, nil
	case s.literal("Infinity"):
		return jsonValue{kind: jsonNumber, num: math.Inf(1), raw: infinityText}, nil
	}
	return jsonValue{}, s.syntax("expected a value")
}

// skipNested passes over the object or array at the current position.
func (s *objectScanner) skipNested() error {
	depth := 0
	for s.pos < len(s.line) {
		switch s.line[s.pos] {
		case '"':
			if _, err := s.string(); err != nil {
				return err
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		s.pos++
		if depth == 0 {
			return nil
		}
	}
	return s.syntax("unterminated value")
}

// number reads a number as JSON spells it, or -Infinity.
func (s *objectScanner) number() (jsonValue, error) {
	start := s.pos
	s.eat('-')
	if s.literal("Infinity") {
		return jsonValue{kind: jsonNumber, num: math.Inf(-1), raw: s.line[start:s.pos]}, nil
	}
	if !s.eat('0') && s.digits() == 0 {
		return jsonValue{}, s.syntax("bad number")
	}
	if s.eat('.') && s.digits() == 0 {
		return jsonValue{}, s.syntax("bad number")
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if s.digits() == 0 {
			return jsonValue{}, s.syntax("bad number")
		}
	}
	raw := s.line[start:s.pos]
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return jsonValue{}, s.syntax("bad number")
	}
	return jsonValue{kind: jsonNumber, num: v, raw: raw}, nil
}

func (s *objectScanner) digits() int {
	start := s.pos
	for s.pos < len(s.line) && '0' <= s.line[s.pos] && s.line[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}

// string reads a quoted string and returns its content. Without escapes
// that is a slice of the line; with them, encoding/json decodes the token.
func (s *objectScanner) string() ([]byte, error) {
	start := s.pos
	s.pos++ // the opening quote
	escaped := false
	for s.pos < len(s.line) {
		switch c := s.line[s.pos]; {
		case c == '"':
			s.pos++
			if !escaped {
				return s.line[start+1 : s.pos-1], nil
			}
			var decoded string
			if err := json.Unmarshal(s.line[start:s.pos], &decoded); err != nil {
				return nil, s.syntaxAt(start, "bad string escape")
			}
			return []byte(decoded), nil
		case c == '\\':
			escaped = true
			s.pos += 2
		case c < 0x20:
			return nil, s.syntax("control character in a string")
		default:
			s.pos++
		}
	}
	return nil, s.syntaxAt(start, "unterminated string")
}

func (s *objectScanner) skipSpace() {
	for s.pos < len(s.line) {
		switch s.line[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

func (s *objectScanner) peek() byte {
	if s.pos < len(s.line) {
		return s.line[s.pos]
	}
	return 0
}

func (s *objectScanner) eat(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

// literal eats word if the line goes on with it.
func (s *objectScanner) literal(word string) bool {
	if len(s.line)-s.pos >= len(word) && string(s.line[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	return false
}

func (s *objectScanner) syntax(what string) error { return s.syntaxAt(s.pos, what) }

func (s *objectScanner) syntaxAt(pos int, what string) error {
	return fmt.Errorf("invalid JSON at column %d: %s", pos+1, what)
}
