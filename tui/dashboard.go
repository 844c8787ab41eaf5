package tui

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
)

// dashboard is the first page: the GPUs, the jobs, and what needs looking
// at. Its rows (the jobs, then the attention box's items) take a cursor:
// enter opens the run or what the item names, x kills the run (after the
// runs table's question), D dismisses an item; v opens the oldest
// promotion waiting for the user's review, d the drift of the first model
// whose drift alerts.
type dashboard struct {
	st            *state
	styles        styles.Styles
	keys          KeyMap
	width, height int
	kill          func(id string) error

	// sel is the key of the row the user put the cursor on (a dashRow's
	// key), followed across changes of the rows; at is its index when last
	// seen, where the cursor stays when its row goes.
	sel string
	at  int
	// dismissed are the attention items the user put away, by key.
	dismissed map[string]bool
	// note is what the last action did.
	note string

	drawn gpuDrawings
}

// dashRow is a row the cursor goes over: a job, or an item of the
// attention box.
type dashRow struct {
	key string
	run string // the run it is or names, if any
	// item is the attention item; nil for a job.
	item *attentionItem
}

// attentionItem is something the user should look at, and what enter
// opens of it.
type attentionItem struct {
	key        string // what it is about, for dismissing: "failed:<run id>"
	mark, text string
	run        string  // the run it names, if any
	open       tea.Cmd // what enter does
}

// Messages of the dashboard's and the GPUs page's actions.
type (
	// pageNoteMsg is what an action did, for the page that acted.
	pageNoteMsg struct {
		page pageID
		note string
	}
	// openGPUMsg shows a device on the GPUs page.
	openGPUMsg struct{ index int }
)

// gpuDrawings are each GPU's sparkline and heat strip, drawn from the GPU
// history again only when a new report came (or the width changed), not
// at every frame.
type gpuDrawings struct {
	version, width int
	trends, heat   map[int]string // by device index
}

func newDashboard(st *state, s styles.Styles, k KeyMap, kill func(id string) error) *dashboard {
	return &dashboard{st: st, styles: s, keys: k, kill: kill, dismissed: map[string]bool{}}
}

func (d *dashboard) Title() string    { return "Dashboard" }
func (d *dashboard) SetSize(w, h int) { d.width, d.height = w, h }
func (d *dashboard) Capturing() bool  { return false }

// rows are the jobs, running then queued, then the attention items the
// user has not dismissed.
func (d *dashboard) rows() []dashRow {
	running, queued := d.activeRuns()
	var rows []dashRow
	for _, r := range append(running, queued...) {
		rows = append(rows, dashRow{key: "run:" + r.ID, run: r.ID})
	}
	for _, it := range d.attentionItems() {
		rows = append(rows, dashRow{key: it.key, run: it.run, item: &it})
	}
	return rows
}

// cursor is the index of the selected row in rows (-1 when there are
// none): the row the user chose, where it is now, else the place it was
// at (the first row before any choice).
func (d *dashboard) cursor(rows []dashRow) int {
	if len(rows) == 0 {
		return -1
	}
	if i := slices.IndexFunc(rows, func(r dashRow) bool { return r.key == d.sel }); i >= 0 {
		d.at = i
		return i
	}
	return min(d.at, len(rows)-1)
}

func (d *dashboard) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case pageNoteMsg:
		d.note = msg.note
	case tea.KeyMsg:
		cmd = d.key(msg)
	}
	d.updateKeys()
	return d, cmd
}

func (d *dashboard) key(k tea.KeyMsg) tea.Cmd {
	rows := d.rows()
	i := d.cursor(rows)
	if i >= 0 {
		d.sel = rows[i].key // acted on: the cursor follows this row now
	}
	keys := d.keys
	switch {
	case key.Matches(k, keys.Table.Down) && i+1 < len(rows):
		d.sel, d.at = rows[i+1].key, i+1
	case key.Matches(k, keys.Table.Up) && i > 0:
		d.sel, d.at = rows[i-1].key, i-1
	case key.Matches(k, keys.Review) && len(d.st.mine) > 0:
		return openReviewCmd(d.st.mine[0])
	case key.Matches(k, keys.Drift):
		if alerts := d.st.driftAlerts(); len(alerts) > 0 {
			name := alerts[0].Name
			return func() tea.Msg { return openDriftMsg{model: name} }
		}
	case i < 0:
	case key.Matches(k, keys.Open):
		return rows[i].open()
	case key.Matches(k, keys.Kill):
		return askKillRun(d.st, dashboardPage, rows[i].run, d.kill)
	case key.Matches(k, keys.Dismiss) && rows[i].item != nil:
		d.dismissed[rows[i].key] = true
		d.note = "dismissed: " + ansi.Strip(rows[i].item.text)
	}
	return nil
}

// open is what enter does on a row: a job opens its run, an item what it
// names.
func (r dashRow) open() tea.Cmd {
	if r.item != nil {
		return r.item.open
	}
	return openRunCmd(r.run)
}

func openRunCmd(id string) tea.Cmd { return func() tea.Msg { return openRunMsg{id: id} } }

func openReviewCmd(r api.Request) tea.Cmd {
	return func() tea.Msg { return openReviewMsg{model: r.Model, id: r.ID} }
}

// askKillRun asks, as the runs table does, before killing a run that
// still runs; the answer is a note for the page that asked.
func askKillRun(st *state, from pageID, id string, kill func(string) error) tea.Cmd {
	r, ok := st.run(id)
	if !ok || !runLive(r) {
		return nil
	}
	return ask(from, "kill "+r.Name+"?", func() tea.Msg {
		if err := kill(r.ID); err != nil {
			return pageNoteMsg{page: from, note: err.Error()}
		}
		return pageNoteMsg{page: from, note: "killing " + r.Name}
	})
}

// runLive reports whether a run can still be killed.
func runLive(r api.Run) bool { return r.Status == api.Running || r.Status == api.Queued }

// updateKeys enables the keys that act on the row under the cursor.
func (d *dashboard) updateKeys() {
	rows := d.rows()
	i := d.cursor(rows)
	k := &d.keys
	k.Table.Down.SetEnabled(i+1 < len(rows))
	k.Table.Up.SetEnabled(i > 0)
	k.Open.SetEnabled(i >= 0 && rows[i].open() != nil)
	live := false
	if i >= 0 {
		r, ok := d.st.run(rows[i].run)
		live = ok && runLive(r)
	}
	k.Kill.SetEnabled(live)
	k.Dismiss.SetEnabled(i >= 0 && rows[i].item != nil)
}

// The dashboard's keys: those that act on the row under the cursor, and
// v and d while a request waits for the user and while a model's drift
// alerts; the frame's go from it.
func (d *dashboard) ShortHelp() []key.Binding {
	d.updateKeys()
	k := d.keys
	return append(keyhelp.Enabled(k.Open, k.Kill, k.Dismiss), d.attentionKeys()...)
}

func (d *dashboard) FullHelp() [][]key.Binding {
	d.updateKeys()
	k := d.keys
	rows := keyhelp.Rows([]key.Binding{k.Table.Down, k.Table.Up}, []key.Binding{k.Open}, []key.Binding{k.Kill}, []key.Binding{k.Dismiss})
	for _, b := range d.attentionKeys() {
		rows = append(rows, []key.Binding{b})
	}
	return rows
}

func (d *dashboard) attentionKeys() []key.Binding {
	var out []key.Binding
	if len(d.st.mine) > 0 {
		out = append(out, d.keys.Review)
	}
	if len(d.st.driftAlerts()) > 0 {
		out = append(out, d.keys.Drift)
	}
	return out
}

// View lays out the GPUs, the jobs and the attention box, the heat strip
// of utilisation when there is room for it, and the last action's note.
func (d *dashboard) View() string {
	rows := d.rows()
	cur := ""
	if i := d.cursor(rows); i >= 0 {
		cur = rows[i].key
	}
	var items []attentionItem
	for _, r := range rows {
		if r.item != nil {
			items = append(items, *r.item)
		}
	}
	parts := []string{d.gpus(), d.jobs(cur)}
	if att := d.attention(items, cur); att != "" {
		parts = append(parts, att)
	}
	// After what needs looking at: where the height is short, that stays.
	if cl := d.cluster(); cl != "" {
		parts = append(parts, cl)
	}
	if d.note != "" {
		parts = append(parts, d.styles.Muted.Render(format.Fit(d.note, d.width)))
	}
	used := 0
	for _, p := range parts {
		used += strings.Count(strings.TrimRight(p, "\n"), "\n") + 2 // its lines and a blank one
	}
	// The strip is a title, a row a GPU and the time axis.
	if n := len(d.st.gpus.GPUs); n > 0 && used+n+3 <= d.height {
		parts = append(parts[:1], append([]string{d.heat()}, parts[1:]...)...)
	}
	for i, p := range parts {
		parts[i] = strings.TrimRight(p, "\n")
	}
	return strings.Join(parts, "\n\n")
}

// selectable draws a row the cursor goes over: a mark before it, and the
// whole line reversed while selected.
func (d *dashboard) selectable(line string, selected bool) string {
	if !selected {
		return format.Fit(" "+line, d.width)
	}
	return d.styles.Selected.Render(format.Pad(format.Fit("›"+line, d.width), d.width))
}

// heatWindow is how far back the heat strip reaches.
const heatWindow = time.Hour

// heat draws each GPU's utilisation over the last hour as a strip of
// shades, one cell per step, oldest on the left.
func (d *dashboard) heat() string {
	s := d.styles
	if len(d.st.gpus.GPUs) == 0 {
		return ""
	}
	cells := max(10, d.width-8)
	step := heatWindow / time.Duration(cells)
	var b strings.Builder
	b.WriteString(s.Title.Render("Utilisation, last hour") + s.Muted.Render(fmt.Sprintf("  one cell is %s; ░▒▓█ = 25/50/75/100%%", format.Duration(step))) + "\n")
	for _, g := range d.st.gpus.GPUs {
		b.WriteString(fmt.Sprintf(" %-3d %s\n", g.Index, d.history().heat[g.Index]))
	}
	ago := "-" + format.Duration(heatWindow)
	b.WriteString(s.Muted.Render("     " + ago + strings.Repeat(" ", max(1, cells-len(ago)-3)) + "now"))
	return b.String()
}

// history draws each GPU's 5-minute sparkline and hour-long heat strip
// when the history has moved since the last drawing.
func (d *dashboard) history() *gpuDrawings {
	c := &d.drawn
	if c.trends != nil && c.version == d.st.gpuVersion && c.width == d.width {
		return c
	}
	c.version, c.width = d.st.gpuVersion, d.width
	c.trends, c.heat = map[int]string{}, map[int]string{}
	cells := max(10, d.width-8)
	for _, g := range d.st.gpus.GPUs {
		c.trends[g.Index] = d.styles.Running.Render(format.Sparkline(d.st.gpuUtil(g.Index, 10, 30*time.Second), 10, 0, 100))
		c.heat[g.Index] = d.styles.Running.Render(heatStrip(d.st.gpuUtil(g.Index, cells, heatWindow/time.Duration(cells))))
	}
	return c
}

var shades = []rune("▁░▒▓█")

// heatStrip draws percentages as shades (idle is a low line); a cell
// without a reading is a dot.
func heatStrip(vals []float64) string {
	out := make([]rune, len(vals))
	for i, v := range vals {
		if v != v {
			out[i] = '·'
			continue
		}
		out[i] = shades[min(max(int(math.Ceil(v/25)), 0), 4)]
	}
	return string(out)
}

// host is the machine's CPU, memory and disk at the last reading, a line
// under the GPUs; "" when the engine does not read them.
func (d *dashboard) host() string {
	h := d.st.gpus.Host
	if h == nil {
		return ""
	}
	s := d.styles
	frac := func(used, total uint64) float64 {
		if total == 0 {
			return math.NaN()
		}
		return float64(used) / float64(total)
	}
	barW := max(6, (d.width-72)/3)
	line := fmt.Sprintf(" host  cpu %s %3.0f%% of %d  mem %s %s/%sG  disk %s %s/%sG",
		s.Running.Render(format.Bar(h.CPUPercent/100, barW)), h.CPUPercent, h.Cores,
		s.Accent.Render(format.Bar(frac(h.MemUsed, h.MemTotal), barW)), format.GiBs(h.MemUsed), format.GiBs(h.MemTotal),
		s.Accent.Render(format.Bar(frac(h.DiskUsed, h.DiskTotal), barW)), format.GiBs(h.DiskUsed), format.GiBs(h.DiskTotal))
	return format.Fit(line, d.width) + "\n"
}

// gpus is the GPUs a line each, and the host's load under them.
func (d *dashboard) gpus() string { return d.gpuRows() + d.host() }

func (d *dashboard) gpuRows() string {
	s := d.styles
	rep := d.st.gpus
	var b strings.Builder
	b.WriteString(s.Title.Render("GPUs") + "\n")
	if len(rep.GPUs) == 0 {
		msg := "no GPUs"
		if rep.Info.Notice != "" {
			msg = rep.Info.Notice
		}
		b.WriteString(s.Muted.Render("  "+format.Fit(msg, d.width-2)) + "\n")
		return b.String()
	}
	barW := max(6, (d.width-72)/3)
	for _, g := range rep.GPUs {
		line := fmt.Sprintf(" %d %-12s", g.Index, format.Fit(strings.TrimPrefix(g.Name, "NVIDIA "), 12))
		smp := g.Sample
		if smp == nil || smp.Lost {
			state := "n/a"
			if smp != nil {
				state = "LOST"
			}
			b.WriteString(line + " " + s.Error.Render(state) + "\n")
			continue
		}
		util, mem := math.NaN(), math.NaN()
		utilText, memText, temp, power := " n/a", "   n/a", "n/a", "n/a"
		if smp.UtilGPU != nil {
			util = float64(*smp.UtilGPU) / 100
			utilText = fmt.Sprintf("%3d%%", *smp.UtilGPU)
		}
		if smp.MemoryUsed != nil && g.MemoryTotal > 0 {
			mem = float64(*smp.MemoryUsed) / float64(g.MemoryTotal)
			memText = fmt.Sprintf("%5sG", format.GiBs(*smp.MemoryUsed))
		}
		if smp.TemperatureC != nil {
			temp = fmt.Sprintf("%d°C", *smp.TemperatureC)
		}
		if smp.PowerW != nil {
			power = fmt.Sprintf("%.0fW", *smp.PowerW)
		}
		job := "-"
		if g.LeasedByName != "" {
			job = g.LeasedByName
		}
		line += fmt.Sprintf(" %s %s  %s %s  %5s %5s %s  %s",
			s.Running.Render(format.Bar(util, barW)), utilText, s.Accent.Render(format.Bar(mem, barW)), memText, temp, power, d.history().trends[g.Index], job)
		b.WriteString(format.Fit(line, d.width) + "\n")
	}
	return b.String()
}

// activeRuns are the running runs, the longest running first, and the
// queued ones, the longest waiting first: a run that starts goes under
// the others, so the rows do not move under the cursor.
func (d *dashboard) activeRuns() (running, queued []api.Run) {
	for _, r := range d.st.runs {
		switch r.Status {
		case api.Running:
			running = append(running, r)
		case api.Queued:
			queued = append(queued, r)
		}
	}
	since := func(r api.Run) time.Time {
		if r.Started != nil {
			return *r.Started
		}
		return r.Created
	}
	oldest := func(a, b api.Run) int { return cmp.Or(since(a).Compare(since(b)), cmp.Compare(a.ID, b.ID)) }
	slices.SortFunc(running, oldest)
	slices.SortFunc(queued, oldest)
	return running, queued
}

func (d *dashboard) jobs(cur string) string {
	s := d.styles
	now := d.st.now()
	running, queued := d.activeRuns()
	var b strings.Builder
	b.WriteString(s.Title.Render(fmt.Sprintf("Jobs: %d running, %d queued", len(running), len(queued))) + "\n")
	nameW, sparkW := 18, 20
	if d.width < 100 {
		sparkW = 10
	}
	for _, r := range running {
		if r.Queue != nil && r.Queue.Pending {
			// Handed to a cluster, waiting in its queue: why, in its words.
			line := fmt.Sprintf("%s %-*s %s", s.Warn.Render("○"), nameW, format.Fit(r.Name, nameW), s.Muted.Render(r.Waiting))
			b.WriteString(d.selectable(line, cur == "run:"+r.ID) + "\n")
			continue
		}
		line := fmt.Sprintf("%s %-*s %7s  %s", s.Running.Render("●"), nameW, format.Fit(r.Name, nameW), format.Elapsed(r.Started, r.Ended, now),
			format.Sparkline(d.st.trend[r.ID], sparkW, math.NaN(), math.NaN()))
		if m := mainMetric(r); m != "" {
			line += fmt.Sprintf(" %s %s", m, format.Number(float64(r.Metrics[m].Last), 4))
		}
		if r.Total > 0 {
			step := progressStep(r)
			line += fmt.Sprintf(" %s %d/%d %s", format.Bar(float64(step)/float64(r.Total), 8), step, r.Total, eta(r, now))
		}
		if u := d.procText(r.ID); u != "" {
			line += "  " + u
		}
		b.WriteString(d.selectable(line, cur == "run:"+r.ID) + "\n")
	}
	for _, r := range queued {
		line := fmt.Sprintf("%s %-*s %s", s.Warn.Render("○"), nameW, format.Fit(r.Name, nameW), s.Muted.Render(r.Waiting))
		b.WriteString(d.selectable(line, cur == "run:"+r.ID) + "\n")
	}
	if len(running)+len(queued) == 0 {
		b.WriteString(s.Muted.Render("  nothing runs: start a job with `lathe run -- python3 train.py`") + "\n")
	}
	return b.String()
}

// attentionItems are what a user should look at: the promotions waiting
// for their review, the models whose drift alerts, failed jobs of the
// last day, jobs waiting long, metric lines a job wrote that could not be
// read, GPUs hot or lost; less what the user dismissed.
func (d *dashboard) attentionItems() []attentionItem {
	s := d.styles
	now := d.st.now()
	var items []attentionItem
	add := func(it attentionItem) {
		if !d.dismissed[it.key] {
			items = append(items, it)
		}
	}
	if n := len(d.st.mine); n > 0 {
		r := d.st.mine[0]
		text := fmt.Sprintf("1 promotion waits for your review: v opens %s v%d (request #%d)", r.Model, r.Version, r.ID)
		if n > 1 {
			text = fmt.Sprintf("%d promotions wait for your review: v opens the oldest, %s v%d (request #%d)", n, r.Model, r.Version, r.ID)
		}
		add(attentionItem{key: fmt.Sprintf("review:%d", r.ID), mark: s.Warn.Render("» "), text: text, open: openReviewCmd(r)})
	}
	for i, m := range d.st.driftAlerts() {
		text := m.Name + ": drift alert"
		if n := len(m.DriftAlerting); n > 0 {
			text += " (" + strings.Join(m.DriftAlerting[:min(n, 3)], ", ")
			if n > 3 {
				text += "…"
			}
			text += ")"
		}
		if i == 0 {
			text += ": d opens its drift"
		}
		name := m.Name
		add(attentionItem{key: "drift:" + name, mark: s.Error.Render("▲ "), text: text,
			open: func() tea.Msg { return openDriftMsg{model: name} }})
	}
	for _, r := range d.st.runs {
		if r.Stall != "" && r.Status == api.Running {
			// The engine's, not the run's: said once.
			add(attentionItem{key: "stall", mark: s.Error.Render("■ "), text: r.Stall, run: r.ID, open: openRunCmd(r.ID)})
			break
		}
	}
	for _, r := range d.st.runs {
		recent := r.Ended != nil && now.Sub(*r.Ended) < 24*time.Hour
		if (r.Status == api.Failed || r.Status == api.Lost) && recent {
			add(attentionItem{key: "failed:" + r.ID, mark: s.Error.Render("✗ "), run: r.ID, open: openRunCmd(r.ID),
				text: fmt.Sprintf("%s %s: %s", r.Name, r.Status, r.Reason)})
		}
		if r.Status == api.Queued && now.Sub(r.Created) > 10*time.Minute {
			add(attentionItem{key: "waiting:" + r.ID, mark: s.Warn.Render("… "), run: r.ID, open: openRunCmd(r.ID),
				text: fmt.Sprintf("%s has waited %s: %s", r.Name, format.Duration(now.Sub(r.Created)), r.Waiting)})
		}
		if r.InvalidLines > 0 && (runLive(r) || recent) {
			add(attentionItem{key: "invalid:" + r.ID, mark: s.Warn.Render("! "), run: r.ID, open: openRunCmd(r.ID),
				text: r.Name + ": " + invalidText(r)})
		}
	}
	for _, g := range d.st.gpus.GPUs {
		idx := g.Index
		open := func() tea.Msg { return openGPUMsg{index: idx} }
		switch {
		case g.Sample != nil && g.Sample.Lost:
			add(attentionItem{key: fmt.Sprintf("lost:%d", idx), mark: s.Error.Render("✗ "), open: open,
				text: fmt.Sprintf("GPU %d is lost", idx)})
		case g.Sample != nil && g.Sample.TemperatureC != nil && *g.Sample.TemperatureC >= 85:
			add(attentionItem{key: fmt.Sprintf("hot:%d", idx), mark: s.Warn.Render("! "), open: open,
				text: fmt.Sprintf("GPU %d is hot: %d°C", idx, *g.Sample.TemperatureC)})
		}
	}
	return items
}

// procText is what a run's process tree uses, from the last report: CPU
// as top writes it (of one core) and resident memory; "" when the report
// has none.
func (d *dashboard) procText(id string) string {
	return procText(d.st.gpus, id)
}

func procText(rep api.GPUReport, id string) string {
	u, ok := rep.Procs[id]
	if !ok {
		return ""
	}
	return fmt.Sprintf("cpu %.0f%% rss %s", u.CPUPercent, format.Bytes(u.RSS))
}

// invalidText says how many of a run's metric lines could not be read,
// and the first.
func invalidText(r api.Run) string {
	lines := plural(int(r.InvalidLines), "metric line", "metric lines")
	return fmt.Sprintf("%d %s could not be read; the first: %s", r.InvalidLines, lines, r.FirstInvalid)
}

// attentionShown is how many items the attention box shows at once.
const attentionShown = 5

// attention draws the attention box's items: up to attentionShown, from
// where the one under the cursor shows, and how many more there are.
func (d *dashboard) attention(items []attentionItem, cur string) string {
	if len(items) == 0 {
		return ""
	}
	first := 0
	if i := slices.IndexFunc(items, func(it attentionItem) bool { return it.key == cur }); i >= attentionShown {
		first = i - attentionShown + 1
	}
	var b strings.Builder
	b.WriteString(d.styles.Title.Render("Attention"))
	if first > 0 {
		b.WriteString(d.styles.Muted.Render(fmt.Sprintf("  … %d above", first)))
	}
	for _, it := range items[first:min(len(items), first+attentionShown)] {
		b.WriteString("\n" + d.selectable(it.mark+it.text, it.key == cur))
	}
	if more := len(items) - first - attentionShown; more > 0 {
		b.WriteString("\n" + fmt.Sprintf(" … and %d more", more))
	}
	return b.String()
}

// clusterLines is how many of the cluster's jobs the dashboard lists.
const clusterLines = 6

// cluster is the user's jobs in a cluster's queue (lathe's by their run's
// name), running first; "" when the engine has no cluster to ask.
func (d *dashboard) cluster() string {
	c := d.st.cluster
	if c.Scheduler == "" || !c.Installed {
		return ""
	}
	s := d.styles
	if c.Error != "" {
		return s.Title.Render("Cluster · "+c.Scheduler) + "\n" + s.Warn.Render(format.Fit("  "+c.Error, d.width))
	}
	pending := 0
	for _, j := range c.Jobs {
		if j.Pending {
			pending++
		}
	}
	var b strings.Builder
	b.WriteString(s.Title.Render(fmt.Sprintf("Cluster · %s: %d running, %d pending", c.Scheduler, len(c.Jobs)-pending, pending)) + "\n")
	jobs := slices.Clone(c.Jobs)
	slices.SortStableFunc(jobs, func(a, b api.ClusterJob) int { return cmpBool(a.Pending, b.Pending) })
	for i, j := range jobs {
		if i == clusterLines {
			b.WriteString(s.Muted.Render(fmt.Sprintf("  … %d more: lathe cluster lists them all", len(jobs)-i)) + "\n")
			break
		}
		name := j.Name
		if r, ok := d.st.run(j.Run); ok {
			name = r.Name
		}
		mark, where := s.Running.Render("●"), j.Node
		if j.Pending {
			mark, where = s.Warn.Render("○"), j.Reason
		}
		line := fmt.Sprintf(" %s %-10s %-18s %-9s %8s  %s", mark, format.Fit(j.ID, 10), format.Fit(name, 18),
			format.Fit(j.Partition, 9), j.Elapsed, s.Muted.Render(where))
		b.WriteString(format.Fit(line, d.width) + "\n")
	}
	if len(jobs) == 0 {
		b.WriteString(s.Muted.Render("  no jobs of yours in the queue") + "\n")
	}
	return b.String()
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
