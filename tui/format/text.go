package format

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Fit cuts s to w cells, marking the cut with …. Colour codes do not count.
func Fit(s string, w int) string { return ansi.Truncate(s, w, "…") }

// Pad fills s with blanks to w cells, or cuts it to w.
func Pad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return Fit(s, w)
}

// Box makes s exactly h lines, each cut to w cells (the terminal clears
// what a short line leaves). It is what lipgloss's Width, Height and
// MaxHeight do, at a fraction of the cost: no wrapping, no padding of the
// lines, which a frame pays at every redraw.
func Box(s string, w, h int) string {
	lines := strings.SplitN(strings.TrimSuffix(s, "\n"), "\n", h+1)
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = Fit(l, w)
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// Bar draws a fraction as a bar of w cells; NaN as dots.
func Bar(frac float64, w int) string {
	if math.IsNaN(frac) {
		return strings.Repeat("·", w)
	}
	n := int(math.Round(min(max(frac, 0), 1) * float64(w)))
	return strings.Repeat("█", n) + strings.Repeat("░", w-n)
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last w values as bars from lo to hi (a NaN bound:
// the values' own range); NaN and infinities are gaps.
func Sparkline(vals []float64, w int, lo, hi float64) string {
	if len(vals) > w {
		vals = vals[len(vals)-w:]
	}
	if math.IsNaN(lo) || math.IsNaN(hi) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, v := range vals {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	var b strings.Builder
	for _, v := range vals {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(sparks[len(sparks)/2])
		default:
			i := int((v - lo) / (hi - lo) * float64(len(sparks)-1))
			b.WriteRune(sparks[min(max(i, 0), len(sparks)-1)])
		}
	}
	return Pad(b.String(), w)
}

// Caret writes an expression on one line and, under it, a ^ at a byte
// offset of it: where a parser stopped. Blanks and control characters
// show as spaces, so the expression stays on one line and the ^ lines up;
// wide characters count as wide.
func Caret(expr string, pos int) (line, caret string) {
	pos = min(max(pos, 0), len(expr))
	for pos > 0 && pos < len(expr) && !utf8.RuneStart(expr[pos]) {
		pos--
	}
	line = printable(expr)
	return line, strings.Repeat(" ", ansi.StringWidth(printable(expr[:pos]))) + "^"
}

// printable replaces blanks and control characters by a space and invalid
// UTF-8 by U+FFFD, one for one.
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

// Plural writes a count of things: "1 package", "53 packages", "2
// processes", "3 entries".
func Plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	if stem, ok := strings.CutSuffix(thing, "y"); ok && stem != "" && !strings.ContainsRune("aeiou", rune(stem[len(stem)-1])) {
		return fmt.Sprintf("%d %sies", n, stem)
	}
	for _, end := range []string{"s", "x", "ch", "sh"} {
		if strings.HasSuffix(thing, end) {
			return fmt.Sprintf("%d %ses", n, thing)
		}
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// FitMiddle cuts s to w cells in its middle, marking the cut with …: the
// start and the end stay, where names of a sweep differ (lr0.1-seed1,
// lr0.1-seed2). Colour codes are not expected.
func FitMiddle(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w < 5 {
		return Fit(s, w)
	}
	r := []rune(s)
	tail := (w - 1) / 2
	head := w - 1 - tail
	for ansi.StringWidth(string(r[len(r)-tail:])) > tail && tail > 0 {
		tail--
	}
	return Fit(string(r[:len(r)-tail]), head+1) + string(r[len(r)-tail:])
}

// WrapItems lays items out on lines of w cells, sep between them on a
// line, breaking only between items (an item is not split: "3 trials, 2
// at once" reads whole); an item wider than w is cut. Colour codes do not
// count.
func WrapItems(items []string, sep string, w int) []string {
	var lines []string
	line, lineW := "", 0
	sepW := ansi.StringWidth(sep)
	for _, it := range items {
		itW := ansi.StringWidth(it)
		switch {
		case line == "":
		case lineW+sepW+itW <= w:
			line, lineW = line+sep+it, lineW+sepW+itW
			continue
		default:
			lines = append(lines, line)
		}
		line, lineW = Fit(it, w), min(itW, w)
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
