package tui

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"lathe/engine/api"
	"lathe/runners/local"
	"lathe/themes"
	"lathe/tui/styles"
)

func TestMain(m *testing.M) {
	// The test binary is also the shim of the jobs the in-process engine
	// starts (see realEngine).
	if os.Getenv("LATHE_TEST_SHIM") == "1" && len(os.Args) == 3 && os.Args[1] == "shim" {
		os.Exit(local.RunShim(os.Args[2]))
	}
	lipgloss.SetColorProfile(termenv.Ascii)
	time.Local = time.UTC // the goldens' times, wherever they are made
	os.Exit(m.Run())
}

var clock = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fakeEngine is the slice of the engine the app uses, with canned data:
// runs, GPUs and their history, curves, logs, and the comparison of the
// runs the pages' goldens compare. It applies no rule of the engine's
// (filters, comparisons, what may be removed): the tests of those run
// against the engine itself (see inprocess_test.go).
type fakeEngine struct {
	mu        sync.Mutex // guards events, which a test may replace, runs, and what was asked
	runs      []api.Run
	gpus      api.GPUReport
	cluster   api.Cluster
	events    chan api.Event
	killed    []string
	submitted []api.SubmitRequest
	removed   []api.RemoveRequest
	// comparisons are the canned comparisons, by the runs' ids joined with
	// commas; logs is the runs' output.
	comparisons map[string]api.Comparison
	logs        string
	// removeErr, when set, is the engine's refusal of every removal.
	removeErr error
	// reruns are the re-runs asked for; rerunChanges what each says
	// differs now.
	reruns       []api.RerunRequest
	rerunChanges []string
	// models are the registry's, canned; registered the registrations
	// asked for, which registerErr refuses when set.
	models      []api.Model
	registered  []api.RegisterRequest
	registerErr error
	// The promotion requests are the models'; mine are those waiting for
	// the user. steps are the promotions, approvals and rejections asked
	// for ("approve digits 3 looks right"), which stepErr refuses when set.
	mine    []api.Request
	steps   []string
	stepErr error
	// drift is each model's drift, canned (a model without: no reference
	// yet); the models' listing says each one's status from it.
	drift map[string]api.ModelDrift
	// sweeps are the sweeps, canned, newest first; sweepSteps the stops
	// and resumes asked for ("stop ID kill"), which sweepErr refuses when
	// set.
	sweeps     []api.Sweep
	sweepSteps []string
	sweepErr   error
	// sweepReads counts the reads of sweeps (the list or one).
	sweepReads int
	// filtered are canned answers to filter expressions, by expression
	// (the fake does not filter).
	filtered map[string][]api.Run
}

// ProcHistory gives a started run's process tree a reading a second over
// its first ten minutes: two and a half cores busy, 3 GiB resident.
func (f *fakeEngine) ProcHistory(_ context.Context, ref string) ([]api.ProcPoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.runs, func(r api.Run) bool { return r.ID == ref })
	if i < 0 || f.runs[i].Started == nil {
		return nil, nil
	}
	pts := make([]api.ProcPoint, 600)
	for k := range pts {
		pts[k] = api.ProcPoint{Time: f.runs[i].Started.Add(time.Duration(k) * time.Second),
			ProcStats: api.ProcStats{CPUPercent: 250, RSS: 3 << 30, Procs: 3}}
	}
	return pts, nil
}

// GPUHistory gives an hour of readings a second: a device busy for the
// last 20 minutes, idle before.
func (f *fakeEngine) GPUHistory(_ context.Context, device int, since, until time.Time) ([]api.GPUPoint, error) {
	if until.IsZero() {
		until = clock
	}
	var out []api.GPUPoint
	for t := since.Truncate(time.Second); !t.After(until); t = t.Add(time.Second) {
		util, mem := 0.0, 0.0
		if clock.Sub(t) < 20*time.Minute && device < 3 {
			util, mem = 90-float64(device)*10, float64(40<<30)
		}
		out = append(out, api.GPUPoint{Time: t, Util: api.Float(util), MemoryUsed: api.Float(mem),
			PowerW: api.Float(60 + 3*util), TempC: api.Float(40 + util/4)})
	}
	return out, nil
}

func (f *fakeEngine) Submit(_ context.Context, req api.SubmitRequest) (api.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submitted = append(f.submitted, req)
	name := req.Name
	if name == "" {
		name = "train-7"
	}
	return api.Run{ID: "777777777777", Name: name, Status: api.Queued, Command: req.Command, Created: clock}, nil
}

// Runs lists the runs; it does not filter, but answers a filter it has a
// canned answer for (filtered).
func (f *fakeEngine) Runs(_ context.Context, q api.RunQuery) ([]api.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rs, ok := f.filtered[q.Filter]; ok {
		return rs, nil
	}
	if q.Filter != "" {
		return nil, errors.New("the fake engine does not filter: test filters on the engine (inprocess_test.go)")
	}
	return f.runs, nil
}

func (f *fakeEngine) find(ref string) (api.Run, bool) {
	i := slices.IndexFunc(f.runs, func(r api.Run) bool { return r.ID == ref })
	if i < 0 {
		return api.Run{}, false
	}
	return f.runs[i], true
}

// Remove takes the runs out, or refuses with removeErr.
func (f *fakeEngine) Remove(_ context.Context, req api.RemoveRequest) (api.RemoveResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, req)
	if f.removeErr != nil {
		return api.RemoveResult{}, f.removeErr
	}
	var res api.RemoveResult
	for _, ref := range req.Refs {
		if r, ok := f.find(ref); ok {
			res.Runs = append(res.Runs, r)
		}
	}
	// A new list: the app holds the old one.
	f.runs = slices.DeleteFunc(slices.Clone(f.runs), func(r api.Run) bool { return slices.Contains(req.Refs, r.ID) })
	return res, nil
}

// Compare gives the canned comparison of the runs.
func (f *fakeEngine) Compare(_ context.Context, refs []string) (api.Comparison, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.comparisons[strings.Join(refs, ",")]
	if !ok {
		return api.Comparison{}, errors.New("the fake engine has no comparison of " + strings.Join(refs, ","))
	}
	return c, nil
}

// fixtureComparison is the engine's comparison of resnet-baseline,
// bert-diverged and bert-finetune (A, B, C) of the fixture, canned.
func fixtureComparison(runs []api.Run) api.Comparison {
	const a, b, c = "a1b2c3d4e5f6", "abcdefabcdef", "999999999999"
	lr := "0.1"
	stat := func(last, min, max float64, n int64) *api.MetricStat {
		return &api.MetricStat{Last: api.Float(last), Min: api.Float(min), Max: api.Float(max), Count: n}
	}
	var compared []api.Run
	for _, id := range []string{a, b, c} {
		i := slices.IndexFunc(runs, func(r api.Run) bool { return r.ID == id })
		compared = append(compared, runs[i])
	}
	gpuHours := 300.0 / 3600 * 2 // five minutes on two GPUs
	return api.Comparison{
		Runs:   compared,
		Params: api.ParamComparison{Differ: map[string]map[string]*string{"lr": {a: &lr, b: nil, c: nil}}, Same: map[string]string{}},
		Metrics: map[string]api.MetricComparison{
			"loss": {Direction: "min", Best: c, ByRun: map[string]*api.MetricStat{a: stat(0.42, 0.42, 2.5, 1200), b: stat(9.5, 9.5, 2.5, 60), c: stat(0.17, 0.17, 2.5, 300)}},
			"acc":  {Direction: "max", Best: a, ByRun: map[string]*api.MetricStat{a: stat(0.81, 0.81, 2.5, 1200), b: nil, c: nil}},
		},
		Usage: map[string]api.RunUsage{
			a: {DurationS: 300, GPUHours: gpuHours, EnergyWh: 250 * gpuHours, PeakMemGB: 42.5, MeanUtil: 88},
			b: {DurationS: 60}, c: {DurationS: 600},
		},
	}
}

// Run is a run with its detail: resnet-baseline's environment and data
// sets, as the job's supervisor would have captured them.
func (f *fakeEngine) Run(_ context.Context, ref string) (api.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.find(ref)
	if !ok {
		return api.Run{}, errors.New("no run " + ref)
	}
	if r.ID == "a1b2c3d4e5f6" {
		r.Environment = fixtureEnvironment()
		r.Datasets = fixtureDatasets()
	}
	return r, nil
}

func fixtureEnvironment() *api.Environment {
	return &api.Environment{Captured: clock, OS: "Debian GNU/Linux 13 (trixie)", Kernel: "6.12.48+deb13-amd64", Arch: "amd64",
		Host: "gpu-01", Python: &api.PythonEnv{Executable: "/usr/bin/python3", Version: "3.13.5"},
		Packages: map[string]string{"numpy": "2.2.4", "scikit-learn": "1.6.1", "torch": "2.6.0"}, PackagesFrom: "pip freeze",
		Git: &api.GitEnv{Commit: "3f2a9c1d7e5b4a3c2d1e0f9a8b7c6d5e4f3a2b1c", Branch: "main", Dirty: true, PatchBytes: 1536}}
}

func fixtureDatasets() []api.Dataset {
	return []api.Dataset{
		{Name: "digits-train", Path: "data/train.csv", Role: "train", Kind: "file", Size: 337 << 10,
			SHA256: "5d41402abc4b2a76b9719d911017c592a1b2c3d4e5f60718293a4b5c6d7e8f90"},
		{Name: "digits-test", Path: "data/test.csv", Role: "test", Kind: "file", Size: 84 << 10},
		{Name: "labels", Path: "/mnt/labels", Role: "eval", Error: "open /mnt/labels: no such file or directory"},
	}
}

// Rerun starts nothing: it notes the request and answers with a new run
// and rerunChanges.
func (f *fakeEngine) Rerun(_ context.Context, req api.RerunRequest) (api.RerunResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reruns = append(f.reruns, req)
	n := len(f.reruns)
	return api.RerunResult{Run: api.Run{ID: fmt.Sprintf("88888888888%d", n%10), Name: fmt.Sprintf("train-%d", 7+n), Status: api.Queued,
		Command: []string{"python3", "train.py"}, Created: clock}, Changes: slices.Clone(f.rerunChanges)}, nil
}

// Register notes the request; it makes no version.
func (f *fakeEngine) Register(_ context.Context, req api.RegisterRequest, _ func(done, total int64)) (api.ModelVersion, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.registered = append(f.registered, req)
	if f.registerErr != nil {
		return api.ModelVersion{}, f.registerErr
	}
	return api.ModelVersion{Model: req.Model, Version: 4, Run: req.Run}, nil
}

func (f *fakeEngine) Models(context.Context) ([]api.ModelSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []api.ModelSummary{}
	for _, m := range f.models {
		s := api.ModelSummary{Name: m.Name, PrimaryMetric: m.PrimaryMetric, Direction: m.Direction, Aliases: m.Aliases,
			Versions: len(m.Versions)}
		for _, r := range m.Requests {
			if r.State == api.RequestBlocked || r.State == api.RequestPending {
				s.OpenRequests++
			}
		}
		if len(m.Versions) > 0 {
			s.Latest, s.Updated = &m.Versions[0], m.Versions[0].Registered
		}
		if d := f.drift[m.Name]; len(d.Windows) > 0 {
			s.Drift = d.Windows[0].DatasetStatus
			for name, c := range d.Windows[0].Columns {
				if c.Role == "" && c.Status == api.DriftAlert {
					s.DriftAlerting = append(s.DriftAlerting, name)
				}
			}
			slices.Sort(s.DriftAlerting)
		}
		out = append(out, s)
	}
	return out, nil
}

func (f *fakeEngine) Model(_ context.Context, name string) (api.Model, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.models {
		if m.Name == name {
			return m, nil
		}
	}
	return api.Model{}, errors.New("no model " + name)
}

// Drift is a model's canned drift; a model without has none yet.
func (f *fakeEngine) Drift(_ context.Context, q api.DriftQuery) (api.ModelDrift, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.drift[q.Model]; ok {
		return d, nil
	}
	if !slices.ContainsFunc(f.models, func(m api.Model) bool { return m.Name == q.Model }) {
		return api.ModelDrift{}, errors.New("no model " + q.Model)
	}
	return api.ModelDrift{Model: q.Model, Settings: api.DriftSettings{Warn: 0.1, Alert: 0.25, Window: "batch"}}, nil
}

// Lineage is a version and the fixture's run it names, with the version's
// data sets and resnet-baseline's environment.
func (f *fakeEngine) Lineage(_ context.Context, model string, version int) (api.Lineage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.models {
		for _, v := range m.Versions {
			if m.Name == model && v.Version == version {
				l := api.Lineage{Version: v}
				if r, ok := f.find(v.Run); ok {
					r.Datasets, r.Environment = v.Datasets, fixtureEnvironment()
					l.Run = &r
				}
				return l, nil
			}
		}
	}
	return api.Lineage{}, fmt.Errorf("no version %d of %s", version, model)
}

// Requests are the models' requests (the open ones, or all), or mine.
func (f *fakeEngine) Requests(_ context.Context, q api.RequestQuery) ([]api.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q.Mine {
		return slices.Clone(f.mine), nil
	}
	out := []api.Request{}
	for _, m := range f.models {
		for _, r := range m.Requests {
			if q.All || r.State == api.RequestBlocked || r.State == api.RequestPending {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// step notes a promotion's step and answers with the request as the step
// leaves it, or stepErr.
func (f *fakeEngine) step(verb, state string, req api.ReviewRequest) (api.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.steps = append(f.steps, strings.TrimSpace(fmt.Sprintf("%s %s %d %s", verb, req.Model, req.Version, req.Comment)))
	if f.stepErr != nil {
		return api.Request{}, f.stepErr
	}
	return api.Request{ID: 9, Model: req.Model, Version: req.Version, State: state, Required: 1}, nil
}

func (f *fakeEngine) Promote(_ context.Context, req api.ReviewRequest) (api.Request, error) {
	return f.step("promote", api.RequestPending, req)
}

func (f *fakeEngine) Approve(_ context.Context, req api.ReviewRequest) (api.Request, error) {
	return f.step("approve", api.RequestPromoted, req)
}

func (f *fakeEngine) Reject(_ context.Context, req api.ReviewRequest) (api.Request, error) {
	return f.step("reject", api.RequestRejected, req)
}

// fixtureModels are three models: digits of three versions (the second
// the champion, the third the challenger), mnist-cnn of one, tokenizer of
// two without aliases; versions newest first.
func fixtureModels(runs []api.Run) []api.Model {
	version := func(model string, n int, run api.Run, acc float64, ago time.Duration) api.ModelVersion {
		return api.ModelVersion{Model: model, Version: n, Run: run.ID, RunName: run.Name, Experiment: run.Experiment,
			RunStatus: api.Succeeded, Registered: clock.Add(-ago), RegisteredBy: "ada",
			Artifact: api.ArtifactRef{Name: "model", Kind: "file", Size: 42 << 20, SHA256: strings.Repeat("ab", 32),
				Source: "/work/exp/model.pt", Path: "/home/ada/.local/share/lathe/artifacts/sha256/ab/" + strings.Repeat("ab", 31)},
			Params: run.Params, Metrics: map[string]api.Float{"acc": api.Float(acc), "loss": api.Float(1 - acc)}}
	}
	resnet, finetune, diverged := runs[2], runs[4], runs[3]
	digits := api.Model{Name: "digits", Created: clock.Add(-3 * time.Hour), CreatedBy: "ada", PrimaryMetric: "acc", Direction: "max",
		LastVersion: 3, Aliases: map[string]int{"champion": 2, "challenger": 3},
		Versions: []api.ModelVersion{version("digits", 3, resnet, 0.9722, 10*time.Minute), version("digits", 2, finetune, 0.9611, time.Hour),
			version("digits", 1, diverged, 0.9, 2*time.Hour)}}
	digits.Versions[0].Aliases, digits.Versions[1].Aliases = []string{"challenger"}, []string{"champion"}
	digits.Versions[0].Datasets = fixtureDatasets()
	digits.Versions[0].Description = "lr 0.1, two GPUs"
	mnist := api.Model{Name: "mnist-cnn", Created: clock.Add(-24 * time.Hour), CreatedBy: "grace", PrimaryMetric: "loss", Direction: "min",
		LastVersion: 1, Aliases: map[string]int{"production": 1},
		Versions: []api.ModelVersion{version("mnist-cnn", 1, finetune, 0.88, 20*time.Hour)}}
	mnist.Versions[0].Aliases = []string{"production"}
	tokenizer := api.Model{Name: "tokenizer", Created: clock.Add(-48 * time.Hour), CreatedBy: "ada", LastVersion: 2, Aliases: map[string]int{},
		Versions: []api.ModelVersion{version("tokenizer", 2, finetune, 0.5, 30*time.Hour), version("tokenizer", 1, finetune, 0.4, 40*time.Hour)}}
	return []api.Model{digits, mnist, tokenizer}
}

// fixtureRequests are digits' promotion requests, newest first: v3 waits
// for approval against v2, which became the champion once grace approved
// it.
func fixtureRequests() []api.Request {
	check := func(gate, metric, detail string) api.Check {
		return api.Check{Gate: gate, Metric: metric, Verdict: api.Pass, Detail: detail}
	}
	return []api.Request{
		{ID: 2, Model: "digits", Version: 3, State: api.RequestPending, OpenedBy: "ada", Opened: clock.Add(-5 * time.Minute),
			Comment: "lr 0.1 on two GPUs", Champion: 2, Required: 1, Approvals: []string{},
			Checks: []api.Check{check("primary", "acc", "acc 0.9722 against the champion's 0.9611: +0.0111, at least +0 wanted"),
				check("guardrail", "loss", "loss 0.0278 against the champion's 0.0389: -0.0111 (0.0111 better), at most 0.01 worse allowed")}},
		{ID: 1, Model: "digits", Version: 2, State: api.RequestPromoted, OpenedBy: "ada", Opened: clock.Add(-55 * time.Minute),
			Closed: clock.Add(-50 * time.Minute), Required: 1, Approvals: []string{"grace"},
			Checks:  []api.Check{check("primary", "acc", "no champion yet: acc 0.9611")},
			Reviews: []api.Review{{User: "grace", Approved: true, Comment: "the first champion", Time: clock.Add(-50 * time.Minute)}}},
	}
}

func (f *fakeEngine) GPUs(context.Context) (api.GPUReport, error) { return f.gpus, nil }

func (f *fakeEngine) Cluster(context.Context) (api.Cluster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cluster, nil
}
func (f *fakeEngine) Events(context.Context) (<-chan api.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events, nil
}

// curveScale sets the runs' curves apart (resnet-baseline's is the plain
// one), and lr-search's trials' (see withSweeps).
var curveScale = map[string]float64{"999999999999": 0.6, "abcdefabcdef": 1.8, "0123456789ab": 1.3,
	"7a1000000003": 0.4, "7a1000000006": 0.9, "7a1000000007": 1.4}

func (f *fakeEngine) MetricView(_ context.Context, ref, name string, points int) ([]api.Bucket, error) {
	f.mu.Lock()
	r, _ := f.find(ref)
	f.mu.Unlock()
	var start float64
	if r.Started != nil {
		start = float64(r.Started.Unix())
	}
	scale := cmp.Or(curveScale[ref], 1)
	// A falling curve with a spike, as the engine would summarise it; a
	// step every 0.1 s.
	var out []api.Bucket
	for i := 0; i < min(points, 40); i++ {
		v := scale * 2.5 / float64(i+1)
		if i == 20 {
			v = scale * 3
		}
		out = append(out, api.Bucket{FirstStep: int64(i * 30), LastStep: int64(i*30 + 29), Count: 30,
			FirstTime: start + float64(i*30)/10, LastTime: start + float64(i*30+29)/10,
			Min: api.Float(v * 0.9), Max: api.Float(v), Mean: api.Float(v * 0.95), Last: api.Float(v)})
	}
	return out, nil
}

func (f *fakeEngine) Logs(_ context.Context, ref string, _ api.LogOptions, w io.Writer) error {
	_, err := io.WriteString(w, cmp.Or(f.logs, "epoch 1 loss=2.1\nepoch 2 loss=1.4\nepoch 3 loss=0.9\n"))
	return err
}

// LogLines and SearchLogs read the fake's output as the engine reads a
// file: lines by byte offset.
func (f *fakeEngine) LogLines(_ context.Context, _ string, req api.LogLinesRequest) (api.LogLines, error) {
	lines, size := fakeLogLines(cmp.Or(f.logs, "epoch 1 loss=2.1\nepoch 2 loss=1.4\nepoch 3 loss=0.9\n"))
	from := req.From
	if from < 0 || from > size {
		from = size
	}
	out := api.LogLines{Lines: []api.LogLine{}, Start: from, End: from, Size: size}
	for _, l := range lines {
		if req.Back && l.Offset+l.Len <= from || !req.Back && l.Offset >= from {
			out.Lines = append(out.Lines, l)
		}
	}
	if req.Back && len(out.Lines) > req.Count {
		out.Lines = out.Lines[len(out.Lines)-req.Count:]
	} else if !req.Back && len(out.Lines) > req.Count {
		out.Lines = out.Lines[:req.Count]
	}
	if n := len(out.Lines); n > 0 {
		out.Start, out.End = min(out.Lines[0].Offset, from), max(out.Lines[n-1].Offset+out.Lines[n-1].Len, from)
	}
	return out, nil
}

func (f *fakeEngine) SearchLogs(_ context.Context, _ string, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error {
	lines, size := fakeLogLines(cmp.Or(f.logs, "epoch 1 loss=2.1\nepoch 2 loss=1.4\nepoch 3 loss=0.9\n"))
	if req.From < 0 {
		req.From = size
	}
	if req.Back {
		slices.Reverse(lines)
	}
	for _, l := range lines {
		if (req.Back && l.Offset < req.From || !req.Back && l.Offset >= req.From) && strings.Contains(l.Text, req.Query) {
			if err := fn(api.LogSearchEvent{Match: &l, Size: size}); err != nil {
				return err
			}
			break
		}
	}
	return fn(api.LogSearchEvent{Scanned: size, Size: size, Done: true})
}

func fakeLogLines(text string) ([]api.LogLine, int64) {
	var out []api.LogLine
	for off := 0; off < len(text); {
		n := strings.IndexByte(text[off:], '\n') + 1
		if n == 0 {
			n = len(text) - off
		}
		out = append(out, api.LogLine{Offset: int64(off), Len: int64(n), Text: strings.TrimSuffix(text[off:off+n], "\n")})
		off += n
	}
	return out, int64(len(text))
}

func (f *fakeEngine) Kill(_ context.Context, ref string, _ bool) (api.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.killed = append(f.killed, ref)
	return api.Run{}, nil
}

func ptr[T any](v T) *T { return &v }

func fixture() *fakeEngine {
	at := func(d time.Duration) *time.Time { t := clock.Add(-d); return &t }
	metric := func(last float64, step int64) api.MetricSummary {
		return api.MetricSummary{Last: api.Float(last), Min: api.Float(last), Max: 2.5, Count: step, LastStep: step}
	}
	run := func(id, name, exp string, st api.Status, started *time.Time) api.Run {
		return api.Run{ID: id, Name: name, Experiment: exp, Status: st, Created: clock.Add(-time.Hour),
			Started: started, Command: []string{"python3", "train.py"}, Metrics: map[string]api.MetricSummary{}}
	}
	a := run("a1b2c3d4e5f6", "resnet-baseline", "vision", api.Running, at(5*time.Minute))
	a.Devices, a.Total, a.Params = []int{0, 1}, 3000, map[string]string{"lr": "0.1"}
	a.Metrics["loss"], a.Metrics["acc"] = metric(0.42, 1200), metric(0.81, 1200)
	b := run("0123456789ab", "vit-small", "vision", api.Running, at(2*time.Minute))
	b.Devices = []int{2}
	b.Metrics["train_loss"] = metric(1.2, 300)
	c := run("fedcba987654", "llama-sweep", "nlp", api.Queued, nil)
	c.GPUs, c.Waiting = 2, "waiting for 2 GPUs, 1 free"
	d := run("abcdefabcdef", "bert-diverged", "nlp", api.Failed, at(20*time.Minute))
	d.Ended, d.Reason, d.ExitCode = at(19*time.Minute), "exit code 1", ptr(1)
	d.Cwd, d.Git = "/work/exp", &api.Git{Commit: "9b8c7d6e5f4a3b2c1d0e", Dirty: false}
	d.Metrics["loss"] = metric(9.5, 60)
	e := run("999999999999", "bert-finetune", "nlp", api.Succeeded, at(50*time.Minute))
	e.Ended = at(40 * time.Minute)
	e.Metrics["loss"] = metric(0.17, 300)
	e.Artifacts = []api.Artifact{{Name: "checkpoint", Path: "/work/exp/ckpt.pt"}}

	gpuStatus := func(i int, util uint32, mem uint64, leased, name string) api.GPUStatus {
		return api.GPUStatus{
			GPUDevice: api.GPUDevice{Index: i, UUID: "GPU-fake-00" + string(rune('0'+i)), Name: "NVIDIA Fake A100", PCIBusID: "0000:0" + string(rune('1'+i)) + ":00.0", MemoryTotal: 80 << 30},
			Sample:    &api.GPUSample{Index: i, Time: clock, UtilGPU: ptr(util), MemoryUsed: ptr(mem), TemperatureC: ptr(uint32(40 + util/4)), PowerW: ptr(float64(60 + 3*util)), PowerLimitW: ptr(400.0)},
			LeasedBy:  leased, LeasedByName: name,
		}
	}
	runs := []api.Run{c, b, a, d, e}
	return &fakeEngine{
		runs:        runs,
		comparisons: map[string]api.Comparison{a.ID + "," + d.ID + "," + e.ID: fixtureComparison(runs)},
		gpus: api.GPUReport{Info: api.GPUInfo{Backend: "fake"}, GPUs: []api.GPUStatus{
			gpuStatus(0, 91, 42<<30, a.ID, a.Name), gpuStatus(1, 88, 42<<30, a.ID, a.Name),
			gpuStatus(2, 67, 20<<30, b.ID, b.Name), gpuStatus(3, 0, 0, "", ""),
		}},
		events:       make(chan api.Event),
		models:       fixtureModels(runs),
		rerunChanges: []string{"git commit: 3f2a9c1d7e → 9b8c7d6e5f", "package torch: 2.6.0 → 2.7.1"},
	}
}

func newTestApp(f Engine) *App {
	p, _ := themes.Load("dark")
	return New(f, Options{Styles: styles.New(p), Keys: DefaultKeyMap(), Now: func() time.Time { return clock },
		Cwd: "/work/exp", Env: []string{"HOME=/home/ada"}})
}

func keys(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// finalView drives the app with keys at a size and returns its last view.
// A string among the messages is waited for in the output.
func finalView(t *testing.T, w, h int, waitFor string, send ...any) string {
	t.Helper()
	return drive(t, fixture(), w, h, waitFor, send...)
}

// drive is finalView on a given engine; a func() among the messages runs
// when the drive reaches it.
func drive(t *testing.T, f Engine, w, h int, waitFor string, send ...any) string {
	t.Helper()
	tm := teatest.NewTestModel(t, newTestApp(f), teatest.WithInitialTermSize(w, h))
	wait := func(s string) {
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(5*time.Second))
	}
	wait(waitFor)
	for _, m := range send {
		switch m := m.(type) {
		case string:
			wait(m)
		case bySize:
			wait(m[w])
		case func(): // a check of the engine at this point
			m()
		case tea.Msg:
			tm.Send(m)
		}
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC}) // q would be typed into a form
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	return tm.FinalModel(t).View()
}

var enter = tea.KeyMsg{Type: tea.KeyEnter}

// bySize is a string to wait for that depends on the terminal's width.
type bySize map[int]string

// Every page and the help, at 120×40 and 80×24: the frame fills the
// terminal exactly, header and footer on screen, and the page shows what it
// must; the whole view is kept as a golden file.
func TestPages(t *testing.T) {
	openRun := []any{keys("2"), keys("j"), keys("j"), enter, "Runs › resnet-baseline"}
	// resnet-baseline, bert-diverged and bert-finetune.
	openCompare := []any{keys("2"), keys("jj"), keys("   "), keys("c"), "GPU-hours"}
	pages := []struct {
		name  string
		send  []any
		wants []string
	}{
		// The whole list in (the runs page shows an ended run), not only
		// the active runs, which come first.
		{"dashboard", []any{keys("2"), "bert-finetune", keys("1"), "lathe › Dashboard"}, []string{"lathe › Dashboard", "GPUs", "resnet-baseline", "waiting for 2 GPUs, 1 free", "Attention",
			"bert-diverged failed", "q quit", "1200/3000"}},
		// Help shows the keys of the page under it, and the frame's.
		{"help", []any{keys("?")}, []string{"Everywhere", "quit (jobs keep running)", "2/3", "runs/GPUs", "n        new job"}},
		{"help-runs", []any{keys("2"), keys("?")}, []string{"Everywhere", "1/3", "Runs", "ctrl+d/u", "mark all", "o/O"}},
		{"help-logs", append(slices.Clone(openRun), keys("l"), keys("l"), "epoch 3 loss=0.9", keys("?")),
			[]string{"esc      back", "resnet-baseline", "tab/⇧tab", "next/previous tab", "/        search"}},
		{"runs", []any{keys("2")}, []string{"lathe › Runs", "bert-finetune", "NAME", "STATUS", "5 runs"}},
		// The run's detail in: its environment.
		{"run", []any{keys("2"), keys("j"), keys("j"), enter, "Python 3.13.5"}, []string{"lathe › Runs › resnet-baseline", "[overview]", "lr=0.1", "loss",
			"1200/3000", "esc back", "digits-train (train)  data/train.csv  337.0 KiB  sha256 5d41402abc4b", "3f2a9c1d7e on main, dirty (patch 1.5 KiB)",
			"digest pending", "cannot be read: open /mnt/labels"}},
		// A failed run: where it ran, when, and its last lines; an ended
		// one's artifacts.
		{"run-failed", []any{keys("2"), keys("jjj"), enter, "Last 3 lines of output"}, []string{"lathe › Runs › bert-diverged",
			"failed — exit code 1", "/work/exp", "2026-11-23 11:41:00", "9b8c7d6e5f", "epoch 3 loss=0.9"}},
		{"run-succeeded", []any{keys("2"), keys("jjjj"), enter, "Runs › bert-finetune"}, []string{"checkpoint  /work/exp/ckpt.pt",
			"2026-11-23 11:20:00"}},
		{"charts", append(slices.Clone(openRun), keys("l"), "acc 0.0625"), []string{"[charts]", "loss 0.0625", "acc 0.0625"}},
		{"logs", append(slices.Clone(openRun), keys("l"), keys("l"), "epoch 3 loss=0.9"), []string{"[logs]", "epoch 1 loss=2.1", "following"}},
		{"system", append(slices.Clone(openRun), keys("h"), "GPU 1 memory"), []string{"[system]", "GPU 0 utilisation %", "GPU 1 memory GiB"}},
		{"gpus", []any{keys("3")}, []string{"lathe › GPUs", "GPU 0", "Fake A100", "no processes", "utilisation %"}},
		{"submit", []any{keys("n"), "Start a job"}, []string{"lathe › New job", "command", "experiment", "esc cancel"}},
		{"palette", []any{keys(":"), keys("vit")}, []string{":vit", "› vit-small · run 0123456789ab, running", "vit-small · logs"}},
		{"compare-summary", slices.Clone(openCompare), []string{"lathe › Runs › Compare (3 runs)", "[summary]", "A ━━ resnet-baseline",
			"C oo bert-finetune", "lr", "★0.17", "GPU-hours", "d all params"}},
		// The legend when the three curves are in: at 80 columns, the names cut.
		{"runs-columns", []any{keys("2"), keys("C"), "Columns: space"}, []string{"[x] NAME", "base", "metric", "param"}},
		{"scatter", []any{keys("2"), keys("S"), "against"}, []string{"Runs › Scatter (5 runs)", "◆ ", "enter opens it"}},
		{"scatter-parallel", []any{keys("2"), keys("S"), "against", keys("v"), "parallel"}, []string{"parallel coordinates", "◆"}},
		{"compare-curves", append(slices.Clone(openCompare), keys("l"), bySize{
			120: "A ━━ resnet-baseline 0.0625   B xx bert-diverged 0.1125   C oo bert-finetune 0.0375",
			80:  "C oo bert-finetune 0.0375"}),
			[]string{"[curves]", "loss (2/2)", "m next metric"}},
	}
	for _, pg := range pages {
		for _, size := range []struct{ w, h int }{{120, 40}, {80, 24}} {
			t.Run(pg.name+"/"+itoa(size.w)+"x"+itoa(size.h), func(t *testing.T) {
				view := finalView(t, size.w, size.h, "Jobs: 2 running", pg.send...)
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
				if !strings.HasPrefix(lines[0], "lathe") {
					t.Errorf("no header: %q", lines[0])
				}
				if last := lines[len(lines)-1]; !strings.Contains(last, "esc") && !strings.Contains(last, "q quit") && pg.name != "submit" {
					t.Errorf("no footer: %q", last)
				}
				golden.RequireEqual(t, []byte(view))
			})
		}
	}
}

func TestTooSmall(t *testing.T) {
	view := finalView(t, 60, 20, "needs at least")
	if !strings.Contains(view, "lathe needs at least 80×24") {
		t.Errorf("small terminal: %q", view)
	}
}

// Events update the app: a run's new state, points for its sparkline.
func TestEventsUpdateTheDashboard(t *testing.T) {
	f := fixture()
	tm := teatest.NewTestModel(t, newTestApp(f), teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Jobs: 2 running")) })
	r := f.runs[0] // llama-sweep, queued
	r.Status, r.Started, r.Waiting, r.Devices = api.Running, &clock, "", []int{3}
	f.events <- api.Event{Type: api.EventRun, Run: &r}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Jobs: 3 running")) })
	tm.Send(keys("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestPointsMoveTheSummary(t *testing.T) {
	f := fixture()
	tm := teatest.NewTestModel(t, newTestApp(f), teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("loss 0.42")) })
	f.events <- api.Event{Type: api.EventPoints, RunID: "a1b2c3d4e5f6",
		Points: map[string][]api.Point{"loss": {{Step: 1201, Value: 0.4}, {Step: 1202, Value: 0.39}}}}
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("loss 0.39")) })
	tm.Send(keys("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// Marked runs are acted on together, after a question; n answers no.
func TestMarksAndActions(t *testing.T) {
	f := fixture()
	drive(t, f, 120, 40, "Jobs:", keys("2"), keys(" "), keys(" "), "5 runs, 2 marked", // llama-sweep, vit-small
		keys("x"), "kill 2 runs? y/n", keys("n"), "5 runs, 2 marked", keys("x"), "kill 2 runs? y/n", keys("y"), "killing 2 runs")
	if !slices.Equal(f.killed, []string{"fedcba987654", "0123456789ab"}) {
		t.Errorf("killed %v", f.killed)
	}
	// Without marks, the run under the cursor; one that has ended is not.
	f = fixture()
	drive(t, f, 120, 40, "Jobs:", keys("2"), keys("jjj"), keys("x"), "nothing to kill", keys("k"), keys("x"),
		"kill resnet-baseline? y/n", keys("y"), "killing resnet-baseline")
	if !slices.Equal(f.killed, []string{"a1b2c3d4e5f6"}) {
		t.Errorf("killed %v", f.killed)
	}
	// A, then R: every run started again as it was, by the engine's
	// Rerun, with the app's environment (the record's secrets come from
	// it); what differs now shows over the page.
	f = fixture()
	view := drive(t, f, 120, 40, "Jobs:", keys("2"), keys("A"), "5 marked", keys("R"), "re-run 5 runs as they were? y/n",
		keys("y"), "Re-run: what differs from the first run", tea.KeyMsg{Type: tea.KeyEsc}, "queued 5 runs again; 5 of them differ now")
	var ids []string
	for _, req := range f.reruns {
		ids = append(ids, req.Run)
		if !slices.Equal(req.Env, []string{"HOME=/home/ada"}) || req.Params != nil {
			t.Errorf("re-run request %+v", req)
		}
	}
	if want := []string{"fedcba987654", "0123456789ab", "a1b2c3d4e5f6", "abcdefabcdef", "999999999999"}; !slices.Equal(ids, want) {
		t.Errorf("re-ran %v, want %v", ids, want)
	}
	if len(f.submitted) != 0 || !strings.Contains(view, "train-12") {
		t.Errorf("submitted %v; the new runs are not in the table:\n%s", f.submitted, view)
	}
}

// o sorts by the next column, O reverses; runs without the value stay last.
func TestRunsSort(t *testing.T) {
	order := func(view string) []string {
		var names []string
		for _, l := range strings.Split(view, "\n") {
			for _, n := range []string{"llama-sweep", "vit-small", "resnet-baseline", "bert-diverged", "bert-finetune"} {
				if strings.Contains(l, n) {
					names = append(names, n)
				}
			}
		}
		return names
	}
	byName := drive(t, fixture(), 120, 40, "Jobs:", keys("2"), keys("o"), keys("o"), "NAME▲")
	if got := order(byName); !slices.Equal(got, []string{"bert-diverged", "bert-finetune", "llama-sweep", "resnet-baseline", "vit-small"}) {
		t.Errorf("by name: %v", got)
	}
	// The columns: ID NAME EXPERIMENT STATUS STARTED DURATION GPUS lr loss acc
	// train_loss; loss is the ninth. Down by loss, runs without it last.
	send := []any{keys("2")}
	for range 9 {
		send = append(send, keys("o"))
	}
	send = append(send, "loss▲", keys("O"), "loss▼")
	byLoss := drive(t, fixture(), 120, 40, "Jobs:", send...)
	if got := order(byLoss); !slices.Equal(got, []string{"bert-diverged", "resnet-baseline", "bert-finetune", "llama-sweep", "vit-small"}) {
		t.Errorf("by loss, down: %v", got)
	}
}

// n opens the form; what it sends is what `lathe run` would, with the app's
// directory and environment; an engine's refusal shows in the form.
func TestSubmitForm(t *testing.T) {
	f := fixture()
	refused := drive(t, f, 120, 40, "Jobs:", keys("n"), "Start a job", tea.KeyMsg{Type: tea.KeyCtrlS}, "command: ")
	if len(f.submitted) != 0 || !strings.Contains(refused, "Start a job") {
		t.Errorf("an empty form was sent: %v\n%s", f.submitted, refused)
	}
	f = fixture()
	tab := tea.KeyMsg{Type: tea.KeyTab}
	view := drive(t, f, 120, 40, "Jobs:", keys("n"), "Start a job", keys("python3 train.py --lr '0.1 0.2'"), tab, keys("mine"), tab, tab,
		keys("lr=0.1 seed=3"), tab, keys("2"), tea.KeyMsg{Type: tea.KeyCtrlS}, "queued mine")
	if len(f.submitted) != 1 {
		t.Fatalf("submitted %v", f.submitted)
	}
	req := f.submitted[0]
	if !slices.Equal(req.Command, []string{"python3", "train.py", "--lr", "0.1 0.2"}) || req.Name != "mine" || req.Params["seed"] != "3" ||
		req.GPUs != 2 || req.Cwd != "/work/exp" || !slices.Equal(req.Env, []string{"HOME=/home/ada"}) {
		t.Errorf("request %+v", req)
	}
	if !strings.Contains(view, "lathe › Runs") {
		t.Errorf("after a submit the app shows the runs:\n%s", view)
	}
}

// The palette finds a run by a few letters of its name and opens it.
func TestPaletteOpensARun(t *testing.T) {
	view := finalView(t, 120, 40, "Jobs:", keys(":"), keys("vitsm"), "vit-small · run", tea.KeyMsg{Type: tea.KeyEnter}, "Runs › vit-small")
	if !strings.Contains(view, "lathe › Runs › vit-small") || !strings.Contains(view, "train_loss") {
		t.Errorf("palette:\n%s", view)
	}
	logs := finalView(t, 120, 40, "Jobs:", keys(":"), keys("resnet logs"), "resnet-baseline · logs", enter, "epoch 3 loss=0.9")
	if !strings.Contains(logs, "[logs]") || !strings.Contains(logs, "Runs › resnet-baseline") {
		t.Errorf("palette to a run's logs:\n%s", logs)
	}
	pages := finalView(t, 120, 40, "Jobs:", keys(":"), keys("gpus"), tea.KeyMsg{Type: tea.KeyEnter}, "lathe › GPUs")
	if !strings.Contains(pages, "GPU 0  0000:01:00.0") {
		t.Errorf("palette to GPUs:\n%s", pages)
	}
}

// Keys that arrive together (one read of a slow link) act one by one.
func TestKeysArrivingTogether(t *testing.T) {
	view := finalView(t, 120, 40, "Jobs:", keys("2jjj"), enter, "Runs › bert-diverged")
	if !strings.Contains(view, "lathe › Runs › bert-diverged") {
		t.Errorf("2jjj then enter:\n%s", view)
	}
}

// A lost engine shows a banner; the app reconnects by itself and the
// banner goes.
func TestEngineLostAndBack(t *testing.T) {
	f := fixture()
	tm := teatest.NewTestModel(t, newTestApp(f), teatest.WithInitialTermSize(120, 40))
	wait := func(s string) {
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) }, teatest.WithDuration(10*time.Second))
	}
	wait("lathe › Dashboard")
	f.mu.Lock()
	close(f.events) // the stream ends: the engine went away
	f.events = make(chan api.Event)
	f.mu.Unlock()
	wait("the engine is not answering; trying again")
	wait("lathe › Dashboard") // reconnected after two seconds
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if v := tm.FinalModel(t).View(); strings.Contains(v, "not answering") {
		t.Errorf("the banner stayed:\n%s", v)
	}
}

// A resize lays the frame out again at the new size.
func TestResize(t *testing.T) {
	view := finalView(t, 120, 40, "Jobs:", keys("2"), tea.WindowSizeMsg{Width: 80, Height: 24}, "lathe › Runs")
	lines := strings.Split(view, "\n")
	if len(lines) != 24 || !strings.Contains(lines[23], "q quit") {
		t.Fatalf("after a resize to 80×24: %d lines\n%s", len(lines), view)
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("a line of %d cells: %q", w, l)
		}
	}
}

// e on one run opens the form filled with its spec, to change it before
// it starts again; what the form does not show (tags, priority) goes with
// it.
func TestRerunOneThroughTheForm(t *testing.T) {
	f := fixture()
	f.runs[2].Tags, f.runs[2].Priority = map[string]string{"team": "vision"}, 5
	drive(t, f, 120, 40, "Jobs:", keys("2"), keys("j"), keys("j"), keys("e"), "lr=0.1",
		tea.KeyMsg{Type: tea.KeyCtrlS}, "queued resnet-baseline")
	if len(f.submitted) != 1 || len(f.reruns) != 0 {
		t.Fatalf("submitted %v, re-ran %v", f.submitted, f.reruns)
	}
	req := f.submitted[0]
	if req.Name != "resnet-baseline" || req.Params["lr"] != "0.1" || req.Tags["team"] != "vision" || req.Tags["rerun_of"] != "a1b2c3d4e5f6" ||
		req.Priority != 5 || req.Cwd != "/work/exp" {
		t.Errorf("re-run request %+v", req)
	}
	// With two marked, e says it takes one.
	view := drive(t, fixture(), 120, 40, "Jobs:", keys("2"), keys("  "), keys("e"), "e edits one run")
	if strings.Contains(view, "Start a job") {
		t.Errorf("e opened the form on two runs:\n%s", view)
	}
}

// R on one run asks, then has the engine start it again as it was (Rerun,
// with the app's environment): the new run is queued in the table, and
// what differs now from when the run first started shows over the page
// until esc; without changes, the note says nothing differs.
func TestRerunShowsTheChanges(t *testing.T) {
	f := fixture()
	view := drive(t, f, 120, 40, "Jobs:", keys("2"), keys("jj"), keys("R"), "re-run resnet-baseline as it was? (e edits it first) y/n",
		keys("y"), "Re-run: what differs from the first run")
	if len(f.reruns) != 1 || f.reruns[0].Run != "a1b2c3d4e5f6" || !slices.Equal(f.reruns[0].Env, []string{"HOME=/home/ada"}) {
		t.Fatalf("re-runs asked: %+v", f.reruns)
	}
	for _, want := range []string{"resnet-baseline → train-8 (888888888881), queued:", "• git commit: 3f2a9c1d7e → 9b8c7d6e5f",
		"• package torch: 2.6.0 → 2.7.1", "esc close"} {
		if !strings.Contains(view, want) {
			t.Errorf("the notice lacks %q:\n%s", want, view)
		}
	}
	closed := drive(t, fixture(), 120, 40, "Jobs:", keys("2"), keys("jj"), keys("R"), "y/n", keys("y"), "what differs",
		tea.KeyMsg{Type: tea.KeyEsc}, "queued train-8 (888888888881), a re-run of resnet-baseline; 2 things differ now")
	if strings.Contains(closed, "what differs") || !strings.Contains(closed, "train-8") {
		t.Errorf("after esc:\n%s", closed)
	}
	// n asks nothing of the engine.
	f = fixture()
	drive(t, f, 120, 40, "Jobs:", keys("2"), keys("jj"), keys("R"), "y/n", keys("n"), "5 runs")
	if len(f.reruns) != 0 {
		t.Errorf("n re-ran %+v", f.reruns)
	}
	// Nothing differs: a note, no notice.
	f = fixture()
	f.rerunChanges = nil
	same := drive(t, f, 120, 40, "Jobs:", keys("2"), keys("jj"), keys("R"), "y/n", keys("y"),
		"a re-run of resnet-baseline; nothing differs from its first run")
	if strings.Contains(same, "what differs") {
		t.Errorf("a notice without changes:\n%s", same)
	}
}
