package tui

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lathe/engine/api"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The keys' tests: in every context (each page, each tab of a run and of
// a comparison, each overlay) no key is bound twice, every key help lists
// does something, and every key of the KeyMap is listed somewhere.
//
// Help is the footer's keys and the groups of the help overlay (see
// App.keyHelp); a page's FullHelp is every key that works on it now, so
// what help lists is what is bound.

// syncApp is the app on the fixture at 120×40, loaded: the commands that
// read from the engine run at once in the test's goroutine (the clock's
// tick and the event stream are left out).
func syncApp(t *testing.T, f *fakeEngine) *App {
	t.Helper()
	a := newTestApp(f)
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for _, cmd := range []tea.Cmd{a.loadActive(), a.loadRuns(), a.loadGPUs(), loadModels, loadSweeps} {
		runCmd(t, a, cmd)
	}
	return a
}

// runCmd runs a command as Bubble Tea would and gives the app what it
// produced, and what that produced, until nothing is left.
func runCmd(t *testing.T, a *App, cmd tea.Cmd) {
	t.Helper()
	drain(t, func(msg tea.Msg) tea.Cmd { _, next := a.Update(msg); return next }, cmd)
}

// pageUpdate gives a page a message, as drain needs.
func pageUpdate(p page) func(tea.Msg) tea.Cmd {
	return func(msg tea.Msg) tea.Cmd { _, next := p.Update(msg); return next }
}

// drain runs a command and gives update what it produced, and what that
// produced, until nothing is left (the commands must not block: no tick,
// no event stream).
func drain(t *testing.T, update func(tea.Msg) tea.Cmd, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 1000 {
			t.Fatal("commands without end")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil, tea.QuitMsg:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			queue = append(queue, update(msg))
		}
	}
}

// keyNames are the keys Bubble Tea names (enter, ctrl+d…), by name.
var keyNames = func() map[string]tea.KeyType {
	m := map[string]tea.KeyType{}
	for kt := tea.KeyType(-200); kt < 200; kt++ {
		if n := kt.String(); n != "" && kt != tea.KeyRunes {
			m[n] = kt
		}
	}
	return m
}()

// keyMsg is the message of a key as a binding names it.
func keyMsg(t *testing.T, k string) tea.KeyMsg {
	t.Helper()
	if kt, ok := keyNames[k]; ok {
		msg := tea.KeyMsg{Type: kt}
		if kt == tea.KeySpace {
			msg.Runes = []rune{' '}
		}
		return msg
	}
	if r := []rune(k); len(r) == 1 {
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: r}
	}
	t.Fatalf("no key %q", k)
	return tea.KeyMsg{}
}

// press sends keys, each as a binding names it, and runs their commands.
func press(t *testing.T, a *App, ks ...string) {
	t.Helper()
	for _, k := range ks {
		_, cmd := a.Update(keyMsg(t, k))
		runCmd(t, a, cmd)
	}
}

// A helpContext is a place in the app: the keys that lead there from the
// dashboard, on the fixture as tune leaves it. The place is where the keys
// it lists do something (the cursor mid-table, a log long enough to
// scroll, a comparison taller than the screen).
type helpContext struct {
	name string
	keys []string
	// shows is in the view there.
	shows string
	tune  func(*fakeEngine)
}

var (
	toRun     = []string{"2", "j", "j", "enter"} // resnet-baseline, running
	toCompare = []string{"2", "j", "j", " ", " ", " ", "c"}
)

func helpContexts() []helpContext {
	with := func(base []string, more ...string) []string { return append(slices.Clone(base), more...) }
	return []helpContext{
		{name: "dashboard", shows: "Jobs: 2 running"},
		{name: "runs", keys: []string{"2", "j", "j"}, shows: "› a1b2c3d4"},
		{name: "runs with a mark", keys: []string{"2", "j", " "}, shows: "5 runs, 1 marked"},
		{name: "runs, a filter typed", keys: []string{"2", "/", "b"}, shows: "/b█"},
		{name: "run overview", keys: toRun, shows: "[overview]"},
		{name: "run charts", keys: with(toRun, "l"), shows: "acc 0.0625"},
		{name: "run logs", keys: with(toRun, "l", "l"), shows: "following · 4.0 KiB"},
		{name: "run logs, a search typed", keys: with(toRun, "l", "l", "/", "l"), shows: "/l█"},
		{name: "run logs, paused on matches", keys: with(toRun, "l", "l", "/", "l", "o", "s", "s", "enter", "g", "j"),
			shows: "paused at 0% of 4.0 KiB · G to follow · /loss: match at"},
		{name: "run logs, scrolled sideways", keys: with(toRun, "l", "l", ">"), shows: "following · 4.0 KiB · →"},
		{name: "run system", keys: with(toRun, "h"), shows: "GPU 1 memory GiB"},
		// The charts' grid: one chart a page and smoothed, a filter typed,
		// the inspector zoomed.
		{name: "run charts, one a page", keys: with(toRun, "l", "s", "c", "c", "c", "r", "r", "r"), shows: "page 1/2 · 2 metrics · 1×1 grid"},
		{name: "run charts, a filter typed", keys: with(toRun, "l", "/", "a"), shows: "filter: /a█"},
		{name: "run charts, inspected and zoomed", keys: with(toRun, "l", "i", "z", "l", "l", "l", "z", "h"), shows: "(0 resets)"},
		{name: "compare summary", keys: with(toCompare, "j"), shows: "lines 2–"},
		{name: "compare curves", keys: with(toCompare, "l"), shows: "A ━━ resnet-baseline 0.0625"},
		{name: "runs, column chooser", keys: []string{"2", "C", "j"}, shows: "› [x] NAME"},
		{name: "scatter", keys: []string{"2", "S"}, shows: "against"},
		{name: "scatter, parallel coordinates", keys: []string{"2", "S", "v"}, shows: "parallel coordinates"},
		{name: "gpus", keys: []string{"3", "j"}, shows: "GPU 1  0000:02:00.0"},
		{name: "gpus, an idle device", keys: []string{"3", "G"}, shows: "GPU 3  0000:04:00.0"},
		{name: "dashboard, a queued job", keys: []string{"j", "j"}, shows: "›○ llama-sweep"},
		{name: "dashboard, an attention item", keys: []string{"j", "j", "j", "j"}, shows: "›✗ bert-diverged failed"},
		{name: "help", keys: []string{"?"}, shows: "Everywhere"},
		{name: "palette", keys: []string{":", "down"}, shows: "› go to Runs"},
		{name: "palette, a query typed", keys: []string{":", "r", "u", "n", " ", "l"}, shows: ":run l█"},
		{name: "form", keys: []string{"n"}, shows: "Start a job"},
		{name: "question", keys: []string{"2", "j", "j", "x"}, shows: "kill resnet-baseline? y/n"},
		{name: "notice", keys: []string{"2", "j", "j", "R", "y"}, shows: "Re-run: what differs from the first run"},
		{name: "models", keys: []string{"4", "j"}, shows: "› mnist-cnn"},
		{name: "model versions", keys: []string{"4", "enter", "j"}, shows: "› v2"},
		{name: "version lineage", keys: []string{"4", "enter", "enter", "j"}, shows: "lines 2–"},
		{name: "register form", keys: []string{"2", "j", "j", "j", "enter", "r"}, shows: "Register bert-diverged as a model version"},
		{name: "dashboard, a review waiting", shows: "1 promotion waits for your review",
			tune: func(f *fakeEngine) { f.mine = f.models[0].Requests[:1] }},
		{name: "model requests", keys: []string{"4", "enter", "G", "k"}, shows: "› #2"},
		{name: "review", keys: []string{"4", "enter", "j", "j", "j", "enter"}, shows: "pending: the gates pass"},
		{name: "review scrolled", keys: []string{"4", "enter", "j", "j", "j", "enter", "j"}, shows: "lines 2–",
			tune: func(f *fakeEngine) {
				f.models[0].Requests[0].Checks = slices.Repeat(f.models[0].Requests[0].Checks, 20)
			}},
		{name: "review form", keys: []string{"4", "enter", "j", "j", "j", "enter", "x"}, shows: "Reject digits v3 (request #2)"},
		{name: "review question", keys: []string{"4", "enter", "j", "j", "j", "enter", "a", "enter"}, shows: "approve digits v3? y/n"},
		// On a model's drift, a column and a window mid-way: every motion
		// moves.
		{name: "drift", keys: []string{"4", "d", "j", "h"}, shows: "age at #7", tune: withDrift},
		{name: "drift, the newest window", keys: []string{"4", "d"}, shows: "income at #8", tune: withDrift},
		{name: "drift, no windows", keys: []string{"4", "j", "d"}, shows: "no reference: lathe drift reference mnist-cnn"},
		{name: "dashboard, a drift alert", shows: "digits: drift alert", tune: withDrift},
		{name: "dashboard, a review and a drift alert", shows: "d opens its drift",
			tune: func(f *fakeEngine) { withDrift(f); f.mine = f.models[0].Requests[:1] }},
		// The sweeps: the list, a running sweep (its curves under the
		// leaderboard, and in place of it), a stopped one, the trials'
		// scatter and a trial's run.
		{name: "sweeps", keys: []string{"5", "j"}, shows: "› dropout-random", tune: withSweeps},
		{name: "sweeps, none", keys: []string{"5"}, shows: "no sweeps yet"},
		{name: "sweep", keys: []string{"5", "enter", "j"}, shows: "#1 lr-search-1 · done", tune: withSweeps},
		{name: "sweep, curves", keys: []string{"5", "enter", "j", "c"}, shows: "┆ rungs", tune: withSweeps},
		{name: "sweep, stopped", keys: []string{"5", "j", "enter", "j"}, shows: "#1 dropout-random-1 · done", tune: withSweeps},
		{name: "sweep, a question", keys: []string{"5", "enter", "x"}, shows: "kill its 2 running trials? y/n", tune: withSweeps},
		{name: "trials' scatter", keys: []string{"5", "enter", "S"}, shows: "trials of lr-search", tune: withSweeps},
		{name: "trial's run", keys: []string{"5", "enter", "enter"}, shows: "Sweeps › lr-search › lr-search-3", tune: withSweeps},
	}
}

// helpFixture is the fixture with a log long enough to scroll, a
// comparison taller than the screen, with params shared and not, a
// version whose lineage is taller than the screen, and digits' promotion
// requests.
func helpFixture() *fakeEngine {
	f := fixture()
	f.models[0].Requests = fixtureRequests()
	for i := range 40 {
		f.models[0].Versions[0].Datasets = append(f.models[0].Versions[0].Datasets, api.Dataset{Name: fmt.Sprintf("shard-%02d", i),
			Path: fmt.Sprintf("data/shard-%02d.csv", i), Size: 1 << 20, SHA256: strings.Repeat("c", 64)})
	}
	var log strings.Builder
	for i := range 200 {
		fmt.Fprintf(&log, "epoch %d loss=%.3f\n", i, 2/float64(i+1))
	}
	f.logs = log.String()
	for id, c := range f.comparisons {
		for i := range 30 {
			name := fmt.Sprintf("p%02d", i)
			c.Params.Same[name] = "1"
			v := strconv.Itoa(i)
			c.Params.Differ["q"+name] = map[string]*string{c.Runs[0].ID: &v}
		}
		f.comparisons[id] = c
	}
	return f
}

// at is the app in a context, and a check that it got there.
func at(t *testing.T, c helpContext) *App {
	t.Helper()
	f := helpFixture()
	if c.tune != nil {
		c.tune(f)
	}
	a := syncApp(t, f)
	press(t, a, c.keys...)
	if v := a.View(); !strings.Contains(v, c.shows) {
		t.Fatalf("%s: no %q in\n%s", c.name, c.shows, v)
	}
	return a
}

// listed is every binding help lists in the app's context: the footer's
// and the help's.
func listed(a *App) []key.Binding {
	short, full := a.keyHelp(true)
	out := slices.Clone(short)
	for _, g := range full {
		for _, r := range g.rows {
			out = append(out, r...)
		}
	}
	return out
}

// same reports whether two bindings are one: the same keys, the same help.
func same(a, b key.Binding) bool {
	return slices.Equal(a.Keys(), b.Keys()) && a.Help() == b.Help()
}

// No two bindings that work in the same place share a key (ctrl+c, which
// quits from anywhere, included).
func TestKeysBoundOnce(t *testing.T) {
	for _, c := range helpContexts() {
		t.Run(c.name, func(t *testing.T) {
			a := at(t, c)
			bound := map[string]key.Binding{}
			for _, b := range append(listed(a), a.keys.Interrupt) {
				if !b.Enabled() {
					t.Errorf("help lists %q (%s), which is disabled", b.Help().Key, b.Help().Desc)
					continue
				}
				for _, k := range b.Keys() {
					if other, ok := bound[k]; ok && !same(other, b) {
						t.Errorf("%q is bound to %q and to %q", k, other.Help().Desc, b.Help().Desc)
					}
					bound[k] = b
				}
			}
		})
	}
}

// fingerprint is what the app holds in a context: what is open, and the
// page shown, field by field.
func fingerprint(a *App) string {
	p := reflect.Indirect(reflect.ValueOf(a.pages[a.active])).Interface()
	return fmt.Sprintf("%d %d %+v", a.overlay, a.active, p)
}

// Every key help lists does something where it is listed: the view or the
// app's state changes, or a command comes back. A binding added to a
// KeyMap and listed, but not handled, fails here (one not listed fails
// TestKeysAllListed).
func TestKeysListedDoSomething(t *testing.T) {
	for _, c := range helpContexts() {
		t.Run(c.name, func(t *testing.T) {
			for _, b := range listed(at(t, c)) {
				k := b.Keys()[0]
				a := at(t, c) // afresh for each key
				view, before := a.View(), fingerprint(a)
				_, cmd := a.Update(keyMsg(t, k))
				if cmd == nil && a.View() == view && fingerprint(a) == before {
					t.Errorf("%q (%s) does nothing", k, b.Help().Desc)
				}
			}
		})
	}
}

// Every binding of the KeyMap, the parts' included, is listed by help
// somewhere.
func TestKeysAllListed(t *testing.T) {
	var everywhere []key.Binding
	for _, c := range helpContexts() {
		everywhere = append(everywhere, listed(at(t, c))...)
	}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		if b, ok := v.Interface().(key.Binding); ok {
			if path == "Interrupt" { // ctrl+c quits from anywhere; help does not say it
				return
			}
			if !slices.ContainsFunc(everywhere, func(l key.Binding) bool { return same(l, b) }) {
				t.Errorf("%s (%q, %s) is listed nowhere", path, b.Help().Key, b.Help().Desc)
			}
			return
		}
		for i := range v.NumField() {
			walk(v.Field(i), strings.TrimPrefix(path+"."+v.Type().Field(i).Name, "."))
		}
	}
	walk(reflect.ValueOf(DefaultKeyMap()), "")
}
