package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/engine/metricline"
	"lathe/runners"
	"lathe/store"
)

// Submit queues a new run.
func (e *Engine) Submit(ctx context.Context, req api.SubmitRequest) (api.Run, error) {
	return e.submit(ctx, req, "")
}

// submit queues a new run; one named after another (nameAfter, a re-run)
// gets the first free nameAfter-N, chosen in the transaction that records
// it so that two at once do not share one.
func (e *Engine) submit(ctx context.Context, req api.SubmitRequest, nameAfter string) (api.Run, error) {
	return e.submitTask(ctx, req, nameAfter, nil)
}

// SubmitArray queues req.Array runs, one a task: each has its index in
// LATHE_ARRAY_INDEX (and the size in LATHE_ARRAY_SIZE), the param
// array_index, the tag array (the group) and, when named, the name
// NAME-INDEX. A task that cannot be queued leaves the others queued.
func (e *Engine) SubmitArray(ctx context.Context, req api.SubmitRequest) ([]api.Run, error) {
	n := req.Array
	if n < 1 || n > api.MaxArray {
		return nil, api.Errorf(api.ErrInvalid, "--array %d: give 1 to %d tasks", n, api.MaxArray)
	}
	if err := e.validate(&req); err != nil {
		return nil, err
	}
	group := store.NewID()
	base := req.Name
	if base == "" {
		base = commandStem(req.Command) + "-" + group[:6]
	}
	runs := make([]api.Run, 0, n)
	for i := range n {
		task := req
		task.Array = 0
		task.Name = fmt.Sprintf("%s-%d", base, i)
		task.Env = append(slices.Clone(req.Env), fmt.Sprintf("LATHE_ARRAY_INDEX=%d", i), fmt.Sprintf("LATHE_ARRAY_SIZE=%d", n))
		task.Params = maps.Clone(nonNil(req.Params))
		if _, set := task.Params["array_index"]; !set {
			task.Params["array_index"] = strconv.Itoa(i)
		}
		task.Tags = maps.Clone(nonNil(req.Tags))
		task.Tags["array"] = group
		r, err := e.submitTask(ctx, task, "", &store.ArrayTask{Group: group, Index: i, Size: n})
		if err != nil {
			return runs, fmt.Errorf("array task %d: %w", i, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func (e *Engine) submitTask(ctx context.Context, req api.SubmitRequest, nameAfter string, task *store.ArrayTask) (api.Run, error) {
	if req.Array != 0 {
		return api.Run{}, api.Errorf(api.ErrInvalid, "an array of %d tasks is submitted with SubmitArray", req.Array)
	}
	if err := e.validate(&req); err != nil {
		return api.Run{}, err
	}
	if req.User == "" {
		req.User = e.user
	}
	r := &store.Run{
		ID:          store.NewID(),
		Name:        req.Name,
		Experiment:  req.Experiment,
		Status:      store.Queued,
		Command:     req.Command,
		Cwd:         req.Cwd,
		Env:         redact(req.Env, e.opts.Config.Jobs.Redact),
		Params:      nonNil(req.Params),
		Tags:        nonNil(req.Tags),
		Priority:    req.Priority,
		GPUs:        req.GPUs,
		GPUIDs:      req.GPUIDs,
		MinGPUMem:   req.MinGPUMem,
		Parse:       req.Parse,
		TensorBoard: req.TensorBoard,
		WandB:       req.WandB,
		Runner:      req.Runner,
		Array:       task,
		Git:         gitInfo(ctx, req.Cwd),
		User:        req.User,
		Host:        e.host,
		Created:     time.Now().UTC(),
	}
	r.Dir = e.runDir(r.ID)
	if err := os.MkdirAll(r.Dir, 0o700); err != nil {
		return api.Run{}, fmt.Errorf("create run folder: %w", err)
	}
	var v api.Run
	var stored store.Run
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		rec := *r
		if req.After != "" {
			dep, err := tx.ResolveRun(req.After)
			if err != nil {
				return fmt.Errorf("--after: %w", err)
			}
			rec.After = dep.ID
		}
		if rec.Name == "" && nameAfter != "" {
			rec.Name = tx.FreeName(nameAfter)
		}
		if rec.Name == "" {
			rec.Name = fmt.Sprintf("%s-%d", commandStem(rec.Command), tx.NextRunNumber(rec.Experiment))
		}
		if err := tx.CreateRun(&rec); err != nil {
			return err
		}
		if err := tx.PutPendingEnv(rec.ID, req.Env); err != nil {
			return err
		}
		// spec.json is written inside the transaction so that a stored run
		// always has one; if the commit fails, the folder is removed below.
		if err := writeSpec(&rec, e.opts.Config.Jobs.PatchLimit); err != nil {
			return err
		}
		var err error
		if v, err = e.view(tx, &rec); err != nil {
			return err
		}
		stored = rec
		tx.OnCommit(func() { e.hub.publish(api.Event{Type: api.EventRun, Run: &v}) })
		return nil
	})
	if err != nil {
		os.RemoveAll(r.Dir)
		return api.Run{}, e.translate(err)
	}
	e.enqueue(&stored)
	e.kickScheduler()
	return v, nil
}

func (e *Engine) validate(req *api.SubmitRequest) error {
	if req.User != "" && req.User != e.user && !e.opts.Config.Access.OthersMayRun {
		return api.Errorf(api.ErrForbidden, "this engine runs jobs as %s: %s may not start jobs here unless its owner sets [access] others_may_run = true", e.user, req.User)
	}
	if len(req.Command) == 0 || req.Command[0] == "" {
		return api.Errorf(api.ErrInvalid, "no command: give it after --, as in `lathe run -- python3 train.py`")
	}
	if req.Cwd == "" || !filepath.IsAbs(req.Cwd) {
		return api.Errorf(api.ErrInvalid, "working directory %q is not an absolute path", req.Cwd)
	}
	if fi, err := os.Stat(req.Cwd); err != nil || !fi.IsDir() {
		return api.Errorf(api.ErrInvalid, "working directory %s does not exist", req.Cwd)
	}
	rn, err := e.runner(req.Runner)
	if err != nil {
		return err
	}
	req.Runner = rn.Name()
	if req.Experiment == "" {
		req.Experiment = e.opts.Config.Jobs.DefaultExperiment
	}
	if err := store.ValidExperimentName(req.Experiment); err != nil {
		return e.translate(err)
	}
	if len(req.Name) > 200 || strings.ContainsFunc(req.Name, func(r rune) bool { return r < 0x20 }) {
		return api.Errorf(api.ErrInvalid, "run name %q: at most 200 characters, no control characters", req.Name)
	}
	if req.Name == "." || req.Name == ".." {
		return api.Errorf(api.ErrInvalid, "run name %q is reserved", req.Name)
	}
	if _, ok := rn.(runners.Scheduled); ok {
		// Its scheduler knows its GPUs, and refuses a request it cannot meet.
		if req.GPUs < 0 || len(req.GPUIDs) > 0 || req.MinGPUMem > 0 {
			return api.Errorf(api.ErrInvalid, "the %s runner takes a number of GPUs (--gpus N), not GPU ids or memory", rn.Name())
		}
	} else if err := e.checkGPURequest(*req); err != nil {
		return err
	}
	if _, err := metricline.ParseMode(req.Parse); err != nil {
		return api.Errorf(api.ErrInvalid, "%s", err)
	}
	if req.TensorBoard != "" {
		// The job may make the folder itself; what it names is fixed now.
		if !filepath.IsAbs(req.TensorBoard) {
			req.TensorBoard = filepath.Join(req.Cwd, req.TensorBoard)
		}
		req.TensorBoard = filepath.Clean(req.TensorBoard)
		if fi, err := os.Stat(req.TensorBoard); err == nil && !fi.IsDir() {
			return api.Errorf(api.ErrInvalid, "--tensorboard %s is a file: name the folder the job writes its event files in", req.TensorBoard)
		}
	}
	for what, m := range map[string]map[string]string{"param": req.Params, "tag": req.Tags} {
		for k := range m {
			if k == "" || len(k) > 250 {
				return api.Errorf(api.ErrInvalid, "%s name %q: want 1 to 250 characters", what, k)
			}
		}
	}
	return nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func writeSpec(r *store.Run, patchLimit int64) error {
	// The supervisor reads the run's record, and how much of the job's git
	// patch to keep.
	spec := struct {
		*store.Run
		PatchLimit int64 `json:"patch_limit,omitempty"`
	}{r, patchLimit}
	raw, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return runners.WriteFileAtomic(r.Dir, "spec.json", append(raw, '\n'))
}

// keepSpec writes a run's record to its spec.json again when it starts and
// when it ends, so that a store rebuilt from the run folders knows the
// devices it holds and how it ended (a kill, the GPU hours). It is the
// store's copy that counts: a failure here is only logged.
func (e *Engine) keepSpec(r *store.Run) {
	if r == nil || r.Dir == "" {
		return
	}
	if err := writeSpec(r, e.opts.Config.Jobs.PatchLimit); err != nil {
		e.log.Warn("keep spec.json", "run", r.ID, "err", err)
	}
}

// A variable is secret when a part of its name (split at '_', '-', '.')
// is one of secretParts, or holds one of secretInParts (HF_TOKEN,
// GITHUB_APITOKEN, DB_PASSWORD); KEY counts only as a whole part (API_KEY,
// KEY_ID, not MONKEY), and PWD, the working directory, is no password.
var (
	secretParts   = []string{"PASS", "PASSWD", "PASSWORD", "SECRET", "SECRETS", "TOKEN", "TOKENS", "CREDENTIAL", "CREDENTIALS", "AUTH", "OAUTH", "WEBHOOK", "KEY", "KEYS", "PRIVATE"}
	secretInParts = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "WEBHOOK", "APIKEY"}
)

// redacted replaces a secret's value.
const redacted = "[redacted]"

// urlPassword is the password in a URL's user info: scheme://user:pw@host.
var urlPassword = regexp.MustCompile(`(://[^/:@\s]*:)[^@/\s]+@`)

// redact is the environment a run records: secrets' values replaced, by
// their names (secretName, and the config's extra words anywhere in the
// name) and a URL's password in any value (postgres://u:***@h/db).
func redact(env []string, extra []string) map[string]string {
	out := make(map[string]string, len(env))
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if secretName(name, extra) {
			value = redacted
		} else {
			value = urlPassword.ReplaceAllString(value, "${1}***@")
		}
		out[name] = value
	}
	return out
}

// secretName says whether a variable's name marks its value as secret.
func secretName(name string, extra []string) bool {
	upper := strings.ToUpper(name)
	for _, w := range extra {
		if w != "" && strings.Contains(upper, strings.ToUpper(w)) {
			return true
		}
	}
	for _, part := range strings.FieldsFunc(upper, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		if slices.Contains(secretParts, part) {
			return true
		}
		for _, w := range secretInParts {
			if strings.Contains(part, w) {
				return true
			}
		}
	}
	return false
}

// commandStem names a run after what it runs: the script of an interpreter
// (python3 train.py → train), else the program.
func commandStem(cmd []string) string {
	pick := cmd[0]
	for _, a := range cmd[1:] {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if ext := filepath.Ext(a); ext == ".py" || ext == ".sh" || ext == ".jl" || ext == ".R" || ext == ".lua" {
			pick = a
		}
		break
	}
	stem := strings.TrimSuffix(filepath.Base(pick), filepath.Ext(pick))
	if stem == "" || stem == "." || stem == "/" {
		return "run"
	}
	return stem
}

// gitInfo records the commit of the repository cwd is in, and whether its
// tracked files differ from it. It is nil outside a repository.
func gitInfo(ctx context.Context, cwd string) *store.Git {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", cwd, "rev-parse", "HEAD").Output()
	if err != nil {
		return nil
	}
	g := &store.Git{Commit: strings.TrimSpace(string(out))}
	status, err := exec.CommandContext(ctx, "git", "-C", cwd, "status", "--porcelain", "--untracked-files=no").Output()
	g.Dirty = err != nil || len(strings.TrimSpace(string(status))) > 0
	return g
}
