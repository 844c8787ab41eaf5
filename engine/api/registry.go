package api

import (
	"context"
	"time"
)

// RegistryService is the model registry: model versions registered from
// runs, their artifacts kept in the data directory, and aliases.
type RegistryService interface {
	// Register makes the next version of a model (creating the model on
	// first use) from an ended run: its artifact is copied into the
	// content-addressed folder, its params, final metrics, eval slices,
	// git and data sets are kept with the version.
	// progress, when set, is told the bytes of the artifact copied so far.
	Register(ctx context.Context, req RegisterRequest, progress func(done, total int64)) (ModelVersion, error)
	// Models lists the models, by name.
	Models(ctx context.Context) ([]ModelSummary, error)
	// Model returns a model with its versions, newest first.
	Model(ctx context.Context, name string) (Model, error)
	// ModelVersion returns one version, named NAME@VERSION, NAME@ALIAS or
	// NAME@latest.
	ModelVersion(ctx context.Context, ref string) (ModelVersion, error)
	// SetAlias points an alias of a model at a version (moving it when it
	// pointed elsewhere). The reserved aliases are refused.
	SetAlias(ctx context.Context, req AliasRequest) (Model, error)
	// RemoveAlias takes an alias off a model.
	RemoveAlias(ctx context.Context, req AliasRequest) (Model, error)
	// RemoveVersion deletes a version; its number stays taken. A version
	// an alias points to is refused unless Force.
	RemoveVersion(ctx context.Context, req RemoveVersionRequest) (ModelVersion, error)
	// Lineage walks a version back to the run that made it, and that run
	// back through the runs it re-ran.
	Lineage(ctx context.Context, model string, version int) (Lineage, error)
	// CreateModel makes a model before its first version (ErrConflict when
	// it exists), as MLflow clients do.
	CreateModel(ctx context.Context, req CreateModelRequest) (Model, error)
}

// CreateModelRequest names a model to make.
type CreateModelRequest struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	User        string            `json:"user,omitempty"` // set by the socket server
}

// Champion is the alias only a completed promotion moves.
const Champion = "champion"

// RegisterRequest is what `lathe register` sends.
type RegisterRequest struct {
	// Run is the run's id, unique id prefix or unique name.
	Run   string `json:"run"`
	Model string `json:"model"`
	// Artifact is the name of an artifact the run declared, or an absolute
	// path; empty: the run's only declared artifact.
	Artifact    string `json:"artifact,omitempty"`
	Description string `json:"description,omitempty"`
	// Source, instead of Artifact, is where another tool says the version's
	// files are (a path, a file:// URI): copied when it is a readable local
	// file or folder, else only recorded. A version with a Source may come
	// from a run still running (MLflow registers from active runs).
	Source string `json:"source,omitempty"`
	// Tags are kept with the version (an import's MLflow stage, say).
	Tags map[string]string `json:"tags,omitempty"`
	// Registered, when set, is when another tool registered it (an import);
	// zero: now.
	Registered time.Time `json:"registered,omitzero"`
	// User is who registers. The socket server sets it from the peer's
	// credentials, whatever the client sent.
	User string `json:"user,omitempty"`
}

// AliasRequest names an alias of a model (and for SetAlias, its version).
type AliasRequest struct {
	Model   string `json:"model"`
	Alias   string `json:"alias"`
	Version int    `json:"version,omitempty"`
	User    string `json:"user,omitempty"` // set by the socket server
}

// RemoveVersionRequest names a version to delete.
type RemoveVersionRequest struct {
	Model   string `json:"model"`
	Version int    `json:"version"`
	// Force removes a version aliases point to, and the aliases with it.
	Force bool   `json:"force,omitempty"`
	User  string `json:"user,omitempty"` // set by the socket server
}

// ArtifactExternal is the kind of a version's artifact that is only a
// location another tool gave (MLflow's source), not a copy lathe keeps.
const ArtifactExternal = "external"

// ArtifactRef is a version's artifact: what it was, and where its copy is.
type ArtifactRef struct {
	Name string `json:"name"`
	// Source is the path it was copied from.
	Source string `json:"source"`
	// SHA256 is the file's digest, or for a folder its manifest's.
	SHA256 string `json:"sha256"`
	// Size is the bytes of the file, or of every file of a folder.
	Size int64 `json:"size"`
	// Kind is "file" or "dir"; Files counts a folder's files.
	Kind  string `json:"kind"`
	Files int    `json:"files,omitempty"`
	// Path is where the copy is in the data directory (a folder for a
	// folder artifact), set when the version is read; empty when only the
	// Source was recorded (Kind "external": another tool's location lathe
	// could not read).
	Path string `json:"path"`
}

// ModelVersion is one registered version of a model.
type ModelVersion struct {
	Model   string `json:"model"`
	Version int    `json:"version"`
	// Run is the id of the run it came from; RunName and Experiment as
	// they were when it was registered.
	Run         string      `json:"run"`
	RunName     string      `json:"run_name"`
	Experiment  string      `json:"experiment"`
	RunStatus   Status      `json:"run_status"`
	Description string      `json:"description,omitempty"`
	Artifact    ArtifactRef `json:"artifact"`
	// A snapshot of the run when it was registered.
	Params   map[string]string           `json:"params"`
	Metrics  map[string]Float            `json:"metrics"` // each metric's last value
	Evals    map[string]map[string]Float `json:"evals,omitempty"`
	Git      *Git                        `json:"git"`
	Datasets []Dataset                   `json:"datasets,omitempty"`
	// RegisteredBy is the OS user who registered it, from the socket's
	// peer credentials.
	RegisteredBy string            `json:"registered_by"`
	Registered   time.Time         `json:"registered"`
	Tags         map[string]string `json:"tags,omitempty"`
	// Aliases are the model's aliases that point at it now.
	Aliases []string `json:"aliases,omitempty"`
}

// Model is a model with its versions.
type Model struct {
	Name        string            `json:"name"`
	Created     time.Time         `json:"created"`
	CreatedBy   string            `json:"created_by"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	// PrimaryMetric is the metric the model is judged by (chosen from its
	// first version's metrics); Direction is "max" or "min".
	PrimaryMetric string `json:"primary_metric,omitempty"`
	Direction     string `json:"direction,omitempty"`
	// LastVersion is the highest number ever given: versions removed keep
	// theirs taken.
	LastVersion int            `json:"last_version"`
	Aliases     map[string]int `json:"aliases"`
	// Versions are the versions that remain, newest first.
	Versions []ModelVersion `json:"versions"`
	// Requests are the model's promotion requests, newest first.
	Requests []Request `json:"requests"`
}

// ModelSummary is a model in a listing.
type ModelSummary struct {
	Name          string         `json:"name"`
	PrimaryMetric string         `json:"primary_metric,omitempty"`
	Direction     string         `json:"direction,omitempty"`
	Aliases       map[string]int `json:"aliases"`
	Versions      int            `json:"versions"` // how many remain
	// Latest is the newest version that remains (nil: none).
	Latest  *ModelVersion `json:"latest"`
	Updated time.Time     `json:"updated"`
	// OpenRequests counts the promotion requests blocked or pending.
	OpenRequests int `json:"open_requests"`
	// Drift is the status of the model's latest drift window ("" when
	// none), and DriftAlerting the features that alert in it.
	Drift         string   `json:"drift,omitempty"`
	DriftAlerting []string `json:"drift_alerting,omitempty"`
}

// Lineage is where a version came from.
type Lineage struct {
	Version ModelVersion `json:"version"`
	// Run is the run as it is now (nil when it was purged since).
	Run *Run `json:"run"`
	// Parents are the runs Run re-ran, nearest first.
	Parents []Run `json:"parents,omitempty"`
}

// Dataset is a data set a run named (a `dataset` line of its metrics
// file), as the engine found it when it read the line.
type Dataset struct {
	Name string `json:"name"`
	// Path is as the run wrote it; Abs resolved against the run's folder
	// of work.
	Path string `json:"path"`
	Abs  string `json:"abs_path"`
	Role string `json:"role,omitempty"`
	Kind string `json:"kind,omitempty"` // "file" or "dir"
	// Size is bytes (of every file, for a folder); Files counts a
	// folder's files.
	Size     int64     `json:"size"`
	Files    int       `json:"files,omitempty"`
	Modified time.Time `json:"modified"`
	// SHA256 is the content's digest (a folder: its manifest's). Partial
	// says it is of the size, modification time and first and last MiB
	// only: the file was larger than the configured limit.
	SHA256  string `json:"sha256,omitempty"`
	Partial bool   `json:"partial,omitempty"`
	// Error says why it could not be read (the rest is then unset).
	Error string `json:"error,omitempty"`
}

// Environment is what a job started in, captured by its supervisor
// (environment.json in the run folder) without delaying the start.
type Environment struct {
	Captured time.Time `json:"captured"`
	OS       string    `json:"os,omitempty"` // e.g. "Debian GNU/Linux 13 (trixie)"
	Kernel   string    `json:"kernel,omitempty"`
	Arch     string    `json:"arch,omitempty"`
	Host     string    `json:"host,omitempty"`
	// Python is set when the command is Python.
	Python *PythonEnv `json:"python,omitempty"`
	// Packages are the installed Python packages, name → version, and
	// PackagesFrom what listed them ("pip freeze" or "dpkg").
	Packages     map[string]string `json:"packages,omitempty"`
	PackagesFrom string            `json:"packages_from,omitempty"`
	CUDA         *CUDAEnv          `json:"cuda,omitempty"`
	Git          *GitEnv           `json:"git,omitempty"`
	// Errors say what could not be captured, and why.
	Errors []string `json:"errors,omitempty"`
}

// PythonEnv is the interpreter of a Python job.
type PythonEnv struct {
	Executable string `json:"executable"`
	Version    string `json:"version"`
}

// CUDAEnv is what the machine's NVIDIA driver says of itself.
type CUDAEnv struct {
	Driver string `json:"driver,omitempty"`
	// CUDA is the newest CUDA version the driver supports; Runtime the
	// CUDA runtime the job's framework was built with, when known.
	CUDA    string `json:"cuda,omitempty"`
	Runtime string `json:"runtime,omitempty"`
}

// GitEnv is the git tree a job started in.
type GitEnv struct {
	Commit string `json:"commit"`
	Branch string `json:"branch,omitempty"`
	Dirty  bool   `json:"dirty"`
	// Patch is `git diff HEAD` (diff.patch in the run folder): its size
	// before any cut, its digest, and whether it was cut to the
	// configured size.
	PatchBytes     int64  `json:"patch_bytes"`
	PatchSHA256    string `json:"patch_sha256,omitempty"`
	PatchTruncated bool   `json:"patch_truncated,omitempty"`
	// Untracked lists the files git does not track (not in the patch).
	Untracked []string `json:"untracked,omitempty"`
}

// RerunRequest asks for a run again.
type RerunRequest struct {
	Run string `json:"run"`
	// Params override the run's.
	Params map[string]string `json:"params,omitempty"`
	// Env is the caller's environment: the values the record redacted are
	// taken from it.
	Env []string `json:"env,omitempty"`
	// Tags are added to the new run's (a retrain says which alert).
	Tags map[string]string `json:"tags,omitempty"`
	User string            `json:"user,omitempty"`
}

// RerunResult is the new run, and what differs now from when the first
// one started.
type RerunResult struct {
	Run     Run      `json:"run"`
	Changes []string `json:"changes"`
}
