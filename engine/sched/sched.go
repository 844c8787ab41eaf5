package sched

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Request is what a queued job asks for.
type Request struct {
	ID       string
	Priority int
	Created  time.Time
	GPUs     int    // how many; 0 for a CPU job
	GPUIDs   []int  // exactly these devices, when set
	MinMem   uint64 // bytes each of its GPUs must have in total
}

// GPU is one device as the scheduler sees it.
type GPU struct {
	Index    int
	MemTotal uint64
	Lost     bool
	Allowed  bool
	LeasedBy string // run id holding it, "" when none
	// Unsampled is set until the first reading of the device: until then
	// nobody knows whether someone else uses it.
	Unsampled bool
	// Foreign use over the last samples (the largest seen): memory of
	// processes that are not lathe jobs, and utilisation while no lathe job
	// ran on it.
	ForeignMem  uint64
	ForeignUtil uint32
}

// Policy holds the configurable rules.
type Policy struct {
	MaxForeignMemFraction float64       // e.g. 0.10
	MaxForeignUtil        uint32        // percent, e.g. 20
	HeadProtection        time.Duration // after this wait a GPU job reserves the GPUs it needs
	MaxRunning            int           // jobs running at once, 0 for no cap
}

// Placement starts a job on GPUs (none for a CPU job).
type Placement struct {
	ID   string
	GPUs []int
}

// Plan is what to do now.
type Plan struct {
	Start   []Placement
	Waiting map[string]string // job id → why it waits
}

// free reports whether a GPU may take a new job, and why not.
func (p Policy) free(g GPU) (bool, string) {
	switch {
	case g.Lost:
		return false, "lost"
	case !g.Allowed:
		return false, "not allowed"
	case g.LeasedBy != "":
		return false, "leased"
	case g.Unsampled:
		return false, "not read yet"
	case float64(g.ForeignMem) > p.MaxForeignMemFraction*float64(g.MemTotal):
		return false, "in use by another program"
	case g.ForeignUtil > p.MaxForeignUtil:
		return false, "busy with another program"
	}
	return true, ""
}

// Schedule decides what starts now. running is how many jobs run already.
func Schedule(now time.Time, queue []Request, gpus []GPU, running int, p Policy) Plan {
	plan := Plan{Waiting: map[string]string{}}
	order := slices.Clone(queue)
	slices.SortFunc(order, func(a, b Request) int {
		return cmp.Or(cmp.Compare(b.Priority, a.Priority), a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	avail := make([]bool, len(gpus))
	nfree := 0
	for i, g := range gpus {
		if avail[i], _ = p.free(g); avail[i] {
			nfree++
		}
	}
	// With no GPU free, most of a long queue waits for the same reason:
	// word it once per count asked.
	noneFree := map[int]string{}
	for _, r := range order {
		if p.MaxRunning > 0 && running >= p.MaxRunning {
			plan.Waiting[r.ID] = fmt.Sprintf("waiting for a free slot (%d of %d running)", running, p.MaxRunning)
			continue
		}
		if r.GPUs == 0 && len(r.GPUIDs) == 0 {
			plan.Start = append(plan.Start, Placement{ID: r.ID})
			running++
			continue
		}
		need := max(r.GPUs, len(r.GPUIDs))
		if nfree == 0 && len(r.GPUIDs) == 0 && r.MinMem == 0 {
			if noneFree[need] == "" {
				noneFree[need] = waitReason(r, need, 0)
			}
			plan.Waiting[r.ID] = noneFree[need]
			continue
		}
		fits := fitting(r, gpus, avail)
		if len(fits) >= need {
			take := fits[:need]
			for _, i := range take {
				avail[i] = false
			}
			nfree -= len(take)
			ids := make([]int, len(take))
			for k, i := range take {
				ids[k] = gpus[i].Index
			}
			plan.Start = append(plan.Start, Placement{ID: r.ID, GPUs: ids})
			running++
			continue
		}
		plan.Waiting[r.ID] = waitReason(r, need, len(fits))
		// Holding GPUs is only worth it when the job can start once lathe's
		// own jobs end; a job that also needs a device someone else uses
		// would hold its GPUs forever.
		if p.HeadProtection > 0 && now.Sub(r.Created) >= p.HeadProtection && len(fits) > 0 &&
			len(fits)+reachable(r, gpus, p) >= need {
			// Protected: what fits it now is kept for it, so jobs behind
			// cannot take those GPUs and starve it.
			for _, i := range fits {
				avail[i] = false
			}
			nfree -= len(fits)
			plan.Waiting[r.ID] += fmt.Sprintf("; holding %d for it (waited %s)", len(fits), now.Sub(r.Created).Round(time.Second))
		}
	}
	return plan
}

// reachable counts the devices a request could get once lathe's jobs on
// them end: leased to a job, suitable, and otherwise usable.
func reachable(r Request, gpus []GPU, p Policy) int {
	n := 0
	for _, g := range gpus {
		if g.LeasedBy == "" || g.MemTotal < r.MinMem || len(r.GPUIDs) > 0 && !slices.Contains(r.GPUIDs, g.Index) {
			continue
		}
		g.LeasedBy = ""
		if ok, _ := p.free(g); ok {
			n++
		}
	}
	return n
}

// fitting lists the positions of the available GPUs that suit r, largest
// memory last so big devices stay for jobs that need them.
func fitting(r Request, gpus []GPU, avail []bool) []int {
	var out []int
	for i, g := range gpus {
		if !avail[i] || g.MemTotal < r.MinMem {
			continue
		}
		if len(r.GPUIDs) > 0 && !slices.Contains(r.GPUIDs, g.Index) {
			continue
		}
		out = append(out, i)
	}
	slices.SortStableFunc(out, func(a, b int) int { return cmp.Compare(gpus[a].MemTotal, gpus[b].MemTotal) })
	return out
}

func waitReason(r Request, need, free int) string {
	what := "GPUs"
	if need == 1 {
		what = "GPU"
	}
	switch {
	case len(r.GPUIDs) > 0:
		return fmt.Sprintf("waiting for GPUs %s, %d of them free", joinInts(r.GPUIDs), free)
	case r.MinMem > 0:
		return fmt.Sprintf("waiting for %d %s with %s, %d free", need, what, bytesText(r.MinMem), free)
	}
	return fmt.Sprintf("waiting for %d %s, %d free", need, what, free)
}

// Check refuses a request that no state of the machine could meet.
func Check(r Request, gpus []GPU) error {
	if r.GPUs < 0 {
		return fmt.Errorf("--gpus %d: want 0 or more", r.GPUs)
	}
	if len(r.GPUIDs) > 0 && r.GPUs > 0 && r.GPUs != len(r.GPUIDs) {
		return fmt.Errorf("--gpus %d and --gpu-ids %s disagree; give one of them", r.GPUs, joinInts(r.GPUIDs))
	}
	for i, id := range r.GPUIDs {
		if slices.Contains(r.GPUIDs[:i], id) {
			return fmt.Errorf("--gpu-ids names GPU %d twice", id)
		}
	}
	need := max(r.GPUs, len(r.GPUIDs))
	if need == 0 {
		if r.MinMem > 0 {
			return fmt.Errorf("--min-gpu-mem needs --gpus or --gpu-ids")
		}
		return nil
	}
	usable := 0
	var biggest uint64
	for _, g := range gpus {
		if g.Allowed {
			usable++
			biggest = max(biggest, g.MemTotal)
		}
	}
	for _, id := range r.GPUIDs {
		i := slices.IndexFunc(gpus, func(g GPU) bool { return g.Index == id })
		switch {
		case i < 0:
			return fmt.Errorf("--gpu-ids: this machine has no GPU %d (it has %d)", id, len(gpus))
		case !gpus[i].Allowed:
			return fmt.Errorf("--gpu-ids: GPU %d is not in the configured allow-list", id)
		case gpus[i].MemTotal < r.MinMem:
			return fmt.Errorf("--gpu-ids: GPU %d has %s, less than --min-gpu-mem %s", id, bytesText(gpus[i].MemTotal), bytesText(r.MinMem))
		}
	}
	switch {
	case usable == 0:
		return fmt.Errorf("this machine has no GPU lathe may use (see `lathe gpus`); run without --gpus")
	case need > usable:
		return fmt.Errorf("%d GPUs asked, this machine has %d lathe may use", need, usable)
	case r.MinMem > biggest:
		return fmt.Errorf("--min-gpu-mem %s: the largest GPU has %s", bytesText(r.MinMem), bytesText(biggest))
	}
	if r.MinMem > 0 {
		big := 0
		for _, g := range gpus {
			if g.Allowed && g.MemTotal >= r.MinMem {
				big++
			}
		}
		if big < need {
			return fmt.Errorf("%d GPUs with %s asked, this machine has %d", need, bytesText(r.MinMem), big)
		}
	}
	return nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

func bytesText(n uint64) string {
	const gib = 1 << 30
	if n%gib == 0 || n >= 10*gib {
		return fmt.Sprintf("%.0fGiB", float64(n)/gib)
	}
	return fmt.Sprintf("%.1fGiB", float64(n)/gib)
}
