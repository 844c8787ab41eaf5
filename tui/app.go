package tui

import (
	"context"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/form"
	"lathe/tui/format"
	"lathe/tui/palette"
	"lathe/tui/styles"
)

// Smallest terminal the app lays out in; below it, it asks for room.
const (
	minWidth  = 80
	minHeight = 24
)

// Messages of the app's own I/O.
type (
	// runsMsg is the runs the app shows: the active ones alone first (the
	// dashboard needs only them, and they come fast), then the newest
	// runsLimit of all.
	runsMsg struct {
		runs   []api.Run
		active bool
	}
	eventMsg     api.Event
	streamMsg    <-chan api.Event
	lostMsg      struct{ err error }
	reconnectMsg struct{}
	tickMsg      time.Time
	// clusterTickMsg asks for the cluster's queue again.
	clusterTickMsg struct{ gen int }
	// gpusMsg is a report with each device's history of the last hour.
	gpusMsg struct {
		rep  api.GPUReport
		hist map[int][]api.GPUPoint
	}
)

// Options configure the app.
type Options struct {
	Styles styles.Styles
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
	// Demo says q ends a demo, whose jobs and engine stop with the app:
	// the footer and the help say so rather than that jobs keep running.
	Demo bool
	// Startup, when set, is how the engine comes up after the app has
	// opened (the demo's, which takes seconds): the app shows each step's
	// progress until a Startup carries the engine, then loads from it.
	// New is given a nil engine then.
	Startup <-chan Startup
	// Layout is the runs table's columns and sort as the user chose them
	// in the app last time (its Columns, when set, over Columns);
	// SaveLayout keeps the next choice (nil: not kept).
	Layout     RunsLayout
	SaveLayout func(RunsLayout) error
}

// Startup is a step of an engine's start: what it is doing, the engine
// once it is up, or why it failed.
type Startup struct {
	Progress string
	Engine   Engine
	Err      error
}

// startupMsg is a step of the engine's start; startupDoneMsg says there
// are no more.
type (
	startupMsg     Startup
	startupDoneMsg struct{}
)

// lateEngine is the engine of an app opened before it was up: the pages
// are built on it, and it is set once, before anything asks it anything.
type lateEngine struct{ Engine }

// App is the root model: it keeps the frame, routes to the pages and
// holds what is open over them (one overlay at a time).
type App struct {
	eng    Engine
	ctx    context.Context
	cancel context.CancelFunc
	st     *state
	styles styles.Styles
	keys   KeyMap
	opts   Options

	width, height int
	// pages are the open pages: the top ones always, and a run or a
	// comparison while one is open over the runs.
	pages  map[pageID]page
	active pageID

	overlay  overlay
	palette  *palette.Model[paletteChoice] // while paletteOverlay
	form     *form.Model                   // while formOverlay
	question askMsg                        // while questionOverlay
	notice   notice                        // while noticeOverlay
	// formTitle names the open form in the header.
	formTitle string
	// formBase is the spec the job form was filled from: what the form
	// does not show (tags, priority, the working directory) comes from it.
	formBase api.SubmitRequest
	// registering is the run the register form registers.
	registering string
	// lastModel is the model last registered from the app: the register
	// form's default for a run of no experiment.
	lastModel string
	// clusterGen numbers the polls of the cluster's queue; only the
	// latest goes on.
	clusterGen int
	// review is the approval or rejection the comment form is for.
	review reviewStep
	// requestsFetch coalesces the reads of the promotion requests.
	requestsFetch fetch

	banner string
	events <-chan api.Event

	// late is the engine still coming up (Options.Startup), nil
	// otherwise; starting is what it is doing until it is up.
	late     *lateEngine
	starting string
}

// New builds the app on an engine.
func New(eng Engine, opts Options) *App {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := newState(opts.Now)
	var late *lateEngine
	if opts.Startup != nil {
		late = &lateEngine{}
		eng = late
	}
	if opts.Demo {
		opts.Keys.Quit.SetHelp(opts.Keys.Quit.Help().Key, "quit (stops the demo's jobs)")
	}
	a := &App{eng: eng, ctx: ctx, cancel: cancel, st: st, styles: opts.Styles, keys: opts.Keys, opts: opts, late: late}
	if late != nil {
		a.starting = "starting the engine…"
	}
	act := runActions{
		kill: func(id string) error { _, err := eng.Kill(ctx, id, false); return err },
		edit: func(r api.Run) tea.Cmd {
			return func() tea.Msg { return openFormMsg(rerunRequest(r)) }
		},
		// The caller's environment goes with a re-run, as `lathe rerun`
		// sends the shell's: the values the record redacted come from it.
		rerun: func(id string) (api.RerunResult, error) {
			return eng.Rerun(ctx, api.RerunRequest{Run: id, Env: opts.Env})
		},
		ctx: ctx,
		query: func(ctx context.Context, expr string, limit int) ([]api.Run, error) {
			return eng.Runs(ctx, api.RunQuery{Filter: expr, Limit: limit})
		},
		remove: func(ids []string) (api.RemoveResult, error) {
			return eng.Remove(ctx, api.RemoveRequest{Refs: ids})
		},
	}
	a.pages = map[pageID]page{
		dashboardPage: newDashboard(st, opts.Styles, opts.Keys, act.kill),
		runsPage:      newRunList(st, opts.Styles, opts.Keys, act, opts.Columns).withLayout(opts.Layout, opts.SaveLayout),
		gpusPage:      newGPUList(st, opts.Styles, opts.Keys, act.kill),
		modelsPage:    newModelList(ctx, eng, st, opts.Styles, opts.Keys),
		sweepsPage:    newSweepList(ctx, eng, st, opts.Styles, opts.Keys),
	}
	a.updateKeys()
	return a
}

// fill completes a request as `lathe run` does: the app's environment, and
// its working directory unless the spec has one.
func (a *App) fill(req api.SubmitRequest) api.SubmitRequest {
	if req.Cwd == "" {
		req.Cwd = a.opts.Cwd
	}
	req.Env = a.opts.Env
	return req
}

// Init loads what the pages show and subscribes to the engine's events;
// an engine still coming up is waited for first.
func (a *App) Init() tea.Cmd {
	if a.starting != "" {
		return tea.Batch(nextStartup(a.opts.Startup), tick())
	}
	return tea.Batch(a.load(), tick())
}

func (a *App) load() tea.Cmd {
	return tea.Batch(a.loadActive(), a.loadRuns(), a.loadGPUs(), loadModels, loadSweeps, a.subscribe(), a.pollCluster())
}

// clusterPoll is how often the cluster's queue is read again while the
// engine has a scheduler to ask (one squeue each time).
const clusterPoll = 5 * time.Second

// clusterMsg is the user's jobs in a cluster's queue, read by the poll of
// generation gen.
type clusterMsg struct {
	c   api.Cluster
	gen int
}

// pollCluster starts reading the cluster's queue: a new generation, so a
// poll begun before a reconnect stops.
func (a *App) pollCluster() tea.Cmd {
	a.clusterGen++
	return a.loadCluster(a.clusterGen)
}

func (a *App) loadCluster(gen int) tea.Cmd {
	return func() tea.Msg {
		c, err := a.eng.Cluster(a.ctx)
		if err != nil {
			c = api.Cluster{Error: err.Error()} // the event stream says when the engine is gone
		}
		return clusterMsg{c, gen}
	}
}

// nextStartup reads the next step of the engine's start.
func nextStartup(ch <-chan Startup) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return startupDoneMsg{}
		}
		return startupMsg(s)
	}
}

// started takes a step of the engine's start: its progress, or the
// engine, from which the app then loads, or why it failed (the app stays
// for the user to read it and quit).
func (a *App) started(msg startupMsg) tea.Cmd {
	next := nextStartup(a.opts.Startup)
	switch {
	case msg.Err != nil:
		a.banner = msg.Err.Error()
		if a.starting != "" {
			a.starting = "the engine did not start: " + msg.Err.Error()
		}
	case msg.Engine != nil && a.starting != "":
		a.late.Engine, a.starting = msg.Engine, ""
		return tea.Batch(next, a.load())
	case msg.Progress != "" && a.starting != "":
		a.starting = msg.Progress
	}
	return next
}

// loadModels has the registry's pages read what they show again.
func loadModels() tea.Msg { return modelChangedMsg{} }

// loadRequests reads the promotion requests: all of them (the models'
// latest, the palette's open ones) and those waiting for the user's review
// (the dashboard's).
func (a *App) loadRequests() tea.Cmd {
	return func() tea.Msg {
		all, err := a.eng.Requests(a.ctx, api.RequestQuery{All: true})
		if err != nil {
			return requestsMsg{err: err}
		}
		mine, err := a.eng.Requests(a.ctx, api.RequestQuery{Mine: true})
		return requestsMsg{all: all, mine: mine, err: err}
	}
}

// runsLimit is how many of the newest runs the app holds.
const runsLimit = 5000

func (a *App) loadRuns() tea.Cmd {
	return func() tea.Msg {
		runs, err := a.eng.Runs(a.ctx, api.RunQuery{Limit: runsLimit})
		if err != nil {
			return lostMsg{err}
		}
		return runsMsg{runs: runs}
	}
}

func (a *App) loadActive() tea.Cmd {
	return func() tea.Msg {
		runs, err := a.eng.Runs(a.ctx, api.RunQuery{Statuses: []api.Status{api.Running, api.Queued}})
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
		hist := map[int][]api.GPUPoint{}
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
func next(ch <-chan api.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok || ev.Type == api.EventError {
			return lostMsg{}
		}
		return eventMsg(ev)
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update routes a message, then enables the keys that work where the user
// now is.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := a.update(msg)
	a.updateKeys()
	return a, cmd
}

func (a *App) update(msg tea.Msg) tea.Cmd {
	if cmd, ok := a.updateEngine(msg); ok {
		return cmd
	}
	if cmd, ok := a.updateOverlay(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		for _, p := range a.pages {
			p.SetSize(a.width, a.bodyHeight())
		}
		if a.palette != nil {
			a.palette.SetSize(a.width, a.bodyHeight())
		}
		if a.form != nil {
			a.form.SetSize(a.width, a.bodyHeight())
		}
		return nil
	case tickMsg:
		return tea.Batch(tick(), a.tickPage(msg))
	case openRunMsg:
		id := runPage
		if _, over := a.pages[sweepPage]; msg.trial && over {
			id = trialPage // esc goes back to the sweep
		}
		rp := newRunView(a.ctx, a.eng, a.st, a.styles, a.keys, msg.id)
		rp.SetSize(a.width, a.bodyHeight())
		a.open(id, rp)
		return tea.Batch(rp.Init(), rp.showTab(msg.tab))
	case openCompareMsg:
		cp := newCompareView(a.ctx, a.eng, a.st, a.styles, a.keys, msg.ids)
		cp.SetSize(a.width, a.bodyHeight())
		a.open(comparePage, cp)
		return cp.Init()
	case openScatterMsg:
		sp := newScatterView(a.styles, a.keys, msg.runs, msg.from)
		if sp.parallel = msg.parallel; msg.metric != "" {
			sp.aim(msg.metric)
		}
		id := scatterPage
		if _, over := a.pages[sweepPage]; msg.trials && over {
			id, sp.trials = trialScatterPage, true // esc goes back to the sweep
		}
		sp.SetSize(a.width, a.bodyHeight())
		a.open(id, sp)
		return nil
	case openSweepMsg:
		sp := newSweepView(a.ctx, a.eng, a.styles, a.keys, msg.id)
		sp.SetSize(a.width, a.bodyHeight())
		a.open(sweepPage, sp)
		return sp.Init()
	case openModelMsg:
		mp := newModelView(a.ctx, a.eng, a.st, a.styles, a.keys, msg.name)
		mp.SetSize(a.width, a.bodyHeight())
		a.open(modelPage, mp)
		return mp.Init()
	case openVersionMsg:
		vp := newVersionView(a.ctx, a.eng, a.st, a.styles, a.keys, msg)
		vp.SetSize(a.width, a.bodyHeight())
		a.open(versionPage, vp)
		return vp.Init()
	case openReviewMsg:
		return a.openReview(msg)
	case openDriftMsg:
		return a.openDrift(msg)
	case promotedMsg:
		// The new request's review, unless something else opened meanwhile.
		if msg.err != nil || a.overlay != noOverlay {
			return a.updatePage(versionPage, msg)
		}
		return a.openReview(openReviewMsg{model: msg.req.Model, id: msg.req.ID})
	case tea.KeyMsg:
		// Keys typed faster than the terminal is read (a slow SSH link, a
		// held key) come as one message of several runes: take them one by
		// one, so `jjj` moves three rows. A paste stays whole.
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
			var cmds []tea.Cmd
			for _, r := range msg.Runes {
				cmds = append(cmds, a.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
				a.updateKeys()
			}
			return tea.Sequence(cmds...)
		}
		return a.key(msg)
	case pageNoteMsg:
		return a.updatePage(msg.page, msg)
	case openGPUMsg:
		a.show(gpusPage)
		return a.updatePage(gpusPage, msg)
	case removedMsg:
		a.st.remove(runIDs(msg.res.Runs))
		return a.updatePage(runsPage, msg)
	case actedMsg, filteredMsg, compareMarkedMsg:
		// The runs table's, whichever page shows.
		return a.updatePage(runsPage, msg)
	case runDetailMsg, runChangedMsg, runNoteMsg, runTailMsg:
		return a.updatePage(a.runPageID(), msg)
	case modelChangedMsg:
		return tea.Batch(a.requestsFetch.start(a.loadRequests()), a.updatePage(modelsPage, msg), a.updatePage(modelPage, msg),
			a.updatePage(versionPage, msg), a.updatePage(reviewPage, msg))
	case requestsMsg:
		if msg.err == nil {
			a.st.setRequests(msg.all, msg.mine)
		}
		return tea.Batch(a.requestsFetch.done(a.loadRequests()), a.updatePage(modelsPage, msg))
	case modelsMsg:
		if msg.err == nil {
			a.st.models = msg.models
		}
		// The review says the model's drift now.
		return tea.Batch(a.updatePage(modelsPage, msg), a.updatePage(reviewPage, msg))
	case modelMsg:
		return a.updatePage(modelPage, msg)
	case lineageMsg:
		return a.updatePage(versionPage, msg)
	case reviewModelMsg, reviewCurveMsg, reviewedMsg:
		return a.updatePage(reviewPage, msg)
	case driftMsg, driftChangedMsg:
		return a.updatePage(driftPage, msg)
	case sweepChangedMsg:
		return tea.Batch(a.updatePage(sweepsPage, msg), a.updatePage(sweepPage, msg))
	case sweepsMsg:
		if msg.err == nil {
			a.st.sweeps = msg.sweeps
		}
		return a.updatePage(sweepsPage, msg)
	case sweepMsg, trialCurveMsg:
		return a.updatePage(sweepPage, msg)
	case sweepActedMsg:
		// The list says the sweep's new state too.
		return tea.Batch(a.updatePage(sweepPage, msg), a.updatePage(sweepsPage, sweepChangedMsg{id: msg.id}))
	}
	// The rest is a page's own I/O (each message names what it is for):
	// the page shown takes it.
	return a.updatePage(a.active, msg)
}

// openReview opens a request's review over its model's page, which opens
// first when another page shows (the palette, the dashboard): esc goes
// back to the model.
func (a *App) openReview(msg openReviewMsg) tea.Cmd {
	cmd := a.openModelUnder(msg.model)
	rp := newReviewView(a.ctx, a.eng, a.st, a.styles, a.keys, msg)
	rp.SetSize(a.width, a.bodyHeight())
	a.open(reviewPage, rp)
	return tea.Batch(cmd, rp.Init())
}

// openDrift opens a model's drift over its model's page, which opens
// first when another page shows (the models, the dashboard).
func (a *App) openDrift(msg openDriftMsg) tea.Cmd {
	cmd := a.openModelUnder(msg.model)
	dp := newDriftView(a.ctx, a.eng, a.st, a.styles, a.keys, msg.model)
	dp.SetSize(a.width, a.bodyHeight())
	a.open(driftPage, dp)
	return tea.Batch(cmd, dp.Init())
}

// openModelUnder opens a model's page over the models, for a page to open
// over it, unless it is open already; the command reads the model.
func (a *App) openModelUnder(name string) tea.Cmd {
	if mp, ok := a.pages[modelPage].(*modelView); ok && mp.name == name {
		return nil
	}
	a.show(modelsPage)
	mp := newModelView(a.ctx, a.eng, a.st, a.styles, a.keys, name)
	mp.SetSize(a.width, a.bodyHeight())
	a.open(modelPage, mp)
	return mp.Init()
}

// tickPage gives the clock's tick to the page shown when it moves with
// it: one open over another (a run, a comparison), and the sweeps, which
// poll (a sweep has no events of its own).
func (a *App) tickPage(msg tickMsg) tea.Cmd {
	if a.active == a.active.base() && a.active != sweepsPage {
		return nil
	}
	return a.updatePage(a.active, msg)
}

// runPageID is the run page open: a trial's over its sweep, else the one
// over the runs (one at most is open).
func (a *App) runPageID() pageID {
	if _, ok := a.pages[trialPage]; ok {
		return trialPage
	}
	return runPage
}

// updatePage gives a message to a page, if it is open.
func (a *App) updatePage(id pageID, msg tea.Msg) tea.Cmd {
	p, ok := a.pages[id]
	if !ok {
		return nil
	}
	var cmd tea.Cmd
	a.pages[id], cmd = p.Update(msg)
	return cmd
}

// open shows a page over its parent (a run or a comparison over the runs,
// a model over the models, a version over its model), in place of any
// other page open but those it is over.
func (a *App) open(id pageID, p page) {
	for open := range a.pages {
		if open != open.base() && !id.over(open) {
			delete(a.pages, open)
		}
	}
	a.pages[id], a.active = p, id
	a.overlay = noOverlay
}

// show goes to a top page, closing every page open over one.
func (a *App) show(id pageID) {
	a.closeDetail()
	a.active = id
}

func (a *App) closeDetail() {
	for open := range a.pages {
		if open != open.base() {
			delete(a.pages, open)
		}
	}
	a.active = a.active.base()
}

// back closes the page shown, back to the one it is over.
func (a *App) back() {
	delete(a.pages, a.active)
	a.active = a.active.parent()
	if _, ok := a.pages[a.active]; !ok {
		a.closeDetail()
	}
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
	case startupMsg:
		return a.started(msg), true
	case startupDoneMsg:
	case streamMsg:
		a.events = msg
		a.banner = ""
		return next(a.events), true
	case eventMsg:
		return tea.Batch(next(a.events), a.apply(api.Event(msg))), true
	case lostMsg:
		if a.ctx.Err() != nil {
			return nil, true // quitting: the stream ended because the app cancelled it
		}
		a.banner = "the engine is not answering; trying again"
		// Reconnect after a pause: load everything again, subscribe again.
		return tea.Tick(2*time.Second, func(time.Time) tea.Msg { return reconnectMsg{} }), true
	case reconnectMsg:
		return a.load(), true
	case clusterMsg:
		if msg.gen != a.clusterGen {
			return nil, true // a poll from before a reconnect
		}
		a.st.cluster = msg.c
		if msg.c.Scheduler == "" || !msg.c.Installed {
			return nil, true // nothing to ask
		}
		return tea.Tick(clusterPoll, func(time.Time) tea.Msg { return clusterTickMsg{msg.gen} }), true
	case clusterTickMsg:
		if msg.gen != a.clusterGen {
			return nil, true
		}
		return a.loadCluster(msg.gen), true
	default:
		return nil, false
	}
	return nil, true
}

// apply takes an event into the state, and has the pages that show more
// than the state holds (a run's detail, the registry) read it again.
func (a *App) apply(ev api.Event) tea.Cmd {
	switch ev.Type {
	case api.EventRun:
		switch {
		case ev.Run == nil:
		case ev.Run.Deleted != nil: // removed (by `lathe rm`, or from the app)
			a.st.remove([]string{ev.Run.ID})
		default:
			a.st.upsert(*ev.Run)
			cmd := a.updatePage(a.runPageID(), runChangedMsg{run: ev.Run.ID})
			if id := trialSweep(*ev.Run); id != "" {
				// A trial started or ended: its sweep moves.
				cmd = tea.Batch(cmd, a.update(sweepChangedMsg{id: id}))
			}
			return cmd
		}
	case api.EventGPUs:
		if ev.GPUs != nil {
			a.st.addGPUReport(*ev.GPUs)
		}
	case api.EventPoints:
		a.st.addPoints(ev.RunID, ev.Points)
	case api.EventModel:
		return a.update(modelChangedMsg{name: ev.Model})
	case api.EventDrift:
		// The models list says each model's drift status.
		return tea.Batch(a.updatePage(modelsPage, modelChangedMsg{name: ev.Model}), a.updatePage(driftPage, driftChangedMsg{model: ev.Model}))
	}
	return nil
}

// key routes a key: to what is open on top, else to the frame's own keys
// and the page. ctrl+c quits whatever is open.
func (a *App) key(msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, a.keys.Interrupt) {
		a.cancel()
		return tea.Quit
	}
	if a.starting != "" {
		// Nothing can be asked of an engine not up yet: q alone works.
		if key.Matches(msg, a.keys.Quit) {
			a.cancel()
			return tea.Quit
		}
		return nil
	}
	var cmd tea.Cmd
	switch a.overlay {
	case paletteOverlay:
		a.palette, cmd = a.palette.Update(msg)
	case formOverlay:
		a.form, cmd = a.form.Update(msg)
	case questionOverlay:
		switch {
		case key.Matches(msg, a.keys.Yes):
			a.overlay = noOverlay
			cmd = a.question.yes
			if a.question.doing != "" {
				a.updatePage(a.question.from, actedMsg{note: a.question.doing})
			}
		case key.Matches(msg, a.keys.No):
			a.overlay = noOverlay
		}
	case noticeOverlay:
		if key.Matches(msg, a.keys.Close) {
			a.overlay, a.notice = noOverlay, notice{}
		}
	case helpOverlay:
		switch {
		case key.Matches(msg, a.helpBack()), key.Matches(msg, a.keys.Help):
			a.overlay = noOverlay
		case key.Matches(msg, a.keys.Quit):
			a.cancel()
			cmd = tea.Quit
		}
	default:
		cmd = a.pageKey(msg)
	}
	return cmd
}

// pageKey takes a key with nothing open on top: the page's while it
// captures them, else the frame's, else the page's.
func (a *App) pageKey(msg tea.KeyMsg) tea.Cmd {
	if a.pages[a.active].Capturing() {
		return a.updatePage(a.active, msg)
	}
	k := a.keys
	switch {
	case key.Matches(msg, k.Quit):
		a.cancel()
		return tea.Quit
	case key.Matches(msg, k.Help):
		a.overlay = helpOverlay
	case key.Matches(msg, k.GoTo):
		a.openPalette()
	case key.Matches(msg, k.Back):
		a.back()
	case key.Matches(msg, k.Submit):
		return a.update(openFormMsg{})
	case key.Matches(msg, k.Dashboard):
		a.show(dashboardPage)
	case key.Matches(msg, k.Runs):
		a.show(runsPage)
	case key.Matches(msg, k.GPUs):
		a.show(gpusPage)
	case key.Matches(msg, k.Models):
		a.show(modelsPage)
	case key.Matches(msg, k.Sweeps):
		a.show(sweepsPage)
	case key.Matches(msg, k.NextPage):
		i := 0
		for i < len(topPages) && topPages[i] != a.active.base() {
			i++
		}
		a.show(topPages[(i+1)%len(topPages)])
	default:
		return a.updatePage(a.active, msg)
	}
	return nil
}

// updateKeys enables the frame's keys that work here: back over another
// page, a new job and the next page from a top page (over one, the pages
// take n and tab), each page's number away from it.
func (a *App) updateKeys() {
	detail := a.active != a.active.base()
	a.keys.Back.SetEnabled(detail && !takesEsc(a.pages[a.active]))
	a.keys.Submit.SetEnabled(!detail)
	a.keys.NextPage.SetEnabled(!detail)
	a.keys.Dashboard.SetEnabled(a.active != dashboardPage)
	a.keys.Runs.SetEnabled(a.active != runsPage)
	a.keys.GPUs.SetEnabled(a.active != gpusPage)
	a.keys.Models.SetEnabled(a.active != modelsPage)
	a.keys.Sweeps.SetEnabled(a.active != sweepsPage)
}

func (a *App) bodyHeight() int { return max(0, a.height-2) }

// View draws the frame: header with breadcrumbs, the page or what is open
// over it, footer with keys.
func (a *App) View() string {
	if a.width == 0 {
		return ""
	}
	if a.width < minWidth || a.height < minHeight {
		return a.styles.Warn.Render(format.Fit("lathe needs at least 80×24; this terminal is "+
			itoa(a.width)+"×"+itoa(a.height)+". Make it larger, or press q.", a.width))
	}
	// The page shown, after those it is over.
	crumbs := []string{a.pages[a.active].Title()}
	for id := a.active; id != id.parent(); {
		id = id.parent()
		if p, ok := a.pages[id]; ok {
			crumbs = append([]string{p.Title()}, crumbs...)
		}
	}
	crumbs = append([]string{"lathe"}, crumbs...)
	var body string
	switch {
	case a.starting != "":
		body = a.styles.Muted.Render(format.Fit(a.starting, a.width))
	case a.overlay == paletteOverlay:
		body = a.palette.View()
	case a.overlay == formOverlay:
		body = a.form.View()
		crumbs = []string{"lathe", a.formTitle}
	case a.overlay == noticeOverlay:
		body = a.noticeView()
	case a.overlay == questionOverlay:
		// The question takes the page's last line, where it says how things
		// stand.
		body = strings.TrimSuffix(a.pages[a.active].View(), "\n")
		if i := strings.LastIndexByte(body, '\n'); i >= 0 {
			body = body[:i+1]
		} else {
			body = ""
		}
		body += a.styles.Warn.Render(format.Fit(a.question.text+" y/n", a.width))
	case a.overlay == helpOverlay:
		body = a.helpView()
	default:
		body = a.pages[a.active].View()
	}
	header := a.styles.Header.Render(format.Fit(strings.Join(crumbs, " › "), a.width))
	if a.banner != "" {
		header = a.styles.Banner.Render(format.Fit("lathe › "+a.banner, a.width))
	}
	short, _ := a.keyHelp(false)
	body = format.Box(body, a.width, a.bodyHeight())
	keep := 2 // help and quit
	if a.overlay == noOverlay && a.active != a.active.base() && !a.pages[a.active].Capturing() {
		// and back over another page (or the page's own esc, which it
		// lists last): the way out shows at any width
		keep = 3
	}
	return lipgloss.JoinVertical(lipgloss.Left, header, body, a.footer(short, keep))
}

// footer lists the keys that work here. The last keep ones (help and quit,
// and back over another page; back and quit in the help) always show: the
// page's own are cut first when the line is too long.
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
	return a.styles.Footer.Render(format.Fit(text(append(head, bs[len(bs)-keep:]...)), a.width))
}
