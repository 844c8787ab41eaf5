package metricline

import (
	"errors"
	"math"
	"strconv"
)

var inf = math.Inf(1)

func nan() float64 { return math.NaN() }

// AppendFloat writes v as lathe writes floats in JSON: a JSON number, or
// the strings "NaN", "Infinity", "-Infinity", which JSON has no numbers for
// and which ParseLine reads back.
//
// Finite values use the shortest digits that parse back to exactly v, laid
// out as encoding/json lays out a float64 (plain notation from 1e-6 up to
// 1e21, exponent notation outside, e.g. 0.001, 123456789, 1e-7, 1e+21), so
// lathe's hand-written JSON matches what json.Marshal would produce.
// Negative zero is written as -0.
func AppendFloat(dst []byte, v float64) []byte {
	switch {
	case v != v:
		return append(dst, `"NaN"`...)
	case v > math.MaxFloat64:
		return append(dst, `"Infinity"`...)
	case v < -math.MaxFloat64:
		return append(dst, `"-Infinity"`...)
	}
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, v, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json does.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// Float is a float64 that marshals NaN and ±Inf as the strings "NaN",
// "Infinity", "-Infinity" and unmarshals them back (and plain numbers), so
// lathe's JSON output can carry any metric value; encoding/json refuses
// non-finite float64s.
type Float float64

// MarshalJSON writes f with AppendFloat.
func (f Float) MarshalJSON() ([]byte, error) {
	return AppendFloat(make([]byte, 0, 24), float64(f)), nil
}

// UnmarshalJSON accepts a JSON number within float64 range or a string
// that ParseLine accepts as a metric value ("NaN", "Infinity", ...). JSON
// null leaves f unchanged, as encoding/json does for other types.
func (f *Float) UnmarshalJSON(b []byte) error {
	s := scanner{b: b}
	s.skipSpace()
	var v float64
	switch c := s.peek(); {
	case c == 'n':
		if err := s.literal("null"); err != nil {
			return floatError(err)
		}
		s.skipSpace()
		if s.i < len(s.b) {
			return floatError(s.errSyntax())
		}
		return nil
	case c == '"':
		var buf [16]byte
		str, _, err := s.readString(buf[:0], true)
		if err != nil {
			return floatError(err)
		}
		var ok bool
		if v, ok = special(str); !ok {
			return errors.New("metricline.Float: " + quoteName(str) + " is not a number")
		}
	case c == '-' || isDigit(c):
		n, err := s.readNumber()
		if err != nil {
			return floatError(err)
		}
		var ok bool
		if v, ok = n.float(); !ok {
			return errors.New("metricline.Float: " + clip(n.text) + " is out of range")
		}
	default:
		k, err := s.kind()
		if err != nil {
			return floatError(err)
		}
		return errors.New("metricline.Float: want a number, got " + k)
	}
	s.skipSpace()
	if s.i < len(s.b) {
		return floatError(s.errSyntax())
	}
	*f = Float(v)
	return nil
}

func floatError(err error) error {
	return errors.New("metricline.Float: " + err.Error())
}
