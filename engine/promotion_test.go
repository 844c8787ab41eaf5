package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/config"
)

// versionWith registers a version of model m (as user) from a run whose
// val_acc, latency_ms and per-class acc are given.
func versionWith(t *testing.T, e *Engine, model, user string, valAcc, latency float64, slices map[string]float64) api.ModelVersion {
	t.Helper()
	lines := fmt.Sprintf(`{"step": 1, "metrics": {"val_acc": %g, "latency_ms": %g}}`+"\n", valAcc, latency)
	for s, acc := range slices {
		lines += fmt.Sprintf(`{"eval": {"slice": %q, "metrics": {"acc": %g}}}`+"\n", s, acc)
	}
	lines += `{"artifact": {"name": "model", "path": "model.bin"}}` + "\n"
	cwd := t.TempDir()
	os.WriteFile(filepath.Join(cwd, "lines"), []byte(lines), 0o644)
	os.WriteFile(filepath.Join(cwd, "model.bin"), []byte(fmt.Sprint(valAcc, latency)), 0o644)
	r := wait(t, e, submit(t, e, api.SubmitRequest{Cwd: cwd, Command: sh(`cat lines >> "$LATHE_METRICS_FILE"`)}).ID)
	v, err := e.Register(ctxT(t), api.RegisterRequest{Run: r.ID, Model: model, User: user}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func review(t *testing.T, step func(context.Context, api.ReviewRequest) (api.Request, error), req api.ReviewRequest) api.Request {
	t.Helper()
	r, err := step(ctxT(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func setPolicy(t *testing.T, e *Engine, model, toml string) {
	t.Helper()
	if _, err := e.SetPolicy(ctxT(t), api.PolicyRequest{Model: model, TOML: toml}); err != nil {
		t.Fatal(err)
	}
}

func champion(t *testing.T, e *Engine, model string) int {
	t.Helper()
	m, err := e.Model(ctxT(t), model)
	if err != nil {
		t.Fatal(err)
	}
	return m.Aliases[api.Champion]
}

func verifyAudit(t *testing.T, e *Engine) api.AuditReport {
	t.Helper()
	rep, err := e.VerifyAudit(ctxT(t))
	if err != nil || !rep.OK {
		t.Fatalf("audit: %+v, %v", rep, err)
	}
	return rep
}

func isErr(t *testing.T, err error, kind error, says string) {
	t.Helper()
	if !errors.Is(err, kind) || !strings.Contains(err.Error(), says) {
		t.Errorf("err = %v, want %v saying %q", err, kind, says)
	}
}

// TestFirstPromotionSelfApproved: one person on their own workstation (no
// reviewers configured) promotes and approves their first version; the
// record says self-approved and the audit log holds every step.
func TestFirstPromotionSelfApproved(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	v := versionWith(t, e, "digits", "", 0.9, 5, nil)
	r, err := e.Promote(ctxT(t), api.ReviewRequest{Model: "digits", Version: v.Version, Comment: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != api.RequestPending || r.Champion != 0 || len(r.Checks) == 0 || !strings.Contains(r.Checks[0].Detail, "no champion yet") {
		t.Fatalf("request %+v", r)
	}
	if _, err := e.Approve(ctxT(t), api.ReviewRequest{Model: "digits", Version: v.Version, Comment: strings.Repeat("c", 5001)}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("a comment of 5 001 bytes: %v", err)
	}
	if _, err := e.Promote(ctxT(t), api.ReviewRequest{Model: "digits", Version: v.Version}); !errors.Is(err, api.ErrConflict) {
		t.Errorf("a second request for the same version: %v", err)
	}
	r, err = e.Approve(ctxT(t), api.ReviewRequest{Model: "digits", Version: v.Version, Comment: "looks right"})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != api.RequestPromoted || len(r.Reviews) != 1 || !r.Reviews[0].Self || champion(t, e, "digits") != 1 {
		t.Fatalf("approved: %+v", r)
	}
	rep := verifyAudit(t, e)
	entries, _ := e.Audit(ctxT(t), api.AuditQuery{Model: "digits"})
	var actions []string
	for _, a := range entries {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, ","); got != "register,request,approve,promote" || rep.Entries != 4 {
		t.Errorf("audit actions %s (%d entries)", got, rep.Entries)
	}
	m, _ := e.Model(ctxT(t), "digits")
	if len(m.Requests) != 1 || m.Requests[0].State != api.RequestPromoted || m.Aliases[api.Champion] != 1 {
		t.Errorf("model: requests %+v aliases %v", m.Requests, m.Aliases)
	}
}

// TestBlockedRequestAndOverride: a version worse than the champion is
// blocked by its gate; nobody approves it but an admin overriding, with a
// comment, recorded so.
func TestBlockedRequestAndOverride(t *testing.T) {
	e := openEngine(t, t.TempDir(), func(c *config.Config) { c.Access.Admins = []string{"root-admin"} })
	defer e.Close()
	v1 := versionWith(t, e, "m", "", 0.9, 5, map[string]float64{"class=0": 0.9})
	review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v1.Version})
	review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v1.Version, User: "ann"})
	v2 := versionWith(t, e, "m", "", 0.85, 5, map[string]float64{"class=0": 0.9})
	r := review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v2.Version})
	if r.State != api.RequestBlocked || r.Champion != 1 {
		t.Fatalf("a worse version: %+v", r)
	}
	_, err := e.Approve(ctxT(t), api.ReviewRequest{Model: "m", Version: v2.Version, User: "ann"})
	isErr(t, err, api.ErrConflict, "blocked")
	_, err = e.Approve(ctxT(t), api.ReviewRequest{Model: "m", Version: v2.Version, User: "ann", Override: true, Comment: "x"})
	isErr(t, err, api.ErrForbidden, "not an admin")
	_, err = e.Approve(ctxT(t), api.ReviewRequest{Model: "m", Version: v2.Version, User: "root-admin", Override: true})
	isErr(t, err, api.ErrInvalid, "comment")
	r = review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v2.Version, User: "root-admin", Override: true, Comment: "latency matters more"})
	if r.State != api.RequestPromoted || !r.Reviews[0].Override || champion(t, e, "m") != 2 {
		t.Fatalf("override: %+v", r)
	}
	verifyAudit(t, e)
}

// TestReviewersRules: with reviewers configured, only they approve, never
// their own version, and one person's approvals count once.
func TestReviewersRules(t *testing.T) {
	e := openEngine(t, t.TempDir(), func(c *config.Config) { c.Access.Reviewers = []string{"alice", "bob", "carol"} })
	defer e.Close()
	v := versionWith(t, e, "m", "carol", 0.9, 5, nil)
	setPolicy(t, e, "m", "primary_metric = \"val_acc\"\ndirection = \"max\"\nrequired_approvals = 2\n")
	r := review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v.Version, User: "carol"})
	if r.Required != 2 || strings.Join(r.MayApprove, ",") != "alice,bob" {
		t.Fatalf("required %d, may approve %v", r.Required, r.MayApprove)
	}
	_, err := e.Approve(ctxT(t), api.ReviewRequest{Model: "m", Version: v.Version, User: "mallory"})
	isErr(t, err, api.ErrForbidden, "not a reviewer")
	_, err = e.Approve(ctxT(t), api.ReviewRequest{Model: "m", Version: v.Version, User: "carol"})
	isErr(t, err, api.ErrForbidden, "someone else must approve")
	r = review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v.Version, User: "alice"})
	if r.State != api.RequestPending || len(r.Approvals) != 1 || strings.Join(r.MayApprove, ",") != "bob" {
		t.Fatalf("after one approval: %+v", r)
	}
	_, err = e.Approve(ctxT(t), api.ReviewRequest{Model: "m", Version: v.Version, User: "alice"})
	isErr(t, err, api.ErrConflict, "count once")
	mine, _ := e.Requests(ctxT(t), api.RequestQuery{Mine: true, User: "bob"})
	theirs, _ := e.Requests(ctxT(t), api.RequestQuery{Mine: true, User: "alice"})
	if len(mine) != 1 || len(theirs) != 0 {
		t.Errorf("waiting for bob %d, for alice %d", len(mine), len(theirs))
	}
	r = review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v.Version, User: "bob"})
	if r.State != api.RequestPromoted || champion(t, e, "m") != v.Version {
		t.Fatalf("after two: %+v", r)
	}
}

// TestSelfApprovalNeedsOneApproval: with no reviewers, a version of your
// own is yours to approve only when the policy asks for one approval.
func TestSelfApprovalNeedsOneApproval(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	v := versionWith(t, e, "m", "", 0.9, 5, nil)
	setPolicy(t, e, "m", "primary_metric = \"val_acc\"\ndirection = \"max\"\nrequired_approvals = 2\n")
	review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v.Version})
	_, err := e.Approve(ctxT(t), api.ReviewRequest{Model: "m", Version: v.Version})
	isErr(t, err, api.ErrForbidden, "required_approvals = 1")
	// The model is judged by its policy's primary metric from then on.
	setPolicy(t, e, "m", "primary_metric = \"latency_ms\"\ndirection = \"min\"\n")
	if m, _ := e.Model(ctxT(t), "m"); m.PrimaryMetric != "latency_ms" || m.Direction != "min" {
		t.Errorf("primary metric %s %s after a policy naming latency_ms", m.PrimaryMetric, m.Direction)
	}
}

// TestApprovalsAtOnceMoveTheChampionOnce: two approvals arriving together
// complete the request once.
func TestApprovalsAtOnceMoveTheChampionOnce(t *testing.T) {
	e := openEngine(t, t.TempDir(), func(c *config.Config) { c.Access.Reviewers = []string{"a", "b", "c", "d"} })
	defer e.Close()
	v := versionWith(t, e, "m", "", 0.9, 5, nil)
	setPolicy(t, e, "m", "primary_metric = \"val_acc\"\ndirection = \"max\"\nrequired_approvals = 2\n")
	review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v.Version})
	review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v.Version, User: "a"})
	var wg sync.WaitGroup
	results := make([]error, 3)
	for i, u := range []string{"b", "c", "d"} {
		wg.Go(func() {
			_, results[i] = e.Approve(ctxT(t), api.ReviewRequest{Model: "m", Version: v.Version, User: u})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		} else if !errors.Is(err, api.ErrNotFound) {
			t.Errorf("a late approval: %v", err)
		}
	}
	entries, _ := e.Audit(ctxT(t), api.AuditQuery{})
	promotions := 0
	for _, a := range entries {
		if a.Action == "promote" {
			promotions++
		}
	}
	if ok != 1 || promotions != 1 || champion(t, e, "m") != v.Version {
		t.Fatalf("%d approvals took, %d promotions", ok, promotions)
	}
	verifyAudit(t, e)
}

// TestHook: the on_promote hook sees the version; when it fails or runs out
// of time the champion stays and the request says why.
func TestHook(t *testing.T) {
	out := filepath.Join(t.TempDir(), "hook")
	for _, c := range []struct {
		name, command string
		state         string
		exit          int
		timedOut      bool
	}{
		{"success", `echo "$LATHE_MODEL $LATHE_VERSION $LATHE_ARTIFACT" > ` + out, api.RequestPromoted, 0, false},
		{"failure", `echo deploy refused >&2; exit 3`, api.RequestFailed, 3, false},
		{"timeout", `sleep 30`, api.RequestFailed, -1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := openEngine(t, t.TempDir(), func(cfg *config.Config) {
				cfg.Registry.OnPromote = c.command
				cfg.Registry.HookTimeout = config.Duration(300 * time.Millisecond)
			})
			defer e.Close()
			v := versionWith(t, e, "m", "", 0.9, 5, nil)
			review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v.Version})
			start := time.Now()
			r := review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v.Version})
			if r.State != c.state || r.Hook == nil || r.Hook.ExitCode != c.exit || r.Hook.TimedOut != c.timedOut {
				t.Fatalf("request %+v hook %+v", r, r.Hook)
			}
			if c.timedOut && time.Since(start) > 5*time.Second {
				t.Errorf("a hook past its time held the approval %v", time.Since(start))
			}
			want := 0
			if c.state == api.RequestPromoted {
				want = v.Version
				got, _ := os.ReadFile(out)
				if string(got) != fmt.Sprintf("m %d %s\n", v.Version, v.Artifact.Path) {
					t.Errorf("the hook saw %q", got)
				}
			}
			if c.exit == 3 && !strings.Contains(r.Hook.Output, "deploy refused") {
				t.Errorf("hook output %q", r.Hook.Output)
			}
			if champion(t, e, "m") != want {
				t.Errorf("champion %d, want %d", champion(t, e, "m"), want)
			}
		})
	}
}

// TestRollback: the previous champion comes back through a request; an
// admin's takes effect at once.
func TestRollback(t *testing.T) {
	e := openEngine(t, t.TempDir(), func(c *config.Config) { c.Access.Admins = []string{"boss"} })
	defer e.Close()
	for _, acc := range []float64{0.9, 0.95} {
		v := versionWith(t, e, "m", "", acc, 5, nil)
		review(t, e.Promote, api.ReviewRequest{Model: "m", Version: v.Version})
		review(t, e.Approve, api.ReviewRequest{Model: "m", Version: v.Version})
	}
	if champion(t, e, "m") != 2 {
		t.Fatalf("champion %d", champion(t, e, "m"))
	}
	_, err := e.Rollback(ctxT(t), api.ReviewRequest{Model: "m"})
	isErr(t, err, api.ErrInvalid, "comment")
	r := review(t, e.Rollback, api.ReviewRequest{Model: "m", Comment: "v2 misbehaves"})
	if r.State != api.RequestPending || r.Version != 1 || !r.Rollback {
		t.Fatalf("rollback by a user: %+v", r)
	}
	review(t, e.Reject, api.ReviewRequest{Model: "m", Version: 1, Comment: "not now"})
	r = review(t, e.Rollback, api.ReviewRequest{Model: "m", Comment: "v2 misbehaves", User: "boss"})
	if r.State != api.RequestPromoted || champion(t, e, "m") != 1 || r.Previous != 2 {
		t.Fatalf("rollback by an admin: %+v", r)
	}
	verifyAudit(t, e)
}

// TestOthersMayNotRunJobs: jobs run as the engine's owner, so another user
// starts none unless the owner allows it.
func TestOthersMayNotRunJobs(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	_, err := e.Submit(ctxT(t), api.SubmitRequest{Command: sh("true"), Cwd: t.TempDir(), User: "mallory"})
	isErr(t, err, api.ErrForbidden, "others_may_run")
}
