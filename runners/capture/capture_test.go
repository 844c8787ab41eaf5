package capture

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// debianPython is the interpreter the project's Python tests use: Debian's,
// with python3-torch installed (.ci/run installs it).
const debianPython = "/usr/bin/python3"

// withPath is os.Environ with PATH replaced.
func withPath(path string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PATH=") })
	return append(env, "PATH="+path)
}

func TestPythonJob(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(debianPython); err != nil {
		t.Skipf("no %s: %v", debianPython, err)
	}
	out, err := exec.Command(debianPython, "-c", "import sys;print(sys.version.split()[0])").Output()
	if err != nil {
		t.Fatal(err)
	}
	wantVersion := strings.TrimSpace(string(out))
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "train.py"), "import torch\n")

	start := time.Now()
	e, patch, err := Environment(context.Background(), []string{"python3", "train.py"}, dir, withPath("/usr/bin:/bin"), Options{})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("captured in %v: python %+v, %d packages from %s, errors %q", took, e.Python, len(e.Packages), e.PackagesFrom, e.Errors)
	if e.Python == nil || e.Python.Executable != debianPython || e.Python.Version != wantVersion {
		t.Errorf("Python = %+v, want %s %s", e.Python, debianPython, wantVersion)
	}
	if _, ok := e.Packages["torch"]; !ok {
		t.Errorf("no torch among the %d packages from %q (python3-torch is installed for the tests)", len(e.Packages), e.PackagesFrom)
	}
	if e.PackagesFrom != FromPip && e.PackagesFrom != FromDpkg {
		t.Errorf("PackagesFrom = %q", e.PackagesFrom)
	}
	if len(e.Errors) > 0 {
		t.Errorf("Errors = %q", e.Errors)
	}
	if e.OS == "" || e.Kernel == "" || e.Arch == "" || e.Host == "" || e.Captured.IsZero() {
		t.Errorf("system = %q %q %q %q %v", e.OS, e.Kernel, e.Arch, e.Host, e.Captured)
	}
	if e.Git != nil || patch != nil {
		t.Errorf("git outside a repository: %+v %q", e.Git, patch)
	}
	// Packages lists the same for the same interpreter.
	pkgs, from, err := Packages(context.Background(), e.Python.Executable, withPath("/usr/bin:/bin"), 0)
	if err != nil || from != e.PackagesFrom || !reflect.DeepEqual(pkgs, e.Packages) {
		t.Errorf("Packages = %d from %q, %v; Environment had %d from %q", len(pkgs), from, err, len(e.Packages), e.PackagesFrom)
	}
}

// Debian's own python3-* packages, through real dpkg: what a Python job's
// packages are when its interpreter has no pip (as in CI).
func TestDpkgPackages(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("not a Debian machine")
	}
	pkgs, err := prober{env: os.Environ(), timeout: 10 * time.Second}.dpkgPackages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(debianPython); err == nil {
		if v, ok := pkgs["torch"]; !ok || v == "" {
			t.Errorf("torch not among dpkg's %d python3-* packages", len(pkgs))
		}
	}
	for name, v := range pkgs {
		if name == "" || strings.HasPrefix(name, "python3-") || v == "" {
			t.Errorf("package %q %q", name, v)
		}
	}
}

func TestNotPython(t *testing.T) {
	t.Parallel()
	e, _, err := Environment(context.Background(), []string{"sh", "-c", "true"}, t.TempDir(), os.Environ(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Python != nil || e.Packages != nil || e.PackagesFrom != "" || len(e.Errors) > 0 {
		t.Errorf("a shell job: python %+v, %d packages, errors %q", e.Python, len(e.Packages), e.Errors)
	}
}

func TestPythonDetection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	script := func(name, content string) {
		writeFile(t, filepath.Join(bin, name), content)
		if err := os.Chmod(filepath.Join(bin, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script("python3.12", "#!/bin/sh\n")
	script("python", "#!/bin/sh\n")
	script("train", "#!/usr/bin/env python3.12\nprint(1)\n")
	script("train-u", "#!/usr/bin/env -S python3.12 -u\n")
	script("direct", "#!/opt/py/bin/python3 -u\n")
	script("shell", "#!/bin/sh\necho python3\n")
	script("elf", "\x7fELF\x02\x01\x01python3")
	script("long", "#!/usr/bin/env "+strings.Repeat("x", 400)+" python3\n")
	env := []string{"PATH=" + bin + ":/usr/bin:/bin"}
	for _, tc := range []struct {
		command []string
		want    string
	}{
		{[]string{"python3.12", "train.py"}, filepath.Join(bin, "python3.12")},
		{[]string{"python", "-m", "torch.distributed.run"}, filepath.Join(bin, "python")},
		{[]string{"train", "--epochs", "3"}, filepath.Join(bin, "python3.12")},
		{[]string{"train-u"}, filepath.Join(bin, "python3.12")},
		{[]string{"bin/train"}, filepath.Join(bin, "python3.12")}, // relative to the job's folder
		{[]string{"direct"}, "/opt/py/bin/python3"},
		{[]string{"shell"}, ""},
		{[]string{"elf"}, ""},
		{[]string{"long"}, ""},
		{[]string{"missing-command"}, ""},
		{[]string{"python3.12x"}, ""},
	} {
		if got := Python(tc.command, dir, env); got != tc.want {
			t.Errorf("Python(%q) = %q, want %q", tc.command, got, tc.want)
		}
	}
}

// fakeNvidiaSMI puts on a PATH a stand-in for nvidia-smi (no GPU is
// available to the tests) that answers as a driver does, after delay.
func fakeNvidiaSMI(t *testing.T, delay string) string {
	t.Helper()
	bin := t.TempDir()
	path := filepath.Join(bin, "nvidia-smi")
	writeFile(t, path, `#!/bin/sh
sleep `+delay+`
case "$1" in
--query-gpu=driver_version) printf '550.54.14\n550.54.14\n' ;;
*) echo '+-----------------------------------------------------------------------------------------+'
   echo '| NVIDIA-SMI 550.54.14              Driver Version: 550.54.14      CUDA Version: 12.4     |'
   echo '|-----------------------------------------+------------------------+----------------------+' ;;
esac
`)
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestCUDA(t *testing.T) {
	t.Parallel()
	bin := fakeNvidiaSMI(t, "0")
	e, _, err := Environment(context.Background(), []string{"true"}, t.TempDir(), withPath(bin+":/usr/bin:/bin"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.CUDA == nil || e.CUDA.Driver != "550.54.14" || e.CUDA.CUDA != "12.4" || len(e.Errors) > 0 {
		t.Errorf("CUDA = %+v, errors %q", e.CUDA, e.Errors)
	}
	// No nvidia-smi: no CUDA, and nothing to report.
	e, _, err = Environment(context.Background(), []string{"true"}, t.TempDir(), withPath("/usr/bin:/bin"), Options{})
	if err != nil || e.CUDA != nil || len(e.Errors) > 0 {
		t.Errorf("without nvidia-smi: CUDA %+v, errors %q, %v", e.CUDA, e.Errors, err)
	}
}

func TestProbeTimeout(t *testing.T) {
	t.Parallel()
	bin := fakeNvidiaSMI(t, "10")
	start := time.Now()
	e, _, err := Environment(context.Background(), []string{"true"}, t.TempDir(), withPath(bin+":/usr/bin:/bin"), Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("capture took %v with 200ms probes", d)
	}
	if e.CUDA != nil || !slices.Equal(e.Errors, []string{"nvidia-smi: timed out after 200ms"}) {
		t.Errorf("CUDA %+v, Errors %q", e.CUDA, e.Errors)
	}
}

// When the capture's own time runs out, what was captured is returned with
// the error, and the probes cut short say so.
func TestCaptureCancelled(t *testing.T) {
	t.Parallel()
	bin := fakeNvidiaSMI(t, "10")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	e, _, err := Environment(ctx, []string{"true"}, t.TempDir(), withPath(bin+":/usr/bin:/bin"), Options{})
	if err == nil || e.Kernel == "" {
		t.Fatalf("err = %v, kernel %q", err, e.Kernel)
	}
	if !slices.Equal(e.Errors, []string{"nvidia-smi: cut short: the capture's time ran out"}) {
		t.Errorf("Errors = %q", e.Errors)
	}
}

func TestWriteRead(t *testing.T) {
	t.Parallel()
	repo := newRepo(t)
	dirty(t, repo)
	e, patch, err := Environment(context.Background(), []string{"true"}, repo, os.Environ(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := t.TempDir()
	if err := Write(run, e, patch); err != nil {
		t.Fatal(err)
	}
	got, err := Read(run)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Captured.Equal(e.Captured) {
		t.Errorf("Captured = %v, wrote %v", got.Captured, e.Captured)
	}
	got.Captured = e.Captured
	if !reflect.DeepEqual(got, e) {
		t.Errorf("Read = %+v\nwrote %+v", got, e)
	}
	b, err := os.ReadFile(filepath.Join(run, PatchFile))
	if err != nil || string(b) != string(patch) {
		t.Errorf("diff.patch = %q, %v; want %q", b, err, patch)
	}
	raw, _ := os.ReadFile(filepath.Join(run, EnvironmentFile))
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil || fields["git"] == nil {
		t.Errorf("environment.json = %s, %v", raw, err)
	}
	for _, name := range []string{EnvironmentFile, PatchFile} {
		if fi, err := os.Stat(filepath.Join(run, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, fi, err)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(run, ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
	if _, err := Read(t.TempDir()); !os.IsNotExist(err) {
		t.Errorf("Read of a folder without one: %v", err)
	}
}

// No value of the job's environment is recorded, secret or not.
func TestNoEnvironmentValues(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-0123456789"
	repo := newRepo(t)
	dirty(t, repo)
	env := append(os.Environ(), "API_TOKEN="+secret, "PLAIN="+secret)
	e, _, err := Environment(context.Background(), []string{"true"}, repo, env, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(e)
	if strings.Contains(string(b), secret) {
		t.Errorf("an environment value was recorded: %s", b)
	}
}
