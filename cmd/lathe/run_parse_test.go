package main

import (
	"strings"
	"testing"
)

// lathe run --parse auto reads a trainer's own lines; a wrong mode is one
// line naming the right ones; completion offers them.
func TestRunParseAuto(t *testing.T) {
	h := newHome(t)
	r := h.run("run", "--parse", "json", "--", "true")
	if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, `--parse "json": the parsers are kv, auto`) {
		t.Errorf("bad mode: exit %d, %q", r.code, r.stderr)
	}
	if comp := h.ok("__complete", "run", "--parse", ""); !strings.HasPrefix(comp, "kv\nauto\n") {
		t.Errorf("completion:\n%s", comp)
	}
	id := strings.TrimSpace(h.ok("run", "--parse", "auto", "--", "sh", "-c",
		`echo "{'loss': 0.41, 'learning_rate': 5e-05, 'epoch': 0.5}"; echo 'Note: 3 files'`))
	h.ok("wait", id)
	want := "METRIC         LAST   MIN    MAX    COUNT  LAST STEP\n" +
		"epoch          0.5    0.5    0.5    1      0\n" +
		"learning_rate  5e-05  5e-05  5e-05  1      0\n" +
		"loss           0.41   0.41   0.41   1      0\n"
	if got := h.ok("metrics", id); got != want {
		t.Errorf("metrics:\n%s\nwant\n%s", got, want)
	}
}
