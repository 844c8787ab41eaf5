package chart

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unsafe"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"lathe/themes"
	"lathe/tui/format"
	"lathe/tui/styles"
)

// gridKeys sends keys to a grid, each rune a key but for names in <>.
func gridKeys(g *Grid, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		case "pgdown":
			msg = tea.KeyMsg{Type: tea.KeyPgDown}
		case "pgup":
			msg = tea.KeyMsg{Type: tea.KeyPgUp}
		case "right":
			msg = tea.KeyMsg{Type: tea.KeyRight}
		case "left":
			msg = tea.KeyMsg{Type: tea.KeyLeft}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		g.Update(msg)
	}
}

// metricNames are n metrics, two kinds of each: loss/0, acc/0, loss/1…
func metricNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s/%02d", []string{"loss", "acc"}[i%2], i/2)
	}
	return out
}

// fillGrid gives every visible metric a line from 0 to 1000 steps whose
// value is the step times the metric's number.
func fillGrid(g *Grid) {
	for _, n := range g.Visible() {
		var k float64
		fmt.Sscanf(n[strings.IndexByte(n, '/')+1:], "%f", &k)
		g.SetPoints(n, chartLine(1001, func(i int) float64 { return float64(i) * (k + 1) }))
	}
}

func newTestGrid(t *testing.T, w, h, metrics int) *Grid {
	g := NewGrid(chartTestStyles(t), DefaultKeyMap())
	g.SetSize(w, h)
	g.SetNames(metricNames(metrics))
	g.SetXAxis("step", nil)
	fillGrid(g)
	return g
}

// Every metric is reachable: 16 metrics on 2×2 pages are 4 pages, n and
// pgdown go forward, N and pgup back, around the ends; the status line
// says where.
func TestGridPages(t *testing.T) {
	g := newTestGrid(t, 120, 40, 16)
	all := metricNames(16)
	var seen []string
	for page := range 4 {
		vis := g.Visible()
		if len(vis) != 4 || !slices.Equal(vis, all[4*page:4*page+4]) {
			t.Fatalf("page %d shows %v", page+1, vis)
		}
		fillGrid(g)
		v := g.View()
		for _, n := range vis {
			if !strings.Contains(v, n) {
				t.Errorf("page %d lacks the chart of %s:\n%s", page+1, n, v)
			}
		}
		if want := fmt.Sprintf("page %d/4 · 16 metrics", page+1); !strings.Contains(v, want) {
			t.Errorf("status lacks %q:\n%s", want, v)
		}
		seen = append(seen, vis...)
		gridKeys(g, "n")
	}
	if !slices.Equal(seen, all) || g.Page() != 0 {
		t.Errorf("pages showed %v, back at page %d", seen, g.Page()+1)
	}
	gridKeys(g, "N")
	if g.Page() != 3 {
		t.Errorf("N from the first page: page %d", g.Page()+1)
	}
	gridKeys(g, "pgdown", "pgdown")
	if g.Page() != 1 {
		t.Errorf("pgdown twice from the last page: page %d", g.Page()+1)
	}
	gridKeys(g, "pgup")
	if g.Page() != 0 {
		t.Errorf("pgup: page %d", g.Page()+1)
	}
}

// c and r change the columns and rows (1 to 4, around); a page holds as
// many metrics; fewer charts than cells take the room, one alone the
// whole width; the height a chart needs caps the rows.
func TestGridLayout(t *testing.T) {
	g := newTestGrid(t, 120, 40, 16)
	gridKeys(g, "c")
	if n := len(g.Visible()); n != 6 || g.Pages() != 3 {
		t.Errorf("3×2: %d a page, %d pages", n, g.Pages())
	}
	if w, _ := g.ChartSize(); w != (120-2*gap)/3 {
		t.Errorf("3 columns: charts %d wide", w)
	}
	gridKeys(g, "r", "r")
	if n := len(g.Visible()); n != 12 {
		t.Errorf("3×4: %d a page", n)
	}
	gridKeys(g, "c", "c", "r") // 1×1
	if n := len(g.Visible()); n != 1 || g.Pages() != 16 {
		t.Errorf("1×1: %d a page, %d pages", n, g.Pages())
	}
	if w, h := g.ChartSize(); w != 120 || h != 39 {
		t.Errorf("one chart: %d×%d, want the whole 120×39", w, h)
	}
	// Two metrics on a 2×2 grid: side by side, the full height.
	g2 := newTestGrid(t, 120, 40, 2)
	if w, h := g2.ChartSize(); w != 59 || h != 39 {
		t.Errorf("two charts: %d×%d", w, h)
	}
	// On 24 lines, four rows do not fit: three (6 lines each) do.
	g3 := newTestGrid(t, 80, 22, 16)
	gridKeys(g3, "r", "r")
	if _, rows := g3.cells(); rows != 3 || len(g3.Visible()) != 6 {
		t.Errorf("4 rows asked in 21 lines: %d rows, %d a page", rows, len(g3.Visible()))
	}
	checkFrame(t, g3.View(), 80, 22)
}

// checkFrame checks that a view fits w cells and h lines.
func checkFrame(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Errorf("%d lines in %d", len(lines), h)
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			t.Errorf("line %d is %d wide: %q", i, ansi.StringWidth(l), l)
		}
	}
}

// Neighbouring charts are apart: the two columns between them are blank
// on every line.
func TestGridGap(t *testing.T) {
	g := newTestGrid(t, 80, 24, 4)
	w, h := g.ChartSize()
	lines := strings.Split(ansi.Strip(g.View()), "\n")
	for i, l := range lines[:2*h] {
		r := []rune(l)
		if len(r) < w+gap || strings.TrimSpace(string(r[w:w+gap])) != "" {
			t.Errorf("line %d has no gap at %d: %q", i, w, l)
		}
	}
}

// / filters by name as it is typed, the grid capturing every key (n types
// an n); enter keeps the filter, esc while typing clears it.
func TestGridFilter(t *testing.T) {
	g := newTestGrid(t, 120, 40, 16)
	gridKeys(g, "n") // page 2, which the filter leaves
	gridKeys(g, "/")
	if !g.Capturing() {
		t.Fatal("/ does not capture the keys")
	}
	gridKeys(g, "a", "c", "c", "x", "backspace")
	if g.Filter() != "acc" || g.Page() != 0 {
		t.Errorf("filter %q, page %d", g.Filter(), g.Page()+1)
	}
	for _, n := range g.Visible() {
		if !strings.HasPrefix(n, "acc") {
			t.Errorf("the filter shows %s", n)
		}
	}
	if v := g.View(); !strings.Contains(v, "page 1/2 · 8 of 16 metrics · filter: /acc█") {
		t.Errorf("status while typing:\n%s", v)
	}
	gridKeys(g, "enter")
	if g.Capturing() || g.Filter() != "acc" {
		t.Errorf("enter: capturing %v, filter %q", g.Capturing(), g.Filter())
	}
	gridKeys(g, "n")
	if g.Page() != 1 || !strings.Contains(g.View(), "page 2/2 · 8 of 16 metrics · filter: acc") {
		t.Errorf("n after the filter: page %d\n%s", g.Page()+1, g.View())
	}
	gridKeys(g, "/", "esc")
	if g.Capturing() || g.Filter() != "" || g.Pages() != 4 {
		t.Errorf("esc: capturing %v, filter %q, %d pages", g.Capturing(), g.Filter(), g.Pages())
	}
	gridKeys(g, "/", "z", "z", "enter")
	if v := g.View(); !strings.Contains(v, `no metric matches "zz"`) {
		t.Errorf("no match:\n%s", v)
	}
}

// The inspector reads every chart of the page at one step: i shows it at
// the middle, → moves it a column, each chart's title says its value
// there; the cursor is drawn on every chart.
func TestGridInspector(t *testing.T) {
	g := newTestGrid(t, 120, 40, 4)
	gridKeys(g, "i")
	if !g.Inspecting() || g.cursor != 500 {
		t.Fatalf("i: inspecting %v at %v", g.Inspecting(), g.cursor)
	}
	check := func(at float64) {
		t.Helper()
		v := g.View()
		for k, n := range g.Visible() {
			want := fmt.Sprintf("%s @%s %s", n, format.Short(at, 4), format.Short(math.Round(at)*float64(k/2+1), 4))
			if !strings.Contains(v, want) {
				t.Errorf("no %q in:\n%s", want, v)
			}
		}
		if c := strings.Count(v, string(cursorRune)); c < 4*10 {
			t.Errorf("the cursor is drawn in %d cells", c)
		}
	}
	check(500)
	gridKeys(g, "right", "l")
	moved := g.cursor
	if !(moved > 500) {
		t.Fatalf("→ l: cursor at %v", moved)
	}
	check(moved)
	gridKeys(g, ">", "<", "h", "left")
	if math.Abs(g.cursor-500) > 1e-9 {
		t.Errorf("back: cursor at %v", g.cursor)
	}
	gridKeys(g, "i")
	if v := g.View(); strings.ContainsRune(v, cursorRune) || strings.Contains(v, "@") {
		t.Errorf("i again leaves the inspector:\n%s", v)
	}
}

// z with the inspector marks where the zoom starts, z again where it ends:
// every chart draws that range; 0 goes back to all. Without the inspector
// z zooms to the middle half.
func TestGridZoom(t *testing.T) {
	g := newTestGrid(t, 120, 40, 4)
	gridKeys(g, "i", "z")
	if g.zoom != nil || !strings.Contains(g.Status(), "zoom from step 500: z again to end") {
		t.Fatalf("one z: %v %q", g.zoom, g.Status())
	}
	for range 20 {
		gridKeys(g, "l")
	}
	gridKeys(g, "z")
	if g.zoom == nil || g.zoom[0] != 500 || g.zoom[1] != g.cursor {
		t.Fatalf("zoom %v, cursor %v", g.zoom, g.cursor)
	}
	for _, n := range g.Visible() {
		c := g.Chart(n)
		c.View()
		for _, seg := range c.segments {
			if seg[0].X < 500 || seg[len(seg)-1].X > g.cursor {
				t.Errorf("%s draws %v–%v out of the zoom %v", n, seg[0].X, seg[len(seg)-1].X, *g.zoom)
			}
		}
		if !strings.Contains(c.View(), "zoom 500–") {
			t.Errorf("%s's title does not say the zoom:\n%s", n, c.View())
		}
	}
	gridKeys(g, "0")
	if g.zoom != nil || strings.Contains(g.View(), "zoom") {
		t.Errorf("0 leaves the zoom: %v", g.zoom)
	}
	gridKeys(g, "i", "z")
	if g.zoom == nil || g.zoom[0] != 250 || g.zoom[1] != 750 {
		t.Errorf("z without the inspector: %v", g.zoom)
	}
}

// [ and ] step the smoothing's weight, said in every title; s turns it
// off and on at the weight chosen; L goes linear, log, heat, linear.
func TestGridOptions(t *testing.T) {
	g := newTestGrid(t, 120, 40, 4)
	gridKeys(g, "]")
	if w := g.Options().weight(); w != 0.3 {
		t.Errorf("] from off: %v", w)
	}
	gridKeys(g, "]", "]", "]", "]")
	if w := g.Options().weight(); w != 0.8 || !strings.Contains(g.View(), "EMA 0.8") {
		t.Errorf("] five times: %v\n%s", w, g.View())
	}
	gridKeys(g, "s")
	if strings.Contains(g.View(), "EMA") {
		t.Error("s does not turn smoothing off")
	}
	gridKeys(g, "s", "[")
	if w := g.Options().weight(); w != 0.7 || strings.Count(g.View(), "EMA 0.7") != 4 {
		t.Errorf("s then [: %v", w)
	}
	for range 10 {
		gridKeys(g, "]")
	}
	if w := g.Options().weight(); w != 0.99 || g.keys.Smoother.Enabled() {
		t.Errorf("] at the end: %v, enabled %v", w, g.keys.Smoother.Enabled())
	}
	modes := []string{"log", "heat", ""}
	for _, m := range modes {
		gridKeys(g, "L")
		v := g.View()
		for _, n := range g.Visible() {
			title := strings.SplitN(g.Chart(n).View(), "\n", 2)[0]
			if m != "" && !strings.Contains(title, " "+m) || m == "" && (strings.Contains(title, "log") || strings.Contains(title, "heat")) {
				t.Errorf("mode %q: title %q", m, title)
			}
		}
		if heat := strings.ContainsRune(v, '█'); heat != (m == "heat") {
			t.Errorf("mode %q: heat strip drawn %v", m, heat)
		}
	}
}

// Keys the grid shares with a page are its own when it uses them: h and l
// while inspecting (even at an end), / and r always, never while typing
// the page's.
func TestGridHandles(t *testing.T) {
	g := newTestGrid(t, 120, 40, 4)
	key := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	if g.Handles(key("l")) || !g.Handles(key("r")) || !g.Handles(key("/")) || g.Handles(key("t")) {
		t.Error("before the inspector")
	}
	gridKeys(g, "i")
	for range 200 {
		gridKeys(g, "l")
	}
	if !g.Handles(key("l")) || g.keys.CursorRight.Enabled() {
		t.Error("at the right end, l is the grid's and does nothing")
	}
}

// A percentage on a fixed 0–100: 63.9–72.1 reads as the flat line it is,
// labelled on round values; the X axis is named.
func TestChartFixedRangeAndRoundTicks(t *testing.T) {
	c := New("GPU 0 utilisation %", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(60, 14)
	c.SetXName("time")
	c.SetPoints(chartLine(100, func(i int) float64 { return 63.9 + 8.2*float64(i%2) }))
	free := ansi.Strip(c.View())
	c.SetYRange(0, 100)
	fixed := ansi.Strip(c.View())
	labels := func(v string) []string {
		var out []string
		for _, l := range strings.Split(v, "\n")[1:] {
			if i := strings.Index(l, "│"); i > 0 {
				if s := strings.TrimSpace(l[:i]); s != "" {
					out = append(out, s)
				}
			}
		}
		return out
	}
	if got := labels(fixed); !slices.Contains(got, "0") || !slices.Contains(got, "100") {
		t.Errorf("fixed range labels %v:\n%s", got, fixed)
	}
	for _, l := range labels(free) {
		if !slices.Contains([]string{"64", "65", "66", "67", "68", "69", "70", "71", "72"}, l) {
			t.Errorf("label %q is not round:\n%s", l, free)
		}
	}
	last := strings.Split(fixed, "\n")[13]
	if !strings.HasSuffix(strings.TrimSpace(last), "time") {
		t.Errorf("X axis not named: %q", last)
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0.401, 0.839, 3, []float64{0.6, 0.8}},
		{63.9, 72.1, 4, []float64{65, 70}},
		{63.9, 72.1, 8, []float64{64, 66, 68, 70, 72}},
		{0, 1090, 5, []float64{0, 500, 1000}},
		{0, 1090, 6, []float64{0, 200, 400, 600, 800, 1000}},
		{-3, 7, 2, []float64{0, 5}},
		{-7, -3, 4, []float64{-7, -6, -5, -4, -3}},
		{1e-5, 3e-5, 2, []float64{1e-5, 2e-5, 3e-5}},
		{1, 1, 3, nil},
	} {
		got := niceTicks(tc.lo, tc.hi, tc.n)
		if len(got) != len(tc.want) {
			t.Errorf("%v–%v/%d: %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-9*math.Max(1, math.Abs(tc.want[i])) {
				t.Errorf("%v–%v/%d: %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
				break
			}
		}
	}
}

// Without colour, several series are told apart by their marks, in the
// plot and in the legend; with colour, each is a line in its own colour,
// and colours stay apart for many series.
func TestChartSeriesMarks(t *testing.T) {
	none, err := themes.Load("no-colour")
	if err != nil {
		t.Fatal(err)
	}
	s := styles.New(none)
	up := Series{Name: "up", Points: []Point{{0, 0}, {10, 10}}}
	down := Series{Name: "down", Points: []Point{{0, 10}, {10, 0}}}
	flat := Series{Name: "flat", Points: []Point{{0, 5}, {10, 5}}}
	c := New("chart", s, DefaultKeyMap())
	c.SetSize(40, 14)
	c.SetSeries([]Series{up, down, flat})
	v := c.View()
	if !strings.ContainsRune(v, 'x') || !strings.ContainsRune(v, 'o') || !strings.ContainsAny(v, "⠁⠂⠄⡀⠈⠐⠠⢀") {
		t.Errorf("marks: want a braille line, x and o:\n%s", v)
	}
	if LegendMark(s, 0) != "━━" || LegendMark(s, 1) != "xx" || LegendMark(s, 2) != "oo" {
		t.Errorf("legend marks %q %q %q", LegendMark(s, 0), LegendMark(s, 1), LegendMark(s, 2))
	}
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	dark := chartTestStyles(t)
	if LegendMark(dark, 1) != "━━" {
		t.Errorf("with colour, legend %q", LegendMark(dark, 1))
	}
	c = New("chart", dark, DefaultKeyMap())
	c.SetSize(40, 14)
	c.SetSeries([]Series{up, down, flat}) // no styles: the chart's
	if v := ansi.Strip(c.View()); strings.ContainsAny(v, "xo") {
		t.Errorf("marks in colour:\n%s", v)
	}
	seen := map[string]int{}
	for i := range 24 {
		on, _ := styleCodes(SeriesStyle(dark, i))
		if j, dup := seen[on]; dup || on == "" {
			t.Errorf("series %d and %d share %q", i, j, on)
		}
		seen[on] = i
	}
	if on, _ := styleCodes(SeriesStyle(s, 3)); on != "" {
		t.Errorf("no-colour series style %q", on)
	}
}

// The grid at the app's two sizes, with and without colour, paged to the
// second page of 16 metrics with the inspector on: golden files.
func TestGridGolden(t *testing.T) {
	for _, colour := range []bool{false, true} {
		for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
			name := fmt.Sprintf("%dx%d", size.w, size.h)
			if colour {
				name += "-colour"
			}
			t.Run(name, func(t *testing.T) {
				if colour {
					lipgloss.SetColorProfile(termenv.TrueColor)
					defer lipgloss.SetColorProfile(termenv.Ascii)
				}
				g := newTestGrid(t, size.w, size.h, 16)
				gridKeys(g, "n")
				fillGrid(g)
				gridKeys(g, "i", "l", "l")
				v := g.View()
				checkFrame(t, ansi.Strip(v), size.w, size.h)
				if !strings.Contains(v, "page 2/4 · 16 metrics · cursor step") {
					t.Errorf("status:\n%s", v)
				}
				golden.RequireEqual(t, []byte(v))
			})
		}
	}
}

// A time axis is labelled at round durations.
func TestTimeTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{-3600, 0, 3, []float64{-3600, -1800, 0}},
		{0, 200, 4, []float64{0, 60, 120, 180}},
		{0, 10, 5, []float64{0, 2, 4, 6, 8, 10}},
		{0, 5 * 86400, 2, []float64{0, 5 * 86400}},
		{0, 5 * 86400, 3, []float64{0, 2 * 86400, 4 * 86400}},
	} {
		if got := timeTicks(tc.lo, tc.hi, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("%v–%v/%d: %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
		}
	}
}

// A click on a chart's plot shows the inspector at the X under it, on
// every chart; a click on the labels or the gap does not.
func TestGridInspectAt(t *testing.T) {
	g := newTestGrid(t, 120, 40, 4)
	w, _ := g.ChartSize()
	c := g.Chart(g.Visible()[0])
	c.View()
	a := c.plotAxes
	if g.InspectAt(a.x0-1, 5) || g.InspectAt(w, 5) || g.Inspecting() {
		t.Fatal("a click off the plots inspects")
	}
	// The last column of the second chart's plot: the last step.
	if !g.InspectAt(w+gap+a.x0+a.gw-1, 25) || !g.Inspecting() {
		t.Fatal("a click on a plot does not inspect")
	}
	if math.Abs(g.cursor-1000) > 1000.0/float64(a.gw) {
		t.Errorf("the right end of the plot is step %v", g.cursor)
	}
	if !g.InspectAt(a.x0, 3) || g.cursor > 1000.0/float64(a.gw) {
		t.Errorf("the left end of the plot is step %v", g.cursor)
	}
	if !strings.Contains(g.View(), "loss/00 @") {
		t.Errorf("the titles do not say the values:\n%s", g.View())
	}
}

// View joins the charts again only when one of them, or the status, has
// changed.
func TestGridViewIsCached(t *testing.T) {
	g := newTestGrid(t, 120, 40, 4)
	first := g.View()
	if again := g.View(); unsafeSameString(first, again) == false {
		t.Error("the page was joined again without a change")
	}
	g.SetPoints("loss/00", chartLine(10, func(i int) float64 { return float64(i) }))
	if v := g.View(); v == first {
		t.Error("new points leave the page as it was")
	}
}

// unsafeSameString reports whether two strings share their bytes.
func unsafeSameString(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b))
}

// A heat strip is drawn in the chart's colour, not the axes'.
func TestChartHeatInColour(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	c := New("util", chartTestStyles(t), DefaultKeyMap())
	c.SetSize(40, 8)
	c.SetYRange(0, 100)
	c.SetPoints(chartLine(40, func(i int) float64 { return float64(i) * 2.5 }))
	c.SetOptions(Options{Heat: true})
	lineOn, _ := styleCodes(c.lineStyle())
	mutedOn, _ := styleCodes(c.styles.Muted)
	cells := chartCellColours(c.View())
	plain := strings.Split(ansi.Strip(c.View()), "\n")
	var heat int
	for y, row := range cells {
		for x, code := range row {
			if r := []rune(plain[y])[x]; slices.Contains(heatRunes, r) {
				heat++
				if code != lineOn || code == mutedOn {
					t.Fatalf("(%d,%d) %q in %q, want the line's %q", x, y, r, code, lineOn)
				}
			}
		}
	}
	if heat == 0 {
		t.Errorf("no heat strip:\n%s", c.View())
	}
}
