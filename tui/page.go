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

// pageID names a page.
type pageID int

const (
	dashboardPage pageID = iota
	runsPage
	gpusPage
	runPage     // one run, open over the runs page
	comparePage // a comparison of runs, open over the runs page
)

// topPages are the pages tab goes through, in order, and the palette
// offers; the others open over one of them.
var topPages = []pageID{dashboardPage, runsPage, gpusPage}

// base is the top page a page is open over, or the page itself.
func (id pageID) base() pageID {
	if id == runPage || id == comparePage {
		return runsPage
	}
	return id
}

// overlay is what is open over the pages: one at a time.
type overlay int

const (
	noOverlay       overlay = iota
	paletteOverlay          // the `:` prompt
	formOverlay             // the form that starts a job
	questionOverlay         // a yes/no question before acting
	helpOverlay             // the keys of the page under it
)
