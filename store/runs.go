package store

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Status is where a run is in its life.
type Status string

// The states of a run. A run ends in exactly one of the last four.
const (
	Queued    Status = "queued"
	Running   Status = "running"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
	Killed    Status = "killed"
	Lost      Status = "lost" // its supervisor vanished without an exit record
)

// Ended reports whether s is a final state.
func (s Status) Ended() bool {
	return s == Succeeded || s == Failed || s == Killed || s == Lost
}

// IDLen is the length of a run id: 12 lowercase hex characters (48 random
// bits), short enough to type a prefix of, long enough never to collide in
// one store.
const IDLen = 12

// NewID returns a fresh random run id.
func NewID() string {
	var b [IDLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b[:])
}

// Git is the code version a run was launched from.
type Git struct {
	Commit string `json:"commit"`
	Dirty  bool   `json:"dirty"`
}

// Artifact is a file a run declared as an output.
type Artifact struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// Dataset is a data set a run named, and what the engine found at its
// path.
type Dataset struct {
	Name string `json:"name"`
	// Path is as the run wrote it; Abs resolved against the run's Cwd.
	Path string `json:"path"`
	Abs  string `json:"abs_path"`
	Role string `json:"role,omitempty"`
	// What the digest found, set once it is done: Kind "file" or "dir",
	// bytes, a folder's files, the newest modification time, the sha256
	// (Partial: of the size, time and first and last MiB only).
	Kind     string    `json:"kind,omitempty"`
	Size     int64     `json:"size"`
	Files    int       `json:"files,omitempty"`
	Modified time.Time `json:"modified"`
	SHA256   string    `json:"sha256,omitempty"`
	Partial  bool      `json:"partial,omitempty"`
	// Error says why it could not be digested.
	Error string `json:"error,omitempty"`
}

// GPUUsage is what a run used of its GPUs.
type GPUUsage struct {
	GPUHours        float64 `json:"gpu_hours"`
	EnergyWh        float64 `json:"energy_wh"` // power of its GPUs integrated over time
	PeakGPUMemBytes uint64  `json:"peak_gpu_mem_bytes"`
	MeanGPUUtil     float64 `json:"mean_gpu_util"` // percent
	Cost            float64 `json:"cost,omitempty"`
	// Samples counts the readings MeanGPUUtil averages.
	Samples int64 `json:"samples"`
	// Through is when GPUHours were last counted: an engine that was down
	// charges the run's devices from then (energy only counts what was
	// sampled).
	Through time.Time `json:"through,omitempty"`
}

// Run is the record of one run. Handle is owned by the runner that started
// it and opaque here.
type Run struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Experiment string            `json:"experiment"`
	Status     Status            `json:"status"`
	Reason     string            `json:"reason"`
	ExitCode   *int              `json:"exit_code"`
	Signal     string            `json:"signal,omitempty"`
	Command    []string          `json:"command"`
	Cwd        string            `json:"cwd"`
	Env        map[string]string `json:"env,omitempty"` // redacted
	Params     map[string]string `json:"params"`
	Tags       map[string]string `json:"tags"`
	Priority   int               `json:"priority"`
	// What the run asked of GPUs, and the devices it was given (its lease,
	// restored when an engine restarts).
	GPUs      int       `json:"gpus"`
	GPUIDs    []int     `json:"gpu_ids,omitempty"`
	MinGPUMem uint64    `json:"min_gpu_mem,omitempty"`
	Devices   []int     `json:"devices"`
	Usage     *GPUUsage `json:"usage,omitempty"`
	// Proc is what its process tree used (CPU, memory), sampled with the
	// GPUs.
	Proc  *ProcUsage `json:"proc,omitempty"`
	After string     `json:"after,omitempty"`
	Parse string     `json:"parse,omitempty"`
	// TensorBoard is the folder of event files read as metrics (absolute).
	TensorBoard string `json:"tensorboard,omitempty"`
	// WandB says the job is given lathe's wandb module (`--wandb`).
	WandB bool `json:"wandb,omitempty"`
	// Runner names the runner that started the job ("local" for runs
	// recorded before there were others).
	Runner string `json:"runner,omitempty"`
	// Array says which task of an array the run is.
	Array *ArrayTask `json:"array,omitempty"`
	// Queue is what the scheduler of a job handed to one (Slurm) said of
	// it last: its id there, state, reason, partition and node.
	Queue     *QueueState                 `json:"queue,omitempty"`
	Git       *Git                        `json:"git"`
	User      string                      `json:"user"`
	Host      string                      `json:"host"`
	Dir       string                      `json:"dir"`
	Created   time.Time                   `json:"created"`
	Started   *time.Time                  `json:"started"`
	Ended     *time.Time                  `json:"ended"`
	Total     int64                       `json:"total,omitempty"`
	Evals     map[string]map[string]Float `json:"evals,omitempty"`
	Artifacts []Artifact                  `json:"artifacts,omitempty"`
	Datasets  []Dataset                   `json:"datasets,omitempty"`
	// KillRequested records that a user asked for the run to stop, so an
	// exit by signal is "killed", not "failed", even across an engine restart.
	KillRequested bool `json:"kill_requested,omitempty"`
	// KillReason, when set, is why it was killed, for its reason (a sweep
	// stopped it early); else it was a user.
	KillReason string `json:"kill_reason,omitempty"`
	// Deleted is when the run was removed (`lathe rm`): it leaves every
	// listing, and can be restored until its folder and series are freed.
	Deleted *time.Time `json:"deleted,omitempty"`
	Handle  []byte     `json:"handle,omitempty"`
	// Key says what a tracked run (an MLflow client's, an import's) came
	// from; the run_keys bucket finds the run by it.
	Key string `json:"key,omitempty"`

	// listed marks a record read without its Env (ListedRun): it is not
	// written back, which would lose the environment.
	listed bool
}

func timeKey(t time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+IDLen), uint64(t.UnixNano()))
	return append(k, id...)
}

func nameKey(name, id string) []byte {
	return append(append([]byte(name), 0), id...)
}

// CreateRun records a new run (its ID, Name, Experiment and Created set by
// the caller) and creates its experiment on first use.
func (tx *Tx) CreateRun(r *Run) error {
	if len(r.ID) != IDLen {
		return fmt.Errorf("%w: run id %q", ErrInvalidInput, r.ID)
	}
	if tx.bucket(bucketRuns).Get([]byte(r.ID)) != nil {
		return fmt.Errorf("%w: run %s exists", ErrInvalidInput, r.ID)
	}
	if strings.IndexByte(r.Name, 0) >= 0 {
		return fmt.Errorf("%w: run name contains a NUL byte", ErrInvalidInput)
	}
	if _, err := tx.EnsureExperiment(r.Experiment, r.Created); err != nil {
		return err
	}
	if err := tx.bucket(bucketRunNames).Put(nameKey(r.Name, r.ID), nil); err != nil {
		return err
	}
	if err := tx.bucket(bucketRunsByTime).Put(timeKey(r.Created, r.ID), nil); err != nil {
		return err
	}
	if err := tx.putRunKey(r); err != nil {
		return err
	}
	return tx.PutRun(r)
}

// RenameRun gives a run another name.
func (tx *Tx) RenameRun(r *Run, name string) error {
	if strings.IndexByte(name, 0) >= 0 || name == "" {
		return fmt.Errorf("%w: run name %q", ErrInvalidInput, name)
	}
	b := tx.bucket(bucketRunNames)
	if err := b.Delete(nameKey(r.Name, r.ID)); err != nil {
		return err
	}
	r.Name = name
	if err := b.Put(nameKey(name, r.ID), nil); err != nil {
		return err
	}
	return tx.PutRun(r)
}

// PutRun writes an existing run's record.
func (tx *Tx) PutRun(r *Run) error {
	if r.listed {
		return fmt.Errorf("run %s was read for a listing, without its environment: read it with Run to write it", r.ID)
	}
	tx.touch(r.ID)
	if err := tx.markActive(r); err != nil {
		return err
	}
	return tx.putJSON(bucketRuns, []byte(r.ID), r)
}

// Run reads one run by its exact id.
func (tx *Tx) Run(id string) (*Run, error) {
	var r Run
	if err := tx.getJSON(bucketRuns, []byte(id), &r); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("run %s: %w", id, ErrNotFound)
		}
		return nil, err
	}
	return &r, nil
}

// ListedRun reads one run's record as listings need it: without its
// environment (Env nil), which only a run's own page shows and which is
// most of what decoding a record costs. It cannot be written back.
func (tx *Tx) ListedRun(id string) (*Run, error) {
	var rec struct {
		Run
		Env skipValue `json:"env"` // shadows Run.Env
	}
	if err := tx.getJSON(bucketRuns, []byte(id), &rec); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("run %s: %w", id, ErrNotFound)
		}
		return nil, err
	}
	rec.Run.listed = true
	return &rec.Run, nil
}

// skipValue is a JSON value read past, not decoded.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// ResolveRun finds the run a user means by ref: an exact id, else a unique
// name, else a unique id prefix.
func (tx *Tx) ResolveRun(ref string) (*Run, error) {
	if ref == "" {
		return nil, fmt.Errorf("%w: empty run reference", ErrInvalidInput)
	}
	if len(ref) == IDLen {
		if r, err := tx.Run(ref); err == nil || !errors.Is(err, ErrNotFound) {
			return r, err
		}
	}
	byName := tx.scanPrefix(bucketRunNames, append([]byte(ref), 0), 3)
	switch {
	case len(byName) == 1:
		return tx.Run(string(byName[0][len(ref)+1:]))
	case len(byName) > 1:
		return nil, fmt.Errorf("%w: %d runs are named %q; use an id", ErrAmbiguous, len(byName), ref)
	}
	byID := tx.scanPrefix(bucketRuns, []byte(ref), 4)
	switch len(byID) {
	case 0:
		return nil, fmt.Errorf("run %q: %w", ref, ErrNotFound)
	case 1:
		return tx.Run(string(byID[0]))
	}
	ids := make([]string, 0, 3)
	for _, k := range byID[:min(3, len(byID))] {
		ids = append(ids, string(k))
	}
	return nil, fmt.Errorf("%w: %q is the start of several run ids (%s…); type more of it", ErrAmbiguous, ref, strings.Join(ids, ", "))
}

// FreeName is the first of base-2, base-3… that no run has, so that a run
// named after another (a re-run) can be named alone.
func (tx *Tx) FreeName(base string) string {
	for n := 2; ; n++ {
		name := base + "-" + strconv.Itoa(n)
		if len(tx.scanPrefix(bucketRunNames, append([]byte(name), 0), 1)) == 0 {
			return name
		}
	}
}

// scanPrefix returns up to limit keys of bucket that start with prefix.
func (tx *Tx) scanPrefix(bucket, prefix []byte, limit int) [][]byte {
	var keys [][]byte
	c := tx.bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(keys) < limit; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	return keys
}

// RunIDs lists every run's id, in id order, without reading the records.
func (tx *Tx) RunIDs() ([]string, error) {
	var ids []string
	err := tx.bucket(bucketRuns).ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k))
		return nil
	})
	return ids, err
}

// Runs lists runs newest first, keeping those keep accepts (all when nil),
// at most limit of them (all when limit <= 0), as listings read them
// (ListedRun).
func (tx *Tx) Runs(keep func(*Run) bool, limit int) ([]*Run, error) {
	var out []*Run
	c := tx.bucket(bucketRunsByTime).Cursor()
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		if len(k) != 8+IDLen {
			tx.Skipped++ // `lathe store check` names it
			continue
		}
		r, err := tx.ListedRun(string(k[8:]))
		if errors.Is(err, ErrDamaged) {
			tx.Skipped++
			continue
		}
		if err != nil {
			return nil, err
		}
		if keep != nil && !keep(r) {
			continue
		}
		out = append(out, r)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// QueueState is a job as the scheduler it was handed to showed it.
type QueueState struct {
	Scheduler string `json:"scheduler"`
	ID        string `json:"id"`
	State     string `json:"state"`
	Pending   bool   `json:"pending,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Partition string `json:"partition,omitempty"`
	Node      string `json:"node,omitempty"`
}

// ArrayTask is one run of an array: Index of Size in Group.
type ArrayTask struct {
	Group string `json:"group"`
	Index int    `json:"index"`
	Size  int    `json:"size"`
}
