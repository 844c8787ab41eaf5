package tui

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"lathe/engine/api"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
	"lathe/tui/table"
)

// The sweeps' pages: the sweeps (a top page), a sweep's trials open over
// it, and over those a trial's run or a scatter of the trials. A sweep
// changes without events of its own (its trials are runs, which have
// them), so the page shown reads it again every sweepPoll (the list, or
// the sweep), and both pages read theirs when a run event of a trial
// comes: one request each, coalesced (fetch).

// sweepPoll is how often the sweep page shown reads its sweep, or the
// sweeps page the list, again.
const sweepPoll = 2 * time.Second

// sweepIDTag is the tag the engine puts on each trial's run: its sweep's
// id.
const sweepIDTag = "sweep_id"

// Messages of the sweeps' pages; each names the sweep it is for.
type (
	// sweepChangedMsg says a sweep changed (its id; "" for any): a run
	// event of one of its trials, or an action on it. The pages showing it
	// read it again.
	sweepChangedMsg struct{ id string }
	sweepsMsg       struct {
		sweeps []api.Sweep
		err    error
	}
	sweepMsg struct {
		id    string
		sweep api.Sweep
		err   error
	}
	// openSweepMsg opens a sweep's page.
	openSweepMsg struct{ id string }
)

// loadSweeps has the sweeps' pages read what they show again.
func loadSweeps() tea.Msg { return sweepChangedMsg{} }

// trialSweep is the id of the sweep a run is a trial of, "" for none.
func trialSweep(r api.Run) string { return r.Tags[sweepIDTag] }

// sweepStyle is a sweep's state in its tone: running, stopped (it starts
// no trials), done. The word says it without colour.
func sweepStyle(s styles.Styles, state string) lipgloss.Style {
	switch state {
	case api.SweepRunning:
		return s.Running
	case api.SweepStopped:
		return s.Warn
	case api.SweepDone:
		return s.Ok
	}
	return s.Muted
}

// trialStyle is a trial's state in its tone.
func trialStyle(s styles.Styles, state string) lipgloss.Style {
	switch state {
	case api.TrialRunning:
		return s.Running
	case api.TrialDone:
		return s.Ok
	case api.TrialStopped:
		return s.Warn
	case api.TrialFailed:
		return s.Error
	}
	return s.Muted
}

// The cells of a sweep's progress bar: each state a rune of its own, so
// the bar reads without colour.
var trialBarParts = []struct {
	state string
	r     string
	desc  string
}{
	{api.TrialDone, "█", "done"},
	{api.TrialStopped, "▒", "stopped early"},
	{api.TrialFailed, "✗", "failed"},
	{api.TrialRunning, "▓", "running"},
}

// trialBarLegend says what the bar's runes are.
func trialBarLegend(s styles.Styles) string {
	parts := make([]string, 0, len(trialBarParts)+1)
	for _, p := range trialBarParts {
		parts = append(parts, trialStyle(s, p.state).Render(p.r)+" "+p.desc)
	}
	return strings.Join(append(parts, s.Muted.Render("░")+" to come"), "  ")
}

// trialTotal is how many trials a sweep runs: its max_trials, or for a
// whole grid those started so far.
func trialTotal(sw api.Sweep) int { return max(sw.MaxTrials, len(sw.Trials)) }

// trialCounts are a sweep's trials by the bar's states, in its order.
func trialCounts(sw api.Sweep) []int { return []int{sw.Done, sw.Stopped, sw.Failed, sw.Running} }

// shares splits w cells among counts out of total in proportion, each
// count that is not zero getting a cell at least while there are cells;
// what is left of w stays unshared.
func shares(counts []int, total, w int) []int {
	out := make([]int, len(counts))
	if total <= 0 || w <= 0 {
		return out
	}
	used, sum := 0, 0
	for i, n := range counts {
		sum += n
		// Cumulative rounding: the cells drawn say the whole's proportion.
		end := int(math.Round(float64(min(sum, total)) / float64(total) * float64(w)))
		out[i] = max(end-used, 0)
		used += out[i]
	}
	// A state of one trial among hundreds still shows: it takes its cell
	// from the largest share.
	for i, n := range counts {
		if n > 0 && out[i] == 0 {
			j := 0
			for k := range out {
				if out[k] > out[j] {
					j = k
				}
			}
			if out[j] > 1 {
				out[j]--
				out[i]++
			} else if used < w {
				out[i]++
				used++
			}
		}
	}
	return out
}

// trialBar draws a sweep's trials in w cells: done, stopped early,
// failed, running, then those to come; plain leaves the colours out (the
// table's cursor row).
func trialBar(s styles.Styles, sw api.Sweep, w int, plain bool) string {
	counts := trialCounts(sw)
	cells := shares(counts, trialTotal(sw), w)
	var b strings.Builder
	drawn := 0
	paint := func(st lipgloss.Style, text string) {
		if plain {
			b.WriteString(text)
		} else {
			b.WriteString(st.Render(text))
		}
	}
	for i, n := range cells {
		if n > 0 {
			paint(trialStyle(s, trialBarParts[i].state), strings.Repeat(trialBarParts[i].r, n))
			drawn += n
		}
	}
	if drawn < w {
		paint(s.Muted, strings.Repeat("░", w-drawn))
	}
	return b.String()
}

// trialsEnded is "ended/total" of a sweep's trials.
func trialsEnded(sw api.Sweep) string {
	return fmt.Sprintf("%d/%d", sw.Done+sw.Stopped+sw.Failed, trialTotal(sw))
}

// better reports whether a is a better value of the sweep's metric than
// b; a NaN is never better.
func better(sw api.Sweep, a, b float64) bool {
	switch {
	case math.IsNaN(a):
		return false
	case math.IsNaN(b):
		return true
	case sw.Direction == "min":
		return a < b
	}
	return a > b
}

// bestSoFar is the best value after each ended trial, by trial number
// (NaN until one has a value): how the sweep has improved.
func bestSoFar(sw api.Sweep) []float64 {
	trials := slices.SortedFunc(slices.Values(sw.Trials), func(a, b api.SweepTrial) int { return cmp.Compare(a.Trial, b.Trial) })
	out := make([]float64, 0, len(trials))
	best := math.NaN()
	for _, t := range trials {
		if t.State == api.TrialRunning {
			continue
		}
		if v := float64(t.Value); better(sw, v, best) {
			best = v
		}
		out = append(out, best)
	}
	return out
}

// bestText is a sweep's best value, "acc=0.9722 #3", "—" before one.
func bestText(sw api.Sweep) string {
	if sw.Best == nil {
		return "—"
	}
	return fmt.Sprintf("%s=%s #%d", sw.Metric, format.Short(float64(sw.Best.Value), 4), sw.Best.Trial)
}

// sweepRow is a sweep with its cells drawn when the list or the width
// changes, so that a frame only joins them: the trials' bar and count (in
// colour, and plain for the cursor's row), the best value and its trend.
type sweepRow struct {
	api.Sweep
	trials, trialsPlain, best, trend, started string
}

// trendW and barW are the widths of a sweep's sparkline and bar.
const (
	trendW = 16
	barW   = 16
)

// sweepList is the sweeps, newest first, a row each: its state, a bar of
// its trials, its best value and the best over time. enter opens one.
type sweepList struct {
	eng           Engine
	ctx           context.Context
	st            *state
	styles        styles.Styles
	keys          KeyMap
	width, height int
	table         *table.Model[sweepRow]
	sweeps        []api.Sweep
	loaded        bool
	err           string
	fetch         fetch
	// polled is when the list was last asked for while shown (the tick's
	// clock).
	polled time.Time
	// status is the line under the table.
	status string
}

func newSweepList(ctx context.Context, eng Engine, st *state, s styles.Styles, k KeyMap) *sweepList {
	p := &sweepList{eng: eng, ctx: ctx, st: st, styles: s, keys: k,
		table: table.New(func(r sweepRow) string { return r.ID }, s, k.Table)}
	p.updateKeys()
	return p
}

func (p *sweepList) Title() string   { return "Sweeps" }
func (p *sweepList) Capturing() bool { return false }

func (p *sweepList) SetSize(w, h int) {
	p.width, p.height = w, h
	p.table.SetSize(w, h-1) // the status line
	p.layout()
}

func (p *sweepList) ShortHelp() []key.Binding { return keyhelp.Enabled(p.keys.Open) }

func (p *sweepList) FullHelp() [][]key.Binding {
	return keyhelp.Rows(append(slices.Clone(scrollKeys(p.keys.Table)), []key.Binding{p.keys.Open})...)
}

// updateKeys enables the keys once there is a sweep.
func (p *sweepList) updateKeys() {
	k, t := &p.keys, &p.keys.Table
	for _, b := range []*key.Binding{&k.Open, &t.Down, &t.Up, &t.Top, &t.Bottom, &t.PageDown, &t.PageUp} {
		b.SetEnabled(len(p.sweeps) > 0)
	}
}

// load reads the sweeps.
func (p *sweepList) load() tea.Cmd {
	return func() tea.Msg {
		ss, err := p.eng.Sweeps(p.ctx)
		return sweepsMsg{sweeps: ss, err: err}
	}
}

func (p *sweepList) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case sweepChangedMsg:
		cmd = p.fetch.start(p.load())
	case tickMsg:
		// Shown: the app gives the page its ticks only then.
		if now := time.Time(msg); now.Sub(p.polled) >= sweepPoll {
			p.polled = now
			cmd = p.fetch.start(p.load())
		}
	case sweepsMsg:
		if msg.err != nil {
			p.err = "the sweeps cannot be read: " + msg.err.Error()
		} else {
			p.sweeps, p.loaded, p.err = msg.sweeps, true, ""
		}
		p.layout()
		cmd = p.fetch.done(p.load())
	case tea.KeyMsg:
		cmd = p.key(msg)
	}
	p.updateKeys()
	return p, cmd
}

func (p *sweepList) key(msg tea.KeyMsg) tea.Cmd {
	if key.Matches(msg, p.keys.Open) {
		if r, ok := p.table.Selected(); ok {
			id := r.ID
			return func() tea.Msg { return openSweepMsg{id: id} }
		}
		return nil
	}
	if !key.Matches(msg, p.keys.Table.Mark, p.keys.Table.MarkAll) { // a sweep is not marked
		p.table.Update(msg)
	}
	return nil
}

// layout draws the rows' cells and sets the table's columns from the
// sweeps and the width.
func (p *sweepList) layout() {
	s := p.styles
	now := p.st.now()
	rows := make([]sweepRow, len(p.sweeps))
	names, bests, counts := []string{"NAME"}, []string{"BEST"}, make([]string, len(p.sweeps))
	for i, sw := range p.sweeps {
		counts[i] = trialsEnded(sw)
		names, bests = append(names, sw.Name), append(bests, bestText(sw))
	}
	countW := widest(3, 9, counts...)
	for i, sw := range p.sweeps {
		count := " " + table.Align(counts[i], countW, true)
		rows[i] = sweepRow{Sweep: sw, trials: trialBar(s, sw, barW, false) + count, trialsPlain: trialBar(s, sw, barW, true) + count,
			best: bests[i+1], trend: format.Sparkline(bestSoFar(sw), trendW, math.NaN(), math.NaN()), started: ago(sw.Created, now)}
	}
	cols := []sizedColumn[sweepRow]{
		{Column: table.Column[sweepRow]{Title: "NAME", Width: widest(4, 28, names...), Cell: func(r sweepRow) string { return r.Name }}, min: 10},
		{Column: table.Column[sweepRow]{Title: "STATE", Width: 7, Cell: func(r sweepRow) string { return r.State },
			Style: func(r sweepRow) lipgloss.Style { return sweepStyle(s, r.State) }}, min: 7},
		{Column: table.Column[sweepRow]{Title: "TRIALS", Width: barW + 1 + countW,
			Cell:   func(r sweepRow) string { return r.trialsPlain },
			Styled: func(r sweepRow) string { return r.trials }}, min: barW + 1 + countW},
		{Column: table.Column[sweepRow]{Title: "BEST", Width: widest(4, 28, bests...), Cell: func(r sweepRow) string { return r.best }},
			min: widest(4, 28, bests...)},
		{Column: table.Column[sweepRow]{Title: "BEST SO FAR", Width: trendW, Cell: func(r sweepRow) string { return r.trend },
			Style: func(sweepRow) lipgloss.Style { return s.Accent }}, min: trendW, drop: 1},
		{Column: table.Column[sweepRow]{Title: "METHOD", Width: 6, Cell: func(r sweepRow) string { return r.Method }}, min: 6, drop: 3},
		{Column: table.Column[sweepRow]{Title: "STARTED", Width: 10, Cell: func(r sweepRow) string { return r.started }}, min: 10, drop: 2},
	}
	p.table.SetColumns(fitColumns(cols, p.width))
	p.table.SetRows(rows)
	status := s.Muted.Render(format.Plural(len(p.sweeps), "sweep")+" · ") + trialBarLegend(s)
	if p.err != "" {
		status = s.Error.Render(p.err)
	}
	p.status = format.Fit(status, p.width)
}

func (p *sweepList) View() string {
	s := p.styles
	switch {
	case !p.loaded && p.err != "":
		return s.Error.Render(format.Fit(p.err, p.width))
	case !p.loaded:
		return s.Muted.Render("loading the sweeps…")
	case len(p.sweeps) == 0:
		empty := s.Muted.Render(format.Fit("no sweeps yet: start one with `lathe sweep start FILE`", p.width))
		if p.err != "" {
			empty += "\n" + p.status
		}
		return empty
	}
	return p.table.View() + "\n" + p.status
}
