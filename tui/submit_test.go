package tui

import (
	"github.com/charmbracelet/bubbles/textinput"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine"
	"lathe/themes"
)

func submitTestStyles(t testing.TB) Styles {
	t.Helper()
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	return NewStyles(p)
}

// submitType types s into the focused field as a terminal sends it: a key a
// rune, the space bar as KeySpace.
func submitType(t *testing.T, f *submitForm, s string) {
	t.Helper()
	for _, r := range s {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		if r == ' ' {
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		}
		if cmd := f.Update(msg); cmd != nil {
			t.Fatalf("typing %q emitted %T", r, cmd())
		}
	}
}

func submitPress(f *submitForm, k tea.KeyType) tea.Msg {
	if cmd := f.Update(tea.KeyMsg{Type: k}); cmd != nil {
		return cmd()
	}
	return nil
}

func TestSubmitSplitCommand(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "", want: nil},
		{in: " \t ", want: nil},
		{in: "python3 train.py --lr 0.01", want: []string{"python3", "train.py", "--lr", "0.01"}},
		{in: "  a   b\tc  ", want: []string{"a", "b", "c"}},
		{in: `echo 'hello world'`, want: []string{"echo", "hello world"}},
		{in: `echo "hello  world"`, want: []string{"echo", "hello  world"}},
		{in: `echo "a \"b\" c"`, want: []string{"echo", `a "b" c`}},
		{in: `"C:\path\to" "\\" "\$HOME" "\x"`, want: []string{`C:\path\to`, `\`, `$HOME`, `\x`}},
		{in: `'a\b' 'say "hi"'`, want: []string{`a\b`, `say "hi"`}},
		{in: `a\ b \'q\' \\`, want: []string{"a b", "'q'", `\`}},
		{in: `a\ `, want: []string{"a "}},
		{in: `'it'\''s'`, want: []string{"it's"}},
		{in: `pre'mid dle'"post"`, want: []string{"premid dlepost"}},
		{in: `'' x ""`, want: []string{"", "x", ""}},
		{in: `$HOME *.py ~`, want: []string{"$HOME", "*.py", "~"}},
		{in: "日本 'ü x'", want: []string{"日本", "ü x"}},
		{in: `echo 'abc`, wantErr: `an unterminated ' quote`},
		{in: `echo "abc`, wantErr: `an unterminated " quote`},
		{in: `echo "abc\"`, wantErr: `an unterminated " quote`},
		{in: `echo abc\`, wantErr: `a \ at the end`},
	}
	for _, c := range cases {
		got, err := splitCommand(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("splitCommand(%q) = %q, %v; want an error with %q", c.in, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
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
	cases := []engine.SubmitRequest{
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
		f := newSubmitForm(submitTestStyles(t), want)
		msg := submitPress(f, tea.KeyCtrlS)
		got, ok := msg.(submitFormMsg)
		if !ok {
			t.Errorf("%q: submit emitted %#v; form error %q", want.Command, msg, f.err)
			continue
		}
		if !reflect.DeepEqual(got.req, want) {
			t.Errorf("round trip of %#v\n  command field %s\n  params field  %s\n  gave %#v", want,
				f.inputs[fieldCommand].Value(), f.inputs[fieldParams].Value(), got.req)
		}
	}
}

func TestSubmitPrefillText(t *testing.T) {
	f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{
		Command: []string{"python3", "train.py", "--name", "a b", "", "it's", `it's "x"`},
		Params:  map[string]string{"z": "1", "a": "x y", "m": ""},
		GPUIDs:  []int{2},
	})
	for field, want := range map[int]string{
		fieldCommand: `python3 train.py --name 'a b' '' "it's" 'it'\''s "x"'`,
		fieldParams:  `a='x y' m= z=1`,
		fieldGPUs:    `2,`,
	} {
		if got := f.inputs[field].Value(); got != want {
			t.Errorf("%s field = %q, want %q", submitLabels[field], got, want)
		}
	}
}

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
		f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{})
		submitType(t, f, c.command)
		submitPress(f, tea.KeyTab)
		submitPress(f, tea.KeyTab)
		submitPress(f, tea.KeyTab)
		submitType(t, f, c.params)
		submitPress(f, tea.KeyTab)
		submitType(t, f, c.gpus)
		if f.focus != fieldGPUs {
			t.Fatalf("focus after four tabs = %d, want the GPUs field", f.focus)
		}
		if msg := submitPress(f, tea.KeyEnter); msg != nil {
			t.Errorf("%+v: emitted %#v, want nothing", c, msg)
			continue
		}
		if !strings.HasPrefix(f.err, c.want) {
			t.Errorf("%+v: error %q, want it to start %q", c, f.err, c.want)
		}
		if f.focus != c.field || f.errAt != c.field {
			t.Errorf("%+v: focus %d, error at %d; want both %d", c, f.focus, f.errAt, c.field)
		}
		view := ansi.Strip(f.View(120, 38))
		if !strings.Contains(view, c.want) {
			t.Errorf("%+v: the view does not show %q:\n%s", c, c.want, view)
		}
	}
}

// Fixing the field clears the error and submits.
func TestSubmitFixAfterError(t *testing.T) {
	f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{Command: []string{"train"}})
	f.setFocus(fieldParams)
	submitType(t, f, "lr")
	if submitPress(f, tea.KeyCtrlS) != nil || f.err == "" || f.focus != fieldParams {
		t.Fatalf("bad params accepted: err %q, focus %d", f.err, f.focus)
	}
	submitType(t, f, "=0.1")
	msg, ok := submitPress(f, tea.KeyCtrlS).(submitFormMsg)
	if !ok {
		t.Fatalf("fixed form did not submit: %q", f.err)
	}
	if f.err != "" || f.errAt != -1 {
		t.Errorf("error left after a valid submit: %q at %d", f.err, f.errAt)
	}
	if want := map[string]string{"lr": "0.1"}; !reflect.DeepEqual(msg.req.Params, want) {
		t.Errorf("params %v, want %v", msg.req.Params, want)
	}
}

func TestSubmitEscCloses(t *testing.T) {
	for field := range submitFields {
		f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{Command: []string{"x"}})
		f.setFocus(field)
		if msg := submitPress(f, tea.KeyEsc); msg != (submitFormClosedMsg{}) {
			t.Errorf("esc on the %s field emitted %#v, want submitFormClosedMsg", submitLabels[field], msg)
		}
	}
}

func TestSubmitTyping(t *testing.T) {
	f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{})
	submitType(t, f, "python3 train.py")
	// Editing keys: ← twice, insert, backspace, home, delete, end.
	submitPress(f, tea.KeyLeft)
	submitPress(f, tea.KeyLeft)
	submitType(t, f, "X")
	submitPress(f, tea.KeyBackspace)
	submitPress(f, tea.KeyHome)
	submitType(t, f, "/usr/bin/")
	submitPress(f, tea.KeyEnd)
	submitType(t, f, " --epochs 3")
	// enter before the last field goes to the next one.
	if msg := submitPress(f, tea.KeyEnter); msg != nil || f.focus != fieldName {
		t.Fatalf("enter on the command field: %#v, focus %d", msg, f.focus)
	}
	submitType(t, f, "first try")
	f.Update(tea.KeyMsg{Type: tea.KeyBackspace, Alt: true}) // deletes "try"
	submitType(t, f, "run")
	submitPress(f, tea.KeyDown)
	submitType(t, f, "junk")
	submitPress(f, tea.KeyCtrlU)
	submitType(t, f, "digits")
	submitPress(f, tea.KeyTab)
	// A paste arrives as one message with every rune.
	f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("lr=0.01 note='two words'"), Paste: true})
	submitPress(f, tea.KeyShiftTab)
	submitPress(f, tea.KeyUp)
	if f.focus != fieldName {
		t.Fatalf("shift+tab and up from params: focus %d, want the name field", f.focus)
	}
	submitPress(f, tea.KeyShiftTab)
	submitPress(f, tea.KeyShiftTab) // wraps to the last field
	if f.focus != fieldGPUs {
		t.Fatalf("shift+tab from the first field: focus %d, want the GPUs field", f.focus)
	}
	submitType(t, f, "0,1")
	msg, ok := submitPress(f, tea.KeyEnter).(submitFormMsg)
	if !ok {
		t.Fatalf("enter on the last field did not submit; error %q", f.err)
	}
	want := engine.SubmitRequest{
		Name: "first run", Experiment: "digits",
		Command: []string{"/usr/bin/python3", "train.py", "--epochs", "3"},
		Params:  map[string]string{"lr": "0.01", "note": "two words"},
		GPUIDs:  []int{0, 1},
	}
	if !reflect.DeepEqual(msg.req, want) {
		t.Errorf("typed request\n got %#v\nwant %#v", msg.req, want)
	}
}

// After a submit the form waits for the engine's answer: a second enter
// sends nothing, and SetError shows a refusal and lets the user try again.
func TestSubmitPendingAndSetError(t *testing.T) {
	f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{Command: []string{"train"}, GPUs: 8})
	if _, ok := submitPress(f, tea.KeyCtrlS).(submitFormMsg); !ok {
		t.Fatal("valid form did not submit")
	}
	if !strings.Contains(ansi.Strip(f.View(80, 22)), "starting…") {
		t.Error("the view does not say the job is starting")
	}
	if msg := submitPress(f, tea.KeyCtrlS); msg != nil {
		t.Errorf("second submit while waiting emitted %#v", msg)
	}
	f.SetError("no GPU has 80 GiB")
	view := ansi.Strip(f.View(80, 22))
	if !strings.Contains(view, "no GPU has 80 GiB") || strings.Contains(view, "starting…") {
		t.Errorf("the view does not show the engine's refusal:\n%s", view)
	}
	if _, ok := submitPress(f, tea.KeyCtrlS).(submitFormMsg); !ok {
		t.Error("the form does not submit again after SetError")
	}
	if f.err != "" {
		t.Errorf("a new submit left the old error %q", f.err)
	}
}

func TestSubmitViewFits(t *testing.T) {
	long := strings.Repeat("very-long-argument ", 20)
	forms := map[string]func(*testing.T) *submitForm{
		"empty": func(t *testing.T) *submitForm { return newSubmitForm(submitTestStyles(t), engine.SubmitRequest{}) },
		"filled, GPUs focused": func(t *testing.T) *submitForm {
			f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{Name: "n", Experiment: "e",
				Command: strings.Fields("torchrun --nproc-per-node 2 train.py " + long + "日本語の引数"),
				Params:  map[string]string{"lr": "0.01", "note": long}, GPUIDs: []int{0, 1}})
			f.setFocus(fieldGPUs)
			return f
		},
		"long error, cursor mid-line": func(t *testing.T) *submitForm {
			f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{Command: []string{"日本語" + long}})
			for range 30 {
				submitPress(f, tea.KeyLeft)
			}
			f.SetError("the engine refused: " + long)
			return f
		},
	}
	for name, build := range forms {
		for _, size := range [][2]int{{80, 22}, {120, 38}, {80, 12}, {40, 6}} {
			w, h := size[0], size[1]
			view := build(t).View(w, h)
			lines := strings.Split(view, "\n")
			if len(lines) > h {
				t.Errorf("%s at %d×%d: %d lines", name, w, h, len(lines))
			}
			for i, l := range lines {
				if n := ansi.StringWidth(l); n > w {
					t.Errorf("%s at %d×%d: line %d is %d cells: %q", name, w, h, i, n, ansi.Strip(l))
				}
			}
			plain := ansi.Strip(view)
			if h >= 12 {
				for _, want := range append([]string{submitFooter}, submitLabels[:]...) {
					if !strings.Contains(plain, want) {
						t.Errorf("%s at %d×%d: no %q in\n%s", name, w, h, want, plain)
					}
				}
			}
			if h >= 22 && !strings.Contains(plain, "Start a job") {
				t.Errorf("%s at %d×%d: no title in\n%s", name, w, h, plain)
			}
		}
	}
}

// The hint under the focused field explains its syntax.
func TestSubmitViewHint(t *testing.T) {
	f := newSubmitForm(submitTestStyles(t), engine.SubmitRequest{})
	f.setFocus(fieldGPUs)
	view := ansi.Strip(f.View(120, 38))
	for _, want := range []string{"2: any two GPUs (--gpus 2)", "0,1: GPUs 0 and 1 (--gpu-ids 0,1)", "3,: GPU 3 only", "empty: none"} {
		if !strings.Contains(view, want) {
			t.Errorf("GPUs hint lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "required ·") {
		t.Errorf("the command's hint shows while the GPUs field is focused:\n%s", view)
	}
}

// Any argv written by joinCommand and read by splitCommand comes back the
// same, through the form's field too.
func TestSubmitQuoteProperty(t *testing.T) {
	alphabet := []rune(`ab Z09-_=.,/'"\$` + "`~#*?!;&|()<>{}[]üé日")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		argv := make([]string, 1+rng.IntN(4))
		for i := range argv {
			word := make([]rune, rng.IntN(6))
			for j := range word {
				word[j] = alphabet[rng.IntN(len(alphabet))]
			}
			argv[i] = string(word)
		}
		in := textinput.New()
		in.SetValue(joinCommand(argv))
		got, err := splitCommand(in.Value())
		if err != nil || !reflect.DeepEqual(got, argv) {
			t.Fatalf("%q written as %s reads back as %q, %v", argv, in.Value(), got, err)
		}
	}
}
