package tui

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"lathe/engine/api"
)

// evalScript is a job that trains for 20 steps towards val_acc $TOP (loss
// falling to 1-$TOP), evaluates the slices $SLICES (class=0:0.9 …: a
// slice and its acc) and declares its model, last: once the engine has
// the artifact, it has read the rest.
const evalScript = `m="$LATHE_METRICS_FILE"
i=0
while [ $i -lt 20 ]; do
  i=$((i+1))
  awk -v i=$i -v top=$TOP 'BEGIN{acc=(i==20)?top:top-(top-0.1)/(1+i/3); printf "{\"step\": %d, \"metrics\": {\"val_acc\": %.4f, \"loss\": %.4f}}\n", i, acc, (1-top)*(1+(20-i)/4)}' >> "$m"
done
for s in $SLICES; do
  echo "{\"eval\": {\"slice\": \"${s%%:*}\", \"metrics\": {\"acc\": ${s#*:}}}}" >> "$m"
done
printf 'weights %s\n' "$TOP" > model.bin
echo '{"artifact": {"name": "model", "path": "model.bin"}}' >> "$m"
`

// reviewPolicy judges by val_acc (at least +0.005 over the champion), keeps
// loss from rising by more than 0.05, and no slice's acc may fall by more
// than 0.02.
const reviewPolicy = `primary_metric = "val_acc"
direction = "max"
min_improvement = 0.005
required_approvals = 1

[[guardrails]]
metric = "loss"
direction = "min"
max_regression = 0.05

[slices]
metric = "acc"
max_regression = 0.02
`

// evalJobs runs evalScript as runs named for each job, side by side, and
// waits until each has ended and the engine has read its artifact. It
// returns the runs' ids by name.
func evalJobs(t *testing.T, e *recorder, jobs map[string][2]string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.sh"), []byte(evalScript), 0o644); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for name, job := range jobs {
		work := filepath.Join(dir, name)
		if err := os.Mkdir(work, 0o755); err != nil {
			t.Fatal(err)
		}
		r, err := e.eng.Submit(ctx, api.SubmitRequest{Name: name, Experiment: "digits", Command: []string{"sh", filepath.Join(dir, "train.sh")},
			Cwd: work, Env: []string{"PATH=" + os.Getenv("PATH"), "TOP=" + job[0], "SLICES=" + job[1]}})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = r.ID
	}
	for name, id := range ids {
		if r, err := e.eng.Wait(ctx, id); err != nil || r.Status != api.Succeeded {
			t.Fatalf("%s: %+v, %v", name, r, err)
		}
		for {
			r, err := e.eng.Run(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Artifacts) > 0 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("the engine did not read %s's artifact", name)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return ids
}

// promotionEngine is the engine in the process with two models of two
// versions each, v1 the champion of both (promoted and approved):
//   - digits: v2 (run cnn-wide) is better overall, but its slice class=1
//     fell by 0.08, more than the policy's 0.02: its request #3 is blocked;
//   - mnist: v2 (run cnn-deep) is better on every slice: request #4 is
//     pending.
func promotionEngine(t *testing.T) *recorder {
	t.Helper()
	e := realEngine(t, nil)
	ids := evalJobs(t, e, map[string][2]string{
		"cnn-base": {"0.9", "class=0:0.9 class=1:0.88 class=2:0.91"},
		"cnn-wide": {"0.93", "class=0:0.93 class=1:0.8 class=2:0.94"},
		"cnn-deep": {"0.94", "class=0:0.94 class=1:0.89 class=2:0.95"},
	})
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []struct{ name, challenger string }{{"digits", "cnn-wide"}, {"mnist", "cnn-deep"}} {
		for _, run := range []string{"cnn-base", m.challenger} {
			must(e.eng.Register(ctx, api.RegisterRequest{Run: ids[run], Model: m.name}, nil))
		}
		must(e.eng.SetPolicy(ctx, api.PolicyRequest{Model: m.name, TOML: reviewPolicy}))
		must(e.eng.Promote(ctx, api.ReviewRequest{Model: m.name, Version: 1, Comment: "the first champion"}))
		must(e.eng.Approve(ctx, api.ReviewRequest{Model: m.name, Version: 1, Comment: "a baseline"}))
	}
	must(e.eng.Promote(ctx, api.ReviewRequest{Model: "digits", Version: 2, Comment: "wider: better overall"}))
	must(e.eng.Promote(ctx, api.ReviewRequest{Model: "mnist", Version: 2, Comment: "deeper"}))
	m, err := e.eng.Model(ctx, "digits")
	if err != nil {
		t.Fatal(err)
	}
	e.freeze = &frozen{home: e.home, user: m.Versions[0].RegisteredBy}
	return e
}

// requestState is a request's state as the engine has it.
func requestState(t *testing.T, e *recorder, model string, id uint64) api.Request {
	t.Helper()
	m, err := e.eng.Model(context.Background(), model)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(m.Requests, func(r api.Request) bool { return r.ID == id })
	if i < 0 {
		t.Fatalf("%s has no request #%d: %+v", model, id, m.Requests)
	}
	return m.Requests[i]
}

// Paths to the reviews, from the dashboard: digits' blocked request and
// mnist's pending one, each under its model's two versions.
var (
	toBlocked = []any{keys("4"), "2 models", enter, "Promotion requests", keys("jj"), enter}
	toPending = []any{keys("4"), "2 models", keys("j"), enter, "Promotion requests", keys("jj"), enter}
)

// The promotion pages at 120×40 and 80×24, on requests the engine judged:
// the models with their champion and open requests, a model's requests
// under its versions, the review of a blocked request and of a pending
// one. At 120×40 the review waits for both curves.
func TestReviewPages(t *testing.T) {
	e := promotionEngine(t)
	pages := []struct {
		name  string
		send  []any
		wants []string
	}{
		{"models", []any{keys("4"), "2 models"}, []string{"REQUESTS", "[champion v1]", "1 open", "val_acc ↑ 0.93"}},
		{"model", []any{keys("4"), "2 models", enter, "Promotion requests"}, []string{"1 open of 2", "#3", "blocked", "✗1",
			"#1", "promoted", "1 of 1"}},
		{"blocked", append(slices.Clone(toBlocked), bySize{120: legendMark(1) + " champion v1 0.9", 80: "blocked: 1 gate failed"}), []string{
			"lathe › Models › digits › Review v2 (#3)", "digits v2  blocked · request #3, against the champion v1",
			"opened 5m00s ago by ada: “wider: better overall”", "approvals 0 of 1 · drift: not measured",
			"val_acc ↑", "↑ +0.03", "↓ −0.03", "✗ slice", "acc[class=1] 0.8 against the champion's 0.88", "a approve"}},
		{"pending", append(slices.Clone(toPending), bySize{120: legendMark(1) + " champion v1 0.9", 80: "pending: the gates pass"}), []string{
			"mnist v2  pending · request #4", "1 more approval makes v2 the champion", "↑ +0.04", "acc on 3 slices"}},
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
	// The palette opens a review by its words.
	view := drive(t, e, 120, 40, "Jobs:", keys(":"), keys("review digits"), "review digits v2 · request #3, blocked", enter,
		"blocked: 1 gate failed")
	if !strings.Contains(view, "lathe › Models › digits › Review v2 (#3)") {
		t.Errorf("the palette's review:\n%s", view)
	}
}

// a on a pending request: the comment box, the question, y; the engine
// moves the champion, and the page says so.
func TestReviewApproves(t *testing.T) {
	e := promotionEngine(t)
	view := drive(t, e, 120, 40, "Jobs:", append(slices.Clone(toPending), "pending: the gates pass", keys("a"),
		"Approve mnist v2 (request #4)", keys("deeper is better"), enter, "approve mnist v2? y/n", keys("y"),
		"approved: mnist v2 is the champion")...)
	if m, err := e.eng.Model(context.Background(), "mnist"); err != nil || m.Aliases[api.Champion] != 2 {
		t.Fatalf("the champion of mnist: %v, %v", m.Aliases, err)
	}
	r := requestState(t, e, "mnist", 4)
	if r.State != api.RequestPromoted || len(r.Reviews) != 1 || r.Reviews[0].Comment != "deeper is better" {
		t.Errorf("request #4: %+v", r)
	}
	if !strings.Contains(view, "promoted 4m00s ago: v2 became the champion in place of v1") {
		t.Errorf("after the approval:\n%s", view)
	}
	// A rollback asked for elsewhere (`lathe rollback`) shows among the
	// requests, newest first: #5 over #4 and #2; its review says what it
	// brings back, and its one check.
	if _, err := e.eng.Rollback(context.Background(), api.ReviewRequest{Model: "mnist", Comment: "v2 is slow in production"}); err != nil {
		t.Fatal(err)
	}
	view = drive(t, e, 120, 40, "Jobs:", keys("4"), "2 models", keys("j"), enter, "1 open of 3", keys("G"), keys("kk"), enter,
		"rollback to v1")
	for _, want := range []string{"lathe › Models › mnist › Review v1 (#5)", "mnist: rollback to v1  pending · request #5, from the champion v2",
		"“v2 is slow in production”", "1 more approval brings v1 back", "back to v1", "champion v2", "↓ −0.04",
		"class=1           0.88           0.89       ↓ −0.01",
		"✓ rollback   a rollback from v2 to v1, a champion before: the gates are not run again"} {
		if !strings.Contains(view, want) {
			t.Errorf("the rollback's review lacks %q:\n%s", want, view)
		}
	}
}

// a on a blocked request goes to the engine, which refuses: its words
// show in one line, and nothing changed.
func TestReviewApproveRefused(t *testing.T) {
	e := promotionEngine(t)
	view := drive(t, e, 120, 40, "Jobs:", append(slices.Clone(toBlocked), "blocked: 1 gate failed", keys("a"),
		"Approve digits v2 (request #3)", enter, "approve digits v2? y/n", keys("y"), "request #3 is blocked by its gates")...)
	if r := requestState(t, e, "digits", 3); r.State != api.RequestBlocked || len(r.Reviews) != 0 {
		t.Errorf("request #3: %+v", r)
	}
	// The engine's line, whole, wrapped to the page.
	var refusal []string
	for _, l := range strings.Split(view, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "request #3 is blocked by its gates") || len(refusal) > 0 && len(refusal) < 3 {
			refusal = append(refusal, l)
		}
	}
	want := "request #3 is blocked by its gates (acc[class=1] 0.8 against the champion's 0.88: -0.08 (0.08 worse), " +
		"at most 0.02 worse allowed): it cannot be approved; an admin may override it with --override --comment"
	if got := strings.Join(refusal, " "); !strings.HasPrefix(got, want) {
		t.Errorf("the refusal: %q\n%s", got, view)
	}
}

// x rejects with a comment; an empty one is refused by the form, before
// the engine hears of it. p on the version's page asks again, and shows the
// new request's review.
func TestReviewRejectsThenPromoteAgain(t *testing.T) {
	e := promotionEngine(t)
	var rejectedEarly api.Request
	view := drive(t, e, 120, 40, "Jobs:", append(slices.Clone(toBlocked), "blocked: 1 gate failed", keys("x"),
		"Reject digits v2 (request #3)", enter, "comment: required; say why you reject digits v2",
		func() { rejectedEarly = requestState(t, e, "digits", 3) },
		keys("class=1 fell by 0.08"), enter, "reject digits v2? y/n", keys("y"), "rejected digits v2",
		tea.KeyMsg{Type: tea.KeyEsc}, "0 open of 2", keys("g"), enter, "ask to promote", keys("p"),
		"ask for digits v2 to become the champion? y/n", keys("y"), "blocked · request #5")...)
	if rejectedEarly.State != api.RequestBlocked {
		t.Errorf("an empty comment reached the engine: %+v", rejectedEarly)
	}
	r := requestState(t, e, "digits", 3)
	if r.State != api.RequestRejected || len(r.Reviews) != 1 || r.Reviews[0].Comment != "class=1 fell by 0.08" {
		t.Errorf("request #3: %+v", r)
	}
	if !strings.Contains(view, "lathe › Models › digits › Review v2 (#5)") || !strings.Contains(view, "digits v2  blocked · request #5") {
		t.Errorf("the new request's review:\n%s", view)
	}
}

// p on a version with a request open already: the engine's refusal shows
// on the version's page.
func TestPromoteRefused(t *testing.T) {
	e := promotionEngine(t)
	view := drive(t, e, 120, 40, "Jobs:", keys("4"), "2 models", keys("j"), enter, "Promotion requests", enter, "ask to promote",
		keys("p"), "y/n", keys("y"), "has request #4 open already")
	if !strings.Contains(view, "lathe › Models › mnist › v2") {
		t.Errorf("after the refusal:\n%s", view)
	}
}

// The attention box counts the requests waiting for the user (a pending
// one the user may approve: not a blocked one), follows the engine, and v
// opens the oldest.
func TestAttentionCountsReviews(t *testing.T) {
	e := promotionEngine(t)
	tm := teatest.NewTestModel(t, newTestApp(e), teatest.WithInitialTermSize(120, 40))
	wait := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), s) }, teatest.WithDuration(5*time.Second))
	}
	wait("1 promotion waits for your review: v opens mnist v2 (request #4)")
	// A third model's first version: nothing to compare with, so pending.
	ctx := context.Background()
	m, err := e.eng.Model(ctx, "mnist")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Register(ctx, api.RegisterRequest{Run: m.Versions[0].Run, Model: "letters"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Promote(ctx, api.ReviewRequest{Model: "letters", Version: 1}); err != nil {
		t.Fatal(err)
	}
	wait("2 promotions wait for your review: v opens the oldest, mnist v2 (request #4)")
	tm.Send(keys("v"))
	wait("pending: the gates pass")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if v := tm.FinalModel(t).View(); !strings.Contains(v, "lathe › Models › mnist › Review v2 (#4)") {
		t.Errorf("v on the dashboard:\n%s", v)
	}
}
