package tui

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine"
	"lathe/engine/filter"
)

// runsPage is the table of every run: sort by any column, filter with the
// filter language (the engine filters), mark several and act on them,
// compare them.
type runsPage struct {
	st            *state
	styles        Styles
	keys          KeyMap
	act           runActions
	cursor, top   int
	width, height int
	// filter is the expression of the filter language (engine/filter) the
	// table shows the runs of, "" for all; applied is the one whose runs
	// the engine gave (in filtered): the table shows them until the
	// engine answers for filter.
	filter, applied string
	filtered        []engine.Run
	filterVersion   int // counts the changes of filtered, for the cache
	// typed is the expression being typed (while typing), parsed at every
	// key: typedErr is where it does not parse.
	typing   bool
	typed    string
	typedErr *filter.Error
	// sortBy is the column the table is sorted by (its title), "" for the
	// engine's order (newest first).
	sortBy string
	desc   bool
	marked map[string]bool
	// extra are the params and metrics shown as columns: the configured
	// ones, else the ones most runs have.
	configured []string
	confirm    *confirmation
	note       string // the outcome of the last action

	// The table as last derived from the state (see rows).
	cache struct {
		version, filterVersion int
		sortBy                 string
		desc                   bool
		width                  int
		rows                   []engine.Run
		cols                   []column
	}
}

// runActions are what the runs table can ask of the engine and the app.
type runActions struct {
	kill   func(id string) error
	rerun  func(r engine.Run) tea.Cmd // opens the submit form filled from r
	submit func(req engine.SubmitRequest) error
	// query lists the runs a filter expression keeps.
	query  func(expr string) ([]engine.Run, error)
	remove func(ids []string) (engine.RemoveResult, error)
}

// confirmation is a yes/no question; yes runs the command.
type confirmation struct {
	question string
	yes      tea.Cmd
}

func newRunsPage(st *state, s Styles, k KeyMap, act runActions, columns []string) *runsPage {
	return &runsPage{st: st, styles: s, keys: k, act: act, marked: map[string]bool{}, configured: columns}
}

func (p *runsPage) Title() string    { return "Runs" }
func (p *runsPage) SetSize(w, h int) { p.width, p.height = w, h }
func (p *runsPage) ShortHelp() []key.Binding {
	switch {
	case p.confirm != nil:
		return []key.Binding{p.keys.Yes, p.keys.No}
	case p.typing:
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "filter")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "show all runs")),
		}
	}
	return []key.Binding{p.keys.Open, p.keys.Mark, p.keys.Compare, p.keys.Filter, p.keys.Sort, p.keys.Remove, p.keys.Kill,
		p.keys.Rerun, p.keys.Logs}
}

// Capturing reports that the page takes every key (a filter being typed, a
// question asked).
func (p *runsPage) Capturing() bool { return p.typing || p.confirm != nil }

// column is one column of the table.
type column struct {
	title string
	width int
	right bool // numbers align right
	cell  func(r engine.Run, now time.Time) string
	// key orders runs by the column: a number when num, else text; ok false
	// when the run lacks the value (it sorts last either way).
	key func(r engine.Run) (num float64, text string, ok bool)
}

// baseColumns are the columns every table has, by priority: the first ones
// stay when the terminal is narrow.
func baseColumns() []column {
	text := func(f func(engine.Run) string) func(engine.Run) (float64, string, bool) {
		return func(r engine.Run) (float64, string, bool) { s := f(r); return 0, s, s != "" }
	}
	started := func(r engine.Run) (float64, string, bool) {
		if r.Started == nil {
			return 0, "", false
		}
		return float64(r.Started.UnixNano()), "", true
	}
	duration := func(r engine.Run) (float64, string, bool) {
		if r.Started == nil {
			return 0, "", false
		}
		end := time.Now()
		if r.Ended != nil {
			end = *r.Ended
		}
		return float64(end.Sub(*r.Started)), "", true
	}
	return []column{
		{title: "NAME", width: 20, cell: func(r engine.Run, _ time.Time) string { return r.Name }, key: text(func(r engine.Run) string { return r.Name })},
		{title: "STATUS", width: 9, cell: func(r engine.Run, _ time.Time) string { return string(r.Status) }, key: text(func(r engine.Run) string { return string(r.Status) })},
		{title: "DURATION", width: 8, right: true, cell: func(r engine.Run, now time.Time) string { return Elapsed(r, now) }, key: duration},
		// Eight characters name a run among thousands (commands take a prefix).
		{title: "ID", width: 8, cell: func(r engine.Run, _ time.Time) string { return r.ID[:min(8, len(r.ID))] }, key: text(func(r engine.Run) string { return r.ID })},
		{title: "EXPERIMENT", width: 12, cell: func(r engine.Run, _ time.Time) string { return r.Experiment }, key: text(func(r engine.Run) string { return r.Experiment })},
		{title: "STARTED", width: 11, cell: func(r engine.Run, now time.Time) string { return startedText(r, now) }, key: started},
		{title: "GPUS", width: 5, cell: func(r engine.Run, _ time.Time) string { return DevicesText(r.Devices) },
			key: func(r engine.Run) (float64, string, bool) { return float64(len(r.Devices)), "", len(r.Devices) > 0 }},
	}
}

// tableOrder is the left-to-right order of the base columns.
var tableOrder = []string{"ID", "NAME", "EXPERIMENT", "STATUS", "STARTED", "DURATION", "GPUS"}

// startedText is when a run started: a time today, a date before.
func startedText(r engine.Run, now time.Time) string {
	if r.Started == nil {
		return "-"
	}
	t := r.Started.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 02 15:04")
}

// DevicesText writes device indices as 0,1 ("-" for none). The command
// line's listings use it too.
func DevicesText(devs []int) string {
	if len(devs) == 0 {
		return "-"
	}
	parts := make([]string, len(devs))
	for i, d := range devs {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ",")
}

// paramColumn and metricColumn show a param, or a metric's last value.
func paramColumn(name string) column {
	return column{title: name, width: max(len(name), 6), cell: func(r engine.Run, _ time.Time) string { return r.Params[name] },
		key: func(r engine.Run) (float64, string, bool) {
			v, ok := r.Params[name]
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f, v, ok
			}
			return 0, v, ok
		}}
}

func metricColumn(name string) column {
	return column{title: name, width: max(len(name), 7), right: true,
		cell: func(r engine.Run, _ time.Time) string {
			if m, ok := r.Metrics[name]; ok {
				return number(float64(m.Last))
			}
			return ""
		},
		key: func(r engine.Run) (float64, string, bool) {
			m, ok := r.Metrics[name]
			v := float64(m.Last)
			return v, "", ok && v == v
		}}
}

// extraNames picks the params and metrics to show as columns: the
// configured ones (a name is looked up among params, then metrics), else
// the three params and three metrics most runs have.
func extraNames(runs []engine.Run, configured []string) (params, metrics []string) {
	pc, mc := map[string]int{}, map[string]int{}
	for _, r := range runs {
		for k := range r.Params {
			pc[k]++
		}
		for k := range r.Metrics {
			mc[k]++
		}
	}
	if len(configured) > 0 {
		for _, n := range configured {
			if name, ok := strings.CutPrefix(n, "params."); ok {
				params = append(params, name)
			} else if name, ok := strings.CutPrefix(n, "metrics."); ok {
				metrics = append(metrics, name)
			} else if mc[n] > 0 && pc[n] == 0 {
				metrics = append(metrics, n)
			} else {
				params = append(params, n)
			}
		}
		return params, metrics
	}
	top := func(counts map[string]int, n int) []string {
		names := make([]string, 0, len(counts))
		for k := range counts {
			names = append(names, k)
		}
		slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
		return names[:min(n, len(names))]
	}
	return top(pc, 3), top(mc, 3)
}

// layout chooses the columns that fit the width, by priority: name,
// status, duration and id, the first metric, the other base columns, then
// the params and the other metrics. They show in table order: the base
// columns, the params, the metrics.
func (p *runsPage) layout(runs []engine.Run) []column {
	base := baseColumns()
	params, metrics := extraNames(runs, p.configured)
	extra := make([]column, 0, len(params)+len(metrics))
	for _, name := range params {
		extra = append(extra, paramColumn(name))
	}
	for _, name := range metrics {
		c := metricColumn(name)
		if slices.Contains(params, name) {
			c.title = "m." + name
			c.width = max(c.width, len(c.title))
		}
		extra = append(extra, c)
	}
	byPriority := slices.Clone(base[:4])
	if len(metrics) > 0 {
		byPriority = append(byPriority, extra[len(params)])
	}
	byPriority = append(byPriority, base[4:]...)
	for i, c := range extra {
		if len(metrics) == 0 || i != len(params) {
			byPriority = append(byPriority, c)
		}
	}
	room := p.width - 2 // the cursor and the mark
	var chosen []column
	for _, c := range byPriority {
		if room >= c.width+1 || len(chosen) < 3 {
			chosen = append(chosen, c)
			room -= c.width + 1
		}
	}
	order := func(c column) int {
		if i := slices.Index(tableOrder, c.title); i >= 0 {
			return i
		}
		return len(tableOrder) + slices.IndexFunc(extra, func(e column) bool { return e.title == c.title })
	}
	slices.SortStableFunc(chosen, func(a, b column) int { return cmp.Compare(order(a), order(b)) })
	return chosen
}

// rows is the table: the runs the filter keeps (all of them without one),
// in the chosen order. It is derived again only when the runs, the
// filter's runs, the order or the width changed.
func (p *runsPage) rows() ([]engine.Run, []column) {
	c := &p.cache
	if c.rows != nil && c.version == p.st.version && c.filterVersion == p.filterVersion && c.sortBy == p.sortBy && c.desc == p.desc && c.width == p.width {
		return c.rows, c.cols
	}
	c.version, c.filterVersion, c.sortBy, c.desc, c.width = p.st.version, p.filterVersion, p.sortBy, p.desc, p.width
	var rows []engine.Run
	if p.applied == "" {
		rows = slices.Clone(p.st.runs)
	} else {
		// The runs the engine gave, as the app knows them now.
		at := make(map[string]int, len(p.st.runs))
		for i, r := range p.st.runs {
			at[r.ID] = i
		}
		rows = make([]engine.Run, len(p.filtered))
		for i, r := range p.filtered {
			if j, ok := at[r.ID]; ok {
				r = p.st.runs[j]
			}
			rows[i] = r
		}
	}
	c.cols = p.layout(p.st.runs)
	if i := slices.IndexFunc(c.cols, func(col column) bool { return col.title == p.sortBy }); i >= 0 {
		sortRuns(rows, c.cols[i].key, p.desc)
	}
	c.rows = rows
	return c.rows, c.cols
}

// sortRuns orders runs by a column's key; runs without a value come last
// whichever the direction, and ties keep the engine's order.
func sortRuns(runs []engine.Run, key func(engine.Run) (float64, string, bool), desc bool) {
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
	slices.SortStableFunc(runs, func(a, b engine.Run) int {
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
func (p *runsPage) selection() []engine.Run {
	if len(p.marked) > 0 {
		return p.markedRuns()
	}
	if rows, _ := p.rows(); p.cursor < len(rows) {
		return rows[p.cursor : p.cursor+1 : p.cursor+1]
	}
	return nil
}

// markedRuns is the marked runs in the table's order, then those the
// filter hides.
func (p *runsPage) markedRuns() []engine.Run {
	rows, _ := p.rows()
	var out []engine.Run
	seen := map[string]bool{}
	for _, list := range [][]engine.Run{rows, p.st.runs} {
		for _, r := range list {
			if p.marked[r.ID] && !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// Messages of the runs table's own I/O.
type (
	// actedMsg reports what an action on runs did.
	actedMsg struct{ note string }
	// filteredMsg is the runs a filter expression keeps.
	filteredMsg struct {
		expr string
		runs []engine.Run
		err  error
	}
	// removedMsg is what the engine did with runs asked to be removed; the
	// app takes the removed ones out of its state.
	removedMsg struct {
		res engine.RemoveResult
		err error
	}
	// compareMarkedMsg asks for the comparison of the marked runs (from
	// the palette).
	compareMarkedMsg struct{}
)

func describeRuns(runs []engine.Run) string {
	if len(runs) == 1 {
		return runs[0].Name
	}
	return strconv.Itoa(len(runs)) + " runs"
}

func (p *runsPage) Update(msg tea.Msg) (page, tea.Cmd) {
	var k tea.KeyMsg
	switch msg := msg.(type) {
	case actedMsg:
		p.note = msg.note
		return p, nil
	case filteredMsg:
		p.setFiltered(msg)
		return p, nil
	case removedMsg:
		p.removed(msg)
		return p, nil
	case compareMarkedMsg:
		return p, p.compare()
	case tea.KeyMsg:
		k = msg
	default:
		return p, nil
	}
	if p.confirm != nil {
		c := p.confirm
		switch {
		case key.Matches(k, p.keys.Yes):
			p.confirm = nil
			return p, c.yes
		case key.Matches(k, p.keys.No), k.Type == tea.KeyEsc:
			p.confirm, p.note = nil, ""
		}
		return p, nil
	}
	if p.typing {
		return p, p.typeFilter(k)
	}
	rows, cols := p.rows()
	n := len(rows)
	switch {
	case key.Matches(k, p.keys.Filter):
		p.typing, p.typed = true, p.filter
		p.parseTyped()
		p.clampCursor() // the prompt takes a line
		return p, nil
	case k.Type == tea.KeyEsc:
		// esc clears, one thing at a time: the marks, then the filter.
		if len(p.marked) > 0 {
			clear(p.marked)
		} else {
			p.clearFilter()
		}
	case key.Matches(k, p.keys.Mark) && p.cursor < n:
		if id := rows[p.cursor].ID; p.marked[id] {
			delete(p.marked, id)
		} else {
			p.marked[id] = true
		}
		p.cursor++
	case key.Matches(k, p.keys.MarkAll):
		if len(p.marked) == n {
			clear(p.marked)
		} else {
			for _, r := range rows {
				p.marked[r.ID] = true
			}
		}
	case key.Matches(k, p.keys.Sort):
		p.sortBy = nextSort(cols, p.sortBy)
		p.desc = false
	case key.Matches(k, p.keys.Reverse):
		if p.sortBy == "" {
			p.sortBy = nextSort(cols, "")
		}
		p.desc = !p.desc
	case key.Matches(k, p.keys.Compare):
		return p, p.compare()
	case key.Matches(k, p.keys.Remove):
		return p, p.askRemove()
	case key.Matches(k, p.keys.Kill):
		return p, p.askKill()
	case key.Matches(k, p.keys.Rerun):
		return p, p.askRerun()
	case key.Matches(k, p.keys.Down):
		p.cursor++
	case key.Matches(k, p.keys.Up):
		p.cursor--
	case key.Matches(k, p.keys.Top):
		p.cursor = 0
	case key.Matches(k, p.keys.Bottom):
		p.cursor = n - 1
	case key.Matches(k, p.keys.PageDown):
		p.cursor += p.room() / 2
	case key.Matches(k, p.keys.PageUp):
		p.cursor -= p.room() / 2
	case key.Matches(k, p.keys.Open), key.Matches(k, p.keys.Logs):
		if p.cursor < n {
			m := openRunMsg{id: rows[p.cursor].ID}
			if key.Matches(k, p.keys.Logs) {
				m.tab = tabLogs
			}
			return p, func() tea.Msg { return m }
		}
	}
	p.clampCursor()
	return p, nil
}

// typeFilter takes a key while a filter expression is typed: enter asks
// the engine for the runs it keeps (when it parses), esc shows all runs.
func (p *runsPage) typeFilter(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEnter:
		if p.typedErr != nil {
			return nil // the error shows under the expression
		}
		p.typing = false
		expr := strings.TrimSpace(p.typed)
		if expr == "" {
			p.clearFilter()
			return nil
		}
		p.filter = expr
		query := p.act.query
		return func() tea.Msg {
			runs, err := query(expr)
			return filteredMsg{expr: expr, runs: runs, err: err}
		}
	case tea.KeyEsc:
		p.typing, p.typed, p.typedErr = false, "", nil
		p.clearFilter()
		return nil
	case tea.KeyBackspace:
		if r := []rune(p.typed); len(r) > 0 {
			p.typed = string(r[:len(r)-1])
		}
	case tea.KeyRunes, tea.KeySpace:
		p.typed += string(k.Runes)
	default:
		return nil
	}
	p.parseTyped()
	return nil
}

// parseTyped parses the expression being typed, to show where it goes
// wrong as it is typed.
func (p *runsPage) parseTyped() {
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
func (p *runsPage) clearFilter() {
	if p.filter == "" && p.applied == "" {
		return
	}
	p.filter, p.applied, p.filtered = "", "", nil
	p.filterVersion++
	p.cursor, p.top = 0, 0
}

// setFiltered takes the runs the engine gave for a filter, unless another
// was asked for since.
func (p *runsPage) setFiltered(msg filteredMsg) {
	if msg.expr != p.filter {
		return
	}
	if msg.err != nil {
		p.note = "the filter failed: " + msg.err.Error()
		p.filter = p.applied
		return
	}
	p.applied, p.filtered = msg.expr, msg.runs
	p.filterVersion++
	p.cursor, p.top = 0, 0
}

// compare opens the comparison of the marked runs.
func (p *runsPage) compare() tea.Cmd {
	sel := p.markedRuns()
	if len(sel) < 2 {
		p.note = "mark two runs or more with space to compare"
		return nil
	}
	ids := make([]string, len(sel))
	for i, r := range sel {
		ids[i] = r.ID
	}
	return func() tea.Msg { return openCompareMsg{ids: ids} }
}

// askRemove asks before removing the selection's runs.
func (p *runsPage) askRemove() tea.Cmd {
	sel := p.selection()
	if len(sel) == 0 {
		return nil
	}
	ids := make([]string, len(sel))
	for i, r := range sel {
		ids[i] = r.ID
	}
	they := "They"
	if len(sel) == 1 {
		they = "It"
	}
	remove := p.act.remove
	p.confirm = &confirmation{
		question: fmt.Sprintf("remove %s? %s can be restored for %d days (lathe restore).", describeRuns(sel), they,
			int(engine.RetainRemoved/(24*time.Hour))),
		yes: func() tea.Msg {
			res, err := remove(ids)
			return removedMsg{res: res, err: err}
		},
	}
	return nil
}

// removed notes what a removal did; the app has taken the removed runs out
// of its state.
func (p *runsPage) removed(msg removedMsg) {
	gone := map[string]bool{}
	for _, r := range msg.res.Runs {
		gone[r.ID] = true
		delete(p.marked, r.ID)
	}
	if len(gone) > 0 && p.applied != "" {
		p.filtered = slices.DeleteFunc(slices.Clone(p.filtered), func(r engine.Run) bool { return gone[r.ID] })
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
	p.clampCursor()
}

// nextSort is the column after cur to sort by; after the last, the
// engine's order again.
func nextSort(cols []column, cur string) string {
	i := slices.IndexFunc(cols, func(c column) bool { return c.title == cur })
	if i+1 < len(cols) {
		return cols[i+1].title
	}
	return ""
}

func (p *runsPage) clampCursor() {
	rows, _ := p.rows()
	p.cursor = min(max(p.cursor, 0), max(len(rows)-1, 0))
	// Keep the cursor in view.
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+p.room() {
		p.top = p.cursor - p.room() + 1
	}
}

// askKill asks before killing the selection's runs that still run.
func (p *runsPage) askKill() tea.Cmd {
	var live []engine.Run
	for _, r := range p.selection() {
		if r.Status == "running" || r.Status == "queued" {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		p.note = "nothing to kill: no marked run is running or queued"
		return nil
	}
	kill := p.act.kill
	p.confirm = &confirmation{question: "kill " + describeRuns(live) + "?", yes: func() tea.Msg {
		for _, r := range live {
			if err := kill(r.ID); err != nil {
				return actedMsg{note: err.Error()}
			}
		}
		return actedMsg{note: "killing " + describeRuns(live)}
	}}
	return nil
}

// askRerun opens the submit form on one run's spec, or asks before
// starting several again as they were.
func (p *runsPage) askRerun() tea.Cmd {
	sel := p.selection()
	switch len(sel) {
	case 0:
		return nil
	case 1:
		return p.act.rerun(sel[0])
	}
	submit := p.act.submit
	p.confirm = &confirmation{question: "start " + describeRuns(sel) + " again with the same spec?", yes: func() tea.Msg {
		for _, r := range sel {
			if err := submit(rerunRequest(r)); err != nil {
				return actedMsg{note: r.Name + ": " + err.Error()}
			}
		}
		return actedMsg{note: "queued " + describeRuns(sel) + " again"}
	}}
	return nil
}

// rerunRequest is the spec of a run, to start it again, tagged rerun_of
// with the run's id. The environment is not in it: the record keeps it
// redacted, so a re-run takes the app's.
func rerunRequest(r engine.Run) engine.SubmitRequest {
	tags := maps.Clone(r.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags["rerun_of"] = r.ID
	return engine.SubmitRequest{Name: r.Name, Experiment: r.Experiment, Command: r.Command, Cwd: r.Cwd,
		Params: r.Params, Tags: tags, Priority: r.Priority, GPUs: r.GPUs, GPUIDs: r.GPUIDs,
		MinGPUMem: r.MinGPUMem, Parse: r.Parse}
}

// room is how many runs fit between the table's header and its status
// line (two lines while a filter is typed: the expression, and under it
// where it goes wrong or the count).
func (p *runsPage) room() int { return max(1, p.height-2-boolInt(p.typing)) }

func (p *runsPage) View() string {
	s := p.styles
	now := p.st.now()
	if len(p.st.runs) == 0 {
		if !p.st.loaded {
			return s.Muted.Render("loading the runs…")
		}
		return s.Muted.Render("no runs yet: press n to start one, or run `lathe run -- COMMAND`")
	}
	rows, cols := p.rows()
	var b strings.Builder
	head := "  "
	for _, c := range cols {
		t := c.title
		if t == p.sortBy {
			t += map[bool]string{false: "▲", true: "▼"}[p.desc]
		}
		head += cell(t, c.width, c.right) + " "
	}
	b.WriteString(s.Title.Render(fitWidth(head, p.width)) + "\n")
	end := min(len(rows), p.top+p.room())
	for i := p.top; i < end; i++ {
		r := rows[i]
		// Marks as well as colours: the cursor and the marks must show
		// without colour.
		line := " "
		if i == p.cursor {
			line = "›"
		}
		if p.marked[r.ID] {
			line += "●"
		} else {
			line += " "
		}
		for _, c := range cols {
			text := cell(c.cell(r, now), c.width, c.right)
			if c.title == "STATUS" && i != p.cursor {
				text = s.status(string(r.Status)).Render(text)
			}
			line += text + " "
		}
		line = fitWidth(line, p.width)
		if i == p.cursor {
			line = s.Selected.Render(padRight(line, p.width))
		}
		b.WriteString(line + "\n")
	}
	b.WriteString(p.statusLine(len(rows)))
	return b.String()
}

// cell fits text to a column's width, aligned.
func cell(text string, w int, right bool) string {
	text = fitWidth(text, w)
	if right {
		return strings.Repeat(" ", max(0, w-ansi.StringWidth(text))) + text
	}
	return padRight(text, w)
}

// statusLine is the question being asked, or the filter, the marks, the
// count and the last action's outcome. While a filter is typed it is two
// lines: the expression, and under it where the expression goes wrong (a
// caret under the column), or the rest.
func (p *runsPage) statusLine(shown int) string {
	s := p.styles
	if p.confirm != nil {
		return s.Warn.Render(fitWidth(p.confirm.question+" y/n", p.width))
	}
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
		if shown >= runsLimit {
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
	if len(p.marked) > 0 {
		count += fmt.Sprintf(", %d marked", len(p.marked))
	}
	if p.filter != "" && !p.typing {
		parts = append(parts, s.Accent.Render("/"+p.filter))
	}
	parts = append(parts, s.Muted.Render(count))
	if p.note != "" {
		parts = append(parts, s.Muted.Render(p.note))
	}
	line := fitWidth(strings.Join(parts, "  "), p.width)
	if !p.typing {
		return line
	}
	typed := p.typed
	if e := p.typedErr; e != nil {
		// The expression as the error shows it (blanks as spaces), and its
		// caret line under it, after the "/".
		var caret string
		typed, caret, _ = strings.Cut(e.Caret(), "\n")
		line = s.Error.Render(fitWidth(" "+caret+" "+e.Msg, p.width))
	}
	return s.Accent.Render(fitWidth("/"+typed+"█", p.width)) + "\n" + line
}
