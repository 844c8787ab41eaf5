package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/tui/form"
	"lathe/tui/format"
	"lathe/tui/keyhelp"
	"lathe/tui/palette"
)

// Messages of what opens over the pages.
type (
	// openFormMsg opens the form that starts a job, filled from a spec.
	openFormMsg  api.SubmitRequest
	submittedMsg struct {
		run api.Run
		err error
	}
	// askMsg asks a yes/no question before acting: yes runs the command.
	askMsg struct {
		from pageID // the page that asks, which the question goes over
		text string
		yes  tea.Cmd
		// doing, when set, is the asking page's note (an actedMsg) from
		// the yes until yes's answer: what is under way, when it takes a
		// while.
		doing string
	}
	// registeredMsg is the engine's answer to the register form.
	registeredMsg struct {
		run     string
		version api.ModelVersion
		err     error
	}
)

// notice is what an action did when it takes more than a line (what
// differs now for a re-run): a title and lines, in a box over the page
// until closed.
type notice struct {
	title string
	lines []string
}

// ask is the command that asks a question, a page's before it acts.
func ask(from pageID, text string, yes tea.Cmd) tea.Cmd {
	return func() tea.Msg { return askMsg{from: from, text: text, yes: yes} }
}

// paletteChoice is what an item of the palette does: go to a page, open a
// run on a tab, or an action.
type paletteChoice struct {
	do   paletteAction
	page pageID
	run  string
	tab  runTab
	// review is the request a review opens.
	review openReviewMsg
	// model is the model whose Drift page opens.
	model string
	// sweep is the sweep whose page opens.
	sweep string
}

type paletteAction int

const (
	goToPage paletteAction = iota
	openRun
	startJob
	showHelp
	compareTheMarked
	openReview
	openDrift
	openSweep
)

// openPalette opens the palette on the pages, the actions, the open
// promotion requests ("review digits v3"), each model's drift ("drift of
// digits · alert"), each sweep ("sweep lr-search · running, 3/8
// ended"), then each run and each run's logs (a run's name first: typing
// it finds the run, then its logs).
func (a *App) openPalette() {
	var items []palette.Item[paletteChoice]
	for _, id := range topPages {
		items = append(items, palette.Item[paletteChoice]{Label: "go to " + a.pages[id].Title(), Value: paletteChoice{do: goToPage, page: id}})
	}
	items = append(items,
		palette.Item[paletteChoice]{Label: "new job: start a run", Value: paletteChoice{do: startJob}},
		palette.Item[paletteChoice]{Label: "help: the keys of this page", Value: paletteChoice{do: showHelp}},
		palette.Item[paletteChoice]{Label: "compare the marked runs", Value: paletteChoice{do: compareTheMarked}})
	for _, r := range a.st.openRequests() {
		items = append(items, palette.Item[paletteChoice]{Label: fmt.Sprintf("review %s v%d · request #%d, %s", r.Model, r.Version, r.ID, r.State),
			Value: paletteChoice{do: openReview, review: openReviewMsg{model: r.Model, id: r.ID}}})
	}
	for _, m := range a.st.models {
		label := "drift of " + m.Name
		if m.Drift != "" {
			label += " · " + m.Drift
		}
		items = append(items, palette.Item[paletteChoice]{Label: label, Value: paletteChoice{do: openDrift, model: m.Name}})
	}
	for _, sw := range a.st.sweeps {
		items = append(items, palette.Item[paletteChoice]{Label: fmt.Sprintf("sweep %s · %s, %s ended", sw.Name, sw.State, trialsEnded(sw)),
			Value: paletteChoice{do: openSweep, sweep: sw.ID}})
	}
	for _, r := range a.st.runs {
		items = append(items, palette.Item[paletteChoice]{Label: fmt.Sprintf("%s · run %s, %s", r.Name, r.ID, r.Status),
			Value: paletteChoice{do: openRun, run: r.ID}})
	}
	// A run's logs come after the runs among the matches.
	for _, r := range a.st.runs {
		items = append(items, palette.Item[paletteChoice]{Label: r.Name + " · logs", Rank: 1,
			Value: paletteChoice{do: openRun, run: r.ID, tab: logsTab}})
	}
	a.palette = palette.New(items, a.styles, a.keys.Palette)
	a.palette.SetSize(a.width, a.bodyHeight())
	a.overlay = paletteOverlay
}

// updateOverlay opens and closes what goes over the pages, and does what
// they ask: the palette's choice, the form's job, a question.
func (a *App) updateOverlay(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case palette.ClosedMsg:
		a.overlay, a.palette = noOverlay, nil
	case palette.ChosenMsg[paletteChoice]:
		a.overlay, a.palette = noOverlay, nil
		return a.choose(msg.Value), true
	case askMsg:
		// Not over another page: a key typed after the one that asked left it.
		if msg.from == a.active && a.overlay == noOverlay {
			a.overlay, a.question = questionOverlay, msg
		}
	case openFormMsg:
		a.formBase = api.SubmitRequest(msg)
		a.openForm(newJobForm(a.styles, a.keys.Form, a.formBase), "New job", "")
	case openRegisterMsg:
		k := a.keys.Form
		k.Submit.SetHelp(k.Submit.Help().Key, "register")
		a.openForm(newRegisterForm(a.styles, k, msg.run, defaultModelName(msg.run, a.lastModel)), "Register "+msg.run.Name, msg.run.ID)
	case openReviewFormMsg:
		step := reviewStep(msg)
		k := a.keys.Form
		k.Submit.SetHelp(k.Submit.Help().Key, step.verb())
		a.review = step
		a.openForm(newReviewForm(a.styles, k, step), step.title(), "")
	case form.ClosedMsg:
		a.overlay, a.form, a.registering, a.review = noOverlay, nil, "", reviewStep{}
	case form.SubmitMsg:
		if a.form == nil {
			return nil, true
		}
		switch msg.ID {
		case registerFormID:
			return a.register(msg.Values), true
		case reviewFormID:
			a.askReview(msg.Values)
			return nil, true
		}
		req, err := jobRequest(a.formBase, msg.Values)
		if err != nil {
			a.form.SetError(err.Error())
			return nil, true
		}
		req = a.fill(req)
		return func() tea.Msg {
			r, err := a.eng.Submit(a.ctx, req)
			return submittedMsg{r, err}
		}, true
	case registeredMsg:
		return a.registered(msg), true
	case rerunMsg:
		return a.rerun(msg), true
	case submittedMsg:
		switch {
		case a.form == nil || a.registering != "":
		case msg.err != nil:
			a.form.SetError(msg.err.Error())
		default:
			// The new run shows at the top of the runs table.
			a.overlay, a.form = noOverlay, nil
			a.show(runsPage)
			a.st.upsert(msg.run)
			return a.updatePage(runsPage, actedMsg{note: "queued " + msg.run.Name + " (" + msg.run.ID + ")"}), true
		}
	default:
		return nil, false
	}
	return nil, true
}

// openForm shows a form over the pages, named title in the header; run is
// the run it registers, "" for the job form.
func (a *App) openForm(f *form.Model, title, run string) {
	a.form, a.formTitle, a.registering = f, title, run
	a.form.SetSize(a.width, a.bodyHeight())
	a.overlay = formOverlay
}

// askReview closes the comment form and asks before the approval or the
// rejection goes to the engine: "approve digits v3? y/n".
func (a *App) askReview(values []string) {
	step := a.review
	a.overlay, a.form, a.review = noOverlay, nil, reviewStep{}
	var comment string
	if len(values) > 0 {
		comment = strings.TrimSpace(values[0])
	}
	req := api.ReviewRequest{Model: step.model, Version: step.version, Comment: comment}
	call, doing := a.eng.Approve, "approving"
	if !step.approve {
		call, doing = a.eng.Reject, "rejecting"
	}
	ctx := a.ctx
	a.question = askMsg{from: reviewPage, text: fmt.Sprintf("%s %s v%d?", step.verb(), step.model, step.version),
		doing: fmt.Sprintf("%s %s v%d…", doing, step.model, step.version),
		yes: func() tea.Msg {
			r, err := call(ctx, req)
			return reviewedMsg{step: step, req: r, err: err}
		}}
	if a.active == reviewPage {
		a.overlay = questionOverlay
	}
}

// register asks the engine to register the run the register form is for.
func (a *App) register(values []string) tea.Cmd {
	req, err := registerRequest(a.registering, values)
	if err != nil {
		a.form.SetError(err.Error())
		return nil
	}
	return func() tea.Msg {
		v, err := a.eng.Register(a.ctx, req, nil)
		return registeredMsg{run: req.Run, version: v, err: err}
	}
}

// registered closes the register form and says so on the run's page; a
// refusal shows in the form, which stays for the user to fix.
func (a *App) registered(msg registeredMsg) tea.Cmd {
	open := a.form != nil && a.registering == msg.run
	if msg.err != nil {
		if open {
			a.form.SetError(msg.err.Error())
		}
		return nil
	}
	if open {
		a.overlay, a.form, a.registering = noOverlay, nil, ""
	}
	a.lastModel = msg.version.Model
	return a.updatePage(a.runPageID(), runNoteMsg{run: msg.run, note: fmt.Sprintf("registered %s v%d", msg.version.Model, msg.version.Version)})
}

// rerun takes the new runs into the state and says what it did on the runs
// page; what differs now for a run, when anything does, opens over the
// page.
func (a *App) rerun(msg rerunMsg) tea.Cmd {
	for _, res := range msg.results {
		a.st.upsert(res.Run)
	}
	var note string
	changed := 0
	for _, res := range msg.results {
		if len(res.Changes) > 0 {
			changed++
		}
	}
	switch n := len(msg.results); {
	case n == 1:
		res := msg.results[0]
		note = fmt.Sprintf("queued %s (%s), a re-run of %s", res.Run.Name, res.Run.ID, msg.runs[0].Name)
		if changed == 0 {
			note += "; nothing differs from its first run"
		} else {
			note += fmt.Sprintf("; %d %s differ now", len(res.Changes), plural(len(res.Changes), "thing", "things"))
		}
	case n > 1:
		note = fmt.Sprintf("queued %s again", describeRuns(msg.runs))
		if changed > 0 {
			note += fmt.Sprintf("; %d of them differ now", changed)
		}
	}
	if msg.err != nil {
		note = strings.TrimPrefix(note+"; "+msg.err.Error(), "; ")
	}
	if changed > 0 && a.overlay == noOverlay {
		a.notice, a.overlay = rerunNotice(msg), noticeOverlay
	}
	return a.updatePage(runsPage, actedMsg{note: note})
}

// rerunNotice says, for each run re-run, what differs now from when it
// first started.
func rerunNotice(msg rerunMsg) notice {
	n := notice{title: "Re-run: what differs from the first run"}
	for i, res := range msg.results {
		if i > 0 {
			n.lines = append(n.lines, "")
		}
		head := fmt.Sprintf("%s → %s (%s), %s", msg.runs[i].Name, res.Run.Name, res.Run.ID, res.Run.Status)
		if len(res.Changes) == 0 {
			n.lines = append(n.lines, head+": nothing differs")
			continue
		}
		n.lines = append(n.lines, head+":")
		for _, c := range res.Changes {
			n.lines = append(n.lines, "  • "+c)
		}
	}
	if msg.err != nil {
		n.lines = append(n.lines, "", msg.err.Error())
	}
	return n
}

// noticeView draws the notice as a box at the top left of the body, its
// lines wrapped to the box; those that do not fit are counted. The footer
// says how to close it.
func (a *App) noticeView() string {
	s := a.styles
	boxW := min(a.width, 110)
	inner := boxW - 4 // the border and a cell of padding each side
	room := a.bodyHeight() - 2
	lines := []string{s.Title.Render(format.Fit(a.notice.title, inner)), ""}
	// Long lines wrap under their text: a bullet's under the text after it.
	var body []string
	for _, l := range a.notice.lines {
		text := strings.TrimLeft(l, " ")
		indent := len(l) - len(text)
		hang := indent
		if strings.HasPrefix(text, "• ") {
			hang += 2
		}
		for i, w := range strings.Split(ansi.Wrap(text, max(10, inner-hang), ""), "\n") {
			pad := indent
			if i > 0 {
				pad = hang
			}
			body = append(body, strings.Repeat(" ", pad)+w)
		}
	}
	if over := len(lines) + len(body) - room; over > 0 {
		keep := max(0, len(body)-over-1)
		body = append(body[:keep], s.Muted.Render(fmt.Sprintf("… and %d more lines", len(body)-keep)))
	}
	lines = append(lines, body...)
	return s.Box.Width(boxW - 2).Render(strings.Join(lines, "\n"))
}

// choose does what the palette chose.
func (a *App) choose(c paletteChoice) tea.Cmd {
	switch c.do {
	case startJob:
		return a.update(openFormMsg{})
	case showHelp:
		a.overlay = helpOverlay
	case compareTheMarked:
		a.show(runsPage)
		return a.update(compareMarkedMsg{})
	case openRun:
		a.show(runsPage)
		return a.update(openRunMsg{id: c.run, tab: c.tab})
	case openReview:
		return a.openReview(c.review)
	case openDrift:
		return a.openDrift(openDriftMsg{model: c.model})
	case openSweep:
		return a.update(openSweepMsg{id: c.sweep})
	default:
		a.show(c.page)
	}
	return nil
}

// helpGroup is keys under a title, a row of keys that go together a line.
type helpGroup struct {
	title string
	rows  [][]key.Binding
}

// keyHelp is the keys that work here: the few the footer names, and, when
// full is asked for, all of them in groups (what the help shows over a
// page). The footer asks at every frame, so only the help builds groups.
func (a *App) keyHelp(full bool) (short []key.Binding, groups []helpGroup) {
	k := a.keys
	if a.starting != "" {
		return []key.Binding{k.Quit}, []helpGroup{{"Starting", [][]key.Binding{{k.Quit}}}}
	}
	switch a.overlay {
	case paletteOverlay:
		return a.palette.ShortHelp(), []helpGroup{{"Go to", a.palette.FullHelp()}}
	case formOverlay:
		// The form names its keys itself.
		return nil, []helpGroup{{a.formTitle, a.form.FullHelp()}}
	case noticeOverlay:
		return []key.Binding{k.Close}, []helpGroup{{a.notice.title, [][]key.Binding{{k.Close}}}}
	case questionOverlay:
		return []key.Binding{k.Yes, k.No}, []helpGroup{{"A question", [][]key.Binding{{k.Yes}, {k.No}}}}
	case helpOverlay:
		back := a.helpBack()
		return []key.Binding{back, k.Quit}, []helpGroup{{"Help", [][]key.Binding{{back}, {k.Help}, {k.Quit}}}}
	}
	return a.pageHelp(full)
}

// pageHelp is the keys that work on the page shown: its own, and the
// frame's around it (none while the page captures every key).
func (a *App) pageHelp(full bool) (short []key.Binding, groups []helpGroup) {
	k := a.keys
	p := a.pages[a.active]
	if full {
		own := helpGroup{p.Title(), p.FullHelp()}
		groups = []helpGroup{own}
		if !p.Capturing() {
			frame := helpGroup{"Everywhere", keyhelp.Rows([]key.Binding{k.GoTo}, []key.Binding{k.Dashboard, k.Runs, k.GPUs},
				[]key.Binding{k.Models, k.Sweeps},
				[]key.Binding{k.NextPage}, []key.Binding{k.Submit}, []key.Binding{k.Back}, []key.Binding{k.Help}, []key.Binding{k.Quit})}
			groups = []helpGroup{frame, own}
		}
	}
	if p.Capturing() {
		return p.ShortHelp(), groups
	}
	short = slices.Clip(p.ShortHelp())
	if a.active != a.active.base() {
		if k.Back.Enabled() { // not while the page takes esc itself
			short = append(short, k.Back)
		}
	} else {
		short = append(short, k.Submit, k.GoTo, k.NextPage)
	}
	short = append(short, k.Help, k.Quit)
	return short, groups
}

// helpBack is esc in the help, which goes back to the page whatever the
// page is.
func (a *App) helpBack() key.Binding {
	b := a.keys.Back
	b.SetEnabled(true)
	return b
}

// helpView lays out the keys of the page under the help: the frame's on
// the left, the page's on the right, so all of it fits in 80×24.
func (a *App) helpView() string {
	_, groups := a.pageHelp(true)
	col := func(gs []helpGroup) string {
		var b strings.Builder
		for i, g := range gs {
			if len(g.rows) == 0 {
				continue
			}
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(a.styles.Title.Render(g.title) + "\n")
			for _, r := range g.rows {
				keys, desc := helpRow(r)
				b.WriteString("  " + a.styles.Accent.Render(format.Pad(keys, 9)) + desc + "\n")
			}
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, col(groups[:1]), "    ", col(groups[1:])) + "\n")
	quit := "q leaves the app; jobs and the engine keep running."
	if a.opts.Demo {
		quit = "q ends the demo: its jobs, those started here too, and its engine stop."
	}
	b.WriteString(a.styles.Muted.Render(quit))
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
