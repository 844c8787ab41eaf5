package tui

import (
	"github.com/charmbracelet/bubbles/key"

	"lathe/tui/chart"
	"lathe/tui/form"
	"lathe/tui/logview"
	"lathe/tui/palette"
	"lathe/tui/table"
)

// KeyMap holds every key of the app: the root's, the pages' (each takes
// the ones it uses) and the parts' own key maps. Which ones work depends
// on where the user is: the root, the pages and the parts enable theirs as
// they go, and help lists those enabled.
type KeyMap struct {
	// Everywhere, or nearly: Back only over another page or in help,
	// Submit and NextPage only on the top pages (tab goes through a run's
	// or a comparison's tabs), each page's number away from it.
	Quit, Help, Back, NextPage, Dashboard, Runs, GPUs, Models, Sweeps, GoTo, Submit key.Binding
	// Interrupt quits whatever is open, a form or a prompt too.
	Interrupt key.Binding
	// A question; a notice (what an action did, over the page).
	Yes, No, Close key.Binding
	// The runs table (Open opens a model and a version too).
	Open, Filter, Sort, Reverse, Compare, Remove, Kill, Rerun, EditRerun, Logs, Clear key.Binding
	// A filter being typed.
	ApplyFilter, CancelFilter key.Binding
	// The dashboard: put an attention item away.
	Dismiss key.Binding
	// A run, a comparison.
	NextTab, PrevTab, TimeX key.Binding
	// A run.
	Register key.Binding
	// A version: ask for it to become the champion.
	Promote key.Binding
	// A promotion request under review; the dashboard opens the oldest
	// waiting for the user.
	Approve, Reject, Review key.Binding
	// A comparison.
	ShowAll, NextMetric, PrevMetric key.Binding
	// A comparison's curves: the run under the legend's cursor shown or
	// hidden, pinned on top.
	ToggleRun, PinRun key.Binding
	// The scatter of runs: the runs table opens it; on it, the axes'
	// fields, parallel coordinates, the cursor's moves between points.
	Scatter, NextX, PrevX, NextY, PrevY, Parallel, PointLeft, PointRight key.Binding
	// The runs table's column chooser: C opens it.
	Columns, ToggleColumn, SortByColumn, DoneColumns key.Binding
	// A model's drift: the models, a model and the dashboard open it; on
	// it, a window older or newer.
	Drift, OlderWindow, NewerWindow key.Binding
	// A sweep's page (enter opens a trial's run, o cycles the
	// leaderboard's sort, S its scatter): its curves in place of the
	// leaderboard, the parallel coordinates of its trials, and what may be
	// done to it.
	Curves, OpenParallel, StopSweep, KillSweep, ResumeSweep key.Binding

	// The parts'. Lists that are not tables (the GPUs, the comparison's
	// summary) move with the table's motions.
	Table   table.KeyMap
	Chart   chart.KeyMap
	LogView logview.KeyMap
	Form    form.KeyMap
	Palette palette.KeyMap
}

// DefaultKeyMap is the keys users know from k9s and lazygit: ? help,
// / filter, : go to, esc back, space mark, q quit.
func DefaultKeyMap() KeyMap {
	jobForm := form.DefaultKeyMap()
	jobForm.Submit.SetHelp(jobForm.Submit.Help().Key, "start")
	return KeyMap{
		Quit:         key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit (jobs keep running)")),
		Help:         key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back:         key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		NextPage:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next page")),
		Dashboard:    key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "dashboard")),
		Runs:         key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "runs")),
		GPUs:         key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "GPUs")),
		Models:       key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "models")),
		Sweeps:       key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "sweeps")),
		GoTo:         key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "go to…")),
		Submit:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new job")),
		Interrupt:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Yes:          key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y", "yes")),
		No:           key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no")),
		Close:        key.NewBinding(key.WithKeys("esc", "enter"), key.WithHelp("esc", "close")),
		Open:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Filter:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:         key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort")),
		Reverse:      key.NewBinding(key.WithKeys("O"), key.WithHelp("O", "reverse sort")),
		Compare:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compare")),
		Remove:       key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "remove")),
		Kill:         key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "kill")),
		Rerun:        key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "re-run")),
		EditRerun:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit and re-run")),
		Dismiss:      key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "dismiss")),
		Logs:         key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "logs")),
		Clear:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear the marks, then the filter")),
		ApplyFilter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "filter")),
		CancelFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "show all runs")),
		NextTab:      key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab/l", "next tab")),
		PrevTab:      key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("⇧tab/h", "previous tab")),
		TimeX:        key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "x by step/time")),
		Register:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "register a model")),
		Promote:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "ask to promote")),
		Approve:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve")),
		Reject:       key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "reject")),
		Review:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "review")),
		ShowAll:      key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "all params")),
		NextMetric:   key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "next metric")),
		PrevMetric:   key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "previous metric")),
		ToggleRun:    key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "show/hide run")),
		PinRun:       key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pin run on top")),
		Scatter:      key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "scatter")),
		NextX:        key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "next X field")),
		PrevX:        key.NewBinding(key.WithKeys("X"), key.WithHelp("X", "previous X field")),
		NextY:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "next Y field")),
		PrevY:        key.NewBinding(key.WithKeys("Y"), key.WithHelp("Y", "previous Y field")),
		Parallel:     key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "scatter/parallel coordinates")),
		PointLeft:    key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h", "point left")),
		PointRight:   key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("→/l", "point right")),
		Columns:      key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "columns and sort")),
		ToggleColumn: key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "show/hide column")),
		SortByColumn: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "sort by it")),
		DoneColumns:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "done")),
		Drift:        key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "drift")),
		OlderWindow:  key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h", "older window")),
		NewerWindow:  key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("→/l", "newer window")),
		Curves:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "curves")),
		// P opens the trials' scatter on its parallel coordinates (v
		// switches there, as on any scatter).
		OpenParallel: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "parallel coords")),
		StopSweep:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "stop")),
		KillSweep:    key.NewBinding(key.WithKeys("x", "K"), key.WithHelp("x/K", "stop, kill its trials")),
		ResumeSweep:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resume")),
		Table:        table.DefaultKeyMap(),
		Chart:        chart.DefaultKeyMap(),
		LogView:      logview.DefaultKeyMap(),
		Form:         jobForm,
		Palette:      palette.DefaultKeyMap(),
	}
}
