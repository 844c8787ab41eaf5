package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"lathe/engine/gpu"
)

// Config is the effective configuration.
type Config struct {
	Jobs     Jobs     `toml:"jobs"`
	GPUs     GPUs     `toml:"gpus"`
	App      App      `toml:"app"`
	Metrics  Metrics  `toml:"metrics"`
	Access   Access   `toml:"access"`
	Registry Registry `toml:"registry"`
	Drift    Drift    `toml:"drift"`
	MLflow   MLflow   `toml:"mlflow"`
	Slurm    Slurm    `toml:"slurm"`
	Store    Store    `toml:"store"`
}

// Store configures the engine's rotating backups of the store (lathe
// store backup takes one at any time).
type Store struct {
	// BackupEvery is how often a backup is taken into the data
	// directory's backups/ ("0s": never); BackupKeep how many are kept.
	BackupEvery Duration `toml:"backup_every"`
	BackupKeep  int      `toml:"backup_keep"`
}

// Slurm configures the Slurm runner (`lathe run --runner slurm`).
type Slurm struct {
	// Partition, Account, QoS and Time (a time limit as sbatch reads it:
	// "01:00:00", "2-00:00:00") are given to sbatch when set; Options are
	// more of sbatch's options, passed as they are.
	Partition string   `toml:"partition"`
	Account   string   `toml:"account"`
	QoS       string   `toml:"qos"`
	Time      string   `toml:"time"`
	Options   []string `toml:"options"`
	// Shared is a folder the compute nodes see where run folders are kept
	// (each is linked from the data directory); empty when the data
	// directory itself is on a shared file system.
	Shared string `toml:"shared"`
	// Lathe is the lathe binary the compute nodes run (the same version
	// as the engine's); empty: the engine's own path, which they must see.
	Lathe string `toml:"lathe"`
	// Poll is how often the engine asks Slurm about its jobs (one squeue
	// for all of them).
	Poll Duration `toml:"poll"`
}

// MLflow configures the MLflow-compatible endpoint: MLflow's clients log
// into lathe through it.
type MLflow struct {
	// Port is the port the endpoint listens on at 127.0.0.1; 0 leaves it
	// off. `lathe engine start --mlflow-port N` sets it for one engine.
	Port int `toml:"port"`
}

// Access says who may do what through the engine's socket. The engine
// learns who calls from the socket's peer credentials, never from what a
// client says.
type Access struct {
	// Reviewers may approve and reject promotions. Empty: one person on
	// their own workstation, who may approve a version of their own when
	// its policy asks for one approval (recorded as self-approved).
	Reviewers []string `toml:"reviewers"`
	// Admins may override a blocked request and roll back alone.
	Admins []string `toml:"admins"`
	// SocketGroup, when set, makes the socket mode 0660 owned by that group
	// and the data directory traversable by it: a team on one workstation
	// shares one engine. Anyone else is refused at connect.
	SocketGroup string `toml:"socket_group"`
	// OthersMayRun lets users other than the engine's owner start jobs
	// (which run as the owner).
	OthersMayRun bool `toml:"others_may_run"`
}

// Registry configures promotions.
type Registry struct {
	// OnPromote is a command (run by /bin/sh -c) run before a promotion
	// moves the champion, with LATHE_MODEL, LATHE_VERSION and
	// LATHE_ARTIFACT set; when it fails, the champion does not move.
	OnPromote string `toml:"on_promote"`
	// HookTimeout bounds it.
	HookTimeout Duration `toml:"hook_timeout"`
}

// Drift configures drift scoring; each model's thresholds and columns are
// in its promotion policy's [drift] table.
type Drift struct {
	// Sample is the most values of a feature a reference (and a window)
	// keeps sorted for KS and Wasserstein; above it, a quantile sample.
	Sample int `toml:"sample"`
	// OnDrift is a command (run by /bin/sh -c) run when a model's window
	// turns to alert, with LATHE_MODEL, LATHE_VERSION, LATHE_WINDOW,
	// LATHE_WINDOW_START and LATHE_FEATURES (the features that alert,
	// comma-separated) set. It is bounded by [registry] hook_timeout.
	OnDrift string `toml:"on_drift"`
	// WatchInterval is how often the engine looks for new batch files in
	// the folders models' policies watch.
	WatchInterval Duration `toml:"watch_interval"`
}

// Metrics configures how metrics are read.
type Metrics struct {
	// Direction says, per metric name, whether lower ("min") or higher
	// ("max") is better, where the name alone does not tell (names with
	// loss, error, mse… are lower-is-better, with acc, f1, auc…
	// higher-is-better).
	Direction map[string]string `toml:"direction"`
}

// App configures the full-screen app.
type App struct {
	// Theme is dark, light, high-contrast or no-colour.
	Theme string `toml:"theme"`
	// Columns are the params and metrics the runs table shows, as
	// "params.lr" or "metrics.val_loss" (a bare name is looked up among
	// both); empty: the ones most runs have.
	Columns []string `toml:"columns"`
}

// GPUs configures the GPU probe and how jobs are placed on GPUs.
type GPUs struct {
	// Probe is "auto" (NVML when a driver is there), "nvml", "fake:N" or
	// "none". LATHE_GPUS and `lathe engine start --gpus` override it.
	Probe string `toml:"probe"`
	// Allow lists the device indices lathe may use; empty means all.
	Allow []int `toml:"allow"`
	// A GPU is free for a new job when others use at most this fraction of
	// its memory and at most ForeignUtil percent of it.
	ForeignMemFraction float64 `toml:"foreign_mem_fraction"`
	ForeignUtil        uint32  `toml:"foreign_util"`
	// HeadProtection is how long a GPU job waits before smaller jobs stop
	// jumping ahead of it.
	HeadProtection Duration `toml:"head_protection"`
	// VisibleDevices is how CUDA_VISIBLE_DEVICES names GPUs: "index" or "uuid".
	VisibleDevices string `toml:"visible_devices"`
	// PricePerGPUHour turns GPU-hours into a cost; 0 leaves cost out.
	PricePerGPUHour float64 `toml:"price_per_gpu_hour"`
}

// Jobs configures how jobs are queued, started and stopped.
type Jobs struct {
	// KillGrace is how long `lathe kill` waits after SIGTERM before SIGKILL.
	KillGrace Duration `toml:"kill_grace"`
	// MaxRunning caps how many jobs run at once; 0 means no cap.
	MaxRunning int `toml:"max_running"`
	// DefaultExperiment is the experiment of runs started without --exp.
	DefaultExperiment string `toml:"default_experiment"`
	// Redact lists extra words that mark an environment variable as secret
	// anywhere in its name, on top of the name parts PASS, PASSWORD, SECRET,
	// TOKEN, CREDENTIAL, AUTH, WEBHOOK and KEY (a whole part: API_KEY, not
	// MONKEY). A URL's password is redacted in any value.
	Redact []string `toml:"redact"`
	// DatasetDigestLimit is the largest file, in bytes, whose whole content
	// is hashed when a run names a data set; a larger file is fingerprinted
	// by its size, modification time and first and last MiB.
	DatasetDigestLimit int64 `toml:"dataset_digest_limit"`
	// PatchLimit is how many bytes of a job's uncommitted changes (`git
	// diff HEAD`) its run folder keeps as diff.patch; the record keeps the
	// whole patch's size and digest.
	PatchLimit int64 `toml:"patch_limit"`
	// Runner is what runs a job started without --runner: "local" (this
	// machine) or "slurm".
	Runner string `toml:"runner"`
}

// Default is the configuration when no file sets anything.
func Default() Config {
	return Config{
		Jobs: Jobs{
			KillGrace:          Duration(10 * time.Second),
			DefaultExperiment:  "default",
			Redact:             []string{},
			DatasetDigestLimit: 1 << 30,
			PatchLimit:         1 << 20,
		},
		GPUs: GPUs{
			Probe:              "auto",
			Allow:              []int{},
			ForeignMemFraction: 0.10,
			ForeignUtil:        20,
			HeadProtection:     Duration(10 * time.Minute),
			VisibleDevices:     "index",
		},
		App:      App{Theme: "dark"},
		Metrics:  Metrics{Direction: map[string]string{}},
		Access:   Access{Reviewers: []string{}, Admins: []string{}},
		Registry: Registry{HookTimeout: Duration(time.Minute)},
		Drift:    Drift{Sample: 100_000, WatchInterval: Duration(5 * time.Second)},
		Slurm:    Slurm{Options: []string{}, Poll: Duration(5 * time.Second)},
		Store:    Store{BackupEvery: Duration(24 * time.Hour), BackupKeep: 7},
	}
}

// Duration is a time.Duration written in TOML as a string such as "10s".
type Duration time.Duration

// UnmarshalText reads "10s", "1m30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want a number with a unit such as 10s or 2m", b)
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as time.Duration does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Path is where the configuration file is looked for.
func Path() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "lathe", "config.toml")
}

// Load reads the file at path over the defaults. A missing file is not an
// error.
func Load(path string) (Config, error) {
	cfg := Default()
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	md, err := toml.Decode(string(raw), &cfg)
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		return cfg, fmt.Errorf("config %s: unknown key %s", path, strings.Join(keys, ", "))
	}
	return cfg, cfg.validate(path)
}

func (c Config) validate(path string) error {
	if c.Jobs.MaxRunning < 0 {
		return fmt.Errorf("config %s: jobs.max_running is negative", path)
	}
	if c.Jobs.DatasetDigestLimit < 0 {
		return fmt.Errorf("config %s: jobs.dataset_digest_limit is negative", path)
	}
	if c.Jobs.PatchLimit < 0 {
		return fmt.Errorf("config %s: jobs.patch_limit is negative", path)
	}
	if strings.TrimSpace(c.Jobs.DefaultExperiment) == "" {
		return fmt.Errorf("config %s: jobs.default_experiment is empty", path)
	}
	g := c.GPUs
	if err := gpu.CheckSpec(g.Probe); err != nil {
		return fmt.Errorf("config %s: gpus.probe: %w", path, err)
	}
	switch {
	case g.ForeignMemFraction < 0 || g.ForeignMemFraction > 1:
		return fmt.Errorf("config %s: gpus.foreign_mem_fraction %v: want 0 to 1", path, g.ForeignMemFraction)
	case g.ForeignUtil > 100:
		return fmt.Errorf("config %s: gpus.foreign_util %d: want a percentage, 0 to 100", path, g.ForeignUtil)
	case g.VisibleDevices != "index" && g.VisibleDevices != "uuid":
		return fmt.Errorf("config %s: gpus.visible_devices %q: want \"index\" or \"uuid\"", path, g.VisibleDevices)
	case g.PricePerGPUHour < 0:
		return fmt.Errorf("config %s: gpus.price_per_gpu_hour is negative", path)
	}
	for _, i := range g.Allow {
		if i < 0 {
			return fmt.Errorf("config %s: gpus.allow has a negative index %d", path, i)
		}
	}
	if c.Drift.Sample < 100 {
		return fmt.Errorf("config %s: drift.sample %d: want at least 100 (values a feature keeps for KS and Wasserstein)", path, c.Drift.Sample)
	}
	if time.Duration(c.Drift.WatchInterval) < 100*time.Millisecond {
		return fmt.Errorf("config %s: drift.watch_interval %s: want at least 100ms", path, time.Duration(c.Drift.WatchInterval))
	}
	if c.Store.BackupEvery < 0 || c.Store.BackupKeep < 1 {
		return fmt.Errorf("config %s: store.backup_every must not be negative and store.backup_keep must be at least 1", path)
	}
	if r := c.Jobs.Runner; r != "" && r != "local" && r != "slurm" {
		return fmt.Errorf("config %s: jobs.runner %q: want \"local\" or \"slurm\"", path, r)
	}
	if time.Duration(c.Slurm.Poll) < 100*time.Millisecond {
		return fmt.Errorf("config %s: slurm.poll %s: want at least 100ms", path, time.Duration(c.Slurm.Poll))
	}
	if sh := c.Slurm.Shared; sh != "" && !filepath.IsAbs(sh) {
		return fmt.Errorf("config %s: slurm.shared %q: want an absolute path", path, sh)
	}
	if l := c.Slurm.Lathe; l != "" && !filepath.IsAbs(l) {
		return fmt.Errorf("config %s: slurm.lathe %q: want an absolute path", path, l)
	}
	if c.MLflow.Port < 0 || c.MLflow.Port > 65535 {
		return fmt.Errorf("config %s: mlflow.port %d: want a TCP port, 1 to 65535 (0: off)", path, c.MLflow.Port)
	}
	for name, d := range c.Metrics.Direction {
		if d != "min" && d != "max" {
			return fmt.Errorf("config %s: metrics.direction.%s %q: want \"min\" (lower is better) or \"max\"", path, name, d)
		}
	}
	return nil
}

// TOML renders the configuration as a file that Load reads back to the same
// values.
func (c Config) TOML() string {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(c); err != nil {
		// Config holds only strings, ints, lists and durations.
		panic(err)
	}
	return buf.String()
}
