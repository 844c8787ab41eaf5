package sweep

import (
	"reflect"
	"strings"
	"testing"
)

// example is the sweep file as the documentation shows it.
const example = `name = "digits-lr"
experiment = "digits"
command = ["python3", "train_digits.py", "--lr", "{lr}", "--hidden", "{hidden}"]
metric = "val_acc"            # what the sweep optimises
direction = "max"
method = "tpe"                # grid | random | tpe
trials = 40                   # at most; grid: all combinations unless fewer
parallel = 4                  # at most this many at once
gpus = 1                      # per trial
seed = 7
[params]
lr = { distribution = "log_uniform", min = 1e-4, max = 1e-1 }
hidden = { values = [64, 128, 256] }
dropout = { distribution = "uniform", min = 0.0, max = 0.5 }
[early_stop]                  # optional: asynchronous successive halving
method = "asha"
min_steps = 2                 # the first rung, in the trial's steps
reduction = 3                 # keep the top 1/3 at each rung
`

func TestParseExample(t *testing.T) {
	got, err := Parse("digits.toml", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	want := Spec{
		Name:       "digits-lr",
		Experiment: "digits",
		Command:    []string{"python3", "train_digits.py", "--lr", "{lr}", "--hidden", "{hidden}"},
		Metric:     "val_acc",
		Direction:  "max",
		Method:     "tpe",
		Trials:     40,
		Parallel:   4,
		GPUs:       1,
		Seed:       7,
		Params: []Param{
			{Name: "dropout", Distribution: "uniform", Min: 0, Max: 0.5},
			{Name: "hidden", Distribution: "categorical", Values: []string{"64", "128", "256"}},
			{Name: "lr", Distribution: "log_uniform", Min: 1e-4, Max: 1e-1},
		},
		EarlyStop: &EarlyStop{Method: "asha", MinSteps: 2, Reduction: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if !got.Maximize() {
		t.Error("direction max does not maximize")
	}
	if n := got.Combinations(); n != 0 {
		t.Errorf("Combinations = %d with continuous params, want 0", n)
	}
}

// minimal is the least a sweep file needs; cases below change one thing.
const minimal = `command = ["python3", "train.py", "--lr", "{lr}"]
metric = "val_loss"
direction = "min"
trials = 10
`

const lr = `lr = { distribution = "log_uniform", min = 1e-4, max = 1e-1 }` + "\n"

func TestParseDefaults(t *testing.T) {
	got, err := Parse("sweeps/lr-search.toml", []byte(minimal+"[params]\n"+lr))
	if err != nil {
		t.Fatal(err)
	}
	want := Spec{
		Name:      "lr-search",
		Command:   []string{"python3", "train.py", "--lr", "{lr}"},
		Metric:    "val_loss",
		Direction: "min",
		Method:    "tpe",
		Trials:    10,
		Parallel:  1,
		Params:    []Param{{Name: "lr", Distribution: "log_uniform", Min: 1e-4, Max: 1e-1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseGood(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		check func(t *testing.T, s Spec)
	}{
		{
			name: "values become the command's text",
			file: minimal + "[params]\n" + lr + `v = { values = [64, 0.5, 1e-3, 2.0, "relu", true, false, -3] }` + "\n",
			check: func(t *testing.T, s Spec) {
				want := []string{"64", "0.5", "0.001", "2", "relu", "true", "false", "-3"}
				if got := s.Params[1].Values; !reflect.DeepEqual(got, want) {
					t.Errorf("values = %q, want %q", got, want)
				}
			},
		},
		{
			name: "distribution categorical with values is the same as values alone",
			file: minimal + "[params]\n" + lr + `act = { distribution = "categorical", values = ["relu", "gelu"] }` + "\n",
			check: func(t *testing.T, s Spec) {
				want := Param{Name: "act", Distribution: "categorical", Values: []string{"relu", "gelu"}}
				if !reflect.DeepEqual(s.Params[0], want) {
					t.Errorf("got %+v, want %+v", s.Params[0], want)
				}
			},
		},
		{
			name: "a grid without trials runs every combination",
			file: strings.Replace(minimal, "trials = 10\n", `method = "grid"`+"\n", 1) +
				"[params]\nlr = { values = [0.1, 0.01] }\nlayers = { distribution = \"int\", min = 1, max = 3 }\n",
			check: func(t *testing.T, s Spec) {
				if s.Trials != 0 || s.Combinations() != 6 {
					t.Errorf("Trials = %d, Combinations = %d; want 0 and 6", s.Trials, s.Combinations())
				}
			},
		},
		{
			name: "other braces are the command's own",
			file: `command = ["python3", "train.py", "--cfg", "{\"lr\": {lr}, \"x\": {1}}", "{}", "{9lives}"]
metric = "m"
direction = "max"
trials = 5
[params]
` + lr,
			check: func(t *testing.T, s Spec) {
				got := s.CommandFor(map[string]string{"lr": "0.01"})
				want := []string{"python3", "train.py", "--cfg", `{"lr": 0.01, "x": {1}}`, "{}", "{9lives}"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("CommandFor = %q, want %q", got, want)
				}
			},
		},
		{
			name: "early stopping's reduction defaults to 3",
			file: minimal + "[params]\n" + lr + "[early_stop]\nmin_steps = 5\n",
			check: func(t *testing.T, s Spec) {
				if want := (EarlyStop{Method: "asha", MinSteps: 5, Reduction: 3}); s.EarlyStop == nil || *s.EarlyStop != want {
					t.Errorf("EarlyStop = %+v, want %+v", s.EarlyStop, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("s.toml", []byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}

func TestParseBad(t *testing.T) {
	grid := strings.Replace(minimal, "trials = 10\n", `method = "grid"`+"\n", 1)
	tests := []struct {
		name   string
		file   string
		errors []string // each line, without the leading "s.toml: "
	}{
		{"syntax", minimal + "[params\n", []string{`line 6: expected '.' or ']' to end table name, but got '\n' instead`}},
		{"unknown key", minimal + "budget = 3\n[params]\n" + lr,
			[]string{"budget: unknown key (a sweep file has name, experiment, command, metric, direction, method, trials, parallel, gpus, seed, [params] and [early_stop])"}},
		{"a key in the wrong case", minimal + "Parallel = 3\n[params]\n" + lr,
			[]string{"Parallel: unknown key (a sweep file has name, experiment, command, metric, direction, method, trials, parallel, gpus, seed, [params] and [early_stop]): did you mean parallel?"}},
		{"unknown param key", minimal + "[params]\nlr = { distribution = \"log_uniform\", min = 1e-4, max = 1e-1, mean = 0.01 }\n",
			[]string{"params.lr.mean: unknown key (a param has distribution, min, max or values)"}},
		{"unknown key in a param's own table", minimal + "[params.lr]\ndistribution = \"log_uniform\"\nmin = 1e-4\nmax = 1e-1\nstep.size = 2\n",
			[]string{"params.lr.step: unknown key (a param has distribution, min, max or values)"}},
		{"wrong type", strings.Replace(minimal, "trials = 10", `trials = "10"`, 1) + "[params]\n" + lr,
			[]string{`trials: must be an integer, not the string "10"`}},
		{"a float for an integer", minimal + "gpus = 1.5\n[params]\n" + lr,
			[]string{"gpus: must be an integer, not the float 1.5"}},
		{"no command", strings.Replace(minimal, `command = ["python3", "train.py", "--lr", "{lr}"]`, "", 1) + "[params]\n" + lr,
			[]string{`command: missing: the command each trial runs, with a {name} for each param: command = ["python3", "train.py", "--lr", "{lr}"]`}},
		{"command as one string", strings.Replace(minimal, `command = ["python3", "train.py", "--lr", "{lr}"]`, `command = "python3 train.py --lr {lr}"`, 1) + "[params]\n" + lr,
			[]string{`command: must be an array of strings such as ["python3", "train.py", "--lr", "{lr}"], not the string "python3 train.py --lr {lr}"`}},
		{"empty command", strings.Replace(minimal, `["python3", "train.py", "--lr", "{lr}"]`, "[]", 1) + "[params]\n" + lr,
			[]string{`command: is empty: give the program and its arguments, such as ["python3", "train.py", "--lr", "{lr}"]`}},
		{"a number in the command", strings.Replace(minimal, `"train.py"`, "3", 1) + "[params]\n" + lr,
			[]string{"command[1]: must be a string, not the integer 3: quote it"}},
		{"a placeholder that names no param", strings.Replace(minimal, `"{lr}"]`, `"{lr}", "--drop", "{dropout2}"]`, 1) + "[params]\n" + lr + `dropout = { distribution = "uniform", min = 0, max = 0.5 }` + "\n" + `hidden = { values = [64] }` + "\n",
			[]string{"command: {dropout2} names no param (params: dropout, hidden, lr)"}},
		{"no metric", strings.Replace(minimal, `metric = "val_loss"`, "", 1) + "[params]\n" + lr,
			[]string{`metric: missing: the metric to optimise, as the trials log it (metric = "val_acc")`}},
		{"no direction", strings.Replace(minimal, `direction = "min"`, "", 1) + "[params]\n" + lr,
			[]string{`direction: missing: "max" if a higher val_loss is better, "min" if a lower one is`}},
		{"a direction spelt out", strings.Replace(minimal, `direction = "min"`, `direction = "minimize"`, 1) + "[params]\n" + lr,
			[]string{`direction: "minimize" is not "max" or "min"`}},
		{"unknown method", minimal + "method = \"bayes\"\n[params]\n" + lr,
			[]string{`method: "bayes" is not "grid", "random" or "tpe"`}},
		{"no trials for tpe", strings.Replace(minimal, "trials = 10\n", "", 1) + "[params]\n" + lr,
			[]string{"trials: missing: how many trials to run at most (trials = 40)"}},
		{"zero trials for random", strings.Replace(minimal, "trials = 10", "trials = 0\nmethod = \"random\"", 1) + "[params]\n" + lr,
			[]string{"trials: 0 is below 1: give how many trials to run at most"}},
		{"too many trials", strings.Replace(minimal, "trials = 10", "trials = 100001", 1) + "[params]\n" + lr,
			[]string{"trials: 100001 is more than 100000"}},
		{"negative trials for a grid", grid + "trials = -1\n[params]\nlr = { values = [0.1] }\n",
			[]string{"trials: -1 is negative: give how many combinations to run, or leave it out to run them all"}},
		{"a grid too large to run whole", grid + "[params]\nlr = { distribution = \"int\", min = 1, max = 1000 }\nb = { distribution = \"int\", min = 1, max = 1000 }\n",
			[]string{"trials: the grid has 1000000 combinations, more than 100000: set trials to run the first ones, or give fewer values"}},
		{"a grid over a continuous param", grid + "[params]\n" + lr,
			[]string{"params.lr: grid needs values or an int range: lr is log_uniform"}},
		{"parallel 0", minimal + "parallel = 0\n[params]\n" + lr,
			[]string{"parallel: 0 is not between 1 and 1000 (how many trials run at once)"}},
		{"parallel too high", minimal + "parallel = 1001\n[params]\n" + lr,
			[]string{"parallel: 1001 is not between 1 and 1000 (how many trials run at once)"}},
		{"negative gpus", minimal + "gpus = -1\n[params]\n" + lr,
			[]string{"gpus: -1 is negative: give the GPUs each trial needs, 0 for none"}},
		{"negative seed", minimal + "seed = -1\n[params]\n" + lr,
			[]string{"seed: -1 is negative: give 0 or more"}},
		{"empty name", minimal + "name = \"\"\n[params]\n" + lr,
			[]string{"name: is empty: give the sweep a name, or leave the key out to name it after the file"}},
		{"no params", minimal,
			[]string{"command: {lr} names no param (no params)",
				`params: missing: a sweep searches at least one param: [params] then lr = { distribution = "log_uniform", min = 1e-4, max = 1e-1 }`}},
		{"empty params", strings.Replace(minimal, `, "--lr", "{lr}"`, "", 1) + "[params]\n",
			[]string{`params: is empty: a sweep searches at least one param, such as lr = { distribution = "log_uniform", min = 1e-4, max = 1e-1 }`}},
		{"a param that is not a table", minimal + "[params]\nlr = 0.01\n",
			[]string{`params.lr: must be a table such as { distribution = "uniform", min = 0, max = 1 } or { values = [1, 2] }, not the float 0.01`}},
		{"a param with neither", minimal + "[params]\nlr = { min = 0, max = 1 }\n",
			[]string{`params.lr: has neither values nor a distribution: write lr = { distribution = "uniform", min = 0, max = 1 } or lr = { values = [...] }`}},
		{"values and a distribution", minimal + "[params]\nlr = { distribution = \"uniform\", values = [0.1, 0.2] }\n",
			[]string{`params.lr: has both values and distribution "uniform": give values for a list to choose from, or a distribution with min and max`}},
		{"min with values", minimal + "[params]\nlr = { values = [0.1, 0.2], min = 0 }\n",
			[]string{"params.lr.min: goes with a distribution, not with values: remove it"}},
		{"categorical without values", minimal + "[params]\nlr = { distribution = \"categorical\" }\n",
			[]string{"params.lr: categorical needs values = [...], the list to choose from"}},
		{"unknown distribution", minimal + "[params]\nlr = { distribution = \"normal\", min = 0, max = 1 }\n",
			[]string{`params.lr.distribution: "normal" is not one of uniform, log_uniform, int, log_int, categorical`}},
		{"min not below max", minimal + "[params]\nlr = { distribution = \"log_uniform\", min = 0.1, max = 0.01 }\n",
			[]string{"params.lr: min 0.1 is not below max 0.01"}},
		{"min equal to max", minimal + "[params]\nlr = { distribution = \"int\", min = 3, max = 3 }\n",
			[]string{"params.lr: min 3 is not below max 3"}},
		{"no min", minimal + "[params]\nlr = { distribution = \"uniform\", max = 1 }\n",
			[]string{"params.lr: missing min: the uniform distribution needs min and max"}},
		{"no bounds", minimal + "[params]\nlr = { distribution = \"int\" }\n",
			[]string{"params.lr: missing min: the int distribution needs min and max", "params.lr: missing max: the int distribution needs min and max"}},
		{"a bound that is not a number", minimal + "[params]\nlr = { distribution = \"uniform\", min = \"0\", max = 1 }\n",
			[]string{`params.lr.min: must be a number, not the string "0"`}},
		{"an infinite bound", minimal + "[params]\nlr = { distribution = \"uniform\", min = 0, max = inf }\n",
			[]string{"params.lr.max: must be a finite number, not +Inf"}},
		{"log from 0", minimal + "[params]\nlr = { distribution = \"log_uniform\", min = 0, max = 1 }\n",
			[]string{"params.lr: log_uniform needs min above 0, not 0: its values are drawn evenly in log space"}},
		{"log int from -1", minimal + "[params]\nlr = { distribution = \"log_int\", min = -1, max = 8 }\n",
			[]string{"params.lr: log_int needs min above 0, not -1: its values are drawn evenly in log space"}},
		{"int bounds not whole", minimal + "[params]\nlr = { distribution = \"int\", min = 0.5, max = 4 }\n",
			[]string{"params.lr: int needs whole bounds: min 0.5 is not a whole number"}},
		{"empty values", minimal + "[params]\nlr = { values = [] }\n",
			[]string{"params.lr.values: is empty: list at least one value"}},
		{"duplicate values", minimal + "[params]\nlr = { values = [64, 128, 64, 1, 1.0] }\n",
			[]string{"params.lr.values[2]: 64 is listed twice: list each value once", "params.lr.values[4]: 1 is listed twice: list each value once"}},
		{"values that are not scalars", minimal + "[params]\nlr = { values = [[1, 2], { a = 1 }, 1979-05-27] }\n",
			[]string{"params.lr.values[0]: must be a number, a string or a boolean, not an array",
				"params.lr.values[1]: must be a number, a string or a boolean, not a table",
				"params.lr.values[2]: must be a number, a string or a boolean, not a date"}},
		{"values that are not a list", minimal + "[params]\nlr = { values = 3 }\n",
			[]string{"params.lr.values: must be an array such as [64, 128, 256], not the integer 3"}},
		{"a param name that cannot be a placeholder", minimal + "[params]\n" + lr + "my-drop = { values = [0.1] }\n",
			[]string{`params.my-drop: "my-drop" is not a param name: use letters, digits and _, not starting with a digit`}},
		{"early stopping with another method", minimal + "[params]\n" + lr + "[early_stop]\nmethod = \"hyperband\"\nmin_steps = 1\n",
			[]string{`early_stop.method: "hyperband" is not supported: the only method is "asha"`}},
		{"early stopping without min_steps", minimal + "[params]\n" + lr + "[early_stop]\nreduction = 3\n",
			[]string{"early_stop.min_steps: missing: the step of the first rung, where trials are first compared (min_steps = 2)"}},
		{"early stopping's bounds", minimal + "[params]\n" + lr + "[early_stop]\nmin_steps = 0\nreduction = 1\n",
			[]string{"early_stop.min_steps: 0 is below 1: give the step of the first rung",
				"early_stop.reduction: 1 is below 2: each rung keeps the top 1/reduction (3 keeps a third)"}},
		{"early stopping's unknown key", minimal + "[params]\n" + lr + "[early_stop]\nmin_steps = 1\nmin-resource = 2\n",
			[]string{"early_stop.min-resource: unknown key ([early_stop] has method, min_steps and reduction)"}},
		{"early stopping that is not a table", minimal + "early_stop = true\n[params]\n" + lr,
			[]string{"early_stop: must be a table ([early_stop] then method, min_steps and reduction), not the boolean true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.toml", []byte(tt.file))
			if err == nil {
				t.Fatalf("no error; want %q", tt.errors)
			}
			want := make([]string, len(tt.errors))
			for i, e := range tt.errors {
				want[i] = "s.toml: " + e
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
				t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
			}
		})
	}
}

func TestParseReportsEveryProblemInFileOrder(t *testing.T) {
	file := `name = "digits-lr"
command = ["python3", "train.py", "--lr", "{lr}", "--p", "{dropout2}"]
direction = "up"
method = "grid"
trials = 10
parallel = 0
[params]
lr = { distribution = "log_uniform", min = 0.1, max = 0.01 }
hidden = { values = [64, 128, 64] }
dropout = { distribution = "uniform", min = 0.0, max = 0.5, mean = 0.2 }
[early_stop]
min_steps = 0
`
	_, err := Parse("digits.toml", []byte(file))
	want := strings.Join([]string{
		"digits.toml: command: {dropout2} names no param (params: dropout, hidden, lr)",
		`digits.toml: direction: "up" is not "max" or "min"`,
		"digits.toml: parallel: 0 is not between 1 and 1000 (how many trials run at once)",
		"digits.toml: params.lr: min 0.1 is not below max 0.01",
		"digits.toml: params.lr: grid needs values or an int range: lr is log_uniform",
		"digits.toml: params.hidden.values[2]: 64 is listed twice: list each value once",
		"digits.toml: params.dropout: grid needs values or an int range: dropout is uniform",
		"digits.toml: params.dropout.mean: unknown key (a param has distribution, min, max or values)",
		"digits.toml: early_stop.min_steps: 0 is below 1: give the step of the first rung",
		`digits.toml: metric: missing: the metric to optimise, as the trials log it (metric = "val_acc")`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}

func TestCommandFor(t *testing.T) {
	s := Spec{Command: []string{"train", "--lr={lr}", "{lr}{hidden}", "{missing}", `{"a": 1}`, "{ lr }"}}
	got := s.CommandFor(map[string]string{"lr": "0.01", "hidden": "64"})
	want := []string{"train", "--lr=0.01", "0.0164", "{missing}", `{"a": 1}`, "{ lr }"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CommandFor = %q, want %q", got, want)
	}
	if s.Command[1] != "--lr={lr}" {
		t.Error("CommandFor changed the spec's command")
	}
}

// FuzzParse checks that no file makes Parse panic and that what it
// accepts keeps the promises the samplers rely on.
func FuzzParse(f *testing.F) {
	f.Add(example)
	f.Add(minimal + "[params]\n" + lr)
	f.Add(minimal + "method = \"grid\"\n[params]\nn = { distribution = \"log_int\", min = 1, max = 9 }\nv = { values = [1, \"a\", true] }\n")
	f.Add(minimal + "[params]\nlr = { values = [[1], {a = 1}] }\n[early_stop]\nmin_steps = 1\n")
	f.Fuzz(func(t *testing.T, file string) {
		s, err := Parse("f.toml", []byte(file))
		if err != nil {
			return
		}
		if len(s.Params) == 0 || len(s.Command) == 0 || s.Metric == "" || s.Parallel < 1 {
			t.Fatalf("accepted an incomplete spec: %+v", s)
		}
		for i, p := range s.Params {
			if i > 0 && s.Params[i-1].Name >= p.Name {
				t.Fatalf("params out of order: %+v", s.Params)
			}
			if p.Distribution == "categorical" && len(p.Values) == 0 || p.Distribution != "categorical" && !(p.Min < p.Max) {
				t.Fatalf("accepted a bad param: %+v", p)
			}
		}
		if params, ok := Next(s, 0, nil); ok && len(params) != len(s.Params) {
			t.Fatalf("Next gave %v for %+v", params, s.Params)
		}
	})
}
