package slurm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"lathe/runners"
	"lathe/runners/local"
)

// Config is how jobs are handed to Slurm.
type Config struct {
	// Partition, Account, QoS and Time (a time limit as sbatch reads it,
	// "01:00:00") are passed to sbatch when set; Options are more of its
	// options ("--constraint=a100"), passed as they are.
	Partition, Account, QoS, Time string
	Options                       []string
	// Shared is a folder the compute nodes see, where run folders are
	// moved to; "" when the data directory is itself shared.
	Shared string
	// Lathe is the lathe binary the compute nodes run as the shim; ""
	// is the engine's own.
	Lathe string
	// Poll is how often squeue is asked about every job (DefaultPoll
	// when 0).
	Poll time.Duration
}

// DefaultPoll is how often Slurm is asked about the jobs by default.
const DefaultPoll = 5 * time.Second

// cmdTimeout bounds one call of a Slurm command.
const cmdTimeout = 30 * time.Second

// Files of the run folder that are the runner's own.
const (
	scriptFile = "slurm.sh"    // the batch script
	slurmOut   = "slurm.out"   // the batch script's own output (the job's is output.log)
	jobIDFile  = "slurm.jobid" // the Slurm job id, for an engine that never stored the handle
)

// Runner hands jobs to Slurm and follows them with one poller.
type Runner struct {
	cfg Config

	mu      sync.Mutex
	jobs    map[string]*job // by Slurm job id
	polling bool
	soon    bool          // a job was added since the last poll
	wake    chan struct{} // cuts the poller's wait short

	// arrayMu guards arrays: job arrays whose tasks are being started.
	arrayMu sync.Mutex
	arrays  map[string]*array
}

var (
	_ runners.Scheduled = (*Runner)(nil)
	_ runners.Cluster   = (*Runner)(nil)
)

// New returns a Slurm runner.
func New(cfg Config) *Runner {
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	return &Runner{cfg: cfg, jobs: map[string]*job{}, arrays: map[string]*array{}, wake: make(chan struct{}, 1)}
}

// Name is "slurm".
func (r *Runner) Name() string { return "slurm" }

// Schedules marks the runner as one whose jobs wait in Slurm's queue.
func (r *Runner) Schedules() {}

// Files are the shim's, in the run folder.
func (r *Runner) Files(runDir string) runners.Files { return local.ShimFiles(runDir) }

// handle is what the engine stores of a job.
type handle struct {
	JobID string `json:"slurm_job"`
}

// Start writes the batch script and submits it. sbatch's refusal (or its
// absence) is the error, in Slurm's own words.
func (r *Runner) Start(ctx context.Context, runDir string, spec runners.Spec) (runners.Job, error) {
	if err := local.WriteSpec(runDir, spec); err != nil {
		return nil, err
	}
	dir, err := r.place(runDir)
	if err != nil {
		return nil, err
	}
	exe := r.exe()
	if spec.Array != nil {
		return r.startTask(ctx, runDir, dir, exe, spec)
	}
	script := "#!/bin/sh\n" +
		"# Written by lathe: the job runs under lathe's shim, which writes\n" +
		"# output.log, metrics.jsonl and exit.json beside this script, and\n" +
		"# exits as the job did, so that Slurm's record says how it ended.\n" +
		shimLine(exe, shellQuote(dir))
	if err := runners.WriteFileAtomic(dir, scriptFile, []byte(script)); err != nil {
		return nil, err
	}
	args := append(r.sbatchArgs(jobName(runDir), filepath.Join(dir, slurmOut), dir, spec.GPUs), filepath.Join(dir, scriptFile))
	cmd := exec.CommandContext(ctx, "sbatch", args...)
	cmd.Env = jobEnv(spec.Env, runDir, dir)
	cmd.Dir = dir
	out, err := output(cmd)
	if err != nil {
		return nil, err
	}
	id, err := parseJobID(out)
	if err != nil {
		return nil, err
	}
	// For an engine that stops before it stores the handle.
	if err := runners.WriteFileAtomic(runDir, jobIDFile, []byte(id+"\n")); err != nil {
		return nil, err
	}
	return r.track(id, runDir), nil
}

// exe is the lathe binary the nodes run.
func (r *Runner) exe() string {
	if r.cfg.Lathe != "" {
		return r.cfg.Lathe
	}
	exe, err := os.Executable()
	if err != nil {
		return "lathe" // the nodes' PATH, then
	}
	return exe
}

// shimLine is the script's last line: the shim on dir (a shell word).
func shimLine(exe, dir string) string {
	return local.ShimExitEnv + "=job exec " + shellQuote(exe) + " shim " + dir + "\n"
}

// sbatchArgs are sbatch's options for a job named name whose script
// writes to output, started in dir, asking for gpus GPUs, with the
// configured partition, account, QoS, time limit and options.
func (r *Runner) sbatchArgs(name, output, dir string, gpus int) []string {
	args := []string{"--parsable", "--job-name=" + name, "--output=" + output, "--chdir=" + dir}
	if gpus > 0 {
		args = append(args, fmt.Sprintf("--gres=gpu:%d", gpus))
	}
	for _, o := range [][2]string{{"--partition", r.cfg.Partition}, {"--account", r.cfg.Account}, {"--qos", r.cfg.QoS}, {"--time", r.cfg.Time}} {
		if o[1] != "" {
			args = append(args, o[0]+"="+o[1])
		}
	}
	return append(args, r.cfg.Options...)
}

// parseJobID reads sbatch --parsable: "id", or "id;cluster" on a
// federation.
func parseJobID(out []byte) (string, error) {
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("sbatch printed %q, not a job id", out)
	}
	return id, nil
}

// jobName is the Slurm job's name: lathe-<run id>, found again by it.
func jobName(runDir string) string { return "lathe-" + filepath.Base(runDir) }

// place makes the run folder one the compute nodes see: with Shared set,
// it is moved there and left as a link in the data directory.
func (r *Runner) place(runDir string) (string, error) {
	if r.cfg.Shared == "" {
		return runDir, nil
	}
	dir := filepath.Join(r.cfg.Shared, filepath.Base(runDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("shared folder: %w", err)
	}
	ents, err := os.ReadDir(runDir)
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		if err := moveFile(filepath.Join(runDir, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return "", fmt.Errorf("move the run folder to the shared folder: %w", err)
		}
	}
	if err := os.Remove(runDir); err != nil {
		return "", err
	}
	return dir, os.Symlink(dir, runDir)
}

// moveFile renames, or copies across file systems (a shared folder is
// often another one).
func moveFile(from, to string) error {
	if err := os.Rename(from, to); err == nil {
		return nil
	}
	out, err := exec.Command("cp", "-a", from, to).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cp %s: %s", from, bytes.TrimSpace(out))
	}
	return os.RemoveAll(from)
}

// jobEnv is the job's environment for sbatch: Slurm sets the GPUs it
// gives (CUDA_VISIBLE_DEVICES), and paths into the run folder point where
// the nodes see it.
func jobEnv(env []string, runDir, dir string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if strings.HasPrefix(kv, "CUDA_VISIBLE_DEVICES=") {
			continue
		}
		if dir != runDir {
			kv = strings.ReplaceAll(kv, runDir, dir)
		}
		out = append(out, kv)
	}
	return out
}

// Adopt finds a job again from its handle, from the job id Start left in
// the run folder, or by its name in Slurm's queue.
func (r *Runner) Adopt(runDir string, raw []byte) (runners.Job, error) {
	var h handle
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, fmt.Errorf("slurm handle %q: %w", raw, err)
		}
	}
	if h.JobID == "" {
		b, err := os.ReadFile(filepath.Join(runDir, jobIDFile))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		h.JobID = strings.TrimSpace(string(b))
	}
	if h.JobID == "" {
		ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
		defer cancel()
		out, err := output(exec.CommandContext(ctx, "squeue", "-h", "-t", "all", "-n", jobName(runDir), "-o", "%i"))
		if err != nil {
			return nil, err
		}
		h.JobID, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	}
	if h.JobID == "" {
		j := &job{r: r, dir: runDir, done: make(chan struct{})}
		j.finish(runners.Exit{}, &runners.NoExitError{Reason: "sbatch never answered with a job id, and Slurm has no job " + jobName(runDir)})
		return j, nil
	}
	return r.track(h.JobID, runDir), nil
}

// output runs a Slurm command; its error is the command's own message.
func output(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if errors.Is(err, exec.ErrNotFound) {
			msg = "not found: is Slurm installed, and on the engine's PATH?"
		}
		if msg == "" {
			msg = err.Error()
		}
		return out, &cmdError{name: filepath.Base(cmd.Path), msg: msg}
	}
	return out, nil
}

// cmdError is a Slurm command that failed, with what it said.
type cmdError struct{ name, msg string }

func (e *cmdError) Error() string {
	if strings.HasPrefix(e.msg, e.name+":") {
		return e.msg // "sbatch: error: …" names itself
	}
	return e.name + ": " + e.msg
}

// invalidJob says a command failed because Slurm does not know the job.
func invalidJob(err error) bool {
	var ce *cmdError
	return errors.As(err, &ce) && strings.Contains(ce.msg, "Invalid job id")
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// clusterFormat is what squeue prints of each of the user's jobs:
// id|state|reason|partition|nodes|time limit|name|elapsed.
const clusterFormat = queueFormat + "|%j|%M"

// Jobs lists the engine user's pending and running jobs (one squeue).
func (r *Runner) Jobs(ctx context.Context) ([]runners.ClusterJob, error) {
	if _, err := exec.LookPath("squeue"); err != nil {
		return nil, runners.ErrNoScheduler
	}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	out, err := output(exec.CommandContext(ctx, "squeue", "-h", "-r", "-u", u.Username, "-t", "pending,running,configuring,completing,suspended", "-o", clusterFormat))
	if err != nil {
		return nil, err
	}
	return parseCluster(out)
}
