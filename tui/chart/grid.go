package chart

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
)

// Grid is a page of charts, one a metric, laid out in columns × rows, as
// W&B's terminal viewer lays out a run's: the metrics pages (n/N), the
// layout changes (c/r), a filter by name keeps the metrics matching it (/),
// an inspector reads every chart of the page at one X (i, ←/→), and a zoom
// shows a range of X on all of them (z, 0). Every chart draws with the same
// options (smoothing, scale).
//
// The grid knows the metrics' names; only those of the page shown have
// charts and need points (Visible), so that a run of 200 metrics asks the
// engine for a page's. A status line under the charts says where the user
// is: "page 2/5 · 16 metrics · filter: loss".
type Grid struct {
	styles styles.Styles
	keys   KeyMap
	w, h   int
	what   string // the noun of the status line (SetNoun)

	// cols and rows are the layout asked for (c, r); a page shows cols×rows
	// metrics, fewer charts taking the room when there are fewer.
	cols, rows int
	names      []string // every metric, in the order given
	shown      []string // those matching the filter
	page       int
	filter     string
	typing     bool // the filter is being typed
	charts     map[string]*Chart
	opts       Options
	xName      string
	xLabel     func(float64) string
	// The inspector: on, at X cursor. mark is the start of a zoom being
	// chosen (z once); zoom the X range shown (z twice), nil for all.
	inspect bool
	cursor  float64
	mark    *float64
	zoom    *[2]float64
	// The last page drawn: the charts' drawings it was joined from, and
	// the result, kept while they are the same.
	drawnFrom []string
	drawn     string
}

// MaxCells is the most columns, and rows, a grid has.
const MaxCells = 4

// NewGrid returns a grid of 2×2 charts; give it a size and names.
func NewGrid(s styles.Styles, k KeyMap) *Grid {
	g := &Grid{styles: s, keys: k, cols: 2, rows: 2, charts: map[string]*Chart{}}
	g.updateKeys()
	return g
}

// gap is the blank between neighbouring charts, so that one's plot does
// not run into the next one's labels.
const gap = 2

// SetSize lays the grid out in w×h cells, the status line included.
func (g *Grid) SetSize(w, h int) {
	g.w, g.h = w, h
	g.clampPage()
	g.layout()
	g.updateKeys()
}

// SetLayout asks for cols×rows charts a page (each 1..MaxCells).
func (g *Grid) SetLayout(cols, rows int) {
	g.cols, g.rows = min(max(cols, 1), MaxCells), min(max(rows, 1), MaxCells)
	g.clampPage()
	g.layout()
	g.updateKeys()
}

// SetNames gives the metrics, in the order the grid shows them; charts of
// metrics gone are dropped.
func (g *Grid) SetNames(names []string) {
	if slices.Equal(names, g.names) {
		return
	}
	g.names = append(g.names[:0:0], names...)
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		keep[n] = true
	}
	for n := range g.charts {
		if !keep[n] {
			delete(g.charts, n)
		}
	}
	g.applyFilter()
}

// applyFilter keeps the metrics whose name holds the filter (ignoring
// case), back on the first page when the filter changed what is shown.
func (g *Grid) applyFilter() {
	needle := strings.ToLower(g.filter)
	shown := g.shown[:0:0]
	for _, n := range g.names {
		if strings.Contains(strings.ToLower(n), needle) {
			shown = append(shown, n)
		}
	}
	g.shown = shown
	g.clampPage()
	g.layout()
	g.updateKeys()
}

// perPage is how many metrics a page holds: the layout asked for, with no
// more rows than the height leaves readable.
func (g *Grid) perPage() int { return g.cols * g.fitRows() }

// fitRows is the rows asked for, fewer when they would be too short to
// read.
func (g *Grid) fitRows() int { return min(g.rows, max(1, (g.h-1)/minChartHeight)) }

// Pages is the number of pages (1 with no metric).
func (g *Grid) Pages() int { return max(1, (len(g.shown)+g.perPage()-1)/g.perPage()) }

// Page is the page shown, from 0.
func (g *Grid) Page() int { return g.page }

func (g *Grid) clampPage() { g.page = min(max(g.page, 0), g.Pages()-1) }

// Visible is the metrics of the page shown: those whose points the grid
// needs.
func (g *Grid) Visible() []string {
	from := min(g.page*g.perPage(), len(g.shown))
	return g.shown[from:min(from+g.perPage(), len(g.shown))]
}

// Filter is the filter in force ("" for none).
func (g *Grid) Filter() string { return g.filter }

// Capturing reports that the grid takes every key: a filter being typed.
func (g *Grid) Capturing() bool { return g.typing }

// cells is the layout of the page shown: as asked (see fitRows), or fewer
// columns and rows when there are fewer charts (one chart alone takes the
// width).
func (g *Grid) cells() (cols, rows int) {
	n := max(len(g.Visible()), 1)
	cols = min(g.cols, n)
	rows = min(g.fitRows(), (n+cols-1)/cols)
	return cols, rows
}

// minChartHeight is the least height a chart is drawn in: a title, three
// rows of plot, the axis and its labels.
const minChartHeight = 6

// ChartSize is the size of each chart of the page shown.
func (g *Grid) ChartSize() (w, h int) {
	cols, rows := g.cells()
	w = max(1, (g.w-gap*(cols-1))/cols)
	h = max(1, (g.h-1)/rows)
	return w, h
}

// layout sizes the charts of the page shown.
func (g *Grid) layout() {
	w, h := g.ChartSize()
	for _, n := range g.Visible() {
		if c := g.charts[n]; c != nil {
			c.SetSize(w, h)
		}
	}
}

// Chart is the chart of a metric, made when first asked for, drawn as the
// grid draws: its size, options, axis, inspector and zoom.
func (g *Grid) Chart(name string) *Chart {
	c := g.charts[name]
	if c == nil {
		c = New(name, g.styles, g.keys)
		c.SetSize(g.ChartSize())
		c.SetOptions(g.opts)
		c.SetXLabels(g.xLabel)
		c.SetXName(g.xName)
		g.applyView(c)
		g.charts[name] = c
	}
	return c
}

// SetPoints replaces a metric's points (see Chart.SetPoints).
func (g *Grid) SetPoints(name string, pts []Point) { g.Chart(name).SetPoints(pts) }

// SetXAxis names the X axis (step, time) and says how its labels are
// written (nil: numbers), for every chart. Moving from one axis to another
// leaves the inspector and zoom, which were in the other's units.
func (g *Grid) SetXAxis(name string, label func(float64) string) {
	if name != g.xName {
		g.inspect, g.mark, g.zoom = false, nil, nil
	}
	g.xName, g.xLabel = name, label
	for _, c := range g.charts {
		c.SetXName(name)
		c.SetXLabels(label)
		g.applyView(c)
	}
}

// Options are the options every chart draws with.
func (g *Grid) Options() Options { return g.opts }

// applyView gives a chart the inspector's cursor and the zoom.
func (g *Grid) applyView(c *Chart) {
	c.SetCursor(g.cursor, g.inspect)
	if g.zoom != nil {
		c.SetXRange(g.zoom[0], g.zoom[1])
	} else {
		c.SetXRange(0, 0)
	}
}

func (g *Grid) applyAll() {
	for _, c := range g.charts {
		g.applyView(c)
	}
}

// xRange is the X range the page's charts draw: the zoom's, or the union
// of their data's.
func (g *Grid) xRange() (lo, hi float64, ok bool) {
	if g.zoom != nil {
		return g.zoom[0], g.zoom[1], true
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, n := range g.Visible() {
		if c := g.charts[n]; c != nil {
			if l, h, o := c.XRange(); o {
				lo, hi, ok = min(lo, l), max(hi, h), true
			}
		}
	}
	return lo, hi, ok && hi > lo
}

// Detail is how many times the zoom magnifies the page's X range: 1
// without a zoom. A page reading its points from a summary of the whole
// range (two points a column) asks for Detail times more, so that a zoom
// shows as much detail as the whole range did.
func (g *Grid) Detail() float64 {
	if g.zoom == nil {
		return 1
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, n := range g.Visible() {
		if c := g.charts[n]; c != nil {
			if l, h, ok := c.XRange(); ok {
				lo, hi = min(lo, l), max(hi, h)
			}
		}
	}
	if !(hi > lo) {
		return 1
	}
	return max(1, (hi-lo)/(g.zoom[1]-g.zoom[0]))
}

// Update takes the grid's keys; the page keeps its points up to date
// (after a key, Visible may name other metrics).
func (g *Grid) Update(msg tea.Msg) (*Grid, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return g, nil
	}
	defer g.updateKeys()
	if g.typing {
		g.typeFilter(km)
		return g, nil
	}
	if o, ok := g.keys.Toggle(g.opts, msg); ok {
		g.opts = o
		for _, c := range g.charts {
			c.SetOptions(o)
		}
		return g, nil
	}
	k := g.keys
	switch {
	case key.Matches(km, k.NextPage):
		g.page = (g.page + 1) % g.Pages()
	case key.Matches(km, k.PrevPage):
		g.page = (g.page + g.Pages() - 1) % g.Pages()
	case key.Matches(km, k.Columns):
		g.SetLayout(g.cols%MaxCells+1, g.rows)
	case key.Matches(km, k.Rows):
		g.SetLayout(g.cols, g.rows%MaxCells+1)
	case key.Matches(km, k.Filter):
		g.typing = true
	case key.Matches(km, k.Inspect):
		g.toggleInspector()
	case g.inspect && key.Matches(km, k.ClearFilter):
		g.toggleInspector()
	case g.filter != "" && key.Matches(km, k.ClearFilter):
		g.filter, g.page = "", 0
		g.applyFilter()
	case g.inspect && key.Matches(km, k.CursorLeft):
		g.moveCursor(-1)
	case g.inspect && key.Matches(km, k.CursorRight):
		g.moveCursor(1)
	case g.inspect && key.Matches(km, k.CursorFarLeft):
		g.moveCursor(-10)
	case g.inspect && key.Matches(km, k.CursorFarRight):
		g.moveCursor(10)
	case key.Matches(km, k.Zoom):
		g.zoomKey()
	case key.Matches(km, k.ResetZoom):
		g.zoom, g.mark = nil, nil
		g.applyAll()
	}
	g.layout()
	return g, nil
}

// updateKeys enables the keys that do something now: while the filter is
// typed, only its own; the pages with more than one; the cursor's with
// the inspector, towards the side it can move to; the zoom's reset when zoomed; smoothing's steps short of
// their ends.
func (g *Grid) updateKeys() {
	k := &g.keys
	on := !g.typing
	for _, b := range []*key.Binding{&k.Smooth, &k.LogScale, &k.Columns, &k.Rows, &k.Filter, &k.Inspect, &k.Zoom} {
		b.SetEnabled(on)
	}
	k.NextPage.SetEnabled(on && g.Pages() > 1)
	k.PrevPage.SetEnabled(on && g.Pages() > 1)
	k.ApplyFilter.SetEnabled(g.typing)
	// esc closes what is open, the inspector first, then a kept filter;
	// one binding, whose help says which.
	k.ClearFilter.SetEnabled(g.typing || g.TakesEsc())
	if !g.typing && g.inspect {
		k.ClearFilter.SetHelp("esc", "stop inspecting")
	} else {
		k.ClearFilter.SetHelp("esc", "clear the filter")
	}
	lo, hi, ok := g.xRange()
	left, right := on && g.inspect && ok && g.cursor > lo, on && g.inspect && ok && g.cursor < hi
	k.CursorLeft.SetEnabled(left)
	k.CursorFarLeft.SetEnabled(left)
	k.CursorRight.SetEnabled(right)
	k.CursorFarRight.SetEnabled(right)
	k.ResetZoom.SetEnabled(on && g.zoom != nil)
	w := g.opts.weight()
	k.Smoother.SetEnabled(on && w < smoothingSteps[len(smoothingSteps)-1])
	k.Rougher.SetEnabled(on && w > 0)
}

// Inspecting reports that the inspector is shown: its cursor takes ←/→ and
// h/l.
func (g *Grid) Inspecting() bool { return g.inspect }

// InspectAt shows the inspector at the X under a cell of the grid (x, y
// from its top left: a click or a drag of the mouse): ok false when the
// cell is not over a chart's plot.
func (g *Grid) InspectAt(x, y int) bool {
	cols, rows := g.cells()
	w, h := g.ChartSize()
	col, row := x/(w+gap), y/h
	vis := g.Visible()
	i := row*cols + col
	if x < 0 || y < 0 || col >= cols || row >= rows || i >= len(vis) || g.charts[vis[i]] == nil {
		return false
	}
	at, ok := g.charts[vis[i]].XAt(x - col*(w+gap))
	if !ok {
		return false
	}
	g.inspect, g.cursor = true, at
	g.applyAll()
	g.updateKeys()
	return true
}

// Handles reports whether a key is one the grid takes now, so that a page
// whose own keys share it (the run page's h/l between tabs, r to register)
// lets the grid have it first.
func (g *Grid) Handles(msg tea.KeyMsg) bool {
	k := g.keys
	if g.typing {
		return true
	}
	// The cursor's keys, even at an end of the range where they do nothing,
	// so that l at the right end does not change the page's tab.
	if g.inspect && boundTo(msg, k.CursorLeft, k.CursorRight, k.CursorFarLeft, k.CursorFarRight) {
		return true
	}
	if g.TakesEsc() && key.Matches(msg, k.ClearFilter) {
		return true
	}
	return key.Matches(msg, k.Smooth, k.Smoother, k.Rougher, k.LogScale, k.NextPage, k.PrevPage,
		k.Columns, k.Rows, k.Filter, k.Inspect, k.Zoom, k.ResetZoom)
}

// TakesEsc reports that esc closes something of the grid (its inspector,
// a kept filter) rather than leaving the page that shows it.
func (g *Grid) TakesEsc() bool { return !g.typing && (g.inspect || g.filter != "") }

// boundTo reports whether a key is one of the bindings', enabled or not.
func boundTo(msg tea.KeyMsg, bs ...key.Binding) bool {
	for _, b := range bs {
		if slices.Contains(b.Keys(), msg.String()) {
			return true
		}
	}
	return false
}

// typeFilter takes a key of the filter being typed: it filters as it is
// typed; enter keeps it, esc clears it.
func (g *Grid) typeFilter(km tea.KeyMsg) {
	switch {
	case key.Matches(km, g.keys.ApplyFilter):
		g.typing = false
		return
	case key.Matches(km, g.keys.ClearFilter):
		g.typing, g.filter = false, ""
	case km.Type == tea.KeyBackspace:
		if r := []rune(g.filter); len(r) > 0 {
			g.filter = string(r[:len(r)-1])
		}
	case km.Type == tea.KeyRunes || km.Type == tea.KeySpace:
		g.filter += string(km.Runes)
	default:
		return
	}
	g.page = 0
	g.applyFilter()
}

// toggleInspector shows or hides the inspector; it starts at the middle of
// the X range shown.
func (g *Grid) toggleInspector() {
	g.inspect, g.mark = !g.inspect, nil
	if g.inspect {
		lo, hi, ok := g.xRange()
		if !ok {
			g.inspect = false
			return
		}
		g.cursor = (lo + hi) / 2
	}
	g.applyAll()
}

// moveCursor moves the inspector by cols columns of the charts' plots,
// staying in the X range.
func (g *Grid) moveCursor(cols int) {
	lo, hi, ok := g.xRange()
	if !ok {
		return
	}
	w, _ := g.ChartSize()
	step := (hi - lo) / float64(max(w-6, 1)) // the plot is the chart less its Y labels
	g.cursor = min(max(g.cursor+float64(cols)*step, lo), hi)
	g.applyAll()
}

// zoomKey: with the inspector, the first z marks the cursor's X, the second
// zooms to the range between the mark and the cursor; without, z zooms to
// the middle half of what is shown.
func (g *Grid) zoomKey() {
	lo, hi, ok := g.xRange()
	switch {
	case !ok:
		return
	case g.inspect && g.mark == nil:
		x := g.cursor
		g.mark = &x
		return
	case g.inspect:
		a, b := min(*g.mark, g.cursor), max(*g.mark, g.cursor)
		g.mark = nil
		if b <= a {
			return
		}
		g.zoom = &[2]float64{a, b}
	default:
		q := (hi - lo) / 4
		g.zoom = &[2]float64{lo + q, hi - q}
	}
	g.applyAll()
}

// ShortHelp and FullHelp are the grid's keys (help.KeyMap); while the
// filter is typed, only its own.
func (g *Grid) ShortHelp() []key.Binding {
	k := g.keys
	if g.inspect {
		return keyhelp.Enabled(k.Inspect, k.CursorLeft, k.CursorRight, k.ResetZoom, k.ClearFilter)
	}
	// esc last: a page keeps its way out on a narrow footer.
	return keyhelp.Enabled(k.ApplyFilter, k.NextPage, k.Filter, k.Inspect, k.Smooth, k.LogScale, k.ClearFilter)
}

func (g *Grid) FullHelp() [][]key.Binding {
	k := g.keys
	return keyhelp.Rows([][]key.Binding{
		{k.NextPage, k.PrevPage}, {k.Columns, k.Rows},
		{k.Filter}, {k.ApplyFilter}, {k.ClearFilter},
		{k.Inspect}, {k.CursorLeft, k.CursorRight}, {k.CursorFarLeft, k.CursorFarRight},
		{k.Zoom}, {k.ResetZoom},
		{k.Smooth}, {k.Rougher, k.Smoother}, {k.LogScale},
	}...)
}

// Status is the grid's status line: the page, the metrics, the filter, the
// inspector's X, the zoom and the layout.
func (g *Grid) Status() string {
	parts := []string{fmt.Sprintf("page %d/%d", g.page+1, g.Pages())}
	switch {
	case g.filter != "" || g.typing:
		parts = append(parts, fmt.Sprintf("%d of %s", len(g.shown), format.Plural(len(g.names), g.noun())))
	default:
		parts = append(parts, format.Plural(len(g.names), g.noun()))
	}
	if g.filter != "" || g.typing {
		f := "filter: " + g.filter
		if g.typing {
			f = "filter: /" + g.filter + "█"
		}
		parts = append(parts, f)
	}
	if g.inspect {
		parts = append(parts, "cursor "+g.xText(g.cursor))
		if g.mark != nil {
			parts = append(parts, "zoom from "+g.xText(*g.mark)+": z again to end")
		}
	}
	if g.zoom != nil {
		parts = append(parts, "zoom "+g.xText(g.zoom[0])+"–"+g.xText(g.zoom[1])+" (0 resets)")
	}
	parts = append(parts, fmt.Sprintf("%d×%d grid", g.cols, g.rows))
	return strings.Join(parts, " · ")
}

func (g *Grid) xText(v float64) string {
	s := format.Short(v, 4)
	if g.xLabel != nil {
		s = g.xLabel(v)
	}
	if g.xName != "" {
		return g.xName + " " + s
	}
	return s
}

// View draws the page: the charts in rows, a gap between neighbours, then
// the status line. Each chart keeps its drawing until it changes, and the
// page its joining of them.
func (g *Grid) View() string {
	status := g.styles.Muted.Render(format.Fit(g.Status(), g.w))
	vis := g.Visible()
	if len(vis) == 0 {
		msg := "no metrics logged yet"
		if g.filter != "" {
			msg = fmt.Sprintf("no metric matches %q", g.filter)
		}
		return g.styles.Muted.Render(msg) + "\n" + status
	}
	w, h := g.ChartSize()
	parts := make([]string, 0, len(vis)+1)
	for _, n := range vis {
		if c := g.charts[n]; c != nil {
			parts = append(parts, c.View())
		} else {
			parts = append(parts, lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, g.styles.Muted.Render("loading "+format.Fit(n, w-10)+"…")))
		}
	}
	parts = append(parts, status)
	// Strings of the same drawing share their bytes: comparing them is cheap.
	if slices.Equal(parts, g.drawnFrom) {
		return g.drawn
	}
	cols, rows := g.cells()
	blank := strings.Repeat(" ", gap)
	var b strings.Builder
	for r := range rows {
		line := make([]string, 0, 2*cols)
		for c := range cols {
			i := r*cols + c
			if i >= len(vis) {
				break
			}
			if c > 0 {
				line = append(line, blank)
			}
			line = append(line, parts[i])
		}
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, line...))
		b.WriteByte('\n')
	}
	g.drawnFrom, g.drawn = parts, b.String()+status
	return g.drawn
}

// SetNoun names what the grid charts in its status ("metric", the
// default; "chart" for a run's system readings).
func (g *Grid) SetNoun(noun string) { g.what = noun }

func (g *Grid) noun() string { return cmp.Or(g.what, "metric") }
