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
)

// Config is the effective configuration.
type Config struct {
	Jobs Jobs `toml:"jobs"`
}

// Jobs configures how jobs are queued, started and stopped.
type Jobs struct {
	// KillGrace is how long `lathe kill` waits after SIGTERM before SIGKILL.
	KillGrace Duration `toml:"kill_grace"`
	// MaxRunning caps how many jobs run at once; 0 means no cap.
	MaxRunning int `toml:"max_running"`
	// DefaultExperiment is the experiment of runs started without --exp.
	DefaultExperiment string `toml:"default_experiment"`
	// Redact lists extra words that mark an environment variable as secret,
	// on top of TOKEN, SECRET, PASSWORD, PASSWD, KEY, CREDENTIAL and AUTH.
	Redact []string `toml:"redact"`
}

// Default is the configuration when no file sets anything.
func Default() Config {
	return Config{Jobs: Jobs{
		KillGrace:         Duration(10 * time.Second),
		DefaultExperiment: "default",
		Redact:            []string{},
	}}
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
	if strings.TrimSpace(c.Jobs.DefaultExperiment) == "" {
		return fmt.Errorf("config %s: jobs.default_experiment is empty", path)
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
