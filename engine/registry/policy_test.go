package registry

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

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
		Drift:      DefaultDriftPolicy(),
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
min = -3`, Policy{PrimaryMetric: "a", Direction: "max", MinImprovement: 1, RequiredApprovals: 1, Drift: DefaultDriftPolicy(),
			Guardrails: []Guardrail{{Metric: "b", Direction: "min", MaxRegression: 5, MaxRegressionRel: 0.1}},
			Ranges:     []Range{{Metric: "a", Min: ptr(-3)}}}},
		{"inline tables", `primary_metric = "a"
direction = "max"
guardrails = [{metric = "b", direction = "min", max_regression = 1.5}, {metric = "c", direction = "max", max_regression = 0.0}]
slices = {metric = "acc", direction = "min", max_regression = 0.1}
ranges = [{metric = "a", max = 1.0}]`, Policy{PrimaryMetric: "a", Direction: "max", RequiredApprovals: 1, Drift: DefaultDriftPolicy(),
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
max = 0.5`, Policy{PrimaryMetric: "a", Direction: "max", RequiredApprovals: 1, Drift: DefaultDriftPolicy(), Ranges: []Range{{Metric: "a", Min: ptr(0.5), Max: ptr(0.5)}}}},
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
		{"unknown key", head + "min_improvment = 0.1\n", "policy line 3: unknown key min_improvment: a policy takes primary_metric, direction, min_improvement, min_improvement_rel, required_approvals, require_drift_ok, guardrails, slices, ranges, drift and shadow"},
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
		Drift: DriftPolicy{
			PSIWarn: 0.2, PSIAlert: 0.4, DatasetShare: 0.3, Window: "hour",
			Prediction: "y_hat", Label: "y", Challenger: "y_hat_v2", Ignore: []string{"id", "ts"},
			Retrain: true, Cooldown: "1.5d", Watch: "/srv/batches/churn",
		},
		Shadow: &ShadowPolicy{MinRows: 1000, Alpha: 0.01},
	}
	// policy is a default policy judged by a (higher is better), as change
	// makes it.
	policy := func(change func(*Policy)) Policy {
		p := DefaultPolicy("a", "max")
		change(&p)
		return p
	}
	return map[string]Policy{
		"default":         DefaultPolicy("val_acc", "max"),
		"default min":     DefaultPolicy("val_loss", "min"),
		"default without": DefaultPolicy("", ""),
		"example":         exampleWant(),
		"full":            full,
		"odd names": {PrimaryMetric: `a "quoted" \ name/é ✓`, Direction: "max", RequiredApprovals: 1, Drift: DefaultDriftPolicy(),
			Guardrails: []Guardrail{{Metric: "x'y", Direction: "min", MaxRegression: 0.3}}},
		"slices default dir": policy(func(p *Policy) { p.Slices = &SlicePolicy{Metric: "acc", MaxRegression: 0} }),
		"no primary, a slice": {Direction: "min", RequiredApprovals: 1, Drift: DefaultDriftPolicy(),
			Slices: &SlicePolicy{Metric: "acc", MaxRegression: 0.5}},
		"many approvals":      policy(func(p *Policy) { p.RequiredApprovals = 1 << 40 }),
		"thresholds of 1/3rd": policy(func(p *Policy) { p.MinImprovement, p.MinImprovementRel = 1.0/3, 2.0/3 }),
		"negative zero ranges": policy(func(p *Policy) {
			p.Ranges = []Range{{Metric: "a", Min: ptr(math.Copysign(0, -1)), Max: ptr(0)}}
		}),
		"drift at the edges": policy(func(p *Policy) {
			p.Drift = DriftPolicy{PSIWarn: 5e-324, PSIAlert: 5e-324, DatasetShare: 1, Window: "day",
				Prediction: "p", Label: "P", Challenger: " p ", Cooldown: "1m"}
			p.Shadow = &ShadowPolicy{MinRows: 1, Alpha: 0.5}
		}),
		"drift, odd column names": policy(func(p *Policy) {
			p.Drift.Prediction, p.Drift.Label, p.Drift.Challenger = `pred "v1"`, `la\bel`, "chal\tlenger"
			p.Drift.Ignore = []string{"é ✓", `"quoted"`, "line\nbreak", "[x]"}
			p.Drift.Watch = "/data/with spaces/ü"
			p.Drift.Cooldown = "36h"
		}),
		"shadow, default drift": policy(func(p *Policy) { p.Shadow = &ShadowPolicy{MinRows: 1 << 40, Alpha: 1.0 / 3} }),
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
	if keys != 6+4+4+3+11+2 {
		t.Errorf("%d keys written, want 30:\n%s", keys, p.TOML())
	}
}

func TestPolicyTOMLShowsMissingTables(t *testing.T) {
	text := DefaultPolicy("val_acc", "max").TOML()
	for _, want := range []string{"#   [[guardrails]]", "#   [slices]", "#   [[ranges]]", "#   [shadow]"} {
		if !strings.Contains(text, want) {
			t.Errorf("default policy's TOML lacks the example %q:\n%s", want, text)
		}
	}
	// [drift] is always written, with its defaults, so that users find it.
	if !strings.Contains(text, "\n[drift]\n") {
		t.Errorf("default policy's TOML lacks [drift]:\n%s", text)
	}
	for _, key := range []string{"psi_warn = 0.1", "psi_alert = 0.25", "dataset_share = 0.5", `window = "batch"`,
		`prediction = "prediction"`, `label = "label"`, `challenger = "challenger"`, "ignore = []",
		"retrain = false", `cooldown = "24h"`, `watch = ""`} {
		if !strings.Contains(text, "\n"+key+"\n") {
			t.Errorf("default policy's TOML lacks %s:\n%s", key, text)
		}
	}
	if strings.Contains(exampleWant().TOML(), "#   [[guardrails]]") {
		t.Error("a policy with guardrails shows the example of one")
	}
	if strings.Contains(roundTripPolicies()["full"].TOML(), "#   [shadow]") {
		t.Error("a policy with [shadow] shows the example of one")
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
		"primary_metric = \"a\"\ndirection = \"max\"\n[drift]\nignore = []\n[shadow]\nmin_rows = 1\n",
		"primary_metric = \"a\"\ndirection = \"max\"\ndrift = {psi_warn = 0.3, psi_alert = 0.3, cooldown = \"2d\", ignore = [\"id\"]}\n",
		"primary_metric = \"a\"\ndirection = \"max\"\n[drift]\nprediction = \"label\"\nlabel = \"prediction\"\n",
		"primary_metric = \"a\"\ndirection = \"max\"\nshadow = {min_rows = 10, alpha = 0.5}\n[drift]\nwatch = \"/x\"\n",
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

func TestParsePolicyDrift(t *testing.T) {
	const head = "primary_metric = \"a\"\ndirection = \"max\"\n"
	// want is a default policy judged by a, as change makes it.
	want := func(change func(*Policy)) Policy {
		p := DefaultPolicy("a", "max")
		change(&p)
		return p
	}
	for _, c := range []struct {
		name, text string
		want       Policy
	}{
		{"no [drift]: the defaults", head, DefaultPolicy("a", "max")},
		{"an empty [drift]", head + "[drift]\n", DefaultPolicy("a", "max")},
		{"an empty inline drift", head + "drift = {}\n", DefaultPolicy("a", "max")},
		{"some keys: defaults for the rest", head + "[drift]\npsi_warn = 0.2\npsi_alert = 0.3\nretrain = true\n",
			want(func(p *Policy) { p.Drift.PSIWarn, p.Drift.PSIAlert, p.Drift.Retrain = 0.2, 0.3, true })},
		{"every key", head + `[drift]
psi_warn = 0.05
psi_alert = 0.2
dataset_share = 1
window = "day"
prediction = "y_hat"
label = "y"
challenger = "y_hat_v2"
ignore = ["id", "ts"]
retrain = true
cooldown = "1d"
watch = "/srv/batches"
`, want(func(p *Policy) {
			p.Drift = DriftPolicy{PSIWarn: 0.05, PSIAlert: 0.2, DatasetShare: 1, Window: "day",
				Prediction: "y_hat", Label: "y", Challenger: "y_hat_v2", Ignore: []string{"id", "ts"},
				Retrain: true, Cooldown: "1d", Watch: "/srv/batches"}
		})},
		{"inline, integers for numbers", head + `drift = {psi_warn = 1, psi_alert = 2, window = "hour", cooldown = "90m"}` + "\n",
			want(func(p *Policy) {
				p.Drift.PSIWarn, p.Drift.PSIAlert, p.Drift.Window, p.Drift.Cooldown = 1, 2, "hour", "90m"
			})},
		{"psi_alert equal to psi_warn", head + "[drift]\npsi_warn = 0.25\n",
			want(func(p *Policy) { p.Drift.PSIWarn = 0.25 })},
		{"psi_alert alone, above the default warning", head + "[drift]\npsi_alert = 0.5\n",
			want(func(p *Policy) { p.Drift.PSIAlert = 0.5 })},
		{"an empty ignore is none", head + "[drift]\nignore = []\n", DefaultPolicy("a", "max")},
		{"columns swapped", head + "[drift]\nprediction = \"label\"\nlabel = \"challenger\"\nchallenger = \"prediction\"\n",
			want(func(p *Policy) {
				p.Drift.Prediction, p.Drift.Label, p.Drift.Challenger = "label", "challenger", "prediction"
			})},
		{"a column ignored that is the label", head + "[drift]\nignore = [\"label\"]\n",
			want(func(p *Policy) { p.Drift.Ignore = []string{"label"} })},
		{"cooldown of days and a half", head + "[drift]\ncooldown = \"1.5d\"\n", want(func(p *Policy) { p.Drift.Cooldown = "1.5d" })},
		{"cooldown of exactly 1m", head + "[drift]\ncooldown = \"60s\"\n", want(func(p *Policy) { p.Drift.Cooldown = "60s" })},
		{"cooldown of a Go duration", head + "[drift]\ncooldown = \"1h30m\"\n", want(func(p *Policy) { p.Drift.Cooldown = "1h30m" })},
		{"a [shadow]: alpha defaults to 0.05", head + "[shadow]\nmin_rows = 1000\n",
			want(func(p *Policy) { p.Shadow = &ShadowPolicy{MinRows: 1000, Alpha: 0.05} })},
		{"an inline shadow at the edges", head + "shadow = {min_rows = 1, alpha = 0.5}\n",
			want(func(p *Policy) { p.Shadow = &ShadowPolicy{MinRows: 1, Alpha: 0.5} })},
		{"[shadow] before [drift]", head + "[shadow]\nmin_rows = 10\nalpha = 0.01\n[drift]\nwindow = \"hour\"\n",
			want(func(p *Policy) { p.Shadow, p.Drift.Window = &ShadowPolicy{MinRows: 10, Alpha: 0.01}, "hour" })},
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

func TestParsePolicyDriftErrors(t *testing.T) {
	const head = "primary_metric = \"a\"\ndirection = \"max\"\n" // lines 1 and 2
	const drift = head + "[drift]\n"                             // line 3
	const shadow = head + "[shadow]\n"                           // line 3
	for _, c := range []struct{ name, text, want string }{
		{"unknown drift key", drift + "psi_warning = 0.1\n", "policy line 4: unknown key drift.psi_warning: [drift] takes psi_warn, psi_alert, dataset_share, window, prediction, label, challenger, ignore, retrain, cooldown and watch"},
		{"unknown shadow key", shadow + "min_rows = 10\nalfa = 0.1\n", "policy line 5: unknown key shadow.alfa: [shadow] takes min_rows and alpha"},
		{"drift in another case", head + "[Drift]\nwindow = \"day\"\n", "policy line 3: unknown key Drift (and 1 more): a policy takes primary_metric, direction, min_improvement, min_improvement_rel, required_approvals, require_drift_ok, guardrails, slices, ranges, drift and shadow"},
		{"a drift key in another case", drift + "PSI_warn = 0.2\n", "policy line 4: unknown key drift.PSI_warn: [drift] takes psi_warn, psi_alert, dataset_share, window, prediction, label, challenger, ignore, retrain, cooldown and watch"},
		{"a table inside drift", drift + "[drift.columns]\nlabel = \"y\"\n", "policy line 4: unknown key drift.columns (and 1 more): [drift] takes psi_warn, psi_alert, dataset_share, window, prediction, label, challenger, ignore, retrain, cooldown and watch"},
		{"drift not a table", head + "drift = true\n", "policy line 3: drift is true: want a table"},
		{"drift a list of tables", head + "[[drift]]\nwindow = \"day\"\n", "policy line 3: drift is a list of tables: want a table"},
		{"shadow a number", head + "shadow = 0.05\n", "policy line 3: shadow is the number 0.05: want a table"},
		{"string for psi_warn", drift + "psi_warn = \"0.1\"\n", `policy line 4: drift.psi_warn is the string "0.1": want a number`},
		{"bool for psi_alert", drift + "psi_alert = true\n", "policy line 4: drift.psi_alert is true: want a number"},
		{"string for dataset_share", drift + "dataset_share = \"half\"\n", `policy line 4: drift.dataset_share is the string "half": want a number`},
		{"number for window", drift + "window = 1\n", "policy line 4: drift.window is the integer 1: want a string"},
		{"bool for prediction", drift + "prediction = false\n", "policy line 4: drift.prediction is false: want a string"},
		{"date for label", drift + "label = 2026-01-01\n", "policy line 4: drift.label is a date or time: want a string"},
		{"list for challenger", drift + "challenger = [\"c\"]\n", "policy line 4: drift.challenger is a list: want a string"},
		{"integer for ignore", drift + "ignore = 3\n", "policy line 4: drift.ignore is the integer 3: want a list of strings"},
		{"string for ignore", drift + "ignore = \"id\"\n", `policy line 4: drift.ignore is the string "id": want a list of strings`},
		{"a table for ignore", drift + "ignore = {id = true}\n", "policy line 4: drift.ignore is a table: want a list of strings"},
		{"tables in ignore", drift + "ignore = [{id = true}]\n", "policy line 4: drift.ignore[1] is a table: want a string"},
		{"a table for a slices key", head + "[slices]\nmetric = {name = \"acc\"}\n", "policy line 4: slices.metric is a table: want a string"},
		{"tables for ignore", drift + "[[drift.ignore]]\n", "policy line 4: drift.ignore is a list of tables: want a list of strings"},
		{"a number in ignore", drift + "ignore = [\"id\", 3]\n", "policy line 4: drift.ignore[2] is the integer 3: want a string"},
		{"a list in ignore", drift + "ignore = [[\"id\"]]\n", "policy line 4: drift.ignore[1] is a list: want a string"},
		{"string for retrain", drift + "retrain = \"yes\"\n", `policy line 4: drift.retrain is the string "yes": want true or false`},
		{"integer for cooldown", drift + "cooldown = 24\n", "policy line 4: drift.cooldown is the integer 24: want a string"},
		{"bool for watch", drift + "watch = true\n", "policy line 4: drift.watch is true: want a string"},
		{"float for min_rows", shadow + "min_rows = 1000.0\n", "policy line 4: shadow.min_rows is the number 1000.0: want a whole number"},
		{"string for alpha", shadow + "min_rows = 1\nalpha = \"0.05\"\n", `policy line 5: shadow.alpha is the string "0.05": want a number`},
		{"huge psi_alert", drift + "psi_alert = 9007199254740993\n", "policy line 4: drift.psi_alert 9007199254740993 is too large to hold exactly: write it as a float (9.007199254740992e+15)"},
		{"zero psi_warn", drift + "psi_warn = 0.0\n", "policy line 4: drift.psi_warn 0: want a finite number above 0"},
		{"negative psi_warn", drift + "psi_warn = -0.1\n", "policy line 4: drift.psi_warn -0.1: want a finite number above 0"},
		{"NaN psi_warn", drift + "psi_warn = nan\n", "policy line 4: drift.psi_warn NaN: want a finite number above 0"},
		{"infinite psi_alert", drift + "psi_alert = inf\n", "policy line 4: drift.psi_alert +Inf: want a finite number above 0"},
		{"zero psi_alert", drift + "psi_warn = 0.1\npsi_alert = 0\n", "policy line 5: drift.psi_alert 0: want a finite number above 0"},
		{"psi_alert below psi_warn", drift + "psi_warn = 0.2\npsi_alert = 0.15\n", "policy line 5: drift.psi_alert 0.15 is below psi_warn 0.2: an alert is worse than a warning"},
		{"psi_alert below the default psi_warn", drift + "psi_alert = 0.05\n", "policy line 4: drift.psi_alert 0.05 is below psi_warn 0.1 (the default): an alert is worse than a warning"},
		{"psi_warn above the default psi_alert", drift + "psi_warn = 0.3\n", "policy line 4: drift.psi_warn 0.3 is above psi_alert 0.25 (the default): set psi_alert too, at least psi_warn"},
		{"zero dataset_share", drift + "dataset_share = 0\n", "policy line 4: drift.dataset_share 0: want a share above 0 and at most 1 (0.5: half the features)"},
		{"dataset_share above 1", drift + "dataset_share = 1.5\n", "policy line 4: drift.dataset_share 1.5: want a share above 0 and at most 1 (0.5: half the features)"},
		{"negative dataset_share", drift + "dataset_share = -0.5\n", "policy line 4: drift.dataset_share -0.5: want a share above 0 and at most 1 (0.5: half the features)"},
		{"NaN dataset_share", drift + "dataset_share = nan\n", "policy line 4: drift.dataset_share NaN: want a share above 0 and at most 1 (0.5: half the features)"},
		{"unknown window", drift + "window = \"week\"\n", `policy line 4: drift.window "week": want "batch" (each batch its own window), "hour" or "day"`},
		{"window in another case", drift + "window = \"Hour\"\n", `policy line 4: drift.window "Hour": want "batch" (each batch its own window), "hour" or "day"`},
		{"empty window", drift + "window = \"\"\n", `policy line 4: drift.window "": want "batch" (each batch its own window), "hour" or "day"`},
		{"empty prediction", drift + "prediction = \"\"\n", `policy line 4: drift.prediction is empty: name the column of the model's predictions, e.g. prediction = "prediction"`},
		{"empty label", drift + "label = \"\"\n", `policy line 4: drift.label is empty: name the column of the true labels, e.g. label = "label"`},
		{"empty challenger", drift + "challenger = \"\"\n", `policy line 4: drift.challenger is empty: name the column of a challenger's predictions, e.g. challenger = "challenger"`},
		{"label is the prediction", drift + "label = \"prediction\"\n", `policy line 4: drift.label "prediction" is also the prediction column: the prediction, label and challenger columns must differ`},
		{"prediction is the default label", drift + "prediction = \"label\"\n", `policy line 4: drift.prediction "label" is also the label column: the prediction, label and challenger columns must differ`},
		{"challenger is the label", drift + "challenger = \"label\"\n", `policy line 4: drift.challenger "label" is also the label column: the prediction, label and challenger columns must differ`},
		{"both set the same", drift + "prediction = \"y\"\nlabel = \"y\"\n", `policy line 5: drift.label "y" is also the prediction column: the prediction, label and challenger columns must differ`},
		{"an empty ignored column", drift + "ignore = [\"id\", \"\"]\n", `policy line 4: drift.ignore[2] "": want a column name`},
		{"a column ignored twice", drift + "ignore = [\"id\", \"ts\", \"id\"]\n", `policy line 4: drift.ignore[3] "id" is listed twice`},
		{"cooldown of weeks", drift + "cooldown = \"1w\"\n", `policy line 4: drift.cooldown "1w": want a duration such as "24h", "90m" or "1d"`},
		{"empty cooldown", drift + "cooldown = \"\"\n", `policy line 4: drift.cooldown "": want a duration such as "24h", "90m" or "1d"`},
		{"cooldown of no days", drift + "cooldown = \"d\"\n", `policy line 4: drift.cooldown "d": want a duration such as "24h", "90m" or "1d"`},
		{"cooldown of hours and days", drift + "cooldown = \"2h1d\"\n", `policy line 4: drift.cooldown "2h1d": want a duration such as "24h", "90m" or "1d"`},
		{"cooldown of an exponent of days", drift + "cooldown = \"1e3d\"\n", `policy line 4: drift.cooldown "1e3d": want a duration such as "24h", "90m" or "1d"`},
		{"cooldown with a space", drift + "cooldown = \"1 d\"\n", `policy line 4: drift.cooldown "1 d": want a duration such as "24h", "90m" or "1d"`},
		{"cooldown of too many days", drift + "cooldown = \"1000000d\"\n", `policy line 4: drift.cooldown "1000000d": want a duration such as "24h", "90m" or "1d"`},
		{"cooldown without a unit", drift + "cooldown = \"24\"\n", `policy line 4: drift.cooldown "24": want a duration such as "24h", "90m" or "1d"`},
		{"cooldown too short", drift + "cooldown = \"59s\"\n", `policy line 4: drift.cooldown "59s": want at least 1m`},
		{"cooldown of 0", drift + "cooldown = \"0\"\n", `policy line 4: drift.cooldown "0": want at least 1m`},
		{"cooldown of 0 days", drift + "cooldown = \"0d\"\n", `policy line 4: drift.cooldown "0d": want at least 1m`},
		{"negative cooldown", drift + "cooldown = \"-1h\"\n", `policy line 4: drift.cooldown "-1h": want at least 1m`},
		{"a relative watch folder", drift + "watch = \"incoming\"\n", `policy line 4: drift.watch "incoming": want an absolute path, or "" to watch no folder`},
		{"an inline drift", head + "drift = {psi_warn = 0.0}\n", "policy line 3: drift.psi_warn 0: want a finite number above 0"},
		{"an empty shadow", shadow, "policy line 3: shadow.min_rows is missing: how many paired rows of live traffic the comparison needs, e.g. min_rows = 1000"},
		{"shadow with only alpha", shadow + "alpha = 0.01\n", "policy line 3: shadow.min_rows is missing: how many paired rows of live traffic the comparison needs, e.g. min_rows = 1000"},
		{"an inline shadow without min_rows", head + "shadow = {alpha = 0.1}\n", "policy line 3: shadow.min_rows is missing: how many paired rows of live traffic the comparison needs, e.g. min_rows = 1000"},
		{"zero min_rows", shadow + "min_rows = 0\n", "policy line 4: shadow.min_rows 0: want 1 or more"},
		{"negative min_rows", shadow + "min_rows = -5\n", "policy line 4: shadow.min_rows -5: want 1 or more"},
		{"zero alpha", shadow + "min_rows = 10\nalpha = 0.0\n", "policy line 5: shadow.alpha 0: want a level above 0 and at most 0.5, e.g. 0.05"},
		{"alpha above 0.5", shadow + "min_rows = 10\nalpha = 0.6\n", "policy line 5: shadow.alpha 0.6: want a level above 0 and at most 0.5, e.g. 0.05"},
		{"alpha of 1", shadow + "min_rows = 10\nalpha = 1\n", "policy line 5: shadow.alpha 1: want a level above 0 and at most 0.5, e.g. 0.05"},
		{"negative alpha", shadow + "min_rows = 10\nalpha = -0.05\n", "policy line 5: shadow.alpha -0.05: want a level above 0 and at most 0.5, e.g. 0.05"},
		{"NaN alpha", shadow + "min_rows = 10\nalpha = nan\n", "policy line 5: shadow.alpha NaN: want a level above 0 and at most 0.5, e.g. 0.05"},
		{"a drift error after the other tables", head + "[[ranges]]\nmetric = \"a\"\nmin = 0.0\n[drift]\nwindow = \"month\"\n",
			`policy line 7: drift.window "month": want "batch" (each batch its own window), "hour" or "day"`},
	} {
		_, err := ParsePolicy(c.text)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", c.name)
		case !errors.Is(err, api.ErrInvalid):
			t.Errorf("%s: %v is not api.ErrInvalid", c.name, err)
		case err.Error() != c.want:
			t.Errorf("%s:\n got %s\nwant %s", c.name, err, c.want)
		}
	}
}

func TestCooldownDuration(t *testing.T) {
	for cooldown, want := range map[string]time.Duration{
		"24h": 24 * time.Hour, "1d": 24 * time.Hour, "1.5d": 36 * time.Hour, "36h": 36 * time.Hour,
		"90m": 90 * time.Minute, "1m": time.Minute, "7d": 7 * 24 * time.Hour, "1h30m": 90 * time.Minute,
		// Refused by ParsePolicy, so only in a DriftPolicy made in code: the default.
		"": 24 * time.Hour, "30s": 24 * time.Hour, "2h1d": 24 * time.Hour, "-1d": 24 * time.Hour, "soon": 24 * time.Hour,
	} {
		d := DefaultDriftPolicy()
		d.Cooldown = cooldown
		if got := d.CooldownDuration(); got != want {
			t.Errorf("CooldownDuration of %q = %v, want %v", cooldown, got, want)
		}
	}
}
