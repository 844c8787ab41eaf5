package tui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"lathe/engine/api"
	"lathe/tui/form"
	"lathe/tui/format"
	"lathe/tui/styles"
)

// The job form's fields, in order: the app's `lathe run`. It fills the
// same api.SubmitRequest from them.
const (
	fieldCommand = iota
	fieldName
	fieldExperiment
	fieldParams
	fieldGPUs
	fieldParse
	fieldRunner
	jobFields
)

var jobLabels = [jobFields]string{"command", "name", "experiment", "params", "GPUs", "parse", "runner"}

// jobHints are shown, muted, under the focused field.
var jobHints = [jobFields]string{
	`required · as in a shell, without $VARS or globs: blanks separate, '…' "…" group, \ escapes`,
	`optional · default: the script's name and a number`,
	`optional · default from the config ("default"); created on first use`,
	`optional · name=value pairs, as lr=0.01 epochs=5; quote a value with spaces: msg='a b'`,
	`2: any two GPUs (--gpus 2) · 0,1: GPUs 0 and 1 (--gpu-ids 0,1) · 3,: GPU 3 only · empty: none`,
	`metrics from stdout too (--parse) · kv: name=value · auto: also Hugging Face, Keras and name: value lines · empty: JSON metric lines only`,
	`what runs it (--runner) · local: this machine · slurm: sbatch, with the config's [slurm] · empty: the config's default`,
}

// newJobForm is the form that starts a job, filled from prefill (the zero
// request for an empty form; an old run's spec to run it again). Each
// field checks its value as the request reads it.
func newJobForm(s styles.Styles, k form.KeyMap, prefill api.SubmitRequest) *form.Model {
	values := [jobFields]string{
		fieldCommand:    format.Command(prefill.Command),
		fieldName:       prefill.Name,
		fieldExperiment: prefill.Experiment,
		fieldParams:     joinParams(prefill.Params),
		fieldGPUs:       formatGPUs(prefill.GPUs, prefill.GPUIDs),
		fieldParse:      prefill.Parse,
		fieldRunner:     prefill.Runner,
	}
	checks := [jobFields]func(string) error{
		fieldCommand: func(v string) error { _, err := parseCommand(v); return err },
		fieldParams:  func(v string) error { _, err := parseParams(v); return err },
		fieldGPUs:    func(v string) error { _, _, err := parseGPUs(strings.TrimSpace(v)); return err },
	}
	fields := make([]form.Field, jobFields)
	for i := range fields {
		fields[i] = form.Field{Label: jobLabels[i], Hint: jobHints[i], Value: values[i], Check: checks[i]}
	}
	fields[fieldCommand].Placeholder = "e.g. python3 train.py --lr 0.01"
	return form.New(form.Config{ID: "job", Title: "Start a job", Fields: fields, Pending: "starting…"}, s, k)
}

// jobRequest is the request a right form's values make, on base: what the
// form does not show (tags, priority, the working directory) comes from
// base. Only Name, Experiment, Command, Params, GPUs, GPUIDs, Parse and Runner are read;
// the caller adds Cwd and Env.
func jobRequest(base api.SubmitRequest, values []string) (api.SubmitRequest, error) {
	req := base
	if len(values) != jobFields {
		return req, fmt.Errorf("the form gave %d values, not %d", len(values), jobFields)
	}
	var err error
	if req.Command, err = parseCommand(values[fieldCommand]); err != nil {
		return req, fmt.Errorf("command: %w", err)
	}
	req.Name = strings.TrimSpace(values[fieldName])
	req.Experiment = strings.TrimSpace(values[fieldExperiment])
	if req.Params, err = parseParams(values[fieldParams]); err != nil {
		return req, fmt.Errorf("params: %w", err)
	}
	if req.GPUs, req.GPUIDs, err = parseGPUs(strings.TrimSpace(values[fieldGPUs])); err != nil {
		return req, fmt.Errorf("GPUs: %w", err)
	}
	// The engine checks the parser's and the runner's names, and says
	// which there are.
	req.Parse = strings.TrimSpace(values[fieldParse])
	req.Runner = strings.TrimSpace(values[fieldRunner])
	return req, nil
}

// parseCommand reads a command line as a shell would split it (`a\ ` ends
// in an escaped blank, so the value is not trimmed).
func parseCommand(s string) ([]string, error) {
	argv, err := format.SplitCommand(s)
	switch {
	case err != nil:
		return nil, err
	case len(argv) == 0:
		return nil, errors.New("required; type the program and its arguments, as python3 train.py")
	}
	return argv, nil
}

// parseParams reads `k=v k=v`, quoted as a command line is.
func parseParams(s string) (map[string]string, error) {
	items, err := format.SplitCommand(s)
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
		items[i] = format.Quote(k) + "="
		if v := params[k]; v != "" {
			items[i] += format.Quote(v)
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
