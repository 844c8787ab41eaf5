package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"lathe/engine/api"
)

// viewsEngine is the fake engine noting the metrics whose views the app
// reads.
type viewsEngine struct {
	*fakeEngine
	mu    sync.Mutex
	asked []string
}

func (e *viewsEngine) MetricView(ctx context.Context, ref, name string, points int) ([]api.Bucket, error) {
	e.mu.Lock()
	e.asked = append(e.asked, name)
	e.mu.Unlock()
	return e.fakeEngine.MetricView(ctx, ref, name, points)
}

// takeAsked gives the metrics asked for since the last call, sorted.
func (e *viewsEngine) takeAsked() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := slices.Sorted(slices.Values(e.asked))
	e.asked = nil
	return slices.Compact(out)
}

// manyMetrics is the fixture with resnet-baseline logging 200 metrics,
// m000 to m199, and changed as tune says.
func manyMetrics(t *testing.T, tune ...func(*api.Run)) (*App, *viewsEngine) {
	f := fixture()
	i := slices.IndexFunc(f.runs, func(r api.Run) bool { return r.Name == "resnet-baseline" })

	f.runs[i].Metrics = map[string]api.MetricSummary{}
	for k := range 200 {
		f.runs[i].Metrics[fmt.Sprintf("m%03d", k)] = api.MetricSummary{Last: 1, Count: 10, LastStep: 10}
	}
	for _, change := range tune {
		change(&f.runs[i])
	}
	e := &viewsEngine{fakeEngine: f}
	a := newTestApp(e)
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for _, cmd := range []tea.Cmd{a.loadActive(), a.loadRuns(), a.loadGPUs(), loadModels} {
		runCmd(t, a, cmd)
	}
	return a, e
}

// The charts tab reads the views of the page shown only: with 200 metrics,
// four, then the next four on n; the filter reads those it shows.
func TestChartsTabReadsThePageShown(t *testing.T) {
	a, e := manyMetrics(t)
	press(t, a, toRun...)
	e.takeAsked()
	press(t, a, "l")
	if got := e.takeAsked(); !slices.Equal(got, []string{"m000", "m001", "m002", "m003"}) {
		t.Errorf("the first page read %v", got)
	}
	v := a.View()
	for _, want := range []string{"m000", "m003", "page 1/50 · 200 metrics"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in\n%s", want, v)
		}
	}
	press(t, a, "n")
	if got := e.takeAsked(); !slices.Equal(got, []string{"m004", "m005", "m006", "m007"}) {
		t.Errorf("n read %v", got)
	}
	if v := a.View(); !strings.Contains(v, "m007") || strings.Contains(v, "m003") || !strings.Contains(v, "page 2/50") {
		t.Errorf("page 2:\n%s", v)
	}
	// The filter takes every key, q and n too, and reads what it shows.
	press(t, a, "/", "m", "1", "9", "q")
	if got := e.takeAsked(); !slices.Contains(got, "m190") || slices.Contains(got, "m008") {
		t.Errorf("the filter read %v", got)
	}
	if v := a.View(); !strings.Contains(v, "filter: /m19q█") || !strings.Contains(v, `no metric matches "m19q"`) {
		t.Errorf("typing q:\n%s", v)
	}
	press(t, a, "backspace", "enter")
	if v := a.View(); !strings.Contains(v, "page 1/3 · 10 of 200 metrics · filter: m19") || !strings.Contains(v, "m190") {
		t.Errorf("filter m19:\n%s", v)
	}
	press(t, a, "c")
	if got := e.takeAsked(); !slices.Equal(got, []string{"m190", "m191", "m192", "m193", "m194", "m195"}) {
		t.Errorf("3 columns read %v", got)
	}
}

// On the charts tab the grid's keys come first: r sets its rows (not
// register), and while it inspects, l and h move its cursor rather than
// the tab; t keeps switching the X axis, which the axis names.
func TestChartsTabKeys(t *testing.T) {
	a, _ := manyMetrics(t)
	press(t, a, toRun...)
	press(t, a, "l", "r")
	v := a.View()
	if !strings.Contains(v, "[charts]") || !strings.Contains(v, "2×3 grid") || strings.Contains(v, "Register") {
		t.Errorf("r on the charts tab:\n%s", v)
	}
	press(t, a, "i", "l", "l", "h")
	v = a.View()
	if !strings.Contains(v, "[charts]") || !strings.Contains(v, "cursor step") || !strings.Contains(v, "m000 @") {
		t.Errorf("the inspector:\n%s", v)
	}
	if !strings.Contains(v, " step") {
		t.Errorf("the X axis is not named step:\n%s", v)
	}
	press(t, a, "i", "t")
	if v := a.View(); !strings.Contains(v, " time") || strings.Contains(v, "cursor") {
		t.Errorf("t:\n%s", v)
	}
	press(t, a, "l")
	if v := a.View(); !strings.Contains(v, "[logs]") {
		t.Errorf("l without the inspector goes to the next tab:\n%s", v)
	}
}

// With the mouse, a click on a chart shows the inspector where it is.
func TestChartsTabClick(t *testing.T) {
	a, _ := manyMetrics(t)
	press(t, a, toRun...)
	press(t, a, "l")
	// Row 10 of the screen, column 30: in the first chart's plot.
	a.Update(tea.MouseMsg{X: 30, Y: 10, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	if v := a.View(); !strings.Contains(v, "cursor step") || !strings.Contains(v, "m000 @") {
		t.Errorf("a click:\n%s", v)
	}
}

// A zoom reads the page's views in as much more detail as it magnifies.
func TestChartsTabZoomReadsDetail(t *testing.T) {
	f := fixture()
	e := &pointsEngine{fakeEngine: f}
	a := newTestApp(e)
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	for _, cmd := range []tea.Cmd{a.loadActive(), a.loadRuns(), a.loadGPUs(), loadModels} {
		runCmd(t, a, cmd)
	}
	press(t, a, toRun...)
	press(t, a, "l")
	whole := e.last()
	press(t, a, "z") // the middle half
	if got := e.last(); got < 2*whole*9/10 {
		t.Errorf("a zoom of ×2 asked for %d points, %d before", got, whole)
	}
	press(t, a, "0")
	if got := e.last(); got != whole {
		t.Errorf("0 asked for %d points, %d before the zoom", got, whole)
	}
}

// pointsEngine notes the points the last view was asked in.
type pointsEngine struct {
	*fakeEngine
	mu     sync.Mutex
	points int
}

func (e *pointsEngine) MetricView(ctx context.Context, ref, name string, points int) ([]api.Bucket, error) {
	e.mu.Lock()
	e.points = points
	e.mu.Unlock()
	return e.fakeEngine.MetricView(ctx, ref, name, points)
}

func (e *pointsEngine) last() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.points
}

// The charts tab of 200 metrics on its second page, inspected, at the
// app's two sizes, with and without colour: golden files.
func TestChartsTabGolden(t *testing.T) {
	for _, colour := range []bool{false, true} {
		for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
			name := itoa(size.w) + "x" + itoa(size.h)
			if colour {
				name += "-colour"
			}
			t.Run(name, func(t *testing.T) {
				if colour {
					lipgloss.SetColorProfile(termenv.TrueColor)
					defer lipgloss.SetColorProfile(termenv.Ascii)
				}
				a, _ := manyMetrics(t)
				a.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
				press(t, a, toRun...)
				press(t, a, "l", "n", "i", "l", "l", "]")
				v := a.View()
				for _, want := range []string{"[charts]", "m004 @", "page 2/50 · 200 metrics · cursor step", "EMA 0.3"} {
					if !strings.Contains(ansi.Strip(v), want) {
						t.Errorf("no %q in\n%s", want, v)
					}
				}
				if lines := strings.Split(v, "\n"); len(lines) != size.h {
					t.Errorf("%d lines on a %d-line terminal", len(lines), size.h)
				}
				golden.RequireEqual(t, []byte(v))
			})
		}
	}
}

// A terminal grown taller shows more rows of charts: the next tick reads
// the views they lack, even of a run that has ended.
func TestChartsTabGrowsWithTheTerminal(t *testing.T) {
	a, e := manyMetrics(t, func(r *api.Run) { r.Status = api.Succeeded })
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	press(t, a, toRun...)
	press(t, a, "l", "r", "r") // four rows asked, three fit in 24 lines
	e.takeAsked()
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	if v := a.View(); !strings.Contains(v, "loading m006") {
		t.Fatalf("the grown page:\n%s", v)
	}
	// The page's part of a tick (the app's re-arms the tick).
	_, cmd := a.pages[a.active].Update(tickMsg(clock))
	runCmd(t, a, cmd)
	if got := e.takeAsked(); !slices.Contains(got, "m006") || !slices.Contains(got, "m007") {
		t.Errorf("the tick read %v", got)
	}
	if v := a.View(); strings.Contains(v, "loading") {
		t.Errorf("still loading:\n%s", v)
	}
}

// A run without a GPU charts its process tree's CPU and memory on its
// system tab, on 0–100% (widened to the cores it used) and from 0.
func TestSystemTabCPUOnly(t *testing.T) {
	a, _ := manyMetrics(t, func(r *api.Run) { r.Devices = nil })
	press(t, a, toRun...)
	press(t, a, "h")
	v := ansi.Strip(a.View())
	for _, want := range []string{procCPUChart, "resident memory GiB", "250", "3"} {
		if !strings.Contains(v, want) {
			t.Errorf("the system tab lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "GPU 0") {
		t.Errorf("a run without a GPU charts one:\n%s", v)
	}
}

// esc closes the inspector, then a kept filter, and only then leaves the
// run; the footer names one esc, saying what it does.
func TestChartsTabEsc(t *testing.T) {
	a, _ := manyMetrics(t)
	press(t, a, toRun...)
	press(t, a, "l", "/", "m", "1", "9", "enter", "i")
	v := a.View()
	if !strings.Contains(v, "esc stop inspecting") || strings.Contains(v, "esc back") {
		t.Fatalf("inspecting with a filter kept, the footer:\n%s", v)
	}
	press(t, a, "esc")
	if v := a.View(); a.active != runPage || !strings.Contains(v, "filter: m19") || !strings.Contains(v, "esc clear the filter") {
		t.Fatalf("esc while inspecting:\n%s", v)
	}
	press(t, a, "esc")
	if v := a.View(); a.active != runPage || strings.Contains(v, "filter:") || !strings.Contains(v, "esc back") {
		t.Fatalf("esc with a filter kept:\n%s", v)
	}
	press(t, a, "esc")
	if a.active != runsPage {
		t.Errorf("esc with nothing open stayed on page %d", a.active)
	}
}

// A process tree under a GiB is charted in MiB (3.1, not 0.003); one over
// it in GiB.
func TestProcMemAxis(t *testing.T) {
	for _, c := range []struct {
		rss  uint64
		name string
	}{{3 << 20, "resident memory MiB"}, {3 << 30, "resident memory GiB"}} {
		p := &runView{procs: []api.ProcPoint{{ProcStats: api.ProcStats{RSS: c.rss}}}}
		if name, unit := p.procMemAxis(); name != c.name || float64(c.rss)/unit != 3 {
			t.Errorf("%d bytes: %s, unit %v", c.rss, name, unit)
		}
	}
}
