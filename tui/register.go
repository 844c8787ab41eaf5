package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"lathe/engine/api"
	"lathe/tui/form"
	"lathe/tui/styles"
)

// The form that registers a run's artifact as a model's next version: the
// app's `lathe register RUN --model NAME --artifact PATH`.
const (
	fieldModel = iota
	fieldArtifact
	fieldDescription
	registerFields
)

// registerFormID names the register form in its messages (the job form's
// is "job").
const registerFormID = "register"

// defaultExperiment is the experiment of runs started without one, as the
// engine's default configuration names it: no model is named after it.
const defaultExperiment = "default"

// defaultModelName is the model a run is registered as unless the user
// says otherwise: its experiment's name, or the last model registered from
// the app.
func defaultModelName(r api.Run, last string) string {
	if r.Experiment != "" && r.Experiment != defaultExperiment {
		return r.Experiment
	}
	return last
}

// declaredArtifacts is the names of the artifacts a run declared, each
// once, the last declared last.
func declaredArtifacts(r api.Run) []string {
	var names []string
	for i := len(r.Artifacts) - 1; i >= 0; i-- {
		if n := r.Artifacts[i].Name; !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Reverse(names)
	return names
}

// newRegisterForm is the form that registers run as a version of a model,
// filled with model as the model's name and the run's last declared
// artifact.
func newRegisterForm(s styles.Styles, k form.KeyMap, run api.Run, model string) *form.Model {
	artifact, hint := "", "the run declared no artifact: give the absolute path of a file or folder"
	if names := declaredArtifacts(run); len(names) > 0 {
		artifact = names[len(names)-1]
		hint = "a name the run declared (" + strings.Join(names, ", ") + ") or an absolute path"
	}
	fields := []form.Field{
		fieldModel: {Label: "model", Value: model, Placeholder: "e.g. digits",
			Hint: "required · letters, digits, '_', '-' and '.'; a new name creates the model, a known one gets its next version",
			Check: func(v string) error {
				if strings.TrimSpace(v) == "" {
					return errors.New("required; name the model this run's artifact is a version of")
				}
				return nil
			}},
		fieldArtifact:    {Label: "artifact", Value: artifact, Hint: hint},
		fieldDescription: {Label: "description", Hint: "optional · one line: what this version is, what changed"},
	}
	return form.New(form.Config{ID: registerFormID, Title: fmt.Sprintf("Register %s as a model version", run.Name),
		Fields: fields, Pending: "registering (the artifact is copied)…"}, s, k)
}

// registerRequest is what a right register form asks of the engine.
func registerRequest(run string, values []string) (api.RegisterRequest, error) {
	if len(values) != registerFields {
		return api.RegisterRequest{}, fmt.Errorf("the form gave %d values, not %d", len(values), registerFields)
	}
	return api.RegisterRequest{Run: run, Model: strings.TrimSpace(values[fieldModel]),
		Artifact: strings.TrimSpace(values[fieldArtifact]), Description: strings.TrimSpace(values[fieldDescription])}, nil
}
