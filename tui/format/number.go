package format

import (
	"math"
	"strconv"
	"strings"
)

// The spellings of the values that are not numbers.
const (
	NaN    = "NaN"
	PosInf = "Inf"
	NegInf = "-Inf"
)

// special spells NaN and the infinities.
func special(v float64) (string, bool) {
	switch {
	case math.IsNaN(v):
		return NaN, true
	case math.IsInf(v, 1):
		return PosInf, true
	case math.IsInf(v, -1):
		return NegInf, true
	}
	return "", false
}

// Number writes v with at most sig significant digits, in plain notation
// or, for very large or small values, exponent notation (as %g chooses).
func Number(v float64, sig int) string {
	if s, ok := special(v); ok {
		return s
	}
	return strconv.FormatFloat(v, 'g', max(sig, 1), 64)
}

// Short writes v for an axis or a title, in few cells: at most sig
// significant digits, thousands as k (1.2k), and very large or small
// values in exponent form (2.5e+06, 1e-05).
func Short(v float64, sig int) string {
	if s, ok := special(v); ok {
		return s
	}
	sig = max(sig, 1)
	// Round to sig significant digits first, so the form suits the value
	// as shown (999.96 shows as 1k, not 1e+03).
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', sig-1, 64), 64)
	a := math.Abs(r)
	switch {
	case r == 0:
		return "0"
	case a >= 1e6 || a < 1e-3:
		s := strconv.FormatFloat(r, 'e', sig-1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		return mant + "e" + exp
	case a >= 1e3:
		return strconv.FormatFloat(r/1e3, 'g', sig, 64) + "k"
	}
	return strconv.FormatFloat(r, 'g', sig, 64)
}

// Binary units.
const (
	KiB = 1 << 10
	MiB = 1 << 20
	GiB = 1 << 30
)

// Bytes writes a size in binary units: 512 B, 3.5 KiB, 12.0 MiB, 79.6 GiB.
func Bytes(n uint64) string {
	switch {
	case n >= GiB:
		return strconv.FormatFloat(float64(n)/GiB, 'f', 1, 64) + " GiB"
	case n >= MiB:
		return strconv.FormatFloat(float64(n)/MiB, 'f', 1, 64) + " MiB"
	case n >= KiB:
		return strconv.FormatFloat(float64(n)/KiB, 'f', 1, 64) + " KiB"
	}
	return strconv.FormatUint(n, 10) + " B"
}

// GiBs writes a size as a number of GiB with one decimal (12.3), for a
// column or a pair whose unit is said once.
func GiBs(n uint64) string { return strconv.FormatFloat(float64(n)/GiB, 'f', 1, 64) }

// Devices writes device indices as 0,1 ("-" for none).
func Devices(devs []int) string {
	if len(devs) == 0 {
		return "-"
	}
	parts := make([]string, len(devs))
	for i, d := range devs {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ",")
}

// fitSig is the most significant digits NumberFit writes: a table's number
// reads at a glance.
const fitSig = 4

// NumberFit writes v in at most width cells with the most significant
// digits (up to four) that fit, in plain notation or compact exponent
// notation (1.9e-5, 3.2e12), whichever keeps more; it never cuts a number
// with …. When not even one digit fits, it is the shortest spelling, wider
// than width: the caller widens the column.
func NumberFit(v float64, width int) string {
	if s, ok := special(v); ok {
		return s
	}
	// A number of fitSig digits or more before the point is written whole
	// when it fits: 12346 reads better than 1.235e4.
	if a := math.Abs(v); a >= math.Pow10(fitSig-1) && a < 1e15 {
		if s := strconv.FormatFloat(v, 'f', 0, 64); len(s) <= width {
			return s
		}
	}
	shortest := ""
	for sig := fitSig; sig >= 1; sig-- {
		// Plain when it fits, else the exponent form: 0.00001234 is four
		// digits in ten cells, 1.234e-5 in eight.
		for _, s := range []string{compactExp(strconv.FormatFloat(v, 'g', sig, 64)), compactExp(strconv.FormatFloat(v, 'e', sig-1, 64))} {
			if len(s) <= width {
				return s
			}
			if shortest == "" || len(s) < len(shortest) {
				shortest = s
			}
		}
	}
	return shortest
}

// compactExp writes exponent notation in few cells: no "+", no leading
// zeros in the exponent, no trailing zeros in the mantissa (1.50e+06 is
// 1.5e6).
func compactExp(s string) string {
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	sign := ""
	if exp[0] == '-' || exp[0] == '+' {
		if exp[0] == '-' {
			sign = "-"
		}
		exp = exp[1:]
	}
	exp = strings.TrimLeft(exp, "0")
	if exp == "" {
		return mant
	}
	return mant + "e" + sign + exp
}
