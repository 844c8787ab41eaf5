package api

import (
	"errors"
	"math"
	"strconv"
)

// Float is a float64 that writes NaN and ±Inf as the strings "NaN",
// "Infinity" and "-Infinity" (JSON has no numbers for them; these are the
// spellings the metrics file takes) and reads them back, so any metric
// value crosses the wire and `--json`.
type Float float64

// AppendFloat writes v as lathe writes floats in JSON: a JSON number, or
// the strings "NaN", "Infinity", "-Infinity".
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

// MarshalJSON writes f with AppendFloat.
func (f Float) MarshalJSON() ([]byte, error) {
	return AppendFloat(make([]byte, 0, 24), float64(f)), nil
}

// UnmarshalJSON reads a JSON number within float64 range, or a string that
// names NaN or an infinity ("NaN", "Infinity", "-Infinity", and the other
// spellings strconv.ParseFloat takes, such as "inf"). JSON null leaves f
// unchanged, as encoding/json does for other types. (encoding/json has
// checked that b is one valid JSON value before it calls this.)
func (f *Float) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) > 0 && s[0] == '"' {
		str, err := strconv.Unquote(s)
		v, perr := strconv.ParseFloat(str, 64)
		if err != nil || perr != nil || !math.IsNaN(v) && !math.IsInf(v, 0) {
			return errors.New("api.Float: " + clip(s) + " is not a number")
		}
		*f = Float(v)
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("api.Float: " + clip(s) + " is not a number within range")
	}
	*f = Float(v)
	return nil
}

// clip shortens what an error quotes.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
