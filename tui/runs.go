package tui

import (
	"cmp"
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
)

// runsPage is the table of every run: sort by any column, filter, mark
// several and act on them.
type runsPage struct {
	st            *state
	styles        Styles
	keys          KeyMap
	act           runActions
	cursor, top   int
	width, height int
	// filter narrows the table to runs whose id, name, experiment or
	// status holds it; filtering is set while it is being typed.
	filter    string
	filtering bool
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
		version        int
		filter, sortBy string
		desc           bool
		width          int
		rows           []engine.Run
		cols           []column
	}
}

// runActions are what the runs table can ask of the engine and the app.
type runActions struct {
	kill   func(id string) error
	rerun  func(r engine.Run) tea.Cmd // opens the submit form filled from r
	submit func(req engine.SubmitRequest) error
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
	if p.confirm != nil {
		return []key.Binding{p.keys.Yes, p.keys.No}
	}
	return []key.Binding{p.keys.Open, p.keys.Mark, p.keys.Filter, p.keys.Sort, p.keys.Kill, p.keys.Rerun, p.keys.Logs}
}

// Capturing reports that the page takes every key (a filter being typed, a
// question asked).
func (p *runsPage) Capturing() bool { return p.filtering || p.confirm != nil }

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

// rows is the table: the runs the filter keeps, in the chosen order. It is
// derived again only when the runs, the filter, the order or the width
// changed.
func (p *runsPage) rows() ([]engine.Run, []column) {
	c := &p.cache
	if c.rows != nil && c.version == p.st.version && c.filter == p.filter && c.sortBy == p.sortBy && c.desc == p.desc && c.width == p.width {
		return c.rows, c.cols
	}
	c.version, c.filter, c.sortBy, c.desc, c.width = p.st.version, p.filter, p.sortBy, p.desc, p.width
	rows := make([]engine.Run, 0, len(p.st.runs))
	f := strings.ToLower(p.filter)
	for _, r := range p.st.runs {
		if f == "" || strings.Contains(strings.ToLower(r.ID+" "+r.Name+" "+r.Experiment+" "+string(r.Status)), f) {
			rows = append(rows, r)
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
	rows, _ := p.rows()
	var out []engine.Run
	if len(p.marked) > 0 {
		for _, r := range p.st.runs {
			if p.marked[r.ID] {
				out = append(out, r)
			}
		}
		return out
	}
	if p.cursor < len(rows) {
		out = append(out, rows[p.cursor])
	}
	return out
}

// actedMsg reports what an action on runs did.
type actedMsg struct{ note string }

func describeRuns(runs []engine.Run) string {
	if len(runs) == 1 {
		return runs[0].Name
	}
	return strconv.Itoa(len(runs)) + " runs"
}

func (p *runsPage) Update(msg tea.Msg) (page, tea.Cmd) {
	if m, ok := msg.(actedMsg); ok {
		p.note = m.note
		return p, nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
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
	if p.filtering {
		switch k.Type {
		case tea.KeyEnter:
			p.filtering = false
		case tea.KeyEsc:
			p.filtering, p.filter = false, ""
		case tea.KeyBackspace:
			if r := []rune(p.filter); len(r) > 0 {
				p.filter = string(r[:len(r)-1])
			}
		case tea.KeyRunes, tea.KeySpace:
			p.filter += string(k.Runes)
		}
		p.cursor, p.top = 0, 0
		return p, nil
	}
	rows, cols := p.rows()
	n := len(rows)
	switch {
	case key.Matches(k, p.keys.Filter):
		p.filtering = true
		return p, nil
	case k.Type == tea.KeyEsc:
		// esc clears, one thing at a time: the marks, then the filter.
		if len(p.marked) > 0 {
			clear(p.marked)
		} else {
			p.filter = ""
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

// room is how many runs fit between the table's header and its status line.
func (p *runsPage) room() int { return max(1, p.height-2) }

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
// count and the last action's outcome.
func (p *runsPage) statusLine(shown int) string {
	s := p.styles
	if p.confirm != nil {
		return s.Warn.Render(fitWidth(p.confirm.question+" y/n", p.width))
	}
	var parts []string
	if p.filtering || p.filter != "" {
		cursor := ""
		if p.filtering {
			cursor = "█"
		}
		parts = append(parts, s.Accent.Render("/"+p.filter+cursor))
	}
	count := fmt.Sprintf("%d runs", len(p.st.runs))
	if shown != len(p.st.runs) {
		count = fmt.Sprintf("%d of %d runs", shown, len(p.st.runs))
	}
	switch {
	case !p.st.loaded:
		count += " (the active ones; loading the others…)"
	case len(p.st.runs) >= runsLimit:
		count += " (the newest; `lathe runs` lists them all)"
	}
	if len(p.marked) > 0 {
		count += fmt.Sprintf(", %d marked", len(p.marked))
	}
	parts = append(parts, s.Muted.Render(count))
	if p.note != "" {
		parts = append(parts, s.Muted.Render(p.note))
	}
	return fitWidth(strings.Join(parts, "  "), p.width)
}
