package tui

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"lathe/engine/api"
	"lathe/tui/table"
)

// trainScript is a job that writes a model and a data set in its folder
// and names them in its metrics file, with a metric to judge it by.
const trainScript = `printf 'weights of the digits model\n' > model.bin
printf 'pixel,label\n0,3\n1,7\n' > train.csv
echo '{"dataset": {"name": "digits-train", "path": "train.csv", "role": "train"}}' >> "$LATHE_METRICS_FILE"
echo '{"step": 1, "metrics": {"acc": 0.9722, "loss": 0.12}}' >> "$LATHE_METRICS_FILE"
echo '{"artifact": {"name": "model", "path": "model.bin"}}' >> "$LATHE_METRICS_FILE"
`

// trainJob runs trainScript as the run train-digits of the experiment
// digits on the engine, in a folder of its own, and waits until it has
// ended and the engine has read all it named (its artifact, its data set's
// digest). It returns the run and its folder.
func trainJob(t *testing.T, e *recorder) (api.Run, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.sh"), []byte(trainScript), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := e.eng.Submit(ctx, api.SubmitRequest{Name: "train-digits", Experiment: "digits", Command: []string{"sh", "train.sh"},
		Cwd: dir, Env: []string{"PATH=" + os.Getenv("PATH")}, Params: map[string]string{"lr": "0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = e.eng.Wait(ctx, r.ID); err != nil || r.Status != api.Succeeded {
		t.Fatalf("the job: %+v, %v", r, err)
	}
	for {
		r, err = e.eng.Run(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Artifacts) > 0 && len(r.Datasets) > 0 && (r.Datasets[0].SHA256 != "" || r.Datasets[0].Error != "") {
			return r, dir
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the engine did not read what the job named: %+v", r)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// frozen makes what the registry answers of a real run the same at every
// run of the tests, for golden files: the run's id, the data directory and
// the job's folder (temporary), the times (real ones; the app's clock is
// fixed), the user, and the environment the job's supervisor captured (the
// machine's) are set to fixed values.
type frozen struct {
	home, cwd string
	ids       map[string]string // a run's id, and what it shows as
	// user is who the engine says asks (the OS user of the tests): ada.
	user string
}

// who is a user as the goldens show them: the tests' OS user is ada.
func (f *frozen) who(u string) string {
	if u == f.user && u != "" {
		return "ada"
	}
	return u
}

// request makes a request opened 5 minutes before the app's clock, closed
// (and reviewed) a minute later, by ada.
func (f *frozen) request(r *api.Request) {
	r.Opened, r.OpenedBy = clock.Add(-5*time.Minute), f.who(r.OpenedBy)
	if !r.Closed.IsZero() {
		r.Closed = clock.Add(-4 * time.Minute)
	}
	r.Approvals = slices.Clone(r.Approvals)
	for i := range r.Approvals {
		r.Approvals[i] = f.who(r.Approvals[i])
	}
	r.Reviews = slices.Clone(r.Reviews)
	for i := range r.Reviews {
		r.Reviews[i].User, r.Reviews[i].Time = f.who(r.Reviews[i].User), clock.Add(-4*time.Minute)
	}
}

func (f *frozen) text(s string) string {
	for from, to := range map[string]string{f.home: "/home/ada/.local/share/lathe", f.cwd: "/work/digits"} {
		if from != "" {
			s = strings.ReplaceAll(s, from, to)
		}
	}
	for id, fixed := range f.ids {
		s = strings.ReplaceAll(s, id, fixed)
	}
	return s
}

// version makes version n registered 10n minutes before the app's clock's
// 30th minute: v1 20 minutes ago, v2 10 minutes ago.
func (f *frozen) version(v *api.ModelVersion) {
	v.Run = f.text(v.Run)
	v.Registered = clock.Add(-time.Duration(30-10*v.Version) * time.Minute)
	v.RegisteredBy = "ada"
	v.Artifact.Source, v.Artifact.Path = f.text(v.Artifact.Source), f.text(v.Artifact.Path)
	v.Datasets = f.datasets(v.Datasets)
}

func (f *frozen) datasets(ds []api.Dataset) []api.Dataset {
	ds = slices.Clone(ds)
	for i := range ds {
		ds[i].Abs, ds[i].Modified = f.text(ds[i].Abs), clock
	}
	return ds
}

func (f *frozen) run(r *api.Run) {
	started, ended := clock.Add(-time.Hour), clock.Add(-time.Hour+3*time.Second)
	r.ID, r.Dir, r.Cwd = f.text(r.ID), f.text(r.Dir), f.text(r.Cwd)
	r.Created, r.Started, r.Ended, r.User, r.Host = started, &started, &ended, "ada", "gpu-01"
	r.Datasets = f.datasets(r.Datasets)
	// Whether or not this machine let it be captured, and whatever it is.
	r.Environment = fixtureEnvironment()
	r.Environment.Git = nil // the job's folder is not a git tree
}

func (r *recorder) Models(ctx context.Context) ([]api.ModelSummary, error) {
	ms, err := r.Engine.Models(ctx)
	if f := r.freeze; f != nil {
		for i := range ms {
			ms[i].Updated = clock.Add(-10 * time.Minute)
			if ms[i].Latest != nil {
				v := *ms[i].Latest
				f.version(&v)
				ms[i].Latest = &v
			}
		}
	}
	return ms, err
}

func (r *recorder) Model(ctx context.Context, name string) (api.Model, error) {
	m, err := r.Engine.Model(ctx, name)
	if f := r.freeze; f != nil {
		m.Created, m.CreatedBy = clock.Add(-20*time.Minute), "ada"
		m.Versions = slices.Clone(m.Versions)
		for i := range m.Versions {
			f.version(&m.Versions[i])
		}
		m.Requests = slices.Clone(m.Requests)
		for i := range m.Requests {
			f.request(&m.Requests[i])
		}
	}
	return m, err
}

func (r *recorder) Lineage(ctx context.Context, model string, version int) (api.Lineage, error) {
	l, err := r.Engine.Lineage(ctx, model, version)
	if f := r.freeze; f != nil {
		f.version(&l.Version)
		if l.Run != nil {
			run := *l.Run
			f.run(&run)
			l.Run = &run
		}
	}
	return l, err
}

// registryEngine is the engine in the process with the fixture's runs
// and a model of two versions registered from a real job: digits v1, and
// v2, the challenger, with a description.
func registryEngine(t *testing.T) *recorder {
	t.Helper()
	e := realEngine(t, fixtureSeeds())
	run, dir := trainJob(t, e)
	ctx := context.Background()
	for _, desc := range []string{"", "the same weights, again"} {
		if _, err := e.eng.Register(ctx, api.RegisterRequest{Run: run.ID, Model: "digits", Description: desc}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.eng.SetAlias(ctx, api.AliasRequest{Model: "digits", Alias: "challenger", Version: 2}); err != nil {
		t.Fatal(err)
	}
	e.freeze = &frozen{home: e.home, cwd: dir, ids: map[string]string{run.ID: "0f1e2d3c4b5a"}}
	return e
}

// The registry's pages at 120×40 and 80×24, on versions registered from
// a real job: the models, a model's versions, a version's lineage.
func TestModelPages(t *testing.T) {
	e := registryEngine(t)
	toModel := []any{keys("4"), "1 model", enter, "judged by acc"}
	pages := []struct {
		name  string
		send  []any
		wants []string
	}{
		{"models", []any{keys("4"), "1 model"}, []string{"lathe › Models", "digits", "[challenger v2]", "acc ↑ 0.9722", "v2"}},
		{"model", toModel, []string{"lathe › Models › digits", "2 versions (last v2)", "[challenger]", "0.9722", "train-digits",
			"ada", "20m00s ago", "esc back"}},
		{"version", append(slices.Clone(toModel), enter, "copied from"), []string{"lathe › Models › digits › v2", "[challenger]",
			"the same weights, again", "model (file, 28 B)", "/home/ada/.local/share/lathe/artifacts", "/work/digits/model.bin",
			"train-digits (0f1e2d3c4b5a)", "sh train.sh", "lr=0.1", "not a git tree", "acc=0.9722 loss=0.12"}},
	}
	for _, pg := range pages {
		for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
			t.Run(pg.name+"/"+itoa(size.w)+"x"+itoa(size.h), func(t *testing.T) {
				view := drive(t, e, size.w, size.h, "Jobs:", pg.send...)
				for _, want := range pg.wants {
					if !strings.Contains(view, want) {
						t.Errorf("%s lacks %q", pg.name, want)
					}
				}
				lines := strings.Split(view, "\n")
				if len(lines) != size.h {
					t.Errorf("%d lines on a %d-line terminal", len(lines), size.h)
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > size.w {
						t.Errorf("line %d is %d cells wide: %q", i, w, l)
					}
				}
				golden.RequireEqual(t, []byte(view))
			})
		}
	}
	// The rest of the lineage, below the first screen at 80×24: the data
	// set with its digest, and the environment.
	rest := drive(t, e, 80, 24, "Jobs:", append(slices.Clone(toModel), enter, "copied from", keys("G"), "no NVIDIA driver")...)
	for _, want := range []string{"digits-train (train)  train.csv  20 B  sha256 b2d42fc2341e", "Environment", "3.13.5 (/usr/bin/python3)",
		"no NVIDIA driver"} {
		if !strings.Contains(rest, want) {
			t.Errorf("the end of the lineage lacks %q:\n%s", want, rest)
		}
	}
}

// r on an ended run's page opens the register form filled with its
// experiment's name and its artifact; submitting it makes version 1, and
// the page says so.
func TestRegisterFromRunPage(t *testing.T) {
	e := realEngine(t, fixtureSeeds())
	run, _ := trainJob(t, e)
	// The form is filled with the run's experiment and its artifact.
	view := drive(t, e, 120, 40, "Jobs:", keys(":"), keys("train-digits"), "train-digits · run", enter, "Runs › train-digits",
		keys("r"), "  artifact    model", tea.KeyMsg{Type: tea.KeyCtrlS}, "registered digits v1")
	if !strings.Contains(view, "lathe › Runs › train-digits") {
		t.Errorf("after the registration:\n%s", view)
	}
	m, err := e.eng.Model(context.Background(), "digits")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Versions) != 1 {
		t.Fatalf("versions %+v", m.Versions)
	}
	if v := m.Versions[0]; v.Version != 1 || v.Run != run.ID || v.Artifact.Name != "model" || v.Artifact.Size != 28 || v.Params["lr"] != "0.1" {
		t.Errorf("version %+v", v)
	}
}

// The form's fields make the request: the model and artifact as typed
// (trimmed), the description; the first field is required.
func TestRegisterForm(t *testing.T) {
	f := fixture()
	view := drive(t, f, 120, 40, "Jobs:", keys("2"), keys("jjj"), enter, "Runs › bert-diverged", keys("r"), "Register bert-diverged",
		tea.KeyMsg{Type: tea.KeyCtrlU}, tea.KeyMsg{Type: tea.KeyCtrlS}, "model: required",
		keys(" bert "), tea.KeyMsg{Type: tea.KeyTab}, keys("/work/exp/ckpt"), tea.KeyMsg{Type: tea.KeyTab}, keys("first try"),
		tea.KeyMsg{Type: tea.KeyCtrlS}, "registered bert v4")
	want := api.RegisterRequest{Run: "abcdefabcdef", Model: "bert", Artifact: "/work/exp/ckpt", Description: "first try"}
	if len(f.registered) != 1 || !reflect.DeepEqual(f.registered[0], want) {
		t.Errorf("registered %+v, want %+v", f.registered, want)
	}
	if strings.Contains(view, "Register bert-diverged") {
		t.Errorf("the form stayed:\n%s", view)
	}
}

// The engine's refusal shows in the form, which stays; a running run is not
// offered, and the page says why.
func TestRegisterRefusedAndRunning(t *testing.T) {
	f := fixture()
	f.registerErr = api.Errorf(api.ErrInvalid, "run bert-diverged declared no artifact: name a file or folder with --artifact PATH")
	view := drive(t, f, 120, 40, "Jobs:", keys("2"), keys("jjj"), enter, "Runs › bert-diverged", keys("r"), "Register bert-diverged",
		tea.KeyMsg{Type: tea.KeyCtrlS}, "declared no artifact")
	if !strings.Contains(view, "Register bert-diverged as a model version") || !strings.Contains(view, "› model       nlp") {
		t.Errorf("a refused registration:\n%s", view)
	}
	running := drive(t, fixture(), 120, 40, "Jobs:", keys("2"), keys("jj"), enter, "Runs › resnet-baseline", keys("r"),
		"resnet-baseline is running: register it once it has ended")
	if strings.Contains(running, "Register resnet-baseline") {
		t.Errorf("the form opened on a running run:\n%s", running)
	}
}

// The models page follows the registry: a version registered elsewhere
// (`lathe register`) shows, the engine's event says so.
func TestModelsFollowTheRegistry(t *testing.T) {
	e := realEngine(t, fixtureSeeds())
	run, _ := trainJob(t, e)
	tm := teatest.NewTestModel(t, newTestApp(e), teatest.WithInitialTermSize(120, 40))
	wait := func(s string) {
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), s) }, teatest.WithDuration(5*time.Second))
	}
	tm.Send(keys("4"))
	wait("no models yet")
	if _, err := e.eng.Register(context.Background(), api.RegisterRequest{Run: run.ID, Model: "digits"}, nil); err != nil {
		t.Fatal(err)
	}
	wait("1 model")
	tm.Send(enter)
	wait("1 version (last v1)")
	if _, err := e.eng.Register(context.Background(), api.RegisterRequest{Run: run.ID, Model: "digits"}, nil); err != nil {
		t.Fatal(err)
	}
	wait("2 versions (last v2)")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// esc goes back one level: from a version to its model, from the model to
// the models; a number key goes to its page from any level.
func TestModelsBack(t *testing.T) {
	a := syncApp(t, fixture())
	press(t, a, "4", "j", "enter", "enter")
	if v := a.View(); !strings.Contains(v, "lathe › Models › mnist-cnn › v1") {
		t.Fatalf("a version:\n%s", v)
	}
	press(t, a, "esc")
	if v := a.View(); !strings.Contains(v, "lathe › Models › mnist-cnn ") || !strings.Contains(v, "› v1") {
		t.Fatalf("esc from the version:\n%s", v)
	}
	press(t, a, "esc")
	if v := a.View(); !strings.Contains(v, "lathe › Models ") || !strings.Contains(v, "3 models") {
		t.Fatalf("esc from the model:\n%s", v)
	}
	press(t, a, "enter", "enter", "2")
	if _, open := a.pages[versionPage]; open || a.active != runsPage {
		t.Errorf("2 from a version: page %d, version page open %v", a.active, open)
	}
}

// Columns that do not fit are cut to their least width, then left out in
// their drop order.
func TestFitColumns(t *testing.T) {
	col := func(title string, w, least, drop int) sizedColumn[int] {
		return sizedColumn[int]{Column: table.Column[int]{Title: title, Width: w}, min: least, drop: drop}
	}
	cols := []sizedColumn[int]{col("A", 10, 5, 0), col("B", 10, 10, 1), col("C", 10, 10, 2)}
	for _, c := range []struct {
		room  int
		want  []string
		width int
	}{
		{room: 35, want: []string{"A", "B", "C"}, width: 10}, // the cursor and the mark, and 3×(10+1)
		{room: 32, want: []string{"A", "B", "C"}, width: 7},  // A cut by 3
		{room: 30, want: []string{"A", "B", "C"}, width: 5},
		{room: 29, want: []string{"A", "B"}, width: 10}, // A at 5 is not enough: C goes, A is whole again
		{room: 19, want: []string{"A", "B"}, width: 5},
		{room: 18, want: []string{"A"}, width: 10},
		{room: 10, want: []string{"A"}, width: 7}, // the last that may not go, cut
	} {
		got := fitColumns(cols, c.room)
		var titles []string
		for _, g := range got {
			titles = append(titles, g.Title)
		}
		if !slices.Equal(titles, c.want) || got[0].Width != c.width {
			t.Errorf("room %d: %v, A %d; want %v, A %d", c.room, titles, got[0].Width, c.want, c.width)
		}
	}
}
