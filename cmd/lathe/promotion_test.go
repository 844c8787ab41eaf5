package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestPromotionFromTheCommandLine(t *testing.T) {
	h := newHome(t)
	script := `printf 'weights' > model.bin
echo '{"step": 1, "metrics": {"val_acc": 0.93}}' >> "$LATHE_METRICS_FILE"
echo '{"artifact": {"name": "model", "path": "model.bin"}}' >> "$LATHE_METRICS_FILE"`
	h.ok("run", "--name", "train-1", "--", "/bin/sh", "-c", script)
	h.ok("wait", "train-1")
	h.ok("register", "train-1", "--model", "digits")

	if out := h.ok("policy", "show", "digits"); !strings.Contains(out, "default policy") || !strings.Contains(out, `primary_metric = "val_acc"`) {
		t.Errorf("policy show:\n%s", out)
	}
	bad := filepath.Join(h.dir, "bad.toml")
	os.WriteFile(bad, []byte("primary_metric = \"val_acc\"\ndirection = \"sideways\"\n"), 0o644)
	oneLineError(t, h.run("policy", "set", "digits", "--file", bad), "direction")
	good := filepath.Join(h.dir, "good.toml")
	os.WriteFile(good, []byte("primary_metric = \"val_acc\"\ndirection = \"max\"\nrequired_approvals = 1\n[[ranges]]\nmetric = \"val_acc\"\nmin = 0.0\nmax = 1.0\n"), 0o644)
	h.ok("policy", "set", "digits", "--file", good)

	out := h.ok("promote", "digits", "1", "--comment", "first")
	if !strings.Contains(out, "pending") || !strings.Contains(out, "no champion yet") || !strings.Contains(out, "✓ pass") {
		t.Errorf("promote:\n%s", out)
	}
	if out := h.ok("requests"); !strings.Contains(out, "#1") || !strings.Contains(out, "pending") {
		t.Errorf("requests:\n%s", out)
	}
	oneLineError(t, h.run("reject", "digits", "1"), "--comment is required")
	out = h.ok("approve", "digits", "1", "--comment", "fine")
	if !strings.Contains(out, "digits v1 is the champion") || !strings.Contains(out, "self-approved") {
		t.Errorf("approve:\n%s", out)
	}
	var m struct {
		Aliases  map[string]int `json:"aliases"`
		Requests []struct {
			Version   int      `json:"version"`
			State     string   `json:"state"`
			Approvals []string `json:"approvals"`
			Checks    []struct {
				Gate    string `json:"gate"`
				Verdict string `json:"verdict"`
			} `json:"checks"`
		} `json:"requests"`
	}
	h.json(&m, "model", "digits")
	if m.Aliases["champion"] != 1 || len(m.Requests) != 1 || m.Requests[0].State != "promoted" || len(m.Requests[0].Approvals) != 1 ||
		len(m.Requests[0].Checks) < 2 || m.Requests[0].Checks[0].Verdict != "pass" {
		t.Errorf("model --json: %+v", m)
	}
	oneLineError(t, h.run("alias", "rm", "digits", "champion"), "promotion")
	if out := h.ok("audit", "verify"); !strings.Contains(out, "intact: 5 entries") {
		t.Errorf("audit verify: %q", out)
	}
	out = h.ok("audit", "export", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 6 || rows[0][3] != "action" || rows[1][3] != "register" || rows[5][3] != "promote" {
		t.Errorf("audit export: %v %q", err, rows)
	}
	oneLineError(t, h.run("audit", "export", "--format", "xml"), "json or csv")

	// Someone edits the store while no engine runs: verify names the entry.
	h.ok("engine", "stop")
	db, err := bolt.Open(filepath.Join(h.dir, "lathe.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		key := []byte{0, 0, 0, 0, 0, 0, 0, 2}
		return b.Put(key, bytes.Replace(b.Get(key), []byte(`"policy"`), []byte(`"polish"`), 1))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	oneLineError(t, h.run("audit", "verify"), "entry 2")
}
