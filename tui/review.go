package tui

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/chart"
	"lathe/tui/form"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/styles"
	"lathe/tui/table"
)

// The review of a promotion request: the challenger beside the champion it
// was compared with (their metrics with deltas, their curves overlaid,
// their slices), every gate's verdict with its numbers, the approvals, who
// opened it. a approves and x rejects, each after a comment and a
// question; the engine, which knows who asks, may refuse, and the page
// says why in one line.

// Messages of the promotion pages; each names what it is for.
type (
	// openReviewMsg opens the review of a model's request.
	openReviewMsg struct {
		model string
		id    uint64
	}
	// reviewModelMsg is the model a review reads its request from.
	reviewModelMsg struct {
		model string
		m     api.Model
		err   error
	}
	// reviewCurveMsg is a metric's view in the run a version came from.
	reviewCurveMsg struct {
		run, metric string
		buckets     []api.Bucket
		err         error
	}
	// openReviewFormMsg opens the comment box of an approval or a
	// rejection.
	openReviewFormMsg reviewStep
	// reviewedMsg is the engine's answer to an approval or a rejection.
	reviewedMsg struct {
		step reviewStep
		req  api.Request
		err  error
	}
	// promotedMsg is the engine's answer to p on a version's page: the
	// request it opened, or its refusal.
	promotedMsg struct {
		model   string
		version int
		req     api.Request
		err     error
	}
	// requestsMsg is the promotion requests of every model, and those
	// waiting for the user's review.
	requestsMsg struct {
		all, mine []api.Request
		err       error
	}
)

// reviewStep is an approval or a rejection of a request, as the app asks
// for it.
type reviewStep struct {
	approve bool
	model   string
	version int
	id      uint64
}

func (r reviewStep) verb() string {
	if r.approve {
		return "approve"
	}
	return "reject"
}

// title names the step in a header: "Approve digits v3".
func (r reviewStep) title() string {
	if r.approve {
		return fmt.Sprintf("Approve %s v%d", r.model, r.version)
	}
	return fmt.Sprintf("Reject %s v%d", r.model, r.version)
}

// reviewFormID names the comment box of a review in its messages.
const reviewFormID = "review"

// newReviewForm is the comment box of an approval (the comment optional)
// or a rejection (required: the form refuses an empty one).
func newReviewForm(s styles.Styles, k form.KeyMap, step reviewStep) *form.Model {
	f := form.Field{Label: "comment", Hint: "optional · the audit log keeps it with your approval"}
	if !step.approve {
		f.Hint = "required · why: the audit log keeps it with your rejection"
		f.Check = func(v string) error {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("required; say why you reject %s v%d", step.model, step.version)
			}
			return nil
		}
	}
	title := fmt.Sprintf("%s (request #%d)", step.title(), step.id)
	return form.New(form.Config{ID: reviewFormID, Title: title, Fields: []form.Field{f}}, s, k)
}

// requestOpen reports whether a request waits: blocked or pending.
func requestOpen(r api.Request) bool {
	return r.State == api.RequestBlocked || r.State == api.RequestPending
}

// requestStyle is a request's state in its tone: pending waits (warn),
// promoted is done (ok), blocked and failed did not go through (error).
func requestStyle(s styles.Styles, state string) lipgloss.Style {
	switch state {
	case api.RequestPending:
		return s.Warn
	case api.RequestPromoted:
		return s.Ok
	case api.RequestBlocked, api.RequestFailed:
		return s.Error
	}
	return s.Muted
}

// verdictMark is a check's verdict as a mark in its tone: ✓ pass, ✗ fail,
// · not measured.
func verdictMark(s styles.Styles, verdict string) string {
	switch verdict {
	case api.Pass:
		return s.Ok.Render("✓")
	case api.Fail:
		return s.Error.Render("✗")
	}
	return s.Muted.Render("·")
}

// checkCounts says how a request's checks went: "✓5 ✗1 ·1".
func checkCounts(checks []api.Check) string {
	n := map[string]int{}
	for _, c := range checks {
		n[c.Verdict]++
	}
	var parts []string
	for _, v := range []struct{ verdict, mark string }{{api.Pass, "✓"}, {api.Fail, "✗"}, {api.NotMeasured, "·"}} {
		if n[v.verdict] > 0 {
			parts = append(parts, fmt.Sprintf("%s%d", v.mark, n[v.verdict]))
		}
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, " ")
}

// requestVersion names the version a request is about: "v3", or "v1
// rollback" for a champion brought back.
func requestVersion(r api.Request) string {
	if r.Rollback {
		return fmt.Sprintf("v%d rollback", r.Version)
	}
	return fmt.Sprintf("v%d", r.Version)
}

// deltaText is the challenger's value less the champion's, as an arrow and a
// signed number (↑ +0.03, ↓ −0.08, ±0 for none), in the tone of whether
// it is better (ok) or worse (error) by the metric's direction; plain
// when the direction is unknown. The words carry the sign and the arrow
// without colour.
func deltaText(s styles.Styles, challenger, champion float64, ok bool, direction string) string {
	d := challenger - champion
	switch {
	case !ok || math.IsNaN(d):
		return s.Muted.Render("—")
	case d == 0:
		return s.Muted.Render("±0")
	}
	text := "↑ +" + format.Number(d, 4)
	if d < 0 {
		text = "↓ −" + format.Number(-d, 4)
	}
	switch {
	case direction == "max" && d > 0, direction == "min" && d < 0:
		return s.Ok.Render(text)
	case direction == "max" || direction == "min":
		return s.Error.Render(text)
	}
	return s.Text.Render(text)
}

// reviewView is a promotion request under review. It reads the request
// from its model (with the versions it compares) in a command, again when
// the engine says the model changed, and draws its lines when they
// change; the lines scroll.
type reviewView struct {
	eng           Engine
	ctx           context.Context
	st            *state
	styles        styles.Styles
	keys          KeyMap
	model         string
	id            uint64
	width, height int

	req *api.Request
	// challenger is the request's version, champion the one it was
	// compared with (nil: none, or removed since); primary the metric the
	// policy judges by, direction which way it is better ("" unknown),
	// which the slices are taken to share (a policy's [slices] direction
	// defaults to it).
	challenger, champion *api.ModelVersion
	primary, direction   string
	// directions are the gates' metrics, each with which way it is better.
	directions map[string]string
	err        string
	fetch      fetch
	// note is what the last approval or rejection did, or the engine's
	// refusal (noteErr).
	note    string
	noteErr bool

	// The curves: the metrics of the two versions, the one shown, its view
	// in each version's run (by run id: nil while read, a run whose view
	// cannot be read is in lost).
	metrics []string
	metric  string
	curves  map[string][]api.Bucket
	lost    map[string]bool
	chart   *chart.Chart

	lines  []string
	scroll scroller
}

func newReviewView(ctx context.Context, eng Engine, st *state, s styles.Styles, k KeyMap, open openReviewMsg) *reviewView {
	p := &reviewView{eng: eng, ctx: ctx, st: st, styles: s, keys: k, model: open.model, id: open.id,
		curves: map[string][]api.Bucket{}, lost: map[string]bool{}, chart: chart.New("", s, k.Chart)}
	p.updateKeys()
	return p
}

// Init reads the request.
func (p *reviewView) Init() tea.Cmd { return p.fetch.start(p.load()) }

func (p *reviewView) load() tea.Cmd {
	model := p.model
	return func() tea.Msg {
		m, err := p.eng.Model(p.ctx, model)
		return reviewModelMsg{model: model, m: m, err: err}
	}
}

func (p *reviewView) Title() string {
	if p.req != nil {
		return fmt.Sprintf("Review v%d (#%d)", p.req.Version, p.id)
	}
	return fmt.Sprintf("Review #%d", p.id)
}

func (p *reviewView) Capturing() bool { return false }

// chartHeight is the curves' share of the page: a third, within bounds.
func (p *reviewView) chartHeight() int { return min(max(p.height/3, 8), 14) }

func (p *reviewView) SetSize(w, h int) {
	p.width, p.height = w, h
	p.chart.SetSize(max(w, 20), p.chartHeight())
	p.render()
	p.updateKeys()
}

func (p *reviewView) ShortHelp() []key.Binding {
	k := p.keys
	return keyhelp.Enabled(k.Approve, k.Reject, k.NextMetric, k.Table.Down, k.Table.Up)
}

func (p *reviewView) FullHelp() [][]key.Binding {
	k := p.keys
	return keyhelp.Rows(append([][]key.Binding{{k.Approve}, {k.Reject}, {k.NextMetric, k.PrevMetric}}, scrollKeys(k.Table)...)...)
}

// updateKeys enables the keys that work: a and x while the request is
// open, m and M with more than one metric, the motions when the lines are
// taller than the page.
func (p *reviewView) updateKeys() {
	k, t := &p.keys, &p.keys.Table
	open := p.req != nil && requestOpen(*p.req)
	k.Approve.SetEnabled(open)
	k.Reject.SetEnabled(open)
	k.NextMetric.SetEnabled(len(p.metrics) > 1)
	k.PrevMetric.SetEnabled(len(p.metrics) > 1)
	for _, b := range []*key.Binding{&t.Down, &t.Up, &t.Top, &t.Bottom, &t.PageDown, &t.PageUp} {
		b.SetEnabled(len(p.lines) > p.height)
	}
}

func (p *reviewView) Update(msg tea.Msg) (page, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case modelChangedMsg:
		if msg.name == "" || msg.name == p.model {
			cmd = p.fetch.start(p.load())
		}
	case reviewModelMsg:
		if msg.model != p.model {
			break
		}
		cmd = tea.Batch(p.setModel(msg), p.fetch.done(p.load()))
	case reviewCurveMsg:
		if msg.metric == p.metric {
			if msg.err != nil {
				p.lost[msg.run] = true
			} else {
				p.curves[msg.run] = msg.buckets
			}
			p.drawCurves()
		}
	case reviewedMsg:
		if msg.step.id == p.id {
			cmd = p.reviewed(msg)
		}
	case modelsMsg: // the model's drift now
		p.render()
	case actedMsg: // what is under way, after the question's yes
		p.note, p.noteErr = msg.note, false
		p.render()
	case tickMsg:
		p.render() // the ages move
	case tea.KeyMsg:
		cmd = p.key(msg)
	}
	p.updateKeys()
	return p, cmd
}

func (p *reviewView) key(msg tea.KeyMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.Approve), key.Matches(msg, k.Reject):
		step := reviewStep{approve: key.Matches(msg, k.Approve), model: p.model, version: p.req.Version, id: p.id}
		p.note = ""
		p.render()
		return func() tea.Msg { return openReviewFormMsg(step) }
	case key.Matches(msg, k.NextMetric), key.Matches(msg, k.PrevMetric):
		d := 1
		if key.Matches(msg, k.PrevMetric) {
			d = len(p.metrics) - 1
		}
		p.setMetric(p.metrics[(slices.Index(p.metrics, p.metric)+d)%len(p.metrics)])
		return p.loadCurves()
	}
	p.scroll.key(k.Table, msg, len(p.lines), p.height)
	return nil
}

// reviewed says what an approval or a rejection did, or the engine's
// refusal as it is, and reads the request again.
func (p *reviewView) reviewed(msg reviewedMsg) tea.Cmd {
	st := msg.step
	switch r := msg.req; {
	case msg.err != nil:
		p.note, p.noteErr = msg.err.Error(), true
	case !st.approve:
		p.note, p.noteErr = fmt.Sprintf("rejected %s v%d", st.model, st.version), false
	case r.State == api.RequestPromoted:
		p.note, p.noteErr = fmt.Sprintf("approved: %s v%d is the champion", st.model, st.version), false
	case r.State == api.RequestFailed:
		p.note, p.noteErr = "approved, but the on_promote hook failed: the champion did not move", true
	default:
		p.note, p.noteErr = fmt.Sprintf("approved %s v%d: %d of %d approvals", st.model, st.version, len(r.Approvals), r.Required), false
	}
	p.render()
	return p.fetch.start(p.load())
}

// setModel finds the request and its versions in the model read; the
// curves are read when the metric or the versions' runs changed.
func (p *reviewView) setModel(msg reviewModelMsg) tea.Cmd {
	if msg.err != nil {
		p.err = "the request cannot be read: " + msg.err.Error()
		p.render()
		return nil
	}
	m := msg.m
	i := slices.IndexFunc(m.Requests, func(r api.Request) bool { return r.ID == p.id })
	if i < 0 {
		p.req, p.err = nil, fmt.Sprintf("%s has no request #%d", p.model, p.id)
		p.render()
		return nil
	}
	req := m.Requests[i]
	before := p.runs()
	p.req, p.err = &req, ""
	p.challenger, p.champion = modelVersion(m, req.Version), nil
	if req.Champion != 0 {
		p.champion = modelVersion(m, req.Champion)
	}
	// The primary metric is the policy's, as its gate names it; its
	// direction is known when it is the model's.
	p.primary, p.direction = m.PrimaryMetric, m.Direction
	if i := slices.IndexFunc(req.Checks, func(c api.Check) bool { return c.Gate == "primary" && c.Metric != "" }); i >= 0 &&
		req.Checks[i].Metric != m.PrimaryMetric {
		p.primary, p.direction = req.Checks[i].Metric, req.Checks[i].Direction
	}
	// The gates say which way their metrics are better: the guardrails'
	// deltas are coloured too.
	p.directions = map[string]string{}
	for _, c := range req.Checks {
		if c.Direction != "" && c.Slice == "" && (c.Gate == "primary" || c.Gate == "guardrail") {
			p.directions[c.Metric] = c.Direction
		}
	}
	names := map[string]bool{}
	for _, v := range p.versions() {
		for n := range v.Metrics {
			names[n] = true
		}
	}
	p.metrics = slices.Sorted(maps.Keys(names))
	if i := slices.Index(p.metrics, p.primary); i > 0 {
		p.metrics = append([]string{p.primary}, slices.Delete(p.metrics, i, i+1)...)
	}
	switch {
	case !slices.Contains(p.metrics, p.metric):
		var first string
		if len(p.metrics) > 0 {
			first = p.metrics[0]
		}
		p.setMetric(first)
	case !slices.Equal(before, p.runs()):
		p.setMetric(p.metric)
	default:
		p.render()
		return nil
	}
	return p.loadCurves()
}

// modelVersion is a model's version n, nil when removed.
func modelVersion(m api.Model, n int) *api.ModelVersion {
	i := slices.IndexFunc(m.Versions, func(v api.ModelVersion) bool { return v.Version == n })
	if i < 0 {
		return nil
	}
	v := m.Versions[i]
	return &v
}

// versions are the challenger and the champion, those that remain.
func (p *reviewView) versions() []*api.ModelVersion {
	var out []*api.ModelVersion
	for _, v := range []*api.ModelVersion{p.challenger, p.champion} {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}

// runs are the runs the versions came from.
func (p *reviewView) runs() []string {
	var out []string
	for _, v := range p.versions() {
		out = append(out, v.Run)
	}
	return out
}

// setMetric shows another metric's curves (read by the caller).
func (p *reviewView) setMetric(name string) {
	p.metric = name
	p.curves, p.lost = map[string][]api.Bucket{}, map[string]bool{}
	p.drawCurves()
}

// loadCurves reads the metric's view in the run of each version that has
// the metric.
func (p *reviewView) loadCurves() tea.Cmd {
	metric, points := p.metric, max(2*p.width, 10)
	var cmds []tea.Cmd
	for _, v := range p.versions() {
		if _, ok := v.Metrics[metric]; !ok || metric == "" || v.Run == "" {
			continue
		}
		run := v.Run
		cmds = append(cmds, func() tea.Msg {
			b, err := p.eng.MetricView(p.ctx, run, metric, points)
			return reviewCurveMsg{run: run, metric: metric, buckets: b, err: err}
		})
	}
	return tea.Batch(cmds...)
}

// label names a version of the review: the challenger (or the version a
// rollback brings back) and the champion.
func (p *reviewView) label(v *api.ModelVersion) string {
	switch {
	case v == p.champion:
		return fmt.Sprintf("champion v%d", v.Version)
	case p.req != nil && p.req.Rollback:
		return fmt.Sprintf("back to v%d", v.Version)
	}
	return fmt.Sprintf("challenger v%d", v.Version)
}

// drawCurves gives the chart the metric's view in each version's run, the
// challenger in the first series colour, the champion in the second.
func (p *reviewView) drawCurves() {
	vs := p.versions()
	series := make([]chart.Series, len(vs))
	for i, v := range vs {
		series[i] = chart.Series{Name: p.label(v), Style: chart.SeriesStyle(p.styles, i), Points: bucketPoints(p.curves[v.Run], false, 0)}
	}
	title := p.metric
	if i := slices.Index(p.metrics, p.metric); len(p.metrics) > 1 {
		title += fmt.Sprintf(" (%d/%d)", i+1, len(p.metrics))
	}
	p.chart.SetTitle(title)
	p.chart.SetSeries(series)
	setXAxisOf(p.chart, false)
	p.render()
}

func (p *reviewView) View() string {
	s := p.styles
	switch {
	case p.req == nil && p.err != "":
		return s.Error.Render(format.Fit(p.err, p.width))
	case p.req == nil:
		return s.Muted.Render(fmt.Sprintf("loading request #%d of %s…", p.id, p.model))
	}
	return p.scroll.view(s, p.lines, p.height, p.width)
}

// reviewNumW is the width of a value in the review's tables.
const reviewNumW = 13

// render draws the review's lines: the request, the metrics, the gates,
// the slices, the curves, the reviews.
func (p *reviewView) render() {
	if p.req == nil {
		p.lines = nil
		return
	}
	var out []string
	add := func(lines ...string) {
		for _, l := range lines {
			out = append(out, format.Fit(l, p.width))
		}
	}
	add(p.head()...)
	add("")
	add(p.metricLines()...)
	add("")
	out = append(out, p.gateLines()...)
	add("")
	add(p.sliceLines()...)
	add("")
	add(p.curveLines()...)
	if rs := p.reviewLines(); len(rs) > 0 {
		add("")
		out = append(out, rs...)
	}
	p.lines = out
	p.scroll.clamp(len(p.lines), p.height)
}

// head is what the request is, its state, who opened it, its approvals
// and drift, and what the last action did.
func (p *reviewView) head() []string {
	s := p.styles
	r := p.req
	now := p.st.now()
	title := fmt.Sprintf("%s v%d", r.Model, r.Version)
	against := fmt.Sprintf("request #%d, against the champion v%d", r.ID, r.Champion)
	if r.Rollback {
		title = fmt.Sprintf("%s: rollback to v%d", r.Model, r.Version)
		against = fmt.Sprintf("request #%d, from the champion v%d", r.ID, r.Champion)
	}
	if r.Champion == 0 {
		against = fmt.Sprintf("request #%d; no champion yet", r.ID)
	}
	if r.Champion != 0 && p.champion == nil {
		against += " (removed since)"
	}
	lines := []string{s.Title.Render(title) + "  " + requestStyle(s, r.State).Render(r.State) + s.Muted.Render(" · "+against)}

	opened := "opened " + ago(r.Opened, now) + " by " + r.OpenedBy
	if r.Comment != "" {
		opened += ": “" + r.Comment + "”"
	}
	lines = append(lines, s.Muted.Render(opened))

	approvals := fmt.Sprintf("approvals %d of %d", len(r.Approvals), r.Required)
	if len(r.Approvals) > 0 {
		approvals += ": " + strings.Join(r.Approvals, ", ")
	}
	if len(r.MayApprove) > 0 {
		approvals += " · may approve: " + strings.Join(r.MayApprove, ", ")
	}
	lines = append(lines, approvals+" · "+p.driftText())
	if sh := p.shadowText(); sh != "" { // whole: a reviewer reads it
		lines = append(lines, strings.Split(ansi.Wrap(sh, max(p.width, 20), ""), "\n")...)
	}

	var state string
	style := s.Muted
	switch r.State {
	case api.RequestBlocked:
		failed := 0
		for _, c := range r.Checks {
			if c.Verdict == api.Fail {
				failed++
			}
		}
		state, style = fmt.Sprintf("blocked: %d %s failed (✗ below): only an admin's override can approve it", failed, plural(failed, "gate", "gates")), s.Error
	case api.RequestPending:
		left := max(r.Required-len(r.Approvals), 1)
		state = fmt.Sprintf("pending: the gates pass; %d more %s v%d the champion", left, plural(left, "approval makes", "approvals make"), r.Version)
		if r.Rollback {
			state = fmt.Sprintf("pending: %d more %s v%d back as the champion", left, plural(left, "approval brings", "approvals bring"), r.Version)
		}
		style = s.Warn
	case api.RequestPromoted:
		state, style = fmt.Sprintf("promoted %s: v%d became the champion", ago(r.Closed, now), r.Version), s.Ok
		if r.Previous != 0 {
			state += fmt.Sprintf(" in place of v%d", r.Previous)
		}
	case api.RequestRejected:
		state = "rejected " + ago(r.Closed, now)
	case api.RequestFailed:
		state, style = "failed "+ago(r.Closed, now)+": the on_promote hook failed, the champion did not move", s.Error
	}
	lines = append(lines, style.Render(state))
	if p.note != "" {
		lines = append(lines, noteLines(s, p.note, p.noteErr, p.width)...)
	}
	if p.err != "" {
		lines = append(lines, s.Error.Render(p.err))
	}
	return lines
}

// driftText is the drift the request's gate read ("not measured" when it
// has none), and the model's drift now when the registry says it: a
// reviewer sees a window that alerted since the request was opened.
func (p *reviewView) driftText() string {
	s := p.styles
	r := p.req
	text := "drift: not measured"
	if c, ok := requestCheck(*r, "drift"); ok && c.Verdict != api.NotMeasured {
		text = "drift: " + verdictMark(s, c.Verdict) + " " + strings.TrimPrefix(c.Detail, "drift ")
	}
	if m, ok := p.st.model(r.Model); ok && m.Drift != "" {
		now := driftStatus(s, m.Drift)
		if len(m.DriftAlerting) > 0 {
			now += " (" + strings.Join(m.DriftAlerting, ", ") + ")"
		}
		text += "; latest window " + now
	}
	return text
}

// shadowText is the request's shadow gate: the challenger scored beside
// the champion on the same production rows, "" when the policy asks for
// none.
func (p *reviewView) shadowText() string {
	c, ok := requestCheck(*p.req, "shadow")
	if !ok {
		return ""
	}
	style := p.styles.Text
	switch c.Verdict {
	case api.Fail:
		style = p.styles.Error
	case api.NotMeasured:
		style = p.styles.Muted
	}
	return "shadow: " + verdictMark(p.styles, c.Verdict) + " " + style.Render(strings.TrimPrefix(c.Detail, "shadow "))
}

// requestCheck is a request's check of a gate.
func requestCheck(r api.Request, gate string) (api.Check, bool) {
	i := slices.IndexFunc(r.Checks, func(c api.Check) bool { return c.Gate == gate })
	if i < 0 {
		return api.Check{}, false
	}
	return r.Checks[i], true
}

// noteLines is what an action did, or the engine's refusal (err), wrapped
// to the width: a refusal says why and what to do, and is read whole.
func noteLines(s styles.Styles, note string, err bool, width int) []string {
	style := s.Accent
	if err {
		style = s.Error
	}
	lines := strings.Split(ansi.Wrap(note, max(width, 20), ""), "\n")
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return lines
}

// reviewRow is a row of the review's tables: a label, the two versions'
// values, the delta and a mark.
type reviewRow struct {
	label                string
	challenger, champion string
	delta, mark          string
}

// table lays rows out under a header: the label column as wide as its
// longest, the values right-aligned.
func (p *reviewView) table(head reviewRow, rows []reviewRow) []string {
	s := p.styles
	labelW := ansi.StringWidth(head.label)
	for _, r := range rows {
		labelW = max(labelW, ansi.StringWidth(r.label))
	}
	labelW = min(labelW, max(12, p.width/3))
	line := func(r reviewRow) string {
		l := "  " + format.Pad(format.Fit(r.label, labelW), labelW) + "  " + table.Align(r.challenger, reviewNumW, true) + "  " +
			table.Align(r.champion, reviewNumW, true) + "  " + table.Align(r.delta, 12, true)
		if r.mark != "" {
			l += "  " + r.mark
		}
		return l
	}
	out := []string{s.Muted.Render(line(head))}
	for _, r := range rows {
		out = append(out, line(r))
	}
	return out
}

// tableHead is the header of the review's tables.
func (p *reviewView) tableHead(label string) reviewRow {
	h := reviewRow{label: label, challenger: p.label(p.challengerOrEmpty()), champion: "no champion", delta: "Δ"}
	if p.champion != nil {
		h.champion = p.label(p.champion)
	}
	return h
}

// challengerOrEmpty is the challenger, or an empty version when it was
// removed.
func (p *reviewView) challengerOrEmpty() *api.ModelVersion {
	if p.challenger != nil {
		return p.challenger
	}
	return &api.ModelVersion{Version: p.req.Version}
}

// versionValue is a version's value in a table: the number, or "—".
func versionValue(m map[string]api.Float, name string) (string, float64, bool) {
	x, ok := m[name]
	if !ok {
		return "—", math.NaN(), false
	}
	return format.Number(float64(x), 4), float64(x), true
}

// metricLines are the two versions' metrics, the primary first, with the
// challenger's delta.
func (p *reviewView) metricLines() []string {
	s := p.styles
	explain := "no champion to compare with"
	if p.champion != nil {
		explain = fmt.Sprintf("Δ = v%d − v%d", p.req.Version, p.champion.Version)
	}
	if p.primary != "" && p.direction != "" {
		explain += fmt.Sprintf("; %s is primary, %s %s is better", p.primary, directionArrow(p.direction),
			map[string]string{"max": "higher", "min": "lower"}[p.direction])
	}
	lines := []string{s.Title.Render("Metrics") + "  " + s.Muted.Render(explain)}
	if len(p.metrics) == 0 {
		return append(lines, s.Muted.Render("  neither version has metrics"))
	}
	ch, champ := p.challengerOrEmpty(), p.champion
	var rows []reviewRow
	for _, name := range p.metrics {
		dir := p.directions[name]
		label := name
		if name == p.primary {
			dir = p.direction
		}
		if dir != "" {
			label = strings.TrimSpace(name + " " + directionArrow(dir))
		}
		r := reviewRow{label: label}
		var x, y float64
		var okX, okY bool
		r.challenger, x, okX = versionValue(ch.Metrics, name)
		r.champion, r.delta = "—", s.Muted.Render("—")
		if champ != nil {
			r.champion, y, okY = versionValue(champ.Metrics, name)
			r.delta = deltaText(s, x, y, okX && okY, dir)
		}
		rows = append(rows, r)
	}
	return append(lines, p.table(p.tableHead(""), rows)...)
}

// gateLines are the request's checks in the engine's order, each with its
// verdict and its words, wrapped under themselves; the slices that pass
// are said in one line (the slices' table shows each).
func (p *reviewView) gateLines() []string {
	s := p.styles
	r := p.req
	n := map[string]int{}
	for _, c := range r.Checks {
		n[c.Verdict]++
	}
	var counts []string
	for _, v := range []string{api.Pass, api.Fail, api.NotMeasured} {
		if n[v] > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n[v], map[string]string{api.Pass: "passed", api.Fail: "failed", api.NotMeasured: "not measured"}[v]))
		}
	}
	out := []string{format.Fit(s.Title.Render("Gates")+"  "+s.Muted.Render(strings.Join(counts, ", ")), p.width)}
	if len(r.Checks) == 0 {
		return append(out, s.Muted.Render("  none recorded"))
	}
	const gateW = 10
	indent := strings.Repeat(" ", 4+gateW+1)
	line := func(verdict, gate, detail string) {
		wrapped := strings.Split(ansi.Wrap(detail, max(20, p.width-len(indent)), ""), "\n")
		for i, w := range wrapped {
			if i == 0 {
				out = append(out, format.Fit("  "+verdictMark(s, verdict)+" "+format.Pad(gate, gateW)+" "+w, p.width))
			} else {
				out = append(out, format.Fit(indent+w, p.width))
			}
		}
	}
	passing := func(c api.Check) bool { return c.Gate == "slice" && c.Slice != "" && c.Verdict == api.Pass }
	var passed []api.Check
	for _, c := range r.Checks {
		if passing(c) {
			passed = append(passed, c)
		}
	}
	said := false
	for _, c := range r.Checks {
		if len(passed) < 2 || !passing(c) {
			line(c.Verdict, c.Gate, c.Detail)
			continue
		}
		if said {
			continue
		}
		said = true
		detail := fmt.Sprintf("%s on %d %s: none worse than the champion's", c.Metric, len(passed), plural(len(passed), "slice", "slices"))
		if c.Threshold != nil {
			detail += " by more than " + format.Number(float64(*c.Threshold), 4)
		}
		line(api.Pass, c.Gate, detail+" (each below)")
	}
	return out
}

// sliceLines are the versions' eval slices on the slice gate's metric (or
// the primary one), with the challenger's delta and the slice's verdict.
func (p *reviewView) sliceLines() []string {
	s := p.styles
	r := p.req
	metric := ""
	verdicts := map[string]string{}
	for _, c := range r.Checks {
		if c.Gate == "slice" && c.Metric != "" {
			metric = c.Metric
			if c.Slice != "" {
				verdicts[c.Slice] = c.Verdict
			}
		}
	}
	// Without a slice gate, the primary metric's slices, else the first
	// metric the slices have.
	direction := p.direction
	if i := slices.IndexFunc(p.req.Checks, func(c api.Check) bool { return c.Gate == "slice" && c.Direction != "" }); i >= 0 {
		direction = p.req.Checks[i].Direction
	}
	if metric == "" {
		var all []string
		for _, v := range p.versions() {
			for _, ms := range v.Evals {
				all = slices.AppendSeq(all, maps.Keys(ms))
			}
		}
		slices.Sort(all)
		switch {
		case slices.Contains(all, p.primary):
			metric = p.primary
		case len(all) > 0:
			metric, direction = all[0], ""
		default:
			return []string{s.Title.Render("Slices") + "  " + s.Muted.Render("none: neither version has eval slices")}
		}
	}
	names := map[string]bool{}
	for _, v := range p.versions() {
		for slice, ms := range v.Evals {
			if _, ok := ms[metric]; ok {
				names[slice] = true
			}
		}
	}
	title := s.Title.Render("Slices")
	if len(names) == 0 {
		return []string{title + "  " + s.Muted.Render("none: neither version has eval slices of "+format.Fit(metric, 30))}
	}
	explain := metric + " per slice"
	if a := directionArrow(direction); a != "" {
		explain += ", " + a + " " + map[string]string{"max": "higher", "min": "lower"}[direction] + " is better"
	}
	if len(verdicts) > 0 {
		explain += "; ✗ worse than the policy allows"
	}
	ch, champ := p.challengerOrEmpty(), p.champion
	var rows []reviewRow
	for _, name := range slices.Sorted(maps.Keys(names)) {
		row := reviewRow{label: name, mark: " "}
		var x, y float64
		var okX, okY bool
		row.challenger, x, okX = versionValue(ch.Evals[name], metric)
		row.champion, row.delta = "—", s.Muted.Render("—")
		if champ != nil {
			row.champion, y, okY = versionValue(champ.Evals[name], metric)
			row.delta = deltaText(s, x, y, okX && okY, direction)
		}
		if v, ok := verdicts[name]; ok {
			row.mark = verdictMark(s, v)
		}
		rows = append(rows, row)
	}
	return append([]string{title + "  " + s.Muted.Render(explain)}, p.table(p.tableHead("SLICE"), rows)...)
}

// curveLines are the legend (each version's line and last value) and the
// chart of the metric's curves, overlaid.
func (p *reviewView) curveLines() []string {
	s := p.styles
	title := s.Title.Render("Curves")
	if p.metric == "" {
		return []string{title + "  " + s.Muted.Render("none: neither version has metrics")}
	}
	var parts []string
	for i, v := range p.versions() {
		val := "—"
		switch b := p.curves[v.Run]; {
		case len(b) > 0:
			val = format.Number(float64(b[len(b)-1].Last), 4)
		case p.lost[v.Run]:
			val = "(its run's curve cannot be read)"
		default:
			if _, ok := v.Metrics[p.metric]; ok {
				val = "…"
			}
		}
		parts = append(parts, chart.SeriesStyle(p.styles, i).Bold(true).Render(chart.LegendMark(p.styles, i)+" "+p.label(v))+" "+val)
	}
	out := []string{title + "  " + strings.Join(parts, "   ")}
	return append(out, strings.Split(p.chart.View(), "\n")...)
}

// reviewLines are who approved or rejected, with their comments, and what
// the on_promote hook did.
func (p *reviewView) reviewLines() []string {
	s := p.styles
	r := p.req
	if len(r.Reviews) == 0 && r.Hook == nil {
		return nil
	}
	now := p.st.now()
	out := []string{s.Title.Render("Reviews")}
	for _, x := range r.Reviews {
		mark, verb := s.Error.Render("✗"), "rejected"
		if x.Approved {
			mark, verb = s.Ok.Render("✓"), "approved"
		}
		switch {
		case x.Override:
			verb += " (an admin's override)"
		case x.Self:
			verb += " (their own version)"
		}
		line := fmt.Sprintf("  %s %s %s %s", mark, x.User, verb, ago(x.Time, now))
		if x.Comment != "" {
			line += ": “" + x.Comment + "”"
		}
		out = append(out, format.Fit(line, p.width))
	}
	if h := r.Hook; h != nil {
		how := fmt.Sprintf("exited %d", h.ExitCode)
		if h.TimedOut {
			how = "timed out"
		}
		out = append(out, format.Fit("  on_promote hook "+format.Quote(h.Command)+" "+how, p.width))
		for _, l := range strings.Split(strings.TrimRight(h.Output, "\n"), "\n") {
			if l != "" {
				out = append(out, s.Muted.Render(format.Fit("    "+l, p.width)))
			}
		}
	}
	return out
}
