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

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
	"lathe/tui/table"
)

// Messages of a sweep's page; each names its sweep.
type (
	// sweepActedMsg is what a stop or a resume did: the sweep as the
	// engine left it, or its refusal.
	sweepActedMsg struct {
		id, did string
		sweep   api.Sweep
		err     error
	}
	// trialCurveMsg is the sweep's metric's view in a trial's run.
	trialCurveMsg struct {
		sweep, run, metric string
		buckets            []api.Bucket
	}
	// trialRunsMsg is the runs of a sweep's trials, read for their
	// scatter (parallel: on its parallel coordinates).
	trialRunsMsg struct {
		sweep    string
		parallel bool
		runs     []api.Run
		err      error
	}
)

// The leaderboard's sorts, in the order o goes through them; then each
// param's.
const (
	byValue = iota // the sweep's metric, best first
	byTrial        // the trials' numbers
	byParam        // the first param's; byParam+i the i-th's
)

// Layout of a sweep's page: the curves sit under the leaderboard when the
// page has room for both, at least curvesLeast lines of them.
const (
	tallRoom    = 24
	curvesLeast = 10
	// maxCurves is the most running trials whose curves are drawn (the
	// best valued): more would hide each other.
	maxCurves = 8
)

// trialRow is a trial with its cells written when the sweep or the width
// changes, so that a frame only joins them.
type trialRow struct {
	api.SweepTrial
	best        bool
	value, rung string
}

// sweepView is one sweep: what its file asks and how it stands (the
// head), its trials as a leaderboard (sorted by o, the best marked ★),
// and the curves of its metric in its running trials and its best one,
// with the steps where early stopping decides (the rungs) drawn across
// them. enter opens a trial's run; S and P its trials' scatter and
// parallel coordinates; s stops the sweep, x stops it and kills its
// running trials, r resumes it (each after a question but r).
type sweepView struct {
	eng           Engine
	ctx           context.Context
	styles        styles.Styles
	keys          KeyMap
	id            string
	width, height int
	sweep         *api.Sweep
	err           string
	fetch         fetch
	// polled is when the sweep was last asked for on a tick.
	polled time.Time
	// note is what the last action did, or the engine's refusal (noteErr).
	note    string
	noteErr bool

	table  *table.Model[trialRow]
	params []string // the trials' params, by name
	sortBy int

	// curvesOnly says the curves show in place of the leaderboard (c);
	// curvesUnder that they fit under it.
	curvesOnly, curvesUnder bool
	chart                   *chart.Chart
	// curves are the metric's views in the trials' runs, by run id;
	// plotted the trials they are drawn for, the best first.
	curves  map[string][]api.Bucket
	plotted []api.SweepTrial
	more    int // running trials not drawn

	// Drawn when the sweep, the size or the cursor change: the head, the
	// legend over the curves, and the line under everything (the trial
	// under the cursor).
	head   []string
	legend string
	detail string
	// pad is the blank lines that fill the page over the trial's line.
	pad string
}

func newSweepView(ctx context.Context, eng Engine, s styles.Styles, k KeyMap, id string) *sweepView {
	p := &sweepView{eng: eng, ctx: ctx, styles: s, keys: k, id: id, curves: map[string][]api.Bucket{},
		table: table.New(func(r trialRow) string { return strconv.Itoa(r.Trial) }, s, k.Table),
		chart: chart.New("", s, k.Chart)}
	setXAxisOf(p.chart, false)
	p.updateKeys()
	return p
}

// Init reads the sweep.
func (p *sweepView) Init() tea.Cmd { return p.fetch.start(p.load()) }

func (p *sweepView) load() tea.Cmd {
	id := p.id
	return func() tea.Msg {
		sw, err := p.eng.Sweep(p.ctx, id)
		return sweepMsg{id: id, sweep: sw, err: err}
	}
}

func (p *sweepView) Title() string {
	if p.sweep != nil {
		return p.sweep.Name
	}
	return p.id
}

func (p *sweepView) Capturing() bool { return false }

func (p *sweepView) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
}

func (p *sweepView) ShortHelp() []key.Binding {
	k := p.keys
	// What a small footer keeps first: the trial, the curves, the actions.
	return keyhelp.Enabled(k.Open, p.curvesKey(), k.StopSweep, k.KillSweep, k.ResumeSweep, p.sortKey(), k.Scatter, k.OpenParallel)
}

func (p *sweepView) FullHelp() [][]key.Binding {
	k := p.keys
	return keyhelp.Rows(append(slices.Clone(scrollKeys(k.Table)), []key.Binding{k.Open}, []key.Binding{p.sortKey()},
		[]key.Binding{p.curvesKey()}, []key.Binding{k.Scatter}, []key.Binding{k.OpenParallel},
		[]key.Binding{k.StopSweep}, []key.Binding{k.KillSweep}, []key.Binding{k.ResumeSweep})...)
}

// sortKey is o, which says the sort it goes to.
func (p *sweepView) sortKey() key.Binding {
	b := p.keys.Sort
	names := p.sortNames()
	b.SetHelp(b.Help().Key, "sort by "+names[(p.sortBy+1)%len(names)])
	return b
}

// curvesKey is c, which shows the curves or the leaderboard.
func (p *sweepView) curvesKey() key.Binding {
	b := p.keys.Curves
	if p.curvesOnly {
		b.SetHelp(b.Help().Key, "leaderboard")
	}
	return b
}

// updateKeys enables what works on the sweep as it stands: stop while it
// runs, kill until it is done, resume once stopped.
func (p *sweepView) updateKeys() {
	k, t := &p.keys, &p.keys.Table
	trials := p.sweep != nil && len(p.sweep.Trials) > 0
	for _, b := range []*key.Binding{&k.Open, &k.Sort, &k.Scatter, &k.OpenParallel, &t.Down, &t.Up, &t.Top, &t.Bottom, &t.PageDown, &t.PageUp} {
		b.SetEnabled(trials)
	}
	k.Curves.SetEnabled(p.sweep != nil)
	state := ""
	if p.sweep != nil {
		state = p.sweep.State
	}
	k.StopSweep.SetEnabled(state == api.SweepRunning)
	// A stopped sweep stopped with kill is stopped for good: done once its
	// trials have ended.
	k.KillSweep.SetEnabled(state == api.SweepRunning || state == api.SweepStopped)
	k.ResumeSweep.SetEnabled(state == api.SweepStopped)
}

func (p *sweepView) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case sweepChangedMsg:
		if msg.id == "" || msg.id == p.id {
			cmd = p.fetch.start(p.load())
		}
	case tickMsg:
		if now := time.Time(msg); now.Sub(p.polled) >= sweepPoll {
			p.polled = now
			cmd = p.fetch.start(p.load())
		}
	case sweepMsg:
		if msg.id != p.id {
			break
		}
		if msg.err != nil {
			p.err = "the sweep cannot be read: " + msg.err.Error()
			p.layout()
		} else {
			p.err = ""
			p.setSweep(msg.sweep)
		}
		cmd = tea.Batch(p.fetch.done(p.load()), p.loadCurves())
	case sweepActedMsg:
		if msg.id != p.id {
			break
		}
		p.note, p.noteErr = msg.did, false
		if msg.err != nil {
			p.note, p.noteErr = msg.err.Error(), true
			p.layout()
			break
		}
		p.setSweep(msg.sweep)
		cmd = p.loadCurves()
	case actedMsg: // what is under way, after the question's yes
		p.note, p.noteErr = msg.note, false
		p.layout()
	case trialCurveMsg:
		if msg.sweep == p.id && p.sweep != nil && msg.metric == p.sweep.Metric {
			p.curves[msg.run] = msg.buckets
			p.drawCurves()
		}
	case trialRunsMsg:
		if msg.sweep != p.id || p.sweep == nil {
			break
		}
		if msg.err != nil {
			p.note, p.noteErr = "the trials' runs cannot be read: "+msg.err.Error(), true
			p.layout()
			break
		}
		open := openScatterMsg{runs: msg.runs, from: "trials of " + p.sweep.Name, trials: true, parallel: msg.parallel, metric: p.sweep.Metric}
		cmd = func() tea.Msg { return open }
	case tea.KeyMsg:
		cmd = p.key(msg)
	}
	p.updateKeys()
	return p, cmd
}

func (p *sweepView) key(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.Open):
		if r, ok := p.table.Selected(); ok && r.Run != "" {
			id := r.Run
			return func() tea.Msg { return openRunMsg{id: id, trial: true} }
		}
	case key.Matches(msg, k.Sort):
		p.sortBy = (p.sortBy + 1) % len(p.sortNames())
		p.layout()
	case key.Matches(msg, k.Curves):
		p.curvesOnly = !p.curvesOnly
		p.layout()
		return p.loadCurves()
	case key.Matches(msg, k.Scatter), key.Matches(msg, k.OpenParallel):
		return p.loadTrialRuns(key.Matches(msg, k.OpenParallel))
	case key.Matches(msg, k.StopSweep), key.Matches(msg, k.KillSweep):
		return p.askStop(key.Matches(msg, k.KillSweep))
	case key.Matches(msg, k.ResumeSweep):
		return p.resume()
	case key.Matches(msg, k.Table.Mark, k.Table.MarkAll): // a trial is not marked
	default:
		p.table.Update(msg)
		p.describe()
	}
	return nil
}

// loadTrialRuns reads the runs of the sweep's trials (the engine keeps
// those tagged with its id) for their scatter.
func (p *sweepView) loadTrialRuns(parallel bool) tea.Cmd {
	id := p.id
	q := api.RunQuery{Filter: fmt.Sprintf("tags.%s = %q", sweepIDTag, id)}
	return func() tea.Msg {
		runs, err := p.eng.Runs(p.ctx, q)
		return trialRunsMsg{sweep: id, parallel: parallel, runs: runs, err: err}
	}
}

// askStop asks before the sweep stops starting trials, and with kill
// before its running trials are killed too.
func (p *sweepView) askStop(kill bool) tea.Cmd {
	sw := *p.sweep
	eng, ctx := p.eng, p.ctx
	running := format.Plural(sw.Running, "running trial")
	text := fmt.Sprintf("stop %s? it starts no more trials; its %s go on, and r resumes it", sw.Name, running)
	doing, did := "stopping "+sw.Name+"…", "stopped "+sw.Name+": it starts no more trials; r resumes it"
	if sw.Running == 0 {
		text = fmt.Sprintf("stop %s? it starts no more trials; r resumes it", sw.Name)
	}
	switch {
	case kill && sw.Running == 0:
		// Stopped for good: done once its trials have ended.
		text = fmt.Sprintf("stop %s for good? no trial of it is running", sw.Name)
		doing, did = "stopping "+sw.Name+"…", "stopped "+sw.Name+" for good"
	case kill:
		text = fmt.Sprintf("stop %s and kill its %s?", sw.Name, running)
		doing = "stopping " + sw.Name + " and killing its " + running + "…"
		did = "stopped " + sw.Name + " and killed its " + running
	}
	p.note = ""
	p.layout()
	q := askMsg{from: sweepPage, text: text, doing: doing, yes: func() tea.Msg {
		res, err := eng.StopSweep(ctx, sw.ID, kill)
		return sweepActedMsg{id: sw.ID, did: did, sweep: res, err: err}
	}}
	return func() tea.Msg { return q }
}

// resume has the sweep start trials again; nothing is lost by it, so it
// asks nothing.
func (p *sweepView) resume() tea.Cmd {
	sw := *p.sweep
	eng, ctx := p.eng, p.ctx
	p.note, p.noteErr = "resuming "+sw.Name+"…", false
	p.layout()
	return func() tea.Msg {
		res, err := eng.ResumeSweep(ctx, sw.ID)
		return sweepActedMsg{id: sw.ID, did: "resumed " + sw.Name + ": it starts trials again", sweep: res, err: err}
	}
}

// setSweep takes the sweep as read and draws the page again.
func (p *sweepView) setSweep(sw api.Sweep) {
	p.sweep = &sw
	names := map[string]bool{}
	for _, t := range sw.Trials {
		for n := range t.Params {
			names[n] = true
		}
	}
	p.params = slices.Sorted(maps.Keys(names))
	p.sortBy = min(p.sortBy, len(p.sortNames())-1)
	p.chooseCurves()
	p.layout()
}

// sortNames names the sorts o goes through: value, trial, then each
// param.
func (p *sweepView) sortNames() []string { return append([]string{"value", "trial"}, p.params...) }

// valueTitle heads the values' column: the metric and which way is
// better.
func (p *sweepView) valueTitle() string {
	return strings.TrimSpace(p.sweep.Metric + " " + directionArrow(p.sweep.Direction))
}

// sortedRows is the trials as rows in the leaderboard's sort, each
// sort's ties by trial number.
func (p *sweepView) sortedRows() []trialRow {
	sw := p.sweep
	rows := make([]trialRow, len(sw.Trials))
	for i, t := range sw.Trials {
		rows[i] = trialRow{SweepTrial: t, best: sw.Best != nil && sw.Best.Trial == t.Trial, value: "—", rung: "—"}
		if v := float64(t.Value); !math.IsNaN(v) {
			rows[i].value = format.NumberFit(v, 10)
		}
		if r := sw.RungOf(t); r != "" {
			rows[i].rung = r
		}
	}
	byNumber := func(a, b trialRow) int { return cmp.Compare(a.Trial, b.Trial) }
	switch {
	case p.sortBy == byValue:
		slices.SortStableFunc(rows, func(a, b trialRow) int {
			va, vb := float64(a.Value), float64(b.Value)
			switch {
			case better(*sw, va, vb):
				return -1
			case better(*sw, vb, va):
				return 1
			}
			return byNumber(a, b)
		})
	case p.sortBy == byTrial:
		slices.SortStableFunc(rows, byNumber)
	default:
		name := p.params[p.sortBy-byParam]
		slices.SortStableFunc(rows, func(a, b trialRow) int {
			return cmp.Or(compareParam(a.Params, b.Params, name), byNumber(a, b))
		})
	}
	return rows
}

// compareParam orders two trials' values of a param: as numbers when both
// are, else as text; a trial without it last.
func compareParam(a, b map[string]string, name string) int {
	va, oka := a[name]
	vb, okb := b[name]
	switch {
	case !oka || !okb:
		return -cmp.Compare(boolInt(oka), boolInt(okb))
	}
	fa, erra := strconv.ParseFloat(va, 64)
	fb, errb := strconv.ParseFloat(vb, 64)
	if erra == nil && errb == nil {
		return cmp.Compare(fa, fb)
	}
	return cmp.Compare(va, vb)
}

// layout draws the head, sets the leaderboard and shares the height
// between it and the curves.
func (p *sweepView) layout() {
	if p.sweep == nil {
		return
	}
	p.drawHead()
	s := p.styles
	sw := p.sweep
	rows := p.sortedRows()
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	valueTitle := p.valueTitle()
	cols := []sizedColumn[trialRow]{
		// The best's mark: a star, which reads without colour.
		{Column: table.Column[trialRow]{Title: "", Width: 1, Cell: func(r trialRow) string {
			if r.best {
				return "★"
			}
			return ""
		}, Style: func(trialRow) lipgloss.Style { return s.Accent }}, min: 1},
		// Room for the sort's mark after the titles of the columns o sorts by.
		{Column: table.Column[trialRow]{Title: "TRIAL", Width: 6, Right: true, Cell: func(r trialRow) string { return strconv.Itoa(r.Trial) }}, min: 6},
		{Column: table.Column[trialRow]{Title: "RUN", Width: widest(3, 24, names...), Cell: func(r trialRow) string { return r.Name }}, min: 8},
		{Column: table.Column[trialRow]{Title: "STATE", Width: 7, Cell: func(r trialRow) string { return r.State },
			Style: func(r trialRow) lipgloss.Style { return trialStyle(s, r.State) }}, min: 7},
		{Column: table.Column[trialRow]{Title: valueTitle, Width: widest(10, 16, valueTitle+"▼"), Right: true,
			Cell: func(r trialRow) string { return r.value }}, min: 10},
	}
	if sw.EarlyStop != "" {
		var rungs []string
		for _, r := range rows {
			rungs = append(rungs, r.rung)
		}
		cols = append(cols, sizedColumn[trialRow]{Column: table.Column[trialRow]{Title: "RUNG", Width: widest(4, 12, rungs...),
			Cell: func(r trialRow) string { return r.rung }}, min: 4})
	}
	// The params, each a column; the last goes first for want of room.
	for i, name := range p.params {
		values := []string{name}
		for _, r := range rows {
			values = append(values, r.Params[name])
		}
		cols = append(cols, sizedColumn[trialRow]{Column: table.Column[trialRow]{Title: name, Width: widest(3, 16, append(values, name+"▲")...),
			Cell: func(r trialRow) string { return r.Params[name] }}, min: widest(3, 8, name), drop: i + 1})
	}
	p.table.SetColumns(fitColumns(cols, p.width))
	p.table.SetRows(rows)
	sortTitle, desc := valueTitle, sw.Direction != "min"
	switch {
	case p.sortBy == byTrial:
		sortTitle, desc = "TRIAL", false
	case p.sortBy >= byParam:
		sortTitle, desc = p.params[p.sortBy-byParam], false
	}
	p.table.SetSort(sortTitle, desc)

	// The height: the head and the note over, the trial's line under.
	room := max(p.height-len(p.head)-len(p.noteLines())-1, 2)
	p.curvesUnder = !p.curvesOnly && room >= tallRoom
	// The table draws its header and the rows that fit; the chart all its
	// lines, under the legend.
	tableLines := func(h int) int { return 1 + min(len(rows), max(1, h-1)) }
	used := room
	switch {
	case p.curvesOnly:
		p.chart.SetSize(p.width, room-1)
	case p.curvesUnder:
		tableH := min(len(rows)+1, room-1-curvesLeast)
		p.table.SetSize(p.width, tableH)
		p.chart.SetSize(p.width, room-tableH-1)
		used = tableLines(tableH) + 1 + room - tableH - 1
	default:
		p.table.SetSize(p.width, room)
		used = tableLines(room)
	}
	p.pad = strings.Repeat("\n", max(room-used, 0))
	p.drawCurves()
	p.describe()
}

// curvesShown says the page shows the curves: in place of the
// leaderboard, or under it.
func (p *sweepView) curvesShown() bool { return p.curvesOnly || p.curvesUnder }

// drawHead writes the head: the sweep's name and state, what its file
// asks, and how its trials stand.
func (p *sweepView) drawHead() {
	s := p.styles
	sw := p.sweep
	first := s.Title.Render(sw.Name) + "  " + sweepStyle(s, sw.State).Render(sw.State)
	if sw.Reason != "" {
		first += s.Muted.Render(" — " + sw.Reason)
	}
	first += s.Muted.Render(" · " + sw.ID)

	asks := []string{"file " + cmp.Or(sw.File, "?")}
	if sw.Experiment != "" {
		asks = append(asks, "experiment "+sw.Experiment)
	}
	metric := strings.TrimSpace(sw.Metric + " " + directionArrow(sw.Direction))
	if better := map[string]string{"max": "higher is better", "min": "lower is better"}[sw.Direction]; better != "" {
		metric += " (" + better + ")"
	}
	trials := "a whole grid"
	if sw.MaxTrials > 0 {
		trials = format.Plural(sw.MaxTrials, "trial")
	}
	asks = append(asks, metric, sw.Method, fmt.Sprintf("%s, %d at once", trials, sw.Parallel))
	if sw.EarlyStop == "" {
		asks = append(asks, "no early stopping")
	} else {
		steps := make([]string, len(sw.Rungs))
		for i, r := range sw.Rungs {
			steps[i] = strconv.FormatInt(r, 10)
		}
		// The engine names the rungs reached and the next; more follow.
		asks = append(asks, "early stopping ("+sw.EarlyStop+") at steps "+strings.Join(steps, ", ")+", …")
	}
	head := []string{format.Fit(first, p.width)}
	for _, l := range format.WrapItems(asks, " · ", p.width) {
		head = append(head, s.Muted.Render(l))
	}

	var counts []string
	for i, n := range trialCounts(*sw) {
		if n > 0 {
			counts = append(counts, trialStyle(s, trialBarParts[i].state).Render(fmt.Sprintf("%d %s", n, trialBarParts[i].desc)))
		}
	}
	if len(counts) == 0 {
		counts = append(counts, s.Muted.Render("no trials yet"))
	}
	standing := append([]string{trialBar(s, *sw, barW, false) + " " + trialsEnded(*sw) + " ended"}, counts...)
	if sw.Best != nil {
		standing = append(standing, s.Accent.Render("★ best")+" "+bestText(*sw))
	}
	if p.err != "" {
		standing = []string{s.Error.Render(p.err)}
	}
	p.head = append(head, format.WrapItems(standing, " · ", p.width)...)
}

// noteLines is what the last action did, or the refusal.
func (p *sweepView) noteLines() []string {
	if p.note == "" {
		return nil
	}
	return noteLines(p.styles, p.note, p.noteErr, p.width)
}

// describe writes the line about the trial under the cursor: its params,
// and why it was stopped or failed.
func (p *sweepView) describe() {
	if p.sweep == nil {
		return
	}
	s := p.styles
	r, ok := p.table.Selected()
	if !ok {
		p.detail = s.Muted.Render(format.Fit("no trials yet: the engine starts the first soon", p.width))
		if p.sweep.State != api.SweepRunning {
			p.detail = s.Muted.Render(format.Fit("no trials", p.width))
		}
		return
	}
	line := fmt.Sprintf("#%d %s · ", r.Trial, cmp.Or(r.Name, r.Run))
	state := trialStyle(s, r.State).Render(r.State)
	if r.Reason != "" && (r.State == api.TrialStopped || r.State == api.TrialFailed) {
		state = trialStyle(s, r.State).Render(r.State + ": " + r.Reason)
	}
	line += state
	if len(r.Params) > 0 {
		line += " · " + joinParams(r.Params)
	}
	p.detail = format.Fit(line+s.Muted.Render(" · enter opens its run"), p.width)
}

// chooseCurves picks the trials whose curves are drawn: the best, then
// the running ones, best valued first (at most maxCurves), each in the
// colour and mark of its place; curves no longer drawn are let go.
func (p *sweepView) chooseCurves() {
	sw := p.sweep
	var running []api.SweepTrial
	for _, t := range sw.Trials {
		if t.State == api.TrialRunning && t.Run != "" {
			running = append(running, t)
		}
	}
	slices.SortStableFunc(running, func(a, b api.SweepTrial) int {
		switch {
		case better(*sw, float64(a.Value), float64(b.Value)):
			return -1
		case better(*sw, float64(b.Value), float64(a.Value)):
			return 1
		}
		return cmp.Compare(a.Trial, b.Trial)
	})
	p.more = max(0, len(running)-maxCurves)
	running = running[:len(running)-p.more]
	p.plotted = p.plotted[:0]
	if b := sw.Best; b != nil && b.Run != "" && b.State != api.TrialRunning {
		p.plotted = append(p.plotted, *b)
	}
	p.plotted = append(p.plotted, running...)
	maps.DeleteFunc(p.curves, func(run string, _ []api.Bucket) bool {
		return !slices.ContainsFunc(p.plotted, func(t api.SweepTrial) bool { return t.Run == run })
	})
}

// loadCurves reads the metric's view in the trials drawn: the running
// ones again, the others once.
func (p *sweepView) loadCurves() tea.Cmd {
	if p.sweep == nil || p.sweep.Metric == "" || !p.curvesShown() {
		return nil
	}
	id, metric, points := p.id, p.sweep.Metric, max(2*p.width, 10)
	var cmds []tea.Cmd
	for _, t := range p.plotted {
		if _, ok := p.curves[t.Run]; ok && t.State != api.TrialRunning {
			continue
		}
		run := t.Run
		cmds = append(cmds, func() tea.Msg {
			b, err := p.eng.MetricView(p.ctx, run, metric, points)
			if err != nil {
				return nil // a run removed since: no curve
			}
			return trialCurveMsg{sweep: id, run: run, metric: metric, buckets: b}
		})
	}
	return tea.Batch(cmds...)
}

// drawCurves gives the chart the trials' curves, the best's last so that
// it is on top, and the rungs; and writes the legend over it.
func (p *sweepView) drawCurves() {
	if p.sweep == nil || !p.curvesShown() {
		return
	}
	s := p.styles
	sw := p.sweep
	series := make([]chart.Series, 0, len(p.plotted))
	var legend []string
	for i, t := range p.plotted {
		label := "#" + strconv.Itoa(t.Trial)
		if sw.Best != nil && t.Trial == sw.Best.Trial {
			label = "★" + label
		}
		value := "—"
		if v := float64(t.Value); !math.IsNaN(v) {
			value = format.Short(v, 4)
		}
		legend = append(legend, chart.SeriesStyle(s, i).Render(chart.LegendMark(s, i))+" "+label+" "+value)
		series = append(series, chart.Series{Name: label, Style: chart.SeriesStyle(s, i), Nth: i + 1,
			Points: bucketPoints(p.curves[t.Run], false, 0)})
	}
	// The best is drawn last, over the running ones.
	if len(series) > 1 && sw.Best != nil && p.plotted[0].Trial == sw.Best.Trial {
		series = append(series[1:], series[0])
	}
	marks := make([]float64, len(sw.Rungs))
	for i, r := range sw.Rungs {
		marks[i] = float64(r)
	}
	p.chart.SetTitle(sw.Metric)
	p.chart.SetSeries(series)
	p.chart.SetMarks(marks)
	text := strings.Join(legend, "  ")
	if p.more > 0 {
		text += s.Muted.Render(fmt.Sprintf("  +%d running not drawn", p.more))
	}
	if len(marks) > 0 {
		text += s.Muted.Render("  ┆ rungs")
	}
	if len(legend) == 0 {
		text = s.Muted.Render("no trial is running, and none has a value yet")
	}
	p.legend = format.Fit(text, p.width)
}

func (p *sweepView) View() string {
	s := p.styles
	switch {
	case p.sweep == nil && p.err != "":
		return s.Error.Render(format.Fit(p.err, p.width))
	case p.sweep == nil:
		return s.Muted.Render("loading the sweep…")
	}
	parts := append(slices.Clip(p.head), p.noteLines()...)
	switch {
	case p.curvesOnly:
		parts = append(parts, p.legend, p.chart.View())
	case p.curvesUnder:
		parts = append(parts, p.table.View(), p.legend, p.chart.View())
	default:
		parts = append(parts, p.table.View())
	}
	// The trial's line is the page's last.
	return strings.Join(parts, "\n") + p.pad + "\n" + p.detail
}
