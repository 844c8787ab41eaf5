package tui

import (
	"context"
	"strings"
	"testing"

	"lathe/engine/api"
)

// A job whose command cannot start has no output: its logs tab says why,
// as the engine's supervisor recorded it, instead of "no output yet".
func TestLogsTabSaysWhyAJobDidNotStart(t *testing.T) {
	e := realEngine(t, nil)
	ctx := context.Background()
	r, err := e.eng.Submit(ctx, api.SubmitRequest{Name: "typo", Command: []string{"trian-no-such-command"}, Cwd: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = e.eng.Wait(ctx, r.ID); err != nil || r.Status != api.Failed {
		t.Fatalf("the job: %+v %v", r, err)
	}
	view := drive(t, e, 120, 40, "Jobs:", keys("2"), "1 runs", enter, "Runs › typo", keys("l"), keys("l"),
		"no output: failed, command not found: trian-no-such-command")
	if strings.Contains(view, "no output yet") {
		t.Errorf("logs tab:\n%s", view)
	}
}

func TestEmptyLogNote(t *testing.T) {
	for _, c := range []struct {
		run  api.Run
		want string
	}{
		{api.Run{Status: api.Queued}, "no output yet: the run is queued"},
		{api.Run{Status: api.Running}, "no output yet"},
		{api.Run{Status: api.Failed, Reason: "command not found: x"}, "no output: failed, command not found: x"},
		{api.Run{Status: api.Succeeded}, "no output: the job wrote nothing"},
	} {
		if got := emptyLogNote(c.run); got != c.want {
			t.Errorf("%+v: %q, want %q", c.run, got, c.want)
		}
	}
}

// When the run ends while its logs tab follows it, the tab reads its last
// output: the ticks that read it stop with the run.
func TestLogsTabReadsTheEndOfARunThatEnded(t *testing.T) {
	f := helpFixture()
	a := syncApp(t, f)
	press(t, a, toRun...)
	press(t, a, "l", "l")
	if v := a.View(); !strings.Contains(v, "epoch 199 loss=") {
		t.Fatalf("logs tab:\n%s", v)
	}
	f.logs += "Traceback: out of memory\n"
	var ended api.Run
	for _, r := range f.runs {
		if r.Name == "resnet-baseline" {
			ended = r
		}
	}
	ended.Status, ended.Reason = api.Failed, "exit code 1"
	runCmd(t, a, a.apply(api.Event{Type: api.EventRun, Run: &ended}))
	if v := a.View(); !strings.Contains(v, "Traceback: out of memory") {
		t.Errorf("after the end:\n%s", v)
	}
}
