package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The team of the access test: real Unix users. .ci/run creates them; the
// test makes any that is missing (it needs root either way).
var (
	teamGroup = "lathe-team"
	team      = []string{"lathe-alice", "lathe-bob", "lathe-carol"}
	outsider  = "lathe-eve"
)

// ensureUsers makes the team's group and users when they are missing.
func ensureUsers(t *testing.T) {
	t.Helper()
	if _, err := user.LookupGroup(teamGroup); err != nil {
		if out, err := exec.Command("groupadd", teamGroup).CombinedOutput(); err != nil {
			t.Fatalf("groupadd: %v %s", err, out)
		}
	}
	for _, u := range append(slices.Clone(team), outsider) {
		if _, err := user.Lookup(u); err == nil {
			continue
		}
		args := []string{"--no-create-home", "--shell", "/usr/sbin/nologin"}
		if u != outsider {
			args = append(args, "--groups", teamGroup)
		}
		if out, err := exec.Command("useradd", append(args, u)...).CombinedOutput(); err != nil {
			t.Fatalf("useradd %s: %v %s", u, err, out)
		}
	}
}

// teamHome starts an engine of this (root) user on a data directory the
// team reaches, with config as its configuration; base is a folder the
// team can read, for the test's files.
func teamHome(t *testing.T, config string) (h *home, base string) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("makes Unix users and runs lathe as them: needs root (CI runs as root)")
	}
	ensureUsers(t)
	// Every folder on the way to the data directory and to the binary must
	// be traversable by the team.
	base, err := os.MkdirTemp("", "lathe-team-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	for _, d := range []string{base, filepath.Dir(lathePath)} {
		os.Chmod(d, 0o755)
	}
	dataDir := filepath.Join(base, "home")
	os.MkdirAll(dataDir, 0o755)
	conf := filepath.Join(base, "config")
	os.MkdirAll(filepath.Join(conf, "lathe"), 0o755)
	os.WriteFile(filepath.Join(conf, "lathe", "config.toml"), []byte(config), 0o644)
	h = &home{t: t, dir: dataDir, env: append(os.Environ(), "LATHE_HOME="+dataDir, "XDG_CONFIG_HOME="+conf)}
	t.Cleanup(h.cleanup)
	h.ok("engine", "start")
	return h, base
}

// asUser runs lathe as another Unix user on the shared engine.
func (h *home) asUser(name string, args ...string) result {
	h.t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", name, "--", lathePath}, args...)...)
	cmd.Env = h.env
	cmd.Dir = "/"
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("runuser %s lathe %v: %v", name, args, err)
	}
	return result{out.String(), errb.String(), code}
}

// TestTeamOnOneEngine: a team shares one engine through its socket's group;
// the engine knows each caller from the kernel, so the rules of approval
// hold for real users: only reviewers approve, nobody their own version,
// one person's approvals count once, a blocked request is not approved,
// and someone outside the group is refused at connect.
func TestTeamOnOneEngine(t *testing.T) {
	h, base := teamHome(t, `[access]
reviewers = ["lathe-alice", "lathe-bob"]
socket_group = "lathe-team"
`)
	conf := filepath.Join(base, "config")

	train := func(name string, acc string) {
		script := `printf '` + name + `' > ` + filepath.Join(base, name+".bin") + `
echo '{"step": 1, "metrics": {"val_acc": ` + acc + `}}' >> "$LATHE_METRICS_FILE"
echo '{"artifact": {"name": "model", "path": "` + filepath.Join(base, name+".bin") + `"}}' >> "$LATHE_METRICS_FILE"`
		h.ok("run", "--name", name, "--", "/bin/sh", "-c", script)
		h.ok("wait", name)
	}
	train("first", "0.9")
	h.ok("register", "first", "--model", "m")
	policy := filepath.Join(base, "policy.toml")
	os.WriteFile(policy, []byte("primary_metric = \"val_acc\"\ndirection = \"max\"\nrequired_approvals = 2\n"), 0o644)
	h.ok("policy", "set", "m", "--file", policy)
	h.ok("promote", "m", "1")

	// Outside the group: refused at connect, in one line.
	oneLineError(t, h.asUser(outsider, "requests"), "permission denied")
	// An engine in a folder its user does not own is not the one meant:
	// the client refuses it rather than send it anything.
	planted := &home{t: t, dir: filepath.Join(base, "planted"), env: append(os.Environ(),
		"LATHE_HOME="+filepath.Join(base, "planted"), "XDG_CONFIG_HOME="+conf)}
	os.MkdirAll(planted.dir, 0o755)
	t.Cleanup(planted.cleanup)
	planted.ok("engine", "start")
	carol, _ := user.Lookup("lathe-carol")
	uid, _ := strconv.Atoi(carol.Uid)
	os.Chown(planted.dir, uid, -1)
	oneLineError(t, planted.asUser("lathe-alice", "requests"), "not as you")
	// In the group but no reviewer; a reviewer twice; a second reviewer.
	oneLineError(t, h.asUser("lathe-carol", "approve", "m", "1"), "lathe-carol is not a reviewer")
	if r := h.asUser("lathe-alice", "requests", "--mine"); r.code != 0 || !strings.Contains(r.stdout, "#1") {
		t.Errorf("alice's requests: %+v", r)
	}
	if r := h.asUser("lathe-alice", "approve", "m", "1", "--comment", "good"); r.code != 0 || !strings.Contains(r.stdout, "approvals 1 of 2: lathe-alice") {
		t.Fatalf("alice approves: %+v", r)
	}
	oneLineError(t, h.asUser("lathe-alice", "approve", "m", "1"), "count once")
	if r := h.asUser("lathe-bob", "approve", "m", "1"); r.code != 0 || !strings.Contains(r.stdout, "m v1 is the champion") {
		t.Fatalf("bob approves: %+v", r)
	}

	// A reviewer's own version: alice registers it, nobody but bob approves.
	train("second", "0.95")
	if r := h.asUser("lathe-alice", "register", "second", "--model", "m"); r.code != 0 {
		t.Fatalf("alice registers: %+v", r)
	}
	h.asUser("lathe-alice", "promote", "m", "2")
	oneLineError(t, h.asUser("lathe-alice", "approve", "m", "2"), "someone else must approve it")

	// A blocked request: worse than the champion.
	train("third", "0.5")
	h.ok("register", "third", "--model", "m")
	if out := h.ok("promote", "m", "3"); !strings.Contains(out, "blocked") {
		t.Fatalf("a worse version: %s", out)
	}
	oneLineError(t, h.asUser("lathe-bob", "approve", "m", "3"), "blocked by its gates")

	// Jobs run as the engine's owner: a team member starts none.
	oneLineError(t, h.asUser("lathe-bob", "run", "--", "true"), "others_may_run")

	// The record names each by what the kernel said.
	var m struct {
		Requests []struct {
			Version   int      `json:"version"`
			OpenedBy  string   `json:"opened_by"`
			Approvals []string `json:"approvals"`
		} `json:"requests"`
		Versions []struct {
			Version      int    `json:"version"`
			RegisteredBy string `json:"registered_by"`
		} `json:"versions"`
	}
	h.json(&m, "model", "m")
	if len(m.Versions) != 3 || m.Versions[1].RegisteredBy != "lathe-alice" || m.Requests[1].OpenedBy != "lathe-alice" ||
		strings.Join(m.Requests[2].Approvals, ",") != "lathe-alice,lathe-bob" {
		t.Errorf("the record: %+v", m)
	}
	if out := h.ok("audit", "verify"); !strings.Contains(out, "intact") {
		t.Errorf("audit: %s", out)
	}
}

// TestTeamApprovalsAtOnce: two reviewers approving at the same moment, as
// themselves through the socket, move the champion once.
func TestTeamApprovalsAtOnce(t *testing.T) {
	h, base := teamHome(t, "[access]\nreviewers = [\"lathe-alice\", \"lathe-bob\", \"lathe-carol\"]\nsocket_group = \"lathe-team\"\n")
	script := `printf w > ` + filepath.Join(base, "w.bin") + `; echo '{"step": 1, "metrics": {"val_acc": 0.9}}' >> "$LATHE_METRICS_FILE"; echo '{"artifact": {"name": "model", "path": "` + filepath.Join(base, "w.bin") + `"}}' >> "$LATHE_METRICS_FILE"`
	h.ok("run", "--name", "one", "--", "/bin/sh", "-c", script)
	h.ok("wait", "one")
	h.ok("register", "one", "--model", "m")
	policy := filepath.Join(base, "policy.toml")
	os.WriteFile(policy, []byte("primary_metric = \"val_acc\"\ndirection = \"max\"\nrequired_approvals = 2\n"), 0o644)
	h.ok("policy", "set", "m", "--file", policy)
	h.ok("promote", "m", "1")
	h.asUser("lathe-alice", "approve", "m", "1")
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i, u := range []string{"lathe-bob", "lathe-carol"} {
		wg.Go(func() { results[i] = h.asUser(u, "approve", "m", "1") })
	}
	wg.Wait()
	if ok := btoi(results[0].code == 0) + btoi(results[1].code == 0); ok != 1 {
		t.Fatalf("%d of the two approvals took: %+v", ok, results)
	}
	out := h.ok("audit", "--model", "m")
	if n := strings.Count(out, " promote "); n != 1 {
		t.Errorf("%d promotions in the audit log:\n%s", n, out)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTeamDataFiles: the engine reads a data file for a teammate only when
// they could read it themselves: their own, or one everyone may read in
// folders everyone may enter; never the engine owner's private data.
func TestTeamDataFiles(t *testing.T) {
	h, base := teamHome(t, `[access]
socket_group = "lathe-team"
`)
	script := `printf w > ` + filepath.Join(base, "w.bin") + `
echo '{"step": 1, "metrics": {"val_acc": 0.9}}' >> "$LATHE_METRICS_FILE"
echo '{"artifact": {"name": "model", "path": "` + filepath.Join(base, "w.bin") + `"}}' >> "$LATHE_METRICS_FILE"`
	h.ok("run", "--name", "one", "--", "/bin/sh", "-c", script)
	h.ok("wait", "one")
	h.ok("register", "one", "--model", "m")
	data := "x,city\n1,Oslo\n2,Lyon\n3,Oslo\n"
	private := filepath.Join(base, "private")
	os.Mkdir(private, 0o700)
	secret := filepath.Join(private, "train.csv")
	os.WriteFile(secret, []byte(data), 0o644) // readable, but in a folder only root may enter
	open := filepath.Join(base, "open.csv")
	os.WriteFile(open, []byte(data), 0o644)
	owned := filepath.Join(base, "alice.csv")
	os.WriteFile(owned, []byte(data), 0o600)
	u, err := user.Lookup("lathe-alice")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	os.Chown(owned, uid, -1)
	rootOnly := filepath.Join(base, "root.csv")
	os.WriteFile(rootOnly, []byte(data), 0o600)

	oneLineError(t, h.asUser("lathe-alice", "drift", "reference", "m@1", "--data", secret), "only when it is theirs")
	oneLineError(t, h.asUser("lathe-alice", "drift", "reference", "m@1", "--data", rootOnly), "only when it is theirs")
	for _, ok := range []string{open, owned} {
		if r := h.asUser("lathe-alice", "drift", "reference", "m@1", "--data", ok); r.code != 0 {
			t.Errorf("alice's reference from %s: exit %d %s", ok, r.code, r.stderr)
		}
	}
	// The engine's own user reads what it may.
	h.ok("drift", "reference", "m@1", "--data", secret)
}
