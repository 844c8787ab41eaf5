package tui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"lathe/engine"
)

// submitForm is the form that starts a job: the app's `lathe run`. It fills
// the same engine.SubmitRequest from five fields (command, name, experiment,
// params, GPUs) and captures every key while it is open.
//
// A valid form emits submitFormMsg and stays open, showing "starting…" and
// ignoring further submits until the integrator either closes it (the engine
// took the job) or calls SetError (the engine refused it).
type submitForm struct {
	styles  Styles
	inputs  [submitFields]textinput.Model
	focus   int
	err     string
	errAt   int  // the field the error is about, or -1
	pending bool // a request was emitted and has no answer yet
}

// submitFormMsg carries a valid request. Only Name, Experiment, Command,
// Params, GPUs and GPUIDs are set: the receiver adds Cwd and Env.
type submitFormMsg struct{ req engine.SubmitRequest }

// submitFormClosedMsg says the form was left without submitting (esc).
type submitFormClosedMsg struct{}

// The form's fields, in order.
const (
	fieldCommand = iota
	fieldName
	fieldExperiment
	fieldParams
	fieldGPUs
	submitFields
)

var submitLabels = [submitFields]string{"command", "name", "experiment", "params", "GPUs"}

// submitHints are shown, muted, under the focused field.
var submitHints = [submitFields]string{
	`required · as in a shell, without $VARS or globs: blanks separate, '…' "…" group, \ escapes`,
	`optional · default: the script's name and a number`,
	`optional · default from the config ("default"); created on first use`,
	`optional · name=value pairs, as lr=0.01 epochs=5; quote a value with spaces: msg='a b'`,
	`2: any two GPUs (--gpus 2) · 0,1: GPUs 0 and 1 (--gpu-ids 0,1) · 3,: GPU 3 only · empty: none`,
}

const submitFooter = "enter/ctrl+s start · tab next field · esc cancel"

// submitLabelWidth is the width of the column before the inputs: a focus marker
// and the label.
const submitLabelWidth = 13

// newSubmitForm builds the form, filled from prefill (the zero request for an
// empty form; an old run's spec to run it again).
func newSubmitForm(s Styles, prefill engine.SubmitRequest) *submitForm {
	f := &submitForm{styles: s, errAt: -1}
	values := [submitFields]string{
		fieldCommand:    joinCommand(prefill.Command),
		fieldName:       prefill.Name,
		fieldExperiment: prefill.Experiment,
		fieldParams:     joinParams(prefill.Params),
		fieldGPUs:       formatGPUs(prefill.GPUs, prefill.GPUIDs),
	}
	for i := range f.inputs {
		in := textinput.New()
		in.Prompt = ""
		// A steady cursor: a blinking one would wake the app twice a second.
		in.Cursor.SetMode(cursor.CursorStatic)
		in.SetValue(values[i])
		f.inputs[i] = in
	}
	f.inputs[fieldCommand].Placeholder = "e.g. python3 train.py --lr 0.01"
	f.setFocus(fieldCommand)
	return f
}

// SetError shows msg (the engine's refusal, say) in the form, which stays
// open; the empty string clears it. It also ends the wait after a submit.
func (f *submitForm) SetError(msg string) {
	f.err, f.errAt, f.pending = msg, -1, false
}

func (f *submitForm) setFocus(i int) {
	f.inputs[f.focus].Blur()
	f.focus = (i + submitFields) % submitFields
	f.inputs[f.focus].Focus()
}

// Update handles a key; the form takes them all.
func (f *submitForm) Update(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		return func() tea.Msg { return submitFormClosedMsg{} }
	case tea.KeyTab, tea.KeyDown:
		f.setFocus(f.focus + 1)
		return nil
	case tea.KeyShiftTab, tea.KeyUp:
		f.setFocus(f.focus - 1)
		return nil
	case tea.KeyEnter:
		if f.focus < submitFields-1 {
			f.setFocus(f.focus + 1)
			return nil
		}
		return f.submit()
	case tea.KeyCtrlS:
		return f.submit()
	}
	var cmd tea.Cmd
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	return cmd
}

// submit checks the fields: a valid form emits its request, an invalid one
// shows what is wrong and focuses the field at fault.
func (f *submitForm) submit() tea.Cmd {
	if f.pending {
		return nil
	}
	req, at, err := f.request()
	if err != nil {
		f.err, f.errAt = err.Error(), at
		f.setFocus(at)
		return nil
	}
	f.err, f.errAt, f.pending = "", -1, true
	return func() tea.Msg { return submitFormMsg{req: req} }
}

// request reads the fields; on an error it says which field is wrong.
func (f *submitForm) request() (engine.SubmitRequest, int, error) {
	var req engine.SubmitRequest
	v := func(i int) string { return strings.TrimSpace(f.inputs[i].Value()) }
	argv, err := splitCommand(f.inputs[fieldCommand].Value()) // `a\ ` ends in an escaped blank
	switch {
	case err != nil:
		return req, fieldCommand, fmt.Errorf("command: %v", err)
	case len(argv) == 0:
		return req, fieldCommand, errors.New("command: required; type the program and its arguments, as python3 train.py")
	}
	req.Command = argv
	req.Name = v(fieldName)
	req.Experiment = v(fieldExperiment)
	if req.Params, err = parseParams(f.inputs[fieldParams].Value()); err != nil {
		return req, fieldParams, fmt.Errorf("params: %v", err)
	}
	if req.GPUs, req.GPUIDs, err = parseGPUs(v(fieldGPUs)); err != nil {
		return req, fieldGPUs, fmt.Errorf("GPUs: %v", err)
	}
	return req, -1, nil
}

// View draws the form as a box of at most 110 cells, at the top left of a
// body of width×height cells; when the body is short, blank lines, the
// title and the hint go before the fields and the footer do.
func (f *submitForm) View(width, height int) string {
	s := f.styles
	if height < 1 {
		return ""
	}
	boxW := min(width, 110)
	inner := boxW - 4 // the border and a cell of padding each side
	if inner < submitLabelWidth+4 || height < 3 {
		return fitWidth(s.Title.Render("Start a job")+" "+s.Muted.Render("(make the terminal larger)"), width)
	}

	type line struct {
		text string
		drop int // lines with the highest value go first when room is short; 0 stays
	}
	var lines []line
	add := func(text string, drop int) { lines = append(lines, line{fitWidth(text, inner), drop}) }
	add(s.Title.Render("Start a job"), 3)
	add("", 4)
	for i := range f.inputs {
		marker, label := "  ", s.Text
		if i == f.focus {
			marker, label = "› ", s.Accent
		}
		if i == f.errAt {
			label = s.Error
		}
		f.inputs[i].Width = inner - submitLabelWidth - 1 // the cursor's cell
		add(label.Render(padRight(marker+submitLabels[i], submitLabelWidth))+f.inputs[i].View(), 0)
		if i == f.focus {
			for j, h := range wrapCut(submitHints[i], inner-submitLabelWidth, 2) {
				add(strings.Repeat(" ", submitLabelWidth)+s.Muted.Render(h), 2+j)
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
		add(s.Muted.Render("starting…"), 1)
	default:
		add("", 5)
	}
	add("", 4)
	add(s.Footer.Render(submitFooter), 0)

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
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	if len(lines) > n {
		lines = append(lines[:n-1], fitWidth(strings.Join(lines[n-1:], " "), w))
	}
	return lines
}

// splitCommand splits a command line as a POSIX shell would, without any
// expansion: blanks separate words, '…' keeps everything inside as it is,
// "…" too except that \ escapes " \ $ and `, and \ outside quotes escapes
// any character. Quotes with nothing inside make an empty word.
func splitCommand(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // in a word (which may be empty: '')
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case ' ', '\t', '\n', '\r':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case '\\':
			if i+1 == len(rs) {
				return nil, errors.New(`a \ at the end escapes nothing; write \\ for a backslash`)
			}
			i++
			cur.WriteRune(rs[i])
			in = true
		case '\'':
			end := slices.Index(rs[i+1:], '\'')
			if end < 0 {
				return nil, errors.New(`an unterminated ' quote; close it, or write \' for a quote`)
			}
			cur.WriteString(string(rs[i+1 : i+1+end]))
			i += 1 + end
			in = true
		case '"':
			closed := false
			for i++; i < len(rs); i++ {
				if rs[i] == '"' {
					closed = true
					break
				}
				if rs[i] == '\\' && i+1 < len(rs) && strings.ContainsRune("\"\\$`", rs[i+1]) {
					i++
				}
				cur.WriteRune(rs[i])
			}
			if !closed {
				return nil, errors.New(`an unterminated " quote; close it, or write \" for a quote`)
			}
			in = true
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// quoteArg writes a word so that splitCommand reads it back: as it is when
// it is plain, else in quotes.
func quoteArg(s string) string {
	if s == "" {
		return "''"
	}
	plain := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%^", r))
	}) < 0
	switch {
	case plain:
		return s
	case strings.Contains(s, "'") && !strings.ContainsAny(s, "\"\\$`"):
		return `"` + s + `"` // it's reads better as "it's" than as 'it'\''s'
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// joinCommand writes an argv as a command line splitCommand reads back.
func joinCommand(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = quoteArg(a)
	}
	return strings.Join(words, " ")
}

// parseParams reads `k=v k=v`, quoted as a command line is.
func parseParams(s string) (map[string]string, error) {
	items, err := splitCommand(s)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(items))
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("%q has no =; write name=value", it)
		case k == "":
			return nil, fmt.Errorf("%q has no name; write name=value", it)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%q is given twice; keep one", k)
		}
		out[k] = v
	}
	return out, nil
}

// joinParams writes params as `k=v` items sorted by name.
func joinParams(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	items := make([]string, len(keys))
	for i, k := range keys {
		items[i] = quoteArg(k) + "="
		if v := params[k]; v != "" {
			items[i] += quoteArg(v)
		}
	}
	return strings.Join(items, " ")
}

// parseGPUs reads the GPUs field: empty for none, a count (`2`, as
// `lathe run --gpus 2`), or device ids with at least one comma (`0,1`, as
// `--gpu-ids 0,1`; one device is `3,`).
func parseGPUs(s string) (count int, ids []int, err error) {
	bad := fmt.Errorf("%q is not a count or a list of device ids; write 2 for any two GPUs, 0,1 for those two", s)
	if s == "" {
		return 0, nil, nil
	}
	if !strings.Contains(s, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, nil, bad
		}
		return n, nil, nil
	}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		id, err := strconv.Atoi(p)
		if err != nil || id < 0 {
			return 0, nil, bad
		}
		if slices.Contains(ids, id) {
			return 0, nil, fmt.Errorf("GPU %d is listed twice; give each device once", id)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return 0, nil, bad
	}
	return 0, ids, nil
}

// formatGPUs writes a request's GPUs as parseGPUs reads them; ids win over a
// count (the engine refuses a request whose two disagree).
func formatGPUs(count int, ids []int) string {
	switch {
	case len(ids) == 1:
		return strconv.Itoa(ids[0]) + ","
	case len(ids) > 1:
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.Itoa(id)
		}
		return strings.Join(parts, ",")
	case count > 0:
		return strconv.Itoa(count)
	}
	return ""
}
