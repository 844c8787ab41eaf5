package tui

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
	"lathe/tui/table"
)

// The Drift page of a model: how its production data drifts from the data
// a version was trained on, window by window.
//
// A heat map has a row per column of the data and a cell per window (the
// newest that fit, newest at the right), each cell the status letter in
// its tone: · ok, w warn, A alert, – absent, so that it reads without
// colour. The features come first, by the newest window's PSI, highest
// first, then the prediction, label and challenger columns; over them the
// data set's status, under them the model's quality when labels came. j/k
// choose a column and h/l a window (the newest at first, and while it
// stays chosen, the newest as windows come). Beside the map, the
// reference's histogram against the chosen window's; under it the
// column's PSI over the windows with the warn and alert lines, beside the
// chosen cell's statistics; then the challenger's shadow comparison and
// what an alert did about retraining.
//
// The page reads the drift in a command, again when the engine says the
// model's drift changed (an EventDrift), and draws its lines when the
// drift, the size, the clock or the choice change, not at every frame.

// Messages of the Drift page; each names the model it is for.
type (
	// openDriftMsg opens a model's Drift page.
	openDriftMsg struct{ model string }
	// driftChangedMsg says a model's drift changed: its page reads it
	// again.
	driftChangedMsg struct{ model string }
	driftMsg        struct {
		model string
		drift api.ModelDrift
		err   error
	}
)

// driftRow is a row of the heat map: a column of the data, a feature or
// the column of a role (prediction, label, challenger).
type driftRow struct{ name, role string }

// driftRoles are the roles' tags in the rows' names, in the rows' order.
var driftRoles = []struct{ role, tag string }{{"prediction", "pred"}, {"label", "label"}, {"challenger", "chal"}}

// roleRank orders features first, then the roles in driftRoles' order.
func roleRank(role string) int {
	if role == "" {
		return 0
	}
	if i := slices.IndexFunc(driftRoles, func(r struct{ role, tag string }) bool { return r.role == role }); i >= 0 {
		return i + 1
	}
	return len(driftRoles) + 1
}

// label is the row's name with its role's tag, muted: "digit (pred)"; a
// column named for its role ("prediction") needs none.
func (r driftRow) label(s styles.Styles) string {
	if r.role == "" || r.name == r.role {
		return r.name
	}
	tag := r.role
	if i := roleRank(r.role) - 1; i < len(driftRoles) {
		tag = driftRoles[i].tag
	}
	return r.name + s.Muted.Render(" ("+tag+")")
}

// driftLetter is a status as the heat map writes it, and its tone: · ok,
// w warn, A alert, ? not scored; – for a column absent from a window.
func driftLetter(s styles.Styles, status string, present bool) (string, lipgloss.Style) {
	switch {
	case !present:
		return "–", s.Muted
	case status == api.DriftOK:
		return "·", s.Ok
	case status == api.DriftWarn:
		return "w", s.Warn
	case status == api.DriftAlert:
		return "A", s.Error
	}
	return "?", s.Muted
}

// driftStatus is a status as a word in its tone: OK, WARN, ALERT.
func driftStatus(s styles.Styles, status string) string {
	_, tone := driftLetter(s, status, true)
	return tone.Render(strings.ToUpper(cmp.Or(status, "not scored")))
}

// driftLegend says what the heat map's letters mean.
const driftLegend = "· ok  w warn  A alert  – absent"

// floatText is a statistic to sig significant digits, "—" when absent.
func floatText(f *api.Float, sig int) string {
	if f == nil {
		return "—"
	}
	return format.Number(float64(*f), sig)
}

// psiText is a PSI for the heat map's narrow column: three decimals
// (0.000 for one too small to matter), significant digits past 10.
func psiText(f *api.Float) string {
	if f == nil {
		return "—"
	}
	if v := float64(*f); v < 10 {
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return format.Number(float64(*f), 3)
}

// signed writes a difference with its sign: +0.015, -0.02.
func signed(v float64, sig int) string {
	if v > 0 {
		return "+" + format.Number(v, sig)
	}
	return format.Number(v, sig)
}

// driftView is a model's Drift page.
type driftView struct {
	eng           Engine
	ctx           context.Context
	st            *state
	styles        styles.Styles
	keys          KeyMap
	model         string
	width, height int

	drift *api.ModelDrift
	err   string
	fetch fetch
	// wins are the windows, oldest first; rows the heat map's rows.
	wins []api.DriftWindow
	rows []driftRow
	// row and win are the chosen row and window (indices); follow says
	// the newest window is chosen, and stays so as windows come.
	row, win int
	follow   bool

	chart *chart.Chart
	// view is the page, drawn when what it shows changes.
	view string
}

func newDriftView(ctx context.Context, eng Engine, st *state, s styles.Styles, k KeyMap, model string) *driftView {
	p := &driftView{eng: eng, ctx: ctx, st: st, styles: s, keys: k, model: model, follow: true, chart: chart.New("", s, k.Chart)}
	// The chart's labels fall every few cells, not on the windows: the page
	// writes its own (chartLabels).
	p.chart.SetXLabels(func(float64) string { return "" })
	p.updateKeys()
	return p
}

// Init reads the drift.
func (p *driftView) Init() tea.Cmd { return p.fetch.start(p.load()) }

func (p *driftView) load() tea.Cmd {
	model := p.model
	return func() tea.Msg {
		d, err := p.eng.Drift(p.ctx, api.DriftQuery{Model: model})
		return driftMsg{model: model, drift: d, err: err}
	}
}

func (p *driftView) Title() string   { return "Drift" }
func (p *driftView) Capturing() bool { return false }

func (p *driftView) SetSize(w, h int) {
	p.width, p.height = w, h
	p.render()
}

func (p *driftView) ShortHelp() []key.Binding {
	k := p.keys
	return keyhelp.Enabled(k.Table.Down, k.Table.Up, k.OlderWindow, k.NewerWindow)
}

func (p *driftView) FullHelp() [][]key.Binding {
	k := p.keys
	return keyhelp.Rows([]key.Binding{k.Table.Down, k.Table.Up}, []key.Binding{k.Table.Top, k.Table.Bottom},
		[]key.Binding{k.OlderWindow, k.NewerWindow})
}

// updateKeys enables the motions that move: a column up or down, a window
// older or newer.
func (p *driftView) updateKeys() {
	k, t := &p.keys, &p.keys.Table
	t.Down.SetEnabled(p.row < len(p.rows)-1)
	t.Bottom.SetEnabled(p.row < len(p.rows)-1)
	t.Up.SetEnabled(p.row > 0)
	t.Top.SetEnabled(p.row > 0)
	k.OlderWindow.SetEnabled(p.win > 0)
	k.NewerWindow.SetEnabled(p.win < len(p.wins)-1)
}

func (p *driftView) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case driftChangedMsg:
		if msg.model == "" || msg.model == p.model {
			cmd = p.fetch.start(p.load())
		}
	case driftMsg:
		if msg.model != p.model {
			break
		}
		if msg.err != nil {
			p.err = "the drift cannot be read: " + msg.err.Error()
		} else {
			p.setDrift(msg.drift)
			p.err = ""
		}
		p.render()
		cmd = p.fetch.done(p.load())
	case tickMsg:
		p.render() // the ages move
	case tea.KeyMsg:
		p.key(msg)
	}
	p.updateKeys()
	return p, cmd
}

func (p *driftView) key(msg tea.KeyMsg) {
	k := p.keys
	switch {
	case key.Matches(msg, k.Table.Down):
		p.row++
	case key.Matches(msg, k.Table.Up):
		p.row--
	case key.Matches(msg, k.Table.Top):
		p.row = 0
	case key.Matches(msg, k.Table.Bottom):
		p.row = len(p.rows) - 1
	case key.Matches(msg, k.OlderWindow):
		p.win--
	case key.Matches(msg, k.NewerWindow):
		p.win++
	default:
		return
	}
	p.row = min(max(p.row, 0), max(len(p.rows)-1, 0))
	p.win = min(max(p.win, 0), max(len(p.wins)-1, 0))
	p.follow = p.win == len(p.wins)-1
	p.render()
}

// setDrift takes the drift read: the windows oldest first, the rows in
// order; the chosen column and window stay chosen when they remain.
func (p *driftView) setDrift(d api.ModelDrift) {
	var name string
	if p.row < len(p.rows) {
		name = p.rows[p.row].name
	}
	seq := -1
	if p.win < len(p.wins) {
		seq = p.wins[p.win].Seq
	}
	p.drift = &d
	p.wins = slices.SortedFunc(slices.Values(d.Windows), func(a, b api.DriftWindow) int { return cmp.Compare(a.Seq, b.Seq) })
	p.rows = driftRows(p.wins)
	p.row = max(slices.IndexFunc(p.rows, func(r driftRow) bool { return r.name == name }), 0)
	p.win = slices.IndexFunc(p.wins, func(w api.DriftWindow) bool { return w.Seq == seq })
	if p.follow || p.win < 0 {
		p.win = max(len(p.wins)-1, 0)
	}
}

// driftRows are the columns of every window: the features by the newest
// window's PSI, highest first (those it lacks last, by name), then the
// roles' columns.
func driftRows(wins []api.DriftWindow) []driftRow {
	roles := map[string]string{}
	for _, w := range wins { // the newest says a column's role
		for name, c := range w.Columns {
			roles[name] = c.Role
		}
	}
	psi := func(name string) float64 {
		if len(wins) == 0 {
			return math.Inf(-1)
		}
		c, ok := wins[len(wins)-1].Columns[name]
		if !ok || c.PSI == nil || math.IsNaN(float64(*c.PSI)) {
			return math.Inf(-1)
		}
		return float64(*c.PSI)
	}
	rows := make([]driftRow, 0, len(roles))
	for name, role := range roles {
		rows = append(rows, driftRow{name: name, role: role})
	}
	slices.SortFunc(rows, func(a, b driftRow) int {
		return cmp.Or(cmp.Compare(roleRank(a.role), roleRank(b.role)), cmp.Compare(psi(b.name), psi(a.name)), cmp.Compare(a.name, b.name))
	})
	return rows
}

func (p *driftView) View() string {
	s := p.styles
	switch {
	case p.drift == nil && p.err != "":
		return s.Error.Render(format.Fit(p.err, p.width))
	case p.drift == nil:
		return s.Muted.Render(format.Fit("loading the drift of "+p.model+"…", p.width))
	}
	return p.view
}

// The layout's bounds: the chart's least and greatest height, the
// histogram's least width, a heat map cell's width, the width of the
// column of the chosen window's scores.
const (
	driftChartMin = 7
	driftChartMax = 16
	driftHistMin  = 32
	driftCellW    = 3
	driftScoreW   = 6
)

// render draws the page: the title; the heat map beside the histogram;
// the chart beside the cell's statistics; the shadow comparison and the
// retraining.
func (p *driftView) render() {
	if p.drift == nil || p.width <= 0 || p.height <= 0 {
		p.view = ""
		return
	}
	s := p.styles
	var out []string
	add := func(lines ...string) {
		for _, l := range lines {
			out = append(out, format.Fit(l, p.width))
		}
	}
	add(p.titleLine())
	if p.err != "" {
		add(s.Error.Render(p.err))
	}
	switch {
	case len(p.wins) == 0:
		add(p.emptyLines()...)
		p.view = strings.Join(out, "\n")
		return
	case len(p.rows) == 0:
		add("", s.Muted.Render(fmt.Sprintf("%d %s scored, of no columns", len(p.wins), plural(len(p.wins), "window", "windows"))))
		p.view = strings.Join(out, "\n")
		return
	}
	var extras []string
	extras = append(extras, p.shadowLines()...)
	extras = append(extras, p.retrainLines()...)

	// The heat map's columns, and how many windows fit beside the
	// histogram.
	labels := []string{"data set", "by latest PSI"}
	for _, r := range p.rows {
		labels = append(labels, r.label(s))
	}
	quality := p.qualityMetric()
	if quality != "" {
		labels = append(labels, quality+" (quality)")
	}
	nameW := widest(8, 24, labels...)
	if p.width < 100 {
		nameW = min(nameW, 18)
	}
	fixed := 2 + nameW + 1 + 1 + driftScoreW
	shown := min(len(p.wins), max(1, (p.width-fixed-2-driftHistMin)/driftCellW))
	heatW := fixed + shown*driftCellW
	histW := min(max(p.width-heatW-2, 10), 72)

	// Heights: the map and the histogram, as tall as the taller wants
	// while the chart keeps its least; the chart the rest, within bounds.
	room := p.height - len(out) - len(extras)
	heatWant := 2 + len(p.rows) + boolInt(quality != "")
	histWant := 1 + len(p.cell().Bins)
	top := min(max(heatWant, histWant), max(room-driftChartMin, 4))
	below := room - top
	gaps := 0
	if below > driftChartMax {
		gaps = min(2, below-driftChartMax)
	}
	chartH := min(below-gaps, driftChartMax)

	heat := p.heatLines(nameW, shown, top, quality)
	hist := p.histLines(histW, top)
	if gaps > 0 {
		out = append(out, "")
	}
	for i := range top {
		var l, r string
		if i < len(heat) {
			l = heat[i]
		}
		if i < len(hist) {
			r = hist[i]
		}
		add(format.Pad(l, heatW) + "  " + r)
	}
	if gaps > 1 {
		out = append(out, "")
	}
	if chartH >= 3 {
		panelW := min(max(p.width/3, 32), 44)
		chartW := p.width - panelW - 2
		p.drawChart(chartW, chartH)
		plot := p.chartLines(chartW)
		panel := p.panelLines(panelW, chartH)
		for i := range chartH {
			var l, r string
			if i < len(plot) {
				l = plot[i]
			}
			if i < len(panel) {
				r = panel[i]
			}
			add(format.Pad(l, chartW) + "  " + r)
		}
	}
	add(extras...)
	p.view = strings.Join(out, "\n")
}

// titleLine is the model, the reference the newest window was scored
// against, the windows' kind and the newest window's status with how many
// features alert: "digits-live · reference v1 · windows by batch · latest
// #8 ALERT 3/5 features".
func (p *driftView) titleLine() string {
	s := p.styles
	d := p.drift
	parts := []string{s.Title.Render(p.model)}
	ref := 0
	for _, r := range d.References {
		ref = max(ref, r.Version)
	}
	if n := len(p.wins); n > 0 {
		ref = p.wins[n-1].Version
	}
	if ref > 0 {
		parts = append(parts, fmt.Sprintf("reference v%d", ref))
	}
	parts = append(parts, "windows by "+cmp.Or(d.Settings.Window, "batch"))
	if n := len(p.wins); n > 0 {
		w := p.wins[n-1]
		alerting, features := featureCounts(w)
		parts = append(parts, fmt.Sprintf("latest #%d %s %d/%d features", w.Seq, driftStatus(s, w.DatasetStatus), alerting, features))
	}
	return strings.Join(parts, s.Muted.Render(" · "))
}

// featureCounts is how many of a window's features alert, of how many
// (the roles' columns do not count, as they do not in the drift share).
func featureCounts(w api.DriftWindow) (alerting, features int) {
	for _, c := range w.Columns {
		if c.Role != "" {
			continue
		}
		features++
		if c.Status == api.DriftAlert {
			alerting++
		}
	}
	return alerting, features
}

// emptyLines say what is missing before there is drift to show, and the
// command that makes it: a reference, then batches.
func (p *driftView) emptyLines() []string {
	s := p.styles
	wrap := func(text string) []string { return strings.Split(ansi.Wrap(text, max(p.width, 20), ""), "\n") }
	out := []string{""}
	if len(p.drift.References) == 0 {
		for _, l := range wrap(fmt.Sprintf("no reference: lathe drift reference %s --data train.csv, or a run's train data set", p.model)) {
			out = append(out, s.Muted.Render(l))
		}
		return out
	}
	now := p.st.now()
	refs := slices.SortedFunc(slices.Values(p.drift.References), func(a, b api.DriftReference) int { return cmp.Compare(b.Version, a.Version) })
	for _, r := range refs {
		if r.Error != "" {
			out = append(out, s.Error.Render(format.Fit(fmt.Sprintf("reference v%d: %s", r.Version, r.Error), p.width)))
			continue
		}
		src := r.Source
		if r.Dataset != "" {
			src = r.Dataset + " (" + r.Source + ")"
		}
		line := fmt.Sprintf("reference v%d: %s, %d rows, %d %s, made %s", r.Version, src, r.Rows, len(r.Features),
			plural(len(r.Features), "feature", "features"), ago(r.Created, now))
		if r.By != "" {
			line += " by " + r.By
		}
		out = append(out, wrap(line)...)
	}
	out = append(out, "")
	for _, l := range wrap(fmt.Sprintf("no batches yet: lathe drift ingest %s --data batch.csv", p.model)) {
		out = append(out, s.Muted.Render(l))
	}
	return out
}

// cell is the chosen column in the chosen window (present false when the
// window lacks it).
func (p *driftView) cell() api.DriftColumn {
	c, _ := p.cellOK()
	return c
}

func (p *driftView) cellOK() (api.DriftColumn, bool) {
	if p.row >= len(p.rows) || p.win >= len(p.wins) {
		return api.DriftColumn{}, false
	}
	c, ok := p.wins[p.win].Columns[p.rows[p.row].name]
	return c, ok
}

// qualityMetric is the metric of the newest window with quality, "" when
// no labels came.
func (p *driftView) qualityMetric() string {
	for i := len(p.wins) - 1; i >= 0; i-- {
		if q := p.wins[i].Quality; q != nil {
			return q.Metric
		}
	}
	return ""
}

// heatLines draw the heat map in height lines: the windows' numbers, the
// data set's status, the columns (scrolled to keep the chosen one in view)
// and the quality, each row with its score in the chosen window. Of the
// windows, shown fit: the newest, or from the chosen one when it is older.
func (p *driftView) heatLines(nameW, shown, height int, quality string) []string {
	s := p.styles
	first := len(p.wins) - shown
	if p.win < first {
		first = p.win
	}
	wins := p.wins[first : first+shown]
	sel := p.wins[p.win]

	// The rows that fit, scrolled to the chosen one.
	fit := max(height-2-boolInt(quality != ""), 1)
	top := 0
	if len(p.rows) > fit {
		top = min(max(p.row-fit/2, 0), len(p.rows)-fit)
	}
	end := min(top+fit, len(p.rows))

	line := func(mark, name string, cells []string, score string) string {
		return mark + format.Pad(name, nameW) + " " + strings.Join(cells, "") + " " + table.Align(score, driftScoreW, true)
	}
	cell := func(letter string, tone lipgloss.Style, chosen bool) string {
		if chosen {
			return tone.Bold(true).Render("[" + letter + "]")
		}
		if letter == "w" || letter == "A" { // the heat: a warning or an alert fills its cell
			return tone.Reverse(true).Render(" " + letter + " ")
		}
		return " " + tone.Render(letter) + " "
	}

	hint := "by latest PSI"
	if end-top < len(p.rows) {
		hint = fmt.Sprintf("↑%d ↓%d more", top, len(p.rows)-end)
	}
	out := []string{line("  ", s.Muted.Render(hint), []string{p.windowLabels(wins, sel.Seq)}, "#"+strconv.Itoa(sel.Seq))}

	cells := make([]string, len(wins))
	for i, w := range wins {
		letter, tone := driftLetter(s, w.DatasetStatus, true)
		cells[i] = cell(letter, tone, false)
	}
	alerting, features := featureCounts(sel)
	out = append(out, line("  ", s.Muted.Render("data set"), cells, fmt.Sprintf("%d/%d", alerting, features)))

	for r := top; r < end; r++ {
		row := p.rows[r]
		for i, w := range wins {
			c, ok := w.Columns[row.name]
			letter, tone := driftLetter(s, c.Status, ok)
			cells[i] = cell(letter, tone, r == p.row && w.Seq == sel.Seq)
		}
		score := "–"
		if c, ok := sel.Columns[row.name]; ok {
			score = psiText(c.PSI)
		}
		mark := "  "
		if r == p.row {
			mark = s.Accent.Render("› ")
		}
		out = append(out, line(mark, row.label(s), cells, score))
	}

	if quality != "" {
		// A sparkline of the metric, a glyph in each window's cell, scaled
		// to its range over every window; – where no labels came.
		vals := make([]float64, len(p.wins))
		for i, w := range p.wins {
			vals[i] = math.NaN()
			if q := w.Quality; q != nil && q.Metric == quality {
				vals[i] = float64(q.Value)
			}
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range vals {
			if v-v == 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		glyphs := []rune(format.Sparkline(vals[first:first+shown], shown, lo, hi))
		for i := range wins {
			g := string(glyphs[i])
			if g == " " {
				g = s.Muted.Render("–")
			}
			cells[i] = " " + g + " "
		}
		score := "–"
		if q := sel.Quality; q != nil && q.Metric == quality {
			score = format.Number(float64(q.Value), 3)
		}
		out = append(out, line("  ", quality+s.Muted.Render(" (quality)"), cells, score))
	}
	return out
}

// windowLabels writes the windows' numbers over their cells, each ending
// over its cell's letter.
func (p *driftView) windowLabels(wins []api.DriftWindow, chosen int) string {
	labels := make([]axisLabel, len(wins))
	for i, w := range wins {
		text := strconv.Itoa(w.Seq)
		labels[i] = axisLabel{at: i*driftCellW + 2 - len(text), text: text, first: w.Seq == chosen}
	}
	return p.styles.Muted.Render(placeLabels(len(wins)*driftCellW, labels))
}

// axisLabel is a label to write on a line of labels, at a cell; first
// ones are placed before the others.
type axisLabel struct {
	at    int
	text  string
	first bool
}

// placeLabels writes labels on a line of width cells: the first ones,
// then the others from the last, each where it leaves a blank beside
// those placed (moved left to end in the line), else left out.
func placeLabels(width int, labels []axisLabel) string {
	line := []rune(strings.Repeat(" ", width))
	taken := make([]bool, width)
	place := func(l axisLabel) {
		text := []rune(l.text)
		start := min(l.at, width-len(text))
		if start < 0 {
			return
		}
		for j := max(start-1, 0); j <= min(start+len(text), width-1); j++ {
			if taken[j] {
				return
			}
		}
		for j, r := range text {
			line[start+j], taken[start+j] = r, true
		}
	}
	for _, l := range labels {
		if l.first {
			place(l)
		}
	}
	for i := len(labels) - 1; i >= 0; i-- {
		if !labels[i].first {
			place(labels[i])
		}
	}
	return string(line)
}

// histLines draw the chosen column's bins in height lines at most: the
// reference's share (▒) beside the chosen window's (█), each with its
// percentage, a bin a line; bins that do not fit are merged.
func (p *driftView) histLines(width, height int) []string {
	s := p.styles
	row := p.rows[p.row]
	w := p.wins[p.win]
	head := fmt.Sprintf("%s: reference v%d ▒ vs #%d █", row.name, w.Version, w.Seq)
	out := []string{s.Title.Render(format.Fit(head, width))}
	c, ok := p.cellOK()
	switch {
	case !ok:
		return append(out, s.Muted.Render(format.Fit(fmt.Sprintf("%s is not in window #%d", row.name, w.Seq), width)))
	case len(c.Bins) == 0:
		return append(out, s.Muted.Render(format.Fit("no bins: "+cmp.Or(c.Note, "nothing to compare"), width)))
	}
	bins := fitBins(c.Bins, c.Type, max(height-1, 1))
	labels := make([]string, len(bins))
	top := 0.0
	for i, b := range bins {
		labels[i] = binLabel(b)
		top = max(top, float64(b.Ref), float64(b.Cur))
	}
	labelW := widest(3, max(6, width/3), labels...)
	barW := min(max((width-labelW-13)/2, 3), 24)
	_, tone := driftLetter(s, c.Status, true)
	for i, b := range bins {
		out = append(out, format.Pad(format.Fit(labels[i], labelW), labelW)+" "+
			s.Muted.Render(shadeBar(float64(b.Ref), top, barW))+" "+share(float64(b.Ref))+"  "+
			tone.Render(blockBar(float64(b.Cur), top, barW))+" "+share(float64(b.Cur)))
	}
	return out
}

// share writes a share as a percentage in 4 cells: " 12%".
func share(v float64) string {
	if v != v {
		return "   —"
	}
	return fmt.Sprintf("%3.0f%%", v*100)
}

// shadeBar draws v of top as a bar of whole cells of ▒, w cells wide.
func shadeBar(v, top float64, w int) string {
	n := 0
	if top > 0 && v == v {
		n = min(int(math.Round(v/top*float64(w))), w)
	}
	return strings.Repeat("▒", n) + strings.Repeat(" ", w-n)
}

var eighths = []rune(" ▏▎▍▌▋▊▉")

// blockBar draws v of top as a bar of █ to an eighth of a cell, w cells
// wide.
func blockBar(v, top float64, w int) string {
	if !(top > 0) || v != v {
		return strings.Repeat(" ", w)
	}
	e := min(int(math.Round(v/top*float64(w*8))), w*8)
	bar := strings.Repeat("█", e/8)
	if e%8 > 0 {
		bar += string(eighths[e%8])
	}
	return format.Pad(bar, w)
}

// binLabel names a bin: a category, or a numeric bin's bounds ("25–31",
// "< 18", "≥ 63").
func binLabel(b api.DriftBin) string {
	switch {
	case b.Lo == nil && b.Hi == nil:
		return cmp.Or(b.Category, "(empty)")
	case b.Lo == nil:
		return "< " + format.Short(float64(*b.Hi), 3)
	case b.Hi == nil:
		return "≥ " + format.Short(float64(*b.Lo), 3)
	}
	return format.Short(float64(*b.Lo), 3) + "–" + format.Short(float64(*b.Hi), 3)
}

// fitBins merges bins to n at most: numeric neighbours in runs of equal
// size, or the categories past the first n-1 into one, "other (k)".
func fitBins(bins []api.DriftBin, typ string, n int) []api.DriftBin {
	if len(bins) <= n {
		return bins
	}
	if typ == "categorical" || bins[0].Lo == nil && bins[0].Hi == nil && bins[len(bins)-1].Lo == nil {
		keep := slices.Clone(bins[:max(n-1, 0)])
		other := api.DriftBin{Category: fmt.Sprintf("other (%d)", len(bins)-len(keep))}
		for _, b := range bins[len(keep):] {
			other.Ref += b.Ref
			other.Cur += b.Cur
		}
		return append(keep, other)
	}
	size := (len(bins) + n - 1) / n
	var out []api.DriftBin
	for i := 0; i < len(bins); i += size {
		group := bins[i:min(i+size, len(bins))]
		m := api.DriftBin{Lo: group[0].Lo, Hi: group[len(group)-1].Hi}
		for _, b := range group {
			m.Ref += b.Ref
			m.Cur += b.Cur
		}
		out = append(out, m)
	}
	return out
}

// drawChart gives the chart the chosen column's PSI over the windows (a
// gap where a window lacks it), the warn and alert lines dashed, and the
// chosen window as a vertical line.
func (p *driftView) drawChart(w, h int) {
	s := p.styles
	row := p.rows[p.row]
	set := p.drift.Settings
	psi := make([]chart.Point, len(p.wins))
	top := math.Max(float64(set.Alert), float64(set.Warn))
	for i, win := range p.wins {
		psi[i] = chart.Point{X: float64(win.Seq), Y: math.NaN()}
		if c, ok := win.Columns[row.name]; ok && c.PSI != nil {
			psi[i].Y = float64(*c.PSI)
			if y := psi[i].Y; y-y == 0 {
				top = math.Max(top, y)
			}
		}
	}
	lo, hi := float64(p.wins[0].Seq), float64(p.wins[len(p.wins)-1].Seq)
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	chosen := float64(p.wins[p.win].Seq)
	series := []chart.Series{
		{Name: "warn", Style: s.Warn, Points: dashed(lo, hi, float64(set.Warn), w)},
		{Name: "alert", Style: s.Error, Points: dashed(lo, hi, float64(set.Alert), w)},
		{Name: "chosen", Style: s.Muted, Points: []chart.Point{{X: chosen, Y: 0}, {X: chosen, Y: top}}},
		{Name: "psi", Style: s.Series(0), Points: psi},
	}
	if len(p.wins) == 1 {
		series = slices.Delete(series, 2, 3) // the chosen window is the only point
	}
	p.chart.SetTitle(fmt.Sprintf("PSI of %s · warn %s · alert %s (dashed)", row.name,
		format.Number(float64(set.Warn), 3), format.Number(float64(set.Alert), 3)))
	p.chart.SetSeries(series)
	p.chart.SetSize(w, h)
}

// chartLines are the chart's lines with the windows' numbers under the X
// axis, each starting under its window's points (the chosen window's
// first, then from the newest, while they leave a blank between them).
// Where the axis is is read from the chart's drawing: its second last
// line, from its └, a cell a ─.
func (p *driftView) chartLines(width int) []string {
	plot := strings.Split(p.chart.View(), "\n")
	n := len(plot)
	if n < 3 {
		return plot
	}
	axis := ansi.Strip(plot[n-2])
	i := strings.IndexRune(axis, '└')
	if i < 0 {
		return plot
	}
	origin := ansi.StringWidth(axis[:i])
	cells := strings.Count(axis[i:], "─")
	lo, hi := float64(p.wins[0].Seq), float64(p.wins[len(p.wins)-1].Seq)
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	labels := make([]axisLabel, len(p.wins))
	for j, w := range p.wins {
		// As the chart's braille grid places a point: two dots a cell.
		dot := math.Round((float64(w.Seq) - lo) / (hi - lo) * float64(2*cells-1))
		labels[j] = axisLabel{at: origin + 1 + int(dot)/2, text: "#" + strconv.Itoa(w.Seq), first: j == p.win}
	}
	plot[n-1] = p.styles.Muted.Render(placeLabels(width, labels))
	return plot
}

// dashed is a horizontal line at y from x lo to hi, broken into dashes
// of about two cells of a chart w cells wide, a cell apart.
func dashed(lo, hi, y float64, w int) []chart.Point {
	cell := (hi - lo) / float64(max(w-6, 3))
	var pts []chart.Point
	for x := lo; x < hi; x += 3 * cell {
		end := math.Min(x+2*cell, hi)
		pts = append(pts, chart.Point{X: x, Y: y}, chart.Point{X: end, Y: y}, chart.Point{X: math.Min(end+cell/2, hi), Y: math.NaN()})
	}
	return pts
}

// panelLines are the chosen cell's statistics, a line each, in height
// lines at most, and the heat map's legend when there is room.
func (p *driftView) panelLines(width, height int) []string {
	s := p.styles
	row := p.rows[p.row]
	w := p.wins[p.win]
	c, ok := p.cellOK()
	head := s.Title.Render(fmt.Sprintf("%s at #%d", row.name, w.Seq))
	if !ok {
		return []string{format.Fit(head+"  "+s.Muted.Render("absent"), width),
			s.Muted.Render(format.Fit("not in this window's data", width))}
	}
	out := []string{format.Fit(head+"  "+driftStatus(s, c.Status), width)}
	stat := func(name, value string) {
		out = append(out, format.Fit(s.Muted.Render(format.Pad(name, 9))+value, width))
	}
	withP := func(v, pv *api.Float) string {
		text := floatText(v, 3)
		if pv != nil {
			text += " (p " + floatText(pv, 2) + ")"
		}
		return text
	}
	if c.PSI != nil {
		stat("PSI", withP(c.PSI, c.PSIPValue))
	}
	if c.KSStatistic != nil {
		stat("KS D", withP(c.KSStatistic, c.KSPValue))
	}
	switch {
	case c.WassersteinNorm != nil && c.JS != nil:
		stat("W1 norm", floatText(c.WassersteinNorm, 3)+s.Muted.Render(" · JS ")+floatText(c.JS, 3))
	case c.WassersteinNorm != nil:
		stat("W1 norm", floatText(c.WassersteinNorm, 3))
	case c.JS != nil:
		stat("JS", floatText(c.JS, 3))
	}
	if c.Chi2PValue != nil {
		stat("χ² p", floatText(c.Chi2PValue, 2))
	}
	stat("n", fmt.Sprintf("%d ref · %d cur", c.NRef, c.NCur))
	missing := fmt.Sprintf("%d ref · %d cur", c.MissingRef, c.MissingCur)
	if c.InfRef+c.InfCur > 0 {
		missing += fmt.Sprintf(", ∞ %d · %d", c.InfRef, c.InfCur)
	}
	stat("missing", missing)
	if c.Note != "" {
		for _, l := range strings.Split(ansi.Wrap(c.Note, max(width, 10), ""), "\n") {
			out = append(out, s.Muted.Render(l))
		}
	}
	if len(out) < height {
		out = append(out, s.Muted.Render(format.Fit(driftLegend, width)))
	}
	return out
}

// shadowLines are the challenger's shadow comparison of the chosen window,
// else of the newest window that has one: "shadow v3 vs champion:
// accuracy 0.912 vs 0.897, +0.015 [0.004, 0.026], McNemar p 0.008 —
// better (#8, 1200 rows)"; shorter when the width asks, else wrapped.
func (p *driftView) shadowLines() []string {
	s := p.styles
	var w *api.DriftWindow
	if p.wins[p.win].Shadow != nil {
		w = &p.wins[p.win]
	}
	for i := len(p.wins) - 1; i >= 0 && w == nil; i-- {
		if p.wins[i].Shadow != nil {
			w = &p.wins[i]
		}
	}
	if w == nil {
		return nil
	}
	sh := w.Shadow
	test := map[string]string{"mcnemar-exact": "McNemar exact", "mcnemar": "McNemar", "bootstrap": "bootstrap"}[sh.Test]
	verdict := s.Warn.Render("not better")
	if sh.Better {
		verdict = s.Ok.Render("better")
	}
	scores := fmt.Sprintf("%s %s vs %s, %s [%s, %s], ", sh.Metric, format.Number(float64(sh.Challenger), 3),
		format.Number(float64(sh.Champion), 3), signed(float64(sh.Diff), 2), format.Number(float64(sh.Lo), 2),
		format.Number(float64(sh.Hi), 2))
	pv := "p " + format.Number(float64(sh.PValue), 2)
	where := s.Muted.Render(fmt.Sprintf(" (#%d, %d rows)", w.Seq, sh.Rows))
	title := s.Title.Render(fmt.Sprintf("shadow v%d", sh.Version))
	full := title + " vs champion: " + scores + cmp.Or(test, sh.Test) + " " + pv + " — " + verdict + where
	for _, l := range []string{
		full,
		title + " vs champion: " + scores + cmp.Or(test, sh.Test) + " " + pv + " — " + verdict,
		title + ": " + scores + pv + " — " + verdict,
	} {
		if ansi.StringWidth(l) <= p.width {
			return []string{l}
		}
	}
	return strings.Split(ansi.Wrap(full, max(p.width, 20), ""), "\n")
}

// retrainLines say what the newest alert did about retraining: the run it
// queued, or why none was; else the last retraining.
func (p *driftView) retrainLines() []string {
	s := p.styles
	now := p.st.now()
	run := func(r *api.Retrain) string {
		text := "run " + r.Run
		if r.Of != "" {
			text += " (re-run of " + r.Of + ")"
		}
		return text
	}
	// The time goes first when the line is too long, then the line wraps.
	line := func(text string, r *api.Retrain) []string {
		if l := text + s.Muted.Render(" · "+ago(r.Time, now)); ansi.StringWidth(l) <= p.width {
			return []string{l}
		}
		return strings.Split(ansi.Wrap(text, max(p.width, 20), ""), "\n")
	}
	for i := len(p.wins) - 1; i >= 0; i-- {
		w := p.wins[i]
		r := w.Retrain
		if r == nil {
			continue
		}
		head := s.Error.Render(fmt.Sprintf("alert at #%d", w.Seq))
		if r.Run == "" {
			return line(head+": no retraining, "+cmp.Or(r.Skipped, "none started"), r)
		}
		return line(head+" queued retrain "+run(r), r)
	}
	if r := p.drift.LastRetrain; r != nil && r.Run != "" {
		return line("last retrain "+run(r), r)
	}
	return nil
}
