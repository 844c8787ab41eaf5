package engine

import (
	"cmp"
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
