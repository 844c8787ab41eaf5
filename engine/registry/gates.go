package registry

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"lathe/engine/api"
)

// The gates, as api.Check.Gate names them.
const (
	GatePrimary   = "primary"
	GateGuardrail = "guardrail"
	GateSlice     = "slice"
	GateRange     = "range"
	GateDrift     = "drift"
	GateShadow    = "shadow"
)

// Candidate is what the gates read of a version: each metric's last value
// and its eval slices (slice name, such as "class=7", to metric to value).
// Version is the caller's, to tell candidates apart; the shadow gate
// names it (and matches it with the live shadow evaluation's).
type Candidate struct {
	Version int
	Metrics map[string]float64
	Evals   map[string]map[string]float64
}

// Live is what production data says of a challenger.
type Live struct {
	// Drift is the status of the model's latest window scored against the
	// challenger's reference: "" (not measured), ok, warn, alert;
	// DriftDetail says which window and which features, e.g. "window #8 of
	// 2026-12-02 10:00: 3 of 5 features alert (age, income, city)", and is
	// put in the check's Detail.
	Drift       string
	DriftDetail string
	// Shadow is the challenger's shadow evaluation against the champion
	// over the live rows seen so far (nil: none).
	Shadow *api.Shadow
}

// Evaluate runs every gate of p on challenger against champion (nil: the
// model has no champion yet) and returns one check per rule, in this order:
// the primary metric; each guardrail, in the policy's order; the slices
// (when min_count is 1 or more, a check of how many slices the challenger
// has, with the count as Challenger and min_count as Threshold; then one
// check per slice of the champion's, by slice name); each range; drift;
// shadow.
//
// The drift gate exists only when the policy requires it, and reads
// live.Drift: not measured does not block; a warning passes (it says so;
// only an alert is worth stopping a promotion for, as only an alert runs
// drift's hook); an alert fails.
//
// The shadow gate exists only when the policy has [shadow], and reads
// live.Shadow: with a champion, the challenger must have been scored
// beside it on at least min_rows live rows, and be better at the policy's
// alpha: the evaluation says so, its p-value is at most alpha (whatever
// level the evaluation used) and the difference goes the metric's way.
// With the shadow evaluation's numbers the check has Challenger and
// Champion (the metric's values) and Threshold (alpha); with too few rows,
// the rows as Challenger and min_rows as Threshold.
//
// With no champion, the gates that compare pass ("no champion yet"), but
// the challenger's own values must still be there and finite.
//
// Comparisons forgive the rounding of float subtraction, so that an
// improvement of exactly the threshold passes (0.3 against 0.2 is +0.1).
// p need not have come from ParsePolicy: what is wrong with it fails the
// gate it belongs to.
func Evaluate(p Policy, challenger Candidate, champion *Candidate, live Live) []api.Check {
	checks := []api.Check{primaryGate(p, challenger, champion)}
	for _, g := range p.Guardrails {
		checks = append(checks, guardrailGate(g, challenger, champion))
	}
	if p.Slices != nil {
		checks = append(checks, sliceGates(*p.Slices, p.Direction, challenger, champion)...)
	}
	for _, r := range p.Ranges {
		checks = append(checks, rangeGate(r, challenger))
	}
	if p.RequireDriftOK {
		checks = append(checks, driftGate(live))
	}
	if p.Shadow != nil {
		checks = append(checks, shadowGate(*p.Shadow, p.Drift.Challenger, challenger, champion, live.Shadow))
	}
	return checks
}

// Blocked reports whether a check failed: such a request cannot be
// approved (but by an admin's override).
func Blocked(checks []api.Check) bool {
	return slices.ContainsFunc(checks, func(c api.Check) bool { return c.Verdict == api.Fail })
}

func primaryGate(p Policy, ch Candidate, champ *Candidate) api.Check {
	c := api.Check{Gate: GatePrimary, Metric: p.PrimaryMetric, Direction: p.Direction}
	if p.PrimaryMetric == "" {
		return verdict(c, api.Fail, "no primary metric set: lathe policy set")
	}
	name := show(p.PrimaryMetric)
	x, y := lookup(ch.Metrics, p.PrimaryMetric), value{}
	c.Challenger = x.float()
	if champ != nil {
		y = lookup(champ.Metrics, p.PrimaryMetric)
		c.Champion = y.float()
	}
	sign, ok := directionSign(p.Direction)
	if !ok {
		return verdict(c, api.Fail, "%s: direction %q is neither max nor min: lathe policy set", name, p.Direction)
	}
	if why := x.problem(); why != "" {
		return verdict(c, api.Fail, "%s is %s", name, why)
	}
	if champ == nil {
		return verdict(c, api.Pass, "no champion yet: %s %s", name, num(x.v))
	}
	if why := y.problem(); why != "" {
		return verdict(c, api.Fail, "the champion's %s is %s: the comparison cannot be made", name, why)
	}
	need, note := p.MinImprovement, ""
	if p.MinImprovementRel > 0 {
		switch rel := p.MinImprovementRel * math.Abs(y.v); {
		case y.v == 0:
			note = "; min_improvement_rel not applied: relative to the champion's 0 it is undefined"
		case rel > need:
			need = rel
			note = fmt.Sprintf(" (%s of the champion's)", percent(p.MinImprovementRel))
		}
	}
	c.Threshold = floatOf(need)
	wanted := "at least " + signed(need)
	if sign < 0 {
		wanted = "at most " + signed(-need)
	}
	xs, ys := nums(x.v, y.v)
	v := api.Fail
	if (x.v-y.v)*sign >= need-slack(x.v, y.v) {
		v = api.Pass
	}
	return verdict(c, v, "%s %s against the champion's %s: %s, %s wanted%s", name, xs, ys, signed(x.v-y.v), wanted, note)
}

func guardrailGate(g Guardrail, ch Candidate, champ *Candidate) api.Check {
	c := api.Check{Gate: GateGuardrail, Metric: g.Metric, Direction: g.Direction}
	if g.Metric == "" {
		return verdict(c, api.Fail, "a guardrail names no metric: lathe policy set")
	}
	x := lookup(ch.Metrics, g.Metric)
	if champ != nil {
		return regression(c, show(g.Metric), g.Direction, g.MaxRegression, g.MaxRegressionRel, x, lookup(champ.Metrics, g.Metric))
	}
	c.Challenger = x.float()
	if _, ok := directionSign(g.Direction); !ok {
		return verdict(c, api.Fail, "%s: direction %q is neither max nor min: lathe policy set", show(g.Metric), g.Direction)
	}
	if why := x.problem(); why != "" {
		return verdict(c, api.Fail, "%s is %s", show(g.Metric), why)
	}
	return verdict(c, api.Pass, "no champion yet: %s %s", show(g.Metric), num(x.v))
}

// regression is the rule of guardrails and slices: the challenger's x may
// not be worse than the champion's y by more than allowed, nor, when rel
// is above 0, by more than rel of |y|.
func regression(c api.Check, name, dir string, allowed, rel float64, x, y value) api.Check {
	c.Challenger, c.Champion = x.float(), y.float()
	sign, ok := directionSign(dir)
	if !ok {
		return verdict(c, api.Fail, "%s: direction %q is neither max nor min: lathe policy set", name, dir)
	}
	if why := x.problem(); why != "" {
		return verdict(c, api.Fail, "%s is %s", name, why)
	}
	if why := y.problem(); why != "" {
		return verdict(c, api.Fail, "the champion's %s is %s: the comparison cannot be made", name, why)
	}
	note := ""
	if rel > 0 {
		switch r := rel * math.Abs(y.v); {
		case y.v == 0:
			note = "; max_regression_rel not applied: relative to the champion's 0 it is undefined"
		case r < allowed:
			allowed = r
			note = fmt.Sprintf(" (%s of the champion's)", percent(rel))
		}
	}
	c.Threshold = floatOf(allowed)
	worse := (y.v - x.v) * sign
	how := "no change"
	switch {
	case worse > 0:
		how = num(worse) + " worse"
	case worse < 0:
		how = num(-worse) + " better"
	}
	xs, ys := nums(x.v, y.v)
	v := api.Fail
	if worse <= allowed+slack(x.v, y.v) {
		v = api.Pass
	}
	return verdict(c, v, "%s %s against the champion's %s: %s (%s), at most %s worse allowed%s",
		name, xs, ys, signed(x.v-y.v), how, num(allowed), note)
}

// sliceGates compares the champion's slices with the challenger's. Slices
// only the challenger has are new: nothing to compare them with.
func sliceGates(s SlicePolicy, policyDirection string, ch Candidate, champ *Candidate) []api.Check {
	c := api.Check{Gate: GateSlice, Metric: s.Metric}
	if s.Metric == "" {
		return []api.Check{verdict(c, api.Fail, "slices: no metric set: lathe policy set")}
	}
	dir := s.Direction
	if dir == "" {
		dir = policyDirection
	}
	if _, ok := directionSign(dir); !ok {
		return []api.Check{verdict(c, api.Fail, "slices of %s: direction %q is neither max nor min: lathe policy set", show(s.Metric), dir)}
	}
	c.Direction = dir
	var checks []api.Check
	if s.MinCount >= 1 {
		n := 0
		for _, metrics := range ch.Evals {
			if _, ok := metrics[s.Metric]; ok {
				n++
			}
		}
		count := c
		count.Challenger, count.Threshold = floatOf(float64(n)), floatOf(float64(s.MinCount))
		v := api.Pass
		if n < s.MinCount {
			v = api.Fail
		}
		checks = append(checks, verdict(count, v, "%d slices with %s, at least %d wanted", n, show(s.Metric), s.MinCount))
	}
	if champ == nil {
		return append(checks, verdict(c, api.Pass, "no champion yet"))
	}
	var names []string
	for name, metrics := range champ.Evals {
		if _, ok := metrics[s.Metric]; ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return append(checks, verdict(c, api.Pass, "the champion has no slices with %s: nothing to compare", show(s.Metric)))
	}
	slices.Sort(names)
	for _, name := range names {
		sc := c
		sc.Slice = name
		x, y := lookup(ch.Evals[name], s.Metric), lookup(champ.Evals[name], s.Metric)
		if !x.present {
			sc.Champion = y.float()
			if s.MinCount >= 1 {
				checks = append(checks, verdict(sc, api.Fail, "slice %s missing", show(name)))
			} else {
				checks = append(checks, verdict(sc, api.NotMeasured, "slice %s missing (min_count 0 allows it)", show(name)))
			}
			continue
		}
		label := show(s.Metric) + "[" + show(name) + "]"
		checks = append(checks, regression(sc, label, dir, s.MaxRegression, 0, x, y))
	}
	return checks
}

func rangeGate(r Range, ch Candidate) api.Check {
	c := api.Check{Gate: GateRange, Metric: r.Metric}
	if r.Metric == "" {
		return verdict(c, api.Fail, "a range names no metric: lathe policy set")
	}
	name := show(r.Metric)
	x := lookup(ch.Metrics, r.Metric)
	c.Challenger = x.float()
	if why := x.problem(); why != "" {
		return verdict(c, api.Fail, "%s is %s", name, why)
	}
	if r.Min != nil && x.v < *r.Min {
		c.Threshold = floatOf(*r.Min)
		xs, ms := nums(x.v, *r.Min)
		return verdict(c, api.Fail, "%s %s is below the range's min %s", name, xs, ms)
	}
	if r.Max != nil && x.v > *r.Max {
		c.Threshold = floatOf(*r.Max)
		xs, ms := nums(x.v, *r.Max)
		return verdict(c, api.Fail, "%s %s is above the range's max %s", name, xs, ms)
	}
	switch {
	case r.Min != nil && r.Max != nil:
		return verdict(c, api.Pass, "%s %s is within [%s, %s]", name, num(x.v), num(*r.Min), num(*r.Max))
	case r.Min != nil:
		return verdict(c, api.Pass, "%s %s is at least %s", name, num(x.v), num(*r.Min))
	case r.Max != nil:
		return verdict(c, api.Pass, "%s %s is at most %s", name, num(x.v), num(*r.Max))
	}
	return verdict(c, api.Pass, "%s %s: the range has no ends", name, num(x.v))
}

func driftGate(live Live) api.Check {
	c := api.Check{Gate: GateDrift}
	detail := ""
	if d := oneLine(live.DriftDetail); d != "" {
		detail = ": " + d
	}
	switch live.Drift {
	case "":
		return verdict(c, api.NotMeasured, "drift is not measured%s", detail)
	case api.DriftOK:
		return verdict(c, api.Pass, "drift ok%s", detail)
	case api.DriftWarn:
		return verdict(c, api.Pass, "drift warns%s (only an alert blocks)", detail)
	case api.DriftAlert:
		return verdict(c, api.Fail, "drift alerts%s", detail)
	}
	return verdict(c, api.Fail, "drift status %q is unknown%s", live.Drift, detail)
}

// shadowGate judges the challenger's shadow evaluation s (nil: none) by
// the policy's [shadow]; column is the drift.challenger column that
// carries the challenger's predictions.
func shadowGate(sp ShadowPolicy, column string, ch Candidate, champ *Candidate, s *api.Shadow) api.Check {
	c := api.Check{Gate: GateShadow}
	if champ == nil {
		return verdict(c, api.Pass, "no champion yet: nothing to compare on live traffic")
	}
	if !(sp.Alpha > 0 && sp.Alpha <= 0.5) {
		return verdict(c, api.Fail, "shadow: alpha %s is not a level above 0 and at most 0.5: lathe policy set", num(sp.Alpha))
	}
	ingest := fmt.Sprintf("ingest batches carrying its predictions in column %q with --challenger %d", column, ch.Version)
	switch {
	case s == nil:
		return verdict(c, api.Fail, "no shadow evaluation of v%d yet: %s", ch.Version, ingest)
	case s.Version != ch.Version:
		return verdict(c, api.Fail, "no shadow evaluation of v%d yet (the live one is of v%d): %s", ch.Version, s.Version, ingest)
	}
	c.Metric = s.Metric
	dir := shadowDirection(s.Metric)
	c.Direction = dir
	if s.Rows < sp.MinRows {
		c.Challenger, c.Threshold = floatOf(float64(s.Rows)), floatOf(float64(sp.MinRows))
		return verdict(c, api.Fail, "%s of %s paired rows on live traffic", count(s.Rows), count(sp.MinRows))
	}
	sign, ok := directionSign(dir)
	if !ok {
		return verdict(c, api.Fail, "shadow evaluation on %s: not a metric with a known direction (accuracy, auc, rmse, mae)", show(s.Metric))
	}
	x, y, diff, p := float64(s.Challenger), float64(s.Champion), float64(s.Diff), float64(s.PValue)
	c.Challenger, c.Champion, c.Threshold = floatOf(x), floatOf(y), floatOf(sp.Alpha)
	xs, ys := nums(x, y)
	ps, alpha := nums(p, sp.Alpha)
	found := fmt.Sprintf("%s %s against the champion's %s on %s live rows: %s [%s, %s], %s %s",
		show(s.Metric), xs, ys, count(s.Rows), signed(diff), signed(float64(s.Lo)), signed(float64(s.Hi)), testName(s.Test), ps)
	switch {
	case p <= sp.Alpha && diff*sign > 0 && s.Better:
		return verdict(c, api.Pass, "%s: better at α %s", found, alpha)
	case p <= sp.Alpha && diff*sign > 0:
		return verdict(c, api.Fail, "%s: not better at α %s (the evaluation did not find it better)", found, alpha)
	}
	return verdict(c, api.Fail, "%s: not better at α %s", found, alpha)
}

// shadowDirection is which way a shadow evaluation's metric is better, ""
// for a metric it does not know.
func shadowDirection(metric string) string {
	switch metric {
	case "accuracy", "auc":
		return "max"
	case "rmse", "mae":
		return "min"
	}
	return ""
}

// testName names a shadow evaluation's test before its p-value.
func testName(test string) string {
	switch test {
	case "mcnemar-exact":
		return "exact McNemar p"
	case "mcnemar":
		return "McNemar p"
	case "bootstrap":
		return "bootstrap p"
	case "":
		return "p"
	}
	return show(test) + " p"
}

func verdict(c api.Check, v, format string, args ...any) api.Check {
	c.Verdict = v
	c.Detail = fmt.Sprintf(format, args...)
	return c
}

// directionSign is +1 when higher is better, -1 when lower is.
func directionSign(dir string) (float64, bool) {
	switch dir {
	case "max":
		return 1, true
	case "min":
		return -1, true
	}
	return 0, false
}

// slack forgives the rounding of the subtraction that compares x and y:
// 0.3 - 0.2 is 0.09999999999999998, yet an improvement of exactly the
// threshold passes.
func slack(x, y float64) float64 { return 1e-9 * math.Max(math.Abs(x), math.Abs(y)) }

// value is one version's value of what a gate reads.
type value struct {
	v       float64
	present bool
}

func lookup(m map[string]float64, name string) value {
	v, ok := m[name]
	return value{v, ok}
}

// problem says why v cannot be judged, or "".
func (v value) problem() string {
	switch {
	case !v.present:
		return "missing"
	case math.IsNaN(v.v):
		return "NaN"
	case math.IsInf(v.v, 1):
		return "+Inf"
	case math.IsInf(v.v, -1):
		return "-Inf"
	}
	return ""
}

func (v value) float() *api.Float {
	if !v.present {
		return nil
	}
	return floatOf(v.v)
}

func floatOf(v float64) *api.Float {
	f := api.Float(v)
	return &f
}

// num writes v for a reader: 4 significant digits, without an exponent
// from 0.0001 to 10 million.
func num(v float64) string { return digits(v, 4) }

func digits(v float64, n int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	if r == 0 {
		return "0" // and not -0
	}
	if a := math.Abs(r); a >= 1e-4 && a < 1e7 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strconv.FormatFloat(r, 'g', -1, 64)
}

// nums writes two values that differ with as many digits as it takes to
// tell them apart (a range's max 1.00001 and a value 1.00002 are not "1"
// and "1").
func nums(a, b float64) (string, string) {
	for n := 4; n < 17; n++ {
		sa, sb := digits(a, n), digits(b, n)
		if sa != sb || a == b {
			return sa, sb
		}
	}
	return digits(a, 17), digits(b, 17)
}

func signed(v float64) string {
	if v < 0 {
		return "-" + num(-v)
	}
	return "+" + num(math.Abs(v))
}

func percent(frac float64) string { return num(frac*100) + "%" }

// count writes n with its thousands apart, as lathe writes counts: 1 234 567.
func count(n int) string {
	d := strconv.Itoa(n)
	if n < 0 || len(d) <= 3 {
		return d
	}
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatNumber writes v exactly, as a policy's error quotes it.
func formatNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// show writes a name as it is, or quoted when it has characters that
// would break a one-line detail.
func show(name string) string {
	if name != "" && utf8.ValidString(name) && !strings.ContainsFunc(name, func(r rune) bool { return !strconv.IsPrint(r) }) {
		return name
	}
	return strconv.Quote(name)
}
