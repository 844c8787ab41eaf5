package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// The command line end to end: runs filtered and sorted, a bad filter
// pointing at its column, rm (asking, refusing without a terminal), the
// removed runs listed and restored, compare as a table and as JSON.
func TestFilterRemoveCompare(t *testing.T) {
	h := newHome(t)
	for _, r := range []struct{ name, lr, loss string }{{"sweep-a", "0.1", "0.9"}, {"sweep-b", "0.01", "0.4"}, {"other", "0.001", "0.6"}} {
		id := strings.TrimSpace(h.ok("run", "--name", r.name, "--param", "lr="+r.lr, "--", "sh", "-c",
			`echo '{"metrics": {"val_loss": `+r.loss+`}}' >> $LATHE_METRICS_FILE`))
		h.ok("wait", id)
	}
	out := h.ok("runs", "--filter", `name ~ "^sweep-" and params.lr <= 0.1`, "--sort", "metrics.val_loss", "--columns", "name,params.lr,metrics.val_loss")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "metrics.val_loss") ||
		!strings.HasPrefix(lines[1], "sweep-b") || !strings.HasPrefix(lines[2], "sweep-a") {
		t.Errorf("filtered and sorted:\n%s", out)
	}
	var desc []runJSON
	h.json(&desc, "runs", "--sort", "params.lr", "--desc")
	if len(desc) != 3 || desc[0].Name != "sweep-a" || desc[2].Name != "other" {
		t.Errorf("by lr, descending: %+v", desc)
	}

	bad := h.run("runs", "--filter", "metrics.val_loss <> 3")
	errLines := strings.Split(strings.TrimRight(bad.stderr, "\n"), "\n")
	if bad.code == 0 || len(errLines) != 3 || !strings.Contains(errLines[0], "column") ||
		!strings.Contains(errLines[1], "metrics.val_loss <> 3") || strings.Index(errLines[2], "^") != strings.Index(errLines[1], ">") {
		t.Errorf("a bad filter: exit %d\n%s", bad.code, bad.stderr)
	}

	// No terminal to ask on: refused without --yes.
	if r := h.run("rm", "--filter", "sweep"); r.code == 0 || !strings.Contains(r.stderr, "pass --yes") {
		t.Errorf("rm without a terminal: exit %d: %s", r.code, r.stderr)
	}
	if out := h.ok("rm", "--yes", "--filter", "sweep"); !strings.Contains(out, "removed 2 runs") {
		t.Errorf("rm: %s", out)
	}
	if out := h.ok("runs"); strings.Contains(out, "sweep") {
		t.Errorf("removed runs still listed:\n%s", out)
	}
	if out := h.ok("runs", "--deleted"); !strings.Contains(out, "sweep-a") || !strings.Contains(out, "PURGED IN") {
		t.Errorf("runs --deleted:\n%s", out)
	}
	if out := h.ok("restore", "sweep-a"); !strings.Contains(out, "restored run sweep-a") {
		t.Errorf("restore: %s", out)
	}

	out = h.ok("compare", "sweep-a", "other")
	if !strings.Contains(out, "lr") || !strings.Contains(out, "★ 0.6") || !strings.Contains(out, "val_loss ↓") {
		t.Errorf("compare:\n%s", out)
	}
	var c struct {
		Runs   []runJSON `json:"runs"`
		Params struct {
			Differ map[string]map[string]*string `json:"differ"`
		} `json:"params"`
		Metrics map[string]map[string]json.RawMessage `json:"metrics"`
	}
	h.json(&c, "compare", "sweep-a", "other")
	if len(c.Runs) != 2 || len(c.Params.Differ["lr"]) != 2 || string(c.Metrics["val_loss"]["best"]) != `"`+c.Runs[1].ID+`"` {
		t.Errorf("compare --json: %+v", c)
	}
	if r := h.run("compare", "sweep-a"); r.code == 0 {
		t.Errorf("compare of one run succeeded")
	}
}
