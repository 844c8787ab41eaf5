package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    func(*Config)
		wantErr string
	}{
		{name: "empty", text: "", want: func(*Config) {}},
		{name: "grace", text: "[jobs]\nkill_grace = \"3s\"\n", want: func(c *Config) { c.Jobs.KillGrace = Duration(3 * time.Second) }},
		{name: "max running", text: "[jobs]\nmax_running = 2\n", want: func(c *Config) { c.Jobs.MaxRunning = 2 }},
		{name: "redact", text: "[jobs]\nredact = [\"HF_\"]\n", want: func(c *Config) { c.Jobs.Redact = []string{"HF_"} }},
		{name: "digest limit", text: "[jobs]\ndataset_digest_limit = 1048576\n", want: func(c *Config) { c.Jobs.DatasetDigestLimit = 1 << 20 }},
		{name: "negative digest limit", text: "[jobs]\ndataset_digest_limit = -1\n", wantErr: "dataset_digest_limit is negative"},
		{name: "unknown key", text: "[jobs]\nkill_grase = \"3s\"\n", wantErr: "unknown key jobs.kill_grase"},
		{name: "bad duration", text: "[jobs]\nkill_grace = \"3\"\n", wantErr: "want a number with a unit"},
		{name: "negative", text: "[jobs]\nmax_running = -1\n", wantErr: "max_running is negative"},
		{name: "syntax", text: "[jobs\n", wantErr: "config"},
		{name: "gpus", text: "[gpus]\nprobe = \"fake:2\"\nallow = [0]\nprice_per_gpu_hour = 2.5\n", want: func(c *Config) {
			c.GPUs.Probe, c.GPUs.Allow, c.GPUs.PricePerGPUHour = "fake:2", []int{0}, 2.5
		}},
		{name: "bad fraction", text: "[gpus]\nforeign_mem_fraction = 1.5\n", wantErr: "want 0 to 1"},
		{name: "bad visible", text: "[gpus]\nvisible_devices = \"name\"\n", wantErr: "visible_devices"},
		{name: "bad probe", text: "[gpus]\nprobe = \"fake:-3\"\n", wantErr: `gpus.probe: gpu probe "fake:-3": fake:N takes 1 to 64 GPUs, not -3`},
		{name: "unknown probe", text: "[gpus]\nprobe = \"cuda\"\n", wantErr: `gpu probe "cuda" is not known`},
		{name: "bad runner", text: "[jobs]\nrunner = \"k8s\"\n", wantErr: `jobs.runner "k8s"`},
		{name: "direction", text: "[metrics.direction]\nbleu = \"max\"\nwer = \"min\"\n", want: func(c *Config) {
			c.Metrics.Direction = map[string]string{"bleu": "max", "wer": "min"}
		}},
		{name: "bad direction", text: "[metrics.direction]\nbleu = \"up\"\n", wantErr: `metrics.direction.bleu "up"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(write(t, tt.text))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			tt.want(&want)
			if got.TOML() != want.TOML() {
				t.Fatalf("got\n%s\nwant\n%s", got.TOML(), want.TOML())
			}
		})
	}
}

func TestMissingFileIsDefault(t *testing.T) {
	got, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if got.TOML() != Default().TOML() {
		t.Fatalf("got %s", got.TOML())
	}
}

func TestTOMLRoundTrip(t *testing.T) {
	c := Default()
	c.Jobs.MaxRunning = 3
	c.Jobs.KillGrace = Duration(1500 * time.Millisecond)
	got, err := Load(write(t, c.TOML()))
	if err != nil {
		t.Fatal(err)
	}
	if got.TOML() != c.TOML() {
		t.Fatalf("round trip: got\n%s\nwant\n%s", got.TOML(), c.TOML())
	}
}
