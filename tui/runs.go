package tui

import (
	"cmp"
	"context"
	"errors"
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
	"lathe/engine/filter"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/palette"
	"lathe/tui/styles"
	"lathe/tui/table"
)

// runList is the table of every run: sort by any column, filter with the
// filter language (the engine filters), mark several and act on them,
// compare them.
type runList struct {
	st            *state
	styles        styles.Styles
	keys          KeyMap
	act           runActions
	table         *table.Model[api.Run]
	width, height int
	// filter is the expression of the filter language (engine/filter) the
	// table shows the runs of, "" for all; applied is the one whose runs
	// the engine gave (in filtered): the table shows them until the
	// engine answers for filter.
	filter, applied string
	filtered        []api.Run
	// partial says the filter was asked for as it was typed: the engine
	// gave typedLimit runs at most (a screenful and more), which is fast
	// over a store of 100 000; enter asks for them all (runsLimit).
	partial, appliedPartial bool
	filterVersion           int // counts the changes of filtered, for the cache
	// typed is the expression being typed (while typing), parsed at every
	// key: typedErr is where it does not parse. Each key that leaves it
	// parsing asks the engine for its runs at once (query counts the
	// questions; the answer to an older one is dropped, and its request
	// cancelled): the table follows the typing, and an expression that does
	// not parse keeps the last good one's runs.
	typing      bool
	typed       string
	typedErr    *filter.Error
	query       int
	cancelQuery context.CancelFunc
	// sortBy is the column the table is sorted by (its title), "" for the
	// engine's order (newest first).
	sortBy string
	desc   bool
	// configured are the params and metrics shown as columns; without
	// them, the ones most runs have.
	configured []string
	note       string // the outcome of the last action
	// chooser picks the columns and the one sorted by; saveLayout keeps
	// the choice for the next start (nil: not kept).
	chooser    chooser
	saveLayout func(RunsLayout) error

	// The table as last derived from the state (see rows).
	cache struct {
		version, filterVersion int
		sortBy                 string
		desc                   bool
		width                  int
		rows                   []api.Run
		cols                   []column
	}
}

// runActions are what the runs table can ask of the engine and the app.
type runActions struct {
	kill func(id string) error
	// rerun starts a run again as it was; edit opens the submit form
	// filled from it, to change it first.
	rerun func(id string) (api.RerunResult, error)
	edit  func(r api.Run) tea.Cmd
	// query lists the newest runs a filter expression keeps, limit at most;
	// ctx is the parent of its requests.
	ctx    context.Context
	query  func(ctx context.Context, expr string, limit int) ([]api.Run, error)
	remove func(ids []string) (api.RemoveResult, error)
}

func newRunList(st *state, s styles.Styles, k KeyMap, act runActions, columns []string) *runList {
	p := &runList{st: st, styles: s, keys: k, act: act, configured: columns,
		table: table.New(func(r api.Run) string { return r.ID }, s, k.Table)}
	p.updateKeys()
	return p
}

// withLayout takes the layout the user chose in an earlier session, over
// the configured columns, and how to save the next one.
func (p *runList) withLayout(l RunsLayout, save func(RunsLayout) error) *runList {
	if l.Columns != nil {
		p.configured = l.Columns
	}
	p.sortBy, p.desc, p.saveLayout = l.Sort, l.Desc, save
	return p
}

func (p *runList) Title() string { return "Runs" }

func (p *runList) SetSize(w, h int) {
	p.width, p.height = w, h
	p.sizeTable()
}

// sizeTable gives the table the page but its status line (two while a
// filter is typed: the expression, and under it where it goes wrong or the
// count).
func (p *runList) sizeTable() { p.table.SetSize(p.width, p.height-1-boolInt(p.typing)) }

// Capturing reports that the page takes every key (a filter being typed,
// the column chooser).
func (p *runList) Capturing() bool { return p.typing || p.chooser.open }

func (p *runList) ShortHelp() []key.Binding {
	k := p.keys
	if p.typing {
		return []key.Binding{k.ApplyFilter, k.CancelFilter}
	}
	if p.chooser.open {
		return []key.Binding{k.ToggleColumn, k.SortByColumn, k.DoneColumns}
	}
	return []key.Binding{k.Open, k.Table.Mark, k.Compare, k.Filter, k.Sort, k.Remove, k.Kill, k.Rerun, k.EditRerun, k.Logs, k.Scatter}
}

func (p *runList) FullHelp() [][]key.Binding {
	k := p.keys
	if p.typing && p.typed == "" {
		return [][]key.Binding{{k.ApplyFilter}, {k.CancelFilter}}
	}
	if p.typing {
		return [][]key.Binding{{k.ApplyFilter}, {k.CancelFilter}, {k.Palette.ClearLine}, {k.Palette.DeleteWord}}
	}
	if p.chooser.open {
		return [][]key.Binding{{k.Table.Down, k.Table.Up}, {k.ToggleColumn}, {k.SortByColumn}, {k.DoneColumns}}
	}
	return append(p.table.FullHelp(), keyhelp.Rows([]key.Binding{k.Open}, []key.Binding{k.Logs}, []key.Binding{k.Sort, k.Reverse}, []key.Binding{k.Columns},
		[]key.Binding{k.Filter}, []key.Binding{k.Clear}, []key.Binding{k.Compare}, []key.Binding{k.Scatter}, []key.Binding{k.Remove},
		[]key.Binding{k.Kill}, []key.Binding{k.Rerun}, []key.Binding{k.EditRerun})...)
}

// updateKeys enables the keys that work now: while a filter is typed,
// only those that end it; esc when there are marks or a filter to clear.
func (p *runList) updateKeys() {
	k := &p.keys
	busy := p.typing || p.chooser.open
	for _, b := range []*key.Binding{&k.Open, &k.Logs, &k.Sort, &k.Reverse, &k.Filter, &k.Compare, &k.Scatter, &k.Remove, &k.Kill, &k.Rerun, &k.EditRerun, &k.Columns} {
		b.SetEnabled(!busy)
	}
	for _, b := range []*key.Binding{&k.ToggleColumn, &k.SortByColumn, &k.DoneColumns} {
		b.SetEnabled(p.chooser.open)
	}
	k.Clear.SetEnabled(!busy && (p.table.MarkCount() > 0 || p.filter != "" || p.applied != ""))
	k.ApplyFilter.SetEnabled(p.typing)
	k.CancelFilter.SetEnabled(p.typing)
}

// column is one column of the table, and how it orders runs.
type column struct {
	table.Column[api.Run]
	// key orders runs by the column: a number when num, else text; ok false
	// when the run lacks the value (it sorts last either way).
	key func(r api.Run) (num float64, text string, ok bool)
}

// newColumn is a column of cells aligned left, or right when right.
func newColumn(title string, width int, right bool, cell func(api.Run) string, key func(api.Run) (float64, string, bool)) column {
	return column{Column: table.Column[api.Run]{Title: title, Width: width, Right: right, Cell: cell}, key: key}
}

// baseColumns are the columns every table has, by priority: the first ones
// stay when the terminal is narrow. now is the clock of durations and
// start times.
func baseColumns(s styles.Styles, now func() time.Time) []column {
	text := func(f func(api.Run) string) func(api.Run) (float64, string, bool) {
		return func(r api.Run) (float64, string, bool) { s := f(r); return 0, s, s != "" }
	}
	started := func(r api.Run) (float64, string, bool) {
		if r.Started == nil {
			return 0, "", false
		}
		return float64(r.Started.UnixNano()), "", true
	}
	duration := func(r api.Run) (float64, string, bool) {
		if r.Started == nil {
			return 0, "", false
		}
		end := time.Now()
		if r.Ended != nil {
			end = *r.Ended
		}
		return float64(end.Sub(*r.Started)), "", true
	}
	name := func(r api.Run) string { return r.Name }
	status := func(r api.Run) string { return r.StatusWord() }
	// Eight characters name a run among thousands (commands take a prefix).
	id := func(r api.Run) string { return r.ID[:min(8, len(r.ID))] }
	experiment := func(r api.Run) string { return r.Experiment }
	cols := []column{
		newColumn("NAME", 20, false, name, text(name)),
		newColumn("STATUS", 9, false, status, text(status)),
		newColumn("DURATION", 8, true, func(r api.Run) string { return format.Elapsed(r.Started, r.Ended, now()) }, duration),
		newColumn("ID", 8, false, id, text(func(r api.Run) string { return r.ID })),
		newColumn("EXPERIMENT", 12, false, experiment, text(experiment)),
		newColumn("STARTED", 11, false, func(r api.Run) string { return startedText(r, now()) }, started),
		newColumn("GPUS", 5, false, func(r api.Run) string { return format.Devices(r.Devices) },
			func(r api.Run) (float64, string, bool) { return float64(len(r.Devices)), "", len(r.Devices) > 0 }),
	}
	cols[1].Style = func(r api.Run) lipgloss.Style { return s.StatusOf(r) }
	return cols
}

// tableOrder is the left-to-right order of the base columns.
var tableOrder = []string{"ID", "NAME", "EXPERIMENT", "STATUS", "STARTED", "DURATION", "GPUS"}

// startedText is when a run started: a time today, a date before.
func startedText(r api.Run, now time.Time) string {
	if r.Started == nil {
		return "-"
	}
	t := r.Started.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 02 15:04")
}

// paramColumn and metricColumn show a param, or a metric's last value.
func paramColumn(name string) column {
	return newColumn(name, max(len(name), 6), false, func(r api.Run) string { return r.Params[name] },
		func(r api.Run) (float64, string, bool) {
			v, ok := r.Params[name]
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f, v, ok
			}
			return 0, v, ok
		})
}

func metricColumn(name string) column {
	width := max(len(name), 7)
	return newColumn(name, width, true,
		func(r api.Run) string {
			if m, ok := r.Metrics[name]; ok {
				return format.NumberFit(float64(m.Last), width)
			}
			return ""
		},
		func(r api.Run) (float64, string, bool) {
			m, ok := r.Metrics[name]
			v := float64(m.Last)
			return v, "", ok && v == v
		})
}

// extraName is a param or a metric shown as a column.
type extraName struct {
	name   string
	metric bool
}

// extraNames ranks the params and metrics to show as columns: the
// configured ones in their order (a name is looked up among params, then
// metrics), else all of them, those most runs have first, a metric before
// a param as many runs have (a metric reads a run; a param one run has
// tells little), then by name. The layout takes as many as the width
// holds.
func extraNames(runs []api.Run, configured []string) []extraName {
	pc, mc := map[string]int{}, map[string]int{}
	for _, r := range runs {
		for k := range r.Params {
			pc[k]++
		}
		for k := range r.Metrics {
			mc[k]++
		}
	}
	var out []extraName
	if configured != nil { // the user's choice, none included
		for _, n := range configured {
			if name, ok := strings.CutPrefix(n, "params."); ok {
				out = append(out, extraName{name: name})
			} else if name, ok := strings.CutPrefix(n, "metrics."); ok {
				out = append(out, extraName{name: name, metric: true})
			} else {
				out = append(out, extraName{name: n, metric: mc[n] > 0 && pc[n] == 0})
			}
		}
		return out
	}
	count := func(e extraName) int {
		if e.metric {
			return mc[e.name]
		}
		return pc[e.name]
	}
	for k := range pc {
		out = append(out, extraName{name: k})
	}
	for k := range mc {
		out = append(out, extraName{name: k, metric: true})
	}
	slices.SortFunc(out, func(a, b extraName) int {
		return cmp.Or(cmp.Compare(count(b), count(a)), -cmp.Compare(boolInt(a.metric), boolInt(b.metric)), cmp.Compare(a.name, b.name))
	})
	return out
}

// nameWidth is the width of the name column: the longest name, so that
// runs of a sweep, whose names differ at the end, are told apart; at
// least 20, at most a third of the width.
func nameWidth(runs []api.Run, width int) int {
	w := 20
	for _, r := range runs {
		w = max(w, ansi.StringWidth(r.Name))
	}
	return min(w, max(20, width/3))
}

// layout chooses the columns that fit the width, by priority: name,
// status, duration and id, the first metric, the other base columns, then
// the params and metrics as ranked (extraNames). They show in table
// order: the base columns, the params, the metrics.
func (p *runList) layout(runs []api.Run) []column {
	base := baseColumns(p.styles, p.st.now)
	nameW := nameWidth(runs, p.width)
	base[0].Width = nameW
	base[0].Cell = func(r api.Run) string { return format.FitMiddle(r.Name, nameW) }
	ranked := extraNames(runs, p.configured)
	params := map[string]bool{}
	for _, e := range ranked {
		if !e.metric {
			params[e.name] = true
		}
	}
	extra := make([]column, 0, len(ranked))
	firstMetric := -1
	for i, e := range ranked {
		if !e.metric {
			extra = append(extra, paramColumn(e.name))
			continue
		}
		c := metricColumn(e.name)
		if params[e.name] {
			c.Title = "m." + e.name
			c.Width = max(c.Width, len(c.Title))
		}
		if firstMetric < 0 {
			firstMetric = i
		}
		extra = append(extra, c)
	}
	byPriority := slices.Clone(base[:4])
	if firstMetric >= 0 {
		byPriority = append(byPriority, extra[firstMetric])
	}
	byPriority = append(byPriority, base[4:]...)
	for i, c := range extra {
		if i != firstMetric {
			byPriority = append(byPriority, c)
		}
	}
	room := p.width - 2 // the cursor and the mark
	var chosen []column
	for _, c := range byPriority {
		if room >= c.Width+1 || len(chosen) < 3 {
			chosen = append(chosen, c)
			room -= c.Width + 1
		}
	}
	// The params first, then the metrics, each in rank order.
	place := map[string]int{}
	for i, c := range extra {
		place[c.Title] = len(tableOrder) + i
		if ranked[i].metric {
			place[c.Title] += len(extra)
		}
	}
	order := func(c column) int {
		if i := slices.Index(tableOrder, c.Title); i >= 0 {
			return i
		}
		return place[c.Title]
	}
	slices.SortStableFunc(chosen, func(a, b column) int { return cmp.Compare(order(a), order(b)) })
	return chosen
}

// rows is the table: the runs the filter keeps (all of them without one),
// in the chosen order. It is derived again only when the runs, the
// filter's runs, the order or the width changed.
func (p *runList) rows() ([]api.Run, []column) {
	c := &p.cache
	if c.rows != nil && c.version == p.st.version && c.filterVersion == p.filterVersion && c.sortBy == p.sortBy && c.desc == p.desc && c.width == p.width {
		return c.rows, c.cols
	}
	c.version, c.filterVersion, c.sortBy, c.desc, c.width = p.st.version, p.filterVersion, p.sortBy, p.desc, p.width
	var rows []api.Run
	if p.applied == "" {
		rows = slices.Clone(p.st.runs)
	} else {
		// The runs the engine gave, as the app knows them now.
		at := make(map[string]int, len(p.st.runs))
		for i, r := range p.st.runs {
			at[r.ID] = i
		}
		rows = make([]api.Run, len(p.filtered))
		for i, r := range p.filtered {
			if j, ok := at[r.ID]; ok {
				r = p.st.runs[j]
			}
			rows[i] = r
		}
	}
	// The columns are those of the runs shown: a filter down to one sweep
	// shows its params, not every param of every run.
	c.cols = p.layout(rows)
	if i := slices.IndexFunc(c.cols, func(col column) bool { return col.Title == p.sortBy }); i >= 0 {
		sortRuns(rows, c.cols[i].key, p.desc)
	}
	c.rows = rows
	cols := make([]table.Column[api.Run], len(c.cols))
	for i, col := range c.cols {
		cols[i] = col.Column
	}
	p.table.SetColumns(cols)
	p.table.SetRows(rows)
	p.table.SetSort(p.sortBy, p.desc)
	return c.rows, c.cols
}

// sortRuns orders runs by a column's key; runs without a value come last
// whichever the direction, and ties keep the engine's order.
func sortRuns(runs []api.Run, key func(api.Run) (float64, string, bool), desc bool) {
	type keyed struct {
		num  float64
		text string
		ok   bool
	}
	keys := make(map[string]keyed, len(runs))
	for _, r := range runs {
		n, t, ok := key(r)
		keys[r.ID] = keyed{n, t, ok}
	}
	slices.SortStableFunc(runs, func(a, b api.Run) int {
		ka, kb := keys[a.ID], keys[b.ID]
		switch {
		case !ka.ok || !kb.ok:
			if ka.ok == kb.ok {
				return 0
			}
			if ka.ok {
				return -1
			}
			return 1
		}
		c := cmp.Or(cmp.Compare(ka.num, kb.num), cmp.Compare(ka.text, kb.text))
		if desc {
			return -c
		}
		return c
	})
}

// selection is the marked runs, or the one under the cursor when none is.
func (p *runList) selection() []api.Run {
	if p.table.MarkCount() > 0 {
		return p.markedRuns()
	}
	p.rows()
	if r, ok := p.table.Selected(); ok {
		return []api.Run{r}
	}
	return nil
}

// markedRuns is the marked runs in the table's order, then those the
// filter hides.
func (p *runList) markedRuns() []api.Run {
	rows, _ := p.rows()
	var out []api.Run
	seen := map[string]bool{}
	for _, list := range [][]api.Run{rows, p.st.runs} {
		for _, r := range list {
			if p.table.Marked(r.ID) && !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// Messages of the runs table's own I/O.
type (
	// openRunMsg opens a run's page on a tab; over the runs, or for a
	// sweep's trial (trial) over the sweep's page.
	openRunMsg struct {
		id    string
		tab   runTab
		trial bool
	}
	// actedMsg reports what an action on runs did.
	actedMsg struct{ note string }
	// filteredMsg is the runs a filter expression keeps.
	filteredMsg struct {
		query   int // which of the runs table's questions it answers
		expr    string
		partial bool // typedLimit runs at most
		runs    []api.Run
		err     error
	}
	// removedMsg is what the engine did with runs asked to be removed; the
	// app takes the removed ones out of its state.
	removedMsg struct {
		res api.RemoveResult
		err error
	}
	// compareMarkedMsg asks for the comparison of the marked runs (from
	// the palette).
	compareMarkedMsg struct{}
	// rerunMsg is what re-running runs did: the runs, and the engine's
	// answer for each, in order, until one failed (err).
	rerunMsg struct {
		runs    []api.Run
		results []api.RerunResult
		err     error
	}
)

// runIDs is the ids of runs, in order.
func runIDs(runs []api.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	return ids
}

func describeRuns(runs []api.Run) string {
	if len(runs) == 1 {
		return runs[0].Name
	}
	return strconv.Itoa(len(runs)) + " runs"
}

func (p *runList) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case actedMsg:
		p.note = msg.note
	case filteredMsg:
		p.setFiltered(msg)
	case removedMsg:
		p.removed(msg)
	case compareMarkedMsg:
		cmd = p.compare()
	case tea.KeyMsg:
		cmd = p.key(msg)
	}
	p.updateKeys()
	return p, cmd
}

func (p *runList) key(k tea.KeyMsg) tea.Cmd {
	if p.typing {
		return p.typeFilter(k)
	}
	if p.chooser.open {
		return p.chooserKey(k)
	}
	_, cols := p.rows()
	keys := p.keys
	switch {
	case key.Matches(k, keys.Filter):
		p.typing, p.typed = true, p.filter
		p.parseTyped()
		p.sizeTable() // the prompt takes a line
	case key.Matches(k, keys.Clear):
		// esc clears, one thing at a time: the marks, then the filter.
		if p.table.MarkCount() > 0 {
			p.table.ClearMarks()
		} else {
			p.clearFilter()
		}
	case key.Matches(k, keys.Sort):
		p.sortBy = nextSort(cols, p.sortBy)
		p.desc = false
	case key.Matches(k, keys.Reverse):
		if p.sortBy == "" {
			p.sortBy = nextSort(cols, "")
		}
		p.desc = !p.desc
	case key.Matches(k, keys.Compare):
		return p.compare()
	case key.Matches(k, keys.Scatter):
		return p.scatter()
	case key.Matches(k, keys.Columns):
		p.openChooser()
	case key.Matches(k, keys.Remove):
		return p.askRemove()
	case key.Matches(k, keys.Kill):
		return p.askKill()
	case key.Matches(k, keys.Rerun):
		return p.askRerun()
	case key.Matches(k, keys.EditRerun):
		return p.editRerun()
	case key.Matches(k, keys.Open), key.Matches(k, keys.Logs):
		if r, ok := p.table.Selected(); ok {
			m := openRunMsg{id: r.ID}
			if key.Matches(k, keys.Logs) {
				m.tab = logsTab
			}
			return func() tea.Msg { return m }
		}
	default:
		p.table.Update(k)
	}
	return nil
}

// typeFilter takes a key while a filter expression is typed: enter asks
// the engine for the runs it keeps (when it parses), esc shows all runs.
func (p *runList) typeFilter(k tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(k, p.keys.ApplyFilter):
		if p.typedErr != nil {
			return nil // the error shows under the expression
		}
		p.stopTyping()
		return p.askFilter(strings.TrimSpace(p.typed), false)
	case key.Matches(k, p.keys.CancelFilter):
		p.stopTyping()
		p.typed, p.typedErr = "", nil
		p.askFilter("", false)
		return nil
	default:
		// Typing, with a shell's ctrl+u and ctrl+w.
		typed, ok := palette.Edit(p.keys.Palette, p.typed, k)
		if !ok {
			return nil
		}
		p.typed = typed
	}
	p.parseTyped()
	if p.typedErr != nil {
		return nil // the last good expression's runs stay
	}
	return p.askFilter(strings.TrimSpace(p.typed), true)
}

// typedLimit is how many runs a filter being typed asks for: more than a
// screen shows, few enough for the engine to answer between two keys.
const typedLimit = 200

// askFilter asks the engine for the runs expr keeps ("": all runs), in
// place of any question still unanswered: typedLimit of them when
// partial, else runsLimit.
func (p *runList) askFilter(expr string, partial bool) tea.Cmd {
	if expr == p.filter && (partial || !p.partial) {
		return nil // asked already, or shown
	}
	if p.cancelQuery != nil {
		p.cancelQuery()
		p.cancelQuery = nil
	}
	p.query++
	if expr == "" {
		p.clearFilter()
		return nil
	}
	p.filter, p.partial = expr, partial
	limit := runsLimit
	if partial {
		limit = typedLimit
	}
	parent := p.act.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	p.cancelQuery = cancel
	n, query := p.query, p.act.query
	return func() tea.Msg {
		defer cancel()
		runs, err := query(ctx, expr, limit)
		return filteredMsg{query: n, expr: expr, partial: partial, runs: runs, err: err}
	}
}

func (p *runList) stopTyping() {
	p.typing = false
	p.sizeTable()
}

// parseTyped parses the expression being typed, to show where it goes
// wrong as it is typed.
func (p *runList) parseTyped() {
	p.typedErr = nil
	if strings.TrimSpace(p.typed) == "" {
		return
	}
	if _, err := filter.Parse(p.typed, p.st.now()); err != nil {
		if !errors.As(err, &p.typedErr) {
			p.typedErr = &filter.Error{Expr: p.typed, Pos: len(p.typed), Msg: err.Error()}
		}
	}
}

// clearFilter shows all runs again.
func (p *runList) clearFilter() {
	if p.filter == "" && p.applied == "" {
		return
	}
	p.filter, p.applied, p.filtered = "", "", nil
	p.partial, p.appliedPartial = false, false
	p.filterVersion++
	p.table.Top()
}

// setFiltered takes the runs the engine gave for a filter, unless another
// was asked for since.
func (p *runList) setFiltered(msg filteredMsg) {
	if msg.query != p.query || msg.expr != p.filter {
		return // an older question's: a newer one was asked since
	}
	p.cancelQuery = nil
	if msg.err != nil {
		p.note = "the filter failed: " + msg.err.Error()
		p.filter, p.partial = p.applied, p.appliedPartial
		return
	}
	p.applied, p.filtered, p.appliedPartial = msg.expr, msg.runs, msg.partial
	p.filterVersion++
	p.table.Top()
}

// compare opens the comparison of the marked runs.
func (p *runList) compare() tea.Cmd {
	sel := p.markedRuns()
	if len(sel) < 2 {
		p.note = "mark two runs or more with space to compare"
		return nil
	}
	ids := runIDs(sel)
	return func() tea.Msg { return openCompareMsg{ids: ids} }
}

// askRemove asks before removing the selection's runs.
func (p *runList) askRemove() tea.Cmd {
	sel := p.selection()
	if len(sel) == 0 {
		return nil
	}
	ids := runIDs(sel)
	they := "They"
	if len(sel) == 1 {
		they = "It"
	}
	remove := p.act.remove
	p.note = ""
	return ask(runsPage, fmt.Sprintf("remove %s? %s can be restored for %d days (lathe restore).", describeRuns(sel), they,
		int(api.RetainRemoved/(24*time.Hour))),
		func() tea.Msg {
			res, err := remove(ids)
			return removedMsg{res: res, err: err}
		})
}

// removed notes what a removal did; the app has taken the removed runs out
// of its state.
func (p *runList) removed(msg removedMsg) {
	gone := map[string]bool{}
	for _, r := range msg.res.Runs {
		gone[r.ID] = true
		p.table.Unmark(r.ID)
	}
	if len(gone) > 0 && p.applied != "" {
		p.filtered = slices.DeleteFunc(slices.Clone(p.filtered), func(r api.Run) bool { return gone[r.ID] })
		p.filterVersion++
	}
	switch {
	case msg.err != nil:
		p.note = msg.err.Error()
	case len(gone) > 0:
		them := "them"
		if len(msg.res.Runs) == 1 {
			them = "it"
		}
		p.note = "removed " + describeRuns(msg.res.Runs) + "; `lathe restore` brings " + them + " back"
	}
}

// nextSort is the column after cur to sort by; after the last, the
// engine's order again.
func nextSort(cols []column, cur string) string {
	i := slices.IndexFunc(cols, func(c column) bool { return c.Title == cur })
	if i+1 < len(cols) {
		return cols[i+1].Title
	}
	return ""
}

// askKill asks before killing the selection's runs that still run.
func (p *runList) askKill() tea.Cmd {
	var live []api.Run
	for _, r := range p.selection() {
		if r.Status == api.Running || r.Status == api.Queued {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		p.note = "nothing to kill: no marked run is running or queued"
		return nil
	}
	kill := p.act.kill
	p.note = ""
	return ask(runsPage, "kill "+describeRuns(live)+"?", func() tea.Msg {
		for _, r := range live {
			if err := kill(r.ID); err != nil {
				return actedMsg{note: err.Error()}
			}
		}
		return actedMsg{note: "killing " + describeRuns(live)}
	})
}

// askRerun asks before starting the selection's runs again as they were;
// the engine says what differs now from when each first started (the
// code, the packages), which the app shows (rerunMsg).
func (p *runList) askRerun() tea.Cmd {
	sel := p.selection()
	if len(sel) == 0 {
		return nil
	}
	rerunCmd := rerunAll(sel, p.act.rerun)
	p.note = ""
	text := "re-run " + describeRuns(sel) + " as it was? (e edits it first)"
	if len(sel) > 1 {
		text = "re-run " + describeRuns(sel) + " as they were?"
	}
	doing := "re-running " + describeRuns(sel) + "; the engine looks at what differs now (code, packages)…"
	return func() tea.Msg { return askMsg{from: runsPage, text: text, doing: doing, yes: rerunCmd} }
}

// rerunAll re-runs runs in turn, until one fails.
func rerunAll(runs []api.Run, rerun func(id string) (api.RerunResult, error)) tea.Cmd {
	return func() tea.Msg {
		msg := rerunMsg{}
		for _, r := range runs {
			res, err := rerun(r.ID)
			if err != nil {
				msg.err = fmt.Errorf("%s: %w", r.Name, err)
				break
			}
			msg.runs, msg.results = append(msg.runs, r), append(msg.results, res)
		}
		return msg
	}
}

// editRerun opens the submit form filled from one run, to change it and
// start it again.
func (p *runList) editRerun() tea.Cmd {
	sel := p.selection()
	switch len(sel) {
	case 0:
		return nil
	case 1:
		p.note = ""
		return p.act.edit(sel[0])
	}
	p.note = "e edits one run: esc clears the marks, then put the cursor on it"
	return nil
}

// rerunRequest is the spec of a run, to start it again, tagged rerun_of
// with the run's id. The environment is not in it: the record keeps it
// redacted, so a re-run takes the app's.
func rerunRequest(r api.Run) api.SubmitRequest {
	tags := maps.Clone(r.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags["rerun_of"] = r.ID
	return api.SubmitRequest{Name: r.Name, Experiment: r.Experiment, Command: r.Command, Cwd: r.Cwd,
		Params: r.Params, Tags: tags, Priority: r.Priority, GPUs: r.GPUs, GPUIDs: r.GPUIDs,
		MinGPUMem: r.MinGPUMem, Parse: r.Parse}
}

func (p *runList) View() string {
	s := p.styles
	if len(p.st.runs) == 0 {
		if !p.st.loaded {
			return s.Muted.Render("loading the runs…")
		}
		return s.Muted.Render("no runs yet: press n to start one, or run `lathe run -- COMMAND`")
	}
	rows, _ := p.rows()
	if p.chooser.open {
		return p.chooserView(p.height-1) + "\n" + p.statusLine(len(rows))
	}
	return p.table.View() + "\n" + p.statusLine(len(rows))
}

// statusLine is the filter, the marks, the count and the last action's
// outcome. While a filter is typed it is two lines: the expression, and
// under it where the expression goes wrong (a caret under the column), or
// the rest.
func (p *runList) statusLine(shown int) string {
	s := p.styles
	var parts []string
	var count string
	switch {
	case p.filter != "" && p.filter != p.applied:
		count = "filtering…"
	case p.applied != "":
		count = fmt.Sprintf("%d runs match", shown)
		if shown == 1 {
			count = "1 run matches"
		}
		switch {
		case p.appliedPartial && shown >= typedLimit:
			count = fmt.Sprintf("%d+ runs match (enter lists up to %d)", shown, runsLimit)
		case shown >= runsLimit:
			count += " (the newest; `lathe runs` lists them all)"
		}
	default:
		count = fmt.Sprintf("%d runs", shown)
		switch {
		case !p.st.loaded:
			count += " (the active ones; loading the others…)"
		case shown >= runsLimit:
			count += " (the newest; `lathe runs` lists them all)"
		}
	}
	if n := p.table.MarkCount(); n > 0 {
		count += fmt.Sprintf(", %d marked", n)
	}
	if p.filter != "" && !p.typing {
		parts = append(parts, s.Accent.Render("/"+p.filter))
	}
	parts = append(parts, s.Muted.Render(count))
	if p.note != "" {
		parts = append(parts, s.Muted.Render(p.note))
	}
	line := format.Fit(strings.Join(parts, "  "), p.width)
	if !p.typing {
		return line
	}
	typed := p.typed
	if e := p.typedErr; e != nil {
		// The expression as the error shows it (blanks as spaces), and its
		// caret line under it, after the "/".
		var caret string
		typed, caret = format.Caret(e.Expr, e.Pos)
		line = s.Error.Render(format.Fit(" "+caret+" "+e.Msg, p.width))
	}
	return s.Accent.Render(format.Fit("/"+typed+"█", p.width)) + "\n" + line
}
