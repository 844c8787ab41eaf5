package tui

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine"
	"lathe/store"
)

// Smallest terminal the app lays out in; below it, it asks for room.
const (
	minWidth  = 80
	minHeight = 24
)

// page is one screen of the app (see STYLE: a component).
type page interface {
	Update(msg tea.Msg) (page, tea.Cmd)
	View() string
	SetSize(width, height int)
	Title() string
	ShortHelp() []key.Binding
}

// Messages of the app's own I/O.
type (
	// runsMsg is the runs the app shows: the active ones alone first (the
	// dashboard needs only them, and they come fast), then the newest
	// runsLimit of all.
	runsMsg struct {
		runs   []engine.Run
		active bool
	}
	eventMsg  engine.Event
	streamMsg <-chan engine.Event
	lostMsg   struct{ err error }
	tickMsg   time.Time
	// gpusMsg is a report with each device's history of the last hour.
	gpusMsg struct {
		rep  engine.GPUReport
		hist map[int][]engine.GPUPoint
	}
	// openRunMsg opens a run's page on a tab.
	openRunMsg struct {
		id  string
		tab int
	}
)

// Options configure the app.
type Options struct {
	Styles Styles
	Keys   KeyMap
	// Now is the clock (tests fix it).
	Now func() time.Time
	// Cwd and Env are what a job started from the app gets, as `lathe run`
	// gives the shell's.
	Cwd string
	Env []string
	// Columns are the params and metrics the runs table shows (params.NAME,
	// metrics.NAME or a bare name); empty: the ones most runs have.
	Columns []string
}

// App is the root model: it routes to the pages and keeps the frame.
type App struct {
	eng    Engine
	ctx    context.Context
	cancel context.CancelFunc
	st     *state
	styles Styles
	keys   KeyMap

	width, height int
	pages         []page // dashboard, runs, GPUs
	active        int
	detail        page // an open run or comparison, over the runs page
	help          bool
	palette       *palette // open while set
	form          *submitForm
	// formBase is the spec the form was filled from: what the form does not
	// show (tags, priority, the working directory) comes from it.
	formBase engine.SubmitRequest
	banner   string
	events   <-chan engine.Event
	opts     Options
}

// New builds the app on an engine.
func New(eng Engine, opts Options) *App {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := newState(opts.Now)
	a := &App{eng: eng, ctx: ctx, cancel: cancel, st: st, styles: opts.Styles, keys: opts.Keys, opts: opts}
	act := runActions{
		kill: func(id string) error { _, err := eng.Kill(ctx, id, false); return err },
		rerun: func(r engine.Run) tea.Cmd {
			return func() tea.Msg { return openFormMsg(rerunRequest(r)) }
		},
		submit: func(req engine.SubmitRequest) error { _, err := eng.Submit(ctx, a.fill(req)); return err },
		query: func(expr string) ([]engine.Run, error) {
			return eng.Runs(ctx, engine.RunQuery{Filter: expr, Limit: runsLimit})
		},
		remove: func(ids []string) (engine.RemoveResult, error) {
			return eng.Remove(ctx, engine.RemoveRequest{Refs: ids})
		},
	}
	a.pages = []page{newDashboard(st, opts.Styles), newRunsPage(st, opts.Styles, opts.Keys, act, opts.Columns), newGPUsPage(st, opts.Styles, opts.Keys)}
	return a
}

// Messages of the submit form's I/O.
type (
	// openFormMsg opens the form filled from a spec.
	openFormMsg  engine.SubmitRequest
	submittedMsg struct {
		run engine.Run
		err error
	}
)

// fill completes a request as `lathe run` does: the app's environment, and
// its working directory unless the spec has one.
func (a *App) fill(req engine.SubmitRequest) engine.SubmitRequest {
	if req.Cwd == "" {
		req.Cwd = a.opts.Cwd
	}
	req.Env = a.opts.Env
	return req
}

// Init loads what the pages show and subscribes to the engine's events.
func (a *App) Init() tea.Cmd {
	return tea.Batch(a.loadActive(), a.loadRuns(), a.loadGPUs(), a.subscribe(), tick())
}

// runsLimit is how many of the newest runs the app holds.
const runsLimit = 5000

func (a *App) loadRuns() tea.Cmd {
	return func() tea.Msg {
		runs, err := a.eng.Runs(a.ctx, engine.RunQuery{Limit: runsLimit})
		if err != nil {
			return lostMsg{err}
		}
		return runsMsg{runs: runs}
	}
}

func (a *App) loadActive() tea.Cmd {
	return func() tea.Msg {
		runs, err := a.eng.Runs(a.ctx, engine.RunQuery{Statuses: []store.Status{store.Running, store.Queued}})
		if err != nil {
			return lostMsg{err}
		}
		return runsMsg{runs: runs, active: true}
	}
}

func (a *App) loadGPUs() tea.Cmd {
	return func() tea.Msg {
		rep, err := a.eng.GPUs(a.ctx)
		if err != nil {
			return lostMsg{err}
		}
		hist := map[int][]engine.GPUPoint{}
		since := a.st.now().Add(-gpuHistWindow)
		for _, g := range rep.GPUs {
			if hist[g.Index], err = a.eng.GPUHistory(a.ctx, g.Index, since, time.Time{}); err != nil {
				return lostMsg{err}
			}
		}
		return gpusMsg{rep, hist}
	}
}

func (a *App) subscribe() tea.Cmd {
	return func() tea.Msg {
		ch, err := a.eng.Events(a.ctx)
		if err != nil {
			return lostMsg{err}
		}
		return streamMsg(ch)
	}
}

// next reads one event; Update arms it again.
func next(ch <-chan engine.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok || ev.Type == engine.EventError {
			return lostMsg{}
		}
		return eventMsg(ev)
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update routes a message: the frame's own keys first, then the page.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := a.updateEngine(msg); ok {
		return a, cmd
	}
	if cmd, ok := a.updateForm(msg); ok {
		return a, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		for _, p := range a.pages {
			p.SetSize(a.width, a.bodyHeight())
		}
		if a.detail != nil {
			a.detail.SetSize(a.width, a.bodyHeight())
		}
		return a, nil
	case tickMsg:
		if a.detail != nil {
			var cmd tea.Cmd
			a.detail, cmd = a.detail.Update(msg)
			return a, tea.Batch(tick(), cmd)
		}
		return a, tick()
	case openRunMsg:
		rp := newRunPage(a.ctx, a.eng, a.st, a.styles, a.keys, msg.id)
		rp.SetSize(a.width, a.bodyHeight())
		a.detail = rp
		return a, rp.showTab(msg.tab)
	case openCompareMsg:
		cp := newComparePage(a.ctx, a.eng, a.st, a.styles, a.keys, msg.ids)
		cp.SetSize(a.width, a.bodyHeight())
		a.active, a.detail, a.help = 1, cp, false
		return a, cp.Init()
	case tea.KeyMsg:
		// Keys typed faster than the terminal is read (a slow SSH link, a
		// held key) come as one message of several runes: take them one by
		// one, so `jjj` moves three rows. A paste stays whole.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				_, cmd := a.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt})
				cmds = append(cmds, cmd)
			}
			return a, tea.Sequence(cmds...)
		}
		return a.key(msg)
	case paletteClosedMsg:
		a.palette = nil
		return a, nil
	case paletteChoiceMsg:
		a.palette, a.help = nil, false
		switch {
		case msg.do == "submit":
			return a.Update(openFormMsg{})
		case msg.do == "help":
			a.help = true
			return a, nil
		case msg.do == "compare":
			a.active, a.detail = 1, nil
			return a.Update(compareMarkedMsg{})
		case msg.run != "":
			a.active = 1
			return a.Update(openRunMsg{id: msg.run, tab: msg.tab})
		}
		a.active, a.detail = msg.page, nil
		return a, nil
	case removedMsg:
		ids := make([]string, len(msg.res.Runs))
		for i, r := range msg.res.Runs {
			ids[i] = r.ID
		}
		a.st.remove(ids)
		var cmd tea.Cmd
		a.pages[1], cmd = a.pages[1].Update(msg)
		return a, cmd
	case actedMsg, filteredMsg, compareMarkedMsg:
		// The runs table's, whichever page shows.
		var cmd tea.Cmd
		a.pages[1], cmd = a.pages[1].Update(msg)
		return a, cmd
	}
	// The rest is a page's own I/O (each message names what it is for): an
	// open run's, else the active page's.
	var cmd tea.Cmd
	if a.detail != nil {
		a.detail, cmd = a.detail.Update(msg)
	} else {
		a.pages[a.active], cmd = a.pages[a.active].Update(msg)
	}
	return a, cmd
}

// updateEngine takes what the engine sent: runs, GPUs, events, and the
// loss of it.
func (a *App) updateEngine(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case runsMsg:
		if msg.active {
			for _, r := range msg.runs {
				a.st.upsert(r)
			}
		} else {
			a.st.setRuns(msg.runs)
		}
		a.banner = ""
	case gpusMsg:
		a.st.gpuHist = msg.hist
		a.st.addGPUReport(msg.rep)
	case streamMsg:
		a.events = msg
		a.banner = ""
		return next(a.events), true
	case eventMsg:
		a.apply(engine.Event(msg))
		return next(a.events), true
	case lostMsg:
		a.banner = "the engine is not answering; trying again"
		// Reconnect after a pause: load everything again, subscribe again.
		return tea.Tick(2*time.Second, func(time.Time) tea.Msg { return reconnectMsg{} }), true
	case reconnectMsg:
		return tea.Batch(a.loadActive(), a.loadRuns(), a.loadGPUs(), a.subscribe()), true
	default:
		return nil, false
	}
	return nil, true
}

// updateForm opens and closes the form that starts a job, and sends what
// it gives to the engine.
func (a *App) updateForm(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case openFormMsg:
		a.palette, a.help = nil, false
		a.formBase = engine.SubmitRequest(msg)
		a.form = newSubmitForm(a.styles, a.formBase)
	case submitFormClosedMsg:
		a.form = nil
	case submitFormMsg:
		req := a.formBase
		req.Name, req.Experiment, req.Command = msg.req.Name, msg.req.Experiment, msg.req.Command
		req.Params, req.GPUs, req.GPUIDs = msg.req.Params, msg.req.GPUs, msg.req.GPUIDs
		req = a.fill(req)
		return func() tea.Msg {
			r, err := a.eng.Submit(a.ctx, req)
			return submittedMsg{r, err}
		}, true
	case submittedMsg:
		switch {
		case a.form == nil:
		case msg.err != nil:
			a.form.SetError(msg.err.Error())
		default:
			// The new run shows at the top of the runs table.
			a.form, a.active, a.detail = nil, 1, nil
			a.st.upsert(msg.run)
			var cmd tea.Cmd
			a.pages[1], cmd = a.pages[1].Update(actedMsg{note: "queued " + msg.run.Name + " (" + msg.run.ID + ")"})
			return cmd, true
		}
	default:
		return nil, false
	}
	return nil, true
}

type reconnectMsg struct{}

// capturing is a page that takes every key for now (a filter being typed).
type capturing interface{ Capturing() bool }

func (a *App) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if msg.Type == tea.KeyCtrlC { // whatever is open
		a.cancel()
		return a, tea.Quit
	}
	if a.palette != nil {
		return a, a.palette.Update(msg)
	}
	if a.form != nil {
		return a, a.form.Update(msg)
	}
	if !a.help {
		current := a.pages[a.active]
		if a.detail != nil {
			current = a.detail
		}
		if c, ok := current.(capturing); ok && c.Capturing() {
			var cmd tea.Cmd
			current, cmd = current.Update(msg)
			if a.detail != nil {
				a.detail = current
			} else {
				a.pages[a.active] = current
			}
			return a, cmd
		}
	}
	switch {
	case key.Matches(msg, a.keys.Quit):
		a.cancel()
		return a, tea.Quit
	case key.Matches(msg, a.keys.Help):
		a.help = !a.help
		return a, nil
	case key.Matches(msg, a.keys.Palette):
		a.palette = newPalette(a.styles, a.st, a.pages)
		return a, nil
	case a.help && key.Matches(msg, a.keys.Back):
		a.help = false
		return a, nil
	case a.detail != nil && key.Matches(msg, a.keys.Back):
		a.detail = nil
		return a, nil
	case a.detail == nil && !a.help && key.Matches(msg, a.keys.Submit):
		return a.Update(openFormMsg{})
	case key.Matches(msg, a.keys.Dashboard):
		a.active, a.detail = 0, nil
		return a, nil
	case key.Matches(msg, a.keys.Runs):
		a.active, a.detail = 1, nil
		return a, nil
	case key.Matches(msg, a.keys.GPUs):
		a.active, a.detail = 2, nil
		return a, nil
	case key.Matches(msg, a.keys.NextPage):
		a.active, a.detail = (a.active+1)%len(a.pages), nil
		return a, nil
	}
	var cmd tea.Cmd
	if a.detail != nil {
		a.detail, cmd = a.detail.Update(msg)
		return a, cmd
	}
	a.pages[a.active], cmd = a.pages[a.active].Update(msg)
	return a, cmd
}

// apply takes an event into the state.
func (a *App) apply(ev engine.Event) {
	switch ev.Type {
	case engine.EventRun:
		switch {
		case ev.Run == nil:
		case ev.Run.Deleted != nil: // removed (by `lathe rm`, or from the app)
			a.st.remove([]string{ev.Run.ID})
		default:
			a.st.upsert(*ev.Run)
		}
	case engine.EventGPUs:
		if ev.GPUs != nil {
			a.st.addGPUReport(*ev.GPUs)
		}
	case engine.EventPoints:
		r, ok := a.st.run(ev.RunID)
		if !ok {
			return
		}
		// The run's summaries move with its points, between run events.
		if r.Metrics == nil {
			r.Metrics = map[string]engine.MetricSummary{}
		}
		for name, pts := range ev.Points {
			if len(pts) == 0 {
				continue
			}
			m := r.Metrics[name]
			last := pts[len(pts)-1]
			m.Last, m.LastStep, m.Count = last.Value, last.Step, m.Count+int64(len(pts))
			r.Metrics[name] = m
		}
		a.st.upsert(r)
		name := mainMetric(r)
		if name == "" {
			for n := range ev.Points {
				name = n
				break
			}
		}
		t := a.st.trend[ev.RunID]
		for _, p := range ev.Points[name] {
			t = append(t, float64(p.Value))
		}
		if len(t) > trendLen {
			t = t[len(t)-trendLen:]
		}
		a.st.trend[ev.RunID] = t
	}
}

func (a *App) bodyHeight() int { return max(0, a.height-2) }

// View draws the frame: header with breadcrumbs, the page, footer with keys.
func (a *App) View() string {
	if a.width == 0 {
		return ""
	}
	if a.width < minWidth || a.height < minHeight {
		return a.styles.Warn.Render(fitWidth("lathe needs at least 80×24; this terminal is "+
			itoa(a.width)+"×"+itoa(a.height)+". Make it larger, or press q.", a.width))
	}
	crumbs := []string{"lathe", a.pages[a.active].Title()}
	if a.detail != nil {
		crumbs = append(crumbs, a.detail.Title())
	}
	header := a.styles.Header.Render(fitWidth(strings.Join(crumbs, " › "), a.width))
	if a.banner != "" {
		header = a.styles.Banner.Render(fitWidth("lathe › "+a.banner, a.width))
	}
	var body string
	var bindings []key.Binding
	switch {
	case a.form != nil:
		body = a.form.View(a.width, a.bodyHeight())
		crumbs = append(crumbs[:1], "New job")
		header = a.styles.Header.Render(fitWidth(strings.Join(crumbs, " › "), a.width))
	case a.palette != nil:
		body = a.palette.View(a.width, a.bodyHeight())
		bindings = []key.Binding{a.keys.Open, a.keys.Back}
	case a.help:
		body = a.helpView()
		bindings = []key.Binding{a.keys.Back, a.keys.Quit}
	case a.detail != nil:
		body = a.detail.View()
		bindings = append(a.detail.ShortHelp(), a.keys.Back, a.keys.Help, a.keys.Quit)
	default:
		p := a.pages[a.active]
		body = p.View()
		bindings = append(p.ShortHelp(), a.keys.Submit, a.keys.Palette, a.keys.NextPage, a.keys.Help, a.keys.Quit)
		if c, ok := p.(capturing); ok && c.Capturing() {
			bindings = p.ShortHelp() // the page takes every key
		}
	}
	body = fitBox(body, a.width, a.bodyHeight())
	return lipgloss.JoinVertical(lipgloss.Left, header, body, a.footer(bindings, 2))
}

// footer lists the keys that work here. The last ones (help, quit or back)
// always show: the page's own are cut first when the line is too long.
func (a *App) footer(bs []key.Binding, keep int) string {
	text := func(bs []key.Binding) string {
		parts := make([]string, 0, len(bs))
		for _, b := range bs {
			h := b.Help()
			parts = append(parts, h.Key+" "+h.Desc)
		}
		return strings.Join(parts, " · ")
	}
	keep = min(keep, len(bs))
	// The page's keys in order while they fit whole, then the kept ones.
	room := a.width - ansi.StringWidth(text(bs[len(bs)-keep:]))
	head := bs[:0:0]
	for _, b := range bs[:len(bs)-keep] {
		if ansi.StringWidth(text(append(head, b)))+3 > room {
			break
		}
		head = append(head, b)
	}
	return a.styles.Footer.Render(fitWidth(text(append(head, bs[len(bs)-keep:]...)), a.width))
}

func (a *App) helpView() string {
	k, lk := a.keys, newLogViewKeys(a.keys)
	// A row of help is a key, or keys that go together (j/k down/up).
	type row []key.Binding
	groups := []struct {
		title string
		rows  []row
	}{
		{"Everywhere", []row{{k.Palette}, {k.Dashboard, k.Runs, k.GPUs}, {k.NextPage}, {k.Submit}, {k.Back}, {k.Help}, {k.Quit}}},
		{"Lists", []row{{k.Down, k.Up}, {k.Top, k.Bottom}, {k.PageDown, k.PageUp}, {k.Open}, {k.Filter}}},
		{"Logs", []row{{lk.Search}, {lk.SearchNext}, {lk.Follow}}},
		{"Runs", []row{{k.Mark}, {k.MarkAll}, {k.Sort, k.Reverse}, {k.Compare}, {k.Remove}, {k.Logs}, {k.Kill}, {k.Rerun}}},
		{"A run, a comparison", []row{{k.Tab, k.PrevTab}, {k.Smooth}, {k.LogScale}, {k.TimeX}}},
		{"A comparison", []row{{k.ShowAll}, {k.NextMetric, k.PrevMetric}}},
	}
	var b strings.Builder
	// Two columns of groups, so all of it fits in 80×24.
	col := func(gs []struct {
		title string
		rows  []row
	}) string {
		var b strings.Builder
		for i, g := range gs {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(a.styles.Title.Render(g.title) + "\n")
			for _, r := range g.rows {
				keys, desc := helpRow(r)
				b.WriteString("  " + a.styles.Accent.Render(padRight(keys, 9)) + desc + "\n")
			}
		}
		return b.String()
	}
	b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, col(groups[:3]), "    ", col(groups[3:])) + "\n")
	b.WriteString(a.styles.Muted.Render("q leaves the app; jobs and the engine keep running."))
	return b.String()
}

// helpRow writes keys that go together as one line of help: their first
// keys joined (ctrl+d/u), and their descriptions with the words they share
// said once (page down/up, next/previous tab).
func helpRow(bs []key.Binding) (keys, desc string) {
	if len(bs) == 1 {
		h := bs[0].Help()
		return h.Key, h.Desc
	}
	ks := make([]string, len(bs))
	descs := make([][]string, len(bs))
	for i, b := range bs {
		ks[i], _, _ = strings.Cut(b.Help().Key, "/")
		descs[i] = strings.Fields(b.Help().Desc)
	}
	// Keys with a common modifier write it once.
	if mod, _, ok := strings.Cut(ks[0], "+"); ok {
		for i := 1; i < len(ks); i++ {
			if rest, ok := strings.CutPrefix(ks[i], mod+"+"); ok && rest != "" {
				ks[i] = rest
			}
		}
	}
	// The words all descriptions start and end with.
	head, tail := len(descs[0]), len(descs[0])
	for _, d := range descs[1:] {
		h := 0
		for h < min(len(d), len(descs[0])) && d[h] == descs[0][h] {
			h++
		}
		t := 0
		for t < min(len(d), len(descs[0])) && d[len(d)-1-t] == descs[0][len(descs[0])-1-t] {
			t++
		}
		head, tail = min(head, h), min(tail, t)
	}
	mids := make([]string, len(descs))
	for i, d := range descs {
		if head+tail >= len(d) { // one says only what the others share
			all := make([]string, len(bs))
			for j, b := range bs {
				all[j] = b.Help().Desc
			}
			return strings.Join(ks, "/"), strings.Join(all, ", ")
		}
		mids[i] = strings.Join(d[head:len(d)-tail], " ")
	}
	words := append(slices.Clone(descs[0][:head]), strings.Join(mids, "/"))
	words = append(words, descs[0][len(descs[0])-tail:]...)
	return strings.Join(ks, "/"), strings.Join(words, " ")
}
