package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/runners"
	"lathe/runners/local"
	"lathe/runners/slurm"
	"lathe/store"
)

// defaultRunners are the runners of an engine whose options name none. This
// is the one place in the engine that knows the implementations.
func defaultRunners(opts Options) []runners.Runner {
	sc := opts.Config.Slurm
	return []runners.Runner{
		local.New(opts.Exe, opts.ShimEnv),
		slurm.New(slurm.Config{Partition: sc.Partition, Account: sc.Account, QoS: sc.QoS, Time: sc.Time,
			Options: sc.Options, Shared: sc.Shared, Lathe: cmp.Or(sc.Lathe, opts.Exe), Poll: time.Duration(sc.Poll)}),
	}
}

// Cluster lists the user's jobs in the queue of the first runner that can
// list them (Slurm's), each of lathe's with its run.
func (e *Engine) Cluster(ctx context.Context) (api.Cluster, error) {
	for _, rn := range e.runners {
		cl, ok := rn.(runners.Cluster)
		if !ok {
			continue
		}
		c := api.Cluster{Scheduler: rn.Name(), Installed: true, Jobs: []api.ClusterJob{}}
		jobs, err := cl.Jobs(ctx)
		switch {
		case errors.Is(err, runners.ErrNoScheduler):
			c.Installed = false
			return c, nil
		case err != nil:
			c.Error = err.Error()
			return c, nil
		}
		runs := map[string]string{} // scheduler's id → run id
		e.mu.Lock()
		for id, s := range e.jobs {
			if s.queue.ID != "" {
				runs[s.queue.ID] = id
			}
		}
		e.mu.Unlock()
		for _, j := range jobs {
			c.Jobs = append(c.Jobs, api.ClusterJob{QueueState: api.QueueState(j.QueueState), Name: j.Name,
				Elapsed: j.Elapsed, Limit: j.Limit, Run: runs[j.ID]})
		}
		return c, nil
	}
	return api.Cluster{Jobs: []api.ClusterJob{}}, nil
}

// scheduled says whether a runner's jobs wait in a scheduler of their own
// (and so are handed over at once, with no GPU of this machine placed).
func (e *Engine) scheduled(runner string) bool {
	rn, err := e.runner(recordedRunner(runner))
	if err != nil {
		return false
	}
	_, ok := rn.(runners.Scheduled)
	return ok
}

// legacyRunner started the runs recorded before runs named their runner.
const legacyRunner = "local"

// checkRunners refuses a list with no runner, or two of one name.
func checkRunners(rs []runners.Runner) error {
	if len(rs) == 0 {
		return fmt.Errorf("engine: no runner to start jobs with")
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.Name()] {
			return fmt.Errorf("engine: two runners are called %q", r.Name())
		}
		seen[r.Name()] = true
	}
	return nil
}

// runnerNames lists the runners, the default first.
func (e *Engine) runnerNames() []string {
	names := make([]string, len(e.runners))
	for i, r := range e.runners {
		names[i] = r.Name()
	}
	return names
}

// runner finds a runner by name; "" is the configured default, else the
// first.
func (e *Engine) runner(name string) (runners.Runner, error) {
	if name == "" {
		name = e.opts.Config.Jobs.Runner
	}
	if name == "" {
		return e.runners[0], nil
	}
	for _, r := range e.runners {
		if r.Name() == name {
			return r, nil
		}
	}
	names := e.runnerNames()
	return nil, api.Errorf(api.ErrInvalid, "no runner %q: this engine has %s", name, strings.Join(names, ", "))
}

// runnerOf is the runner that started, or is to start, a run.
func (e *Engine) runnerOf(r *store.Run) (runners.Runner, error) {
	return e.runner(recordedRunner(r.Runner))
}

// recordedRunner is the name of the runner a run records.
func recordedRunner(name string) string {
	if name == "" {
		return legacyRunner
	}
	return name
}

// files says where the output and metrics of a run are, given the runner it
// records.
func (e *Engine) files(id, runner string) (runners.Files, error) {
	rn, err := e.runner(recordedRunner(runner))
	if err != nil {
		return runners.Files{}, err
	}
	return rn.Files(e.runDir(id)), nil
}
