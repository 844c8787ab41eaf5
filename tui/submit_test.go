package tui

import (
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine/api"
	"lathe/themes"
	"lathe/tui/form"
	"lathe/tui/styles"
)

// The job form: its fields, their checks, and the request it makes. The
// form's own behaviour (focus, typing, waiting) is tested in tui/form.

func jobFormFor(t testing.TB, prefill api.SubmitRequest) *form.Model {
	t.Helper()
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	f := newJobForm(styles.New(p), DefaultKeyMap().Form, prefill)
	f.SetSize(120, 38)
	return f
}

// jobPress sends a key and returns the message its command gives.
func jobPress(f *form.Model, k tea.KeyType) tea.Msg {
	if _, cmd := f.Update(tea.KeyMsg{Type: k}); cmd != nil {
		return cmd()
	}
	return nil
}

// jobType types s into the focused field, a key a rune.
func jobType(f *form.Model, s string) {
	for _, r := range s {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		if r == ' ' {
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		}
		f.Update(msg)
	}
}

func TestSubmitParseGPUs(t *testing.T) {
	cases := []struct {
		in    string
		count int
		ids   []int
		bad   bool
	}{
		{in: "", count: 0},
		{in: "0", count: 0},
		{in: "2", count: 2},
		{in: "0,1", ids: []int{0, 1}},
		{in: "0, 2 ,5", ids: []int{0, 2, 5}},
		{in: "3,", ids: []int{3}},
		{in: "x", bad: true},
		{in: "-1", bad: true},
		{in: "1.5", bad: true},
		{in: "0 1", bad: true},
		{in: ",", bad: true},
		{in: "0,x", bad: true},
		{in: "0,-1", bad: true},
		{in: "1,1", bad: true},
	}
	for _, c := range cases {
		n, ids, err := parseGPUs(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("parseGPUs(%q) = %d, %v; want an error", c.in, n, ids)
			}
			continue
		}
		if err != nil || n != c.count || !reflect.DeepEqual(ids, c.ids) {
			t.Errorf("parseGPUs(%q) = %d, %v, %v; want %d, %v", c.in, n, ids, err, c.count, c.ids)
		}
	}
}

// A form opened from a request and submitted at once gives the request back.
func TestSubmitRoundTrip(t *testing.T) {
	cases := []api.SubmitRequest{
		{Command: []string{"python3", "train.py"}},
		{Command: []string{"echo", "ends in a blank "}, Params: map[string]string{"pad": " "}},
		{Name: "baseline 2", Experiment: "vision", Command: []string{"python3", "train.py", "--msg", "hello world", "--lr=0.01"},
			Params: map[string]string{"lr": "0.01", "epochs": "5"}, GPUs: 2},
		{Command: []string{"sh", "-c", `echo "it's" $HOME | tr a b; ls *.py`}, GPUIDs: []int{0, 1}},
		{Command: []string{"prog", "", "x", ""}, GPUIDs: []int{3}},
		{Command: []string{`back\slash`, `a"b`, `'`, `"`, `\`, "  lead and trail  ", "日本語", "ü", "#not-a-comment", "~"},
			Params: map[string]string{"msg": "two words", "empty": "", "q": "it's", "path": `C:\x`, "eq": "a=b"}},
	}
	for _, want := range cases {
		f := jobFormFor(t, want)
		msg, ok := jobPress(f, tea.KeyCtrlS).(form.SubmitMsg)
		if !ok {
			t.Errorf("%q: submit emitted %#v:\n%s", want.Command, msg, ansi.Strip(f.View()))
			continue
		}
		got, err := jobRequest(api.SubmitRequest{}, msg.Values)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("round trip of %#v\n  fields %q\n  gave %#v, %v", want, msg.Values, got, err)
		}
	}
}

// What the form does not show comes from the spec it was filled from.
func TestSubmitRequestKeepsTheBase(t *testing.T) {
	base := api.SubmitRequest{Name: "old", Command: []string{"old"}, Tags: map[string]string{"rerun_of": "x"}, Priority: 5, Cwd: "/w"}
	got, err := jobRequest(base, []string{"python3 t.py", " new ", "", "lr=1", "2", " auto ", " slurm"})
	want := api.SubmitRequest{Name: "new", Command: []string{"python3", "t.py"}, Tags: base.Tags, Priority: 5, Cwd: "/w",
		Params: map[string]string{"lr": "1"}, GPUs: 2, Parse: "auto", Runner: "slurm"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, %v\nwant %#v", got, err, want)
	}
}

func TestSubmitPrefillText(t *testing.T) {
	f := jobFormFor(t, api.SubmitRequest{
		Command: []string{"python3", "train.py", "--name", "a b", "", "it's", `it's "x"`},
		Params:  map[string]string{"z": "1", "a": "x y", "m": ""},
		GPUIDs:  []int{2},
	})
	msg, ok := jobPress(f, tea.KeyCtrlS).(form.SubmitMsg)
	if !ok {
		t.Fatalf("no submit: %#v", msg)
	}
	for field, want := range map[int]string{
		fieldCommand: `python3 train.py --name 'a b' '' "it's" 'it'\''s "x"'`,
		fieldParams:  `a='x y' m= z=1`,
		fieldGPUs:    `2,`,
	} {
		if got := msg.Values[field]; got != want {
			t.Errorf("%s field = %q, want %q", jobLabels[field], got, want)
		}
	}
}

// A wrong field says what is wrong and takes the focus; the form sends
// nothing.
func TestSubmitValidation(t *testing.T) {
	cases := []struct {
		command, params, gpus string
		field                 int
		want                  string
	}{
		{command: "", field: fieldCommand, want: "command: required"},
		{command: "   ", field: fieldCommand, want: "command: required"},
		{command: `python3 "train.py`, field: fieldCommand, want: `command: an unterminated " quote`},
		{command: `python3 'train.py`, field: fieldCommand, want: `command: an unterminated ' quote`},
		{command: "python3 train.py", params: "lr", field: fieldParams, want: `params: "lr" has no =; write name=value`},
		{command: "python3 train.py", params: "lr=1 epochs", field: fieldParams, want: `params: "epochs" has no =`},
		{command: "python3 train.py", params: "=3", field: fieldParams, want: `params: "=3" has no name`},
		{command: "python3 train.py", params: "a=1 a=2", field: fieldParams, want: `params: "a" is given twice`},
		{command: "python3 train.py", params: "msg='hi", field: fieldParams, want: `params: an unterminated ' quote`},
		{command: "python3 train.py", gpus: "x", field: fieldGPUs, want: `GPUs: "x" is not a count or a list of device ids`},
		{command: "python3 train.py", gpus: "-1", field: fieldGPUs, want: `GPUs: "-1" is not a count`},
		{command: "python3 train.py", gpus: "0,x", field: fieldGPUs, want: `GPUs: "0,x" is not a count`},
		{command: "python3 train.py", gpus: "1,1", field: fieldGPUs, want: `GPUs: GPU 1 is listed twice`},
		// The first fault found is the one shown.
		{command: `"`, params: "lr", gpus: "x", field: fieldCommand, want: "command: an unterminated"},
	}
	for _, c := range cases {
		f := jobFormFor(t, api.SubmitRequest{})
		jobType(f, c.command)
		jobPress(f, tea.KeyTab)
		jobPress(f, tea.KeyTab)
		jobPress(f, tea.KeyTab)
		jobType(f, c.params)
		jobPress(f, tea.KeyTab)
		jobType(f, c.gpus)
		jobPress(f, tea.KeyTab)
		jobPress(f, tea.KeyTab) // to the last field, where enter submits
		if msg := jobPress(f, tea.KeyEnter); msg != nil {
			t.Errorf("%+v: emitted %#v, want nothing", c, msg)
			continue
		}
		view := ansi.Strip(f.View())
		if !strings.Contains(view, c.want) {
			t.Errorf("%+v: the view does not show %q:\n%s", c, c.want, view)
		}
		if !strings.Contains(view, "› "+jobLabels[c.field]) {
			t.Errorf("%+v: the focus is not on the %s field:\n%s", c, jobLabels[c.field], view)
		}
	}
}

// The hint under the focused field explains its syntax.
func TestSubmitViewHint(t *testing.T) {
	f := jobFormFor(t, api.SubmitRequest{})
	jobPress(f, tea.KeyShiftTab) // the last field: the runner
	if view := ansi.Strip(f.View()); !strings.Contains(view, "slurm: sbatch, with the config's [slurm]") {
		t.Errorf("the runner's hint:\n%s", view)
	}
	jobPress(f, tea.KeyShiftTab) // the parser
	if view := ansi.Strip(f.View()); !strings.Contains(view, "auto: also Hugging Face, Keras") {
		t.Errorf("the parser's hint:\n%s", view)
	}
	jobPress(f, tea.KeyShiftTab) // GPUs
	view := ansi.Strip(f.View())
	for _, want := range []string{"2: any two GPUs (--gpus 2)", "0,1: GPUs 0 and 1 (--gpu-ids 0,1)", "3,: GPU 3 only", "empty: none"} {
		if !strings.Contains(view, want) {
			t.Errorf("GPUs hint lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "required ·") {
		t.Errorf("the command's hint shows while the GPUs field is focused:\n%s", view)
	}
	for _, want := range append([]string{"enter/ctrl+s start · tab next field · esc cancel", "Start a job"}, jobLabels[:]...) {
		if !strings.Contains(view, want) {
			t.Errorf("no %q in\n%s", want, view)
		}
	}
}
