package tui

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/format"
	"lathe/tui/styles"
	"lathe/tui/table"
)

// compareTab is a tab of a comparison.
type compareTab int

// The tabs of a comparison.
const (
	summaryTab compareTab = iota
	curvesTab
)

var compareTabNames = []string{"summary", "curves"}

// compareView sets runs side by side: their params, metrics and use of
// GPUs (summary), and one metric's curves of them all in one chart
// (curves). Run i of the comparison is lettered A, B, C… and has the
// palette's series colour i everywhere on the page: the letters head the
// columns, so the page reads without colour too.
type compareView struct {
	st            *state
	styles        styles.Styles
	keys          KeyMap
	eng           Engine
	ctx           context.Context
	ids           []string // the runs asked for, in order
	sig           string   // names this comparison in its messages
	width, height int
	tab           compareTab

	cmp  *api.Comparison
	runs []api.Run // the compared runs, in the order of their letters
	err  string

	// The summary: every param or only those that differ, scrolled to top.
	// Its lines are drawn again when the comparison, the width or showAll
	// change.
	showAll bool
	scroll  scroller
	lines   []string
	linesOK bool

	// The curves: the metrics at least one run has, the one shown, its view
	// in each run (by id), and the legend above the chart.
	metrics []string
	metric  string
	curves  map[string][]api.Bucket
	chart   *chart.Chart
	legend  string
	byTime  bool

	// The runs the user hid (by id) leave the summary's columns and the
	// chart, and what differs is what differs between those shown; the
	// pinned one is drawn last, over the others. at is the run the
	// legend's cursor is on (an index of runs).
	hidden map[string]bool
	pinned string
	at     int
}

// Messages of the comparison's own I/O.
type (
	// openCompareMsg opens the comparison of runs (ids, in order).
	openCompareMsg struct{ ids []string }
	// comparisonMsg is the engine's comparison of the runs named by sig.
	comparisonMsg struct {
		sig string
		cmp api.Comparison
		err error
	}
	// compareCurveMsg is a metric's view in one run.
	compareCurveMsg struct {
		run, metric string
		buckets     []api.Bucket
	}
)

func newCompareView(ctx context.Context, eng Engine, st *state, s styles.Styles, k KeyMap, ids []string) *compareView {
	return &compareView{st: st, styles: s, keys: k, eng: eng, ctx: ctx, ids: ids, sig: strings.Join(ids, ","),
		curves: map[string][]api.Bucket{}, chart: chart.New("", s, k.Chart), hidden: map[string]bool{}}
}

// Init asks the engine for the comparison.
func (p *compareView) Init() tea.Cmd { return p.loadComparison() }

func (p *compareView) loadComparison() tea.Cmd {
	ids, sig := p.ids, p.sig
	return func() tea.Msg {
		c, err := p.eng.Compare(p.ctx, ids)
		return comparisonMsg{sig: sig, cmp: c, err: err}
	}
}

// loadCurves reads the metric's view in each run that has it: in all of
// them, or only in the running ones (the others' do not move).
func (p *compareView) loadCurves(runningOnly bool) tea.Cmd {
	if p.cmp == nil || p.metric == "" {
		return nil
	}
	have := p.cmp.Metrics[p.metric].ByRun
	metric, points := p.metric, max(2*p.width, 10)
	var cmds []tea.Cmd
	for _, r := range p.runs {
		if have[r.ID] == nil || runningOnly && !p.running(r) {
			continue
		}
		id := r.ID
		cmds = append(cmds, func() tea.Msg {
			b, err := p.eng.MetricView(p.ctx, id, metric, points)
			if err != nil {
				return nil
			}
			return compareCurveMsg{run: id, metric: metric, buckets: b}
		})
	}
	return tea.Batch(cmds...)
}

// running reports whether a compared run still runs, as the app knows it.
func (p *compareView) running(r api.Run) bool {
	if cur, ok := p.st.run(r.ID); ok {
		r = cur
	}
	return r.Status == api.Running
}

func (p *compareView) Title() string { return fmt.Sprintf("Compare (%d runs)", len(p.ids)) }

func (p *compareView) SetSize(w, h int) {
	p.width, p.height = w, h
	p.linesOK = false
	p.renderLegend()
}

// legendRoom is the most lines the legend takes: a third of the page, so
// that the chart keeps the rest.
func (p *compareView) legendRoom() int { return max(1, (p.height-1)/3) }

// sizeChart gives the chart the page below the tabs and the legend.
func (p *compareView) sizeChart() {
	lines := max(1, strings.Count(p.legend, "\n")+1)
	p.chart.SetSize(p.width, max(p.height-1-lines, 1))
}

func (p *compareView) Capturing() bool { return false }

func (p *compareView) ShortHelp() []key.Binding {
	k := p.keys
	if p.tab == curvesTab {
		return append([]key.Binding{k.NextTab, k.NextMetric, k.PrevMetric, k.ToggleRun, k.PinRun, k.TimeX}, p.chart.ShortHelp()...)
	}
	return []key.Binding{k.NextTab, p.showAllKey(), k.Table.Down, k.Table.Up}
}

func (p *compareView) FullHelp() [][]key.Binding {
	k := p.keys
	if p.tab == curvesTab {
		return append([][]key.Binding{{k.NextTab, k.PrevTab}, {k.NextMetric, k.PrevMetric}, {p.legendKey(k.Table.Down), p.legendKey(k.Table.Up)},
			{k.ToggleRun}, {k.PinRun}, {k.TimeX}}, p.chart.FullHelp()...)
	}
	return append([][]key.Binding{{k.NextTab, k.PrevTab}, {p.showAllKey()}}, scrollKeys(k.Table)...)
}

// legendKey is a motion of the table, which moves the legend's cursor.
func (p *compareView) legendKey(b key.Binding) key.Binding {
	b.SetHelp(b.Help().Key, b.Help().Desc+" the legend")
	return b
}

// showAllKey is d, which shows all params or those that differ.
func (p *compareView) showAllKey() key.Binding {
	all := p.keys.ShowAll
	if p.showAll {
		all.SetHelp(all.Help().Key, "differing params")
	}
	return all
}

// showTab goes to a tab and loads what it shows.
func (p *compareView) showTab(tab compareTab) tea.Cmd {
	p.tab = tab
	if tab == curvesTab {
		return p.loadCurves(false)
	}
	return nil
}

func (p *compareView) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case comparisonMsg:
		if msg.sig == p.sig {
			return p, p.setComparison(msg)
		}
	case compareCurveMsg:
		if msg.metric == p.metric && slices.ContainsFunc(p.runs, func(r api.Run) bool { return r.ID == msg.run }) {
			p.curves[msg.run] = msg.buckets
			p.drawCurves()
		}
	case tickMsg:
		// While a compared run goes on, its summary and curves move.
		if slices.ContainsFunc(p.runs, p.running) {
			if p.tab == curvesTab {
				return p, tea.Batch(p.loadComparison(), p.loadCurves(true))
			}
			return p, p.loadComparison()
		}
	case tea.KeyMsg:
		return p, p.keyPress(msg)
	}
	return p, nil
}

func (p *compareView) keyPress(msg tea.KeyMsg) tea.Cmd {
	k, t := p.keys, p.keys.Table
	n := compareTab(len(compareTabNames))
	switch {
	case key.Matches(msg, k.NextTab):
		return p.showTab((p.tab + 1) % n)
	case key.Matches(msg, k.PrevTab):
		return p.showTab((p.tab + n - 1) % n)
	case p.tab == summaryTab:
		if key.Matches(msg, k.ShowAll) {
			p.showAll, p.linesOK = !p.showAll, false
		}
		p.scroll.key(t, msg, len(p.summaryLines()), p.summaryRoom())
	case len(p.metrics) == 0:
	case key.Matches(msg, t.Down), key.Matches(msg, t.Up):
		d := 1
		if key.Matches(msg, t.Up) {
			d = len(p.runs) - 1
		}
		p.at = (p.at + d) % max(len(p.runs), 1)
		p.renderLegend()
	case key.Matches(msg, k.ToggleRun):
		p.toggleRun()
	case key.Matches(msg, k.PinRun):
		if id := p.runs[p.at].ID; p.pinned != id {
			p.pinned = id
		} else {
			p.pinned = ""
		}
		p.drawCurves()
	case key.Matches(msg, k.NextMetric), key.Matches(msg, k.PrevMetric):
		d := 1
		if key.Matches(msg, k.PrevMetric) {
			d = len(p.metrics) - 1
		}
		i := slices.Index(p.metrics, p.metric)
		p.setMetric(p.metrics[(i+d)%len(p.metrics)])
		return p.loadCurves(false)
	case key.Matches(msg, k.TimeX):
		p.byTime = !p.byTime
		p.drawCurves()
	default:
		p.chart.Update(msg)
	}
	return nil
}

// toggleRun hides the run under the legend's cursor, or shows it again;
// the last one shown stays.
func (p *compareView) toggleRun() {
	id := p.runs[p.at].ID
	if !p.hidden[id] && len(p.shown()) == 1 {
		return
	}
	if p.hidden[id] {
		delete(p.hidden, id)
	} else {
		p.hidden[id] = true
	}
	p.linesOK = false
	p.drawCurves()
}

// shown is the indices of the runs shown, in order.
func (p *compareView) shown() []int {
	out := make([]int, 0, len(p.runs))
	for i, r := range p.runs {
		if !p.hidden[r.ID] {
			out = append(out, i)
		}
	}
	return out
}

// drawOrder is the order the runs' curves are drawn in: the runs shown,
// the pinned one last, so that it is on top where curves cross.
func (p *compareView) drawOrder() []int {
	order := p.shown()
	if i := slices.IndexFunc(order, func(i int) bool { return p.runs[i].ID == p.pinned }); i >= 0 {
		order = append(append(order[:i:i], order[i+1:]...), order[i])
	}
	return order
}

// setComparison takes the engine's comparison; on the curves tab, a new
// metric's curves are read.
func (p *compareView) setComparison(msg comparisonMsg) tea.Cmd {
	if msg.err != nil {
		p.err = "these runs cannot be compared: " + msg.err.Error()
		return nil
	}
	c := msg.cmp
	p.cmp, p.err, p.linesOK = &c, "", false
	p.runs = orderRuns(c.Runs, p.ids)
	p.metrics = p.metrics[:0]
	for name, mc := range c.Metrics {
		for _, st := range mc.ByRun {
			if st != nil {
				p.metrics = append(p.metrics, name)
				break
			}
		}
	}
	slices.Sort(p.metrics)
	p.at = min(p.at, max(len(p.runs)-1, 0))
	if slices.Contains(p.metrics, p.metric) {
		p.renderLegend()
		return nil
	}
	p.setMetric(preferredMetric(p.metrics))
	if p.tab == curvesTab {
		return p.loadCurves(false)
	}
	return nil
}

// orderRuns puts the compared runs in the order they were asked for; any
// the engine added come last.
func orderRuns(runs []api.Run, ids []string) []api.Run {
	out := slices.Clone(runs)
	pos := func(r api.Run) int {
		if i := slices.Index(ids, r.ID); i >= 0 {
			return i
		}
		return len(ids)
	}
	slices.SortStableFunc(out, func(a, b api.Run) int { return cmp.Compare(pos(a), pos(b)) })
	return out
}

// preferredMetric is the metric the curves open on: a loss when there is
// one, else the first by name.
func preferredMetric(names []string) string {
	for _, n := range []string{"loss", "train_loss", "val_loss"} {
		if slices.Contains(names, n) {
			return n
		}
	}
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// setMetric shows another metric's curves (read by the caller).
func (p *compareView) setMetric(name string) {
	p.metric = name
	p.curves = map[string][]api.Bucket{}
	p.drawCurves()
}

// drawCurves gives the chart the metric's view in each run shown, run i
// in its colour (runStyle), the pinned one last, and the legend above it.
func (p *compareView) drawCurves() {
	order := p.drawOrder()
	series := make([]chart.Series, len(order))
	for j, i := range order {
		r := p.runs[i]
		// A run's colour and mark follow the run, not its place in this
		// slice, which pinning and hiding change.
		series[j] = chart.Series{Name: runLetter(i), Style: p.runStyle(i), Nth: i + 1}
		if b, ok := p.curves[r.ID]; ok {
			var origin float64
			if cur, ok := p.st.run(r.ID); ok {
				r = cur
			}
			if r.Started != nil {
				origin = float64(r.Started.UnixMicro()) / 1e6
			}
			series[j].Points = bucketPoints(b, p.byTime, origin)
		}
	}
	title := p.metric
	if i := slices.Index(p.metrics, p.metric); len(p.metrics) > 1 {
		title += fmt.Sprintf(" (%d/%d)", i+1, len(p.metrics))
	}
	if p.byTime {
		title += " by time since start"
	}
	p.chart.SetTitle(title)
	p.chart.SetSeries(series)
	setXAxisOf(p.chart, p.byTime)
	p.renderLegend()
}

// runLetter names the i-th run of a comparison: A…Z, then AA, AB…
func runLetter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return string(rune('A'+i/26-1)) + string(rune('A'+i%26))
}

// letterStyle is run i's letter: its colour, bold.
func (p *compareView) letterStyle(i int) lipgloss.Style { return p.runStyle(i).Bold(true) }

// runStyle is run i's colour, the chart's for its i-th series.
func (p *compareView) runStyle(i int) lipgloss.Style { return chart.SeriesStyle(p.styles, i) }

// runMark is what the legend shows of run i, two cells: a line in its
// colour, or without colour the run's own mark, as the chart draws it.
func (p *compareView) runMark(i int) string { return chart.LegendMark(p.styles, i) }

func (p *compareView) View() string {
	s := p.styles
	head := tabsLine(s, compareTabNames, int(p.tab)) + "\n"
	switch {
	case p.err != "":
		return head + s.Error.Render(format.Fit(p.err, p.width))
	case p.cmp == nil:
		return head + s.Muted.Render("comparing…")
	case p.tab == curvesTab:
		if len(p.metrics) == 0 {
			return head + s.Muted.Render("none of these runs has logged a metric yet")
		}
		return head + p.legend + "\n" + p.chart.View()
	}
	return head + p.summaryView()
}

// summaryRoom is how many lines the summary has below the tabs.
func (p *compareView) summaryRoom() int { return max(1, p.height-1) }

func (p *compareView) summaryView() string {
	return p.scroll.view(p.styles, p.summaryLines(), p.summaryRoom(), p.width)
}

// summaryLines is the summary, drawn when it changed.
func (p *compareView) summaryLines() []string {
	if !p.linesOK && p.cmp != nil {
		p.lines, p.linesOK = p.renderSummary(), true
	}
	return p.lines
}

// renderSummary draws the legend, then the params, the metrics and the use
// of GPUs as tables, a column a run.
func (p *compareView) renderSummary() []string {
	s := p.styles
	var out []string
	add := func(lines ...string) {
		for _, l := range lines {
			out = append(out, format.Fit(l, p.width))
		}
	}
	now := p.st.now()
	nameW := 4
	for _, r := range p.runs {
		nameW = max(nameW, ansi.StringWidth(r.Name))
	}
	nameW = min(nameW, max(12, p.width/3))
	for i, r := range p.runs {
		if cur, ok := p.st.run(r.ID); ok {
			r = cur
		}
		if p.hidden[r.ID] {
			add(" " + s.Muted.Render(runLetter(i)+" "+p.runMark(i)+" "+format.Pad(format.Fit(r.Name, nameW), nameW)+"  hidden (space on the curves shows it)"))
			continue
		}
		add(" " + p.letterStyle(i).Render(runLetter(i)+" "+p.runMark(i)) + " " + format.Pad(format.Fit(r.Name, nameW), nameW) + "  " +
			s.Muted.Render(r.ID[:min(8, len(r.ID))]) + "  " + s.Status(r.Status).Render(format.Pad(string(r.Status), 9)) + " " +
			format.Pad(format.Elapsed(r.Started, r.Ended, now), 7) + " " + s.Muted.Render(r.Experiment))
	}
	add("")
	add(p.paramsSection()...)
	add("")
	add(p.metricsSection()...)
	add("")
	add(p.usageSection()...)
	return out
}

// compareCell is a cell of a comparison table.
type compareCell struct {
	text  string
	best  bool // the best run's value: ★ and bold
	muted bool // a missing or shared value
	// nums, when set, are the cell's numbers (text is them as they read
	// with room): the table writes them again at the column's width, each
	// with the digits that fit, never cut with ….
	nums []float64
}

// numbersCell is a cell of numbers side by side, the first starred when
// best.
func numbersCell(best bool, nums ...float64) compareCell {
	c := compareCell{best: best, nums: nums}
	c.text = c.fit(len(nums) * (compareNumW + 1))
	return c
}

// fit writes a cell's numbers in w cells: each in an equal share, right
// aligned, the ★ taking a cell of the first's.
func (c compareCell) fit(w int) string {
	if c.nums == nil {
		return c.text
	}
	n := len(c.nums)
	share := max(1, (w-(n-1))/n)
	parts := make([]string, n)
	for i, v := range c.nums {
		room := share
		if i == 0 && c.best {
			room--
		}
		text := format.NumberFit(v, room)
		if i == 0 && c.best {
			text = "★" + text
		}
		parts[i] = table.Align(text, share, true)
	}
	return strings.TrimLeft(strings.Join(parts, " "), " ")
}

// missing is the cell of a run without the value.
var missing = compareCell{text: "—", muted: true}

// table lays out rows of a label and a cell a run, a column a run shown
// headed by its letter (and sub under it, when set), to fit the page's
// width: long labels and text are cut with … (numbers are written with
// fewer digits), and runs that do not fit even so are left out, which a
// last line says.
func (p *compareView) table(labels []string, cells [][]compareCell, right bool, sub string) []string {
	s := p.styles
	cols := p.shown()
	n := len(cols)
	labelW, colW := 6, max(1, ansi.StringWidth(sub))
	for i, l := range labels {
		labelW = max(labelW, ansi.StringWidth(l))
		for _, j := range cols {
			colW = max(colW, ansi.StringWidth(cells[i][j].text))
		}
	}
	for _, j := range cols {
		colW = max(colW, len(runLetter(j)))
	}
	avail := p.width - 1
	fits := func(k int) bool { return labelW+k*(colW+2) <= avail }
	if !fits(n) {
		labelW = min(labelW, max(10, avail/4))
	}
	if !fits(n) {
		colW = max(6, (avail-labelW)/max(n, 1)-2)
	}
	shown := n
	for shown > 1 && !fits(shown) {
		shown--
	}
	align := func(text string, w int) string { return table.Align(text, w, right) }
	head := " " + strings.Repeat(" ", labelW)
	subHead := head
	for _, i := range cols[:shown] {
		letter := align(runLetter(i), colW)
		if sub != "" { // over the sub-columns, in the middle
			pad := (colW - len(runLetter(i))) / 2
			letter = format.Pad(strings.Repeat(" ", pad)+runLetter(i), colW)
		}
		head += "  " + p.letterStyle(i).Render(letter)
		subHead += "  " + s.Muted.Render(align(sub, colW))
	}
	out := []string{head}
	if sub != "" {
		out = append(out, subHead)
	}
	for i, l := range labels {
		line := " " + format.Pad(format.Fit(l, labelW), labelW)
		for _, j := range cols[:shown] {
			c := cells[i][j]
			text := align(c.fit(colW), colW)
			switch {
			case c.best:
				text = s.Text.Bold(true).Render(text)
			case c.muted:
				text = s.Muted.Render(text)
			}
			line += "  " + text
		}
		out = append(out, line)
	}
	if shown < n {
		out = append(out, s.Muted.Render(fmt.Sprintf(" %s–%s do not fit: widen the terminal, or hide runs (curves, space)",
			runLetter(cols[shown]), runLetter(cols[n-1]))))
	}
	return out
}

// paramsSection is the params that differ (or all of them), a row each.
func (p *compareView) paramsSection() []string {
	s := p.styles
	differ, same := p.splitParams()
	params := func(n int) string {
		if n == 1 {
			return "1 param is"
		}
		return strconv.Itoa(n) + " params are"
	}
	var mode string
	switch {
	case len(differ)+len(same) == 0:
		return []string{s.Title.Render("Params") + "  " + s.Muted.Render("none of these runs has params")}
	case len(same) == 0:
		mode = "they all differ"
	case p.showAll:
		mode = fmt.Sprintf("all %d; %s the same (d: only those that differ)", len(differ)+len(same), params(len(same)))
	case len(differ) == 0:
		mode = fmt.Sprintf("none differs; %s the same (d shows them)", params(len(same)))
	default:
		mode = fmt.Sprintf("those that differ; %s the same (d shows all)", params(len(same)))
	}
	out := []string{s.Title.Render("Params") + "  " + s.Muted.Render(mode)}
	var labels []string
	var cells [][]compareCell
	for _, name := range differ {
		row := make([]compareCell, len(p.runs))
		for j, r := range p.runs {
			row[j] = missing
			if v := p.param(name, r.ID); v != nil {
				row[j] = compareCell{text: *v}
			}
		}
		labels, cells = append(labels, name), append(cells, row)
	}
	if p.showAll {
		for _, name := range same {
			row := make([]compareCell, len(p.runs))
			for j, r := range p.runs {
				row[j] = missing
				if v := p.param(name, r.ID); v != nil {
					row[j] = compareCell{text: *v, muted: true}
				}
			}
			labels, cells = append(labels, name), append(cells, row)
		}
	}
	if len(labels) == 0 {
		return out
	}
	return append(out, p.table(labels, cells, false, "")...)
}

// param is a run's value of a param, nil when it has none.
func (p *compareView) param(name, id string) *string {
	pc := p.cmp.Params
	if v, ok := pc.Same[name]; ok {
		return &v
	}
	return pc.Differ[name][id]
}

// splitParams sorts the params into those that differ between the runs
// shown (a run without one differs from a run with it) and those they
// share: a param that differs only in a hidden run is the same.
func (p *compareView) splitParams() (differ, same []string) {
	pc := p.cmp.Params
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range pc.Differ {
			if !yield(n) {
				return
			}
		}
		for n := range pc.Same {
			if !yield(n) {
				return
			}
		}
	})
	shown := p.shown()
	for _, name := range slices.Compact(names) {
		var first *string
		differs := false
		for k, i := range shown {
			v := p.param(name, p.runs[i].ID)
			if k == 0 {
				first = v
			} else if (v == nil) != (first == nil) || v != nil && *v != *first {
				differs = true
			}
		}
		switch {
		case differs:
			differ = append(differ, name)
		case first != nil: // else only hidden runs have it
			same = append(same, name)
		}
	}
	return differ, same
}

// compareNumW is the width of a number in the metrics table.
const compareNumW = 9

// metricsSection is a row a metric: each run's last value, with its least
// and greatest when there is room, the best run's marked.
func (p *compareView) metricsSection() []string {
	s := p.styles
	names := slices.Sorted(maps.Keys(p.cmp.Metrics))
	if len(names) == 0 {
		return []string{s.Title.Render("Metrics") + "  " + s.Muted.Render("none logged yet")}
	}
	labelW := 6
	for _, n := range names {
		labelW = max(labelW, ansi.StringWidth(n)+2)
	}
	detailW := 3*compareNumW + 2
	detail := min(labelW, 24)+len(p.runs)*(detailW+2) <= p.width-1
	explain := "last value; ★ best (↓ lower is better, ↑ higher)"
	sub := ""
	if detail {
		explain = "last, least and greatest values; ★ best last (↓ lower is better, ↑ higher)"
		sub = fmt.Sprintf("%*s %*s %*s", compareNumW, "last", compareNumW, "min", compareNumW, "max")
	}
	labels := make([]string, len(names))
	cells := make([][]compareCell, len(names))
	for i, name := range names {
		mc := p.cmp.Metrics[name]
		labels[i] = strings.TrimSpace(name + " " + directionArrow(mc.Direction))
		cells[i] = make([]compareCell, len(p.runs))
		for j, r := range p.runs {
			st := mc.ByRun[r.ID]
			if st == nil {
				cells[i][j] = missing
				if detail { // under "last"
					cells[i][j].text = fmt.Sprintf("%*s%*s", compareNumW, missing.text, detailW-compareNumW, "")
				}
				continue
			}
			// Never a star on NaN, whatever the engine says.
			best := mc.Direction != "" && mc.Best == r.ID && !math.IsNaN(float64(st.Last))
			cells[i][j] = numbersCell(best, float64(st.Last))
			if detail {
				cells[i][j] = numbersCell(best, float64(st.Last), float64(st.Min), float64(st.Max))
			}
		}
	}
	return append([]string{s.Title.Render("Metrics") + "  " + s.Muted.Render(explain)}, p.table(labels, cells, true, sub)...)
}

// usageSection is each run's time and use of GPUs; cost only when a price
// is set.
func (p *compareView) usageSection() []string {
	s := p.styles
	out := []string{s.Title.Render("Usage")}
	rows := []struct {
		label string
		value func(api.RunUsage) string
	}{
		{"duration", func(u api.RunUsage) string {
			return format.Duration(time.Duration(u.DurationS * float64(time.Second)))
		}},
		{"GPU-hours", func(u api.RunUsage) string { return format.Number(u.GPUHours, 4) }},
		{"energy Wh", func(u api.RunUsage) string { return format.Number(u.EnergyWh, 4) }},
		{"cost", func(u api.RunUsage) string { return strconv.FormatFloat(u.Cost, 'f', 2, 64) }},
		{"peak GPU mem GB", func(u api.RunUsage) string { return format.Number(u.PeakMemGB, 4) }},
		{"mean GPU util %", func(u api.RunUsage) string { return strconv.FormatFloat(u.MeanUtil, 'f', 0, 64) }},
	}
	priced := false
	for _, u := range p.cmp.Usage {
		priced = priced || u.Cost != 0
	}
	var labels []string
	var cells [][]compareCell
	for _, row := range rows {
		if row.label == "cost" && !priced {
			continue
		}
		line := make([]compareCell, len(p.runs))
		for j, r := range p.runs {
			line[j] = missing
			if u, ok := p.cmp.Usage[r.ID]; ok && r.Started != nil { // a run not started has used nothing yet
				line[j] = compareCell{text: row.value(u)}
			}
		}
		labels, cells = append(labels, row.label), append(cells, line)
	}
	return append(out, p.table(labels, cells, true, "")...)
}

// renderLegend draws the legend above the curves and gives the chart the
// rest: every run, wrapped onto lines, each its letter, its mark and name
// in its colour, and the last value of its curve ("…" while it is read,
// "—" in a run without the metric, "off" when hidden); › is the legend's
// cursor, ▲ the pinned run. Names are cut so that the legend takes a third
// of the page at most.
func (p *compareView) renderLegend() {
	defer p.sizeChart()
	p.legend = ""
	if p.cmp == nil || len(p.runs) == 0 {
		return
	}
	s := p.styles
	mc := p.cmp.Metrics[p.metric]
	values := make([]string, len(p.runs))
	longest := 3
	for i, r := range p.runs {
		values[i] = "—"
		switch {
		case p.hidden[r.ID]:
			values[i] = "off"
		case mc.ByRun[r.ID] != nil:
			values[i] = "…"
			if b := p.curves[r.ID]; len(b) > 0 {
				values[i] = format.NumberFit(float64(b[len(b)-1].Last), 9)
			}
		}
		longest = max(longest, ansi.StringWidth(r.Name))
	}
	entry := func(i, nameW int) string {
		r := p.runs[i]
		cur := " "
		if i == p.at && p.tab == curvesTab {
			cur = "›"
		}
		text := runLetter(i) + " " + p.runMark(i) + " " + format.Fit(r.Name, nameW)
		if p.hidden[r.ID] {
			return cur + s.Muted.Render(text+" "+values[i])
		}
		value := s.Text.Render(values[i])
		if values[i] == "—" || values[i] == "…" {
			value = s.Muted.Render(values[i])
		}
		if r.ID == p.pinned {
			value += " ▲"
		}
		return cur + p.letterStyle(i).Render(text) + " " + value
	}
	var lines []string
	for nameW := longest; ; nameW-- {
		lines = wrapEntries(len(p.runs), p.width, func(i int) string { return entry(i, nameW) })
		if len(lines) <= p.legendRoom() || nameW <= 3 {
			break
		}
	}
	p.legend = strings.Join(lines, "\n")
}

// wrapEntries lays n entries onto lines of w cells, two blanks apart, as
// many on a line as fit; an entry wider than a line is cut.
func wrapEntries(n, w int, entry func(i int) string) []string {
	var lines []string
	line, lineW := "", 0
	for i := range n {
		e := entry(i)
		ew := ansi.StringWidth(e)
		if lineW > 0 && lineW+2+ew > w {
			lines, line, lineW = append(lines, line), "", 0
		}
		if lineW > 0 {
			line, lineW = line+"  ", lineW+2
		}
		line, lineW = line+e, lineW+ew
	}
	lines = append(lines, line)
	for i, l := range lines {
		lines[i] = format.Fit(l, w)
	}
	return lines
}
