package chart

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
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
)

// Point is one point of a series.
type Point struct {
	X, Y float64 // X is the step (or seconds since start), Y the value (may be NaN or ±Inf)
}

// Series is one of the series of a chart that draws several (see
// SetSeries): its name, its points and the style of its line.
type Series struct {
	Name   string
	Points []Point
	Style  lipgloss.Style
	// Nth is which series it is among all that could be drawn, from 1, for
	// its colour (when Style has none) and its mark without colour; 0: its
	// place in the slice. A comparison sets it so that a run keeps its
	// colour and mark when others are hidden or it is pinned on top.
	Nth int
}

// Chart draws one metric as a line chart with axes, in a box of w×h cells:
// a title line, then the plot. It draws one series (SetPoints), or several
// in the same plot with shared axes (SetSeries), each in its own colour.
//
// How it uses ntcharts: a linechart.Model draws the axes; the labels are
// the chart's own, on round values where they fall (linechart labels
// evenly spaced rows and columns with whatever value lands there); each
// line is drawn by the chart into an ntcharts braille grid
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
type Chart struct {
	title  string
	styles styles.Styles
	keys   KeyMap
	w, h   int

	// The data of a single-series chart (SetPoints).
	seriesData
	// traces are the series of a chart of several (SetSeries), drawn in
	// order; multi says the chart is one.
	traces []trace
	multi  bool

	alpha float64 // EMA smoothing, 0 = off
	logY  bool
	heat  bool // a heat strip of the values rather than a line (one series)
	// xLabel writes an X axis label; nil: the number. xName names the X
	// axis (step, time), at the end of its labels.
	xLabel func(float64) string
	xName  string
	// fixed is a Y range the plot always shows (0–100 for a percentage),
	// widened only by values outside it; nil: the values' range.
	fixed *[2]float64
	// zoom is the X range drawn; nil: all the data.
	zoom *[2]float64
	// cursor is the inspector's X, drawn as a vertical line with the values
	// there in the title; nil: no inspector.
	cursor *float64
	// marks are X values drawn as vertical lines behind the series (a
	// sweep's early-stopping rungs), those in the X range drawn.
	marks []float64

	// The drawing (valid while viewOK).
	viewOK  bool
	view    string
	labelW  int // width of the Y labels at the last drawing
	renders int // times the drawing was computed (see Renders)
	drawn   int // points handed to ntcharts by the last drawing, all series (tests)
	// segments are the runs of finite points drawn as separate lines, of
	// every series (plot space: log10 on a log scale); bySeries splits them
	// by series (tests).
	segments [][]Point
	bySeries [][][]Point
	// plotAxes is where the last drawing put its plot (ok false: none), to
	// read the X under a column (XAt).
	plotAxes   axes
	plotAxesOK bool
}

// seriesData is one series' data and what is plotted of it.
type seriesData struct {
	raw   []Point // the data as given (copied in), or sorted when clean
	clean bool    // raw is known to be in X order, with finite X only

	// What is plotted (valid while seriesOK), in linear space: raw, or raw
	// smoothed (then clean, stored in buf).
	seriesOK bool
	series   []Point
	buf      []Point
}

// trace is one series of a chart of several.
type trace struct {
	name  string
	style lipgloss.Style
	nth   int // its series' number from 0 (Series.Nth-1, or its place)
	data  *seriesData
}

// New returns a chart of the metric title; give it a size and points.
func New(title string, s styles.Styles, k KeyMap) *Chart {
	c := &Chart{title: title, styles: s, keys: k, labelW: 4}
	c.updateKeys()
	return c
}

// Update takes the chart's keys: they set its options. A chart of several
// series has no heat strip: L goes linear, log and back.
func (c *Chart) Update(msg tea.Msg) (*Chart, tea.Cmd) {
	if o, ok := c.keys.Toggle(c.Options(), msg); ok {
		if c.multi && o.Heat {
			o.Heat = false
		}
		c.SetOptions(o)
	}
	return c, nil
}

// ShortHelp and FullHelp are the chart's keys (help.KeyMap): those that
// work now (smoothing's steps short of their ends).
func (c *Chart) ShortHelp() []key.Binding { return keyhelp.Enabled(c.keys.ShortHelp()...) }
func (c *Chart) FullHelp() [][]key.Binding {
	k := c.keys
	return [][]key.Binding{keyhelp.Enabled(k.Smooth, k.Rougher, k.Smoother), {k.LogScale}}
}

// updateKeys enables smoothing's steps short of their ends.
func (c *Chart) updateKeys() {
	c.keys.Smoother.SetEnabled(c.alpha < smoothingSteps[len(smoothingSteps)-1])
	c.keys.Rougher.SetEnabled(c.alpha > 0)
}

// Options says how the chart draws: smoothed, on a log scale, as a heat
// strip.
func (c *Chart) Options() Options {
	return Options{Smooth: c.alpha > 0, Alpha: c.alpha, LogY: c.logY, Heat: c.heat}
}

// SetOptions draws the chart as o says: smoothed with its weight, or not;
// on a log scale or not; as a heat strip (a chart of one series) or not.
func (c *Chart) SetOptions(o Options) {
	c.SetSmoothing(o.weight())
	c.SetLogY(o.LogY && !o.Heat)
	if o.Heat != c.heat {
		c.heat, c.viewOK = o.Heat, false
	}
}

// SetYRange makes the plot show lo–hi whatever the values (widened only by
// values outside it), so that a flat line reads flat: utilisation on
// 0–100%, memory on 0–total. hi ≤ lo goes back to the values' range.
func (c *Chart) SetYRange(lo, hi float64) {
	var r *[2]float64
	if hi > lo {
		r = &[2]float64{lo, hi}
	}
	if !sameRange(r, c.fixed) {
		c.fixed, c.viewOK = r, false
	}
}

// SetXRange draws only the points with X in lo–hi (a zoom); hi ≤ lo, or
// NaN, draws all the data.
func (c *Chart) SetXRange(lo, hi float64) {
	var r *[2]float64
	if hi > lo {
		r = &[2]float64{lo, hi}
	}
	if !sameRange(r, c.zoom) {
		c.zoom, c.viewOK = r, false
	}
}

func sameRange(a, b *[2]float64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// SetCursor shows the inspector at X x (a vertical line, the values there
// in the title), or hides it when on is false.
func (c *Chart) SetCursor(x float64, on bool) {
	switch {
	case !on && c.cursor != nil:
		c.cursor, c.viewOK = nil, false
	case on && (c.cursor == nil || *c.cursor != x):
		c.cursor, c.viewOK = &x, false
	}
}

// SetMarks draws a vertical line at each X of xs behind the series (where
// a sweep's early stopping decides); nil draws none.
func (c *Chart) SetMarks(xs []float64) {
	if !slices.Equal(xs, c.marks) {
		c.marks, c.viewOK = slices.Clone(xs), false
	}
}

// The names of the X axes a chart knows: on XTime, X is seconds and is
// labelled at round durations.
const (
	XStep = "step"
	XTime = "time"
)

// SetXName names the X axis (XStep, XTime or another); it is written at
// the end of the X labels.
func (c *Chart) SetXName(name string) {
	if name != c.xName {
		c.xName, c.viewOK = name, false
	}
}

// XRange is the X range of the data of every series (ok false without
// points).
func (c *Chart) XRange() (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, t := range c.plotted() {
		t.data.prepare(c.alpha)
		t.data.cleanRaw(c.alpha)
		if s := t.data.series; len(s) > 0 {
			lo, hi, ok = min(lo, s[0].X), max(hi, s[len(s)-1].X), true
		}
	}
	return lo, hi, ok
}

// ValueAt is the value of the i-th series (0 for a chart of one) drawn
// nearest X x, smoothed as drawn: NaN when the series has no point, or x
// is outside its X range.
func (c *Chart) ValueAt(i int, x float64) float64 {
	ts := c.plotted()
	if i < 0 || i >= len(ts) {
		return math.NaN()
	}
	d := ts[i].data
	d.prepare(c.alpha)
	d.cleanRaw(c.alpha)
	return valueNear(d.series, x)
}

// valueNear is the Y of the point of pts (in X order) nearest x, NaN when
// x is outside their X range.
func valueNear(pts []Point, x float64) float64 {
	n := len(pts)
	if n == 0 || x < pts[0].X || x > pts[n-1].X {
		return math.NaN()
	}
	j, _ := slices.BinarySearchFunc(pts, x, func(p Point, x float64) int { return cmp.Compare(p.X, x) })
	switch {
	case j >= n:
		j = n - 1
	case j > 0 && x-pts[j-1].X < pts[j].X-x:
		j--
	}
	return pts[j].Y
}

// Renders counts the times the drawing was computed: View draws again only
// after a change (tests and benchmarks check it).
func (c *Chart) Renders() int { return c.renders }

// SetSize re-lays the chart out in w×h cells.
func (c *Chart) SetSize(w, h int) {
	if w == c.w && h == c.h {
		return
	}
	c.w, c.h = w, h
	c.viewOK = false
}

// SetTitle renames the chart.
func (c *Chart) SetTitle(title string) {
	if title != c.title {
		c.title, c.viewOK = title, false
	}
}

// SetPoints replaces the data. The points are copied; they need not be in X
// order. Points whose X is not finite are left out.
func (c *Chart) SetPoints(pts []Point) {
	if c.seriesData.set(pts) {
		c.viewOK = false
	}
}

// SetSeries makes the chart one of several series, drawn in order in the
// same plot, each in its style (a later one over an earlier one where they
// meet; a series without a colour gets SeriesStyle's), and replaces their
// data; points are taken as SetPoints takes them.
// A series whose name, style and points are the same as before keeps what
// was computed of it.
func (c *Chart) SetSeries(series []Series) {
	if !c.multi || len(series) != len(c.traces) {
		c.multi, c.viewOK = true, false
		c.traces = make([]trace, len(series))
		for i := range c.traces {
			c.traces[i].data = &seriesData{}
		}
	}
	for i, s := range series {
		t := &c.traces[i]
		nth := i
		if s.Nth > 0 {
			nth = s.Nth - 1
		}
		st := s.Style
		if _, unset := st.GetForeground().(lipgloss.NoColor); unset {
			st = SeriesStyle(c.styles, nth)
		}
		if t.name != s.Name || t.nth != nth || !sameLook(t.style, st) {
			t.name, t.nth, t.style, c.viewOK = s.Name, nth, st, false
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
func (d *seriesData) set(pts []Point) bool {
	if len(pts) == len(d.raw) && samePoints(pts, d.raw) {
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

// samePoints reports whether a and b (of the same length) hold the same
// bits, comparing from the end, where new data shows first.
func samePoints(a, b []Point) bool {
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
func (c *Chart) SetSmoothing(alpha float64) {
	if !(alpha > 0) {
		alpha = 0
	}
	alpha = min(alpha, 0.999)
	if alpha == c.alpha {
		return
	}
	c.alpha = alpha
	c.updateKeys()
	c.seriesOK, c.viewOK = false, false
	for _, t := range c.traces {
		t.data.seriesOK = false
	}
}

// SetXLabels sets how X axis labels are written (durations, times ago);
// nil writes the numbers.
func (c *Chart) SetXLabels(f func(float64) string) {
	c.xLabel = f
	c.viewOK = false
}

// SetLogY sets a log10 Y scale, where values that are not positive are gaps.
func (c *Chart) SetLogY(on bool) {
	if on == c.logY {
		return
	}
	c.logY = on
	c.viewOK = false
}

// View draws the chart: exactly h lines of w cells. It is computed again
// only after a change of size, data or options.
func (c *Chart) View() string {
	if !c.viewOK {
		c.view = c.render()
		c.viewOK = true
	}
	return c.view
}

// cleanRaw puts raw in X order and leaves out points whose X is not finite.
// alpha is the chart's smoothing: without, the series is the data.
func (d *seriesData) cleanRaw(alpha float64) {
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
		d.raw = slices.DeleteFunc(d.raw, func(p Point) bool { return p.X-p.X != 0 })
		sorted = false
	}
	if !sorted {
		slices.SortStableFunc(d.raw, func(a, b Point) int { return cmp.Compare(a.X, b.X) })
	}
	if alpha == 0 { // the series is the data
		d.series = d.raw
	}
}

// prepare computes the series: the raw data, or the data smoothed with
// alpha.
func (d *seriesData) prepare(alpha float64) {
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
		out = append(out, Point{p.X, y})
	}
	d.buf, d.series = out, out
}

// downsampled gives the series (prepared with alpha) reduced to columns (at
// most two points a column, gaps as NaN markers), and the range of the
// values that can be drawn: finite, and positive on a log scale (ok false
// when there are none). Values are in linear space. After it, the series is
// in X order.
func (d *seriesData) downsampled(columns int, logY bool, alpha float64) (pts []Point, lo, hi float64, ok bool) {
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
func (d *seriesData) lastValue(alpha float64) float64 {
	d.cleanRaw(alpha)
	for i := len(d.raw) - 1; i >= 0; i-- {
		if y := d.raw[i].Y; y-y == 0 {
			return y
		}
	}
	return math.NaN()
}

func (c *Chart) lineStyle() lipgloss.Style {
	p := c.styles.Palette
	if p.Colourless() || len(p.Series) == 0 {
		return lipgloss.NewStyle()
	}
	h := fnv.New32a()
	h.Write([]byte(c.title))
	return lipgloss.NewStyle().Foreground(lipgloss.Color(p.Series[h.Sum32()%uint32(len(p.Series))]))
}

// titleLine is the metric's name, its last finite value (of a single
// series: the legend of several says each one's) and the flags.
// With the inspector, the values are those at its cursor, each series'
// after its legend mark.
func (c *Chart) titleLine() string {
	s := c.styles.Title.Render(c.title)
	switch {
	case c.cursor != nil:
		s += " " + c.styles.Muted.Render("@"+c.xText(*c.cursor))
		for i, t := range c.plotted() {
			v := c.ValueAt(i, *c.cursor)
			text := "–"
			if v-v == 0 {
				text = format.Short(v, 4)
			}
			if c.multi {
				text = t.style.Render(LegendMark(c.styles, i)) + " " + text
			}
			s += " " + c.styles.Text.Render(text)
		}
	case !c.multi:
		if v := c.lastValue(c.alpha); v-v == 0 {
			s += " " + c.styles.Text.Render(format.Short(v, 4))
		}
	}
	var flags []string
	if c.alpha > 0 {
		flags = append(flags, "EMA "+strconv.FormatFloat(c.alpha, 'g', 3, 64))
	}
	switch {
	case c.heatStrip():
		flags = append(flags, "heat")
	case c.logY:
		flags = append(flags, "log")
	}
	if c.zoom != nil {
		flags = append(flags, "zoom "+c.xText(c.zoom[0])+"–"+c.xText(c.zoom[1]))
	}
	if len(flags) > 0 {
		s += " " + c.styles.Muted.Render(strings.Join(flags, " "))
	}
	return format.Pad(s, c.w)
}

// xText writes an X value as the axis does.
func (c *Chart) xText(v float64) string {
	if c.xLabel != nil {
		return c.xLabel(v)
	}
	return format.Short(v, 4)
}

// heatStrip says the chart draws a heat strip: asked for, and of one
// series (several would hide each other).
func (c *Chart) heatStrip() bool { return c.heat && !c.multi }

// placeholder centres a muted message in w×h cells.
func (c *Chart) placeholder(msg string, w, h int) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, c.styles.Muted.Render(ansi.Truncate(msg, w, "…")))
}

// plotted is what a drawing draws: the series of a chart of several, or the
// single series in the chart's line style.
func (c *Chart) plotted() []trace {
	if c.multi {
		return c.traces
	}
	return []trace{{name: c.title, style: c.lineStyle(), data: &c.seriesData}}
}

func (c *Chart) render() string {
	c.renders++
	c.drawn, c.segments, c.bySeries, c.plotAxesOK = 0, nil, nil, false
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
func (c *Chart) plot(traces []trace, bw, bh int) string {
	gh := bh - 2
	// The plot's width depends on the Y labels' width, which depends on the
	// Y range, which comes from downsampling: downsample for the width the
	// last labels left, and again in the rare case the labels' width changed.
	columns := max(1, bw-c.labelW-1)
	pts := make([][]Point, len(traces))
	reduce := func(columns int) (lo, hi float64, ok bool) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for i, t := range traces {
			p, l, h, o := c.reduced(t.data, columns)
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
	if f := c.fixed; f != nil && !c.logY {
		lo, hi = min(lo, f[0]), max(hi, f[1])
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
	xlo, xhi := c.xRange(traces)

	// The labels are the chart's own, on round values (see ticks), written
	// where those values fall: linechart only draws the axes, with room on
	// the left for the widest Y label.
	yTicks := c.yTicks(lo, hi, gh)
	c.labelW = 1
	for _, t := range yTicks {
		c.labelW = max(c.labelW, len(t.text))
	}
	blank := strings.Repeat(" ", c.labelW)
	muted := c.styles.Muted
	lc := linechart.New(bw, bh, xlo, xhi, lo, hi,
		linechart.WithXYSteps(1, gh),
		linechart.WithStyles(muted, muted, traces[0].style),
		linechart.WithXLabelFormatter(func(int, float64) string { return "" }),
		linechart.WithYLabelFormatter(func(i int, _ float64) string {
			if i == 0 {
				return blank
			}
			return ""
		}))
	gw := lc.GraphWidth()
	if gw < 2 {
		return c.placeholder("", bw, bh)
	}
	if gw != columns {
		reduce(gw)
	}
	c.bySeries = make([][][]Point, len(traces))
	for i, p := range pts {
		if c.logY {
			lp := make([]Point, len(p)) // p may be the series itself
			for k, q := range p {
				lp[k] = Point{q.X, math.NaN()}
				if q.Y > 0 {
					lp[k].Y = math.Log10(q.Y)
				}
			}
			p = lp
		}
		c.drawn += len(p)
		c.bySeries[i] = splitSegments(p)
		c.segments = append(c.segments, c.bySeries[i]...)
	}

	lc.DrawXYAxisAndLabel()
	origin := canvas.Point{X: lc.Origin().X + 1}
	ax := axes{x0: origin.X, gw: gw, gh: gh, xlo: xlo, xhi: xhi, lo: lo, hi: hi}
	c.plotAxes, c.plotAxesOK = ax, true
	for _, t := range yTicks {
		if row, ok := ax.row(t.v); ok {
			lc.Canvas.SetString(canvas.Point{X: c.labelW - len(t.text), Y: row}, t.text)
		}
	}
	c.xAxisLabels(&lc.Canvas, ax, bw)
	var owner []int
	if c.heatStrip() {
		c.drawHeat(&lc.Canvas, ax, pts[0], lo, hi)
	} else {
		owner = c.drawLines(&lc.Canvas, ax, traces)
	}
	// The marks, then the cursor over them, in the cells no series takes.
	vline := func(x float64, r rune) {
		if col, ok := ax.col(x); ok {
			for y := range gh {
				if cur := lc.Canvas.Cell(canvas.Point{X: col, Y: y}).Rune; cur == 0 || cur == runes.BrailleBlockOffset || cur == markRune {
					lc.Canvas.SetRune(canvas.Point{X: col, Y: y}, r)
				}
			}
			lc.Canvas.SetRune(canvas.Point{X: col, Y: gh}, '┴')
		}
	}
	for _, x := range c.marks {
		vline(x, markRune)
	}
	if c.cursor != nil {
		vline(*c.cursor, cursorRune)
	}
	styles := make([]lipgloss.Style, len(traces))
	for i, t := range traces {
		styles[i] = t.style
	}
	return canvasPaint(&lc.Canvas, styles, owner, origin.X, gw, muted)
}

// cursorRune draws the inspector's line where no series is; markRune a
// mark's.
const (
	cursorRune = '┊'
	markRune   = '┆'
)

// reduced is a series downsampled to columns, within the zoom when there
// is one (see seriesData.downsampled).
func (c *Chart) reduced(d *seriesData, columns int) (pts []Point, lo, hi float64, ok bool) {
	if c.zoom == nil {
		return d.downsampled(columns, c.logY, c.alpha)
	}
	d.prepare(c.alpha)
	d.cleanRaw(c.alpha)
	in := window(d.series, c.zoom[0], c.zoom[1])
	w := seriesData{raw: in, clean: true, seriesOK: true, series: in}
	return w.downsampled(columns, c.logY, 0)
}

// window is the points of pts (in X order) with X in lo–hi.
func window(pts []Point, lo, hi float64) []Point {
	i, _ := slices.BinarySearchFunc(pts, lo, func(p Point, x float64) int { return cmp.Compare(p.X, x) })
	j, _ := slices.BinarySearchFunc(pts, hi, func(p Point, x float64) int {
		if p.X <= x {
			return -1
		}
		return 1
	})
	return pts[i:j]
}

// xRange is the X range drawn: the zoom's, or that of every series (each
// is in X order now), widened when it is one value.
func (c *Chart) xRange(traces []trace) (xlo, xhi float64) {
	if z := c.zoom; z != nil {
		return z[0], z[1]
	}
	xlo, xhi = math.Inf(1), math.Inf(-1)
	for _, t := range traces {
		if s := t.data.series; len(s) > 0 {
			xlo, xhi = min(xlo, s[0].X), max(xhi, s[len(s)-1].X)
		}
	}
	if xhi == xlo {
		xlo, xhi = xlo-1, xhi+1
	}
	return xlo, xhi
}

// axes maps plot-space values to the canvas's cells as the braille grid
// draws them: the plot area is gw×gh cells from column x0, row 0.
type axes struct {
	x0, gw, gh       int
	xlo, xhi, lo, hi float64
}

// XAt is the X under column col of the chart (from its left edge) as last
// drawn: ok false outside the plot, or before a drawing with points.
func (c *Chart) XAt(col int) (float64, bool) {
	c.View()
	a := c.plotAxes
	if !c.plotAxesOK || col < a.x0 || col >= a.x0+a.gw {
		return 0, false
	}
	// The middle of the column's two dots.
	dot := float64(2*(col-a.x0)) + 0.5
	return a.xlo + dot*(a.xhi-a.xlo)/float64(2*a.gw-1), true
}

// row is the canvas row of the dot of Y value v (plot space).
func (a axes) row(v float64) (int, bool) {
	dots := 4 * a.gh
	d := math.Round((v - a.lo) * float64(dots-1) / (a.hi - a.lo))
	if d < 0 || d > float64(dots-1) {
		return 0, false
	}
	return a.gh - 1 - int(d)/4, true
}

// col is the canvas column of the dot of X value v.
func (a axes) col(v float64) (int, bool) {
	dots := 2 * a.gw
	d := math.Round((v - a.xlo) * float64(dots-1) / (a.xhi - a.xlo))
	if d < 0 || d > float64(dots-1) {
		return 0, false
	}
	return a.x0 + int(d)/2, true
}

// drawLines draws each series' segments in braille, or, when colours
// cannot tell several series apart, the second and later ones with their
// own marks (see LegendMark); it gives the owner of each cell of the plot
// area, the last series drawn there (-1: none; nil for a single series).
func (c *Chart) drawLines(cv *canvas.Model, ax axes, traces []trace) []int {
	gw, gh := ax.gw, ax.gh
	var owner []int
	if len(traces) > 1 {
		owner = make([]int, gw*gh)
		for i := range owner {
			owner[i] = -1
		}
	}
	marked := len(traces) > 1 && Marked(c.styles)
	origin := canvas.Point{X: ax.x0}
	for i, segs := range c.bySeries {
		grid := graph.NewBrailleGrid(gw, gh, ax.xlo, ax.xhi, ax.lo, ax.hi)
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
		mark := seriesMark(traces[i].nth)
		if !marked || mark == 0 {
			graph.DrawBraillePatterns(cv, origin, patterns, traces[i].style)
		}
		for y, row := range patterns {
			for x, r := range row {
				if r == runes.BrailleBlockOffset || y >= gh || x >= gw {
					continue
				}
				if marked && mark != 0 {
					cv.SetRune(canvas.Point{X: ax.x0 + x, Y: y}, mark)
				}
				if owner != nil {
					owner[y*gw+x] = i
				}
			}
		}
	}
	return owner
}

// heatRunes shade a heat strip's cells from the least value to the
// greatest, so that it reads without colour too.
var heatRunes = []rune{'·', '░', '▒', '▓', '█'}

// drawHeat draws a heat strip: each column of the plot filled with the
// shade of the greatest value that falls in it, on lo–hi.
func (c *Chart) drawHeat(cv *canvas.Model, ax axes, pts []Point, lo, hi float64) {
	level := make([]int, ax.gw)
	for i := range level {
		level[i] = -1
	}
	for _, p := range pts {
		x, ok := ax.col(p.X)
		if !ok || p.Y-p.Y != 0 {
			continue
		}
		f := (p.Y - lo) / (hi - lo)
		l := min(max(int(f*float64(len(heatRunes))), 0), len(heatRunes)-1)
		level[x-ax.x0] = max(level[x-ax.x0], l)
	}
	for x, l := range level {
		if l < 0 {
			continue
		}
		for y := range ax.gh {
			cv.SetRune(canvas.Point{X: ax.x0 + x, Y: y}, heatRunes[l])
		}
	}
}

// tick is a label of an axis: its value (plot space) and text.
type tick struct {
	v    float64
	text string
}

// yTicks are the Y axis' labels, one every two rows or so: round values
// (see niceTicks), powers of ten on a log scale when there are two.
func (c *Chart) yTicks(lo, hi float64, gh int) []tick {
	n := max(2, gh/2)
	if c.logY {
		var out []tick
		for e := math.Ceil(lo); e <= hi; e++ {
			out = append(out, tick{e, format.Short(math.Pow(10, e), 3)})
		}
		if len(out) >= 2 {
			return thin(out, n)
		}
		out = out[:0]
		for _, v := range niceTicks(math.Pow(10, lo), math.Pow(10, hi), n) {
			if v > 0 {
				out = append(out, tick{math.Log10(v), format.Short(v, 3)})
			}
		}
		return out
	}
	vs := niceTicks(lo, hi, n)
	out := make([]tick, len(vs))
	for i, v := range vs {
		out[i] = tick{v, format.Short(v, 3)}
	}
	return out
}

// thin keeps at most n of ticks, evenly.
func thin(ts []tick, n int) []tick {
	if len(ts) <= n {
		return ts
	}
	every := (len(ts) + n - 1) / n
	var out []tick
	for i := 0; i < len(ts); i += every {
		out = append(out, ts[i])
	}
	return out
}

// xAxisLabels writes the X axis' labels under it, on round values where
// they fall, and the axis' name at its end; labels keep a blank between
// them and never run past the chart.
func (c *Chart) xAxisLabels(cv *canvas.Model, ax axes, bw int) {
	row := ax.gh + 1
	end := bw // the labels end before the name
	if c.xName != "" && len(c.xName)+2 < ax.gw {
		end = bw - len(c.xName)
		cv.SetString(canvas.Point{X: end, Y: row}, c.xName)
		end--
	}
	text := func(v float64) string {
		v = snapZero(v, ax.xhi-ax.xlo)
		if c.xLabel != nil {
			return c.xLabel(v)
		}
		return format.Short(v, 3)
	}
	wide := max(len(text(ax.xlo)), len(text(ax.xhi)), len(text((ax.xlo+ax.xhi)/2)))
	free := ax.x0 - 1 // the first column a label may take
	ticks := niceTicks
	switch c.xName {
	case XTime:
		ticks = timeTicks
	case XStep:
		ticks = stepTicks
	}
	for _, v := range ticks(ax.xlo, ax.xhi, max(1, ax.gw/(wide+3))) {
		col, ok := ax.col(v)
		if !ok {
			continue
		}
		s := text(v)
		at := max(col-len(s)/2, free)
		if at+ansi.StringWidth(s) > end {
			continue
		}
		cv.SetString(canvas.Point{X: at, Y: row}, s)
		free = at + ansi.StringWidth(s) + 1
	}
}

// timeSteps are the round durations (seconds) a time axis is labelled at.
var timeSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400}

// timeTicks are like niceTicks for an axis of seconds: round durations
// (15s, 5m, 1h…) apart, days beyond.
func timeTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || n < 1 {
		return nil
	}
	raw := (hi - lo) / float64(n)
	i := slices.IndexFunc(timeSteps, func(s float64) bool { return s >= raw })
	if raw < 1 {
		return niceTicks(lo, hi, n)
	}
	if i < 0 || i == len(timeSteps)-1 { // days: 1, 2, 5, 10… of them
		d := niceTicks(lo/86400, hi/86400, n)
		for k := range d {
			d[k] *= 86400
		}
		return d
	}
	step := timeSteps[i]
	var out []float64
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		out = append(out, k*step)
	}
	return out
}

// stepTicks are like niceTicks for an axis of steps, which are whole: at
// least one step apart, so that a short run is not labelled 1 1 1 2 2.
func stepTicks(lo, hi float64, n int) []float64 {
	if hi-lo < 1 {
		var out []float64
		for k := math.Ceil(lo); k <= hi; k++ {
			out = append(out, k)
		}
		return out
	}
	return niceTicks(lo, hi, min(n, int(hi-lo)))
}

// niceTicks are round values (1, 2 or 5 × 10ⁿ apart) in lo–hi, at most
// about n of them.
func niceTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || n < 1 {
		return nil
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		out = append(out, snapZero(k*step, hi-lo))
	}
	return out
}

// canvasView renders a chart's canvas like its View, but styles runs of
// cells at once rather than cell by cell, which is most of the cost of
// View: braille cells (the line) in line, other cells (axes, labels) in
// muted.
func canvasView(cv *canvas.Model, line, muted lipgloss.Style) string {
	return canvasPaint(cv, []lipgloss.Style{line}, nil, 0, 0, muted)
}

// canvasPaint renders a chart's canvas as canvasView does (a heat strip's
// cells are the line's), with the lines of several series: the braille cell at (x, y) of the canvas is
// in lines[owner[y*w+x-x0]] (the plot area starts at column x0 and is w
// cells wide; a nil owner, or -1 in it: lines[0]).
func canvasPaint(cv *canvas.Model, lines []lipgloss.Style, owner []int, x0, w int, muted lipgloss.Style) string {
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
			isLine := runes.IsBraillePattern(r) || slices.Contains(heatRunes, r)
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

// snapZero makes a label value that is zero but for rounding errors (the
// labels are computed as min+i*step) exactly zero.
func snapZero(v, span float64) float64 {
	if math.Abs(v) < span*1e-6 {
		return 0
	}
	return v
}
