package tui

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/format"
	"lathe/tui/styles"
)

// scatterView reads a sweep: one param or metric against another across
// runs (the marked ones, or those the runs table shows), each point a run;
// or, in parallel coordinates, every param that fits the width, then the
// metric, each run a line across them. A cursor goes from point to point
// (the nearest in a direction) and says the run's name and values; enter
// opens the run. Params whose values are not all numbers are axes of
// positions, one a value.
type scatterView struct {
	styles        styles.Styles
	keys          KeyMap
	runs          []api.Run
	from          string // where the runs come from, for the title
	fields        []sweepField
	x, y          int // the axes: indices of fields
	at            int // the run under the cursor: an index of runs
	parallel      bool
	width, height int
	note          string // why the cursor did not move
	// trials says the runs are a sweep's trials: enter opens one over the
	// sweep's page.
	trials bool

	// The drawing, made again when the axes, the cursor or the size change
	// (View only joins it), and where each run's point is in it.
	drawn string
	cells map[int][2]int // run index → column, row of the plot
}

// sweepField is a param or a metric the runs have, as an axis.
type sweepField struct {
	name   string
	metric bool
	// cats are the values of a param that is not all numbers, sorted: its
	// axis has a position for each.
	cats []string
	// clash says a param and a metric share the name.
	clash bool
}

// label names the field on an axis: a metric that is also a param's name
// is m.NAME, as in the runs table.
func (f sweepField) label() string {
	if f.metric && f.clash {
		return "m." + f.name
	}
	return f.name
}

// value is a run's value of the field: a metric's last value, a param's
// number, or its position among cats.
func (f sweepField) value(r api.Run) (float64, bool) {
	if f.metric {
		m, ok := r.Metrics[f.name]
		v := float64(m.Last)
		return v, ok && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	s, ok := r.Params[f.name]
	if !ok {
		return 0, false
	}
	if f.cats != nil {
		return float64(slices.Index(f.cats, s)), true
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// text writes a run's value of the field.
func (f sweepField) text(r api.Run) string {
	if !f.metric {
		if s, ok := r.Params[f.name]; ok {
			return s
		}
		return "—"
	}
	if v, ok := f.value(r); ok {
		return format.NumberFit(v, 9)
	}
	return "—"
}

// openScatterMsg opens the scatter of runs; from says which runs they are.
type openScatterMsg struct {
	runs []api.Run
	from string
	// trials says they are a sweep's trials (the scatter opens over its
	// page), metric the sweep's (the Y axis), parallel to open on the
	// parallel coordinates.
	trials, parallel bool
	metric           string
}

// sweepFields are the params (numbers, or values as positions) then the
// metrics the runs have, each by name.
func sweepFields(runs []api.Run) []sweepField {
	params, metrics := map[string][]string{}, map[string]bool{}
	for _, r := range runs {
		for k, v := range r.Params {
			params[k] = append(params[k], v)
		}
		for k := range r.Metrics {
			metrics[k] = true
		}
	}
	var out []sweepField
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range params {
			if !yield(k) {
				return
			}
		}
	}) {
		f := sweepField{name: name}
		for _, v := range params[name] {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				f.cats = slices.Compact(slices.Sorted(slices.Values(params[name])))
				break
			}
		}
		out = append(out, f)
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range metrics {
			if !yield(k) {
				return
			}
		}
	}) {
		_, clash := params[name]
		out = append(out, sweepField{name: name, metric: true, clash: clash})
	}
	return out
}

func newScatterView(s styles.Styles, k KeyMap, runs []api.Run, from string) *scatterView {
	p := &scatterView{styles: s, keys: k, runs: runs, from: from, fields: sweepFields(runs), x: -1, y: -1}
	// Y: the metric the curves open on.
	var metrics []string
	for _, f := range p.fields {
		if f.metric {
			metrics = append(metrics, f.name)
		}
	}
	p.aim(preferredMetric(metrics))
	return p
}

// aim puts a metric on Y (the first field when the runs have not it), and
// on X the param that varies that most runs have with it, else any field
// most runs have with it.
func (p *scatterView) aim(metric string) {
	p.y = slices.IndexFunc(p.fields, func(f sweepField) bool { return f.metric && f.name == metric })
	if len(p.fields) == 0 {
		return
	}
	p.y = max(p.y, 0)
	p.x = p.pairedWith(p.y, true)
	if p.x < 0 {
		p.x = p.pairedWith(p.y, false)
	}
	if p.x < 0 {
		p.x = (p.y + 1) % len(p.fields)
	}
}

// pairedWith is the field that most runs have with field y (params that
// vary only, when varying), -1 when none.
func (p *scatterView) pairedWith(y int, varying bool) int {
	best, bestN := -1, 0
	for i, f := range p.fields {
		if i == y || varying && (f.metric || !p.varies(f)) {
			continue
		}
		n := 0
		for _, r := range p.runs {
			_, okx := f.value(r)
			_, oky := p.fields[y].value(r)
			if okx && oky {
				n++
			}
		}
		// The most runs; of those, the field of most values (a swept
		// learning rate over a batch size of two).
		if n > bestN || n == bestN && n > 0 && p.distinct(f) > p.distinct(p.fields[best]) {
			best, bestN = i, n
		}
	}
	return best
}

// distinct is how many values of a field the runs have.
func (p *scatterView) distinct(f sweepField) int {
	seen := map[float64]bool{}
	for _, r := range p.runs {
		if v, ok := f.value(r); ok {
			seen[v] = true
		}
	}
	return len(seen)
}

// varies reports whether the runs have two values of a field or more.
func (p *scatterView) varies(f sweepField) bool { return p.distinct(f) > 1 }

func (p *scatterView) Title() string { return fmt.Sprintf("Scatter (%d runs)", len(p.runs)) }

func (p *scatterView) SetSize(w, h int) {
	first := p.drawn == ""
	p.width, p.height = w, h
	p.draw()
	if _, ok := p.cells[p.at]; first && !ok && len(p.cells) > 0 {
		p.at = slices.Min(slices.Collect(maps.Keys(p.cells)))
		p.draw()
	}
}

func (p *scatterView) Capturing() bool { return false }

func (p *scatterView) ShortHelp() []key.Binding {
	k := p.keys
	return []key.Binding{k.Open, k.NextX, k.NextY, k.Parallel, k.PointLeft, k.PointRight}
}

func (p *scatterView) FullHelp() [][]key.Binding {
	k := p.keys
	return [][]key.Binding{{k.Open}, {k.NextX, k.PrevX}, {k.NextY, k.PrevY}, {k.Parallel},
		{k.PointLeft, k.PointRight}, {p.pointKey(k.Table.Up), p.pointKey(k.Table.Down)}}
}

// pointKey is a motion of the table, which moves the cursor between the
// points.
func (p *scatterView) pointKey(b key.Binding) key.Binding {
	b.SetHelp(b.Help().Key, "point "+b.Help().Desc)
	return b
}

func (p *scatterView) Update(msg tea.Msg) (page, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || len(p.fields) == 0 {
		return p, nil
	}
	k := p.keys
	n := len(p.fields)
	p.note = ""
	switch {
	case key.Matches(km, k.Open):
		if p.at < len(p.runs) {
			open := openRunMsg{id: p.runs[p.at].ID, trial: p.trials}
			return p, func() tea.Msg { return open }
		}
	case key.Matches(km, k.NextX):
		p.x = (p.x + 1) % n
	case key.Matches(km, k.PrevX):
		p.x = (p.x + n - 1) % n
	case key.Matches(km, k.NextY):
		p.y = (p.y + 1) % n
	case key.Matches(km, k.PrevY):
		p.y = (p.y + n - 1) % n
	case key.Matches(km, k.Parallel):
		p.parallel = !p.parallel
	case key.Matches(km, k.PointLeft):
		p.move(-1, 0)
	case key.Matches(km, k.PointRight):
		p.move(1, 0)
	case key.Matches(km, k.Table.Up):
		p.move(0, -1)
	case key.Matches(km, k.Table.Down):
		p.move(0, 1)
	default:
		return p, nil
	}
	p.draw()
	return p, nil
}

// move puts the cursor on the nearest point in a direction (dx, dy: one
// of them ±1): the one least far along it, a step across it counting
// double, so that → keeps to the row it is on when it can.
func (p *scatterView) move(dx, dy int) {
	from, ok := p.cells[p.at]
	if !ok { // the cursor's run is not plotted: to the first that is
		p.note = "no run has both values"
		for i := range p.runs {
			if _, ok := p.cells[i]; ok {
				p.at, p.note = i, ""
				break
			}
		}
		return
	}
	best, bestD := -1, math.MaxInt
	for i, c := range p.cells {
		along := (c[0]-from[0])*dx + (c[1]-from[1])*dy
		across := (c[0]-from[0])*dy + (c[1]-from[1])*dx
		switch {
		case i == p.at:
			continue
		case along == 0 && across == 0:
			// Runs in the same cell: → and ↓ go to the next of them.
			if dx+dy < 0 || i < p.at {
				continue
			}
		case along <= 0:
			continue
		}
		if d := along + 2*abs(across); d < bestD || d == bestD && i < best {
			best, bestD = i, d
		}
	}
	if best < 0 {
		p.note = "no run " + map[[2]int]string{{-1, 0}: "left", {1, 0}: "right", {0, -1}: "above", {0, 1}: "below"}[[2]int{dx, dy}]
		return
	}
	p.at = best
}

func abs(v int) int { return max(v, -v) }

func (p *scatterView) View() string { return p.drawn }

// draw makes the page: the title, the plot (a scatter, or parallel
// coordinates), and the run under the cursor.
func (p *scatterView) draw() {
	s := p.styles
	if p.width <= 0 || p.height <= 0 {
		return
	}
	if len(p.fields) == 0 {
		p.drawn = s.Muted.Render("these runs have no params or metrics to plot")
		return
	}
	var plot []string
	var title string
	if p.parallel {
		title, plot = p.drawParallel(p.height - 2)
	} else {
		title, plot = p.drawScatter(p.height - 2)
	}
	lines := append([]string{format.Fit(title, p.width)}, plot...)
	lines = append(lines, p.cursorLine())
	p.drawn = format.Box(strings.Join(lines, "\n"), p.width, p.height)
}

// cursorLine names the run under the cursor and its values on the axes.
func (p *scatterView) cursorLine() string {
	s := p.styles
	if p.at >= len(p.runs) {
		return ""
	}
	r := p.runs[p.at]
	fx, fy := p.fields[p.x], p.fields[p.y]
	text := "◆ " + r.Name + "  " + fx.label() + " " + fx.text(r) + "  " + fy.label() + " " + fy.text(r)
	if _, ok := p.cells[p.at]; !ok {
		text += "  (not plotted: a value is missing)"
	}
	text += "  · enter opens it"
	if p.note != "" {
		text += " · " + p.note
	}
	return s.Accent.Render(format.Fit(text, p.width))
}

// axis maps a field's values onto n cells.
type axis struct {
	lo, hi float64 // log10 of the values on a log axis
	cats   []string
	n      int
	// log says the values are positive and span two decades or more (a
	// learning rate from 1e-4 to 3e-2): they are placed by their log, so
	// that a sweep's points spread rather than crowd at one end.
	log bool
}

func (p *scatterView) axisOf(f sweepField, n int) axis {
	a := axis{lo: math.Inf(1), hi: math.Inf(-1), cats: f.cats, n: max(n, 1)}
	for _, r := range p.runs {
		if v, ok := f.value(r); ok {
			a.lo, a.hi = math.Min(a.lo, v), math.Max(a.hi, v)
		}
	}
	if a.cats == nil && a.lo > 0 && a.hi >= 100*a.lo {
		a.log, a.lo, a.hi = true, math.Log10(a.lo), math.Log10(a.hi)
	}
	return a
}

// cell is where v falls, 0…n-1: categories in the middle of their share,
// numbers from lo to hi.
func (a axis) cell(v float64) int {
	switch {
	case a.cats != nil:
		return min(int((v+0.5)/float64(len(a.cats))*float64(a.n)), a.n-1)
	case a.hi <= a.lo:
		return a.n / 2
	case a.log:
		v = math.Log10(v)
	}
	return min(max(int(math.Round((v-a.lo)/(a.hi-a.lo)*float64(a.n-1))), 0), a.n-1)
}

// at is the value at a fraction of the axis (0 its start, 1 its end).
func (a axis) at(frac float64) float64 {
	v := a.lo + (a.hi-a.lo)*frac
	if a.log {
		return math.Pow(10, v)
	}
	return v
}

// label is the axis's text at a cell (where a tick goes), "" for none.
func (a axis) label(c int) string {
	if a.cats != nil {
		for i, cat := range a.cats {
			if a.cell(float64(i)) == c {
				return cat
			}
		}
		return ""
	}
	switch {
	case math.IsInf(a.lo, 0):
		return ""
	case a.hi <= a.lo: // one value, in the middle
		if c == a.n/2 {
			return format.Short(a.at(0), 3)
		}
		return ""
	case c != 0 && c != a.n/2 && c != a.n-1: // ticks at the ends and the middle
		return ""
	}
	text := format.Short(a.at(float64(c)/float64(a.n-1)), 3)
	if a.log && c == a.n-1 {
		text += " (log)"
	}
	return text
}

// drawScatter is the scatter of Y against X in h lines: the plot with its
// Y labels on the left, the X axis and its labels.
func (p *scatterView) drawScatter(h int) (string, []string) {
	s := p.styles
	fx, fy := p.fields[p.x], p.fields[p.y]
	ph := max(h-2, 2)
	ya := p.axisOf(fy, ph)
	yw := 0
	for c := range ph {
		yw = max(yw, ansi.StringWidth(ya.label(c)))
	}
	for i := range fy.cats {
		yw = max(yw, min(ansi.StringWidth(fy.cats[i]), 12))
	}
	pw := max(p.width-yw-1, 4)
	xa := p.axisOf(fx, pw)
	grid := make([][]int, ph) // runs in each cell
	for i := range grid {
		grid[i] = make([]int, pw)
	}
	p.cells = map[int][2]int{}
	missing := 0
	for i, r := range p.runs {
		vx, okx := fx.value(r)
		vy, oky := fy.value(r)
		if !okx || !oky {
			missing++
			continue
		}
		c, row := xa.cell(vx), ph-1-ya.cell(vy)
		p.cells[i] = [2]int{c, row}
		grid[row][c]++
	}
	cur, onCursor := p.cells[p.at]
	lines := make([]string, 0, ph+2)
	for row := range ph {
		label := ya.label(ph - 1 - row)
		var b strings.Builder
		for c := range pw {
			switch n := grid[row][c]; {
			case onCursor && cur == [2]int{c, row}:
				b.WriteString(s.Selected.Render("◆"))
			case n == 0:
				b.WriteByte(' ')
			case n == 1:
				b.WriteString(s.Accent.Render("●"))
			default: // several runs in a cell: how many
				b.WriteString(s.Accent.Render(countMark(n)))
			}
		}
		lines = append(lines, fmt.Sprintf("%*s│", yw, format.Fit(label, yw))+b.String())
	}
	lines = append(lines, strings.Repeat(" ", yw)+"└"+strings.Repeat("─", pw))
	lines = append(lines, strings.Repeat(" ", yw+1)+xLabelsLine(xa, pw))
	title := fmt.Sprintf("%s against %s · %d runs (%s)", fy.label(), fx.label(), len(p.runs), p.from)
	if missing > 0 {
		title += fmt.Sprintf(" · %d without both, not plotted", missing)
	}
	return s.Title.Render(title), lines
}

// countMark is a cell of n runs: 2…9, then +.
func countMark(n int) string {
	if n > 9 {
		return "+"
	}
	return strconv.Itoa(n)
}

// xLabelsLine is the X axis's labels on w cells: each category under its
// place, or numbers at the ends and the middle, none over another.
func xLabelsLine(a axis, w int) string {
	line := []rune(strings.Repeat(" ", w))
	free := 0 // the first cell a label may take
	put := func(c int, text string) {
		r := []rune(text)
		start := min(max(c-len(r)/2, free), w-len(r))
		if start < free || start < 0 {
			return
		}
		copy(line[start:], r)
		free = start + len(r) + 1
	}
	if a.cats != nil {
		for i, cat := range a.cats {
			put(a.cell(float64(i)), format.Fit(cat, max(w/max(len(a.cats), 1)-1, 1)))
		}
		return string(line)
	}
	for _, c := range []int{0, w / 2, w - 1} {
		if text := a.label(c); text != "" {
			put(c, text)
		}
	}
	return string(line)
}

// parallelAxisW is the least width of an axis of the parallel coordinates.
const parallelAxisW = 12

// drawParallel draws the params that fit the width, then the Y field, as
// vertical axes, each run a line of dots across them, the cursor's run
// in * (◆ on the axes) over the others.
func (p *scatterView) drawParallel(h int) (string, []string) {
	s := p.styles
	var axes []sweepField
	for _, f := range p.fields {
		if !f.metric && p.varies(f) {
			axes = append(axes, f)
		}
	}
	fits := max((p.width-1)/parallelAxisW, 1)
	left := 0
	if len(axes) >= fits {
		left = len(axes) - (fits - 1)
		axes = axes[:fits-1]
	}
	axes = append(axes, p.fields[p.y])
	ph := max(h-3, 2)
	step := 0
	if len(axes) > 1 {
		step = (p.width - 2) / (len(axes) - 1)
	}
	cols := make([]int, len(axes))
	scales := make([]axis, len(axes))
	for i, f := range axes {
		cols[i] = min(1+i*step, p.width-1)
		scales[i] = p.axisOf(f, ph)
	}
	grid := make([][]rune, ph)
	for i := range grid {
		grid[i] = []rune(strings.Repeat(" ", p.width))
		for _, c := range cols {
			grid[i][c] = '│'
		}
	}
	p.cells = map[int][2]int{}
	trace := func(i int, dot rune) {
		r := p.runs[i]
		rows := make([]int, len(axes))
		for j, f := range axes {
			v, ok := f.value(r)
			if !ok {
				return
			}
			rows[j] = ph - 1 - scales[j].cell(v)
		}
		last := len(axes) - 1
		p.cells[i] = [2]int{cols[last], rows[last]}
		for j := 0; j < last; j++ {
			for c := cols[j] + 1; c < cols[j+1]; c++ {
				t := float64(c-cols[j]) / float64(cols[j+1]-cols[j])
				row := int(math.Round(float64(rows[j]) + t*float64(rows[j+1]-rows[j])))
				if grid[row][c] == ' ' || dot == '*' {
					grid[row][c] = dot
				}
			}
		}
		for j, c := range cols {
			mark := '●'
			if dot == '*' {
				mark = '◆'
			}
			grid[rows[j]][c] = mark
		}
	}
	for i := range p.runs {
		if i != p.at {
			trace(i, '·')
		}
	}
	if p.at < len(p.runs) {
		trace(p.at, '*')
	}
	var lines []string
	hi, lo, names := []rune(strings.Repeat(" ", p.width)), []rune(strings.Repeat(" ", p.width)), []rune(strings.Repeat(" ", p.width))
	for j, f := range axes {
		room := max(step-1, 1)
		if len(axes) == 1 {
			room = p.width - 1
		}
		place := func(line []rune, text string) {
			text = format.Fit(text, room)
			start := cols[j]
			if j == len(axes)-1 && j > 0 { // the last axis's text ends under it
				start = cols[j] + 1 - ansi.StringWidth(text)
			}
			copy(line[min(max(start, 0), p.width-1):], []rune(text))
		}
		place(hi, scales[j].label(ph-1))
		place(lo, scales[j].label(0))
		place(names, f.label())
	}
	lines = append(lines, s.Muted.Render(string(hi)))
	for _, row := range grid {
		lines = append(lines, string(row))
	}
	lines = append(lines, s.Muted.Render(string(lo)), s.Title.Render(string(names)))
	title := fmt.Sprintf("parallel coordinates: params → %s · %d runs (%s)", p.fields[p.y].label(), len(p.runs), p.from)
	if left > 0 {
		title += fmt.Sprintf(" · %d params do not fit", left)
	}
	return s.Title.Render(title), lines
}

// scatter opens the scatter of the runs the scatter of the runs table plots: the marked
// ones when two or more are, else those the table shows.
func (p *runList) scatter() tea.Cmd {
	runs, from := p.markedRuns(), "the marked"
	if len(runs) < 2 {
		runs, _ = p.rows()
		runs, from = slices.Clone(runs), "all shown"
		if p.applied != "" {
			from = "/" + p.applied
		}
	}
	if len(runs) == 0 {
		return nil
	}
	return func() tea.Msg { return openScatterMsg{runs: runs, from: from} }
}
