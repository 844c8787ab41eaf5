package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/format"
	"lathe/tui/logview"
	"lathe/tui/styles"
)

// runTab is a tab of a run's page.
type runTab int

// The tabs of a run.
const (
	overviewTab runTab = iota
	chartsTab
	logsTab
	systemTab
)

var runTabNames = []string{"overview", "charts", "logs", "system"}

// runView shows one run: what it is, its charts, its output, its GPUs.
type runView struct {
	st            *state
	styles        styles.Styles
	keys          KeyMap
	eng           Engine
	ctx           context.Context
	id            string
	width, height int
	tab           runTab
	// grid is the charts tab: the run's metrics, a page of them at a time.
	grid *chart.Grid
	// views are the metrics' last views, to draw again by step or by time.
	views  map[string][]api.Bucket
	logs   *logview.Model
	byTime bool
	// system is the run's GPUs over its life: a chart of utilisation and
	// one of memory per device, from the engine's history, extended by the
	// app's own readings while the run goes on; a grid like the charts tab.
	system     *chart.Grid
	systemHist map[int][]api.GPUPoint
	systemErr  string
	// procs are the readings of the run's process tree (CPU, memory),
	// read again while it runs; procsErr says why they cannot be.
	procs    []api.ProcPoint
	procsErr string
	// detail is the run as the engine gives one run, with what listings
	// leave out (its environment): read when the page opens and when the
	// run changes.
	detail      *api.Run
	detailFetch fetch
	// tail is the last lines of a failed run's output, read once when the
	// page opens on it or the run fails; tailRead says they were asked for.
	tail     []string
	tailErr  string
	tailRead bool
	// note is the outcome of the last action (a registration), after the
	// tabs; noteErr says it is an error.
	note    string
	noteErr bool
}

// Messages of the run page's own I/O; each names its run. (The logs tab's
// are the log view's: logview.Msg.)
type (
	chartDataMsg struct {
		run, metric string
		buckets     []api.Bucket
	}
	systemDataMsg struct {
		run string
		// hist is set when the GPUs' history was read (once a page).
		hist  map[int][]api.GPUPoint
		procs []api.ProcPoint
		err   error
		// procsErr is the process readings' own failure: the GPU charts
		// still show.
		procsErr error
	}
	runDetailMsg struct {
		run    string
		detail api.Run
		err    error
	}
	// runChangedMsg says the engine sent a run's new state.
	runChangedMsg struct{ run string }
	// runTailMsg is the last lines of a run's output.
	runTailMsg struct {
		run   string
		lines []string
		err   error
	}
	// runNoteMsg is what an action on a run did, for its page.
	runNoteMsg struct {
		run, note string
		err       bool
	}
	// openRegisterMsg opens the form that registers a run as a model
	// version.
	openRegisterMsg struct{ run api.Run }
)

func newRunView(ctx context.Context, eng Engine, st *state, s styles.Styles, k KeyMap, id string) *runView {
	p := &runView{st: st, styles: s, keys: k, eng: eng, ctx: ctx, id: id, grid: chart.NewGrid(s, k.Chart),
		system: chart.NewGrid(s, k.Chart), views: map[string][]api.Bucket{}, logs: logview.New(ctx, id, runOutput{eng, id}, s, k.LogView)}
	p.setXAxis()
	p.system.SetXAxis(chart.XTime, durationLabel)
	p.system.SetNoun("chart")
	return p
}

// Init reads the run's detail, and a failed run's last lines of output.
func (p *runView) Init() tea.Cmd { return tea.Batch(p.detailFetch.start(p.loadDetail()), p.loadTail()) }

// tailLines is how many of a failed run's last lines of output the
// overview shows, as `lathe show` does.
const tailLines = 10

// loadTail reads the last lines of the run's output once it has failed
// (or was lost), once.
func (p *runView) loadTail() tea.Cmd {
	r, ok := p.st.run(p.id)
	if !ok || p.tailRead || (r.Status != api.Failed && r.Status != api.Lost) {
		return nil
	}
	p.tailRead = true
	eng, ctx, id := p.eng, p.ctx, p.id
	return func() tea.Msg {
		ls, err := eng.LogLines(ctx, id, api.LogLinesRequest{From: -1, Back: true, Count: tailLines})
		lines := make([]string, len(ls.Lines))
		for i, l := range ls.Lines {
			lines[i] = logview.Clean(l.Text)
		}
		return runTailMsg{run: id, lines: lines, err: err}
	}
}

func (p *runView) loadDetail() tea.Cmd {
	id := p.id
	return func() tea.Msg {
		r, err := p.eng.Run(p.ctx, id)
		return runDetailMsg{run: id, detail: r, err: err}
	}
}

// showTab goes to a tab and loads what it shows.
func (p *runView) showTab(tab runTab) tea.Cmd {
	p.tab = tab
	return p.load()
}

// load asks the engine for what the current tab shows.
func (p *runView) load() tea.Cmd {
	r, ok := p.st.run(p.id)
	if !ok {
		return nil
	}
	switch p.tab {
	case chartsTab:
		return p.loadCharts(r)
	case logsTab:
		return p.loadLogs()
	case systemTab:
		return p.loadSystem(r)
	}
	return nil
}

func (p *runView) Title() string {
	if r, ok := p.st.run(p.id); ok {
		return r.Name
	}
	return p.id
}

func (p *runView) SetSize(w, h int) {
	p.width, p.height = w, h
	p.grid.SetSize(w, max(h-1, 1))
	p.system.SetSize(w, max(h-1, 1))
	p.logs.SetSize(w, max(h-1, 1))
}

// Capturing reports that the page takes every key (a search being typed).
func (p *runView) Capturing() bool {
	return p.tab == logsTab && p.logs.Capturing() || p.chartGrid() != nil && p.chartGrid().Capturing()
}

// TakesEsc reports that esc closes the grid's inspector or kept filter
// rather than leaving the run.
func (p *runView) TakesEsc() bool { g := p.chartGrid(); return g != nil && g.TakesEsc() }

// chartGrid is the grid of the tab shown, nil on a tab without.
func (p *runView) chartGrid() *chart.Grid {
	switch p.tab {
	case chartsTab:
		return p.grid
	case systemTab:
		return p.system
	}
	return nil
}

func (p *runView) ShortHelp() []key.Binding {
	k := p.keys
	switch {
	case p.chartGrid() != nil && p.chartGrid().Capturing():
		return p.chartGrid().ShortHelp()
	case p.Capturing():
		return p.logs.ShortHelp()
	case p.tab == chartsTab && p.grid.Inspecting():
		return append([]key.Binding{k.TimeX}, p.grid.ShortHelp()...)
	case p.tab == chartsTab:
		return append([]key.Binding{k.NextTab, k.TimeX}, p.grid.ShortHelp()...)
	case p.tab == systemTab && p.system.Inspecting():
		return p.system.ShortHelp()
	case p.tab == systemTab:
		return append([]key.Binding{k.NextTab}, p.system.ShortHelp()...)
	case p.tab == logsTab:
		return append([]key.Binding{k.NextTab}, p.logs.ShortHelp()...)
	}
	return []key.Binding{k.NextTab, k.PrevTab, k.Register}
}

func (p *runView) FullHelp() [][]key.Binding {
	k := p.keys
	if g := p.chartGrid(); g != nil && g.Capturing() {
		return g.FullHelp()
	}
	if p.Capturing() {
		return p.logs.FullHelp()
	}
	rows := [][]key.Binding{{k.NextTab, k.PrevTab}, {k.Register}}
	// On a grid's tab its keys come first: r sets its rows, and while it
	// inspects, ←/→ and h/l move its cursor.
	if g := p.chartGrid(); g != nil {
		rows = [][]key.Binding{{k.NextTab, k.PrevTab}}
		if g.Inspecting() {
			rows = nil
		}
		rows = append(rows, g.FullHelp()...)
	}
	switch p.tab {
	case chartsTab:
		rows = append(rows, []key.Binding{k.TimeX})
	case logsTab:
		rows = append(rows, p.logs.FullHelp()...)
	}
	return rows
}

func (p *runView) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case chartDataMsg:
		if msg.run == p.id {
			p.views[msg.metric] = msg.buckets
			p.drawMetric(msg.metric)
		}
	case logview.Msg:
		_, cmd := p.logs.Update(msg)
		return p, cmd
	case systemDataMsg:
		if msg.run == p.id {
			if msg.hist != nil {
				p.systemHist = msg.hist
			}
			p.procs, p.procsErr = msg.procs, ""
			if msg.err != nil {
				p.systemErr = "the GPU history cannot be read: " + msg.err.Error()
			}
			if msg.procsErr != nil {
				p.procsErr = "the run's CPU and memory cannot be read: " + msg.procsErr.Error()
			}
			p.refreshSystem()
		}
	case tickMsg:
		// A running run's charts and output move: read them again, but not
		// the output the user has scrolled up in. A page of charts grown
		// with the terminal reads the views it lacks.
		if p.chartsMissing() {
			return p, p.load()
		}
		if r, ok := p.st.run(p.id); ok && r.Status == api.Running && (p.tab != logsTab || p.logs.Following()) {
			if p.tab == systemTab {
				p.refreshSystem()
			}
			return p, p.load()
		}
	case runDetailMsg:
		if msg.run == p.id {
			if msg.err == nil {
				p.detail = &msg.detail
			}
			return p, p.detailFetch.done(p.loadDetail())
		}
	case runChangedMsg:
		if msg.run == p.id {
			cmd := tea.Batch(p.detailFetch.start(p.loadDetail()), p.loadTail())
			if p.tab == logsTab {
				// Its last output, or why it has none, once it has ended.
				cmd = tea.Batch(cmd, p.loadLogs())
			}
			return p, cmd
		}
	case runTailMsg:
		if msg.run == p.id {
			p.tail = msg.lines
			if msg.err != nil {
				p.tailErr = "the output cannot be read: " + msg.err.Error()
			}
		}
	case runNoteMsg:
		if msg.run == p.id {
			p.note, p.noteErr = msg.note, msg.err
		}
	case tea.KeyMsg:
		return p, p.key(msg)
	case tea.MouseMsg:
		// With --mouse, a click or a drag on a chart shows the inspector
		// there; the grid starts below the app's header and the tabs.
		if g := p.chartGrid(); g != nil && msg.Button == tea.MouseButtonLeft && msg.Action != tea.MouseActionRelease {
			g.InspectAt(msg.X, msg.Y-runGridTop)
		}
	}
	return p, nil
}

// runGridTop is the screen row where a run's grid of charts starts: below
// the app's header and the page's tabs.
const runGridTop = 2

func (p *runView) key(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	// A grid's keys come first on its tab: while inspecting, h/l move its
	// cursor rather than the tab, and r sets its rows.
	switch g := p.chartGrid(); {
	case p.tab == chartsTab && g.Handles(msg):
		return p.chartsKey(msg)
	case p.tab == systemTab && g.Handles(msg):
		g.Update(msg)
		return nil
	}
	if p.Capturing() {
		_, cmd := p.logs.Update(msg)
		return cmd
	}
	n := runTab(len(runTabNames))
	switch {
	case key.Matches(msg, k.Register):
		return p.register()
	case key.Matches(msg, k.NextTab):
		return p.showTab((p.tab + 1) % n)
	case key.Matches(msg, k.PrevTab):
		return p.showTab((p.tab + n - 1) % n)
	case p.tab == logsTab:
		_, cmd := p.logs.Update(msg)
		return cmd
	case p.tab == chartsTab:
		return p.chartsKey(msg)
	}
	return nil
}

// register opens the form that registers the run as a model version, once
// it has ended.
func (p *runView) register() tea.Cmd {
	r, ok := p.st.run(p.id)
	if !ok {
		return nil
	}
	if !r.Status.Ended() {
		p.note, p.noteErr = fmt.Sprintf("%s is %s: register it once it has ended", r.Name, r.Status), true
		return nil
	}
	if p.detail != nil && len(r.Artifacts) == 0 {
		r.Artifacts = p.detail.Artifacts
	}
	p.note = ""
	return func() tea.Msg { return openRegisterMsg{run: r} }
}

func (p *runView) View() string {
	s := p.styles
	r, ok := p.st.run(p.id)
	if !ok {
		return s.Muted.Render("this run is gone")
	}
	head := tabsLine(s, runTabNames, int(p.tab))
	if p.note != "" {
		note := s.Muted
		if p.noteErr {
			note = s.Error
		}
		head += "    " + note.Render(p.note)
	}
	head = format.Fit(head, p.width) + "\n"
	switch p.tab {
	case chartsTab:
		return head + p.chartsView(r)
	case logsTab:
		return head + p.logs.View()
	case systemTab:
		return head + p.systemView(r)
	}
	return head + p.overview(r)
}

// tailView is a failed run's last lines of output, under a title.
func (p *runView) tailView() string {
	s := p.styles
	if p.tailErr != "" {
		return "\n" + s.Error.Render(format.Fit(p.tailErr, p.width)) + "\n"
	}
	if len(p.tail) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + s.Title.Render(fmt.Sprintf("Last %d lines of output", len(p.tail))) + "\n")
	for _, l := range p.tail {
		b.WriteString(s.Muted.Render(format.Fit("  "+l, p.width)) + "\n")
	}
	return b.String()
}

// progressStep is how far a run has gone toward its total: its furthest
// step, which is the total once the run succeeded or reached the last
// step (steps count from 0, so the last is total-1).
func progressStep(r api.Run) int64 {
	step := r.LastStep()
	if r.Status == api.Succeeded || step == r.Total-1 {
		return r.Total
	}
	return max(step, 0)
}

// tabsLine names a page's tabs, the active one in brackets.
func tabsLine(s styles.Styles, names []string, active int) string {
	tabs := make([]string, len(names))
	for i, n := range names {
		if i == active {
			tabs[i] = s.Accent.Render("[" + n + "]")
		} else {
			tabs[i] = s.Muted.Render(" " + n + " ")
		}
	}
	return strings.Join(tabs, " ")
}

// overview is what the run is and how it went.
func (p *runView) overview(r api.Run) string {
	s := p.styles
	now := p.st.now()
	row := func(k, v string) string { return s.Muted.Render(format.Pad(k, 12)) + format.Fit(v, p.width-12) + "\n" }
	var b strings.Builder
	status := s.StatusOf(r).Render(r.StatusWord())
	if r.Reason != "" {
		status += " — " + r.Reason
	}
	if r.Waiting != "" {
		status += " — " + r.Waiting
	}
	if r.Stall != "" {
		status += " — " + s.Warn.Render(r.Stall)
	}
	b.WriteString(row("run", r.Name+" ("+r.ID+")"))
	b.WriteString(row("experiment", r.Experiment))
	b.WriteString(row("status", status))
	if o := r.Origin(); o != "" {
		b.WriteString(row("command", o))
	} else {
		b.WriteString(row("command", format.Command(r.Command)))
	}
	if r.Cwd != "" {
		b.WriteString(row("cwd", r.Cwd))
	}
	if q := r.Queue; q != nil {
		b.WriteString(row(q.Scheduler, q.String()))
	}
	b.WriteString(row("elapsed", format.Elapsed(r.Started, r.Ended, now)))
	at := func(t time.Time) string { return t.Local().Format(time.DateTime) } // as `lathe show` writes it
	if r.Started == nil {
		b.WriteString(row("created", at(r.Created)))
	} else {
		b.WriteString(row("started", at(*r.Started)))
	}
	if r.Ended != nil {
		b.WriteString(row("ended", at(*r.Ended)))
	}
	if r.InvalidLines > 0 {
		// A job whose lines are all refused looks stuck: say why.
		b.WriteString(row("metrics", s.Warn.Render(invalidText(r))))
	}
	if r.Total > 0 {
		step := progressStep(r)
		b.WriteString(row("progress", fmt.Sprintf("%s %d/%d %s", format.Bar(float64(step)/float64(r.Total), 20), step, r.Total, eta(r, now))))
	}
	if len(r.Devices) > 0 {
		b.WriteString(row("gpus", format.Devices(r.Devices)))
	}
	if u := r.Usage; u != nil {
		b.WriteString(row("gpu use", fmt.Sprintf("%.3f GPU-h, %.1f Wh, peak %s GiB, mean %.0f%%", u.GPUHours, u.EnergyWh, format.GiBs(u.PeakGPUMemBytes), u.MeanGPUUtil)))
	}
	if len(r.Params) > 0 {
		b.WriteString(row("params", joinParams(r.Params)))
	}
	if len(r.Tags) > 0 {
		b.WriteString(row("tags", joinParams(r.Tags)))
	}
	// What only the run's detail says; the data sets as the freshest of
	// the two has them.
	var env *api.Environment
	datasets := r.Datasets
	if d := p.detail; d != nil {
		env = d.Environment
		if len(d.Datasets) >= len(datasets) {
			datasets = d.Datasets
		}
	}
	b.WriteString(row("git", gitText(r.Git, env)))
	for i, d := range datasets {
		b.WriteString(row(map[bool]string{true: "data sets"}[i == 0], datasetLine(s, d)))
	}
	if env != nil {
		b.WriteString(row("environment", environmentLine(env)))
		b.WriteString(row("system", systemText(env)))
		if len(env.Errors) > 0 {
			b.WriteString(row("", s.Error.Render("not captured: "+strings.Join(env.Errors, "; "))))
		}
	}
	artifacts := r.Artifacts
	if p.detail != nil && len(p.detail.Artifacts) > len(artifacts) {
		artifacts = p.detail.Artifacts
	}
	for i, a := range artifacts {
		b.WriteString(row(map[bool]string{true: "artifacts"}[i == 0], a.Name+"  "+a.Path))
	}
	b.WriteString(p.tailView())
	if len(r.Metrics) > 0 {
		names := make([]string, 0, len(r.Metrics))
		for n := range r.Metrics {
			names = append(names, n)
		}
		slices.Sort(names)
		b.WriteString("\n" + s.Title.Render(fmt.Sprintf(" %-20s %10s %10s %10s %8s", "METRIC", "LAST", "MIN", "MAX", "STEP")) + "\n")
		for _, n := range names {
			m := r.Metrics[n]
			b.WriteString(format.Fit(fmt.Sprintf(" %-20s %10s %10s %10s %8d", format.Fit(n, 20), format.Number(float64(m.Last), 4),
				format.Number(float64(m.Min), 4), format.Number(float64(m.Max), 4), m.LastStep), p.width) + "\n")
		}
	}
	return b.String()
}
