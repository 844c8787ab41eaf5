package form

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/themes"
	"lathe/tui/styles"
)

// testForm is a form of three fields: a required command, a name, and a
// number that must be digits.
func testForm(t testing.TB, values ...string) *Model {
	t.Helper()
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	fields := []Field{
		{Label: "command", Hint: "required · the program and its arguments", Placeholder: "e.g. python3 train.py",
			Check: func(v string) error {
				if strings.TrimSpace(v) == "" {
					return errors.New("required")
				}
				return nil
			}},
		{Label: "name", Hint: "optional"},
		{Label: "count", Hint: "digits only", Check: func(v string) error {
			if strings.Trim(v, "0123456789") != "" {
				return errors.New(v + " is not a number")
			}
			return nil
		}},
	}
	for i, v := range values {
		fields[i].Value = v
	}
	f := New(Config{ID: "test", Title: "Start a job", Fields: fields, Pending: "starting…"}, styles.New(p), DefaultKeyMap())
	f.SetSize(120, 38)
	return f
}

// typeIn types s into the focused field as a terminal sends it: a key a
// rune, the space bar as KeySpace.
func typeIn(t *testing.T, f *Model, s string) {
	t.Helper()
	for _, r := range s {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		if r == ' ' {
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		}
		if _, cmd := f.Update(msg); cmd != nil {
			t.Fatalf("typing %q emitted %T", r, cmd())
		}
	}
}

func press(f *Model, k tea.KeyType) tea.Msg {
	if _, cmd := f.Update(tea.KeyMsg{Type: k}); cmd != nil {
		return cmd()
	}
	return nil
}

func TestFormTyping(t *testing.T) {
	f := testForm(t)
	typeIn(t, f, "python3 train.py")
	// Editing keys: ← twice, insert, backspace, home, delete, end.
	press(f, tea.KeyLeft)
	press(f, tea.KeyLeft)
	typeIn(t, f, "X")
	press(f, tea.KeyBackspace)
	press(f, tea.KeyHome)
	typeIn(t, f, "/usr/bin/")
	press(f, tea.KeyEnd)
	typeIn(t, f, " --epochs 3")
	// enter before the last field goes to the next one.
	if msg := press(f, tea.KeyEnter); msg != nil || f.focus != 1 {
		t.Fatalf("enter on the first field: %#v, focus %d", msg, f.focus)
	}
	typeIn(t, f, "first try")
	f.Update(tea.KeyMsg{Type: tea.KeyBackspace, Alt: true}) // deletes "try"
	typeIn(t, f, "run")
	press(f, tea.KeyDown)
	typeIn(t, f, "junk")
	press(f, tea.KeyCtrlU)
	// A paste arrives as one message with every rune.
	f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("12"), Paste: true})
	press(f, tea.KeyShiftTab)
	press(f, tea.KeyUp)
	if f.focus != 0 {
		t.Fatalf("shift+tab and up from the last field: focus %d, want the first", f.focus)
	}
	press(f, tea.KeyShiftTab) // wraps to the last field
	if f.focus != 2 {
		t.Fatalf("shift+tab from the first field: focus %d, want the last", f.focus)
	}
	typeIn(t, f, "3")
	msg, ok := press(f, tea.KeyEnter).(SubmitMsg)
	if !ok {
		t.Fatalf("enter on the last field did not submit; error %q", f.err)
	}
	if want := (SubmitMsg{ID: "test", Values: []string{"/usr/bin/python3 train.py --epochs 3", "first run", "123"}}); !reflect.DeepEqual(msg, want) {
		t.Errorf("typed %#v\nwant %#v", msg, want)
	}
}

// A wrong field shows its label and error, and takes the focus; fixing it
// clears the error and submits.
func TestFormCheckAndFix(t *testing.T) {
	f := testForm(t, "train", "", "x")
	if press(f, tea.KeyCtrlS) != nil || f.err != "count: x is not a number" || f.focus != 2 || f.errAt != 2 {
		t.Fatalf("a wrong field was accepted: err %q, focus %d, at %d", f.err, f.focus, f.errAt)
	}
	if view := ansi.Strip(f.View()); !strings.Contains(view, "count: x is not a number") {
		t.Errorf("the error does not show:\n%s", view)
	}
	press(f, tea.KeyBackspace)
	typeIn(t, f, "7")
	msg, ok := press(f, tea.KeyCtrlS).(SubmitMsg)
	if !ok {
		t.Fatalf("the fixed form did not submit: %q", f.err)
	}
	if f.err != "" || f.errAt != -1 || msg.Values[2] != "7" {
		t.Errorf("after a right submit: error %q at %d, values %q", f.err, f.errAt, msg.Values)
	}
	// The first wrong field is the one shown.
	f = testForm(t, "", "", "x")
	if press(f, tea.KeyCtrlS); f.err != "command: required" || f.focus != 0 {
		t.Errorf("two wrong fields: %q, focus %d", f.err, f.focus)
	}
}

func TestFormEscCloses(t *testing.T) {
	for field := range 3 {
		f := testForm(t, "x")
		f.setFocus(field)
		if msg := press(f, tea.KeyEsc); msg != (ClosedMsg{ID: "test"}) {
			t.Errorf("esc on field %d emitted %#v, want ClosedMsg", field, msg)
		}
	}
}

// After a submit the form waits for the answer: a second enter sends
// nothing, and SetError shows a refusal and lets the user try again.
func TestFormPendingAndSetError(t *testing.T) {
	f := testForm(t, "train")
	f.SetSize(80, 22)
	if _, ok := press(f, tea.KeyCtrlS).(SubmitMsg); !ok {
		t.Fatal("a right form did not submit")
	}
	if !strings.Contains(ansi.Strip(f.View()), "starting…") {
		t.Error("the view does not say it waits")
	}
	if msg := press(f, tea.KeyCtrlS); msg != nil {
		t.Errorf("a second submit while waiting emitted %#v", msg)
	}
	f.SetError("no GPU has 80 GiB")
	view := ansi.Strip(f.View())
	if !strings.Contains(view, "no GPU has 80 GiB") || strings.Contains(view, "starting…") {
		t.Errorf("the view does not show the refusal:\n%s", view)
	}
	if _, ok := press(f, tea.KeyCtrlS).(SubmitMsg); !ok {
		t.Error("the form does not submit again after SetError")
	}
	if f.err != "" {
		t.Errorf("a new submit left the old error %q", f.err)
	}
}

func TestFormViewFits(t *testing.T) {
	long := strings.Repeat("very-long-argument ", 20)
	forms := map[string]func(*testing.T) *Model{
		"empty": func(t *testing.T) *Model { return testForm(t) },
		"filled, last focused": func(t *testing.T) *Model {
			f := testForm(t, "torchrun --nproc-per-node 2 train.py "+long+"日本語の引数", long, "12")
			f.setFocus(2)
			return f
		},
		"long error, cursor mid-line": func(t *testing.T) *Model {
			f := testForm(t, "日本語"+long)
			for range 30 {
				press(f, tea.KeyLeft)
			}
			f.SetError("the engine refused: " + long)
			return f
		},
	}
	for name, build := range forms {
		for _, size := range [][2]int{{80, 22}, {120, 38}, {80, 12}, {40, 6}} {
			w, h := size[0], size[1]
			f := build(t)
			f.SetSize(w, h)
			view := f.View()
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
				for _, want := range []string{"enter/ctrl+s submit · tab next field · esc cancel", "command", "name", "count"} {
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

// The hint under the focused field, and only its.
func TestFormHint(t *testing.T) {
	f := testForm(t)
	f.setFocus(2)
	view := ansi.Strip(f.View())
	if !strings.Contains(view, "digits only") || strings.Contains(view, "required ·") {
		t.Errorf("hints:\n%s", view)
	}
}

// A form of one field lists no keys to go to another.
func TestFormOneFieldHelp(t *testing.T) {
	p, err := themes.Load("dark")
	if err != nil {
		t.Fatal(err)
	}
	f := New(Config{ID: "one", Title: "A comment", Fields: []Field{{Label: "comment"}}}, styles.New(p), DefaultKeyMap())
	k := DefaultKeyMap()
	if got, want := f.FullHelp(), [][]key.Binding{{k.Submit}, {k.Cancel}}; !reflect.DeepEqual(got, want) {
		t.Errorf("full help %v, want %v", got, want)
	}
	if got := f.ShortHelp(); len(got) != 2 {
		t.Errorf("short help %v", got)
	}
	if got := testForm(t).FullHelp(); len(got) != 3 {
		t.Errorf("three fields: %v", got)
	}
}
