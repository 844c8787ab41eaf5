package chart

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/muesli/termenv"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/linechart"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/themes"
	"lathe/tui/styles"
)

func chartTestStyles(t testing.TB) styles.Styles {
	t.Helper()
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	return styles.New(p)
}

// chartLine returns points (i, f(i)) for i in [0, n).
func chartLine(n int, f func(i int) float64) []Point {
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{X: float64(i), Y: f(i)}
	}
	return pts
}

func chartXSorted(pts []Point) bool {
	return slices.IsSortedFunc(pts, func(a, b Point) int {
		switch {
		case a.X < b.X:
			return -1
		case a.X > b.X:
			return 1
		}
		return 0
	})
}

func TestDownsampleKeepsASpikeInAMillion(t *testing.T) {
	const n = 1_000_000
	pts := chartLine(n, func(i int) float64 { return math.Sin(float64(i) / 1000) })
	pts[777_777].Y = 1000 // one spike up
	pts[123_457].Y = -500 // one down
	for _, cols := range []int{1, 7, 60, 200} {
		out := downsample(pts, cols)
		if len(out) > 2*cols {
			t.Errorf("%d columns: %d points", cols, len(out))
		}
		if !chartXSorted(out) {
			t.Errorf("%d columns: not in X order", cols)
		}
		var up, down bool
		for _, p := range out {
			up = up || p == pts[777_777]
			down = down || p == pts[123_457]
		}
		if !up || !down {
			t.Errorf("%d columns: spike kept %v, dip kept %v", cols, up, down)
		}
	}
}

// TestDownsampleMinMaxPerColumn checks against a plain computation: every
// column's least and greatest values are kept, and nothing else.
func TestDownsampleMinMaxPerColumn(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{3, 10, 101, 5000} {
		for _, cols := range []int{1, 2, 3, 9, 64} {
			if cols >= n {
				continue
			}
			pts := make([]Point, n)
			x := 0.0
			for i := range pts {
				x += r.Float64() * 3 // uneven steps, some repeated X
				if r.IntN(5) == 0 {
					x = math.Floor(x)
				}
				pts[i] = Point{X: x, Y: r.NormFloat64()}
			}
			out := downsample(pts, cols)
			if len(out) > 2*cols {
				t.Fatalf("n=%d cols=%d: %d points", n, cols, len(out))
			}
			if !chartXSorted(out) {
				t.Fatalf("n=%d cols=%d: not in X order", n, cols)
			}
			lo, hi := pts[0].X, pts[n-1].X
			colOf := func(x float64) int { return min(cols-1, int((x-lo)*float64(cols)/(hi-lo))) }
			mins := make([]float64, cols)
			maxs := make([]float64, cols)
			for i := range mins {
				mins[i], maxs[i] = math.Inf(1), math.Inf(-1)
			}
			for _, p := range pts {
				j := colOf(p.X)
				mins[j], maxs[j] = min(mins[j], p.Y), max(maxs[j], p.Y)
			}
			got := map[int][]float64{}
			for _, p := range out {
				got[colOf(p.X)] = append(got[colOf(p.X)], p.Y)
			}
			for j := range cols {
				if math.IsInf(mins[j], 1) {
					if len(got[j]) != 0 {
						t.Errorf("n=%d cols=%d: empty column %d gave %v", n, cols, j, got[j])
					}
					continue
				}
				if !slices.Contains(got[j], mins[j]) || !slices.Contains(got[j], maxs[j]) {
					t.Errorf("n=%d cols=%d column %d: got %v, want min %v and max %v", n, cols, j, got[j], mins[j], maxs[j])
				}
				for _, y := range got[j] {
					if y != mins[j] && y != maxs[j] {
						t.Errorf("n=%d cols=%d column %d: %v is neither min nor max", n, cols, j, y)
					}
				}
			}
		}
	}
}

func TestDownsampleNaNColumnsAreGaps(t *testing.T) {
	// 1000 points in 10 columns of 100: columns 4 and 5 only NaN / ±Inf.
	pts := chartLine(1000, func(i int) float64 {
		switch {
		case i >= 400 && i < 500:
			return math.NaN()
		case i >= 500 && i < 550:
			return math.Inf(1)
		case i >= 550 && i < 600:
			return math.Inf(-1)
		}
		return float64(i)
	})
	out := downsample(pts, 10)
	if len(out) > 20 {
		t.Fatalf("%d points", len(out))
	}
	var gaps int
	for _, p := range out {
		if math.IsInf(p.Y, 0) {
			t.Errorf("±Inf reached the output: %v", p)
		}
		if math.IsNaN(p.Y) {
			gaps++
			if p.X < 400 || p.X >= 600 {
				t.Errorf("gap marker at X=%v, outside the gap", p.X)
			}
		}
	}
	if gaps != 2 {
		t.Errorf("%d gap markers, want one per NaN column (2): %v", gaps, out)
	}
	if segs := splitSegments(out); len(segs) != 2 {
		t.Errorf("%d segments, want 2", len(segs))
	}

	// A column with only non-finite values throughout.
	all := chartLine(100, func(int) float64 { return math.NaN() })
	out = downsample(all, 5)
	if len(out) != 5 || !math.IsNaN(out[0].Y) {
		t.Errorf("all NaN: %v", out)
	}
	if segs := splitSegments(out); len(segs) != 0 {
		t.Errorf("all NaN: %d segments", len(segs))
	}
}

func TestDownsampleMixedColumnKeepsTheGap(t *testing.T) {
	// 100 points in 10 columns: one NaN inside column 3 must still break the line.
	pts := chartLine(100, func(i int) float64 { return float64(i % 7) })
	pts[35].Y = math.NaN()
	out := downsample(pts, 10)
	if len(out) > 20 || !chartXSorted(out) {
		t.Fatalf("%d points, sorted %v", len(out), chartXSorted(out))
	}
	if segs := splitSegments(out); len(segs) != 2 {
		t.Errorf("%d segments, want 2: %v", len(segs), out)
	}
}

func TestDownsampleFewPointsUnchanged(t *testing.T) {
	pts := chartLine(50, func(i int) float64 { return float64(i * i) })
	pts[10].Y = math.NaN()
	for _, cols := range []int{50, 51, 1000} {
		out := downsample(pts, cols)
		if len(out) != len(pts) || &out[0] != &pts[0] {
			t.Errorf("%d columns: points changed", cols)
		}
	}
	if out := downsample(pts, 0); len(out) != 0 {
		t.Errorf("0 columns: %d points", len(out))
	}
	if out := downsample(nil, 10); len(out) != 0 {
		t.Errorf("no points: %v", out)
	}
}

func TestDownsampleUnsortedInput(t *testing.T) {
	pts := chartLine(1000, func(i int) float64 { return float64(i % 13) })
	r := rand.New(rand.NewPCG(3, 4))
	r.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
	pts = append(pts, Point{X: math.NaN(), Y: 1e9}, Point{X: math.Inf(1), Y: 1e9})
	out := downsample(pts, 20)
	if len(out) > 40 || !chartXSorted(out) {
		t.Errorf("%d points, sorted %v", len(out), chartXSorted(out))
	}
	for _, p := range out {
		if p.Y == 1e9 {
			t.Errorf("a point without a finite X was kept: %v", p)
		}
	}
}

// TestDownsampleInOrderMatchesAnyOrder checks the fast path for points in X
// order (columns found by their boundaries) against the plain one (a column
// computed for every point), boundaries included.
func TestDownsampleInOrderMatchesAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		n := 10 + r.IntN(3000)
		cols := 1 + r.IntN(200)
		pts := make([]Point, n)
		x := r.NormFloat64() * 1e3
		for i := range pts {
			switch r.IntN(4) {
			case 0: // same X again
			case 1:
				x = math.Ceil(x + 1) // on integer boundaries
			default:
				x += r.ExpFloat64() * math.Pow(10, float64(r.IntN(6)-3))
			}
			y := r.NormFloat64()
			if r.IntN(50) == 0 {
				y = math.NaN()
			}
			pts[i] = Point{X: x, Y: y}
		}
		lo, hi := pts[0].X, pts[n-1].X
		positive := trial%2 == 1
		fast := make([]dsColumn, cols)
		plain := make([]dsColumn, cols)
		if !dsBucketize(pts, fast, lo, hi, positive, true) {
			t.Fatalf("trial %d: points in order refused", trial)
		}
		dsBucketize(pts, plain, lo, hi, positive, false)
		for j := range fast {
			a, b := fast[j], plain[j]
			if a.has != b.has || a.gap != b.gap || a.has && (a.iMin != b.iMin || a.iMax != b.iMax) {
				t.Fatalf("trial %d (n=%d, %d columns) column %d: in order %+v, any order %+v", trial, n, cols, j, a, b)
			}
		}
	}
	// Out of order, or with a NaN X, the fast path refuses.
	pts := chartLine(100, func(i int) float64 { return float64(i) })
	pts[50].X = 10
	if dsBucketize(pts, make([]dsColumn, 10), 0, 99, false, true) {
		t.Error("points out of order accepted")
	}
	pts[50].X = math.NaN()
	if dsBucketize(pts, make([]dsColumn, 10), 0, 99, false, true) {
		t.Error("a NaN X accepted")
	}
}

func TestDownsampleOneX(t *testing.T) {
	pts := chartLine(1000, func(i int) float64 { return float64(i % 10) })
	for i := range pts {
		pts[i].X = 5
	}
	out := downsample(pts, 10)
	if len(out) != 2 || out[0].Y != 0 || out[1].Y != 9 {
		t.Errorf("one X: %v", out)
	}
}

// chartCheckBox checks a view is h lines of w cells.
func chartCheckBox(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d:\n%s", len(lines), h, v)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n != w {
			t.Errorf("line %d is %d cells, want %d: %q", i, n, w, l)
		}
	}
}

func TestChartMillionPointsAreDownsampled(t *testing.T) {
	c := New("loss", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(60, 15)
	pts := chartLine(1_000_000, func(i int) float64 { return 1 / (1 + float64(i)/1e4) })
	pts[500_000].Y = 7 // a spike above everything
	c.SetPoints(pts)
	v := c.View()
	chartCheckBox(t, v, 60, 15)
	if c.drawn == 0 || c.drawn > 2*60 {
		t.Errorf("%d points handed to ntcharts, want 1..120", c.drawn)
	}
	var top float64
	for _, s := range c.segments {
		for _, p := range s {
			top = max(top, p.Y)
		}
	}
	if top != 7 {
		t.Errorf("spike lost: highest drawn value %v", top)
	}
	if !strings.Contains(v, "loss") || !strings.Contains(v, "loss 0.0099") { // last value 1/(1+99.9999)
		t.Errorf("title:\n%s", v)
	}
	if !strings.ContainsAny(v, "⠁⠂⠄⡀⠈⠐⠠⢀⣀⣿") {
		t.Errorf("no line drawn:\n%s", v)
	}
}

func TestChartViewIsCached(t *testing.T) {
	c := New("acc", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(40, 10)
	pts := chartLine(100, func(i int) float64 { return float64(i) })
	c.SetPoints(pts)
	v1 := c.View()
	v2 := c.View()
	if v1 != v2 || c.renders != 1 {
		t.Fatalf("renders %d, same %v", c.renders, v1 == v2)
	}
	// Settings that change nothing keep the drawing.
	c.SetSize(40, 10)
	c.SetSmoothing(0)
	c.SetLogY(false)
	c.SetPoints(slices.Clone(pts))
	if c.View(); c.renders != 1 {
		t.Errorf("unchanged settings drew again: %d renders", c.renders)
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"size", func() { c.SetSize(50, 10) }},
		{"points", func() { pts[99].Y = 3; c.SetPoints(pts) }},
		{"smoothing", func() { c.SetSmoothing(0.6) }},
		{"log", func() { c.SetLogY(true) }},
	}
	for i, s := range steps {
		s.do()
		c.View()
		c.View()
		if c.renders != i+2 {
			t.Errorf("after %s: %d renders, want %d", s.name, c.renders, i+2)
		}
	}
}

func TestChartNaNGapBreaksTheLine(t *testing.T) {
	// 1..50, NaN×10, 61..100.
	pts := make([]Point, 0, 100)
	for i := 1; i <= 100; i++ {
		y := float64(i)
		if i > 50 && i <= 60 {
			y = math.NaN()
		}
		pts = append(pts, Point{X: float64(i), Y: y})
	}
	for _, w := range []int{60, 200} { // downsampled and not
		c := New("grad_norm", chartTestStyles(t), DefaultKeyMap())
		c.SetSize(w, 15)
		c.SetPoints(pts)
		chartCheckBox(t, c.View(), w, 15)
		if len(c.segments) != 2 {
			t.Fatalf("width %d: %d segments, want 2", w, len(c.segments))
		}
		a, b := c.segments[0], c.segments[1]
		if a[0].X != 1 || a[len(a)-1].X != 50 || b[0].X != 61 || b[len(b)-1].X != 100 {
			t.Errorf("width %d: segments %v … %v and %v … %v", w, a[0], a[len(a)-1], b[0], b[len(b)-1])
		}
		for _, s := range c.segments {
			for _, p := range s {
				if math.IsNaN(p.Y) || p.Y == 0 {
					t.Errorf("width %d: %v drawn", w, p)
				}
			}
		}
	}
}

func TestChartLogYDropsNonPositive(t *testing.T) {
	c := New("lr", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(60, 12)
	c.SetLogY(true)
	c.SetPoints([]Point{{0, 1}, {1, 10}, {2, 0}, {3, -5}, {4, 100}, {5, 1000}})
	v := c.View()
	chartCheckBox(t, v, 60, 12)
	if title := strings.Split(v, "\n")[0]; !strings.Contains(title, "log") || !strings.Contains(title, "lr 1k") {
		t.Errorf("title %q", title)
	}
	var got [][]float64
	for _, s := range c.segments {
		var ys []float64
		for _, p := range s {
			ys = append(ys, p.Y)
		}
		got = append(got, ys)
	}
	if want := [][]float64{{0, 1}, {2, 3}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("segments (log10) %v, want %v", got, want)
	}
	if !strings.Contains(v, "1k") {
		t.Errorf("Y labels are not the values:\n%s", v)
	}

	c.SetPoints([]Point{{0, 0}, {1, -1}})
	if v := c.View(); !strings.Contains(v, "no positive values yet") {
		t.Errorf("all non-positive:\n%s", v)
	}
	c.SetLogY(false)
	if v := c.View(); strings.Contains(v, "no positive") || len(c.segments) != 1 {
		t.Errorf("linear again:\n%s", v)
	}
}

func TestChartEMA(t *testing.T) {
	c := New("loss", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(40, 10)
	c.SetSmoothing(0.5)
	c.SetPoints([]Point{{0, 1}, {1, 3}, {2, math.NaN()}, {3, 5}, {4, math.Inf(1)}, {5, 2}})
	v := c.View()
	// y_s = 0.5*y_s_prev + 0.5*y from the first value; NaN and Inf skipped.
	want := []float64{1, 2, math.NaN(), 3.5, math.NaN(), 2.75}
	if len(c.series) != len(want) {
		t.Fatalf("series %v", c.series)
	}
	for i, p := range c.series {
		if !(p.Y == want[i] || math.IsNaN(p.Y) && math.IsNaN(want[i])) {
			t.Errorf("smoothed[%d] = %v, want %v", i, p.Y, want[i])
		}
	}
	if title := strings.Split(v, "\n")[0]; !strings.Contains(title, "EMA 0.5") || !strings.Contains(title, " 2 ") {
		t.Errorf("title %q (want the last raw value 2 and the flag)", title)
	}
	c.SetSmoothing(0)
	c.View()
	if c.series[1].Y != 3 {
		t.Errorf("smoothing off: %v", c.series)
	}
}

func TestChartEmpty(t *testing.T) {
	c := New("loss", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(40, 10)
	v := c.View()
	chartCheckBox(t, v, 40, 10)
	if !strings.Contains(v, "no points yet") {
		t.Errorf("no points:\n%s", v)
	}
	c.SetPoints([]Point{{1, math.NaN()}, {2, math.Inf(1)}})
	v = c.View()
	chartCheckBox(t, v, 40, 10)
	if !strings.Contains(v, "no finite values yet") {
		t.Errorf("all NaN:\n%s", v)
	}
	// Tiny boxes draw without panicking.
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {5, 2}, {10, 3}, {9, 4}, {12, 5}} {
		c.SetPoints(chartLine(1000, func(i int) float64 { return float64(i) }))
		c.SetSize(sz[0], sz[1])
		v := c.View()
		if sz[1] > 0 && sz[0] > 0 {
			chartCheckBox(t, v, sz[0], sz[1])
		}
	}
}

func TestChartOneValueAndUnsorted(t *testing.T) {
	c := New("epoch", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(30, 8)
	c.SetPoints([]Point{{5, 2}})
	chartCheckBox(t, c.View(), 30, 8)
	if len(c.segments) != 1 {
		t.Errorf("one point: %d segments", len(c.segments))
	}
	c.SetPoints([]Point{{3, 30}, {1, 10}, {2, math.NaN()}, {0, 0}})
	chartCheckBox(t, c.View(), 30, 8)
	if !chartXSorted(c.raw) {
		t.Errorf("not sorted: %v", c.raw)
	}
	if title := strings.Split(c.View(), "\n")[0]; !strings.Contains(title, "30") {
		t.Errorf("last value: %q", title)
	}
	if len(c.segments) != 2 {
		t.Errorf("%d segments", len(c.segments))
	}
}

func TestChartUnsortedMany(t *testing.T) {
	c := New("loss", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(50, 12)
	pts := chartLine(100_000, func(i int) float64 { return float64(i) })
	slices.Reverse(pts)
	pts[10].X = math.NaN()
	pts[20].X = math.Inf(1)
	c.SetPoints(pts)
	chartCheckBox(t, c.View(), 50, 12)
	if !chartXSorted(c.raw) || len(c.raw) != len(pts)-2 {
		t.Errorf("raw: %d points, sorted %v", len(c.raw), chartXSorted(c.raw))
	}
	if c.drawn == 0 || c.drawn > 100 {
		t.Errorf("%d points drawn", c.drawn)
	}
	if len(c.segments) != 1 {
		t.Errorf("%d segments", len(c.segments))
	}
	// The same points again change nothing.
	c.SetPoints(slices.Clone(c.raw))
	if c.View(); c.renders != 1 {
		t.Errorf("%d renders", c.renders)
	}
	// All at one step.
	for i := range pts {
		pts[i].X = 7
	}
	c.SetPoints(pts)
	chartCheckBox(t, c.View(), 50, 12)
	if len(c.segments) != 1 || c.drawn > 2 {
		t.Errorf("one step: %d points in %d segments", c.drawn, len(c.segments))
	}
}

// TestChartCanvasView checks the chart's rendering of the canvas gives the
// text ntcharts' own View gives.
func TestChartCanvasView(t *testing.T) {
	lc := linechart.New(30, 8, 0, 10, 0, 10, linechart.WithXYSteps(4, 2))
	lc.DrawXYAxisAndLabel()
	lc.DrawBrailleLine(canvas.Float64Point{X: 0, Y: 0}, canvas.Float64Point{X: 10, Y: 10})
	want := ansi.Strip(lc.View())
	got := ansi.Strip(canvasView(&lc.Canvas, lipgloss.NewStyle().Bold(true), lipgloss.NewStyle().Faint(true)))
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestChartColourless(t *testing.T) {
	p, err := themes.Load("no-colour")
	if err != nil {
		t.Fatal(err)
	}
	noColour := func(s lipgloss.Style) bool {
		_, none := s.GetForeground().(lipgloss.NoColor)
		return none
	}
	c := New("loss", styles.New(p), DefaultKeyMap())
	if !noColour(c.lineStyle()) || !noColour(c.styles.Muted) {
		t.Errorf("colourless palette: line %v, axes %v", c.lineStyle().GetForeground(), c.styles.Muted.GetForeground())
	}
	c.SetSize(30, 8)
	c.SetPoints(chartLine(10, func(i int) float64 { return float64(i) }))
	chartCheckBox(t, c.View(), 30, 8)
	if d := New("loss", chartTestStyles(t), DefaultKeyMap()); noColour(d.lineStyle()) {
		t.Errorf("no line colour with the dark palette")
	}
}

func BenchmarkChartMillion(b *testing.B) {
	c := New("loss", chartTestStyles(b), DefaultKeyMap())
	c.SetSize(60, 15)
	pts := chartLine(1_000_000, func(i int) float64 { return 1/(1+float64(i)/1e4) + 0.01*math.Sin(float64(i)) })
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		pts[len(pts)-1].Y = float64(i % 7) // new data every time, as a live run
		c.SetPoints(pts)
		if c.View() == "" {
			b.Fatal("empty view")
		}
	}
	if c.drawn > 120 {
		b.Fatalf("%d points drawn", c.drawn)
	}
}

// In colour, the line carries its colour, and the text is the same as
// without colour.
func TestChartColours(t *testing.T) {
	pts := []Point{{0, 1}, {1, 3}, {2, 2}, {3, 5}}
	draw := func() string {
		c := New("loss", chartTestStyles(t), DefaultKeyMap())
		c.SetSize(40, 10)
		c.SetPoints(pts)
		return c.View()
	}
	plain := draw()
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	coloured := draw()
	if ansi.Strip(coloured) != plain {
		t.Errorf("colour changed the text:\n%s\n%s", ansi.Strip(coloured), plain)
	}
	on, off := styleCodes(New("loss", chartTestStyles(t), DefaultKeyMap()).lineStyle())
	i := strings.Index(coloured, on)
	if !strings.HasPrefix(on, "\x1b[") || off == "" || i < 0 {
		t.Fatalf("the line's colour %q is not in the chart:\n%q", on, coloured)
	}
	if r, _ := utf8.DecodeRuneInString(coloured[i+len(on):]); r < 0x2800 || r > 0x28ff {
		t.Errorf("the line's colour is on %q, not on the line", r)
	}
}

// chartCellColours reads a coloured view: for each cell, the escape
// sequence in force when it was written ("" after a reset).
func chartCellColours(view string) [][]string {
	var out [][]string
	for _, line := range strings.Split(view, "\n") {
		var row []string
		code := ""
		for i := 0; i < len(line); {
			if strings.HasPrefix(line[i:], "\x1b[") {
				j := strings.IndexByte(line[i:], 'm')
				seq := line[i : i+j+1]
				if seq == "\x1b[0m" || seq == "\x1b[m" {
					code = ""
				} else {
					code += seq
				}
				i += j + 1
				continue
			}
			_, n := utf8.DecodeRuneInString(line[i:])
			row = append(row, code)
			i += n
		}
		out = append(out, row)
	}
	return out
}

// chartTwoStyles are two series' styles of different colours.
func chartTwoStyles(t *testing.T) (a, b lipgloss.Style) {
	s := chartTestStyles(t)
	return s.Series(0), s.Series(1)
}

// Two series of different ranges share the axes: the plot spans both, each
// is drawn where its values are.
func TestChartSeriesShareTheRange(t *testing.T) {
	low := chartLine(101, func(i int) float64 { return float64(i) / 10 }) // 0..10 over 0..100
	high := make([]Point, 101)                                            // 100..200 over 50..150
	for i := range high {
		high[i] = Point{X: float64(50 + i), Y: 100 + float64(i)}
	}
	a, b := chartTwoStyles(t)
	c := New("loss", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(60, 15)
	c.SetSeries([]Series{{Name: "A", Points: low, Style: a}, {Name: "B", Points: high, Style: b}})
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	v := c.View()
	chartCheckBox(t, ansi.Strip(v), 60, 15)
	if len(c.bySeries) != 2 || len(c.bySeries[0]) != 1 || len(c.bySeries[1]) != 1 {
		t.Fatalf("segments by series: %v", c.bySeries)
	}
	aOn, _ := styleCodes(a)
	bOn, _ := styleCodes(b)
	// The plot is rows 1..12 (below the title, above the axis and labels).
	cells := chartCellColours(v)
	var aRows, bRows, aCols, bCols []int
	for y, row := range cells[1:13] {
		for x, code := range row {
			switch code {
			case aOn:
				aRows, aCols = append(aRows, y), append(aCols, x)
			case bOn:
				bRows, bCols = append(bRows, y), append(bCols, x)
			}
		}
	}
	if len(aRows) == 0 || len(bRows) == 0 {
		t.Fatalf("a series is not drawn:\n%s", ansi.Strip(v))
	}
	// A (0..10 of 0..200) lies on the bottom rows, B in the upper half;
	// A on the left two thirds, B on the right two thirds.
	if slices.Min(aRows) < 10 || slices.Max(bRows) > 6 {
		t.Errorf("rows: A %d..%d, B %d..%d\n%s", slices.Min(aRows), slices.Max(aRows), slices.Min(bRows), slices.Max(bRows), ansi.Strip(v))
	}
	if slices.Max(aCols) > 45 || slices.Min(bCols) < 20 {
		t.Errorf("columns: A ..%d, B %d..\n%s", slices.Max(aCols), slices.Min(bCols), ansi.Strip(v))
	}
	plain := ansi.Strip(v)
	lines := strings.Split(plain, "\n")
	var xs []float64
	for _, w := range strings.Fields(lines[len(lines)-1]) {
		if x, err := strconv.ParseFloat(w, 64); err == nil {
			xs = append(xs, x)
		}
	}
	if len(xs) < 2 || xs[0] != 0 || slices.Max(xs) < 120 || !strings.Contains(lines[1], "200") {
		t.Errorf("the axes do not span both series (X labels %v):\n%s", xs, plain)
	}
	// The title of several series has no single last value.
	if title := strings.Split(plain, "\n")[0]; strings.TrimSpace(title) != "loss" {
		t.Errorf("title %q", title)
	}
}

// A NaN gap in one series breaks its line only; a series of no points, or
// only NaN, draws nothing and leaves the others alone.
func TestChartSeriesGapInOne(t *testing.T) {
	gappy := chartLine(100, func(i int) float64 { return float64(i) })
	for i := 40; i < 50; i++ {
		gappy[i].Y = math.NaN()
	}
	whole := chartLine(100, func(i int) float64 { return float64(100 - i) })
	allNaN := chartLine(10, func(int) float64 { return math.NaN() })
	for _, w := range []int{40, 200} { // downsampled and not
		c := New("acc", chartTestStyles(t), DefaultKeyMap())
		c.SetSize(w, 12)
		a, b := chartTwoStyles(t)
		c.SetSeries([]Series{{Name: "A", Points: gappy, Style: a}, {Name: "B", Points: whole, Style: b},
			{Name: "C", Style: a}, {Name: "D", Points: allNaN, Style: b}})
		chartCheckBox(t, c.View(), w, 12)
		if got := []int{len(c.bySeries[0]), len(c.bySeries[1]), len(c.bySeries[2]), len(c.bySeries[3])}; !slices.Equal(got, []int{2, 1, 0, 0}) {
			t.Errorf("width %d: segments by series %v, want [2 1 0 0]", w, got)
		}
		if s := c.bySeries[1][0]; s[0].X != 0 || s[len(s)-1].X != 99 {
			t.Errorf("width %d: the whole series is cut: %v … %v", w, s[0], s[len(s)-1])
		}
	}
	// No points at all, in every series.
	c := New("acc", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(40, 10)
	c.SetSeries([]Series{{Name: "A"}, {Name: "B"}})
	if v := c.View(); !strings.Contains(v, "no points yet") {
		t.Errorf("empty series:\n%s", v)
	}
}

// Each series is in its colour; where two meet, the cell has the dots of
// both, in the later one's colour.
func TestChartSeriesColours(t *testing.T) {
	up := Series{Name: "up", Points: []Point{{0, 0}, {10, 10}}}
	down := Series{Name: "down", Points: []Point{{0, 10}, {10, 0}}}
	up.Style, down.Style = chartTwoStyles(t)
	draw := func(series ...Series) string {
		c := New("x", chartTestStyles(t), DefaultKeyMap())
		c.SetSize(30, 12)
		c.SetSeries(series)
		return c.View()
	}
	// In colour (without, the series have marks: TestChartSeriesMarks).
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	// Each alone (same ranges), to know where each passes.
	upAlone, downAlone := strings.Split(ansi.Strip(draw(up)), "\n"), strings.Split(ansi.Strip(draw(down)), "\n")
	coloured := draw(up, down)
	plain := ansi.Strip(coloured)
	upOn, _ := styleCodes(up.Style)
	downOn, _ := styleCodes(down.Style)
	if upOn == downOn || !strings.HasPrefix(upOn, "\x1b[") {
		t.Fatalf("series styles %q %q", upOn, downOn)
	}
	braille := func(r rune) bool { return r >= 0x2800 && r <= 0x28ff }
	cells := chartCellColours(coloured)
	var shared, onlyUp, onlyDown int
	for y, line := range strings.Split(plain, "\n") {
		both, u, d := []rune(line), []rune(upAlone[y]), []rune(downAlone[y])
		for x, r := range both {
			inUp, inDown := braille(u[x]), braille(d[x])
			got := cells[y][x]
			switch {
			case inUp && inDown:
				shared++
				if want := 0x2800 | (u[x] - 0x2800) | (d[x] - 0x2800); r != want || got != downOn {
					t.Errorf("(%d,%d) where both meet: %q in %q, want %q in the later series' %q", x, y, r, got, want, downOn)
				}
			case inUp:
				onlyUp++
				if r != u[x] || got != upOn {
					t.Errorf("(%d,%d) on up: %q in %q, want %q", x, y, r, got, upOn)
				}
			case inDown:
				onlyDown++
				if r != d[x] || got != downOn {
					t.Errorf("(%d,%d) on down: %q in %q, want %q", x, y, r, got, downOn)
				}
			case braille(r):
				t.Errorf("(%d,%d): %q drawn by neither", x, y, r)
			}
		}
	}
	if shared == 0 || onlyUp == 0 || onlyDown == 0 {
		t.Errorf("cells: %d shared, %d up only, %d down only\n%s", shared, onlyUp, onlyDown, plain)
	}
}

// A chart of several series draws again only when a series' data, name or
// style changed.
func TestChartSeriesViewIsCached(t *testing.T) {
	a, b := chartTwoStyles(t)
	series := func(style lipgloss.Style, last float64) []Series {
		return []Series{{Name: "A", Points: []Point{{0, 1}, {1, 2}}, Style: a},
			{Name: "B", Points: []Point{{0, 3}, {1, last}}, Style: style}}
	}
	c := New("loss", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(40, 10)
	c.SetSeries(series(b, 4))
	c.View()
	c.SetSeries(series(b, 4))
	c.View()
	if c.renders != 1 {
		t.Errorf("the same series drew again: %d renders", c.renders)
	}
	for i, change := range []func(){
		func() { c.SetSeries(series(b, 5)) },
		func() { c.SetSeries(series(a, 5)) },
		func() { c.SetSeries(series(a, 5)[:1]) },
		func() { c.SetSmoothing(0.5) },
	} {
		change()
		c.View()
		c.View()
		if c.renders != i+2 {
			t.Errorf("change %d: %d renders, want %d", i, c.renders, i+2)
		}
	}
}

// s and L toggle the options; other keys change nothing.
func TestChartKeys(t *testing.T) {
	c := New("loss", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(40, 10)
	c.SetPoints(chartLine(10, func(i int) float64 { return float64(i + 1) }))
	c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("s")})
	c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("L")})
	if o := c.Options(); !o.Smooth || !o.LogY || c.alpha != Smoothing {
		t.Errorf("after s and L: %+v, alpha %v", o, c.alpha)
	}
	if title := strings.Split(c.View(), "\n")[0]; !strings.Contains(title, "EMA 0.6 log") {
		t.Errorf("title %q", title)
	}
	c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
	c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("s")})
	if o := c.Options(); o.Smooth || !o.LogY {
		t.Errorf("after x and s: %+v", o)
	}
	if _, ok := DefaultKeyMap().Toggle(Options{}, tea.KeyMsg{Type: tea.KeyEnter}); ok {
		t.Error("enter toggles an option")
	}
	// L goes on to a heat strip on a chart of one series; one of several
	// goes back to linear.
	c.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("L")})
	if o := c.Options(); !o.Heat || o.LogY || !strings.ContainsRune(c.View(), '█') {
		t.Errorf("L from log: %+v\n%s", o, c.View())
	}
	m := New("loss", chartTestStyles(t), DefaultKeyMap())
	m.SetSeries([]Series{{Name: "a", Points: chartLine(10, func(i int) float64 { return float64(i) })}})
	for range 2 {
		m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("L")})
	}
	if o := m.Options(); o.Heat || o.LogY {
		t.Errorf("L twice on a chart of several: %+v", o)
	}
}

// An axis of steps is labelled on whole steps only: a run of two steps
// is not labelled 1 1 1 2 2.
func TestStepTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{1, 2, 10, []float64{1, 2}},
		{0, 3, 10, []float64{0, 1, 2, 3}},
		{1.2, 1.8, 5, nil},
		{0, 1000, 5, []float64{0, 200, 400, 600, 800, 1000}},
	} {
		if got := stepTicks(c.lo, c.hi, c.n); !slices.Equal(got, c.want) {
			t.Errorf("stepTicks(%v, %v, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
		}
	}
}

// Marks draw a vertical line at each X in the plot (behind the series),
// and none for an X out of it; the same marks again draw nothing anew.
func TestChartMarks(t *testing.T) {
	c := New("acc", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(40, 12)
	c.SetPoints(chartLine(101, func(i int) float64 { return 1 }))
	c.SetMarks([]float64{25, 500})
	v := ansi.Strip(c.View())
	lines := strings.Split(v, "\n")
	col := -1
	for _, l := range lines {
		if i := strings.IndexRune(l, markRune); i >= 0 {
			if c := utf8.RuneCountInString(l[:i]); col < 0 || c == col {
				col = c
				continue
			}
			t.Fatalf("marks in two columns:\n%s", v)
		}
	}
	if n := strings.Count(v, string(markRune)); col < 0 || n < 8 {
		t.Fatalf("%d mark cells:\n%s", n, v)
	}
	if !strings.Contains(v, "┴") {
		t.Errorf("no tick under the mark:\n%s", v)
	}
	// The flat line at 1 crosses the mark: the line keeps the cell.
	crossed := false
	for _, l := range lines {
		if r := []rune(l); col < len(r) && r[col] >= 0x2800 && r[col] <= 0x28ff {
			crossed = true
		}
	}
	if !crossed {
		t.Errorf("the mark hides the line:\n%s", v)
	}
	renders := c.Renders()
	c.SetMarks([]float64{25, 500})
	if c.View(); c.Renders() != renders {
		t.Errorf("the same marks drew again")
	}
	c.SetMarks(nil)
	if v := c.View(); strings.ContainsRune(v, markRune) || c.Renders() != renders+1 {
		t.Errorf("marks left:\n%s", v)
	}
}
