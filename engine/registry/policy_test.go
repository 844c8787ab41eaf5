package registry

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"lathe/engine/api"
)

// examplePolicy is the policy of the issue that asked for policies.
const examplePolicy = `primary_metric = "val_acc"
direction = "max"             # or "min"
min_improvement = 0.005       # absolute; or min_improvement_rel = 0.01
required_approvals = 2
require_drift_ok = true       # read once drift exists (a later issue); until then reported "not measured"
[[guardrails]]                # may not get worse than the champion by more than max_regression
metric = "latency_ms"
direction = "min"
max_regression = 5.0
[slices]                      # every eval slice, e.g. per class or per group (fairness)
metric = "acc"
max_regression = 0.02         # no slice worse than the champion's same slice by more
min_count = 1                 # a slice the champion has and the challenger lacks fails
[[ranges]]                    # plausibility
metric = "val_acc"
min = 0.0
max = 1.0
`

func ptr(v float64) *float64 { return &v }

func exampleWant() Policy {
	return Policy{
		PrimaryMetric: "val_acc", Direction: "max", MinImprovement: 0.005,
		RequiredApprovals: 2, RequireDriftOK: true,
		Guardrails: []Guardrail{{Metric: "latency_ms", Direction: "min", MaxRegression: 5}},
		Slices:     &SlicePolicy{Metric: "acc", MaxRegression: 0.02, MinCount: 1},
		Ranges:     []Range{{Metric: "val_acc", Min: ptr(0), Max: ptr(1)}},
	}
}

func TestParsePolicyExample(t *testing.T) {
	got, err := ParsePolicy(examplePolicy)
	if err != nil {
		t.Fatal(err)
	}
	if want := exampleWant(); !reflect.DeepEqual(got, want) {
		t.Errorf("ParsePolicy(example) =\n%#v\nwant\n%#v", got, want)
	}
}

func TestParsePolicyAccepts(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       Policy
	}{
		{"required_approvals defaults to 1", `primary_metric = "loss"` + "\n" + `direction = "min"`,
			DefaultPolicy("loss", "min")},
		{"no primary metric yet", `primary_metric = ""`, DefaultPolicy("", "")},
		{"no primary metric yet, a direction", `primary_metric = ""` + "\n" + `direction = "max"`, DefaultPolicy("", "max")},
		{"integers where numbers are wanted", `primary_metric = "a"
direction = "max"
min_improvement = 1
min_improvement_rel = 0
[[guardrails]]
metric = "b"
direction = "min"
max_regression = 5
max_regression_rel = 0.1
[[ranges]]
metric = "a"
min = -3`, Policy{PrimaryMetric: "a", Direction: "max", MinImprovement: 1, RequiredApprovals: 1,
			Guardrails: []Guardrail{{Metric: "b", Direction: "min", MaxRegression: 5, MaxRegressionRel: 0.1}},
			Ranges:     []Range{{Metric: "a", Min: ptr(-3)}}}},
		{"inline tables", `primary_metric = "a"
direction = "max"
guardrails = [{metric = "b", direction = "min", max_regression = 1.5}, {metric = "c", direction = "max", max_regression = 0.0}]
slices = {metric = "acc", direction = "min", max_regression = 0.1}
ranges = [{metric = "a", max = 1.0}]`, Policy{PrimaryMetric: "a", Direction: "max", RequiredApprovals: 1,
			Guardrails: []Guardrail{{Metric: "b", Direction: "min", MaxRegression: 1.5}, {Metric: "c", Direction: "max"}},
			Slices:     &SlicePolicy{Metric: "acc", Direction: "min", MaxRegression: 0.1},
			Ranges:     []Range{{Metric: "a", Max: ptr(1)}}}},
		{"empty arrays are no tables", `primary_metric = "a"
direction = "max"
guardrails = []
ranges = []`, DefaultPolicy("a", "max")},
		{"a degenerate range", `primary_metric = "a"
direction = "max"
[[ranges]]
metric = "a"
min = 0.5
max = 0.5`, Policy{PrimaryMetric: "a", Direction: "max", RequiredApprovals: 1, Ranges: []Range{{Metric: "a", Min: ptr(0.5), Max: ptr(0.5)}}}},
	} {
		got, err := ParsePolicy(c.text)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got\n%#v\nwant\n%#v", c.name, got, c.want)
		}
	}
}

func TestParsePolicyErrors(t *testing.T) {
	const head = "primary_metric = \"val_acc\"\ndirection = \"max\"\n"                                         // lines 1 and 2
	guardrail := head + "[[guardrails]]\nmetric = \"latency_ms\"\ndirection = \"min\"\nmax_regression = 5.0\n" // 3 to 6
	for _, c := range []struct{ name, text, want string }{
		{"syntax", head + "min_improvement = \n", "policy line 3: expected value but found '\\n' instead"},
		{"duplicate key", head + "direction = \"min\"\n", "policy line 3: Key 'direction' has already been defined."},
		{"unknown key", head + "min_improvment = 0.1\n", "policy line 3: unknown key min_improvment: a policy takes primary_metric, direction, min_improvement, min_improvement_rel, required_approvals, require_drift_ok, guardrails, slices and ranges"},
		{"unknown keys", head + "a = 1\nb = 2\n", "policy line 3: unknown key a (and 1 more)"},
		{"unknown table", head + "[gates]\nx = 1\n", "policy line 3: unknown key gates (and 1 more)"},
		{"unknown guardrail key", guardrail + "max_regresion = 1.0\n", "policy line 7: unknown key guardrails.max_regresion: a guardrail takes metric, direction, max_regression and max_regression_rel"},
		{"unknown slices key", head + "[slices]\nmetric = \"acc\"\nmax_regression = 0.1\nmincount = 1\n", "policy line 6: unknown key slices.mincount: [slices] takes metric, direction, max_regression and min_count"},
		{"unknown range key", head + "[[ranges]]\nmetric = \"val_acc\"\nminimum = 0.0\n", "policy line 5: unknown key ranges.minimum: a range takes metric, min and max"},
		{"a key in another case", head + "Min_Improvement = 0.1\n", "policy line 3: unknown key Min_Improvement: a policy takes"},
		{"a table in another case", "primary_metric = \"\"\ndireCtion = \"min\"\n[[guArdrAils]]\n", "policy line 2: unknown key direCtion (and 1 more): a policy takes"},
		{"a guardrail key in another case", guardrail + "METRIC = \"y\"\n", "policy line 7: unknown key guardrails.METRIC: a guardrail takes"},
		{"a key inside a value", "primary_metric.x = 1\n", "policy line 1: unknown key primary_metric.x"},
		{"a table inside slices", head + "[slices.by_class]\nmetric = \"acc\"\n", "policy line 3: unknown key slices.by_class (and 1 more): [slices] takes"},
		{"string for a number", head + "min_improvement = \"0.5\"\n", `policy line 3: min_improvement is the string "0.5": want a number`},
		{"float for an integer", head + "required_approvals = 2.0\n", "policy line 3: required_approvals is the number 2.0: want a whole number"},
		{"number for a string", "primary_metric = 3\n", "policy line 1: primary_metric is the integer 3: want a string"},
		{"string for a bool", head + "require_drift_ok = \"yes\"\n", `policy line 3: require_drift_ok is the string "yes": want true or false`},
		{"date for a string", head + "[[ranges]]\nmetric = 2024-01-01\n", "policy line 4: ranges[1].metric is a date or time: want a string"},
		{"list for tables", head + "guardrails = [1, 2]\n", "policy line 3: guardrails is a list: want a list of tables"},
		{"table for tables", head + "[guardrails]\nmetric = \"x\"\n", "policy line 3: guardrails is a table: want a list of tables"},
		{"tables for a table", head + "[[slices]]\nmetric = \"x\"\n", "policy line 3: slices is a list of tables: want a table"},
		{"wrong type in the second guardrail", guardrail + "[[guardrails]]\nmetric = \"mem\"\ndirection = \"min\"\nmax_regression = \"1\"\n",
			`policy line 10: guardrails[2].max_regression is the string "1": want a number`},
		{"huge integer", head + "min_improvement = 9007199254740993\n", "policy line 3: min_improvement 9007199254740993 is too large to hold exactly: write it as a float (9.007199254740992e+15)"},
		{"empty", "", `policy: primary_metric is missing: name the metric a version is judged by, e.g. primary_metric = "val_acc"`},
		{"no primary metric", "direction = \"max\"\n", "policy: primary_metric is missing"},
		{"no direction", "primary_metric = \"val_loss\"\n", `policy: direction is missing: "max" if a higher val_loss is better, "min" if lower`},
		{"bad direction", "primary_metric = \"val_acc\"\ndirection = \"up\"\n", `policy line 2: direction "up": want "max" (higher is better) or "min" (lower is better)`},
		{"empty direction", "primary_metric = \"val_acc\"\ndirection = \"\"\n", `policy line 2: direction "": want "max"`},
		{"bad direction, no primary", "primary_metric = \"\"\ndirection = \"MAX\"\n", `policy line 2: direction "MAX": want`},
		{"metric with spaces", "primary_metric = \" val_acc\"\ndirection = \"max\"\n", `policy line 1: primary_metric " val_acc": a metric name has no surrounding spaces or control characters`},
		{"metric with a newline", "primary_metric = \"val\\nacc\"\ndirection = \"max\"\n", `policy line 1: primary_metric "val\nacc": a metric name has no`},
		{"negative min_improvement", head + "min_improvement = -0.1\n", "policy line 3: min_improvement -0.1: want a finite number, 0 or more"},
		{"NaN min_improvement_rel", head + "min_improvement_rel = nan\n", "policy line 3: min_improvement_rel NaN: want a finite number, 0 or more"},
		{"infinite min_improvement", head + "min_improvement = inf\n", "policy line 3: min_improvement +Inf: want a finite number"},
		{"no approvals", head + "required_approvals = 0\n", "policy line 3: required_approvals 0: want 1 or more"},
		{"negative approvals", head + "required_approvals = -2\n", "policy line 3: required_approvals -2: want 1 or more"},
		{"guardrail without metric", head + "[[guardrails]]\ndirection = \"min\"\nmax_regression = 1.0\n", `policy line 3: guardrail 1: metric is missing`},
		{"guardrail without direction", head + "[[guardrails]]\nmetric = \"latency_ms\"\nmax_regression = 1.0\n", `policy line 3: guardrail latency_ms: direction is missing: "max" if a higher latency_ms is better, "min" if lower`},
		{"guardrail with a bad direction", head + "[[guardrails]]\nmetric = \"latency_ms\"\ndirection = \"lower\"\nmax_regression = 1.0\n", `policy line 5: guardrails[1].direction "lower": want "max"`},
		{"guardrail without max_regression", head + "[[guardrails]]\nmetric = \"latency_ms\"\ndirection = \"min\"\n", "policy line 3: guardrail latency_ms: max_regression is missing"},
		{"only a relative regression", head + "[[guardrails]]\nmetric = \"latency_ms\"\ndirection = \"min\"\nmax_regression_rel = 0.1\n", "policy line 3: guardrail latency_ms: max_regression is missing"},
		{"negative max_regression", guardrail + "[[guardrails]]\nmetric = \"mem\"\ndirection = \"min\"\nmax_regression = -1.0\n", "policy line 10: guardrails[2].max_regression -1: want a finite number, 0 or more"},
		{"infinite max_regression_rel", guardrail + "max_regression_rel = -inf\n", "policy line 7: guardrails[1].max_regression_rel -Inf: want a finite number, 0 or more"},
		{"guardrail metric with spaces", head + "[[guardrails]]\nmetric = \"latency ms \"\n", `policy line 4: guardrails[1].metric "latency ms ": a metric name has no surrounding spaces`},
		{"slices without metric", head + "[slices]\nmax_regression = 0.1\n", "policy line 3: slices.metric is missing"},
		{"empty slices", head + "[slices]\n", "policy line 3: slices.metric is missing"},
		{"slices without max_regression", head + "[slices]\nmetric = \"acc\"\n", "policy line 3: slices.max_regression is missing"},
		{"slices with a bad direction", head + "[slices]\nmetric = \"acc\"\ndirection = \"best\"\nmax_regression = 0.1\n", `policy line 5: slices.direction "best": want "max"`},
		{"slices with no direction to lend", "primary_metric = \"\"\n[slices]\nmetric = \"acc\"\nmax_regression = 0.1\n", "policy line 2: slices.direction is missing, and the policy has no direction to lend"},
		{"negative slice regression", head + "[slices]\nmetric = \"acc\"\nmax_regression = -0.1\n", "policy line 5: slices.max_regression -0.1: want a finite number, 0 or more"},
		{"negative min_count", head + "[slices]\nmetric = \"acc\"\nmax_regression = 0.1\nmin_count = -1\n", "policy line 6: slices.min_count -1: want 0 or more"},
		{"range without metric", head + "[[ranges]]\nmin = 0.0\n", "policy line 3: range 1: metric is missing"},
		{"range without ends", head + "[[ranges]]\nmetric = \"val_acc\"\n", "policy line 3: range val_acc: give min, max or both"},
		{"range min above max", head + "[[ranges]]\nmetric = \"val_acc\"\nmax = 0.0\nmin = 1.0\n", "policy line 6: range val_acc: min 1 is above max 0"},
		{"range with NaN", head + "[[ranges]]\nmetric = \"val_acc\"\nmin = nan\n", "policy line 5: range val_acc: min NaN: want a finite number (leave min out for an open end)"},
		{"range with inf", head + "[[ranges]]\nmetric = \"val_acc\"\nmax = inf\n", "policy line 5: range val_acc: max +Inf: want a finite number (leave max out for an open end)"},
		{"second range bad", head + "[[ranges]]\nmetric = \"a\"\nmin = 0.0\n[[ranges]]\nmetric = \"b\"\nmin = 2.0\nmax = 1.0\n", "policy line 8: range b: min 2 is above max 1"},
		{"inline guardrail", head + "guardrails = [{metric = \"x\", direction = \"min\"}]\n", "policy line 3: guardrail x: max_regression is missing"},
	} {
		_, err := ParsePolicy(c.text)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", c.name)
		case !errors.Is(err, api.ErrInvalid):
			t.Errorf("%s: %v is not api.ErrInvalid", c.name, err)
		case strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: error of more than one line: %q", c.name, err)
		case !strings.HasPrefix(err.Error(), c.want):
			t.Errorf("%s:\n got %s\nwant %s", c.name, err, c.want)
		}
	}
}

func roundTripPolicies() map[string]Policy {
	full := Policy{
		PrimaryMetric: "val_loss", Direction: "min", MinImprovement: 1e-4, MinImprovementRel: 0.01,
		RequiredApprovals: 3, RequireDriftOK: true,
		Guardrails: []Guardrail{
			{Metric: "latency_ms", Direction: "min", MaxRegression: 5, MaxRegressionRel: 0.1},
			{Metric: "val_acc", Direction: "max", MaxRegression: 0},
			{Metric: "throughput", Direction: "max", MaxRegression: 1e21, MaxRegressionRel: 1e-7},
		},
		Slices: &SlicePolicy{Metric: "loss", Direction: "min", MaxRegression: 0.1, MinCount: 10},
		Ranges: []Range{
			{Metric: "val_loss", Min: ptr(0)},
			{Metric: "val_acc", Max: ptr(1)},
			{Metric: "temperature", Min: ptr(-273.15), Max: ptr(1e300)},
			{Metric: "tiny", Min: ptr(5e-324), Max: ptr(0.1)},
		},
	}
	return map[string]Policy{
		"default":              DefaultPolicy("val_acc", "max"),
		"default min":          DefaultPolicy("val_loss", "min"),
		"default without":      DefaultPolicy("", ""),
		"example":              exampleWant(),
		"full":                 full,
		"odd names":            {PrimaryMetric: `a "quoted" \ name/é ✓`, Direction: "max", RequiredApprovals: 1, Guardrails: []Guardrail{{Metric: "x'y", Direction: "min", MaxRegression: 0.3}}},
		"slices default dir":   {PrimaryMetric: "a", Direction: "max", RequiredApprovals: 1, Slices: &SlicePolicy{Metric: "acc", MaxRegression: 0}},
		"no primary, a slice":  {Direction: "min", RequiredApprovals: 1, Slices: &SlicePolicy{Metric: "acc", MaxRegression: 0.5}},
		"many approvals":       {PrimaryMetric: "a", Direction: "max", RequiredApprovals: 1 << 40},
		"thresholds of 1/3rd":  {PrimaryMetric: "a", Direction: "max", RequiredApprovals: 1, MinImprovement: 1.0 / 3, MinImprovementRel: 2.0 / 3},
		"negative zero ranges": {PrimaryMetric: "a", Direction: "max", RequiredApprovals: 1, Ranges: []Range{{Metric: "a", Min: ptr(math.Copysign(0, -1)), Max: ptr(0)}}},
	}
}

func TestPolicyTOMLRoundTrip(t *testing.T) {
	for name, p := range roundTripPolicies() {
		text := p.TOML()
		got, err := ParsePolicy(text)
		if err != nil {
			t.Errorf("%s: ParsePolicy(TOML()): %v\n%s", name, err, text)
			continue
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s: round trip gave\n%#v\nwant\n%#v\n%s", name, got, p, text)
		}
		if again := got.TOML(); again != text {
			t.Errorf("%s: TOML() is not deterministic:\n%s\n---\n%s", name, text, again)
		}
	}
}

// TestPolicyTOMLComments checks that a user reading `lathe policy show`
// finds a comment above every key (of the first table of each kind).
func TestPolicyTOMLComments(t *testing.T) {
	p := roundTripPolicies()["full"]
	p.Guardrails = p.Guardrails[:1]
	p.Ranges = p.Ranges[2:3]
	lines := strings.Split(p.TOML(), "\n")
	keys := 0
	for i, l := range lines {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "[") {
			continue
		}
		keys++
		if i == 0 || !strings.HasPrefix(lines[i-1], "# ") {
			t.Errorf("key %q has no comment above it", l)
		}
	}
	if keys != 6+4+4+3 {
		t.Errorf("%d keys written, want 17:\n%s", keys, p.TOML())
	}
}

func TestPolicyTOMLShowsMissingTables(t *testing.T) {
	text := DefaultPolicy("val_acc", "max").TOML()
	for _, want := range []string{"#   [[guardrails]]", "#   [slices]", "#   [[ranges]]"} {
		if !strings.Contains(text, want) {
			t.Errorf("default policy's TOML lacks the example %q:\n%s", want, text)
		}
	}
	if strings.Contains(exampleWant().TOML(), "#   [[guardrails]]") {
		t.Error("a policy with guardrails shows the example of one")
	}
}

func TestKeyLines(t *testing.T) {
	text := `# a comment
primary_metric = "a" # line 2
"direction" = """max
[[guardrails]]
"""
[[ guardrails ]]
metric = "x"
[[guardrails]]
metric = "y"
  max_regression = 1
[slices]
slices.x = 1
`
	lines := findKeyLines(text)
	for path, want := range map[string]int{
		"primary_metric":              2,
		"direction":                   3,
		"guardrails":                  6,
		"guardrails.0":                6,
		"guardrails.0.metric":         7,
		"guardrails.metric":           7,
		"guardrails.1.metric":         9,
		"guardrails.1.max_regression": 10,
		"guardrails.max_regression":   10,
		"guardrails.1.direction":      8, // not set: its table's line
		"slices.metric":               11,
		"slices.slices.x":             12,
		"ranges.0.min":                0,
	} {
		if got := lines.at(path); got != want {
			t.Errorf("line of %s = %d, want %d", path, got, want)
		}
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(examplePolicy)
	for _, p := range roundTripPolicies() {
		f.Add(p.TOML())
	}
	for _, s := range []string{
		"", "primary_metric = \"\"", "primary_metric = \"a\"\ndirection = \"max\"\nguardrails = []",
		"primary_metric = \"a\"\ndirection = \"max\"\n[[ranges]]\nmetric = \"a\"\nmin = -0.0\n",
		"primary_metric = \"a\"\ndirection = \"min\"\nslices = {metric = \"b\", max_regression = 1e308}",
		"primary_metric = \"\\u00e9\"\ndirection = \"max\"", "[[guardrails]]\n[[guardrails]]\n",
		// Found by fuzzing: the decoder fills fields from keys in another case.
		"primary_metric=\"\" \ndireCtion=\"min\" \n    [[guArdrAils]]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePolicy(text)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("%v is not api.ErrInvalid", err)
			}
			return
		}
		out := p.TOML()
		back, err := ParsePolicy(out)
		if err != nil {
			t.Fatalf("ParsePolicy(TOML()): %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back, p) {
			t.Fatalf("round trip gave\n%#v\nwant\n%#v\n%s", back, p, out)
		}
	})
}
