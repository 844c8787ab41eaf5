package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// page is one screen of the app: a component in soft-serve's sense (an
// update that returns it and a command, a view, a size, its keys for
// help) with a title. Only the page shown gets the user's keys.
type page interface {
	Update(msg tea.Msg) (page, tea.Cmd)
	View() string
	SetSize(width, height int)
	// ShortHelp is the keys the footer names; FullHelp every key that
	// works on the page now, keys that go together in a row (help.KeyMap).
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	Title() string
	// Capturing reports that the page takes every key for now (a filter
	// or a search being typed): the app's own keys wait.
	Capturing() bool
}

// escTaker is a page that, for now, takes esc to close something of its
// own (a chart grid's inspector or kept filter) rather than go back.
type escTaker interface{ TakesEsc() bool }

// takesEsc reports that p takes esc now.
func takesEsc(p page) bool {
	t, ok := p.(escTaker)
	return ok && t.TakesEsc()
}

// pageID names a page.
type pageID int

const (
	dashboardPage pageID = iota
	runsPage
	gpusPage
	modelsPage
	sweepsPage
	runPage          // one run, open over the runs page
	comparePage      // a comparison of runs, open over the runs page
	modelPage        // a model's versions, open over the models page
	versionPage      // a version's lineage, open over its model's page
	reviewPage       // a promotion request under review, open over its model's page
	driftPage        // a model's drift, open over its model's page
	scatterPage      // a scatter of runs, open over the runs page
	sweepPage        // a sweep's trials, open over the sweeps page
	trialPage        // a trial's run (the run page), open over its sweep's page
	trialScatterPage // a scatter of a sweep's trials, open over its sweep's page
)

// topPages are the pages tab goes through, in order, and the palette
// offers; the others open over one of them.
var topPages = []pageID{dashboardPage, runsPage, gpusPage, modelsPage, sweepsPage}

// parent is the page a page is open over (esc goes back to it), or the
// page itself for a top page.
func (id pageID) parent() pageID {
	switch id {
	case runPage, comparePage, scatterPage:
		return runsPage
	case modelPage:
		return modelsPage
	case versionPage, reviewPage, driftPage:
		return modelPage
	case sweepPage:
		return sweepsPage
	case trialPage, trialScatterPage:
		return sweepPage
	}
	return id
}

// base is the top page a page is open over, or the page itself.
func (id pageID) base() pageID {
	for id.parent() != id {
		id = id.parent()
	}
	return id
}

// over reports whether id is open over top, directly or not.
func (id pageID) over(top pageID) bool {
	for id.parent() != id {
		if id = id.parent(); id == top {
			return true
		}
	}
	return false
}

// overlay is what is open over the pages: one at a time.
type overlay int

const (
	noOverlay       overlay = iota
	paletteOverlay          // the `:` prompt
	formOverlay             // a form: the one that starts a job, the one that registers a model, a review's comment
	questionOverlay         // a yes/no question before acting
	helpOverlay             // the keys of the page under it
	noticeOverlay           // what an action did, when it takes more than a line (a re-run's changes)
)
