package registry

import (
	"math"
	"strings"
	"testing"

	"lathe/engine/api"
)

var (
	nan  = math.NaN()
	inf  = math.Inf(1)
	ninf = math.Inf(-1)
)

type metrics = map[string]float64

// want is what a test expects of one check; threshold nil wants none.
type want struct {
	slice, verdict, detail string
	threshold              *float64
}

func expectChecks(t *testing.T, name string, got []api.Check, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("%s: %d checks, want %d: %+v", name, len(got), len(wants), got)
		return
	}
	for i, w := range wants {
		expectCheck(t, name, got[i], w)
	}
}

func expectCheck(t *testing.T, name string, got api.Check, w want) {
	t.Helper()
	if got.Slice != w.slice || got.Verdict != w.verdict || got.Detail != w.detail {
		t.Errorf("%s:\n got %q %s: %s\nwant %q %s: %s", name, got.Slice, got.Verdict, got.Detail, w.slice, w.verdict, w.detail)
	}
	if strings.ContainsAny(got.Detail, "\n\r") {
		t.Errorf("%s: detail of more than one line: %q", name, got.Detail)
	}
	switch {
	case (got.Threshold == nil) != (w.threshold == nil):
		t.Errorf("%s: threshold %v, want %v", name, fl(got.Threshold), w.threshold)
	case w.threshold != nil && math.Abs(float64(*got.Threshold)-*w.threshold) > 1e-12:
		t.Errorf("%s: threshold %v, want %v", name, float64(*got.Threshold), *w.threshold)
	}
}

func fl(f *api.Float) any {
	if f == nil {
		return nil
	}
	return float64(*f)
}

// expectValue checks that a check carries a side's value as the candidate
// has it: nil when missing, NaN for NaN.
func expectValue(t *testing.T, name, side string, got *api.Float, m metrics, metric string) {
	t.Helper()
	v, ok := m[metric]
	switch {
	case !ok && got != nil:
		t.Errorf("%s: %s = %v, want nil", name, side, float64(*got))
	case ok && got == nil:
		t.Errorf("%s: %s = nil, want %v", name, side, v)
	case ok && !(float64(*got) == v || math.IsNaN(v) && math.IsNaN(float64(*got))):
		t.Errorf("%s: %s = %v, want %v", name, side, float64(*got), v)
	}
}

func TestPrimaryGate(t *testing.T) {
	maxAcc := func(abs, rel float64) Policy {
		p := DefaultPolicy("val_acc", "max")
		p.MinImprovement, p.MinImprovementRel = abs, rel
		return p
	}
	minLoss := func(abs, rel float64) Policy {
		p := DefaultPolicy("val_loss", "min")
		p.MinImprovement, p.MinImprovementRel = abs, rel
		return p
	}
	for _, c := range []struct {
		name         string
		p            Policy
		chal, champ  metrics // champ nil: no champion
		verdict, msg string
		threshold    *float64
	}{
		{"max improves by the threshold", maxAcc(0.005, 0), metrics{"val_acc": 0.962}, metrics{"val_acc": 0.957},
			api.Pass, "val_acc 0.962 against the champion's 0.957: +0.005, at least +0.005 wanted", ptr(0.005)},
		{"max exact boundary despite rounding", maxAcc(0.1, 0), metrics{"val_acc": 0.3}, metrics{"val_acc": 0.2},
			api.Pass, "val_acc 0.3 against the champion's 0.2: +0.1, at least +0.1 wanted", ptr(0.1)},
		{"max just short", maxAcc(0.1, 0), metrics{"val_acc": 0.2999}, metrics{"val_acc": 0.2},
			api.Fail, "val_acc 0.2999 against the champion's 0.2: +0.0999, at least +0.1 wanted", ptr(0.1)},
		{"max worse", maxAcc(0, 0), metrics{"val_acc": 0.95}, metrics{"val_acc": 0.957},
			api.Fail, "val_acc 0.95 against the champion's 0.957: -0.007, at least +0 wanted", ptr(0)},
		{"max equal, no improvement wanted", maxAcc(0, 0), metrics{"val_acc": 0.95}, metrics{"val_acc": 0.95},
			api.Pass, "val_acc 0.95 against the champion's 0.95: +0, at least +0 wanted", ptr(0)},
		{"min improves", minLoss(0.01, 0), metrics{"val_loss": 0.21}, metrics{"val_loss": 0.25},
			api.Pass, "val_loss 0.21 against the champion's 0.25: -0.04, at most -0.01 wanted", ptr(0.01)},
		{"min exact boundary despite rounding", minLoss(0.1, 0), metrics{"val_loss": 0.2}, metrics{"val_loss": 0.3},
			api.Pass, "val_loss 0.2 against the champion's 0.3: -0.1, at most -0.1 wanted", ptr(0.1)},
		{"min just short", minLoss(0.1, 0), metrics{"val_loss": 0.2001}, metrics{"val_loss": 0.3},
			api.Fail, "val_loss 0.2001 against the champion's 0.3: -0.0999, at most -0.1 wanted", ptr(0.1)},
		{"min worse", minLoss(0, 0), metrics{"val_loss": 0.26}, metrics{"val_loss": 0.25},
			api.Fail, "val_loss 0.26 against the champion's 0.25: +0.01, at most +0 wanted", ptr(0)},
		{"relative bound binds", maxAcc(0.005, 0.02), metrics{"val_acc": 0.81}, metrics{"val_acc": 0.8},
			api.Fail, "val_acc 0.81 against the champion's 0.8: +0.01, at least +0.016 wanted (2% of the champion's)", ptr(0.016)},
		{"relative bound met exactly", maxAcc(0, 0.1), metrics{"val_acc": 0.55}, metrics{"val_acc": 0.5},
			api.Pass, "val_acc 0.55 against the champion's 0.5: +0.05, at least +0.05 wanted (10% of the champion's)", ptr(0.05)},
		{"absolute bound binds", maxAcc(0.005, 0.01), metrics{"val_acc": 0.104}, metrics{"val_acc": 0.1},
			api.Fail, "val_acc 0.104 against the champion's 0.1: +0.004, at least +0.005 wanted", ptr(0.005)},
		{"relative to a champion of 0", maxAcc(0.005, 0.1), metrics{"val_acc": 0.01}, metrics{"val_acc": 0},
			api.Pass, "val_acc 0.01 against the champion's 0: +0.01, at least +0.005 wanted; min_improvement_rel not applied: relative to the champion's 0 it is undefined", ptr(0.005)},
		{"relative to a negative champion", func() Policy { p := DefaultPolicy("nll", "min"); p.MinImprovementRel = 0.1; return p }(),
			metrics{"nll": -2.1}, metrics{"nll": -2},
			api.Fail, "nll -2.1 against the champion's -2: -0.1, at most -0.2 wanted (10% of the champion's)", ptr(0.2)},
		{"close values get digits", maxAcc(0, 0), metrics{"val_acc": 0.96234}, metrics{"val_acc": 0.96231},
			api.Pass, "val_acc 0.96234 against the champion's 0.96231: +3e-05, at least +0 wanted", ptr(0)},
		{"no champion", maxAcc(0.005, 0.01), metrics{"val_acc": 0.962}, nil,
			api.Pass, "no champion yet: val_acc 0.962", nil},
		{"no champion, NaN", maxAcc(0, 0), metrics{"val_acc": nan}, nil, api.Fail, "val_acc is NaN", nil},
		{"missing", maxAcc(0, 0), metrics{"loss": 1}, metrics{"val_acc": 0.9}, api.Fail, "val_acc is missing", nil},
		{"NaN", maxAcc(0, 0), metrics{"val_acc": nan}, metrics{"val_acc": 0.9}, api.Fail, "val_acc is NaN", nil},
		{"+Inf", maxAcc(0, 0), metrics{"val_acc": inf}, metrics{"val_acc": 0.9}, api.Fail, "val_acc is +Inf", nil},
		{"-Inf", minLoss(0, 0), metrics{"val_loss": ninf}, metrics{"val_loss": 0.9}, api.Fail, "val_loss is -Inf", nil},
		{"champion's missing", maxAcc(0, 0), metrics{"val_acc": 0.9}, metrics{},
			api.Fail, "the champion's val_acc is missing: the comparison cannot be made", nil},
		{"champion's NaN", maxAcc(0, 0), metrics{"val_acc": 0.9}, metrics{"val_acc": nan},
			api.Fail, "the champion's val_acc is NaN: the comparison cannot be made", nil},
		{"champion's -Inf", maxAcc(0, 0), metrics{"val_acc": 0.9}, metrics{"val_acc": ninf},
			api.Fail, "the champion's val_acc is -Inf: the comparison cannot be made", nil},
		{"no primary metric", DefaultPolicy("", ""), metrics{"val_acc": 0.9}, nil,
			api.Fail, "no primary metric set: lathe policy set", nil},
		{"no direction", DefaultPolicy("val_acc", ""), metrics{"val_acc": 0.9}, metrics{"val_acc": 0.8},
			api.Fail, `val_acc: direction "" is neither max nor min: lathe policy set`, nil},
	} {
		var champ *Candidate
		if c.champ != nil {
			champ = &Candidate{Version: 1, Metrics: c.champ}
		}
		checks := Evaluate(c.p, Candidate{Version: 2, Metrics: c.chal}, champ, Live{})
		if len(checks) != 1 {
			t.Errorf("%s: %d checks", c.name, len(checks))
			continue
		}
		got := checks[0]
		if got.Gate != GatePrimary || got.Metric != c.p.PrimaryMetric {
			t.Errorf("%s: gate %q metric %q", c.name, got.Gate, got.Metric)
		}
		expectCheck(t, c.name, got, want{"", c.verdict, c.msg, c.threshold})
		expectValue(t, c.name, "challenger", got.Challenger, c.chal, c.p.PrimaryMetric)
		expectValue(t, c.name, "champion", got.Champion, c.champ, c.p.PrimaryMetric)
	}
}

func TestGuardrailGate(t *testing.T) {
	latency := func(abs, rel float64) Guardrail {
		return Guardrail{Metric: "latency_ms", Direction: "min", MaxRegression: abs, MaxRegressionRel: rel}
	}
	for _, c := range []struct {
		name         string
		g            Guardrail
		chal, champ  metrics
		verdict, msg string
		threshold    *float64
	}{
		{"min, within", latency(5, 0), metrics{"latency_ms": 12}, metrics{"latency_ms": 10},
			api.Pass, "latency_ms 12 against the champion's 10: +2 (2 worse), at most 5 worse allowed", ptr(5)},
		{"min, exactly the tolerance", latency(5, 0), metrics{"latency_ms": 15}, metrics{"latency_ms": 10},
			api.Pass, "latency_ms 15 against the champion's 10: +5 (5 worse), at most 5 worse allowed", ptr(5)},
		{"min, beyond", latency(5, 0), metrics{"latency_ms": 15.5}, metrics{"latency_ms": 10},
			api.Fail, "latency_ms 15.5 against the champion's 10: +5.5 (5.5 worse), at most 5 worse allowed", ptr(5)},
		{"min, better", latency(0, 0), metrics{"latency_ms": 9}, metrics{"latency_ms": 10},
			api.Pass, "latency_ms 9 against the champion's 10: -1 (1 better), at most 0 worse allowed", ptr(0)},
		{"min, unchanged with no tolerance", latency(0, 0), metrics{"latency_ms": 10}, metrics{"latency_ms": 10},
			api.Pass, "latency_ms 10 against the champion's 10: +0 (no change), at most 0 worse allowed", ptr(0)},
		{"max, beyond", Guardrail{Metric: "throughput", Direction: "max", MaxRegression: 5}, metrics{"throughput": 90}, metrics{"throughput": 100},
			api.Fail, "throughput 90 against the champion's 100: -10 (10 worse), at most 5 worse allowed", ptr(5)},
		{"max, exact boundary despite rounding", Guardrail{Metric: "acc", Direction: "max", MaxRegression: 0.1}, metrics{"acc": 0.7}, metrics{"acc": 0.8},
			api.Pass, "acc 0.7 against the champion's 0.8: -0.1 (0.1 worse), at most 0.1 worse allowed", ptr(0.1)},
		{"max, better", Guardrail{Metric: "acc", Direction: "max", MaxRegression: 0}, metrics{"acc": 0.9}, metrics{"acc": 0.8},
			api.Pass, "acc 0.9 against the champion's 0.8: +0.1 (0.1 better), at most 0 worse allowed", ptr(0)},
		{"relative bound is tighter", latency(5, 0.05), metrics{"latency_ms": 10.8}, metrics{"latency_ms": 10},
			api.Fail, "latency_ms 10.8 against the champion's 10: +0.8 (0.8 worse), at most 0.5 worse allowed (5% of the champion's)", ptr(0.5)},
		{"relative bound met exactly", latency(5, 0.05), metrics{"latency_ms": 10.5}, metrics{"latency_ms": 10},
			api.Pass, "latency_ms 10.5 against the champion's 10: +0.5 (0.5 worse), at most 0.5 worse allowed (5% of the champion's)", ptr(0.5)},
		{"absolute bound is tighter", latency(0.2, 0.05), metrics{"latency_ms": 10.3}, metrics{"latency_ms": 10},
			api.Fail, "latency_ms 10.3 against the champion's 10: +0.3 (0.3 worse), at most 0.2 worse allowed", ptr(0.2)},
		{"relative to a champion of 0", latency(0.5, 0.1), metrics{"latency_ms": 0.3}, metrics{"latency_ms": 0},
			api.Pass, "latency_ms 0.3 against the champion's 0: +0.3 (0.3 worse), at most 0.5 worse allowed; max_regression_rel not applied: relative to the champion's 0 it is undefined", ptr(0.5)},
		{"no champion", latency(5, 0), metrics{"latency_ms": 12}, nil, api.Pass, "no champion yet: latency_ms 12", nil},
		{"no champion, missing", latency(5, 0), metrics{}, nil, api.Fail, "latency_ms is missing", nil},
		{"missing", latency(5, 0), metrics{"val_acc": 1}, metrics{"latency_ms": 10}, api.Fail, "latency_ms is missing", nil},
		{"NaN", latency(5, 0), metrics{"latency_ms": nan}, metrics{"latency_ms": 10}, api.Fail, "latency_ms is NaN", nil},
		{"+Inf", latency(5, 0), metrics{"latency_ms": inf}, metrics{"latency_ms": 10}, api.Fail, "latency_ms is +Inf", nil},
		{"-Inf", latency(5, 0), metrics{"latency_ms": ninf}, metrics{"latency_ms": 10}, api.Fail, "latency_ms is -Inf", nil},
		{"champion's missing", latency(5, 0), metrics{"latency_ms": 10}, metrics{},
			api.Fail, "the champion's latency_ms is missing: the comparison cannot be made", nil},
		{"champion's NaN", latency(5, 0), metrics{"latency_ms": 10}, metrics{"latency_ms": nan},
			api.Fail, "the champion's latency_ms is NaN: the comparison cannot be made", nil},
		{"champion's +Inf", latency(5, 0), metrics{"latency_ms": 10}, metrics{"latency_ms": inf},
			api.Fail, "the champion's latency_ms is +Inf: the comparison cannot be made", nil},
		{"no direction", Guardrail{Metric: "latency_ms", MaxRegression: 5}, metrics{"latency_ms": 10}, metrics{"latency_ms": 10},
			api.Fail, `latency_ms: direction "" is neither max nor min: lathe policy set`, nil},
		{"no direction, no champion", Guardrail{Metric: "latency_ms", Direction: "lower"}, metrics{"latency_ms": 10}, nil,
			api.Fail, `latency_ms: direction "lower" is neither max nor min: lathe policy set`, nil},
	} {
		p := DefaultPolicy("val_acc", "max")
		p.Guardrails = []Guardrail{c.g}
		var champ *Candidate
		if c.champ != nil {
			champ = &Candidate{Metrics: c.champ}
		}
		checks := Evaluate(p, Candidate{Metrics: c.chal}, champ, Live{})
		if len(checks) != 2 {
			t.Errorf("%s: %d checks", c.name, len(checks))
			continue
		}
		got := checks[1]
		if got.Gate != GateGuardrail || got.Metric != c.g.Metric {
			t.Errorf("%s: gate %q metric %q", c.name, got.Gate, got.Metric)
		}
		expectCheck(t, c.name, got, want{"", c.verdict, c.msg, c.threshold})
		expectValue(t, c.name, "challenger", got.Challenger, c.chal, c.g.Metric)
		expectValue(t, c.name, "champion", got.Champion, c.champ, c.g.Metric)
	}
}

func TestSliceGates(t *testing.T) {
	type evals = map[string]map[string]float64
	acc := func(maxRegression float64, minCount int) *SlicePolicy {
		return &SlicePolicy{Metric: "acc", MaxRegression: maxRegression, MinCount: minCount}
	}
	champion := evals{"class=0": {"acc": 0.9}, "class=1": {"acc": 0.8, "f1": 0.7}}
	for _, c := range []struct {
		name        string
		direction   string // the policy's
		s           *SlicePolicy
		chal, champ evals // champ nil: no champion
		want        []want
	}{
		{"within the tolerance; new slices ignored", "max", acc(0.02, 1),
			evals{"class=0": {"acc": 0.91}, "class=1": {"acc": 0.79}, "class=2": {"acc": 0.1}}, champion, []want{
				{"", api.Pass, "3 slices with acc, at least 1 wanted", ptr(1)},
				{"class=0", api.Pass, "acc[class=0] 0.91 against the champion's 0.9: +0.01 (0.01 better), at most 0.02 worse allowed", ptr(0.02)},
				{"class=1", api.Pass, "acc[class=1] 0.79 against the champion's 0.8: -0.01 (0.01 worse), at most 0.02 worse allowed", ptr(0.02)},
			}},
		{"one slice beyond", "max", acc(0.02, 1),
			evals{"class=0": {"acc": 0.95}, "class=1": {"acc": 0.77}}, champion, []want{
				{"", api.Pass, "2 slices with acc, at least 1 wanted", ptr(1)},
				{"class=0", api.Pass, "acc[class=0] 0.95 against the champion's 0.9: +0.05 (0.05 better), at most 0.02 worse allowed", ptr(0.02)},
				{"class=1", api.Fail, "acc[class=1] 0.77 against the champion's 0.8: -0.03 (0.03 worse), at most 0.02 worse allowed", ptr(0.02)},
			}},
		{"exact boundary despite rounding", "max", acc(0.02, 0),
			evals{"class=0": {"acc": 0.9}, "class=1": {"acc": 0.78}}, champion, []want{
				{"class=0", api.Pass, "acc[class=0] 0.9 against the champion's 0.9: +0 (no change), at most 0.02 worse allowed", ptr(0.02)},
				{"class=1", api.Pass, "acc[class=1] 0.78 against the champion's 0.8: -0.02 (0.02 worse), at most 0.02 worse allowed", ptr(0.02)},
			}},
		{"a missing slice fails at min_count 1", "max", acc(0.02, 1),
			evals{"class=0": {"acc": 0.9}, "class=1": {"f1": 0.9}}, champion, []want{
				{"", api.Pass, "1 slices with acc, at least 1 wanted", ptr(1)},
				{"class=0", api.Pass, "acc[class=0] 0.9 against the champion's 0.9: +0 (no change), at most 0.02 worse allowed", ptr(0.02)},
				{"class=1", api.Fail, "slice class=1 missing", nil},
			}},
		{"a missing slice is not measured at min_count 0", "max", acc(0.02, 0),
			evals{"class=0": {"acc": 0.9}}, champion, []want{
				{"class=0", api.Pass, "acc[class=0] 0.9 against the champion's 0.9: +0 (no change), at most 0.02 worse allowed", ptr(0.02)},
				{"class=1", api.NotMeasured, "slice class=1 missing (min_count 0 allows it)", nil},
			}},
		{"fewer slices than min_count", "max", acc(0.02, 3),
			evals{"class=0": {"acc": 0.9}, "class=1": {"acc": 0.8}}, champion, []want{
				{"", api.Fail, "2 slices with acc, at least 3 wanted", ptr(3)},
				{"class=0", api.Pass, "acc[class=0] 0.9 against the champion's 0.9: +0 (no change), at most 0.02 worse allowed", ptr(0.02)},
				{"class=1", api.Pass, "acc[class=1] 0.8 against the champion's 0.8: +0 (no change), at most 0.02 worse allowed", ptr(0.02)},
			}},
		{"no champion", "max", acc(0.02, 1), evals{"a": {"acc": 0.5}}, nil, []want{
			{"", api.Pass, "1 slices with acc, at least 1 wanted", ptr(1)},
			{"", api.Pass, "no champion yet", nil},
		}},
		{"no champion, no slices", "max", acc(0.02, 1), nil, nil, []want{
			{"", api.Fail, "0 slices with acc, at least 1 wanted", ptr(1)},
			{"", api.Pass, "no champion yet", nil},
		}},
		{"no champion, min_count 0", "max", acc(0.02, 0), nil, nil, []want{
			{"", api.Pass, "no champion yet", nil},
		}},
		{"the champion has no slices", "max", acc(0.02, 0), evals{"a": {"acc": 0.5}}, evals{"a": {"f1": 0.5}}, []want{
			{"", api.Pass, "the champion has no slices with acc: nothing to compare", nil},
		}},
		{"NaN and Inf", "max", acc(0.02, 1),
			evals{"a": {"acc": nan}, "b": {"acc": 0.5}, "c": {"acc": inf}}, evals{"a": {"acc": 0.5}, "b": {"acc": nan}, "c": {"acc": 0.5}}, []want{
				{"", api.Pass, "3 slices with acc, at least 1 wanted", ptr(1)},
				{"a", api.Fail, "acc[a] is NaN", nil},
				{"b", api.Fail, "the champion's acc[b] is NaN: the comparison cannot be made", nil},
				{"c", api.Fail, "acc[c] is +Inf", nil},
			}},
		{"slices sorted by name", "max", acc(0, 0),
			evals{"b": {"acc": 1}, "a": {"acc": 1}, "c": {"acc": 1}}, evals{"c": {"acc": 1}, "a": {"acc": 1}, "b": {"acc": 1}}, []want{
				{"a", api.Pass, "acc[a] 1 against the champion's 1: +0 (no change), at most 0 worse allowed", ptr(0)},
				{"b", api.Pass, "acc[b] 1 against the champion's 1: +0 (no change), at most 0 worse allowed", ptr(0)},
				{"c", api.Pass, "acc[c] 1 against the champion's 1: +0 (no change), at most 0 worse allowed", ptr(0)},
			}},
		{"the slices' own direction", "max", &SlicePolicy{Metric: "loss", Direction: "min", MaxRegression: 0.02},
			evals{"g=x": {"loss": 0.3}, "g=y": {"loss": 0.2}}, evals{"g=x": {"loss": 0.25}, "g=y": {"loss": 0.25}}, []want{
				{"g=x", api.Fail, "loss[g=x] 0.3 against the champion's 0.25: +0.05 (0.05 worse), at most 0.02 worse allowed", ptr(0.02)},
				{"g=y", api.Pass, "loss[g=y] 0.2 against the champion's 0.25: -0.05 (0.05 better), at most 0.02 worse allowed", ptr(0.02)},
			}},
		{"the policy's direction lent", "min", &SlicePolicy{Metric: "loss", MaxRegression: 0.02},
			evals{"g=x": {"loss": 0.3}}, evals{"g=x": {"loss": 0.25}}, []want{
				{"g=x", api.Fail, "loss[g=x] 0.3 against the champion's 0.25: +0.05 (0.05 worse), at most 0.02 worse allowed", ptr(0.02)},
			}},
		{"an odd slice name is quoted", "max", acc(0, 1), evals{}, evals{"a\nb": {"acc": 1}}, []want{
			{"", api.Fail, "0 slices with acc, at least 1 wanted", ptr(1)},
			{"a\nb", api.Fail, `slice "a\nb" missing`, nil},
		}},
		{"no direction", "", acc(0, 1), evals{}, champion, []want{
			{"", api.Fail, `slices of acc: direction "" is neither max nor min: lathe policy set`, nil},
		}},
		{"no metric", "max", &SlicePolicy{}, evals{}, champion, []want{
			{"", api.Fail, "slices: no metric set: lathe policy set", nil},
		}},
	} {
		p := DefaultPolicy("val_acc", c.direction)
		p.Slices = c.s
		var champ *Candidate
		if c.champ != nil {
			champ = &Candidate{Metrics: metrics{"val_acc": 0.9}, Evals: c.champ}
		}
		checks := Evaluate(p, Candidate{Metrics: metrics{"val_acc": 0.95}, Evals: c.chal}, champ, Live{})
		for _, got := range checks[1:] {
			if got.Gate != GateSlice || got.Metric != c.s.Metric {
				t.Errorf("%s: gate %q metric %q", c.name, got.Gate, got.Metric)
			}
			if got.Slice != "" && c.champ != nil {
				expectValue(t, c.name, "champion", got.Champion, c.champ[got.Slice], c.s.Metric)
				expectValue(t, c.name, "challenger", got.Challenger, c.chal[got.Slice], c.s.Metric)
			}
		}
		expectChecks(t, c.name, checks[1:], c.want)
	}
}

func TestRangeGate(t *testing.T) {
	for _, c := range []struct {
		name         string
		r            Range
		chal         metrics
		verdict, msg string
		threshold    *float64
	}{
		{"within", Range{Metric: "val_acc", Min: ptr(0), Max: ptr(1)}, metrics{"val_acc": 0.962}, api.Pass, "val_acc 0.962 is within [0, 1]", nil},
		{"at the max", Range{Metric: "val_acc", Min: ptr(0), Max: ptr(1)}, metrics{"val_acc": 1}, api.Pass, "val_acc 1 is within [0, 1]", nil},
		{"at the min", Range{Metric: "val_acc", Min: ptr(0), Max: ptr(1)}, metrics{"val_acc": 0}, api.Pass, "val_acc 0 is within [0, 1]", nil},
		{"below", Range{Metric: "val_acc", Min: ptr(0), Max: ptr(1)}, metrics{"val_acc": -0.1}, api.Fail, "val_acc -0.1 is below the range's min 0", ptr(0)},
		{"above", Range{Metric: "val_acc", Min: ptr(0), Max: ptr(1)}, metrics{"val_acc": 1.2}, api.Fail, "val_acc 1.2 is above the range's max 1", ptr(1)},
		{"above by a hair", Range{Metric: "val_acc", Max: ptr(1.00001)}, metrics{"val_acc": 1.00002}, api.Fail, "val_acc 1.00002 is above the range's max 1.00001", ptr(1.00001)},
		{"min only", Range{Metric: "loss", Min: ptr(0)}, metrics{"loss": 1e9}, api.Pass, "loss 1e+09 is at least 0", nil},
		{"max only", Range{Metric: "loss", Max: ptr(10)}, metrics{"loss": -3}, api.Pass, "loss -3 is at most 10", nil},
		{"no ends", Range{Metric: "loss"}, metrics{"loss": 2}, api.Pass, "loss 2: the range has no ends", nil},
		{"missing", Range{Metric: "val_acc", Min: ptr(0)}, metrics{}, api.Fail, "val_acc is missing", nil},
		{"NaN", Range{Metric: "val_acc", Min: ptr(0)}, metrics{"val_acc": nan}, api.Fail, "val_acc is NaN", nil},
		{"+Inf", Range{Metric: "val_acc", Min: ptr(0)}, metrics{"val_acc": inf}, api.Fail, "val_acc is +Inf", nil},
		{"no metric", Range{Min: ptr(0)}, metrics{}, api.Fail, "a range names no metric: lathe policy set", nil},
	} {
		p := DefaultPolicy("val_acc", "max")
		p.Ranges = []Range{c.r}
		// A champion changes nothing: a range reads the challenger alone.
		checks := Evaluate(p, Candidate{Metrics: c.chal}, &Candidate{Metrics: metrics{"val_acc": 0.5, "loss": 1}}, Live{})
		got := checks[len(checks)-1]
		if got.Gate != GateRange || got.Metric != c.r.Metric || got.Champion != nil {
			t.Errorf("%s: gate %q metric %q champion %v", c.name, got.Gate, got.Metric, fl(got.Champion))
		}
		expectCheck(t, c.name, got, want{"", c.verdict, c.msg, c.threshold})
		expectValue(t, c.name, "challenger", got.Challenger, c.chal, c.r.Metric)
	}
}

func TestDriftGate(t *testing.T) {
	const window = "window #8 of 2026-12-02 10:00: 3 of 5 features alert (age, income, city)"
	for _, c := range []struct {
		name         string
		live         Live
		verdict, msg string
		blocked      bool
	}{
		{"not measured", Live{}, api.NotMeasured, "drift is not measured", false},
		{"ok", Live{Drift: "ok"}, api.Pass, "drift ok", false},
		{"warn", Live{Drift: "warn"}, api.Pass, "drift warns (only an alert blocks)", false},
		{"alert", Live{Drift: "alert"}, api.Fail, "drift alerts", true},
		{"unknown", Live{Drift: "ALERT"}, api.Fail, `drift status "ALERT" is unknown`, true},
		{"alert, with its window", Live{Drift: "alert", DriftDetail: window}, api.Fail, "drift alerts: " + window, true},
		{"ok, with its window", Live{Drift: "ok", DriftDetail: "window #9 of 2026-12-02 11:00: 0 of 5 features alert"},
			api.Pass, "drift ok: window #9 of 2026-12-02 11:00: 0 of 5 features alert", false},
		{"warn, with its window", Live{Drift: "warn", DriftDetail: "window #3: 1 of 5 features warn (age)"},
			api.Pass, "drift warns: window #3: 1 of 5 features warn (age) (only an alert blocks)", false},
		{"not measured, why", Live{DriftDetail: "no reference for v4: lathe drift ref"},
			api.NotMeasured, "drift is not measured: no reference for v4: lathe drift ref", false},
		{"unknown, with a window", Live{Drift: "red", DriftDetail: "window #1"}, api.Fail, `drift status "red" is unknown: window #1`, true},
		{"a detail on one line", Live{Drift: "alert", DriftDetail: " window #8:\n  age,\tincome \n"}, api.Fail, "drift alerts: window #8: age, income", true},
		// Shadow evaluation is the shadow gate's: the drift gate ignores it.
		{"shadow ignored", Live{Drift: "ok", Shadow: &api.Shadow{Rows: 1}}, api.Pass, "drift ok", false},
	} {
		p := DefaultPolicy("val_acc", "max")
		p.RequireDriftOK = true
		checks := Evaluate(p, Candidate{Metrics: metrics{"val_acc": 0.9}}, nil, c.live)
		if len(checks) != 2 || checks[1].Gate != GateDrift {
			t.Errorf("%s: checks %+v", c.name, checks)
			continue
		}
		expectCheck(t, c.name, checks[1], want{"", c.verdict, c.msg, nil})
		if Blocked(checks) != c.blocked {
			t.Errorf("%s: Blocked = %v", c.name, !c.blocked)
		}
	}
	// Not required: no gate, whatever drift says.
	if checks := Evaluate(DefaultPolicy("val_acc", "max"), Candidate{Metrics: metrics{"val_acc": 0.9}}, nil, Live{Drift: "alert", DriftDetail: window}); len(checks) != 1 {
		t.Errorf("drift not required: %+v", checks)
	}
}

func TestShadowGate(t *testing.T) {
	// shadow is a challenger v4's accuracy beside the champion's, better
	// at 0.05; each case changes what it tests.
	shadow := func(change func(*api.Shadow)) *api.Shadow {
		s := &api.Shadow{Version: 4, Metric: "accuracy", Test: "mcnemar", Rows: 1200,
			Champion: 0.897, Challenger: 0.912, Diff: 0.015, Lo: 0.001, Hi: 0.03, PValue: 0.04, Better: true,
			ChampionOnly: 20, ChallengerOnly: 38}
		if change != nil {
			change(s)
		}
		return s
	}
	worse := func(s *api.Shadow) {
		s.Champion, s.Challenger, s.Diff, s.Lo, s.Hi, s.Better = 0.912, 0.897, -0.015, -0.03, -0.001, false
	}
	policy := func(minRows int, alpha float64) *ShadowPolicy { return &ShadowPolicy{MinRows: minRows, Alpha: alpha} }
	const ingest = `ingest batches carrying its predictions in column "challenger" with --challenger 4`
	for _, c := range []struct {
		name         string
		s            *ShadowPolicy
		noChampion   bool
		live         *api.Shadow
		verdict, msg string
		metric, dir  string
		chal, champ  *float64
		threshold    *float64
	}{
		{"no champion", policy(1000, 0.05), true, nil,
			api.Pass, "no champion yet: nothing to compare on live traffic", "", "", nil, nil, nil},
		{"no champion, a shadow evaluation", policy(1000, 0.05), true, shadow(worse),
			api.Pass, "no champion yet: nothing to compare on live traffic", "", "", nil, nil, nil},
		{"no shadow evaluation", policy(1000, 0.05), false, nil,
			api.Fail, "no shadow evaluation of v4 yet: " + ingest, "", "", nil, nil, nil},
		{"another version's shadow evaluation", policy(1000, 0.05), false, shadow(func(s *api.Shadow) { s.Version = 3 }),
			api.Fail, "no shadow evaluation of v4 yet (the live one is of v3): " + ingest, "", "", nil, nil, nil},
		{"too few rows", policy(2000, 0.05), false, shadow(nil),
			api.Fail, "1 200 of 2 000 paired rows on live traffic", "accuracy", "max", ptr(1200), nil, ptr(2000)},
		{"no rows", policy(1, 0.05), false, shadow(func(s *api.Shadow) { s.Rows = 0 }),
			api.Fail, "0 of 1 paired rows on live traffic", "accuracy", "max", ptr(0), nil, ptr(1)},
		{"better", policy(1000, 0.05), false, shadow(nil),
			api.Pass, "accuracy 0.912 against the champion's 0.897 on 1 200 live rows: +0.015 [+0.001, +0.03], McNemar p 0.04: better at α 0.05",
			"accuracy", "max", ptr(0.912), ptr(0.897), ptr(0.05)},
		{"exactly min_rows, p exactly alpha", policy(1200, 0.04), false, shadow(nil),
			api.Pass, "accuracy 0.912 against the champion's 0.897 on 1 200 live rows: +0.015 [+0.001, +0.03], McNemar p 0.04: better at α 0.04",
			"accuracy", "max", ptr(0.912), ptr(0.897), ptr(0.04)},
		{"worse", policy(1000, 0.05), false, shadow(worse),
			api.Fail, "accuracy 0.897 against the champion's 0.912 on 1 200 live rows: -0.015 [-0.03, -0.001], McNemar p 0.04: not better at α 0.05",
			"accuracy", "max", ptr(0.897), ptr(0.912), ptr(0.05)},
		{"worse, though the evaluation says better", policy(1000, 0.05), false, shadow(func(s *api.Shadow) { worse(s); s.Better = true }),
			api.Fail, "accuracy 0.897 against the champion's 0.912 on 1 200 live rows: -0.015 [-0.03, -0.001], McNemar p 0.04: not better at α 0.05",
			"accuracy", "max", ptr(0.897), ptr(0.912), ptr(0.05)},
		{"better at the evaluation's level, not the policy's", policy(1000, 0.01), false, shadow(nil),
			api.Fail, "accuracy 0.912 against the champion's 0.897 on 1 200 live rows: +0.015 [+0.001, +0.03], McNemar p 0.04: not better at α 0.01",
			"accuracy", "max", ptr(0.912), ptr(0.897), ptr(0.01)},
		{"p just above alpha gets digits", policy(1000, 0.05), false, shadow(func(s *api.Shadow) { s.PValue = 0.050001 }),
			api.Fail, "accuracy 0.912 against the champion's 0.897 on 1 200 live rows: +0.015 [+0.001, +0.03], McNemar p 0.050001: not better at α 0.05",
			"accuracy", "max", ptr(0.912), ptr(0.897), ptr(0.05)},
		{"the evaluation does not say better", policy(1000, 0.05), false, shadow(func(s *api.Shadow) { s.Better = false }),
			api.Fail, "accuracy 0.912 against the champion's 0.897 on 1 200 live rows: +0.015 [+0.001, +0.03], McNemar p 0.04: not better at α 0.05 (the evaluation did not find it better)",
			"accuracy", "max", ptr(0.912), ptr(0.897), ptr(0.05)},
		{"no difference", policy(1000, 0.05), false, shadow(func(s *api.Shadow) {
			s.Challenger, s.Diff, s.Lo, s.Hi, s.PValue, s.Test = 0.897, 0, -0.01, 0.01, 1, "mcnemar-exact"
		}),
			api.Fail, "accuracy 0.897 against the champion's 0.897 on 1 200 live rows: +0 [-0.01, +0.01], exact McNemar p 1: not better at α 0.05",
			"accuracy", "max", ptr(0.897), ptr(0.897), ptr(0.05)},
		{"NaN p-value", policy(1000, 0.05), false, shadow(func(s *api.Shadow) { s.PValue = api.Float(nan) }),
			api.Fail, "accuracy 0.912 against the champion's 0.897 on 1 200 live rows: +0.015 [+0.001, +0.03], McNemar p NaN: not better at α 0.05",
			"accuracy", "max", ptr(0.912), ptr(0.897), ptr(0.05)},
		{"rmse lower is better", policy(100, 0.05), false, shadow(func(s *api.Shadow) {
			s.Metric, s.Test, s.Rows, s.Champion, s.Challenger, s.Diff, s.Lo, s.Hi, s.PValue = "rmse", "bootstrap", 500, 2.5, 2.1, -0.4, -0.7, -0.1, 0.002
		}),
			api.Pass, "rmse 2.1 against the champion's 2.5 on 500 live rows: -0.4 [-0.7, -0.1], bootstrap p 0.002: better at α 0.05",
			"rmse", "min", ptr(2.1), ptr(2.5), ptr(0.05)},
		{"mae higher is worse", policy(100, 0.05), false, shadow(func(s *api.Shadow) {
			s.Metric, s.Test, s.Champion, s.Challenger, s.Diff, s.Lo, s.Hi, s.PValue = "mae", "bootstrap", 1, 1.2, 0.2, 0.1, 0.3, 0.001
		}),
			api.Fail, "mae 1.2 against the champion's 1 on 1 200 live rows: +0.2 [+0.1, +0.3], bootstrap p 0.001: not better at α 0.05",
			"mae", "min", ptr(1.2), ptr(1), ptr(0.05)},
		{"auc", policy(1000, 0.05), false, shadow(func(s *api.Shadow) {
			s.Metric, s.Test, s.Rows, s.Champion, s.Challenger, s.Diff, s.Lo, s.Hi, s.PValue = "auc", "bootstrap", 1234567, 0.81, 0.83, 0.02, 0.01, 0.03, 0.0001
		}),
			api.Pass, "auc 0.83 against the champion's 0.81 on 1 234 567 live rows: +0.02 [+0.01, +0.03], bootstrap p 0.0001: better at α 0.05",
			"auc", "max", ptr(0.83), ptr(0.81), ptr(0.05)},
		{"a metric of unknown direction", policy(1000, 0.05), false, shadow(func(s *api.Shadow) { s.Metric = "f1" }),
			api.Fail, "shadow evaluation on f1: not a metric with a known direction (accuracy, auc, rmse, mae)", "f1", "", nil, nil, nil},
		{"an unknown test", policy(1000, 0.05), false, shadow(func(s *api.Shadow) { s.Test = "wilcoxon" }),
			api.Pass, "accuracy 0.912 against the champion's 0.897 on 1 200 live rows: +0.015 [+0.001, +0.03], wilcoxon p 0.04: better at α 0.05",
			"accuracy", "max", ptr(0.912), ptr(0.897), ptr(0.05)},
		{"alpha of a policy made in code", policy(1000, 0), false, shadow(nil),
			api.Fail, "shadow: alpha 0 is not a level above 0 and at most 0.5: lathe policy set", "", "", nil, nil, nil},
	} {
		p := DefaultPolicy("val_acc", "max")
		p.Shadow = c.s
		var champ *Candidate
		if !c.noChampion {
			champ = &Candidate{Version: 3, Metrics: metrics{"val_acc": 0.9}}
		}
		checks := Evaluate(p, Candidate{Version: 4, Metrics: metrics{"val_acc": 0.95}}, champ, Live{Drift: "alert", Shadow: c.live})
		if len(checks) != 2 || checks[1].Gate != GateShadow {
			t.Errorf("%s: checks %+v", c.name, checks)
			continue
		}
		got := checks[1]
		expectCheck(t, c.name, got, want{"", c.verdict, c.msg, c.threshold})
		if got.Metric != c.metric || got.Direction != c.dir {
			t.Errorf("%s: metric %q direction %q, want %q %q", c.name, got.Metric, got.Direction, c.metric, c.dir)
		}
		if !sameFloat(got.Challenger, c.chal) || !sameFloat(got.Champion, c.champ) {
			t.Errorf("%s: challenger %v champion %v, want %v %v", c.name, fl(got.Challenger), fl(got.Champion), c.chal, c.champ)
		}
	}
	// The column named is the policy's.
	p := DefaultPolicy("val_acc", "max")
	p.Shadow = policy(10, 0.05)
	p.Drift.Challenger = "pred_v4"
	got := Evaluate(p, Candidate{Version: 4}, &Candidate{Version: 3}, Live{})[1]
	if want := `no shadow evaluation of v4 yet: ingest batches carrying its predictions in column "pred_v4" with --challenger 4`; got.Detail != want {
		t.Errorf("another column:\n got %s\nwant %s", got.Detail, want)
	}
	// No [shadow]: no gate, whatever the shadow evaluation says.
	if checks := Evaluate(DefaultPolicy("val_acc", "max"), Candidate{Version: 4, Metrics: metrics{"val_acc": 0.9}}, &Candidate{Version: 3},
		Live{Shadow: shadow(worse)}); len(checks) != 1 {
		t.Errorf("no shadow policy: %+v", checks)
	}
}

// sameFloat reports whether a check's value is want (both nil, or equal).
func sameFloat(got *api.Float, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return float64(*got) == *want
}

// TestEvaluate runs the example policy: one check per rule, in the
// documented order.
func TestEvaluate(t *testing.T) {
	p, err := ParsePolicy(examplePolicy)
	if err != nil {
		t.Fatal(err)
	}
	p.Guardrails = append(p.Guardrails, Guardrail{Metric: "mem_gb", Direction: "min", MaxRegression: 1})
	p.Ranges = append(p.Ranges, Range{Metric: "latency_ms", Min: ptr(0)})
	champion := &Candidate{Version: 3,
		Metrics: metrics{"val_acc": 0.957, "latency_ms": 10, "mem_gb": 4},
		Evals:   map[string]map[string]float64{"class=1": {"acc": 0.95}, "class=0": {"acc": 0.96}}}
	challenger := Candidate{Version: 4,
		Metrics: metrics{"val_acc": 0.962, "latency_ms": 14, "mem_gb": 4.5},
		Evals:   map[string]map[string]float64{"class=1": {"acc": 0.94}, "class=0": {"acc": 0.97}}}
	p.Shadow = &ShadowPolicy{MinRows: 1000, Alpha: 0.05}
	live := Live{Drift: api.DriftWarn, DriftDetail: "window #2: 1 of 4 features warn (age)",
		Shadow: &api.Shadow{Version: 4, Metric: "accuracy", Test: "mcnemar", Rows: 1500,
			Champion: 0.9, Challenger: 0.92, Diff: 0.02, Lo: 0.005, Hi: 0.035, PValue: 0.01, Better: true}}
	checks := Evaluate(p, challenger, champion, live)
	var order []string
	for _, c := range checks {
		order = append(order, c.Gate+":"+c.Metric+":"+c.Slice+":"+c.Verdict)
	}
	wantOrder := []string{
		"primary:val_acc::pass",
		"guardrail:latency_ms::pass", "guardrail:mem_gb::pass",
		"slice:acc::pass", "slice:acc:class=0:pass", "slice:acc:class=1:pass",
		"range:val_acc::pass", "range:latency_ms::pass",
		"drift:::pass", "shadow:accuracy::pass",
	}
	if strings.Join(order, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("checks\n%v\nwant\n%v", order, wantOrder)
	}
	if Blocked(checks) {
		t.Error("blocked")
	}

	challenger.Metrics["latency_ms"] = 16
	if checks := Evaluate(p, challenger, champion, live); !Blocked(checks) || checks[1].Verdict != api.Fail {
		t.Errorf("a guardrail failed but: %+v", checks[1])
	}
	challenger.Metrics["latency_ms"] = 14
	if checks := Evaluate(p, challenger, champion, Live{Drift: api.DriftAlert}); !Blocked(checks) ||
		checks[len(checks)-2].Verdict != api.Fail || checks[len(checks)-1].Verdict != api.Fail {
		t.Errorf("drift alerts and no shadow evaluation, but: %+v", checks[len(checks)-2:])
	}
	// The first version: nothing to compare with, on live traffic either.
	checks = Evaluate(p, challenger, nil, Live{Drift: api.DriftOK})
	if Blocked(checks) {
		t.Errorf("the first version is blocked: %+v", checks)
	}
}

func TestBlocked(t *testing.T) {
	for _, c := range []struct {
		verdicts []string
		want     bool
	}{
		{nil, false},
		{[]string{api.Pass, api.NotMeasured}, false},
		{[]string{api.Pass, api.Fail, api.NotMeasured}, true},
		{[]string{api.Fail}, true},
	} {
		var checks []api.Check
		for _, v := range c.verdicts {
			checks = append(checks, api.Check{Verdict: v})
		}
		if got := Blocked(checks); got != c.want {
			t.Errorf("Blocked(%v) = %v", c.verdicts, got)
		}
	}
}

func TestNumbers(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", math.Copysign(0, -1): "0", 0.962: "0.962", 0.0050000000000000044: "0.005", 12345.6: "12350",
		1234567: "1235000", 12345678: "1.235e+07", 0.00012346: "0.0001235", 0.000012346: "1.235e-05",
		-2.5: "-2.5", nan: "NaN", inf: "+Inf", ninf: "-Inf",
	} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
	if a, b := nums(0.96234, 0.96231); a != "0.96234" || b != "0.96231" {
		t.Errorf("nums = %q, %q", a, b)
	}
	if a, b := nums(1, 1+1e-15); a == b {
		t.Errorf("nums(1, 1+1e-15) = %q, %q", a, b)
	}
	if got := signed(math.Copysign(0, -1)); got != "+0" {
		t.Errorf("signed(-0) = %q", got)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1 000", 1200: "1 200", 1234567: "1 234 567", -1234: "-1234"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
