package tui

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
	"lathe/tui/table"
)

// The registry's pages: the models (a top page), a model's versions open
// over it, and a version's lineage open over those. Each reads what it
// shows from the engine in a command, again when the engine says the
// model changed (an EventModel), and draws its lines when they change,
// not at every frame.

// Messages of the registry's pages; each names what it is for.
type (
	// modelChangedMsg says a model changed (its name; "" for any): the
	// pages that show it read it again.
	modelChangedMsg struct{ name string }
	modelsMsg       struct {
		models []api.ModelSummary
		err    error
	}
	modelMsg struct {
		name  string
		model api.Model
		err   error
	}
	lineageMsg struct {
		model   string
		version int
		lineage api.Lineage
		err     error
	}
	// openModelMsg opens a model's versions; openVersionMsg a version's
	// lineage.
	openModelMsg   struct{ name string }
	openVersionMsg struct {
		model   string
		version int
		// primary is the model's primary metric, which its versions'
		// metrics show first.
		primary string
	}
)

// challenger is the alias of the version a promotion would judge next.
const challenger = "challenger"

// aliasOrder puts the aliases people look for first: champion, then
// challenger, then the others by name.
func aliasOrder(a, b string) int {
	rank := func(s string) int {
		switch s {
		case api.Champion:
			return 0
		case challenger:
			return 1
		}
		return 2
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}

// badges draws aliases as badges, one blank apart, each labelled by label
// in its alias's tone: the champion's ok, the challenger's warn, the
// others' accent. plain draws them in brackets, as a badge without colour
// is, as wide (for the table's cursor row).
func badges(s styles.Styles, aliases []string, label func(alias string) string, plain bool) string {
	parts := make([]string, len(aliases))
	for i, a := range aliases {
		tone := s.Accent
		switch a {
		case api.Champion:
			tone = s.Ok
		case challenger:
			tone = s.Warn
		}
		if plain {
			parts[i] = "[" + label(a) + "]"
		} else {
			parts[i] = s.Badge(label(a), tone)
		}
	}
	return strings.Join(parts, " ")
}

// sortedAliases is a model's aliases in aliasOrder.
func sortedAliases(aliases map[string]int) []string {
	return slices.SortedFunc(maps.Keys(aliases), aliasOrder)
}

// directionArrow marks which way a metric is better: ↑ higher, ↓ lower.
func directionArrow(direction string) string {
	return map[string]string{"max": "↑", "min": "↓"}[direction]
}

// metricText is a value of a version's metric, "—" when it has none.
func metricText(v api.ModelVersion, name string) string {
	x, ok := v.Metrics[name]
	if !ok || name == "" {
		return "—"
	}
	return format.Number(float64(x), 4)
}

// ago is how long before now a time was.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return format.Duration(now.Sub(t)) + " ago"
}

// sizedColumn is a table column with the least width it may be cut to
// (its Width is the one it wants) and when it is left out for want of
// room: 0 never, else the highest first.
type sizedColumn[R any] struct {
	table.Column[R]
	min, drop int
}

// fitColumns gives columns the width they want when they fit in room (less
// the table's cursor and mark); else cuts those that may be narrower, and
// when that is not enough, leaves out columns in their drop order and
// tries again.
func fitColumns[R any](cols []sizedColumn[R], room int) []table.Column[R] {
	room -= 2
	kept := slices.Clone(cols)
	for {
		need := 0
		for _, c := range kept {
			need += c.Width + 1
		}
		over := need - room
		fitted := slices.Clone(kept)
		for i := range fitted {
			if over <= 0 {
				break
			}
			cut := min(over, max(0, fitted[i].Width-fitted[i].min))
			fitted[i].Width -= cut
			over -= cut
		}
		drop := -1
		for i, c := range kept {
			if c.drop > 0 && (drop < 0 || c.drop > kept[drop].drop) {
				drop = i
			}
		}
		if over <= 0 || drop < 0 {
			out := make([]table.Column[R], len(fitted))
			for i, c := range fitted {
				out[i] = c.Column
			}
			return out
		}
		kept = slices.Delete(kept, drop, drop+1)
	}
}

// widest is the width of the widest of texts, within [lo, hi].
func widest(lo, hi int, texts ...string) int {
	w := lo
	for _, t := range texts {
		w = max(w, ansi.StringWidth(t))
	}
	return min(w, hi)
}

// modelList is the registry's models, a row each: how many versions, the
// latest, the aliases as badges, the latest version's primary metric.
// enter opens a model's versions.
type modelList struct {
	eng           Engine
	ctx           context.Context
	st            *state
	styles        styles.Styles
	keys          KeyMap
	width, height int
	table         *table.Model[api.ModelSummary]
	models        []api.ModelSummary
	loaded        bool
	err           string
	fetch         fetch
}

func newModelList(ctx context.Context, eng Engine, st *state, s styles.Styles, k KeyMap) *modelList {
	p := &modelList{eng: eng, ctx: ctx, st: st, styles: s, keys: k,
		table: table.New(func(m api.ModelSummary) string { return m.Name }, s, k.Table)}
	p.updateKeys()
	return p
}

func (p *modelList) Title() string   { return "Models" }
func (p *modelList) Capturing() bool { return false }

func (p *modelList) SetSize(w, h int) {
	p.width, p.height = w, h
	p.table.SetSize(w, h-1) // the status line
	p.layout()
}

func (p *modelList) ShortHelp() []key.Binding { return keyhelp.Enabled(p.keys.Open, p.keys.Drift) }

func (p *modelList) FullHelp() [][]key.Binding {
	return keyhelp.Rows(append(slices.Clone(scrollKeys(p.keys.Table)), []key.Binding{p.keys.Open}, []key.Binding{p.keys.Drift})...)
}

// updateKeys enables the keys that work: all of them once there is a model.
func (p *modelList) updateKeys() {
	k, t := &p.keys, &p.keys.Table
	for _, b := range []*key.Binding{&k.Open, &k.Drift, &t.Down, &t.Up, &t.Top, &t.Bottom, &t.PageDown, &t.PageUp} {
		b.SetEnabled(len(p.models) > 0)
	}
}

// load reads the models.
func (p *modelList) load() tea.Cmd {
	return func() tea.Msg {
		ms, err := p.eng.Models(p.ctx)
		return modelsMsg{models: ms, err: err}
	}
}

func (p *modelList) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case modelChangedMsg:
		cmd = p.fetch.start(p.load())
	case modelsMsg:
		if msg.err != nil {
			p.err = "the models cannot be read: " + msg.err.Error()
		} else {
			p.models, p.loaded, p.err = msg.models, true, ""
			p.layout()
		}
		cmd = p.fetch.done(p.load())
	case requestsMsg:
		p.layout() // the latest requests' states
	case tea.KeyMsg:
		cmd = p.key(msg)
	}
	p.updateKeys()
	return p, cmd
}

func (p *modelList) key(msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, p.keys.Open, p.keys.Drift) {
		m, ok := p.table.Selected()
		switch {
		case !ok:
			return nil
		case key.Matches(msg, p.keys.Drift):
			return func() tea.Msg { return openDriftMsg{model: m.Name} }
		}
		return func() tea.Msg { return openModelMsg{name: m.Name} }
	}
	if !key.Matches(msg, p.keys.Table.Mark, p.keys.Table.MarkAll) { // a model is not marked
		p.table.Update(msg)
	}
	return nil
}

// layout sets the table's columns and rows from the models and the width.
func (p *modelList) layout() {
	s := p.styles
	names, aliases, primaries := []string{"NAME"}, []string{"ALIASES"}, []string{"PRIMARY METRIC"}
	summaryAliases := func(m api.ModelSummary, plain bool) string {
		return badges(s, sortedAliases(m.Aliases), func(a string) string { return a + " v" + strconv.Itoa(m.Aliases[a]) }, plain)
	}
	primary := func(m api.ModelSummary) string {
		if m.PrimaryMetric == "" || m.Latest == nil {
			return "—"
		}
		return strings.TrimSpace(m.PrimaryMetric+" "+directionArrow(m.Direction)) + " " + metricText(*m.Latest, m.PrimaryMetric)
	}
	for _, m := range p.models {
		names, aliases, primaries = append(names, m.Name), append(aliases, summaryAliases(m, true)), append(primaries, primary(m))
	}
	latest := func(m api.ModelSummary) string {
		if m.Latest == nil {
			return "—"
		}
		return "v" + strconv.Itoa(m.Latest.Version)
	}
	// The requests open, else the state of the latest.
	requests := func(m api.ModelSummary) (string, string) {
		if m.OpenRequests > 0 {
			return fmt.Sprintf("%d open", m.OpenRequests), api.RequestPending
		}
		if r, ok := p.st.latestRequest(m.Name); ok {
			return r.State, r.State
		}
		return "—", ""
	}
	cols := []sizedColumn[api.ModelSummary]{
		{Column: table.Column[api.ModelSummary]{Title: "NAME", Width: widest(4, 32, names...), Cell: func(m api.ModelSummary) string { return m.Name }}, min: 12},
		{Column: table.Column[api.ModelSummary]{Title: "VERSIONS", Width: 8, Right: true, Cell: func(m api.ModelSummary) string { return strconv.Itoa(m.Versions) }}, min: 8, drop: 1},
		{Column: table.Column[api.ModelSummary]{Title: "LATEST", Width: 6, Cell: latest}, min: 6},
		{Column: table.Column[api.ModelSummary]{Title: "ALIASES", Width: widest(7, 60, aliases...),
			Cell:   func(m api.ModelSummary) string { return summaryAliases(m, true) },
			Styled: func(m api.ModelSummary) string { return summaryAliases(m, false) }}, min: widest(7, 60, aliases...)},
		{Column: table.Column[api.ModelSummary]{Title: "REQUESTS", Width: 9,
			Cell:  func(m api.ModelSummary) string { text, _ := requests(m); return text },
			Style: func(m api.ModelSummary) lipgloss.Style { _, state := requests(m); return requestStyle(s, state) }}, min: 9},
		// A value cut is no value: UPDATED goes first.
		{Column: table.Column[api.ModelSummary]{Title: "PRIMARY METRIC", Width: widest(14, 30, primaries...), Cell: primary}, min: widest(14, 30, primaries...)},
		{Column: table.Column[api.ModelSummary]{Title: "UPDATED", Width: 10, Cell: func(m api.ModelSummary) string { return ago(m.Updated, p.st.now()) }}, min: 10, drop: 2},
	}
	// The drift of the latest window, once a model has one.
	if slices.ContainsFunc(p.models, func(m api.ModelSummary) bool { return m.Drift != "" }) {
		drift := sizedColumn[api.ModelSummary]{Column: table.Column[api.ModelSummary]{Title: "DRIFT", Width: 5,
			Cell: func(m api.ModelSummary) string { return cmp.Or(m.Drift, "—") },
			Style: func(m api.ModelSummary) lipgloss.Style {
				if m.Drift == "" {
					return s.Muted
				}
				_, tone := driftLetter(s, m.Drift, true)
				return tone
			}}, min: 5}
		cols = slices.Insert(cols, 5, drift)
	}
	p.table.SetColumns(fitColumns(cols, p.width))
	p.table.SetRows(p.models)
}

func (p *modelList) View() string {
	s := p.styles
	switch {
	case !p.loaded && p.err != "":
		return s.Error.Render(format.Fit(p.err, p.width))
	case !p.loaded:
		return s.Muted.Render("loading the models…")
	case len(p.models) == 0:
		return s.Muted.Render(ansi.Wrap("no models yet: open a run that has ended and press r to register it, "+
			"or run `lathe register RUN --model NAME`", p.width, ""))
	}
	status := s.Muted.Render(fmt.Sprintf("%d %s", len(p.models), plural(len(p.models), "model", "models")))
	if p.err != "" {
		status += "  " + s.Error.Render(p.err)
	}
	return p.table.View() + "\n" + format.Fit(status, p.width)
}

// modelView is a model's versions, newest first: a row each, with its
// aliases, its primary metric, the run it came from, who registered it and
// when, its artifact; under them its promotion requests, newest first.
// One cursor goes through both tables: enter opens a version's lineage, or
// a request's review.
type modelView struct {
	eng           Engine
	ctx           context.Context
	st            *state
	styles        styles.Styles
	keys          KeyMap
	name          string
	width, height int
	model         *api.Model
	err           string
	fetch         fetch
	table         *table.Model[api.ModelVersion]
	requests      *table.Model[api.Request]
	// onRequests says the cursor is in the requests.
	onRequests bool
	// head is the lines over the table, drawn when the model, the width or
	// the clock change.
	head string
}

func newModelView(ctx context.Context, eng Engine, st *state, s styles.Styles, k KeyMap, name string) *modelView {
	p := &modelView{eng: eng, ctx: ctx, st: st, styles: s, keys: k, name: name,
		table:    table.New(func(v api.ModelVersion) string { return strconv.Itoa(v.Version) }, s, k.Table),
		requests: table.New(func(r api.Request) string { return strconv.FormatUint(r.ID, 10) }, s, k.Table)}
	p.focus(false)
	p.updateKeys()
	return p
}

// Init reads the model.
func (p *modelView) Init() tea.Cmd { return p.fetch.start(p.load()) }

func (p *modelView) load() tea.Cmd {
	name := p.name
	return func() tea.Msg {
		m, err := p.eng.Model(p.ctx, name)
		return modelMsg{name: name, model: m, err: err}
	}
}

func (p *modelView) Title() string   { return p.name }
func (p *modelView) Capturing() bool { return false }

// headLines is how many lines the head takes over the table: the model,
// who made it, a blank.
const headLines = 3

func (p *modelView) SetSize(w, h int) {
	p.width, p.height = w, h
	p.table.SetSize(w, h-headLines)
	p.layout()
}

func (p *modelView) ShortHelp() []key.Binding { return keyhelp.Enabled(p.keys.Open, p.keys.Drift) }

func (p *modelView) FullHelp() [][]key.Binding {
	return keyhelp.Rows(append(slices.Clone(scrollKeys(p.keys.Table)), []key.Binding{p.keys.Open}, []key.Binding{p.keys.Drift})...)
}

func (p *modelView) updateKeys() {
	k, t := &p.keys, &p.keys.Table
	on := p.model != nil && len(p.model.Versions)+len(p.model.Requests) > 0
	for _, b := range []*key.Binding{&k.Open, &t.Down, &t.Up, &t.Top, &t.Bottom, &t.PageDown, &t.PageUp} {
		b.SetEnabled(on)
	}
	k.Drift.SetEnabled(p.model != nil)
}

// focus puts the cursor in the requests, or in the versions.
func (p *modelView) focus(requests bool) {
	p.onRequests = requests
	p.table.SetFocused(!requests)
	p.requests.SetFocused(requests)
}

func (p *modelView) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case modelChangedMsg:
		if msg.name == "" || msg.name == p.name {
			cmd = p.fetch.start(p.load())
		}
	case modelMsg:
		if msg.name != p.name {
			break
		}
		if msg.err != nil {
			p.err = "the model cannot be read: " + msg.err.Error()
		} else {
			p.model, p.err = &msg.model, ""
		}
		p.layout()
		cmd = p.fetch.done(p.load())
	case tickMsg:
		p.layout() // the ages move
	case tea.KeyMsg:
		cmd = p.key(msg)
	}
	p.updateKeys()
	return p, cmd
}

func (p *modelView) key(msg tea.KeyMsg) tea.Cmd {
	t := p.keys.Table
	if key.Matches(msg, p.keys.Drift) {
		name := p.name
		return func() tea.Msg { return openDriftMsg{model: name} }
	}
	if key.Matches(msg, p.keys.Open) {
		if p.onRequests {
			if r, ok := p.requests.Selected(); ok {
				msg := openReviewMsg{model: p.name, id: r.ID}
				return func() tea.Msg { return msg }
			}
			return nil
		}
		if v, ok := p.table.Selected(); ok {
			msg := openVersionMsg{model: v.Model, version: v.Version, primary: p.model.PrimaryMetric}
			return func() tea.Msg { return msg }
		}
		return nil
	}
	if key.Matches(msg, t.Mark, t.MarkAll) || p.model == nil {
		return nil
	}
	// One cursor: down from the last version goes to the first request, up
	// from it back (a page too); g and G go to the ends of both.
	m := p.model
	lastVersion := func() bool {
		v, ok := p.table.Selected()
		return !ok || v.Version == m.Versions[len(m.Versions)-1].Version
	}
	firstRequest := func() bool {
		r, ok := p.requests.Selected()
		return ok && r.ID == m.Requests[0].ID && len(m.Versions) > 0
	}
	switch {
	case len(m.Requests) == 0:
		p.table.Update(msg)
	case key.Matches(msg, t.Top) && len(m.Versions) > 0:
		p.focus(false)
		p.table.Update(msg)
	case key.Matches(msg, t.Bottom):
		p.focus(true)
		p.requests.Update(msg)
	case !p.onRequests && key.Matches(msg, t.Down, t.PageDown) && lastVersion():
		p.focus(true)
		p.requests.Top()
	case p.onRequests && key.Matches(msg, t.Up, t.PageUp) && firstRequest():
		p.focus(false)
	case p.onRequests:
		p.requests.Update(msg)
	default:
		p.table.Update(msg)
	}
	return nil
}

// layout draws the head and sets the tables from the model and the width,
// and shares the height between them.
func (p *modelView) layout() {
	s := p.styles
	if p.model == nil {
		return
	}
	m := p.model
	now := p.st.now()
	head := s.Title.Render(m.Name) + "  " + fmt.Sprintf("%d %s", len(m.Versions), plural(len(m.Versions), "version", "versions"))
	if m.LastVersion > 0 {
		head += fmt.Sprintf(" (last v%d)", m.LastVersion)
	}
	if m.PrimaryMetric != "" {
		better := map[string]string{"max": "higher is better", "min": "lower is better"}[m.Direction]
		head += " · judged by " + m.PrimaryMetric
		if better != "" {
			head += ", " + better
		}
	}
	p.head = format.Fit(head, p.width) + "\n" +
		s.Muted.Render(format.Fit("created "+ago(m.Created, now)+" by "+cmp.Or(m.CreatedBy, "?"), p.width))

	aliases := func(v api.ModelVersion, plain bool) string {
		return badges(s, slices.SortedFunc(slices.Values(v.Aliases), aliasOrder), func(a string) string { return a }, plain)
	}
	var aliasTexts, runs, users, artifacts []string
	for _, v := range m.Versions {
		aliasTexts = append(aliasTexts, aliases(v, true))
		runs, users, artifacts = append(runs, v.RunName), append(users, v.RegisteredBy), append(artifacts, v.Artifact.Name)
	}
	metric := cmp.Or(strings.TrimSpace(m.PrimaryMetric+" "+directionArrow(m.Direction)), "METRIC")
	cols := []sizedColumn[api.ModelVersion]{
		{Column: table.Column[api.ModelVersion]{Title: "VERSION", Width: 7, Cell: func(v api.ModelVersion) string { return "v" + strconv.Itoa(v.Version) }}, min: 7},
		{Column: table.Column[api.ModelVersion]{Title: "ALIASES", Width: widest(7, 40, aliasTexts...),
			Cell:   func(v api.ModelVersion) string { return aliases(v, true) },
			Styled: func(v api.ModelVersion) string { return aliases(v, false) }}, min: widest(7, 40, aliasTexts...)},
		{Column: table.Column[api.ModelVersion]{Title: metric, Width: widest(8, 20, metric), Right: true,
			Cell: func(v api.ModelVersion) string { return metricText(v, m.PrimaryMetric) }}, min: 8},
		{Column: table.Column[api.ModelVersion]{Title: "RUN", Width: widest(3, 24, runs...), Cell: func(v api.ModelVersion) string { return v.RunName }}, min: widest(3, 16, runs...)},
		{Column: table.Column[api.ModelVersion]{Title: "BY", Width: widest(2, 12, users...), Cell: func(v api.ModelVersion) string { return v.RegisteredBy }}, min: 6, drop: 1},
		{Column: table.Column[api.ModelVersion]{Title: "REGISTERED", Width: 10, Cell: func(v api.ModelVersion) string { return ago(v.Registered, p.st.now()) }}, min: 10},
		{Column: table.Column[api.ModelVersion]{Title: "ARTIFACT", Width: widest(8, 20, artifacts...), Cell: func(v api.ModelVersion) string { return v.Artifact.Name }}, min: 8, drop: 2},
		{Column: table.Column[api.ModelVersion]{Title: "SIZE", Width: 10, Right: true, Cell: func(v api.ModelVersion) string { return format.Bytes(uint64(max(v.Artifact.Size, 0))) }}, min: 10},
	}
	p.table.SetColumns(fitColumns(cols, p.width))
	p.table.SetRows(m.Versions)
	p.layoutRequests()
}

// requestLines is what the requests take besides their rows: a blank
// line, their title and their header.
const requestLines = 3

// layoutRequests sets the requests' table and shares the height: each
// table gets its rows while they fit, and the requests a third at least.
func (p *modelView) layoutRequests() {
	m := p.model
	room := p.height - headLines
	if len(m.Requests) == 0 {
		p.focus(false)
		p.table.SetSize(p.width, room)
		return
	}
	if len(m.Versions) == 0 {
		p.focus(true)
	}
	rows := max(room-1-requestLines, 2) // the versions' header
	reqRows := min(len(m.Requests), max(2, rows/3))
	verRows := min(len(m.Versions), rows-reqRows)
	reqRows = min(len(m.Requests), rows-verRows)
	p.table.SetSize(p.width, verRows+1)
	p.requests.SetSize(p.width, reqRows+1)

	s := p.styles
	var versions, gates, users []string
	for _, r := range m.Requests {
		versions, gates, users = append(versions, requestVersion(r)), append(gates, checkCounts(r.Checks)), append(users, r.OpenedBy)
	}
	cols := []sizedColumn[api.Request]{
		{Column: table.Column[api.Request]{Title: "REQUEST", Width: 7, Cell: func(r api.Request) string { return fmt.Sprintf("#%d", r.ID) }}, min: 7},
		{Column: table.Column[api.Request]{Title: "VERSION", Width: widest(7, 14, versions...), Cell: requestVersion}, min: 7},
		{Column: table.Column[api.Request]{Title: "STATE", Width: 8, Cell: func(r api.Request) string { return r.State },
			Style: func(r api.Request) lipgloss.Style { return requestStyle(s, r.State) }}, min: 8},
		{Column: table.Column[api.Request]{Title: "GATES", Width: widest(5, 14, gates...), Cell: func(r api.Request) string { return checkCounts(r.Checks) }}, min: 5},
		{Column: table.Column[api.Request]{Title: "APPROVALS", Width: 9, Cell: func(r api.Request) string {
			return fmt.Sprintf("%d of %d", len(r.Approvals), r.Required)
		}}, min: 9},
		{Column: table.Column[api.Request]{Title: "OPENED BY", Width: widest(9, 12, users...), Cell: func(r api.Request) string { return r.OpenedBy }}, min: 9, drop: 1},
		{Column: table.Column[api.Request]{Title: "OPENED", Width: 10, Cell: func(r api.Request) string { return ago(r.Opened, p.st.now()) }}, min: 10},
	}
	p.requests.SetColumns(fitColumns(cols, p.width))
	p.requests.SetRows(m.Requests)
}

func (p *modelView) View() string {
	s := p.styles
	switch {
	case p.model == nil && p.err != "":
		return s.Error.Render(format.Fit(p.err, p.width))
	case p.model == nil:
		return s.Muted.Render("loading " + p.name + "…")
	}
	body := p.head + "\n"
	if p.err != "" {
		body = s.Error.Render(format.Fit(p.err, p.width)) + "\n\n"
	}
	if len(p.model.Versions) == 0 {
		body += "\n" + s.Muted.Render(format.Fit("no versions left: each was removed (their numbers stay taken)", p.width))
	} else {
		body += "\n" + p.table.View()
	}
	if rs := p.model.Requests; len(rs) > 0 {
		open := 0
		for _, r := range rs {
			if requestOpen(r) {
				open++
			}
		}
		title := s.Title.Render("Promotion requests") + "  " + s.Muted.Render(fmt.Sprintf("%d open of %d, newest first · enter opens a review", open, len(rs)))
		body += "\n\n" + format.Fit(title, p.width) + "\n" + p.requests.View()
	}
	return body
}

// versionView is where a version came from: its artifact, the run that
// made it (its command, folder, params, code), the data sets it named,
// what it ran in, and the runs it re-ran. Its lines are drawn when the
// lineage, the width or the clock change, and scroll. p asks for the
// version to become the champion, and opens the request's review.
type versionView struct {
	eng           Engine
	ctx           context.Context
	st            *state
	styles        styles.Styles
	keys          KeyMap
	model         string
	version       int
	primary       string // the model's primary metric
	width, height int
	lineage       *api.Lineage
	err           string
	fetch         fetch
	// note is what asking to promote it did, or the engine's refusal
	// (noteErr).
	note    string
	noteErr bool
	lines   []string
	scroll  scroller
}

func newVersionView(ctx context.Context, eng Engine, st *state, s styles.Styles, k KeyMap, open openVersionMsg) *versionView {
	p := &versionView{eng: eng, ctx: ctx, st: st, styles: s, keys: k, model: open.model, version: open.version, primary: open.primary}
	p.updateKeys()
	return p
}

// Init reads the lineage.
func (p *versionView) Init() tea.Cmd { return p.fetch.start(p.load()) }

func (p *versionView) load() tea.Cmd {
	model, version := p.model, p.version
	return func() tea.Msg {
		l, err := p.eng.Lineage(p.ctx, model, version)
		return lineageMsg{model: model, version: version, lineage: l, err: err}
	}
}

func (p *versionView) Title() string   { return "v" + strconv.Itoa(p.version) }
func (p *versionView) Capturing() bool { return false }

func (p *versionView) SetSize(w, h int) {
	p.width, p.height = w, h
	p.render()
	p.updateKeys()
}

func (p *versionView) ShortHelp() []key.Binding {
	return keyhelp.Enabled(p.keys.Promote, p.keys.Table.Down, p.keys.Table.Up)
}

func (p *versionView) FullHelp() [][]key.Binding {
	return keyhelp.Rows(append([][]key.Binding{{p.keys.Promote}}, scrollKeys(p.keys.Table)...)...)
}

// updateKeys enables the motions when the lines are taller than the page,
// and p once the version is read, unless it is the champion.
func (p *versionView) updateKeys() {
	t := &p.keys.Table
	for _, b := range []*key.Binding{&t.Down, &t.Up, &t.Top, &t.Bottom, &t.PageDown, &t.PageUp} {
		b.SetEnabled(len(p.lines) > p.height)
	}
	p.keys.Promote.SetEnabled(p.lineage != nil && !slices.Contains(p.lineage.Version.Aliases, api.Champion))
}

// askPromote asks before opening a request to make the version the
// champion; the engine runs the gates as it opens it.
func (p *versionView) askPromote() tea.Cmd {
	eng, ctx, model, version := p.eng, p.ctx, p.model, p.version
	p.note = ""
	p.render()
	q := askMsg{from: versionPage, text: fmt.Sprintf("ask for %s v%d to become the champion?", model, version),
		doing: fmt.Sprintf("asking for %s v%d to become the champion: the gates run…", model, version),
		yes: func() tea.Msg {
			r, err := eng.Promote(ctx, api.ReviewRequest{Model: model, Version: version})
			return promotedMsg{model: model, version: version, req: r, err: err}
		}}
	return func() tea.Msg { return q }
}

func (p *versionView) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case modelChangedMsg:
		if msg.name == "" || msg.name == p.model {
			cmd = p.fetch.start(p.load())
		}
	case lineageMsg:
		if msg.model != p.model || msg.version != p.version {
			break
		}
		if msg.err != nil {
			p.err = "the lineage cannot be read: " + msg.err.Error()
		} else {
			p.lineage, p.err = &msg.lineage, ""
		}
		p.render()
		cmd = p.fetch.done(p.load())
	case promotedMsg:
		if msg.model == p.model && msg.version == p.version {
			p.note, p.noteErr = fmt.Sprintf("asked: request #%d, %s", msg.req.ID, msg.req.State), false
			if msg.err != nil {
				p.note, p.noteErr = msg.err.Error(), true
			}
			p.render()
		}
	case actedMsg: // what is under way, after the question's yes
		p.note, p.noteErr = msg.note, false
		p.render()
	case tickMsg:
		p.render() // the ages move
	case tea.KeyMsg:
		if key.Matches(msg, p.keys.Promote) {
			cmd = p.askPromote()
			break
		}
		p.scroll.key(p.keys.Table, msg, len(p.lines), p.height)
	}
	p.updateKeys()
	return p, cmd
}

func (p *versionView) View() string {
	s := p.styles
	switch {
	case p.lineage == nil && p.err != "":
		return s.Error.Render(format.Fit(p.err, p.width))
	case p.lineage == nil:
		return s.Muted.Render(fmt.Sprintf("loading %s v%d…", p.model, p.version))
	}
	return p.scroll.view(s, p.lines, p.height, p.width)
}

// render draws the lineage's lines.
func (p *versionView) render() {
	if p.lineage == nil {
		p.lines = nil
		return
	}
	s := p.styles
	l := p.lineage
	v := l.Version
	now := p.st.now()
	var out []string
	add := func(lines ...string) {
		for _, line := range lines {
			out = append(out, format.Fit(line, p.width))
		}
	}
	// Long values (paths, digests) wrap under themselves, at a / when
	// they can: a path cut would hide where the file is.
	wrapped := func(prefix, value string) {
		indent := strings.Repeat(" ", ansi.StringWidth(prefix))
		for i, line := range strings.Split(ansi.Wrap(value, max(10, p.width-len(indent)), "/"), "\n") {
			if i == 0 {
				out = append(out, format.Fit(prefix+line, p.width))
			} else {
				out = append(out, format.Fit(indent+line, p.width))
			}
		}
	}
	const labelW = 13
	row := func(label, value string) {
		wrapped("  "+s.Muted.Render(format.Pad(label, labelW)), value)
	}
	section := func(title string) {
		add("", s.Title.Render(title))
	}

	head := s.Title.Render(fmt.Sprintf("%s v%d", v.Model, v.Version))
	if len(v.Aliases) > 0 {
		head += "  " + badges(s, slices.SortedFunc(slices.Values(v.Aliases), aliasOrder), func(a string) string { return a }, false)
	}
	if p.err != "" {
		head += "  " + s.Error.Render(p.err)
	}
	add(head)
	by := "registered " + ago(v.Registered, now) + " by " + cmp.Or(v.RegisteredBy, "?")
	if v.Description != "" {
		by += " · " + v.Description
	}
	add(s.Muted.Render(by))
	if p.note != "" {
		add(noteLines(s, p.note, p.noteErr, p.width)...)
	}

	a := v.Artifact
	section("Artifact")
	kind := cmp.Or(a.Kind, "file")
	size := format.Bytes(uint64(max(a.Size, 0)))
	if a.Kind == "dir" {
		kind = "folder"
		size = fmt.Sprintf("%s in %d %s", size, a.Files, plural(a.Files, "file", "files"))
	}
	row("name", a.Name+" ("+kind+", "+size+")")
	row("sha256", a.SHA256)
	row("copy", a.Path)
	row("copied from", a.Source)

	section("Run")
	if l.Run == nil {
		row("run", v.RunName+" ("+v.Run+") "+s.Muted.Render("removed since; the version keeps what follows"))
		if len(v.Params) > 0 {
			row("params", joinParams(v.Params))
		}
		row("git", gitText(v.Git, nil))
	} else {
		r := l.Run
		row("run", r.Name+" ("+r.ID+") "+s.Status(r.Status).Render(string(r.Status)))
		row("command", cmp.Or(r.Origin(), format.Command(r.Command)))
		row("folder", cmp.Or(r.Cwd, "-"))
		row("files", cmp.Or(r.Dir, "-"))
		if len(r.Params) > 0 {
			row("params", joinParams(r.Params))
		}
		row("git", gitText(r.Git, r.Environment))
	}
	if len(v.Metrics) > 0 {
		row("metrics", versionMetrics(v, p.primary))
	}

	// As the version keeps them (digested when it was registered), else
	// as the run names them now.
	datasets := v.Datasets
	if len(datasets) == 0 && l.Run != nil {
		datasets = l.Run.Datasets
	}
	section("Data sets")
	if len(datasets) == 0 {
		add("  " + s.Muted.Render("the run named none (a `dataset` line of its metrics file names one)"))
	}
	for _, d := range datasets {
		wrapped("  ", datasetLine(s, d))
	}

	section("Environment")
	switch {
	case l.Run == nil || l.Run.Environment == nil:
		add("  " + s.Muted.Render("not captured"))
	default:
		env := l.Run.Environment
		row("python", pythonText(env))
		row("packages", packagesText(env))
		row("CUDA", cudaText(env))
		row("system", systemText(env))
		for _, e := range env.Errors {
			row("not captured", s.Error.Render(e))
		}
	}

	if len(l.Parents) > 0 {
		section("Re-run of")
		for _, r := range l.Parents {
			line := r.Name + " (" + r.ID + ") " + s.Status(r.Status).Render(string(r.Status))
			if r.Started != nil {
				line += s.Muted.Render(" · started " + ago(*r.Started, now))
			}
			if len(r.Params) > 0 {
				line += " · " + joinParams(r.Params)
			}
			wrapped("  ", line)
		}
	}
	p.lines = out
	p.scroll.clamp(len(p.lines), p.height)
}

// versionMetrics is a version's metrics as `name=value`, the primary one
// first.
func versionMetrics(v api.ModelVersion, primary string) string {
	names := slices.Sorted(maps.Keys(v.Metrics))
	if i := slices.Index(names, primary); i > 0 {
		names = append([]string{primary}, slices.Delete(names, i, i+1)...)
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + format.Number(float64(v.Metrics[n]), 4)
	}
	return strings.Join(parts, " ")
}
