package capture

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// gitIsolated keeps the machine's and the user's git configuration out of
// the repositories the tests make.
var gitIsolated = []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}

// git runs real git in dir and returns its standard output.
func git(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitIsolated...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v: %s", args, err, stderr.String())
	}
	return out
}

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newRepo makes a git repository with one commit of train.py and a binary
// file.
func newRepo(t *testing.T) string {
	t.Helper()
	needGit(t)
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "config", "user.name", "Test")
	git(t, dir, "config", "user.email", "test@example.com")
	git(t, dir, "config", "commit.gpgsign", "false")
	writeFile(t, filepath.Join(dir, "train.py"), "print('hello')\n")
	writeFile(t, filepath.Join(dir, "weights.bin"), "\x00\x01\x02binary")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	return dir
}

// dirty changes the tracked files of repo and adds an untracked one.
func dirty(t *testing.T, repo string) {
	t.Helper()
	writeFile(t, filepath.Join(repo, "train.py"), "print('hello')\nprint('changed')\n"+strings.Repeat("# padding\n", 50))
	writeFile(t, filepath.Join(repo, "weights.bin"), "\x00\x01\x02binary, changed")
	writeFile(t, filepath.Join(repo, "notes.txt"), "untracked\n")
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestGitDirtyTree(t *testing.T) {
	t.Parallel()
	repo := newRepo(t)
	dirty(t, repo)
	want := git(t, repo, "diff", "HEAD")

	g, patch, err := Git(context.Background(), repo, 0, 0)
	if err != nil {
		t.Fatalf("Git: %v", err)
	}
	if g == nil {
		t.Fatal("Git: nil in a repository")
	}
	if head := strings.TrimSpace(string(git(t, repo, "rev-parse", "HEAD"))); g.Commit != head {
		t.Errorf("Commit = %q, want %q", g.Commit, head)
	}
	if g.Branch != "main" {
		t.Errorf("Branch = %q, want main", g.Branch)
	}
	if !g.Dirty {
		t.Error("Dirty = false for a changed tree")
	}
	if !bytes.Equal(patch, want) {
		t.Errorf("patch differs from `git diff HEAD`:\n%s\nwant:\n%s", patch, want)
	}
	if g.PatchSHA256 != sha256Hex(want) || g.PatchBytes != int64(len(want)) || g.PatchTruncated {
		t.Errorf("patch record = %d bytes, sha %s, truncated %v; want %d bytes, sha %s",
			g.PatchBytes, g.PatchSHA256, g.PatchTruncated, len(want), sha256Hex(want))
	}
	if !bytes.Contains(patch, []byte("Binary files a/weights.bin and b/weights.bin differ")) {
		t.Errorf("the binary file is not noted as git notes it:\n%s", patch)
	}
	if !slices.Equal(g.Untracked, []string{"notes.txt"}) {
		t.Errorf("Untracked = %q, want [notes.txt]", g.Untracked)
	}
}

func TestGitPatchCut(t *testing.T) {
	t.Parallel()
	repo := newRepo(t)
	dirty(t, repo)
	full := git(t, repo, "diff", "HEAD")
	const limit = 64
	e, patch, err := Environment(context.Background(), []string{"/bin/true"}, repo, os.Environ(), Options{PatchLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	g := e.Git
	if g == nil || !g.PatchTruncated || len(patch) != limit || g.PatchBytes != int64(len(full)) {
		t.Fatalf("git = %+v, patch %d bytes; want truncated, %d kept of %d", g, len(patch), limit, len(full))
	}
	if !bytes.Equal(patch, full[:limit]) {
		t.Errorf("kept %q, want the first %d bytes of the patch", patch, limit)
	}
	if g.PatchSHA256 != sha256Hex(full) {
		t.Errorf("PatchSHA256 = %s, want the digest of the whole patch %s", g.PatchSHA256, sha256Hex(full))
	}
	if len(e.Errors) > 0 {
		t.Errorf("Errors = %q", e.Errors)
	}
}

func TestGitCleanTree(t *testing.T) {
	t.Parallel()
	repo := newRepo(t)
	e, patch, err := Environment(context.Background(), []string{"/bin/true"}, repo, os.Environ(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := e.Git
	if g == nil || g.Dirty || g.PatchBytes != 0 || g.PatchSHA256 != "" || len(g.Untracked) != 0 || patch != nil {
		t.Fatalf("clean tree: git = %+v, patch %q", g, patch)
	}
	run := t.TempDir()
	writeFile(t, filepath.Join(run, PatchFile), "stale")
	if err := Write(run, e, patch); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(run, PatchFile)); !os.IsNotExist(err) {
		t.Errorf("diff.patch of a clean tree: %v", err)
	}
}

// From a folder below the top, the patch and the untracked files are the
// whole tree's, named from the top.
func TestGitFromSubfolder(t *testing.T) {
	t.Parallel()
	repo := newRepo(t)
	dirty(t, repo)
	sub := filepath.Join(repo, "src", "model")
	writeFile(t, filepath.Join(sub, "net.py"), "x = 1\n")
	g, _, err := Git(context.Background(), sub, 0, 0)
	if err != nil || g == nil {
		t.Fatalf("Git = %+v, %v", g, err)
	}
	if !g.Dirty || !slices.Equal(g.Untracked, []string{"notes.txt", "src/model/net.py"}) {
		t.Errorf("git = %+v", g)
	}
}

func TestGitNotATree(t *testing.T) {
	t.Parallel()
	needGit(t)
	dir := t.TempDir()
	g, patch, err := Git(context.Background(), dir, 0, 0)
	if g != nil || patch != nil || err != nil {
		t.Errorf("Git outside a repository = %+v, %q, %v; want nil, nil, nil", g, patch, err)
	}
	// Inside .git, and in a repository with no commit yet: nothing to say.
	repo := t.TempDir()
	git(t, repo, "init", "-q")
	writeFile(t, filepath.Join(repo, "a.txt"), "a")
	for _, d := range []string{repo, filepath.Join(repo, ".git")} {
		if g, _, err := Git(context.Background(), d, 0, 0); g != nil || err != nil {
			t.Errorf("Git(%s) = %+v, %v; want nil, nil", d, g, err)
		}
	}
	e, _, err := Environment(context.Background(), []string{"/bin/true"}, dir, os.Environ(), Options{})
	if err != nil || e.Git != nil || len(e.Errors) > 0 {
		t.Errorf("Environment outside a repository: git %+v, errors %q, %v", e.Git, e.Errors, err)
	}
}

func TestGitUntrackedCapped(t *testing.T) {
	t.Parallel()
	repo := newRepo(t)
	for i := range maxUntracked + 5 {
		writeFile(t, filepath.Join(repo, "data", fmt.Sprintf("%04d.csv", i)), "x")
	}
	g, _, err := Git(context.Background(), repo, 0, 0)
	if g == nil || len(g.Untracked) != maxUntracked || g.Dirty || err != nil {
		t.Fatalf("Git = %+v, %v; want %d untracked, clean", g, err, maxUntracked)
	}
	// The record says that the list is not whole.
	e, _, err := Environment(context.Background(), []string{"true"}, repo, os.Environ(), Options{})
	want := fmt.Sprintf("untracked files: %d of %d listed", maxUntracked, maxUntracked+5)
	if err != nil || !slices.Equal(e.Errors, []string{want}) {
		t.Errorf("Errors = %q, %v; want %q", e.Errors, err, want)
	}
}

func TestGitTimeout(t *testing.T) {
	t.Parallel()
	repo := newRepo(t)
	dirty(t, repo)
	// Real git made slow: the core.fsmonitor hook runs inside `git diff`
	// and `git ls-files`.
	git(t, repo, "config", "core.fsmonitor", "sleep 5; false")
	start := time.Now()
	e, _, err := Environment(context.Background(), []string{"/bin/true"}, repo, os.Environ(), Options{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("capture took %v with 300ms probes", d)
	}
	if !slices.ContainsFunc(e.Errors, func(s string) bool { return strings.HasSuffix(s, "timed out after 300ms") }) {
		t.Errorf("Errors = %q, want a timeout", e.Errors)
	}
}
