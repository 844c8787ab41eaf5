package tui

import (
	"cmp"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/graph"
	"github.com/NimbleMarkets/ntcharts/canvas/runes"
	"github.com/NimbleMarkets/ntcharts/linechart"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// chartPoint is one point of a series.
type chartPoint struct {
	X, Y float64 // X is the step (or seconds since start), Y the value (may be NaN or ±Inf)
}

// chartSeries is one of the series of a chart that draws several (see
// SetSeries): its name, its points and the style of its line.
type chartSeries struct {
	Name   string
	Points []chartPoint
	Style  lipgloss.Style
}

// chart draws one metric as a line chart with axes, in a box of w×h cells:
// a title line, then the plot. It draws one series (SetPoints), or several
// in the same plot with shared axes (SetSeries), each in its own colour.
//
// How it uses ntcharts: a linechart.Model draws the axes and their labels;
// each line is drawn by the chart into an ntcharts braille grid
// (graph.BrailleGrid), segment by segment, and laid onto the linechart's
// canvas with graph.DrawBraillePatterns. ntcharts' own series drawing
// (timeserieslinechart/streamlinechart data sets, DrawBrailleLine) joins
// every point to the next, so a NaN could only be skipped, never shown as a
// break; and it keeps and re-scales every point it is given. Here each
// series is first downsampled to at most two points per plot column (see
// downsample), split at every gap (NaN, ±Inf, or not positive on a log
// scale) into runs of finite points (the segments), and only points of the
// same segment are joined by a line: a gap breaks the line. Series share
// the X and Y ranges; a cell where several lines meet shows all their dots,
// in the colour of the last series drawn there.
//
// Cost: a drawing reads the data once (twice with smoothing): the pass that
// downsamples also checks that the points are in X order, and gives the Y
// range; points out of order are sorted once and kept sorted.
type chart struct {
	title  string
	styles Styles
	w, h   int

	// The data of a single-series chart (SetPoints).
	chartData
	// traces are the series of a chart of several (SetSeries), drawn in
	// order; multi says the chart is one.
	traces []chartTrace
	multi  bool

	alpha float64 // EMA smoothing, 0 = off
	logY  bool
	// xLabel writes an X axis label; nil: the number.
	xLabel func(float64) string

	// The drawing (valid while viewOK).
	viewOK  bool
	view    string
	labelW  int // width of the Y labels at the last drawing
	renders int // times the drawing was computed (tests)
	drawn   int // points handed to ntcharts by the last drawing, all series (tests)
	// segments are the runs of finite points drawn as separate lines, of
	// every series (plot space: log10 on a log scale); bySeries splits them
	// by series (tests).
	segments [][]chartPoint
	bySeries [][][]chartPoint
}

// chartData is one series' data and what is plotted of it.
type chartData struct {
	raw   []chartPoint // the data as given (copied in), or sorted when clean
	clean bool         // raw is known to be in X order, with finite X only

	// What is plotted (valid while seriesOK), in linear space: raw, or raw
	// smoothed (then clean, stored in buf).
	seriesOK bool
	series   []chartPoint
	buf      []chartPoint
}

// chartTrace is one series of a chart of several.
type chartTrace struct {
	name  string
	style lipgloss.Style
	data  *chartData
}

// newChart returns a chart of the metric title; give it a size and points.
func newChart(title string, styles Styles) *chart {
	return &chart{title: title, styles: styles, labelW: 4}
}

// SetSize re-lays the chart out in w×h cells.
func (c *chart) SetSize(w, h int) {
	if w == c.w && h == c.h {
		return
	}
	c.w, c.h = w, h
	c.viewOK = false
}

// SetTitle renames the chart.
func (c *chart) SetTitle(title string) {
	if title != c.title {
		c.title, c.viewOK = title, false
	}
}

// SetPoints replaces the data. The points are copied; they need not be in X
// order. Points whose X is not finite are left out.
func (c *chart) SetPoints(pts []chartPoint) {
	if c.chartData.set(pts) {
		c.viewOK = false
	}
}

// SetSeries makes the chart one of several series, drawn in order in the
// same plot, each in its style (a later one over an earlier one where they
// meet), and replaces their data; points are taken as SetPoints takes them.
// A series whose name, style and points are the same as before keeps what
// was computed of it.
func (c *chart) SetSeries(series []chartSeries) {
	if !c.multi || len(series) != len(c.traces) {
		c.multi, c.viewOK = true, false
		c.traces = make([]chartTrace, len(series))
		for i := range c.traces {
			c.traces[i].data = &chartData{}
		}
	}
	for i, s := range series {
		t := &c.traces[i]
		if t.name != s.Name || !sameLook(t.style, s.Style) {
			t.name, t.style, c.viewOK = s.Name, s.Style, false
		}
		if t.data.set(s.Points) {
			c.viewOK = false
		}
	}
}

// sameLook reports whether two line styles draw alike (colour and weight).
func sameLook(a, b lipgloss.Style) bool {
	return a.GetForeground() == b.GetForeground() && a.GetBold() == b.GetBold()
}

// set replaces the data and reports whether it changed.
func (d *chartData) set(pts []chartPoint) bool {
	if len(pts) == len(d.raw) && chartSamePoints(pts, d.raw) {
		return false
	}
	if cap(d.raw) > 2*len(pts)+1024 { // don't hold on to a big array
		d.raw = nil
	}
	d.raw = append(d.raw[:0], pts...)
	d.clean = len(d.raw) == 0
	d.seriesOK = false
	return true
}

// chartSamePoints reports whether a and b (of the same length) hold the same
// bits, comparing from the end, where new data shows first.
func chartSamePoints(a, b []chartPoint) bool {
	for i := len(a) - 1; i >= 0; i-- {
		if math.Float64bits(a[i].Y) != math.Float64bits(b[i].Y) || math.Float64bits(a[i].X) != math.Float64bits(b[i].X) {
			return false
		}
	}
	return true
}

// SetSmoothing sets the EMA smoothing of Y: 0 is off; with alpha in (0,1),
// y_s = alpha*y_s_prev + (1-alpha)*y, starting from the first finite value
// (higher alpha is smoother). Values that are not finite are skipped: they
// stay gaps and leave the average as it was. Alpha ≥ 1 is taken as 0.999.
func (c *chart) SetSmoothing(alpha float64) {
	if !(alpha > 0) {
		alpha = 0
	}
	alpha = min(alpha, 0.999)
	if alpha == c.alpha {
		return
	}
	c.alpha = alpha
	c.seriesOK, c.viewOK = false, false
	for _, t := range c.traces {
		t.data.seriesOK = false
	}
}

// SetXLabels sets how X axis labels are written (durations, times ago);
// nil writes the numbers.
func (c *chart) SetXLabels(f func(float64) string) {
	c.xLabel = f
	c.viewOK = false
}

// SetLogY sets a log10 Y scale, where values that are not positive are gaps.
func (c *chart) SetLogY(on bool) {
	if on == c.logY {
		return
	}
	c.logY = on
	c.viewOK = false
}

// View draws the chart: exactly h lines of w cells. It is computed again
// only after a change of size, data or options.
func (c *chart) View() string {
	if !c.viewOK {
		c.view = c.render()
		c.viewOK = true
	}
	return c.view
}

// cleanRaw puts raw in X order and leaves out points whose X is not finite.
// alpha is the chart's smoothing: without, the series is the data.
func (d *chartData) cleanRaw(alpha float64) {
	if d.clean {
		return
	}
	d.clean = true
	sorted, finite := true, true
	prev := math.Inf(-1)
	for _, p := range d.raw {
		x := p.X
		if x-x != 0 {
			finite = false
			break
		}
		if x < prev {
			sorted = false
		}
		prev = x
	}
	if !finite {
		d.raw = slices.DeleteFunc(d.raw, func(p chartPoint) bool { return p.X-p.X != 0 })
		sorted = false
	}
	if !sorted {
		slices.SortStableFunc(d.raw, func(a, b chartPoint) int { return cmp.Compare(a.X, b.X) })
	}
	if alpha == 0 { // the series is the data
		d.series = d.raw
	}
}

// prepare computes the series: the raw data, or the data smoothed with
// alpha.
func (d *chartData) prepare(alpha float64) {
	if d.seriesOK {
		return
	}
	d.seriesOK = true
	if alpha == 0 {
		d.series = d.raw
		return
	}
	d.cleanRaw(alpha)
	out := slices.Grow(d.buf[:0], len(d.raw))
	a := alpha
	s, started := 0.0, false
	for _, p := range d.raw {
		y := p.Y
		switch {
		case y-y != 0: // NaN, ±Inf: a gap, skipped by the average
			y = math.NaN()
		case started:
			s = a*s + (1-a)*y
			y = s
		default:
			s, started = y, true
		}
		out = append(out, chartPoint{p.X, y})
	}
	d.buf, d.series = out, out
}

// downsampled gives the series (prepared with alpha) reduced to columns (at
// most two points a column, gaps as NaN markers), and the range of the
// values that can be drawn: finite, and positive on a log scale (ok false
// when there are none). Values are in linear space. After it, the series is
// in X order.
func (d *chartData) downsampled(columns int, logY bool, alpha float64) (pts []chartPoint, lo, hi float64, ok bool) {
	if len(d.series) <= columns {
		d.cleanRaw(alpha)
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, p := range d.series {
			if y := p.Y; y-y == 0 && (!logY || y > 0) {
				ok = true
				if y < lo {
					lo = y
				}
				if y > hi {
					hi = y
				}
			}
		}
		return d.series, lo, hi, ok
	}
	cols := make([]dsColumn, columns)
	if !d.clean {
		// Data usually comes in X order: downsample as if, checking.
		if n := len(d.raw); !dsBucketize(d.raw, cols, d.raw[0].X, d.raw[n-1].X, logY, true) {
			d.cleanRaw(alpha) // and start again: there may be fewer points now
			return d.downsampled(columns, logY, alpha)
		}
		d.clean = true
	} else {
		dsBucketize(d.series, cols, d.series[0].X, d.series[len(d.series)-1].X, logY, true)
	}
	lo, hi, ok = dsRange(cols)
	return dsEmit(d.series, cols), lo, hi, ok
}

// lastValue is the last finite value of the data, NaN when none.
func (d *chartData) lastValue(alpha float64) float64 {
	d.cleanRaw(alpha)
	for i := len(d.raw) - 1; i >= 0; i-- {
		if y := d.raw[i].Y; y-y == 0 {
			return y
		}
	}
	return math.NaN()
}

func (c *chart) lineStyle() lipgloss.Style {
	p := c.styles.Palette
	if p.Colourless() || len(p.Series) == 0 {
		return lipgloss.NewStyle()
	}
	h := fnv.New32a()
	h.Write([]byte(c.title))
	return lipgloss.NewStyle().Foreground(lipgloss.Color(p.Series[h.Sum32()%uint32(len(p.Series))]))
}

func (c *chart) mutedStyle() lipgloss.Style {
	if c.styles.Palette.Colourless() {
		return lipgloss.NewStyle()
	}
	return c.styles.Muted
}

// titleLine is the metric's name, its last finite value (of a single
// series: the legend of several says each one's) and the flags.
func (c *chart) titleLine() string {
	s := c.styles.Title.Render(c.title)
	if !c.multi {
		if v := c.lastValue(c.alpha); v-v == 0 {
			s += " " + c.styles.Text.Render(chartNum(v, 4))
		}
	}
	var flags []string
	if c.alpha > 0 {
		flags = append(flags, "EMA "+strconv.FormatFloat(c.alpha, 'g', 3, 64))
	}
	if c.logY {
		flags = append(flags, "log")
	}
	if len(flags) > 0 {
		s += " " + c.mutedStyle().Render(strings.Join(flags, " "))
	}
	return chartFit(s, c.w)
}

// chartFit cuts or pads s to exactly w cells.
func chartFit(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	if n := ansi.StringWidth(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// placeholder centres a muted message in w×h cells.
func (c *chart) placeholder(msg string, w, h int) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, c.mutedStyle().Render(ansi.Truncate(msg, w, "…")))
}

// plotted is what a drawing draws: the series of a chart of several, or the
// single series in the chart's line style.
func (c *chart) plotted() []chartTrace {
	if c.multi {
		return c.traces
	}
	return []chartTrace{{name: c.title, style: c.lineStyle(), data: &c.chartData}}
}

func (c *chart) render() string {
	c.renders++
	c.drawn, c.segments, c.bySeries = 0, nil, nil
	if c.w <= 0 || c.h <= 0 {
		return ""
	}
	traces := c.plotted()
	empty := true
	for _, t := range traces {
		t.data.prepare(c.alpha)
		empty = empty && len(t.data.raw) == 0
	}
	bw, bh := c.w, c.h-1 // the plot's box, below the title
	gh := bh - 2         // the plot area's height: below it the X axis and its labels
	var body string
	switch {
	case bh <= 0:
	case empty:
		body = c.placeholder("no points yet", bw, bh)
	case gh < 1 || bw < 8:
		body = c.placeholder("", bw, bh)
	default:
		body = c.plot(traces, bw, bh)
	}
	title := c.titleLine()
	if bh <= 0 {
		return title
	}
	return title + "\n" + body
}

// plot draws the series with axes in bw×bh cells.
func (c *chart) plot(traces []chartTrace, bw, bh int) string {
	gh := bh - 2
	// The plot's width depends on the Y labels' width, which depends on the
	// Y range, which comes from downsampling: downsample for the width the
	// last labels left, and again in the rare case the labels' width changed.
	columns := max(1, bw-c.labelW-1)
	pts := make([][]chartPoint, len(traces))
	reduce := func(columns int) (lo, hi float64, ok bool) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for i, t := range traces {
			p, l, h, o := t.data.downsampled(columns, c.logY, c.alpha)
			pts[i] = p
			if o {
				ok, lo, hi = true, min(lo, l), max(hi, h)
			}
		}
		return lo, hi, ok
	}
	lo, hi, ok := reduce(columns)
	switch {
	case !ok && c.logY:
		return c.placeholder("no positive values yet", bw, bh)
	case !ok:
		return c.placeholder("no finite values yet", bw, bh)
	}

	// Plot-space ranges: log10 on a log scale; a flat range is widened.
	if c.logY {
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	if hi == lo {
		d := math.Abs(lo) * 0.1
		if d == 0 {
			d = 1
		}
		lo, hi = lo-d, hi+d
	}
	// The X range of all series (each is in X order now).
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, t := range traces {
		if s := t.data.series; len(s) > 0 {
			xlo, xhi = min(xlo, s[0].X), max(xhi, s[len(s)-1].X)
		}
	}
	if xhi == xlo {
		xlo, xhi = xlo-1, xhi+1
	}

	// linechart labels the row i above the X axis with minY+i*(maxY-minY)/gh,
	// but the braille dot d above the bottom of the plot sits 0.625+d/4 rows
	// above the axis: give linechart the range that makes its labels true
	// for the dots, and leave out the label on the axis row itself (it would
	// be below the lowest value).
	yr := (hi - lo) * float64(4*gh) / float64(4*gh-1)
	ymin := lo - 0.625*yr/float64(gh)
	yfmt := func(i int, v float64) string {
		if i == 0 {
			return ""
		}
		if c.logY {
			return chartNum(math.Pow(10, v), 3)
		}
		return chartNum(chartSnapZero(v, yr), 3)
	}
	xfmt := func(_ int, v float64) string {
		if c.xLabel != nil {
			return c.xLabel(chartSnapZero(v, xhi-xlo))
		}
		return chartNum(chartSnapZero(v, xhi-xlo), 3)
	}
	xStep := max(len(xfmt(0, xlo)), len(xfmt(0, xhi)), len(xfmt(0, (xlo+xhi)/2))) + 3
	yStep := max(1, gh/4)
	muted := c.mutedStyle()
	lc := linechart.New(bw, bh, xlo, xhi, ymin, ymin+yr,
		linechart.WithXYSteps(xStep, yStep),
		linechart.WithStyles(muted, muted, traces[0].style),
		linechart.WithXLabelFormatter(xfmt),
		linechart.WithYLabelFormatter(yfmt))
	gw := lc.GraphWidth()
	if gw < 2 {
		return c.placeholder("", bw, bh)
	}
	c.labelW = lc.Origin().X
	if gw != columns {
		reduce(gw)
	}
	c.bySeries = make([][][]chartPoint, len(traces))
	for i, p := range pts {
		if c.logY {
			lp := make([]chartPoint, len(p)) // p may be the series itself
			for k, q := range p {
				lp[k] = chartPoint{q.X, math.NaN()}
				if q.Y > 0 {
					lp[k].Y = math.Log10(q.Y)
				}
			}
			p = lp
		}
		c.drawn += len(p)
		c.bySeries[i] = chartSegments(p)
		c.segments = append(c.segments, c.bySeries[i]...)
	}

	lc.DrawXYAxisAndLabel()
	origin := canvas.Point{X: lc.Origin().X + 1}
	styles := make([]lipgloss.Style, len(traces))
	// owner is, for each cell of the plot area, the last series drawn there
	// (-1: none); a single series needs none.
	var owner []int
	if len(traces) > 1 {
		owner = make([]int, gw*gh)
		for i := range owner {
			owner[i] = -1
		}
	}
	for i, segs := range c.bySeries {
		styles[i] = traces[i].style
		grid := graph.NewBrailleGrid(gw, gh, xlo, xhi, lo, hi)
		for _, seg := range segs {
			a := grid.GridPoint(canvas.Float64Point{X: seg[0].X, Y: seg[0].Y})
			grid.Set(a)
			for _, p := range seg[1:] {
				b := grid.GridPoint(canvas.Float64Point{X: p.X, Y: p.Y})
				for _, d := range graph.GetLinePoints(a, b) {
					grid.Set(d)
				}
				a = b
			}
		}
		patterns := grid.BraillePatterns()
		graph.DrawBraillePatterns(&lc.Canvas, origin, patterns, traces[i].style)
		if owner != nil {
			for y, row := range patterns {
				for x, r := range row {
					if r != runes.BrailleBlockOffset && y < gh && x < gw {
						owner[y*gw+x] = i
					}
				}
			}
		}
	}
	return chartCanvasPaint(&lc.Canvas, styles, owner, origin.X, gw, muted)
}

// chartCanvasView renders a chart's canvas like its View, but styles runs of
// cells at once rather than cell by cell, which is most of the cost of
// View: braille cells (the line) in line, other cells (axes, labels) in
// muted.
func chartCanvasView(cv *canvas.Model, line, muted lipgloss.Style) string {
	return chartCanvasPaint(cv, []lipgloss.Style{line}, nil, 0, 0, muted)
}

// chartCanvasPaint renders a chart's canvas as chartCanvasView does, with
// the lines of several series: the braille cell at (x, y) of the canvas is
// in lines[owner[y*w+x-x0]] (the plot area starts at column x0 and is w
// cells wide; a nil owner, or -1 in it: lines[0]).
func chartCanvasPaint(cv *canvas.Model, lines []lipgloss.Style, owner []int, x0, w int, muted lipgloss.Style) string {
	var b strings.Builder
	var run []rune
	runLine, runOwner := false, 0
	// A style's escape sequences, taken once: rendering each run through
	// lipgloss was most of a chart's cost.
	type codes struct{ on, off string }
	lineCodes := make([]codes, len(lines))
	for i, l := range lines {
		lineCodes[i].on, lineCodes[i].off = styleCodes(l)
	}
	mutedOn, mutedOff := styleCodes(muted)
	flush := func() {
		if len(run) > 0 {
			if runLine {
				b.WriteString(lineCodes[runOwner].on + string(run) + lineCodes[runOwner].off)
			} else {
				b.WriteString(mutedOn + string(run) + mutedOff)
			}
			run = run[:0]
		}
	}
	for y := range cv.Height() {
		if y > 0 {
			b.WriteByte('\n')
		}
		for x := range cv.Width() {
			r := cv.Cell(canvas.Point{X: x, Y: y}).Rune
			if r == 0 {
				flush()
				b.WriteByte(' ')
				continue
			}
			isLine := runes.IsBraillePattern(r)
			who := 0
			if isLine && owner != nil {
				if i := y*w + x - x0; x >= x0 && x-x0 < w && i < len(owner) && owner[i] > 0 {
					who = owner[i]
				}
			}
			if len(run) > 0 && (isLine != runLine || isLine && who != runOwner) {
				flush()
			}
			runLine, runOwner = isLine, who
			run = append(run, r)
		}
		flush()
	}
	return b.String()
}

// styleCodes returns what a style (colours and attributes only) writes
// before and after a text.
func styleCodes(st lipgloss.Style) (on, off string) {
	out := st.Render("x")
	i := strings.LastIndexByte(out, 'x')
	if i < 0 {
		return "", ""
	}
	return out[:i], out[i+1:]
}

// chartSnapZero makes a label value that is zero but for rounding errors (the
// labels are computed as min+i*step) exactly zero.
func chartSnapZero(v, span float64) float64 {
	if math.Abs(v) < span*1e-6 {
		return 0
	}
	return v
}

// chartSegments splits points at every value that is not finite into runs
// of finite points: each is drawn as its own line, so gaps break the line.
func chartSegments(pts []chartPoint) [][]chartPoint {
	var segs [][]chartPoint
	start := -1
	for i, p := range pts {
		switch {
		case p.Y-p.Y == 0:
			if start < 0 {
				start = i
			}
		case start >= 0:
			segs = append(segs, pts[start:i:i])
			start = -1
		}
	}
	if start >= 0 {
		segs = append(segs, pts[start:len(pts):len(pts)])
	}
	return segs
}

// downsample reduces pts to at most two points per column, so a chart is
// never given more than it can draw. The X range of the points is split
// into columns equal parts; of each column's finite values it keeps the
// least and the greatest (so spikes survive), in X order. A column with no
// finite value (only NaN or ±Inf) gives one gap marker, a point whose Y is
// NaN, so the line breaks there; a column with both keeps the marker and
// whichever of its least and greatest is farther from the line so far (the
// greatest when there is none). Points whose X is not finite are left out.
// The result is in X order (points of equal X in their order in pts). With
// columns ≥ len(pts), pts is returned as it is.
func downsample(pts []chartPoint, columns int) []chartPoint {
	if columns <= 0 {
		return nil
	}
	if columns >= len(pts) {
		return pts
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		if x := p.X; x-x == 0 {
			if x < lo {
				lo = x
			}
			if x > hi {
				hi = x
			}
		}
	}
	if lo > hi {
		return nil
	}
	cols := make([]dsColumn, columns)
	if !dsBucketize(pts, cols, lo, hi, false, true) {
		dsBucketize(pts, cols, lo, hi, false, false)
	}
	return dsEmit(pts, cols)
}

// dsColumn is what downsampling keeps of a column.
type dsColumn struct {
	has        bool    // a drawable value
	min, max   float64 // the least and greatest drawable values
	iMin, iMax int     // their indices (first ones)
	gap        int     // index of the first gap (a value not drawable), -1 when none
}

// dsBucketize gathers into cols the points of pts, over the X range [lo, hi]
// split in len(cols) equal columns, in one pass: point (x, y) goes to column
// int((x-lo)*len(cols)/(hi-lo)), the last column taking x = hi too. Values
// that are not finite are gaps, and so are values that are not positive
// with positive. Points whose X is not finite are skipped.
//
// With inOrder, pts must be in X order from lo to hi, and dsBucketize checks
// it as it goes: it stops and reports false at the first point that is not.
// Points in X order come in runs of the same column: a run is gathered in
// locals (the loop stays in registers), and the next column's first X is
// known, so the column is computed once per column rather than per point.
func dsBucketize(pts []chartPoint, cols []dsColumn, lo, hi float64, positive, inOrder bool) bool {
	if lo-lo != 0 || hi-hi != 0 || hi < lo || len(cols) == 0 {
		return false
	}
	for i := range cols {
		cols[i] = dsColumn{gap: -1}
	}
	last := len(cols) - 1
	scale := 0.0
	if hi > lo {
		scale = float64(len(cols)) / (hi - lo)
	}
	column := func(x float64) int { return min(int((x-lo)*scale), last) }

	if !inOrder {
		for i, p := range pts {
			if p.X-p.X != 0 {
				continue
			}
			y := p.Y
			gap := y-y != 0 || positive && y <= 0
			cols[column(p.X)].add(y, i, gap)
		}
		return true
	}

	// start returns the least X of column j+1 (+Inf past the last column):
	// the boundary estimate, corrected to the exact one of column().
	// (Should the correction not converge, a column's points would come in
	// more than one run, which merge handles.)
	start := func(j int) float64 {
		if j >= last || scale == 0 {
			return math.Inf(1)
		}
		b := lo + float64(j+1)/scale
		for k := 0; k < 64 && b > lo && column(b) > j; k++ {
			b = math.Nextafter(b, math.Inf(-1))
		}
		for k := 0; k < 64 && column(b) <= j; k++ {
			b = math.Nextafter(b, math.Inf(1))
		}
		return b
	}
	floor, inf := math.Inf(-1), math.Inf(1)
	if positive {
		floor = 0
	}
	prev := lo
	for i := 0; i < len(pts); {
		x := pts[i].X
		if !(x >= prev) || x > hi { // out of order, NaN, or past the end
			return false
		}
		// The run of points of x's column: up to the next column's first X.
		j := column(x)
		next := start(j)
		prev = x
		k := i + 1
		for ; k < len(pts); k++ {
			x := pts[k].X
			if !(x >= prev) {
				return false
			}
			if x >= next {
				break
			}
			prev = x
		}
		var (
			has        bool
			mn, mx     float64
			iMin, iMax int
			gap        = -1
		)
		for m := i; m < k; m++ {
			y := pts[m].Y
			switch {
			case !(y > floor && y < inf): // NaN, ±Inf, or not positive with positive
				if gap < 0 {
					gap = m
				}
			case !has:
				has, mn, mx, iMin, iMax = true, y, y, m, m
			case y < mn:
				mn, iMin = y, m
			case y > mx:
				mx, iMax = y, m
			}
		}
		cols[j].merge(has, mn, mx, iMin, iMax, gap)
		i = k
	}
	return prev == hi
}

// add adds the value y of point i to the column; gap says it is not
// drawable. The first of equal values is kept.
func (b *dsColumn) add(y float64, i int, gap bool) {
	switch {
	case gap:
		if b.gap < 0 {
			b.gap = i
		}
	case !b.has:
		b.has, b.min, b.max, b.iMin, b.iMax = true, y, y, i, i
	case y < b.min:
		b.min, b.iMin = y, i
	case y > b.max:
		b.max, b.iMax = y, i
	}
}

// merge adds a run of points gathered apart, that comes after the points
// already in the column.
func (b *dsColumn) merge(has bool, mn, mx float64, iMin, iMax, gap int) {
	if has {
		if !b.has {
			b.has, b.min, b.max, b.iMin, b.iMax = true, mn, mx, iMin, iMax
		} else {
			if mn < b.min {
				b.min, b.iMin = mn, iMin
			}
			if mx > b.max {
				b.max, b.iMax = mx, iMax
			}
		}
	}
	if gap >= 0 && b.gap < 0 {
		b.gap = gap
	}
}

// dsRange is the range of the drawable values of cols.
func dsRange(cols []dsColumn) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, b := range cols {
		if b.has {
			ok = true
			lo, hi = min(lo, b.min), max(hi, b.max)
		}
	}
	return lo, hi, ok
}

// dsEmit gives the points downsampling keeps of each column of pts.
func dsEmit(pts []chartPoint, cols []dsColumn) []chartPoint {
	// before reports whether pts[i] comes before pts[j] in X order.
	before := func(i, j int) bool {
		return pts[i].X < pts[j].X || pts[i].X == pts[j].X && i < j
	}
	out := make([]chartPoint, 0, 2*len(cols))
	line := math.NaN() // the last value kept
	for _, b := range cols {
		switch {
		case !b.has && b.gap < 0: // an empty column
		case !b.has:
			out = append(out, chartPoint{X: pts[b.gap].X, Y: math.NaN()})
		case b.gap >= 0:
			keep := b.iMax
			if math.Abs(b.min-line) > math.Abs(b.max-line) {
				keep = b.iMin
			}
			marker := chartPoint{X: pts[b.gap].X, Y: math.NaN()}
			if before(keep, b.gap) {
				out = append(out, pts[keep], marker)
			} else {
				out = append(out, marker, pts[keep])
			}
			line = pts[keep].Y
		case b.iMin == b.iMax:
			out = append(out, pts[b.iMin])
			line = b.min
		default:
			i, j := b.iMin, b.iMax
			if before(j, i) {
				i, j = j, i
			}
			out = append(out, pts[i], pts[j])
			line = pts[j].Y
		}
	}
	return out
}

// chartNum formats an axis or title number short: at most sig significant
// digits, thousands as k (1.2k), and very large or small values in
// exponent form (2.5e+06, 1e-05).
func chartNum(v float64, sig int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
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
