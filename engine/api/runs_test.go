package api

import "testing"

// A run a cluster holds in its queue reads "pending"; every other run
// its status.
func TestStatusWord(t *testing.T) {
	for _, c := range []struct {
		r    Run
		want string
	}{
		{Run{Status: Running}, "running"},
		{Run{Status: Running, Queue: &QueueState{State: "PENDING", Pending: true}}, "pending"},
		{Run{Status: Running, Queue: &QueueState{State: "RUNNING"}}, "running"},
		{Run{Status: Killed, Queue: &QueueState{State: "PENDING", Pending: true}}, "killed"},
		{Run{Status: Queued}, "queued"},
	} {
		if got := c.r.StatusWord(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
}
