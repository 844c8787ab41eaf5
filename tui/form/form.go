package form

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/tui/format"
	"lathe/tui/styles"
)

// Field is one labelled line of a form.
type Field struct {
	Label string
	// Hint is shown, muted, under the field while it has the focus.
	Hint        string
	Placeholder string
	// Value is what the field holds at first.
	Value string
	// Check says what is wrong with a value, nil when it is right; a form
	// with a wrong field does not submit.
	Check func(value string) error
}

// Config is what a form is.
type Config struct {
	// ID names the form in its messages.
	ID     string
	Title  string
	Fields []Field
	// Pending is shown after a submit, until the answer comes (Close or
	// SetError).
	Pending string
}

// Model is a form of labelled text inputs: tab and the arrows go from
// field to field, enter on the last one (or ctrl+s on any) submits, esc
// leaves. It takes every key while it is open.
//
// A submit checks every field, in order: the first wrong one shows its
// error under the fields and gets the focus. A right form emits SubmitMsg
// and stays open, showing Pending and ignoring further submits until the
// caller either closes it (the request was taken) or calls SetError (it
// was refused).
type Model struct {
	cfg     Config
	styles  styles.Styles
	keys    KeyMap
	inputs  []textinput.Model
	width   int
	height  int
	labelW  int // the column before the inputs: a focus marker and the label
	focus   int
	err     string
	errAt   int  // the field the error is about, or -1
	pending bool // a submit was emitted and has no answer yet
}

// SubmitMsg carries the values of a right form, a field each, in order.
type SubmitMsg struct {
	ID     string
	Values []string
}

// ClosedMsg says the form was left without submitting.
type ClosedMsg struct{ ID string }

// New builds a form; the first field has the focus.
func New(cfg Config, s styles.Styles, k KeyMap) *Model {
	f := &Model{cfg: cfg, styles: s, keys: k, errAt: -1, inputs: make([]textinput.Model, len(cfg.Fields))}
	for i, fd := range cfg.Fields {
		in := textinput.New()
		in.Prompt = ""
		// A steady cursor: a blinking one would wake the app twice a second.
		in.Cursor.SetMode(cursor.CursorStatic)
		in.Placeholder = fd.Placeholder
		in.SetValue(fd.Value)
		f.inputs[i] = in
		f.labelW = max(f.labelW, ansi.StringWidth(fd.Label)+3) // "› " before, a blank after
	}
	if len(f.inputs) > 0 {
		f.setFocus(0)
	}
	return f
}

// SetError shows msg (the refusal of what was submitted, say) in the form,
// which stays open; the empty string clears it. It also ends the wait
// after a submit.
func (f *Model) SetError(msg string) {
	f.err, f.errAt, f.pending = msg, -1, false
}

func (f *Model) setFocus(i int) {
	f.inputs[f.focus].Blur()
	f.focus = (i + len(f.inputs)) % len(f.inputs)
	f.inputs[f.focus].Focus()
}

// SetSize sets the area the form is drawn in (at its top left).
func (f *Model) SetSize(w, h int) { f.width, f.height = w, h }

// Update takes a key; the form takes them all.
func (f *Model) Update(msg tea.Msg) (*Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok || len(f.inputs) == 0 {
		return f, nil
	}
	switch {
	case key.Matches(k, f.keys.Cancel):
		id := f.cfg.ID
		return f, func() tea.Msg { return ClosedMsg{id} }
	case key.Matches(k, f.keys.Next):
		f.setFocus(f.focus + 1)
		return f, nil
	case key.Matches(k, f.keys.Prev):
		f.setFocus(f.focus - 1)
		return f, nil
	case key.Matches(k, f.keys.Submit):
		// enter goes to the next field, and submits from the last one.
		if k.Type == tea.KeyEnter && f.focus < len(f.inputs)-1 {
			f.setFocus(f.focus + 1)
			return f, nil
		}
		return f, f.submit()
	}
	var cmd tea.Cmd
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	return f, cmd
}

// submit checks the fields: a right form emits its values, a wrong one
// shows what is wrong and focuses the field at fault.
func (f *Model) submit() tea.Cmd {
	if f.pending {
		return nil
	}
	values := make([]string, len(f.inputs))
	for i, in := range f.inputs {
		values[i] = in.Value()
		if check := f.cfg.Fields[i].Check; check != nil {
			if err := check(values[i]); err != nil {
				f.err, f.errAt = fmt.Sprintf("%s: %v", f.cfg.Fields[i].Label, err), i
				f.setFocus(i)
				return nil
			}
		}
	}
	f.err, f.errAt, f.pending = "", -1, true
	id := f.cfg.ID
	return func() tea.Msg { return SubmitMsg{ID: id, Values: values} }
}

// ShortHelp is the keys the form's last line names (help.KeyMap); a form
// of one field has no other field to go to.
func (f *Model) ShortHelp() []key.Binding {
	if len(f.inputs) < 2 {
		return []key.Binding{f.keys.Submit, f.keys.Cancel}
	}
	return []key.Binding{f.keys.Submit, f.keys.Next, f.keys.Cancel}
}

// FullHelp is every key of the form (help.KeyMap); the others type.
func (f *Model) FullHelp() [][]key.Binding {
	if len(f.inputs) < 2 {
		return [][]key.Binding{{f.keys.Submit}, {f.keys.Cancel}}
	}
	return [][]key.Binding{{f.keys.Submit}, {f.keys.Next, f.keys.Prev}, {f.keys.Cancel}}
}

// footer is the form's last line: its keys.
func (f *Model) footer() string {
	bs := f.ShortHelp()
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.Help().Key + " " + b.Help().Desc
	}
	return strings.Join(parts, " · ")
}

// View draws the form as a box of at most 110 cells, at the top left of
// its area; when the area is short, blank lines, the title and the hint go
// before the fields and the footer do.
func (f *Model) View() string {
	s, width, height := f.styles, f.width, f.height
	if height < 1 {
		return ""
	}
	boxW := min(width, 110)
	inner := boxW - 4 // the border and a cell of padding each side
	if inner < f.labelW+4 || height < 3 {
		return format.Fit(s.Title.Render(f.cfg.Title)+" "+s.Muted.Render("(make the terminal larger)"), width)
	}

	type line struct {
		text string
		drop int // lines with the highest value go first when room is short; 0 stays
	}
	var lines []line
	add := func(text string, drop int) { lines = append(lines, line{format.Fit(text, inner), drop}) }
	add(s.Title.Render(f.cfg.Title), 3)
	add("", 4)
	for i := range f.inputs {
		marker, label := "  ", s.Text
		if i == f.focus {
			marker, label = "› ", s.Accent
		}
		if i == f.errAt {
			label = s.Error
		}
		f.inputs[i].Width = inner - f.labelW - 1 // the cursor's cell
		add(label.Render(format.Pad(marker+f.cfg.Fields[i].Label, f.labelW))+f.inputs[i].View(), 0)
		if i == f.focus {
			for j, h := range wrapCut(f.cfg.Fields[i].Hint, inner-f.labelW, 2) {
				add(strings.Repeat(" ", f.labelW)+s.Muted.Render(h), 2+j)
			}
		}
	}
	add("", 4)
	switch {
	case f.err != "":
		for j, e := range wrapCut(f.err, inner, 2) {
			add(s.Error.Render(e), 1+j)
		}
	case f.pending:
		add(s.Muted.Render(f.cfg.Pending), 1)
	default:
		add("", 5)
	}
	add("", 4)
	add(s.Footer.Render(f.footer()), 0)

	room := height - 2
	for worst := 5; len(lines) > room && worst > 0; worst-- {
		lines = slices.DeleteFunc(lines, func(l line) bool { return l.drop == worst })
	}
	if len(lines) > room {
		lines = lines[:room]
	}
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	return s.Box.Width(boxW - 2).Render(strings.Join(texts, "\n"))
}

// wrapCut wraps s to lines of w cells, at most n of them (the last one cut).
func wrapCut(s string, w, n int) []string {
	if s == "" {
		return nil
	}
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	if len(lines) > n {
		lines = append(lines[:n-1], format.Fit(strings.Join(lines[n-1:], " "), w))
	}
	return lines
}
