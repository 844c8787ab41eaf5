package metricline

import (
	"math"
	"strconv"
)

// number is a JSON number as scanned: its text, and, for the fast path, its
// value as mant × 10^exp when mant holds every significant digit.
type number struct {
	text []byte
	mant uint64
	exp  int
	nd   int // significant digits (leading zeros excluded)
	neg  bool
}

// maxExp caps exponents while scanning so that arithmetic on them cannot
// overflow; any exponent this large is out of range for every use here.
const maxExp = 1 << 24

// readNumber scans the JSON number at i, checking the JSON grammar (which
// is stricter than strconv's: no leading zeros, '+', '.5', hex or '_').
func (s *scanner) readNumber() (number, error) {
	b := s.b
	i := s.i
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	// mant collects up to 19 significant digits, nd counts them all, and
	// the value is mant × 10^exp while nd ≤ 19. Locals rather than fields
	// of a number keep this loop in registers.
	var mant uint64
	nd, exp := 0, 0
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for ; i < len(b) && isDigit(b[i]); i++ {
			if nd < 19 {
				mant = mant*10 + uint64(b[i]-'0')
			} else {
				exp++ // a digit that did not fit
			}
			nd++
		}
	default:
		s.i = i
		return number{}, s.errSyntax()
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			s.i = i
			return number{}, s.errSyntax()
		}
		for ; i < len(b) && isDigit(b[i]); i++ {
			d := uint64(b[i] - '0')
			switch {
			case nd == 0 && d == 0: // leading zero of 0.00x
				exp--
			case nd < 19:
				mant = mant*10 + d
				exp--
				nd++
			default:
				nd++
			}
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			s.i = i
			return number{}, s.errSyntax()
		}
		e := 0
		for ; i < len(b) && isDigit(b[i]); i++ {
			if e < maxExp {
				e = e*10 + int(b[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	n := number{text: b[s.i:i], mant: mant, exp: exp, nd: nd, neg: neg}
	s.i = i
	return n, nil
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// float returns the value of n; ok is false when it overflows float64.
// Values underflowing to zero are accepted as zero, as strconv does.
func (n *number) float() (f float64, ok bool) {
	// Clinger's fast path, the same one strconv takes first, but without
	// converting the text to a string and re-scanning it: an integer below
	// 2^53 times or divided by an exact power of ten is correctly rounded.
	if n.nd <= 15 && -22 <= n.exp && n.exp <= 22 {
		f = float64(n.mant)
		if n.exp < 0 {
			f /= pow10[-n.exp]
		} else {
			f *= pow10[n.exp]
		}
		if n.neg {
			f = -f
		}
		return f, true
	}
	if n.nd == 0 { // 0, -0.000e99 ...
		if n.neg {
			return math.Copysign(0, -1), true
		}
		return 0, true
	}
	f, err := strconv.ParseFloat(string(n.text), 64)
	return f, err == nil
}

// decimalToInt returns round(x × 10^scale) for the JSON number text x,
// computed exactly in decimal (so 1732280000.123 s is 1732280000123000 µs
// with no binary rounding), rounding halves away from zero. exact reports
// that nothing was rounded off; ok is false when the result does not fit an
// int64. text must have been checked by readNumber.
func decimalToInt(text []byte, scale int) (v int64, exact, ok bool) {
	i := 0
	neg := len(text) > 0 && text[0] == '-'
	if neg {
		i++
	}
	intStart := i
	for i < len(text) && isDigit(text[i]) {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(text) && text[i] == '.' {
		i++
		fracStart = i
		for i < len(text) && isDigit(text[i]) {
			i++
		}
		fracEnd = i
	}
	exp := 0
	if i < len(text) { // 'e' or 'E'
		i++
		eneg := false
		if i < len(text) && (text[i] == '+' || text[i] == '-') {
			eneg = text[i] == '-'
			i++
		}
		for ; i < len(text); i++ {
			if exp < maxExp {
				exp = exp*10 + int(text[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	nInt := intEnd - intStart
	nd := nInt + fracEnd - fracStart
	// x × 10^scale = D × 10^shift, D being all digits as one integer; the
	// first cut digits of D form the integer part of the result.
	cut := nd + exp - (fracEnd - fracStart) + scale

	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var acc uint64
	exact = true
	roundUp := false
	for j := 0; j < nd; j++ {
		var d uint64
		if j < nInt {
			d = uint64(text[intStart+j] - '0')
		} else {
			d = uint64(text[fracStart+j-nInt] - '0')
		}
		switch {
		case j < cut:
			if acc > (limit-d)/10 {
				return 0, false, false
			}
			acc = acc*10 + d
		case j == cut:
			roundUp = d >= 5
			exact = exact && d == 0
		default:
			exact = exact && d == 0
		}
	}
	if acc != 0 {
		for k := nd; k < cut; k++ { // stops within 19 rounds by overflowing
			if acc > limit/10 {
				return 0, false, false
			}
			acc *= 10
		}
	}
	if roundUp {
		if acc == limit {
			return 0, false, false
		}
		acc++
	}
	if neg {
		return int64(-acc), exact, true // -(1<<63) wraps to MinInt64 as intended
	}
	return int64(acc), exact, true
}

// clip shortens text for an error message, so that an error never carries
// a whole (possibly huge) line.
func clip(b []byte) string {
	const max = 40
	if len(b) <= max {
		return string(b)
	}
	return string(b[:max]) + "…"
}

// quoteName quotes a (possibly invalid) name for an error message.
func quoteName(b []byte) string {
	const max = 60
	if len(b) <= max {
		return strconv.Quote(string(b))
	}
	cut := max
	for cut > 0 && b[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return strconv.Quote(string(b[:cut])) + "…"
}
