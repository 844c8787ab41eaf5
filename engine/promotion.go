package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/engine/registry"
	"lathe/store"
)

// A promotion is decided in steps that must not interleave: read the
// request, judge the caller, run the hook, commit. promoMu (on Engine)
// makes each promotion step one, so two approvals arriving together move
// the champion once.

// Policy returns a model's policy as TOML: the one set, or the default
// made with the model.
func (e *Engine) Policy(ctx context.Context, model string) (api.Policy, error) {
	var out api.Policy
	err := e.db.View(func(tx *store.Tx) error {
		m, err := tx.Model(model)
		if err != nil {
			return err
		}
		stored, err := tx.Policy(m.Name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			out = api.Policy{Model: m.Name, TOML: registry.DefaultPolicy(m.PrimaryMetric, m.Direction).TOML(), Default: true}
		case err != nil:
			return err
		default:
			out = api.Policy{Model: m.Name, TOML: stored.TOML, Updated: stored.Updated, By: stored.By}
		}
		return nil
	})
	return out, e.translate(err)
}

// SetPolicy replaces a model's policy once its TOML reads.
func (e *Engine) SetPolicy(ctx context.Context, req api.PolicyRequest) (api.Policy, error) {
	pol, err := registry.ParsePolicy(req.TOML)
	if err != nil {
		return api.Policy{}, api.Errorf(api.ErrInvalid, "policy of %s: %v", req.Model, err)
	}
	user := e.caller(req.User)
	var out api.Policy
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		m, err := tx.Model(req.Model)
		if err != nil {
			return err
		}
		// The model is shown judged by its policy's primary metric.
		if pol.PrimaryMetric != "" && (pol.PrimaryMetric != m.PrimaryMetric || pol.Direction != m.Direction) {
			m.PrimaryMetric, m.Direction = pol.PrimaryMetric, pol.Direction
			if err := tx.PutModel(m); err != nil {
				return err
			}
		}
		p := &store.Policy{Model: m.Name, TOML: req.TOML, Updated: time.Now().UTC(), By: user}
		if err := tx.PutPolicy(p); err != nil {
			return err
		}
		if err := e.audit(tx, user, "policy", m.Name, 0, map[string]any{"toml": req.TOML}); err != nil {
			return err
		}
		out = api.Policy{Model: m.Name, TOML: p.TOML, Updated: p.Updated, By: p.By}
		tx.OnCommit(func() { e.publishModel(m.Name) })
		return nil
	})
	return out, e.translate(err)
}

// policy is the policy a model's requests are judged by.
func policyOf(tx *store.Tx, m *store.Model) (registry.Policy, error) {
	stored, err := tx.Policy(m.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return registry.DefaultPolicy(m.PrimaryMetric, m.Direction), nil
	case err != nil:
		return registry.Policy{}, err
	}
	p, err := registry.ParsePolicy(stored.TOML)
	if err != nil {
		return registry.Policy{}, fmt.Errorf("%w: policy of %s: %v", store.ErrDamaged, m.Name, err)
	}
	return p, nil
}

// candidate is what the gates read of a version.
func candidate(v *store.ModelVersion) registry.Candidate {
	c := registry.Candidate{Version: v.Version, Metrics: mapFloats[float64](v.Metrics), Evals: mapEvals[float64](v.Evals)}
	if c.Metrics == nil {
		c.Metrics = map[string]float64{}
	}
	if c.Evals == nil {
		c.Evals = map[string]map[string]float64{}
	}
	return c
}

// maxComment bounds a review's comment.
const maxComment = 5000

// checkComment refuses a comment too long to be a comment.
func checkComment(c string) error {
	if len(c) > maxComment {
		return api.Errorf(api.ErrInvalid, "the comment is longer than %d bytes", maxComment)
	}
	return nil
}

// caller is who asks: the socket's peer, or the engine's own user in
// process.
func (e *Engine) caller(user string) string {
	if user == "" {
		return e.user
	}
	return user
}

// audit appends an entry to the audit log in tx.
func (e *Engine) audit(tx *store.Tx, actor, action, model string, version int, details map[string]any) error {
	return tx.AppendAudit(&store.AuditEntry{Time: time.Now(), Actor: actor, Action: action, Model: model, Version: version, Details: details})
}

// openRequest is the open request (blocked or pending) of a version, or nil.
func openRequest(tx *store.Tx, model string, version int) (*store.Request, error) {
	rs, err := tx.Requests(func(r *store.Request) bool {
		return r.Model == model && r.Version == version && isOpen(r.State)
	})
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[len(rs)-1], nil
}

func isOpen(state string) bool { return state == api.RequestPending || state == api.RequestBlocked }

// Promote opens a request to make a version the champion, and runs the
// gates against the champion there is.
func (e *Engine) Promote(ctx context.Context, req api.ReviewRequest) (api.Request, error) {
	if err := checkComment(req.Comment); err != nil {
		return api.Request{}, err
	}
	user := e.caller(req.User)
	e.promoMu.Lock()
	defer e.promoMu.Unlock()
	var out api.Request
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		m, err := tx.Model(req.Model)
		if err != nil {
			return err
		}
		v, err := tx.Version(m.Name, req.Version)
		if err != nil {
			return err
		}
		if n, ok := m.Aliases[api.Champion]; ok && n == v.Version {
			return api.Errorf(api.ErrConflict, "version %d is already the champion of %s", v.Version, m.Name)
		}
		if r, err := openRequest(tx, m.Name, v.Version); err != nil {
			return err
		} else if r != nil {
			return api.Errorf(api.ErrConflict, "version %d of %s has request #%d open already (%s): approve or reject it", v.Version, m.Name, r.ID, r.State)
		}
		pol, err := policyOf(tx, m)
		if err != nil {
			return err
		}
		r := &store.Request{Model: m.Name, Version: v.Version, OpenedBy: user, Opened: time.Now().UTC(),
			Comment: req.Comment, Required: pol.RequiredApprovals}
		var champ *registry.Candidate
		if n, ok := m.Aliases[api.Champion]; ok {
			if cv, err := tx.Version(m.Name, n); err == nil {
				c := candidate(cv)
				champ, r.Champion = &c, n
			}
		}
		live, err := liveEvidence(tx, pol, m.Name, v.Version)
		if err != nil {
			return err
		}
		checks := registry.Evaluate(pol, candidate(v), champ, live)
		r.Checks = storeChecks(checks)
		r.State = api.RequestPending
		if registry.Blocked(checks) {
			r.State = api.RequestBlocked
		}
		if err := tx.PutRequest(r); err != nil {
			return err
		}
		if err := e.audit(tx, user, "request", m.Name, v.Version, map[string]any{"request": r.ID, "state": r.State,
			"champion": r.Champion, "checks": auditChecks(checks), "comment": req.Comment}); err != nil {
			return err
		}
		out = e.viewRequest(tx, r)
		tx.OnCommit(func() { e.publishModel(m.Name) })
		return nil
	})
	return out, e.translate(err)
}

// auditChecks is what the audit log keeps of the checks: each gate's
// verdict and its words.
func auditChecks(checks []api.Check) []any {
	out := make([]any, 0, len(checks))
	for _, c := range checks {
		out = append(out, map[string]any{"gate": c.Gate, "metric": c.Metric, "slice": c.Slice, "verdict": c.Verdict, "detail": c.Detail})
	}
	return out
}

// decision is what an approval found before it commits.
type decision struct {
	req     *store.Request
	version *store.ModelVersion
	runUser string
}

// findOpen reads the open request of a version, its version and who started
// its run.
func (e *Engine) findOpen(model string, version int) (decision, error) {
	var d decision
	err := e.db.View(func(tx *store.Tx) error {
		m, err := tx.Model(model)
		if err != nil {
			return err
		}
		if d.req, err = openRequest(tx, m.Name, version); err != nil {
			return err
		}
		if d.req == nil {
			return api.Errorf(api.ErrNotFound, "version %d of %s has no open request: open one with `lathe promote %s %d`", version, m.Name, m.Name, version)
		}
		if d.version, err = tx.Version(m.Name, version); err != nil {
			return err
		}
		if r, err := tx.Run(d.version.Run); err == nil {
			d.runUser = r.User
		}
		return nil
	})
	return d, e.translate(err)
}

func (e *Engine) isReviewer(user string) bool {
	a := e.opts.Config.Access
	return slices.Contains(a.Reviewers, user) || slices.Contains(a.Admins, user)
}

func (e *Engine) isAdmin(user string) bool { return slices.Contains(e.opts.Config.Access.Admins, user) }

// judge says whether user may approve d's request as asked, and how the
// approval is recorded.
func (e *Engine) judge(d decision, user string, req api.ReviewRequest) (store.Review, error) {
	r, v := d.req, d.version
	rev := store.Review{User: user, Approved: true, Comment: req.Comment, Time: time.Now().UTC()}
	reviewers := len(e.opts.Config.Access.Reviewers) > 0
	own := user == v.RegisteredBy || user == d.runUser
	switch {
	case req.Override && !e.isAdmin(user):
		return rev, api.Errorf(api.ErrForbidden, "%s is not an admin of this engine ([access] admins): only an admin may override a blocked request", user)
	case req.Override && strings.TrimSpace(req.Comment) == "":
		return rev, api.Errorf(api.ErrInvalid, "an override needs a comment saying why (--comment)")
	case r.State == api.RequestBlocked && !req.Override:
		return rev, api.Errorf(api.ErrConflict, "request #%d is blocked by its gates (%s): it cannot be approved; an admin may override it with --override --comment", r.ID, failedGates(r.Checks))
	case reviewers && !e.isReviewer(user):
		return rev, api.Errorf(api.ErrForbidden, "%s is not a reviewer of this engine (reviewers: %s)", user, strings.Join(e.opts.Config.Access.Reviewers, ", "))
	case reviewers && own:
		return rev, api.Errorf(api.ErrForbidden, "%s registered version %d or started its run: someone else must approve it", user, v.Version)
	case own && r.Required > 1:
		return rev, api.Errorf(api.ErrForbidden, "%s registered version %d and its policy asks for %d approvals: with no reviewers configured ([access] reviewers) a version of your own is yours to approve only with required_approvals = 1", user, v.Version, r.Required)
	}
	for _, x := range r.Reviews {
		if x.User == user && x.Approved {
			return rev, api.Errorf(api.ErrConflict, "%s has approved request #%d already: one person's approvals count once", user, r.ID)
		}
	}
	rev.Override = req.Override
	rev.Self = own
	return rev, nil
}

// failedGates names the checks that failed.
func failedGates(checks []store.Check) string {
	var out []string
	for _, c := range checks {
		if c.Verdict == api.Fail {
			out = append(out, c.Detail)
		}
	}
	return strings.Join(out, "; ")
}

// approvers are the distinct users who approved.
func approvers(r *store.Request) []string {
	out := []string{}
	for _, x := range r.Reviews {
		if x.Approved && !slices.Contains(out, x.User) {
			out = append(out, x.User)
		}
	}
	return out
}

// Approve approves a version's open request; the approval that reaches
// the policy's count runs the hook and moves the champion.
func (e *Engine) Approve(ctx context.Context, req api.ReviewRequest) (api.Request, error) {
	if err := checkComment(req.Comment); err != nil {
		return api.Request{}, err
	}
	user := e.caller(req.User)
	e.promoMu.Lock()
	defer e.promoMu.Unlock()
	d, err := e.findOpen(req.Model, req.Version)
	if err != nil {
		return api.Request{}, err
	}
	rev, err := e.judge(d, user, req)
	if err != nil {
		return api.Request{}, err
	}
	return e.approve(ctx, d, rev)
}

// approve records rev on d's request and, when that completes it, runs the
// hook and moves the champion. The caller holds promoMu.
func (e *Engine) approve(ctx context.Context, d decision, rev store.Review) (api.Request, error) {
	r := d.req
	r.Reviews = append(r.Reviews, rev)
	complete := len(approvers(r)) >= r.Required || rev.Override
	var hook *store.HookResult
	if complete && e.opts.Config.Registry.OnPromote != "" {
		hook = e.runHook(ctx, d.version, e.artifactPath(d.version.Artifact))
	}
	var out api.Request
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		req := *r
		req.Reviews = slices.Clone(r.Reviews)
		details := map[string]any{"request": req.ID, "comment": rev.Comment}
		action := "approve"
		switch {
		case rev.Override:
			action = "override"
			details["failed"] = failedGates(req.Checks)
		case rev.Self:
			details["self_approved"] = true
		}
		if err := e.audit(tx, rev.User, action, req.Model, req.Version, details); err != nil {
			return err
		}
		if complete {
			if err := e.complete(tx, &req, rev.User, hook); err != nil {
				return err
			}
		}
		if err := tx.PutRequest(&req); err != nil {
			return err
		}
		out = e.viewRequest(tx, &req)
		tx.OnCommit(func() { e.publishModel(req.Model) })
		return nil
	})
	return out, e.translate(err)
}

// complete ends an approved request in tx: failed when its hook failed,
// else the champion moves to its version.
func (e *Engine) complete(tx *store.Tx, r *store.Request, actor string, hook *store.HookResult) error {
	r.Closed = time.Now().UTC()
	if hook != nil {
		r.Hook = hook
		if err := e.audit(tx, actor, "hook", r.Model, r.Version, map[string]any{"request": r.ID, "command": hook.Command,
			"exit_code": hook.ExitCode, "timed_out": hook.TimedOut}); err != nil {
			return err
		}
		if hook.ExitCode != 0 || hook.TimedOut {
			r.State = api.RequestFailed
			return nil
		}
	}
	m, err := tx.Model(r.Model)
	if err != nil {
		return err
	}
	if _, err := tx.Version(m.Name, r.Version); err != nil {
		return api.Errorf(api.ErrConflict, "version %d of %s was removed while under review", r.Version, m.Name)
	}
	if m.Aliases == nil {
		m.Aliases = map[string]int{}
	}
	r.Previous = m.Aliases[api.Champion]
	m.Aliases[api.Champion] = r.Version
	m.Updated = r.Closed
	if err := tx.PutModel(m); err != nil {
		return err
	}
	r.State = api.RequestPromoted
	action := "promote"
	if r.Rollback {
		action = "rollback"
	}
	return e.audit(tx, actor, action, m.Name, r.Version, map[string]any{"request": r.ID, "previous": r.Previous, "approvals": approvers(r)})
}

// Reject rejects a version's open request.
func (e *Engine) Reject(ctx context.Context, req api.ReviewRequest) (api.Request, error) {
	if err := checkComment(req.Comment); err != nil {
		return api.Request{}, err
	}
	user := e.caller(req.User)
	if strings.TrimSpace(req.Comment) == "" {
		return api.Request{}, api.Errorf(api.ErrInvalid, "a rejection needs a comment saying why (--comment)")
	}
	e.promoMu.Lock()
	defer e.promoMu.Unlock()
	d, err := e.findOpen(req.Model, req.Version)
	if err != nil {
		return api.Request{}, err
	}
	if len(e.opts.Config.Access.Reviewers) > 0 && !e.isReviewer(user) && user != d.req.OpenedBy {
		return api.Request{}, api.Errorf(api.ErrForbidden, "%s is not a reviewer of this engine, nor opened request #%d", user, d.req.ID)
	}
	var out api.Request
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		r := *d.req
		r.Reviews = append(slices.Clone(r.Reviews), store.Review{User: user, Comment: req.Comment, Time: time.Now().UTC()})
		r.State, r.Closed = api.RequestRejected, time.Now().UTC()
		if err := tx.PutRequest(&r); err != nil {
			return err
		}
		if err := e.audit(tx, user, "reject", r.Model, r.Version, map[string]any{"request": r.ID, "comment": req.Comment}); err != nil {
			return err
		}
		out = e.viewRequest(tx, &r)
		tx.OnCommit(func() { e.publishModel(r.Model) })
		return nil
	})
	return out, e.translate(err)
}

// Rollback asks for an earlier champion back: the one the current champion
// replaced, or the version named. The request runs no gates (the version
// was champion before) and needs the policy's approvals, but an admin's
// rollback completes at once (recorded as an override).
func (e *Engine) Rollback(ctx context.Context, req api.ReviewRequest) (api.Request, error) {
	if err := checkComment(req.Comment); err != nil {
		return api.Request{}, err
	}
	user := e.caller(req.User)
	if strings.TrimSpace(req.Comment) == "" {
		return api.Request{}, api.Errorf(api.ErrInvalid, "a rollback needs a comment saying why (--comment)")
	}
	e.promoMu.Lock()
	defer e.promoMu.Unlock()
	var d decision
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		m, err := tx.Model(req.Model)
		if err != nil {
			return err
		}
		current, ok := m.Aliases[api.Champion]
		if !ok {
			return api.Errorf(api.ErrConflict, "%s has no champion to roll back", m.Name)
		}
		target := req.Version
		if target == 0 {
			if target, err = previousChampion(tx, m.Name, current); err != nil {
				return err
			}
		}
		if target == current {
			return api.Errorf(api.ErrConflict, "version %d is the champion of %s already", target, m.Name)
		}
		v, err := tx.Version(m.Name, target)
		if err != nil {
			return err
		}
		if r, err := openRequest(tx, m.Name, target); err != nil {
			return err
		} else if r != nil {
			return api.Errorf(api.ErrConflict, "version %d of %s has request #%d open already (%s)", target, m.Name, r.ID, r.State)
		}
		pol, err := policyOf(tx, m)
		if err != nil {
			return err
		}
		r := &store.Request{Model: m.Name, Version: target, State: api.RequestPending, Rollback: true, OpenedBy: user,
			Opened: time.Now().UTC(), Comment: req.Comment, Champion: current, Required: pol.RequiredApprovals,
			Checks: []store.Check{{Gate: "rollback", Verdict: api.Pass, Detail: fmt.Sprintf("a rollback from v%d to v%d, a champion before: the gates are not run again", current, target)}}}
		if err := tx.PutRequest(r); err != nil {
			return err
		}
		if err := e.audit(tx, user, "request", m.Name, target, map[string]any{"request": r.ID, "rollback": true, "champion": current, "comment": req.Comment}); err != nil {
			return err
		}
		d.req, d.version = r, v
		if run, err := tx.Run(v.Run); err == nil {
			d.runUser = run.User
		}
		tx.OnCommit(func() { e.publishModel(m.Name) })
		return nil
	})
	if err != nil {
		return api.Request{}, e.translate(err)
	}
	if e.isAdmin(user) {
		return e.approve(ctx, d, store.Review{User: user, Approved: true, Override: true,
			Comment: "an admin's rollback: " + req.Comment, Time: time.Now().UTC()})
	}
	var out api.Request
	err = e.db.View(func(tx *store.Tx) error { out = e.viewRequest(tx, d.req); return nil })
	return out, e.translate(err)
}

// previousChampion is the version the current champion replaced.
func previousChampion(tx *store.Tx, model string, current int) (int, error) {
	rs, err := tx.Requests(func(r *store.Request) bool {
		return r.Model == model && r.Version == current && r.State == api.RequestPromoted
	})
	if err != nil {
		return 0, err
	}
	if len(rs) == 0 || rs[len(rs)-1].Previous == 0 {
		return 0, api.Errorf(api.ErrConflict, "%s had no champion before v%d: name the version to roll back to (--to)", model, current)
	}
	return rs[len(rs)-1].Previous, nil
}

// Requests lists requests.
func (e *Engine) Requests(ctx context.Context, q api.RequestQuery) ([]api.Request, error) {
	user := e.caller(q.User)
	out := []api.Request{}
	err := e.db.View(func(tx *store.Tx) error {
		found, err := tx.Requests(func(r *store.Request) bool {
			return (q.Model == "" || r.Model == q.Model) && (q.All || isOpen(r.State))
		})
		if err != nil {
			return err
		}
		for i := range found {
			r := &found[i]
			if q.Mine && !e.waitsFor(tx, r, user) {
				continue
			}
			out = append(out, e.viewRequest(tx, r))
		}
		return nil
	})
	return out, e.translate(err)
}

// waitsFor reports whether user may approve r now.
func (e *Engine) waitsFor(tx *store.Tx, r *store.Request, user string) bool {
	if r.State != api.RequestPending {
		return false
	}
	v, err := tx.Version(r.Model, r.Version)
	if err != nil {
		return false
	}
	d := decision{req: r, version: v}
	if run, err := tx.Run(v.Run); err == nil {
		d.runUser = run.User
	}
	_, err = e.judge(d, user, api.ReviewRequest{})
	return err == nil
}

// Audit lists the audit log's entries, oldest first.
func (e *Engine) Audit(ctx context.Context, q api.AuditQuery) ([]api.AuditEntry, error) {
	var out []api.AuditEntry
	err := e.db.View(func(tx *store.Tx) error {
		entries, err := tx.AuditEntries(func(a *store.AuditEntry) bool { return q.Model == "" || a.Model == q.Model })
		if err != nil {
			return err
		}
		out = make([]api.AuditEntry, 0, len(entries))
		for _, a := range entries {
			out = append(out, api.AuditEntry(a))
		}
		return nil
	})
	return out, e.translate(err)
}

// VerifyAudit checks the audit log's chain.
func (e *Engine) VerifyAudit(ctx context.Context) (api.AuditReport, error) {
	var rep store.AuditReport
	// In a write transaction: an entry committed while a read walked the
	// chain would make the head file look ahead of it.
	err := e.db.Update(ctx, func(tx *store.Tx) error { rep = tx.AuditVerify(); return nil })
	return api.AuditReport(rep), e.translate(err)
}

// viewRequest is what clients see of a request: with, when reviewers are
// configured, those who may still approve it (an admin alone, by override,
// when it is blocked).
func (e *Engine) viewRequest(tx *store.Tx, r *store.Request) api.Request {
	out := apiRequest(r)
	a := e.opts.Config.Access
	if len(a.Reviewers) == 0 || !isOpen(r.State) {
		return out
	}
	var registeredBy, runUser string
	if v, err := tx.Version(r.Model, r.Version); err == nil {
		registeredBy = v.RegisteredBy
		if run, err := tx.Run(v.Run); err == nil {
			runUser = run.User
		}
	}
	candidates := a.Admins
	if r.State == api.RequestPending {
		candidates = append(slices.Clone(a.Reviewers), a.Admins...)
	}
	for _, u := range candidates {
		if u != registeredBy && u != runUser && !slices.Contains(out.Approvals, u) && !slices.Contains(out.MayApprove, u) {
			out.MayApprove = append(out.MayApprove, u)
		}
	}
	return out
}
