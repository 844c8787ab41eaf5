package chart

import (
	"fmt"
	"math"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"lathe/tui/styles"
)

// SeriesStyle is the style of the i-th of several series drawn together:
// the palette's series colours first, then as many more as needed, each
// hue far from the ones before (steps of the golden angle), so that a
// comparison of many runs keeps its curves apart. Without colour it is
// plain: the series are then told apart by their marks (see LegendMark).
func SeriesStyle(s styles.Styles, i int) lipgloss.Style {
	p := s.Palette
	if p.Colourless() || i < 0 {
		return lipgloss.NewStyle()
	}
	if i < len(p.Series) {
		return lipgloss.NewStyle().Foreground(lipgloss.Color(p.Series[i]))
	}
	hue := math.Mod(float64(i-len(p.Series))*137.508+17, 360)
	return lipgloss.NewStyle().Foreground(lipgloss.Color(hslHex(hue, 0.55, 0.65)))
}

// hslHex writes a colour given by hue (degrees), saturation and lightness
// as #rrggbb.
func hslHex(h, s, l float64) string {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	byte := func(v float64) int { return int(math.Round((v + m) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", byte(r), byte(g), byte(b))
}

// Marked reports that series cannot be told apart by colour (NO_COLOR,
// the no-colour theme, a terminal without colour): a chart of several
// then draws the second and later series with marks of their own.
func Marked(s styles.Styles) bool {
	return s.Palette.Colourless() || lipgloss.ColorProfile() == termenv.Ascii
}

// seriesMarks mark the points of the second and later series when there
// is no colour (ASCII, one cell wide everywhere); the first is a line.
// None repeats before 26 series (a comparison's A to Z).
var seriesMarks = []rune("xo+*#%@=&$~^?!<>vsdwzkn:;|")

// seriesMark is the mark of the i-th series, 0 for the first (a line).
func seriesMark(i int) rune {
	if i <= 0 {
		return 0
	}
	return seriesMarks[(i-1)%len(seriesMarks)]
}

// LegendMark is what a legend shows of the i-th series, two cells wide
// (draw it in SeriesStyle): a line, or without colour its mark.
func LegendMark(s styles.Styles, i int) string {
	if m := seriesMark(i); m != 0 && Marked(s) {
		return string([]rune{m, m})
	}
	return "━━"
}
