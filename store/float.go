package store

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Float is a float64 as the store writes it in its JSON records (a run's
// evals, a metric's summary): a JSON number, or for the values JSON has no
// number for the strings "NaN", "Infinity" and "-Infinity".
//
// The stored encoding belongs to the store: it must stay readable whatever
// the wire format of the engine's API does, so the store owns this type
// rather than borrowing the one the wire uses. It writes exactly the bytes
// that records have always held (the shortest digits that read back to the
// same float, laid out as encoding/json lays out a float64: -0 for negative
// zero, exponent notation below 1e-6 and from 1e21) and reads every one of
// them back.
type Float float64

// MarshalJSON writes f as a JSON number, or one of the strings "NaN",
// "Infinity", "-Infinity".
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(make([]byte, 0, 24), v, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		// 1e-07 → 1e-7, as encoding/json writes it.
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b, nil
}

// UnmarshalJSON reads a JSON number, or a string naming NaN or an infinity
// ("NaN", "Infinity", "-Infinity", and their case and "inf" variants). JSON
// null leaves f unchanged, as encoding/json does for a float64.
func (f *Float) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("store.Float: %w", err)
		}
		v, ok := nonFinite(s)
		if !ok {
			return fmt.Errorf("store.Float: %q is not a number", s)
		}
		*f = Float(v)
		return nil
	}
	if !isJSONNumber(b) {
		return fmt.Errorf("store.Float: %.40q is not a number", b)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		// Only a number out of float64's range gets here: JSON syntax was
		// checked.
		return fmt.Errorf("store.Float: %.40s is out of range", b)
	}
	*f = Float(v)
	return nil
}

// nonFinite reads the strings that stand for NaN and the infinities.
func nonFinite(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case "nan":
		return math.NaN(), true
	case "infinity", "+infinity", "inf", "+inf":
		return math.Inf(1), true
	case "-infinity", "-inf":
		return math.Inf(-1), true
	}
	return 0, false
}

// isJSONNumber reports whether b is a number by JSON's grammar, which
// strconv.ParseFloat alone is looser than (it reads "inf", "0x1p4", "1_0").
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}
