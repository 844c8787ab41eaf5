package tui

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"lathe/engine"
)

// Smallest terminal the app lays out in; below it, it asks for room.
const (
	minWidth  = 80
	minHeight = 24
)

// state is what the app knows of the engine, shared by the pages. Only
// App.Update changes it.
type state struct {
	runs []engine.Run // newest first
	gpus engine.GPUReport
	// trend keeps the last values of each running run's main metric, for
	// sparklines, from the event stream.
	trend map[string][]float64
	now   func() time.Time
}

// trendLen is how many recent values a sparkline shows.
const trendLen = 40

func (s *state) run(id string) (engine.Run, bool) {
	i := slices.IndexFunc(s.runs, func(r engine.Run) bool { return r.ID == id })
	if i < 0 {
		return engine.Run{}, false
	}
	return s.runs[i], true
}

// upsert puts a run's new state in the list.
func (s *state) upsert(r engine.Run) {
	if i := slices.IndexFunc(s.runs, func(x engine.Run) bool { return x.ID == r.ID }); i >= 0 {
		s.runs[i] = r
		return
	}
	s.runs = append([]engine.Run{r}, s.runs...)
}

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
	runsMsg    []engine.Run
	gpusMsg    engine.GPUReport
	eventMsg   engine.Event
	streamMsg  <-chan engine.Event
	lostMsg    struct{ err error }
	tickMsg    time.Time
	openRunMsg string
)

// Options configure the app.
type Options struct {
	Styles Styles
	Keys   KeyMap
	// Now is the clock (tests fix it).
	Now func() time.Time
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
	detail        page // an open run, over the runs page
	help          bool
	palette       *palette // open while set
	banner        string
	events        <-chan engine.Event
}

// New builds the app on an engine.
func New(eng Engine, opts Options) *App {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := &state{trend: map[string][]float64{}, now: opts.Now}
	a := &App{eng: eng, ctx: ctx, cancel: cancel, st: st, styles: opts.Styles, keys: opts.Keys}
	kill := func(id string) (engine.Run, error) { return eng.Kill(ctx, id, false) }
	a.pages = []page{newDashboard(st, opts.Styles), newRunsPage(st, opts.Styles, opts.Keys, kill), newGPUsPage(st, opts.Styles)}
	return a
}

// Init loads what the pages show and subscribes to the engine's events.
func (a *App) Init() tea.Cmd {
	return tea.Batch(a.loadRuns(), a.loadGPUs(), a.subscribe(), tick())
}

func (a *App) loadRuns() tea.Cmd {
	return func() tea.Msg {
		runs, err := a.eng.Runs(a.ctx, engine.RunQuery{Limit: 5000})
		if err != nil {
			return lostMsg{err}
		}
		return runsMsg(runs)
	}
}

func (a *App) loadGPUs() tea.Cmd {
	return func() tea.Msg {
		rep, err := a.eng.GPUs(a.ctx)
		if err != nil {
			return lostMsg{err}
		}
		return gpusMsg(rep)
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
	case runsMsg:
		a.st.runs = msg
		a.banner = ""
		return a, nil
	case gpusMsg:
		a.st.gpus = engine.GPUReport(msg)
		return a, nil
	case streamMsg:
		a.events = msg
		a.banner = ""
		return a, next(a.events)
	case eventMsg:
		a.apply(engine.Event(msg))
		return a, next(a.events)
	case lostMsg:
		a.banner = "the engine is not answering; trying again"
		// Reconnect after a pause: load everything again, subscribe again.
		return a, tea.Tick(2*time.Second, func(time.Time) tea.Msg { return reconnectMsg{} })
	case reconnectMsg:
		return a, tea.Batch(a.loadRuns(), a.loadGPUs(), a.subscribe())
	case tickMsg:
		if a.detail != nil {
			var cmd tea.Cmd
			a.detail, cmd = a.detail.Update(msg)
			return a, tea.Batch(tick(), cmd)
		}
		return a, tick()
	case openRunMsg:
		rp := newRunPage(a.ctx, a.eng, a.st, a.styles, a.keys, string(msg))
		rp.SetSize(a.width, a.bodyHeight())
		a.detail = rp
		return a, nil
	case chartDataMsg, logsMsg:
		if a.detail != nil {
			var cmd tea.Cmd
			a.detail, cmd = a.detail.Update(msg)
			return a, cmd
		}
		return a, nil
	case tea.KeyMsg:
		return a.key(msg)
	case paletteClosedMsg:
		a.palette = nil
		return a, nil
	case paletteChoiceMsg:
		a.palette, a.help = nil, false
		if msg.run != "" {
			a.active = 1
			return a.Update(openRunMsg(msg.run))
		}
		a.active, a.detail = msg.page, nil
		return a, nil
	case killedMsg:
		var cmd tea.Cmd
		a.pages[1], cmd = a.pages[1].Update(msg)
		return a, cmd
	}
	return a, nil
}

type reconnectMsg struct{}

// capturing is a page that takes every key for now (a filter being typed).
type capturing interface{ Capturing() bool }

func (a *App) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if a.palette != nil {
		return a, a.palette.Update(msg)
	}
	if c, ok := a.pages[a.active].(capturing); ok && a.detail == nil && !a.help && c.Capturing() {
		var cmd tea.Cmd
		a.pages[a.active], cmd = a.pages[a.active].Update(msg)
		return a, cmd
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
		if ev.Run != nil {
			a.st.upsert(*ev.Run)
		}
	case engine.EventGPUs:
		if ev.GPUs != nil {
			a.st.gpus = *ev.GPUs
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
		bindings = append(p.ShortHelp(), a.keys.Palette, a.keys.NextPage, a.keys.Help, a.keys.Quit)
	}
	body = lipgloss.NewStyle().Width(a.width).Height(a.bodyHeight()).MaxHeight(a.bodyHeight()).Render(body)
	return lipgloss.JoinVertical(lipgloss.Left, header, body, a.footer(bindings))
}

func (a *App) footer(bs []key.Binding) string {
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		h := b.Help()
		parts = append(parts, h.Key+" "+h.Desc)
	}
	return a.styles.Footer.Render(fitWidth(strings.Join(parts, " · "), a.width))
}

func (a *App) helpView() string {
	groups := [][]key.Binding{
		{a.keys.Palette, a.keys.Dashboard, a.keys.Runs, a.keys.GPUs, a.keys.NextPage, a.keys.Back, a.keys.Help, a.keys.Quit},
		{a.keys.Up, a.keys.Down, a.keys.Top, a.keys.Bottom, a.keys.PageDown, a.keys.PageUp, a.keys.Open, a.keys.Filter, a.keys.Kill},
		{a.keys.Tab, a.keys.Smooth, a.keys.LogScale},
	}
	var b strings.Builder
	b.WriteString(a.styles.Title.Render("Keys") + "\n\n")
	for _, g := range groups {
		for _, k := range g {
			h := k.Help()
			b.WriteString("  " + a.styles.Accent.Render(padRight(h.Key, 10)) + h.Desc + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(a.styles.Muted.Render("q leaves the app; jobs and the engine keep running."))
	return b.String()
}
