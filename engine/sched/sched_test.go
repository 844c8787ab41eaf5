package sched

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

const gib = 1 << 30

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

var policy = Policy{MaxForeignMemFraction: 0.10, MaxForeignUtil: 20, HeadProtection: 10 * time.Minute}

func gpus(n int) []GPU {
	out := make([]GPU, n)
	for i := range out {
		out[i] = GPU{Index: i, MemTotal: 80 * gib, Allowed: true}
	}
	return out
}

func req(id string, gpus int, age time.Duration) Request {
	return Request{ID: id, GPUs: gpus, Created: t0.Add(-age)}
}

func TestSchedule(t *testing.T) {
	tests := []struct {
		name    string
		queue   []Request
		gpus    func() []GPU
		running int
		policy  Policy
		start   map[string][]int
		waiting map[string]string
	}{
		{
			name:    "two GPUs, three 1-GPU jobs: never shared, the third waits",
			queue:   []Request{req("a", 1, 3*time.Second), req("b", 1, 2*time.Second), req("c", 1, time.Second)},
			gpus:    func() []GPU { return gpus(2) },
			start:   map[string][]int{"a": {0}, "b": {1}},
			waiting: map[string]string{"c": "waiting for 1 GPU, 0 free"},
		},
		{
			name:    "priority first, then age",
			queue:   []Request{req("old", 1, time.Hour), {ID: "urgent", GPUs: 1, Priority: 5, Created: t0}, req("older", 1, 2*time.Hour)},
			gpus:    func() []GPU { return gpus(2) },
			start:   map[string][]int{"urgent": {0}, "older": {1}},
			waiting: map[string]string{"old": "waiting for 1 GPU, 0 free"},
		},
		{
			name:  "leased GPUs are not free",
			queue: []Request{req("a", 2, time.Second)},
			gpus: func() []GPU {
				g := gpus(3)
				g[1].LeasedBy = "running-job"
				return g
			},
			start: map[string][]int{"a": {0, 2}},
		},
		{
			name:  "foreign load respected",
			queue: []Request{req("a", 1, time.Second), req("b", 1, 0)},
			gpus: func() []GPU {
				g := gpus(3)
				g[0].ForeignMem = 9 * gib // over 10% of 80 GiB
				g[1].ForeignUtil = 55
				return g
			},
			start:   map[string][]int{"a": {2}},
			waiting: map[string]string{"b": "waiting for 1 GPU, 0 free"},
		},
		{
			name:  "small foreign use is tolerated",
			queue: []Request{req("a", 1, time.Second)},
			gpus: func() []GPU {
				g := gpus(1)
				g[0].ForeignMem, g[0].ForeignUtil = 2*gib, 5
				return g
			},
			start: map[string][]int{"a": {0}},
		},
		{
			name:  "lost and disallowed GPUs are skipped",
			queue: []Request{req("a", 1, time.Second)},
			gpus: func() []GPU {
				g := gpus(3)
				g[0].Lost, g[1].Allowed = true, false
				return g
			},
			start: map[string][]int{"a": {2}},
		},
		{
			name:  "young head: smaller jobs go ahead",
			queue: []Request{req("big", 4, time.Minute), req("small", 1, 30*time.Second)},
			gpus: func() []GPU {
				g := gpus(4)
				g[0].LeasedBy, g[1].LeasedBy = "x", "y"
				return g
			},
			start:   map[string][]int{"small": {2}},
			waiting: map[string]string{"big": "waiting for 4 GPUs, 2 free"},
		},
		{
			name:  "protected head: smaller jobs stop jumping ahead",
			queue: []Request{req("big", 4, 11*time.Minute), req("small", 1, 30*time.Second), req("cpu", 0, 0)},
			gpus: func() []GPU {
				g := gpus(4)
				g[0].LeasedBy, g[1].LeasedBy = "x", "y"
				return g
			},
			start: map[string][]int{"cpu": nil},
			waiting: map[string]string{
				"big":   "waiting for 4 GPUs, 2 free; holding 2 for it (waited 11m0s)",
				"small": "waiting for 1 GPU, 0 free",
			},
		},
		{
			name:    "exact GPU ids",
			queue:   []Request{{ID: "a", GPUIDs: []int{1, 3}, Created: t0}, {ID: "b", GPUIDs: []int{1}, Created: t0.Add(time.Second)}},
			gpus:    func() []GPU { return gpus(4) },
			start:   map[string][]int{"a": {1, 3}},
			waiting: map[string]string{"b": "waiting for GPUs 1, 0 of them free"},
		},
		{
			name:  "memory: small jobs go to small GPUs",
			queue: []Request{{ID: "big", GPUs: 1, MinMem: 40 * gib, Created: t0.Add(-time.Second)}, {ID: "any", GPUs: 1, Created: t0}},
			gpus: func() []GPU {
				g := gpus(2)
				g[1].MemTotal = 24 * gib
				return g
			},
			start: map[string][]int{"big": {0}, "any": {1}},
		},
		{
			name:    "max running",
			queue:   []Request{req("a", 0, time.Second), req("b", 0, 0)},
			gpus:    func() []GPU { return nil },
			running: 1,
			policy:  Policy{MaxRunning: 2},
			start:   map[string][]int{"a": nil},
			waiting: map[string]string{"b": "waiting for a free slot (2 of 2 running)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy
			if tt.policy.MaxRunning > 0 {
				p.MaxRunning = tt.policy.MaxRunning
			}
			plan := Schedule(t0, tt.queue, tt.gpus(), tt.running, p)
			got := map[string][]int{}
			for _, s := range plan.Start {
				got[s.ID] = s.GPUs
			}
			if !reflect.DeepEqual(got, tt.start) {
				t.Errorf("started %v, want %v", got, tt.start)
			}
			want := tt.waiting
			if want == nil {
				want = map[string]string{}
			}
			if !reflect.DeepEqual(plan.Waiting, want) {
				t.Errorf("waiting %q, want %q", plan.Waiting, want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	g := gpus(4)
	g[3].Allowed = false
	g[2].MemTotal = 24 * gib
	for _, tc := range []struct {
		r    Request
		want string
	}{
		{Request{GPUs: 0}, ""},
		{Request{GPUs: 3}, ""},
		{Request{GPUs: 4}, "4 GPUs asked, this machine has 3 lathe may use"},
		{Request{GPUs: 1, MinMem: 100 * gib}, "the largest GPU has 80GiB"},
		{Request{GPUs: 3, MinMem: 40 * gib}, "3 GPUs with 40GiB asked, this machine has 2"},
		{Request{GPUIDs: []int{7}}, "this machine has no GPU 7"},
		{Request{GPUIDs: []int{3}}, "GPU 3 is not in the configured allow-list"},
		{Request{GPUIDs: []int{2}, MinMem: 40 * gib}, "GPU 2 has 24GiB"},
		{Request{GPUs: 2, GPUIDs: []int{1}}, "disagree"},
		{Request{MinMem: gib}, "--min-gpu-mem needs --gpus"},
		{Request{GPUs: -1}, "want 0 or more"},
		{Request{GPUIDs: []int{0, 0}}, "names GPU 0 twice"},
	} {
		err := Check(tc.r, g)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.r, err, tc.want)
		}
	}
	if err := Check(Request{GPUs: 1}, nil); err == nil || !strings.Contains(err.Error(), "no GPU lathe may use") {
		t.Errorf("no GPUs: %v", err)
	}
}

// BenchmarkSchedule1000 places from a queue of 1 000 jobs on 8 GPUs (budget:
// under 1 ms).
func BenchmarkSchedule1000(b *testing.B) {
	queue := make([]Request, 1000)
	for i := range queue {
		queue[i] = Request{ID: fmt.Sprint(i), GPUs: 1 + i%3, Priority: i % 5, Created: t0.Add(-time.Duration(i) * time.Second)}
	}
	g := gpus(8)
	for i := 0; i < 6; i++ {
		g[i].LeasedBy = "x"
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		Schedule(t0, queue, g, 6, policy)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/placement")
}
