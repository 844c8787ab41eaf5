package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The promotion's buckets, created on first use.
var (
	bucketPolicies = []byte("policies")
	bucketRequests = []byte("requests")
)

// Policy is a model's promotion policy, kept as the TOML its author wrote.
type Policy struct {
	Model   string    `json:"model"`
	TOML    string    `json:"toml"`
	Updated time.Time `json:"updated"`
	By      string    `json:"by"`
}

// Policy reads a model's policy (ErrNotFound: none was set).
func (tx *Tx) Policy(model string) (*Policy, error) {
	if tx.btx.Bucket(bucketPolicies) == nil {
		return nil, ErrNotFound
	}
	var p Policy
	if err := tx.getJSON(bucketPolicies, []byte(model), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// PutPolicy writes a model's policy.
func (tx *Tx) PutPolicy(p *Policy) error {
	if _, err := tx.btx.CreateBucketIfNotExists(bucketPolicies); err != nil {
		return err
	}
	return tx.putJSON(bucketPolicies, []byte(p.Model), p)
}

// Check is a gate's verdict as a request keeps it.
type Check struct {
	Gate       string `json:"gate"`
	Metric     string `json:"metric,omitempty"`
	Slice      string `json:"slice,omitempty"`
	Direction  string `json:"direction,omitempty"`
	Verdict    string `json:"verdict"`
	Challenger *Float `json:"challenger,omitempty"`
	Champion   *Float `json:"champion,omitempty"`
	Threshold  *Float `json:"threshold,omitempty"`
	Detail     string `json:"detail"`
}

// Review is an approval or a rejection.
type Review struct {
	User     string    `json:"user"`
	Approved bool      `json:"approved"`
	Comment  string    `json:"comment,omitempty"`
	Override bool      `json:"override,omitempty"`
	Self     bool      `json:"self,omitempty"`
	Time     time.Time `json:"time"`
}

// HookResult is how a promotion's hook ended.
type HookResult struct {
	Command  string `json:"command"`
	ExitCode int    `json:"exit_code"`
	TimedOut bool   `json:"timed_out,omitempty"`
	Output   string `json:"output,omitempty"`
}

// Request is a request to make a version its model's champion.
type Request struct {
	ID       uint64      `json:"id"`
	Model    string      `json:"model"`
	Version  int         `json:"version"`
	State    string      `json:"state"`
	Rollback bool        `json:"rollback,omitempty"`
	OpenedBy string      `json:"opened_by"`
	Opened   time.Time   `json:"opened"`
	Comment  string      `json:"comment,omitempty"`
	Champion int         `json:"champion,omitempty"`
	Previous int         `json:"previous,omitempty"`
	Checks   []Check     `json:"checks"`
	Reviews  []Review    `json:"reviews,omitempty"`
	Required int         `json:"required"`
	Closed   time.Time   `json:"closed,omitzero"`
	Hook     *HookResult `json:"hook,omitempty"`
}

func requestKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// PutRequest writes a request; one without an ID gets the next.
func (tx *Tx) PutRequest(r *Request) error {
	b, err := tx.btx.CreateBucketIfNotExists(bucketRequests)
	if err != nil {
		return err
	}
	if r.ID == 0 {
		if r.ID, err = b.NextSequence(); err != nil {
			return err
		}
	}
	return tx.putJSON(bucketRequests, requestKey(r.ID), r)
}

// Request reads one request.
func (tx *Tx) Request(id uint64) (*Request, error) {
	notFound := fmt.Errorf("request %d: %w", id, ErrNotFound)
	if tx.btx.Bucket(bucketRequests) == nil {
		return nil, notFound
	}
	var r Request
	if err := tx.getJSON(bucketRequests, requestKey(id), &r); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, notFound
		}
		return nil, err
	}
	return &r, nil
}

// Requests lists the requests keep keeps, oldest first.
func (tx *Tx) Requests(keep func(*Request) bool) ([]Request, error) {
	out := []Request{}
	if tx.btx.Bucket(bucketRequests) == nil {
		return out, nil
	}
	err := tx.bucket(bucketRequests).ForEach(func(k, _ []byte) error {
		var r Request
		if err := tx.getJSON(bucketRequests, k, &r); err != nil {
			return err
		}
		if keep == nil || keep(&r) {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
