package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/runners/capture"
	"lathe/store"
)

// RerunTag is the tag a re-run carries: the id of the run it repeats.
const RerunTag = "rerun_of"

// environment reads what the supervisor of the run in dir captured, or
// nil when it captured nothing (a job of a runner that does not, or one
// still starting).
func (e *Engine) environment(dir string) *api.Environment {
	env, err := capture.Read(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		e.log.Warn("unreadable environment record", "dir", dir, "err", err)
		return nil
	}
	return &env
}

// Rerun starts a run again and says what differs from when it first ran.
func (e *Engine) Rerun(ctx context.Context, req api.RerunRequest) (api.RerunResult, error) {
	var r *store.Run
	err := e.db.View(func(tx *store.Tx) error {
		var err error
		r, err = tx.ResolveRun(req.Run)
		return err
	})
	if err != nil {
		return api.RerunResult{}, e.translate(err)
	}
	if len(r.Command) == 0 {
		return api.RerunResult{}, api.Errorf(api.ErrInvalid, "run %s was recorded by %s, not started by lathe: it has no command to run again", r.Name, recordedRunner(r.Runner))
	}
	sub, changes := rerunRequest(r, req)
	changes = append(changes, e.codeChanges(ctx, r, sub.Env)...)
	run, err := e.submit(ctx, sub, rerunBase(r))
	if err != nil {
		return api.RerunResult{}, err
	}
	return api.RerunResult{Run: run, Changes: changes}, nil
}

// rerunBase is what a re-run of r is named after: r's name, or for a
// re-run of a re-run ("bert-2"), the first run's ("bert"), so that re-runs
// count on: bert-2, bert-3…
func rerunBase(r *store.Run) string {
	if r.Tags[RerunTag] == "" {
		return r.Name
	}
	if i := strings.LastIndexByte(r.Name, '-'); i > 0 {
		if _, err := strconv.Atoi(r.Name[i+1:]); err == nil {
			return r.Name[:i]
		}
	}
	return r.Name
}

// rerunRequest is the submission that repeats r, and what it changes.
func rerunRequest(r *store.Run, req api.RerunRequest) (api.SubmitRequest, []string) {
	changes := []string{}
	params := maps.Clone(r.Params)
	if params == nil {
		params = map[string]string{}
	}
	for _, k := range slices.Sorted(maps.Keys(req.Params)) {
		was, ok := params[k]
		switch {
		case !ok:
			changes = append(changes, fmt.Sprintf("param %s = %s (new)", k, req.Params[k]))
		case was != req.Params[k]:
			changes = append(changes, fmt.Sprintf("param %s: %s → %s", k, was, req.Params[k]))
		}
		params[k] = req.Params[k]
	}
	tags := maps.Clone(r.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, req.Tags)
	tags[RerunTag] = r.ID
	// The record keeps secrets redacted: their values come from the caller.
	caller := map[string]string{}
	for _, kv := range req.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			caller[k] = v
		}
	}
	env := make([]string, 0, len(r.Env))
	for _, k := range slices.Sorted(maps.Keys(r.Env)) {
		v := r.Env[k]
		if v == redacted {
			now, ok := caller[k]
			if !ok {
				changes = append(changes, fmt.Sprintf("%s was a secret (not recorded) and is not set here: the re-run goes without it", k))
				continue
			}
			v = now
		}
		env = append(env, k+"="+v)
	}
	return api.SubmitRequest{Experiment: r.Experiment, Command: r.Command, Cwd: r.Cwd, Env: env, Params: params,
		Tags: tags, Priority: r.Priority, GPUs: r.GPUs, GPUIDs: r.GPUIDs, MinGPUMem: r.MinGPUMem, Parse: r.Parse, TensorBoard: r.TensorBoard, WandB: r.WandB,
		Runner: r.Runner, User: req.User}, changes
}

// rerunProbeTimeout bounds each look at the code and packages as they are
// now (git, pip freeze).
const rerunProbeTimeout = 10 * time.Second

// codeChanges says how the code and the Python packages in r's folder
// differ now from when r started.
func (e *Engine) codeChanges(ctx context.Context, r *store.Run, env []string) []string {
	var changes []string
	was := e.environment(r.Dir)
	now, _, err := capture.Git(ctx, r.Cwd, 0, rerunProbeTimeout)
	switch {
	case err != nil:
		changes = append(changes, fmt.Sprintf("git: %v", err))
	case r.Git == nil && now != nil:
		changes = append(changes, fmt.Sprintf("the folder is a git tree now (commit %s)", short(now.Commit)))
	case r.Git != nil && now == nil:
		changes = append(changes, "the folder is no longer a git tree")
	case r.Git != nil && r.Git.Commit != now.Commit:
		changes = append(changes, fmt.Sprintf("git commit: %s → %s", short(r.Git.Commit), short(now.Commit)))
	}
	if now != nil {
		nowPatch := now.PatchSHA256
		wasPatch := ""
		if was != nil && was.Git != nil {
			wasPatch = was.Git.PatchSHA256
		}
		switch {
		case was == nil || was.Git == nil:
			// Nothing was captured to compare with.
		case wasPatch == "" && nowPatch != "":
			changes = append(changes, fmt.Sprintf("uncommitted changes now (%d bytes of diff); the first run had none", now.PatchBytes))
		case wasPatch != "" && nowPatch == "":
			changes = append(changes, "no uncommitted changes now; the first run had some (its diff.patch)")
		case wasPatch != nowPatch:
			changes = append(changes, "the uncommitted changes differ from the first run's (compare with its diff.patch)")
		}
	}
	if was != nil && was.Python != nil && len(was.Packages) > 0 {
		pkgs, _, err := capture.Packages(ctx, was.Python.Executable, env, rerunProbeTimeout)
		if err != nil {
			changes = append(changes, fmt.Sprintf("packages: %v", err))
		} else {
			changes = append(changes, packageChanges(was.Packages, pkgs)...)
		}
	}
	return changes
}

// maxPackageChanges bounds the package lines a re-run reports.
const maxPackageChanges = 12

// packageChanges lists the packages added, removed or of another version.
func packageChanges(was, now map[string]string) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(was)) {
		switch v, ok := now[name]; {
		case !ok:
			out = append(out, fmt.Sprintf("package %s %s: removed", name, was[name]))
		case v != was[name]:
			out = append(out, fmt.Sprintf("package %s: %s → %s", name, was[name], v))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(now)) {
		if _, ok := was[name]; !ok {
			out = append(out, fmt.Sprintf("package %s %s: added", name, now[name]))
		}
	}
	if len(out) > maxPackageChanges {
		more := len(out) - maxPackageChanges
		out = append(out[:maxPackageChanges], fmt.Sprintf("… and %d more package changes", more))
	}
	return out
}

// short is a git commit as people read it.
func short(commit string) string {
	if len(commit) > 10 {
		return commit[:10]
	}
	return commit
}
