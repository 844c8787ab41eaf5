package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"lathe/engine/api"
	"lathe/engine/config"
)

// trainedRun runs a job in cwd that writes model.bin (content) and declares
// it as its artifact "model", with a metric and an eval slice, and returns
// the ended run.
func trainedRun(t *testing.T, svc api.Service, cwd, content string) api.Run {
	t.Helper()
	script := fmt.Sprintf(`printf '%%s' %q > model.bin
echo '{"step": 1, "metrics": {"val_acc": 0.9, "loss": 0.3}}' >> "$LATHE_METRICS_FILE"
echo '{"eval": {"slice": "class=3", "metrics": {"acc": 0.81}}}' >> "$LATHE_METRICS_FILE"
echo '{"artifact": {"name": "model", "path": "model.bin"}}' >> "$LATHE_METRICS_FILE"`, content)
	r := submit(t, svc, api.SubmitRequest{Command: sh(script), Cwd: cwd, Params: map[string]string{"lr": "0.01"}})
	r = wait(t, svc, r.ID)
	if r.Status != api.Succeeded {
		t.Fatalf("training job %s: %s", r.Status, logs(t, svc, r.ID))
	}
	return r
}

func register(t *testing.T, svc api.Service, req api.RegisterRequest) api.ModelVersion {
	t.Helper()
	v, err := svc.Register(ctxT(t), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sha256Hex(content string) string {
	s := sha256.Sum256([]byte(content))
	return hex.EncodeToString(s[:])
}

func TestRegisterKeepsTheArtifactAndASnapshot(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		cwd := t.TempDir()
		r := trainedRun(t, svc, cwd, "weights v1")
		v := register(t, svc, api.RegisterRequest{Run: r.Name, Model: "digits", Description: "first"})
		if v.Version != 1 || v.Run != r.ID || v.Artifact.Name != "model" || v.Artifact.SHA256 != sha256Hex("weights v1") ||
			v.Artifact.Size != int64(len("weights v1")) || v.Artifact.Kind != "file" {
			t.Fatalf("version = %+v", v)
		}
		if v.Params["lr"] != "0.01" || v.Metrics["val_acc"] != 0.9 || v.Evals["class=3"]["acc"] != 0.81 {
			t.Errorf("snapshot: params %v metrics %v evals %v", v.Params, v.Metrics, v.Evals)
		}
		if me, _ := user.Current(); v.RegisteredBy != me.Username {
			t.Errorf("registered by %q, want %q", v.RegisteredBy, me.Username)
		}
		if want := filepath.Join(e.opts.Paths.Artifacts(), "sha256", v.Artifact.SHA256[:2], v.Artifact.SHA256); v.Artifact.Path != want {
			t.Errorf("copy at %s, want %s", v.Artifact.Path, want)
		}
		// The version stays what it was when the file is overwritten and
		// the run's folder cleaned.
		os.WriteFile(filepath.Join(cwd, "model.bin"), []byte("overwritten"), 0o644)
		os.RemoveAll(filepath.Join(cwd))
		os.RemoveAll(r.Dir)
		got, err := os.ReadFile(v.Artifact.Path)
		if err != nil || string(got) != "weights v1" {
			t.Fatalf("copy = %q, %v", got, err)
		}
		if err := os.WriteFile(v.Artifact.Path, []byte("x"), 0o644); err == nil && os.Getuid() != 0 {
			t.Error("the copy is writable")
		}
		m, err := svc.Model(ctxT(t), "digits")
		if err != nil {
			t.Fatal(err)
		}
		if m.PrimaryMetric != "val_acc" || m.Direction != "max" || len(m.Versions) != 1 || m.Versions[0].Description != "first" {
			t.Errorf("model = %+v", m)
		}
	})
}

func TestRegisterOneCopyForSharedContent(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	a := trainedRun(t, e, t.TempDir(), "same bytes")
	b := trainedRun(t, e, t.TempDir(), "same bytes")
	va := register(t, e, api.RegisterRequest{Run: a.ID, Model: "m"})
	vb := register(t, e, api.RegisterRequest{Run: b.ID, Model: "m"})
	if va.Artifact.Path != vb.Artifact.Path {
		t.Fatalf("two copies: %s and %s", va.Artifact.Path, vb.Artifact.Path)
	}
	// Removing one version keeps the copy the other needs; removing both
	// frees it.
	if _, err := e.RemoveVersion(ctxT(t), api.RemoveVersionRequest{Model: "m", Version: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(vb.Artifact.Path); err != nil {
		t.Fatalf("copy freed while version 2 keeps it: %v", err)
	}
	if _, err := e.RemoveVersion(ctxT(t), api.RemoveVersionRequest{Model: "m", Version: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(vb.Artifact.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("copy kept after its last version went: %v", err)
	}
}

func TestRegisterFolderArtifact(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	cwd := t.TempDir()
	script := `mkdir -p ckpt/sub && printf a > ckpt/config.json && printf bb > ckpt/sub/weights.bin
echo '{"artifact": {"name": "ckpt", "path": "ckpt"}}' >> "$LATHE_METRICS_FILE"`
	r := wait(t, e, submit(t, e, api.SubmitRequest{Command: sh(script), Cwd: cwd}).ID)
	v := register(t, e, api.RegisterRequest{Run: r.ID, Model: "m"})
	if v.Artifact.Kind != "dir" || v.Artifact.Files != 2 || v.Artifact.Size != 3 {
		t.Fatalf("artifact = %+v", v.Artifact)
	}
	got, err := os.ReadFile(filepath.Join(v.Artifact.Path, "sub", "weights.bin"))
	if err != nil || string(got) != "bb" {
		t.Fatalf("folder copy: %q, %v", got, err)
	}
}

// TestRegisterFailsWhole: a registration that cannot read its artifact
// leaves no model, no version and no copy.
func TestRegisterFailsWhole(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	cwd := t.TempDir()
	fifo := filepath.Join(cwd, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `echo '{"artifact": {"name": "model", "path": "gone.pt"}}' >> "$LATHE_METRICS_FILE"`
	r := wait(t, e, submit(t, e, api.SubmitRequest{Command: sh(script), Cwd: cwd}).ID)
	for _, c := range []struct{ artifact, want string }{
		{"", "gone.pt"},
		{"model", "no such file"},
		{filepath.Join(cwd, "nothing-here"), "no such file"},
		{fifo, "pipe"},
		{"other", `declared model`},
	} {
		_, err := e.Register(ctxT(t), api.RegisterRequest{Run: r.ID, Model: "m", Artifact: c.artifact}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, api.ErrInvalid) {
			t.Errorf("artifact %q: err = %v, want one saying %q", c.artifact, err, c.want)
		}
	}
	if ms, _ := e.Models(ctxT(t)); len(ms) != 0 {
		t.Errorf("models after failed registrations: %+v", ms)
	}
	left, _ := filepath.Glob(filepath.Join(e.opts.Paths.Artifacts(), "sha256", "*", "*"))
	tmp, _ := filepath.Glob(filepath.Join(e.opts.Paths.Artifacts(), "tmp", "*"))
	if len(left)+len(tmp) != 0 {
		t.Errorf("left behind: %v %v", left, tmp)
	}
}

func TestRegisterRefusesARunThatHasNotEnded(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	r := submit(t, e, api.SubmitRequest{Command: sh("sleep 30")})
	waitStatus(t, e, r.ID, api.Running)
	_, err := e.Register(ctxT(t), api.RegisterRequest{Run: r.ID, Model: "m", Artifact: "/etc/hostname"}, nil)
	if !errors.Is(err, api.ErrConflict) || !strings.Contains(err.Error(), "once it has ended") {
		t.Errorf("err = %v", err)
	}
	if _, err := e.Kill(ctxT(t), r.ID, true); err != nil {
		t.Fatal(err)
	}
	wait(t, e, r.ID)
}

func TestModelNamesAndAliases(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	r := trainedRun(t, e, t.TempDir(), "w")
	for _, bad := range []string{"", "a b", "x/y", "-lead", "a@b", strings.Repeat("m", 256)} {
		if _, err := e.Register(ctxT(t), api.RegisterRequest{Run: r.ID, Model: bad}, nil); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("model name %q: err = %v", bad, err)
		}
	}
	if _, err := e.Register(ctxT(t), api.RegisterRequest{Run: r.ID, Model: "digits", Description: strings.Repeat("d", 5001)}, nil); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("a description of 5 001 bytes: err = %v", err)
	}
	register(t, e, api.RegisterRequest{Run: r.ID, Model: "digits"})
	register(t, e, api.RegisterRequest{Run: r.ID, Model: "digits"})
	for _, good := range []string{"challenger", "staging-1", "a_b", "v", "v1x", "latest2"} {
		if _, err := e.SetAlias(ctxT(t), api.AliasRequest{Model: "digits", Alias: good, Version: 1}); err != nil {
			t.Errorf("alias %q: %v", good, err)
		}
	}
	for bad, want := range map[string]string{"latest": "reserved", "LATEST": "reserved", "v3": "version number",
		"V12": "version number", "champion": "promotion", "a b": "letters", "": "empty", "x/y": "letters"} {
		_, err := e.SetAlias(ctxT(t), api.AliasRequest{Model: "digits", Alias: bad, Version: 1})
		if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("alias %q: err = %v, want one saying %q", bad, err, want)
		}
	}
	// Setting an alias moves it.
	m, err := e.SetAlias(ctxT(t), api.AliasRequest{Model: "digits", Alias: "challenger", Version: 2})
	if err != nil || m.Aliases["challenger"] != 2 {
		t.Fatalf("moved alias: %v, %v", m.Aliases, err)
	}
	if _, err := e.SetAlias(ctxT(t), api.AliasRequest{Model: "digits", Alias: "x", Version: 9}); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("alias to a missing version: %v", err)
	}
	for ref, want := range map[string]int{"digits@1": 1, "digits@v2": 2, "digits@challenger": 2, "digits@latest": 2, "digits@staging-1": 1} {
		v, err := e.ModelVersion(ctxT(t), ref)
		if err != nil || v.Version != want {
			t.Errorf("%s = v%d, %v; want v%d", ref, v.Version, err, want)
		}
	}
	for ref, kind := range map[string]error{"digits@nope": api.ErrNotFound, "digits@7": api.ErrNotFound,
		"nomodel@1": api.ErrNotFound, "digits": api.ErrInvalid, "digits@0": api.ErrInvalid} {
		if _, err := e.ModelVersion(ctxT(t), ref); !errors.Is(err, kind) {
			t.Errorf("%s: err = %v, want %v", ref, err, kind)
		}
	}
	if _, err := e.RemoveAlias(ctxT(t), api.AliasRequest{Model: "digits", Alias: "challenger", Version: 1}); !errors.Is(err, api.ErrConflict) {
		t.Errorf("removing an alias named with the wrong version: %v", err)
	}
	if m, err := e.RemoveAlias(ctxT(t), api.AliasRequest{Model: "digits", Alias: "challenger"}); err != nil || m.Aliases["challenger"] != 0 {
		t.Errorf("remove alias: %v, %v", m.Aliases, err)
	}
}

func TestVersionNumbersAreNeverReused(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	r := trainedRun(t, e, t.TempDir(), "w")
	for range 3 {
		register(t, e, api.RegisterRequest{Run: r.ID, Model: "m"})
	}
	if _, err := e.SetAlias(ctxT(t), api.AliasRequest{Model: "m", Alias: "challenger", Version: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RemoveVersion(ctxT(t), api.RemoveVersionRequest{Model: "m", Version: 3}); err != nil {
		t.Fatal(err)
	}
	if v := register(t, e, api.RegisterRequest{Run: r.ID, Model: "m"}); v.Version != 4 {
		t.Fatalf("after removing v3 the next is v%d, want v4", v.Version)
	}
	_, err := e.RemoveVersion(ctxT(t), api.RemoveVersionRequest{Model: "m", Version: 2})
	if !errors.Is(err, api.ErrConflict) || !strings.Contains(err.Error(), "challenger") {
		t.Fatalf("removing an aliased version: %v", err)
	}
	if _, err := e.RemoveVersion(ctxT(t), api.RemoveVersionRequest{Model: "m", Version: 2, Force: true}); err != nil {
		t.Fatal(err)
	}
	m, _ := e.Model(ctxT(t), "m")
	var got []int
	for _, v := range m.Versions {
		got = append(got, v.Version)
	}
	if !slices.Equal(got, []int{4, 1}) || len(m.Aliases) != 0 || m.LastVersion != 4 {
		t.Fatalf("versions %v aliases %v last %d", got, m.Aliases, m.LastVersion)
	}
	if _, err := e.RemoveVersion(ctxT(t), api.RemoveVersionRequest{Model: "m", Version: 3}); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("removing a removed version: %v", err)
	}
}

func TestConcurrentRegistrationsGetDistinctNumbers(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		r := trainedRun(t, svc, t.TempDir(), "w")
		const n = 8
		var wg sync.WaitGroup
		versions := make([]int, n)
		for i := range n {
			wg.Go(func() {
				v, err := svc.Register(ctxT(t), api.RegisterRequest{Run: r.ID, Model: "m"}, nil)
				if err != nil {
					t.Error(err)
				}
				versions[i] = v.Version
			})
		}
		wg.Wait()
		slices.Sort(versions)
		if !slices.Equal(versions, []int{1, 2, 3, 4, 5, 6, 7, 8}) {
			t.Fatalf("versions = %v", versions)
		}
	})
}

// TestRegisteredByIsThePeer: the socket's peer credentials say who
// registers, whatever the request claims.
func TestRegisteredByIsThePeer(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	c := serveOverSocket(t, e)
	r := trainedRun(t, c, t.TempDir(), "w")
	v := register(t, c, api.RegisterRequest{Run: r.ID, Model: "m", User: "mallory"})
	if me, _ := user.Current(); v.RegisteredBy != me.Username {
		t.Fatalf("registered by %q, want %q", v.RegisteredBy, me.Username)
	}
}

// gitRepo makes a git work tree with one commit.
func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"config", "user.email", "t@example.com"}, {"config", "user.name", "t"}} {
		gitIn(t, dir, args...)
	}
	os.WriteFile(filepath.Join(dir, "train.py"), []byte("print(1)\n"), 0o644)
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "commit", "-qm", "one")
	return dir
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(bytes.TrimSpace(out))
}

func TestRerunSaysWhatDiffersAndLineageFollows(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		dir := gitRepo(t)
		first := trainedRun(t, svc, dir, "w1")
		before := gitIn(t, dir, "rev-parse", "HEAD")
		os.WriteFile(filepath.Join(dir, "train.py"), []byte("print(2)\n"), 0o644)
		gitIn(t, dir, "commit", "-qam", "two")
		after := gitIn(t, dir, "rev-parse", "HEAD")
		env := append(os.Environ(), "HF_TOKEN=secret-now")
		res, err := svc.Rerun(ctxT(t), api.RerunRequest{Run: first.ID, Params: map[string]string{"lr": "0.02"}, Env: env})
		if err != nil {
			t.Fatal(err)
		}
		changes := strings.Join(res.Changes, "\n")
		for _, want := range []string{"git commit: " + before[:10] + " → " + after[:10], "param lr: 0.01 → 0.02"} {
			if !strings.Contains(changes, want) {
				t.Errorf("changes %q lack %q", changes, want)
			}
		}
		second := wait(t, svc, res.Run.ID)
		if second.Tags[RerunTag] != first.ID || second.Params["lr"] != "0.02" || !slices.Equal(second.Command, first.Command) || second.Cwd != first.Cwd {
			t.Fatalf("re-run = %+v", second)
		}
		v := register(t, svc, api.RegisterRequest{Run: second.ID, Model: "m"})
		l, err := svc.Lineage(ctxT(t), "m", v.Version)
		if err != nil {
			t.Fatal(err)
		}
		if l.Run == nil || l.Run.ID != second.ID || len(l.Parents) != 1 || l.Parents[0].ID != first.ID {
			t.Fatalf("lineage run %v parents %v", l.Run, l.Parents)
		}
		if l.Run.Git == nil || l.Run.Git.Commit != after || l.Parents[0].Git.Commit != before {
			t.Errorf("lineage git: %+v / %+v", l.Run.Git, l.Parents[0].Git)
		}
	})
}

// TestRerunTakesSecretsFromTheCaller: the record keeps secrets redacted;
// a re-run gets their values from whoever asks for it.
func TestRerunTakesSecretsFromTheCaller(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	first := submit(t, e, api.SubmitRequest{Command: sh(`printf '%s' "$API_TOKEN" > token`),
		Env: append(os.Environ(), "API_TOKEN=first", "DB_PASSWORD=pw")})
	wait(t, e, first.ID)
	res, err := e.Rerun(ctxT(t), api.RerunRequest{Run: first.ID, Env: []string{"API_TOKEN=second"}})
	if err != nil {
		t.Fatal(err)
	}
	wait(t, e, res.Run.ID)
	got, _ := os.ReadFile(filepath.Join(first.Cwd, "token"))
	if string(got) != "second" {
		t.Errorf("the re-run saw API_TOKEN=%q", got)
	}
	if !strings.Contains(strings.Join(res.Changes, "\n"), "DB_PASSWORD") {
		t.Errorf("changes do not say DB_PASSWORD is missing: %q", res.Changes)
	}
}

// TestCheckStoreReadsArtifactsAgain: `lathe store check` finds a copy
// altered or gone, and names the versions that keep it.
func TestCheckStoreReadsArtifactsAgain(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	a := register(t, e, api.RegisterRequest{Run: trainedRun(t, e, t.TempDir(), "aaaa").ID, Model: "m"})
	b := register(t, e, api.RegisterRequest{Run: trainedRun(t, e, t.TempDir(), "bbbb").ID, Model: "m"})
	rep, err := e.CheckStore(ctxT(t))
	if err != nil || len(rep.Problems) != 0 || rep.Versions != 2 || rep.Artifacts != 2 {
		t.Fatalf("check of a sound store: %+v, %v", rep, err)
	}
	os.Chmod(a.Artifact.Path, 0o644)
	if err := os.WriteFile(a.Artifact.Path, []byte("aaab"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(b.Artifact.Path)
	rep, err = e.CheckStore(ctxT(t))
	if err != nil || rep.Artifacts != 0 || len(rep.Problems) != 2 {
		t.Fatalf("check: %+v, %v", rep, err)
	}
	for _, p := range rep.Problems {
		if !strings.Contains(p, "artifact of m v") {
			t.Errorf("problem %q names no version", p)
		}
	}
}

// TestRunShowsItsEnvironment: a job in a dirty git tree leaves what its
// supervisor captured, diff.patch cut to [jobs] patch_limit, and Run
// reports it.
func TestRunShowsItsEnvironment(t *testing.T) {
	e := openEngine(t, t.TempDir(), func(c *config.Config) { c.Jobs.PatchLimit = 10 })
	defer e.Close()
	dir := gitRepo(t)
	os.WriteFile(filepath.Join(dir, "train.py"), []byte("print('changed')\n"), 0o644)
	r, err := e.Run(ctxT(t), wait(t, e, submit(t, e, api.SubmitRequest{Command: sh("true"), Cwd: dir}).ID).ID)
	if err != nil || r.Environment == nil || r.Environment.Git == nil {
		t.Fatalf("environment = %+v", r.Environment)
	}
	g := r.Environment.Git
	patch, err := os.ReadFile(filepath.Join(r.Dir, "diff.patch"))
	if err != nil || len(patch) != 10 || !g.PatchTruncated || g.PatchBytes <= 10 || !g.Dirty || g.Commit != gitIn(t, dir, "rev-parse", "HEAD") {
		t.Fatalf("git %+v, diff.patch %q %v", g, patch, err)
	}
	if runs, _ := e.Runs(ctxT(t), api.RunQuery{}); runs[0].Environment != nil {
		t.Error("a listing reads every run's environment.json")
	}
}

// TestRegisterTellsItsProgress: over the socket, the copy's progress comes
// before the version.
func TestRegisterTellsItsProgress(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	c := serveOverSocket(t, e)
	cwd := t.TempDir()
	if err := os.WriteFile(filepath.Join(cwd, "big.bin"), bytes.Repeat([]byte("w"), 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	r := wait(t, c, submit(t, c, api.SubmitRequest{Cwd: cwd,
		Command: sh(`echo '{"artifact": {"name": "model", "path": "big.bin"}}' >> "$LATHE_METRICS_FILE"`)}).ID)
	var calls int
	var total int64
	v, err := c.Register(ctxT(t), api.RegisterRequest{Run: r.ID, Model: "m"}, func(done, t int64) { calls++; total = t })
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || total != v.Artifact.Size || total != 1<<20 {
		t.Errorf("%d progress calls, total %d; the artifact has %d bytes", calls, total, v.Artifact.Size)
	}
}

// TestRegisterHugeArtifact: a file far larger than any buffer is streamed
// through, its digest right, its copy whole.
func TestRegisterHugeArtifact(t *testing.T) {
	if testing.Short() {
		t.Skip("copies 256 MiB")
	}
	const size = 256 << 20
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	cwd := t.TempDir()
	f, err := os.Create(filepath.Join(cwd, "huge.bin"))
	if err != nil {
		t.Fatal(err)
	}
	// Sparse but for a few marks, so a chunk boundary error shows.
	for _, off := range []int64{0, 1<<20 - 1, 1 << 20, 100 << 20, size - 1} {
		f.WriteAt([]byte{byte(off)}, off)
	}
	f.Close()
	h := sha256.New()
	in, _ := os.Open(filepath.Join(cwd, "huge.bin"))
	io.Copy(h, in)
	in.Close()
	r := wait(t, e, submit(t, e, api.SubmitRequest{Cwd: cwd,
		Command: sh(`echo '{"artifact": {"name": "huge", "path": "huge.bin"}}' >> "$LATHE_METRICS_FILE"`)}).ID)
	v := register(t, e, api.RegisterRequest{Run: r.ID, Model: "m"})
	if v.Artifact.Size != size || v.Artifact.SHA256 != hex.EncodeToString(h.Sum(nil)) {
		t.Fatalf("artifact %+v", v.Artifact)
	}
	if fi, err := os.Stat(v.Artifact.Path); err != nil || fi.Size() != size {
		t.Fatalf("copy: %v %v", fi, err)
	}
}

// TestModelFollowsEveryChange: a model read (and kept by the engine's
// cache) is read anew after each change, in process and over the socket.
func TestModelFollowsEveryChange(t *testing.T) {
	implsOver(t, localOnly, nil, func(t *testing.T, svc api.Service, e *Engine) {
		r := trainedRun(t, svc, t.TempDir(), "w")
		register(t, svc, api.RegisterRequest{Run: r.ID, Model: "m"})
		versions := func() (out []int, aliases map[string]int) {
			m, err := svc.Model(ctxT(t), "m")
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range m.Versions {
				out = append(out, v.Version)
			}
			return out, m.Aliases
		}
		if v, _ := versions(); !slices.Equal(v, []int{1}) {
			t.Fatalf("versions %v", v)
		}
		register(t, svc, api.RegisterRequest{Run: r.ID, Model: "m"})
		if v, _ := versions(); !slices.Equal(v, []int{2, 1}) {
			t.Fatalf("after a registration: %v", v)
		}
		svc.SetAlias(ctxT(t), api.AliasRequest{Model: "m", Alias: "staging", Version: 1})
		if _, a := versions(); a["staging"] != 1 {
			t.Fatalf("after an alias: %v", a)
		}
		svc.RemoveVersion(ctxT(t), api.RemoveVersionRequest{Model: "m", Version: 2})
		if v, _ := versions(); !slices.Equal(v, []int{1}) {
			t.Fatalf("after a removal: %v", v)
		}
	})
}

// TestRemovingARunNamesItsVersions: removing a run says which versions came
// from it; they keep their snapshot and artifact, and lineage says the run
// is gone once purged.
func TestRemovingARunNamesItsVersions(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	r := trainedRun(t, e, t.TempDir(), "w")
	v := register(t, e, api.RegisterRequest{Run: r.ID, Model: "m"})
	plan, err := e.Remove(ctxT(t), api.RemoveRequest{Refs: []string{r.ID}, DryRun: true})
	if err != nil || !slices.Equal(plan.Versions, []string{"m v1"}) {
		t.Fatalf("plan %+v, %v", plan.Versions, err)
	}
	if _, err := e.Remove(ctxT(t), api.RemoveRequest{Refs: []string{r.ID}, Purge: true}); err != nil {
		t.Fatal(err)
	}
	l, err := e.Lineage(ctxT(t), "m", v.Version)
	if err != nil || l.Run != nil || l.Version.Params["lr"] != "0.01" {
		t.Fatalf("lineage after the purge: %+v, %v", l, err)
	}
	if got, err := os.ReadFile(v.Artifact.Path); err != nil || string(got) != "w" {
		t.Errorf("artifact after the purge: %q %v", got, err)
	}
}
