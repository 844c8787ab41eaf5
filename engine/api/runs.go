package api

import (
	"time"

	"golang.org/x/sys/unix"
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

// Statuses is every status, in the order of a run's life.
var Statuses = []Status{Queued, Running, Succeeded, Failed, Killed, Lost}

// Ended reports whether s is a final state.
func (s Status) Ended() bool {
	return s == Succeeded || s == Failed || s == Killed || s == Lost
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	switch s {
	case Queued, Running, Succeeded, Failed, Killed, Lost:
		return true
	}
	return false
}

// Run is a run as clients see it: what it is, how it went, its metric
// summaries and what the engine knows of it now.
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
	Env        map[string]string `json:"env,omitempty"` // secrets redacted
	Params     map[string]string `json:"params"`
	Tags       map[string]string `json:"tags"`
	Priority   int               `json:"priority"`
	// What the run asked of GPUs, and the devices it was given.
	GPUs      int       `json:"gpus"`
	GPUIDs    []int     `json:"gpu_ids,omitempty"`
	MinGPUMem uint64    `json:"min_gpu_mem,omitempty"`
	Devices   []int     `json:"devices"`
	Usage     *GPUUsage `json:"usage,omitempty"`
	// Proc is what its process tree used of CPU and memory; ProcNow its
	// latest reading, while it runs.
	Proc    *ProcSummary `json:"proc,omitempty"`
	ProcNow *ProcStats   `json:"proc_now,omitempty"`
	After   string       `json:"after,omitempty"`
	Parse   string       `json:"parse,omitempty"`
	// TensorBoard is the folder of event files read as metrics (absolute).
	TensorBoard string `json:"tensorboard,omitempty"`
	// WandB says the job was given lathe's wandb module.
	WandB bool `json:"wandb,omitempty"`
	// Runner is what started the job ("local", "slurm"), or what
	// recorded a run without one ("mlflow", "import").
	Runner string `json:"runner,omitempty"`
	// Stall, while the run runs, says why what it logs is not being
	// stored now (a full disk); it clears by itself, nothing lost.
	Stall string `json:"stall,omitempty"`
	// Array says which task of an array the run is (SubmitArray).
	Array *ArrayTask `json:"array,omitempty"`
	// Queue is what the scheduler of a job handed to one (Slurm) says of
	// it while it is there: its id, state, why it waits, where it runs.
	Queue *QueueState `json:"queue,omitempty"`
	// Key is what a run without a job came from ("mlflow:<run uuid>",
	// "tfevents:<folder>"), when it was recorded under one.
	Key       string                      `json:"key,omitempty"`
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
	// Environment is what the job started in, when its supervisor captured
	// it; only Run (one run) reads it, not listings.
	Environment *Environment `json:"environment,omitempty"`
	// KillRequested says a user asked for the run to stop.
	KillRequested bool `json:"kill_requested,omitempty"`
	// KillReason is why lathe killed it (a sweep stopped it early), ""
	// when a user did.
	KillReason string `json:"kill_reason,omitempty"`
	// Deleted is when the run was removed (`lathe rm`): it can be restored
	// for RetainRemoved after.
	Deleted *time.Time `json:"deleted,omitempty"`

	Metrics      map[string]MetricSummary `json:"metrics"`
	InvalidLines int64                    `json:"invalid_lines"`
	FirstInvalid string                   `json:"first_invalid,omitempty"`
	// Waiting says why a queued run has not started.
	Waiting string `json:"waiting,omitempty"`
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

// GPUUsage is what a run used of its GPUs.
type GPUUsage struct {
	GPUHours        float64 `json:"gpu_hours"`
	EnergyWh        float64 `json:"energy_wh"` // power of its GPUs integrated over time
	PeakGPUMemBytes uint64  `json:"peak_gpu_mem_bytes"`
	MeanGPUUtil     float64 `json:"mean_gpu_util"` // percent
	Cost            float64 `json:"cost,omitempty"`
	// Samples counts the readings MeanGPUUtil averages.
	Samples int64 `json:"samples"`
	// Through is when GPUHours were last counted.
	Through time.Time `json:"through,omitempty"`
}

// MetricSummary is the summary of one metric of a run.
type MetricSummary struct {
	Last     Float `json:"last"`
	Min      Float `json:"min"`
	Max      Float `json:"max"`
	Count    int64 `json:"count"`
	LastStep int64 `json:"last_step"`
}

// StatusWord is the run's status as listings show it: "pending" while a
// cluster's scheduler still holds its job in its queue (it is running as
// far as lathe goes: handed over, and status=running finds it).
func (r Run) StatusWord() string {
	if r.Status == Running && r.Queue != nil && r.Queue.Pending {
		return "pending"
	}
	return string(r.Status)
}

// LastStep is the furthest step any of the run's metrics reached, -1
// before any.
func (r Run) LastStep() int64 {
	var s int64 = -1
	for _, m := range r.Metrics {
		s = max(s, m.LastStep)
	}
	return s
}

// WaitExitCode is the exit code `lathe wait` gives for an ended run: the job's
// own, 128+N for a signal N, and 1 for a run lost or failed without a code.
func (r Run) WaitExitCode() int {
	switch {
	case r.Status == Succeeded:
		return 0
	case r.Signal != "":
		if n := unix.SignalNum(r.Signal); n != 0 {
			return 128 + int(n)
		}
		return 1
	case r.ExitCode != nil && *r.ExitCode > 0:
		return *r.ExitCode
	}
	return 1
}

// SubmitRequest is what `lathe run` sends.
type SubmitRequest struct {
	Name       string            `json:"name,omitempty"`
	Experiment string            `json:"experiment,omitempty"`
	Command    []string          `json:"command"`
	Cwd        string            `json:"cwd"`
	Env        []string          `json:"env"`
	Params     map[string]string `json:"params,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Priority   int               `json:"priority,omitempty"`
	After      string            `json:"after,omitempty"`
	// GPUs asks for that many GPUs; GPUIDs for exactly those; MinGPUMem for
	// GPUs with at least that much memory (bytes).
	GPUs      int    `json:"gpus,omitempty"`
	GPUIDs    []int  `json:"gpu_ids,omitempty"`
	MinGPUMem uint64 `json:"min_gpu_mem,omitempty"`
	// Parse is how output lines become metrics besides JSON metrics lines:
	// "" (only those), "kv" (name=value pairs) or "auto" (trainers' own
	// progress lines, then name=value pairs); see engine/metricline.
	Parse string `json:"parse,omitempty"`
	// TensorBoard is a folder (relative to Cwd) whose TensorBoard event
	// files the engine reads while the job runs, as it reads its metrics
	// file; event files in the run folder are read without it.
	TensorBoard string `json:"tensorboard,omitempty"`
	// WandB puts a wandb module that logs into lathe first on the job's
	// PYTHONPATH, so a script written for Weights & Biases runs unchanged.
	WandB bool `json:"wandb,omitempty"`
	// Runner names what starts the job; empty: the configured default.
	Runner string `json:"runner,omitempty"`
	// Array, for SubmitArray, is how many tasks: that many runs of the
	// command, each told its LATHE_ARRAY_INDEX (0 to Array-1), handed to
	// a cluster's scheduler as one job array.
	Array int `json:"array,omitempty"`
	// User is who submits. The socket server sets it from the peer's
	// credentials, whatever the client sent.
	User string `json:"user,omitempty"`
}

// LogOptions choose what Logs copies.
type LogOptions struct {
	Follow bool
	// Offset is the byte of output.log to start at (a client that lost its
	// engine mid-stream goes on where it was).
	Offset int64
	// Tail, when set, starts that many bytes before the end instead.
	Tail int64
}

// RunQuery selects runs.
type RunQuery struct {
	Experiment string   `json:"experiment,omitempty"`
	Statuses   []Status `json:"statuses,omitempty"`
	Limit      int      `json:"limit,omitempty"`
	// Filter is an expression of the filter language (engine/filter).
	Filter string `json:"filter,omitempty"`
	// Sort names a field to order by, as the filter language writes it
	// (metrics.val_loss, params.lr, duration, started…): runs without it
	// come last in either direction. Empty: newest first.
	Sort string `json:"sort,omitempty"`
	Desc bool   `json:"desc,omitempty"`
	// Deleted lists the removed runs that can still be restored, instead
	// of the others.
	Deleted bool `json:"deleted,omitempty"`
}

// RemoveRequest names the runs to remove: by reference, or every run a
// filter keeps.
type RemoveRequest struct {
	Refs   []string `json:"refs,omitempty"`
	Filter string   `json:"filter,omitempty"`
	// Purge frees the runs' folders and series at once, removed runs
	// included; they cannot be restored.
	Purge bool `json:"purge,omitempty"`
	// DryRun says which runs it would remove, and removes none.
	DryRun bool `json:"dry_run,omitempty"`
}

// RemoveResult is the runs a removal took (or would take).
type RemoveResult struct {
	Runs   []Run `json:"runs"`
	Purged bool  `json:"purged"`
	// Versions are the model versions registered from these runs ("digits
	// v3"): they keep their snapshot and artifact.
	Versions []string `json:"versions,omitempty"`
}

// RetainRemoved is how long a removed run can be restored; then its folder
// and series are freed.
const RetainRemoved = 7 * 24 * time.Hour

// Point is one value of a metric; Time is Unix seconds.
type Point struct {
	Step  int64   `json:"step"`
	Time  float64 `json:"time"`
	Value Float   `json:"value"`
}

// Bucket summarises consecutive points of a metric (one point when the
// series is short); a chart draws the span from Min to Max.
type Bucket struct {
	FirstStep int64 `json:"first_step"`
	LastStep  int64 `json:"last_step"`
	// FirstTime and LastTime are Unix seconds, like Point.Time.
	FirstTime float64 `json:"first_time"`
	LastTime  float64 `json:"last_time"`
	Count     int     `json:"count"`
	Min       Float   `json:"min"`
	Max       Float   `json:"max"`
	Mean      Float   `json:"mean"`
	Last      Float   `json:"last"`
}

// QueueState is a job as the scheduler it was handed to shows it.
type QueueState struct {
	// Scheduler names it ("slurm"); ID is the job's id there.
	Scheduler string `json:"scheduler"`
	ID        string `json:"id"`
	// State is the scheduler's own word ("PENDING", "RUNNING").
	State string `json:"state"`
	// Pending says the job waits for resources; Reason says why, in the
	// scheduler's words ("Resources", "Priority", "QOSMaxGRESPerUser").
	Pending bool   `json:"pending,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Partition and Node are where it waits or runs.
	Partition string `json:"partition,omitempty"`
	Node      string `json:"node,omitempty"`
}

// String is the job as one line: "job 123 · PENDING (Resources) ·
// partition debug", "job 124 · RUNNING · partition debug · node gpu07".
func (q QueueState) String() string {
	s := "job " + q.ID + " · " + q.State
	if q.Reason != "" {
		s += " (" + q.Reason + ")"
	}
	if q.Partition != "" {
		s += " · partition " + q.Partition
	}
	if q.Node != "" {
		s += " · node " + q.Node
	}
	return s
}

// ArrayTask is one run of an array: tasks of one Group (an id shared by
// them, and their tag "array"), Index 0 to Size-1.
type ArrayTask struct {
	Group string `json:"group"`
	Index int    `json:"index"`
	Size  int    `json:"size"`
}

// MaxArray is the most tasks one array may have (Slurm's default
// MaxArraySize allows 1000).
const MaxArray = 1000

// Cluster is the engine user's jobs in a cluster's queue.
type Cluster struct {
	// Scheduler names it ("slurm"); empty when the engine has no runner
	// of a cluster.
	Scheduler string `json:"scheduler,omitempty"`
	// Installed says the scheduler's commands are there; Error why they
	// did not answer.
	Installed bool         `json:"installed"`
	Error     string       `json:"error,omitempty"`
	Jobs      []ClusterJob `json:"jobs"`
}

// ClusterJob is one job in a cluster's queue.
type ClusterJob struct {
	QueueState
	Name string `json:"name"`
	// Elapsed and Limit are as the scheduler writes them ("1:02:03").
	Elapsed string `json:"elapsed"`
	Limit   string `json:"limit"`
	// Run is the lathe run the job is, when it is one of lathe's.
	Run string `json:"run,omitempty"`
}
