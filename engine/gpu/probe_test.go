package gpu

import (
	"context"
	"strings"
	"testing"
)

func TestOpenSpecs(t *testing.T) {
	p, err := Open("fake:4")
	if err != nil {
		t.Fatal(err)
	}
	f, ok := p.(*Fake)
	if !ok || len(f.Devices()) != 4 || len(sample(t, p)) != 4 || p.Info().Backend != "fake" {
		t.Errorf(`Open("fake:4") = %T with %d devices`, p, len(p.Devices()))
	}
	if p, err := Open("fake:64"); err != nil || len(p.Devices()) != 64 {
		t.Errorf(`Open("fake:64") = %v`, err)
	}

	p, err = Open("none")
	if err != nil || p.Info() != (Info{Backend: "none"}) || p.Devices() != nil {
		t.Fatalf(`Open("none") = %+v, %v`, p, err)
	}
	if ss, err := p.Sample(context.Background()); ss != nil || err != nil || p.Close() != nil {
		t.Errorf("none Sample = %v, %v", ss, err)
	}

	for spec, want := range map[string]string{
		"fake:0":  "1 to 64",
		"fake:65": "1 to 64",
		"fake:-1": "1 to 64",
		"fake:x":  "whole number",
		"fake:":   "whole number",
		"fake":    `"auto", "nvml", "none" or "fake:N"`,
		"gpu":     `"auto", "nvml", "none" or "fake:N"`,
		"":        `"auto", "nvml", "none" or "fake:N"`,
		"AUTO":    `"auto", "nvml", "none" or "fake:N"`,
	} {
		p, err := Open(spec)
		if err == nil || p != nil {
			t.Errorf("Open(%q) = %v, %v; want an error", spec, p, err)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), spec) {
			t.Errorf("Open(%q) error %q lacks %q or the spec", spec, err, want)
		}
	}
}

func TestNone(t *testing.T) {
	p := None("no NVIDIA driver found (libnvidia-ml.so.1 is missing): lathe runs CPU jobs only")
	if info := p.Info(); info.Backend != "none" || !strings.Contains(info.Notice, "CPU jobs only") {
		t.Errorf("Info = %+v", info)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Sample(ctx); err == nil {
		t.Error("Sample(cancelled) succeeded")
	}
}
