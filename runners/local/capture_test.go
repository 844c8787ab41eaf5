package local

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lathe/runners/capture"
)

// gitIn runs real git in dir, away from the machine's and user's config.
func gitIn(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return out
}

// dirtyRepo makes a git repository with a commit, a change to it and an
// untracked file.
func dirtyRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	gitIn(t, repo, "init", "-q")
	gitIn(t, repo, "config", "user.name", "Test")
	gitIn(t, repo, "config", "user.email", "test@example.com")
	gitIn(t, repo, "config", "commit.gpgsign", "false")
	for name, content := range map[string]string{"train.py": "print(1)\n"} {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-q", "-m", "first")
	if err := os.WriteFile(filepath.Join(repo, "train.py"), []byte("print(2)\n"+strings.Repeat("# more\n", 40)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "notes.txt"), []byte("n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return repo
}

// specRun makes a run folder whose spec.json has the given fields.
func specRun(t *testing.T, fields map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, specFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// slowNvidiaSMI is a folder with a stand-in for nvidia-smi (no GPU is
// available to the tests) that answers after a second, so that the capture
// lasts longer than the job.
func slowNvidiaSMI(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\nsleep 1\ncase \"$1\" in --query-gpu=*) echo 550.54.14 ;; *) echo '| Driver Version: 550.54.14  CUDA Version: 12.4 |' ;; esac\n"
	if err := os.WriteFile(filepath.Join(bin, "nvidia-smi"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func modTime(t *testing.T, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

// A job in a dirty tree leaves environment.json and diff.patch in its run
// folder; it starts without waiting for the capture, which goes on beside
// it and is recorded before exit.json.
func TestShimRecordsEnvironment(t *testing.T) {
	t.Parallel()
	repo := dirtyRepo(t)
	wantPatch := gitIn(t, repo, "diff", "HEAD")
	run := t.TempDir()
	started := filepath.Join(run, "started")
	dir := specRun(t, map[string]any{
		"command": []string{"/bin/sh", "-c", "date +%s.%N > " + started},
		"cwd":     repo,
	})
	j := launch(t, dir, shimEnv("PATH="+slowNvidiaSMI(t)+":"+os.Getenv("PATH")))
	waitDone(t, j, 20*time.Second)
	ex := mustExit(t, dir)
	if ex.ExitCode != 0 || ex.Error != "" {
		t.Fatalf("exit = %+v", ex)
	}

	e, err := capture.Read(dir)
	if err != nil {
		t.Fatalf("environment.json: %v", err)
	}
	if e.Git == nil || !e.Git.Dirty || e.Git.PatchTruncated || !slices.Equal(e.Git.Untracked, []string{"notes.txt"}) {
		t.Errorf("git = %+v", e.Git)
	}
	if head := strings.TrimSpace(string(gitIn(t, repo, "rev-parse", "HEAD"))); e.Git != nil && e.Git.Commit != head {
		t.Errorf("commit %q, want %q", e.Git.Commit, head)
	}
	patch, err := os.ReadFile(filepath.Join(dir, capture.PatchFile))
	if err != nil || string(patch) != string(wantPatch) {
		t.Errorf("diff.patch = %q, %v; want %q", patch, err, wantPatch)
	}
	sum := sha256.Sum256(wantPatch)
	if e.Git != nil && e.Git.PatchSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("patch sha %s", e.Git.PatchSHA256)
	}
	if e.CUDA == nil || e.CUDA.Driver != "550.54.14" || len(e.Errors) > 0 {
		t.Errorf("cuda %+v, errors %q; shim log:%s", e.CUDA, e.Errors, logTail(dir))
	}

	// The job started at once: its first command ran within a second of
	// the shim starting it, though the capture took more than a second.
	b, err := os.ReadFile(started)
	if err != nil {
		t.Fatal(err)
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	if err != nil {
		t.Fatal(err)
	}
	jobRan := time.Unix(0, int64(secs*1e9))
	if d := jobRan.Sub(ex.Started); d > time.Second {
		t.Errorf("the job ran %v after it was started", d)
	}
	// It ended before the capture did, and the shim waited for the record
	// before writing exit.json.
	recorded := modTime(t, filepath.Join(dir, capture.EnvironmentFile))
	if !ex.Ended.Before(recorded) {
		t.Errorf("job ended %v, environment recorded %v: the job waited for the capture", ex.Ended, recorded)
	}
	if exited := modTime(t, filepath.Join(dir, exitFile)); exited.Before(recorded) {
		t.Errorf("exit.json (%v) written before environment.json (%v)", exited, recorded)
	}
}

// patch_limit in spec.json cuts diff.patch; the record keeps the whole
// patch's size and digest.
func TestShimPatchLimit(t *testing.T) {
	t.Parallel()
	repo := dirtyRepo(t)
	full := gitIn(t, repo, "diff", "HEAD")
	const limit = 100
	dir := specRun(t, map[string]any{"command": []string{"true"}, "cwd": repo, "patch_limit": limit})
	j := launch(t, dir, shimEnv())
	waitDone(t, j, 20*time.Second)
	mustExit(t, dir)
	e, err := capture.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := os.ReadFile(filepath.Join(dir, capture.PatchFile))
	if err != nil || string(patch) != string(full[:limit]) {
		t.Errorf("diff.patch = %q, %v", patch, err)
	}
	if e.Git == nil || !e.Git.PatchTruncated || e.Git.PatchBytes != int64(len(full)) {
		t.Errorf("git = %+v, want %d bytes truncated", e.Git, len(full))
	}
}

// A job outside any git tree gets environment.json and no diff.patch.
func TestShimEnvironmentWithoutGit(t *testing.T) {
	t.Parallel()
	dir := newRun(t, "", "/bin/sh", "-c", "exit 3")
	j := launch(t, dir, shimEnv())
	waitDone(t, j, 20*time.Second)
	if ex := mustExit(t, dir); ex.ExitCode != 3 {
		t.Fatalf("exit = %+v", ex)
	}
	e, err := capture.Read(dir)
	if err != nil || e.Git != nil || e.Kernel == "" {
		t.Errorf("environment = %+v, %v", e, err)
	}
	if _, err := os.Stat(filepath.Join(dir, capture.PatchFile)); !os.IsNotExist(err) {
		t.Errorf("diff.patch: %v", err)
	}
}
