package api

import (
	"context"
	"time"
)

// PromotionService is how a version becomes the champion: a request runs
// the model's gates, reviewers approve or reject it, and every step is an
// entry of the audit log.
type PromotionService interface {
	// Policy returns a model's policy as TOML.
	Policy(ctx context.Context, model string) (Policy, error)
	// SetPolicy replaces a model's policy; the TOML is checked first.
	SetPolicy(ctx context.Context, req PolicyRequest) (Policy, error)
	// Promote opens a request to make a version the champion and runs the
	// gates against the current champion.
	Promote(ctx context.Context, req ReviewRequest) (Request, error)
	// Approve approves a request; enough approvals move the champion.
	Approve(ctx context.Context, req ReviewRequest) (Request, error)
	// Reject rejects a request, with a comment.
	Reject(ctx context.Context, req ReviewRequest) (Request, error)
	// Rollback asks for the previous (or the named) champion back, as a
	// request under the same rules.
	Rollback(ctx context.Context, req ReviewRequest) (Request, error)
	// Requests lists requests: the open ones, or those waiting for the
	// caller (Mine).
	Requests(ctx context.Context, q RequestQuery) ([]Request, error)
	// Audit lists the audit log's entries, oldest first.
	Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	// VerifyAudit checks the audit log's chain from its first entry to the
	// head recorded beside the store.
	VerifyAudit(ctx context.Context) (AuditReport, error)
}

// Policy is a model's promotion policy, as its TOML text.
type Policy struct {
	Model string `json:"model"`
	TOML  string `json:"toml"`
	// Default says nobody has set it: it is the one made with the model.
	Default bool      `json:"default,omitempty"`
	Updated time.Time `json:"updated,omitempty"`
	By      string    `json:"by,omitempty"`
}

// PolicyRequest sets a model's policy.
type PolicyRequest struct {
	Model string `json:"model"`
	TOML  string `json:"toml"`
	User  string `json:"user,omitempty"` // set by the socket server
}

// ReviewRequest is a step of a promotion: open it, approve, reject, roll
// back.
type ReviewRequest struct {
	Model   string `json:"model"`
	Version int    `json:"version,omitempty"`
	Comment string `json:"comment,omitempty"`
	// Override lets an admin approve a blocked request (recorded so).
	Override bool `json:"override,omitempty"`
	// User is who asks: the socket server sets it from the peer's
	// credentials, whatever the client sent.
	User string `json:"user,omitempty"`
}

// The states of a request.
const (
	RequestBlocked  = "blocked"  // a gate failed: it cannot be approved (but by an admin's override)
	RequestPending  = "pending"  // the gates pass: waiting for approvals
	RequestPromoted = "promoted" // the version is the champion
	RequestRejected = "rejected"
	RequestFailed   = "failed" // the on_promote hook failed: the champion did not move
)

// Check is one gate's verdict on a challenger, with what it compared.
type Check struct {
	Gate   string `json:"gate"` // primary, guardrail, slice, range, drift, shadow
	Metric string `json:"metric,omitempty"`
	Slice  string `json:"slice,omitempty"`
	// Direction is which way the metric is better ("max" or "min") where
	// the gate compares.
	Direction string `json:"direction,omitempty"`
	// Verdict is "pass", "fail" or "not measured" (which does not block).
	Verdict    string `json:"verdict"`
	Challenger *Float `json:"challenger,omitempty"`
	Champion   *Float `json:"champion,omitempty"`
	// Threshold is the bound the rule applies (a minimum improvement, a
	// largest regression, a range's end).
	Threshold *Float `json:"threshold,omitempty"`
	// Detail says in words what was found: "val_acc 0.962 against the
	// champion's 0.957: +0.005, at least +0.005 wanted".
	Detail string `json:"detail"`
}

// The verdicts of a check.
const (
	Pass        = "pass"
	Fail        = "fail"
	NotMeasured = "not measured"
)

// Review is one reviewer's approval or rejection.
type Review struct {
	User     string    `json:"user"`
	Approved bool      `json:"approved"`
	Comment  string    `json:"comment,omitempty"`
	Override bool      `json:"override,omitempty"`
	Self     bool      `json:"self_approved,omitempty"`
	Time     time.Time `json:"time"`
}

// Request is a request to make a version the champion.
type Request struct {
	ID      uint64 `json:"id"`
	Model   string `json:"model"`
	Version int    `json:"version"`
	State   string `json:"state"`
	// Rollback says the request brings back an earlier champion.
	Rollback bool      `json:"rollback,omitempty"`
	OpenedBy string    `json:"opened_by"`
	Opened   time.Time `json:"opened"`
	Comment  string    `json:"comment,omitempty"`
	// MayApprove are the configured reviewers who may still approve it
	// (empty when no reviewers are configured: whoever reaches the engine).
	MayApprove []string `json:"may_approve,omitempty"`
	// Champion is the champion the gates compared against (0: none yet);
	// Previous the one the promotion replaced.
	Champion  int       `json:"champion,omitempty"`
	Previous  int       `json:"previous,omitempty"`
	Checks    []Check   `json:"checks"`
	Reviews   []Review  `json:"reviews,omitempty"`
	Approvals []string  `json:"approvals"`
	Required  int       `json:"required_approvals"`
	Closed    time.Time `json:"closed,omitempty"`
	// Hook is what the on_promote hook did, when one ran.
	Hook *HookResult `json:"hook,omitempty"`
}

// HookResult is how the on_promote hook ended.
type HookResult struct {
	Command  string `json:"command"`
	ExitCode int    `json:"exit_code"`
	TimedOut bool   `json:"timed_out,omitempty"`
	Output   string `json:"output,omitempty"` // its last lines
}

// RequestQuery selects requests.
type RequestQuery struct {
	Model string `json:"model,omitempty"`
	// All lists closed requests too; Mine only those the caller may approve.
	All  bool   `json:"all,omitempty"`
	Mine bool   `json:"mine,omitempty"`
	User string `json:"user,omitempty"` // set by the socket server
}

// AuditEntry is one entry of the audit log. Hash is the sha256 of its
// canonical bytes (the entry without Hash), which include Prev, the hash
// of the entry before.
type AuditEntry struct {
	Seq     uint64         `json:"seq"`
	Time    time.Time      `json:"time"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Model   string         `json:"model,omitempty"`
	Version int            `json:"version,omitempty"`
	Details map[string]any `json:"details,omitempty"`
	Prev    string         `json:"prev"`
	Hash    string         `json:"hash"`
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	Model string `json:"model,omitempty"`
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Entries int    `json:"entries"`
	Head    string `json:"head"`
	OK      bool   `json:"ok"`
	// FirstBad is the first entry that does not match (0 when OK), and
	// Problem says how.
	FirstBad uint64 `json:"first_bad,omitempty"`
	Problem  string `json:"problem,omitempty"`
	// Note says what is worth knowing of a sound chain (its head file was
	// behind: an engine stopped between an entry and the file's write).
	Note string `json:"note,omitempty"`
}
