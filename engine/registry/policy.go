package registry

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"

	"lathe/engine/api"
)

// Policy is a model's promotion policy: the gates a version passes before
// it may become the champion, and how many reviewers must approve. Users
// write it as TOML (ParsePolicy) and read it back (TOML).
type Policy struct {
	// PrimaryMetric is the metric a version is judged by, Direction "max"
	// (higher is better) or "min". Empty only in a default policy whose
	// model had no metric with a known direction: nothing can be promoted
	// until someone sets one.
	PrimaryMetric string `toml:"primary_metric"`
	Direction     string `toml:"direction"`
	// MinImprovement is the least improvement over the champion, in the
	// metric's units; MinImprovementRel, when above 0, a least improvement
	// relative to the champion's value (0.01 is 1%). Both must hold.
	MinImprovement    float64 `toml:"min_improvement"`
	MinImprovementRel float64 `toml:"min_improvement_rel"`
	// RequiredApprovals is how many reviewers other than the registrant
	// must approve (1 when the TOML leaves it out).
	RequiredApprovals int `toml:"required_approvals"`
	// RequireDriftOK adds the drift gate.
	RequireDriftOK bool         `toml:"require_drift_ok"`
	Guardrails     []Guardrail  `toml:"guardrails"`
	Slices         *SlicePolicy `toml:"slices"`
	Ranges         []Range      `toml:"ranges"`
	// Drift is always there: a policy that leaves [drift] out, or some of
	// its keys, has the defaults (DefaultDriftPolicy).
	Drift DriftPolicy `toml:"drift"`
	// Shadow, when set, adds the shadow gate.
	Shadow *ShadowPolicy `toml:"shadow"`
}

// Guardrail is a metric that may not get worse than the champion's by more
// than MaxRegression (in its units) and, when MaxRegressionRel is above 0,
// by more than that fraction of the champion's value.
type Guardrail struct {
	Metric           string  `toml:"metric"`
	Direction        string  `toml:"direction"`
	MaxRegression    float64 `toml:"max_regression"`
	MaxRegressionRel float64 `toml:"max_regression_rel"`
}

// SlicePolicy compares every eval slice (a class, a group) the champion has
// on Metric: the challenger's same slice may not be worse by more than
// MaxRegression. Direction is which way is better; empty, the policy's
// Direction (slice metrics are usually the primary metric per slice).
// MinCount is how many slices with Metric the challenger must have; at 1
// or more, a slice the champion has and the challenger lacks fails (at 0 it
// is reported "not measured").
type SlicePolicy struct {
	Metric        string  `toml:"metric"`
	Direction     string  `toml:"direction"`
	MaxRegression float64 `toml:"max_regression"`
	MinCount      int     `toml:"min_count"`
}

// Range is where a plausible value of Metric lies; either end may be open.
type Range struct {
	Metric string   `toml:"metric"`
	Min    *float64 `toml:"min"`
	Max    *float64 `toml:"max"`
}

// DriftPolicy is how a model's production data is judged against its
// training data. A feature warns when its PSI (population stability
// index) reaches PSIWarn and alerts when it reaches PSIAlert; the data set
// alerts when at least DatasetShare of its features alert.
type DriftPolicy struct {
	PSIWarn      float64 `toml:"psi_warn"`
	PSIAlert     float64 `toml:"psi_alert"`
	DatasetShare float64 `toml:"dataset_share"`
	// Window is what a window of production data is: "batch" (each batch
	// its own), "hour" or "day".
	Window string `toml:"window"`
	// Prediction, Label and Challenger name the columns of the model's
	// predictions, of the true labels and of a challenger's predictions
	// (shadow evaluation); they are not features, and differ.
	Prediction string `toml:"prediction"`
	Label      string `toml:"label"`
	Challenger string `toml:"challenger"`
	// Ignore are columns not scored (ids, timestamps); nil when none.
	Ignore []string `toml:"ignore"`
	// Retrain, on an alert, starts the champion's training run again, at
	// most once per Cooldown: a Go duration or a number of days ("1d",
	// "36h", "90m"), at least 1m.
	Retrain  bool   `toml:"retrain"`
	Cooldown string `toml:"cooldown"`
	// Watch is a folder (an absolute path) the engine watches for new
	// batch files; "" for none.
	Watch string `toml:"watch"`
}

// DefaultDriftPolicy is the drift of a policy that says nothing of it:
// PSI 0.1 warns and 0.25 alerts (the usual rule of thumb), half the
// features alerting make the data set alert, each batch is its own
// window, and an alert retrains nothing.
func DefaultDriftPolicy() DriftPolicy {
	return DriftPolicy{
		PSIWarn: 0.1, PSIAlert: 0.25, DatasetShare: 0.5, Window: "batch",
		Prediction: "prediction", Label: "label", Challenger: "challenger", Cooldown: "24h",
	}
}

// minCooldown is the shortest cool-down a policy may set: an alert that
// retrains every few seconds would flood the queue.
const minCooldown = time.Minute

// CooldownDuration is Cooldown as a duration (ParsePolicy checked it). A
// cool-down ParsePolicy would refuse, in a DriftPolicy made in code, is
// the default's: 24h.
func (d DriftPolicy) CooldownDuration() time.Duration {
	if v, ok := parseCooldown(d.Cooldown); ok && v >= minCooldown {
		return v
	}
	v, _ := parseCooldown(DefaultDriftPolicy().Cooldown)
	return v
}

// parseCooldown reads a Go duration ("36h", "90m") or a number of days
// ("1d", "1.5d").
func parseCooldown(s string) (time.Duration, bool) {
	days, ok := strings.CutSuffix(s, "d")
	if !ok {
		v, err := time.ParseDuration(s)
		return v, err == nil
	}
	// Only digits and a point: "2h1d" is not 2h plus a day.
	if days == "" || strings.Trim(days, "0123456789.") != "" {
		return 0, false
	}
	v, err := time.ParseDuration(days + "h")
	if err != nil || v > math.MaxInt64/24 {
		return 0, false
	}
	return v * 24, true
}

// ShadowPolicy asks that a challenger beat the champion on live traffic
// before it can be promoted: over at least MinRows paired rows (both
// models' predictions and a label), significantly at level Alpha.
type ShadowPolicy struct {
	MinRows int     `toml:"min_rows"`
	Alpha   float64 `toml:"alpha"`
}

// defaultShadowAlpha is a [shadow] table's alpha when it leaves it out.
const defaultShadowAlpha = 0.05

// DefaultPolicy is the policy a model gets when it is created: judged by
// primary in direction (both may be empty: then the primary gate blocks
// every promotion until a policy names a metric), no least improvement,
// one approval, the default drift settings, no other gates.
func DefaultPolicy(primary, direction string) Policy {
	return Policy{PrimaryMetric: primary, Direction: direction, RequiredApprovals: 1, Drift: DefaultDriftPolicy()}
}

// The keys of a policy and of its tables, with the kind of value each
// takes; ParsePolicy checks types against them, so that a wrong type reads
// "want a number" rather than the decoder's Go types.
var (
	policyKeys = []keyKind{
		{"primary_metric", kindString}, {"direction", kindString},
		{"min_improvement", kindNumber}, {"min_improvement_rel", kindNumber},
		{"required_approvals", kindInteger}, {"require_drift_ok", kindBool},
		{"guardrails", kindTables}, {"slices", kindTable}, {"ranges", kindTables},
		{"drift", kindTable}, {"shadow", kindTable},
	}
	guardrailKeys = []keyKind{
		{"metric", kindString}, {"direction", kindString},
		{"max_regression", kindNumber}, {"max_regression_rel", kindNumber},
	}
	sliceKeys = []keyKind{
		{"metric", kindString}, {"direction", kindString},
		{"max_regression", kindNumber}, {"min_count", kindInteger},
	}
	rangeKeys = []keyKind{{"metric", kindString}, {"min", kindNumber}, {"max", kindNumber}}
	driftKeys = []keyKind{
		{"psi_warn", kindNumber}, {"psi_alert", kindNumber}, {"dataset_share", kindNumber},
		{"window", kindString}, {"prediction", kindString}, {"label", kindString},
		{"challenger", kindString}, {"ignore", kindStrings}, {"retrain", kindBool},
		{"cooldown", kindString}, {"watch", kindString},
	}
	shadowKeys = []keyKind{{"min_rows", kindInteger}, {"alpha", kindNumber}}
)

type keyKind struct {
	key  string
	kind valueKind
}

type valueKind int

const (
	kindString valueKind = iota
	kindNumber
	kindInteger
	kindBool
	kindTable
	kindTables
	kindStrings
)

func (k valueKind) String() string {
	return [...]string{"a string", "a number", "a whole number", "true or false", "a table", "a list of tables", "a list of strings"}[k]
}

// ParsePolicy reads a policy's TOML and checks it. An error is one line
// (of kind api.ErrInvalid) that names the key and, when it can, the line:
// `policy line 4: direction "up": want "max" (higher is better) or "min"
// (lower is better)`.
//
// primary_metric and direction are required (primary_metric = "" is taken,
// and says no metric is chosen yet: nothing can be promoted); each
// guardrail needs metric, direction and max_regression, [slices] needs
// metric and max_regression, [shadow] needs min_rows; required_approvals
// is 1 when left out, [drift] and its keys have DefaultDriftPolicy's
// values, and shadow.alpha is 0.05.
func ParsePolicy(text string) (Policy, error) {
	var raw map[string]any
	rawMD, err := toml.Decode(text, &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Policy{}, policyError(pe.Position.Line, "%s", tomlMessage(pe.Message))
		}
		return Policy{}, policyError(0, "%s", tomlMessage(err.Error()))
	}
	lines := findKeyLines(text)
	// The decoder matches keys to fields ignoring case, and Undecoded
	// below counts "Direction" as decoded: a policy's keys are exact.
	if keys := unknownKeys(rawMD.Keys()); len(keys) > 0 {
		return Policy{}, unknownKey(keys, lines)
	}
	if err := checkKinds(raw, lines); err != nil {
		return Policy{}, err
	}
	p := Policy{RequiredApprovals: 1, Drift: DefaultDriftPolicy()}
	md, err := toml.Decode(text, &p)
	if err != nil { // checkKinds let through what the decoder refuses
		return Policy{}, policyError(0, "%s", tomlMessage(err.Error()))
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		return Policy{}, unknownKey(keys, lines)
	}
	// An empty array is no tables: the policy TOML writes back.
	if len(p.Guardrails) == 0 {
		p.Guardrails = nil
	}
	if len(p.Ranges) == 0 {
		p.Ranges = nil
	}
	if len(p.Drift.Ignore) == 0 {
		p.Drift.Ignore = nil
	}
	if rawShadow, ok := raw["shadow"].(map[string]any); ok {
		if p.Shadow == nil {
			p.Shadow = &ShadowPolicy{}
		}
		if _, ok := rawShadow["alpha"]; !ok {
			p.Shadow.Alpha = defaultShadowAlpha
		}
	}
	if err := p.check(raw, lines); err != nil {
		return Policy{}, err
	}
	return p, nil
}

func policyError(line int, format string, args ...any) error {
	if line > 0 {
		return api.Errorf(api.ErrInvalid, "policy line %d: %s", line, fmt.Sprintf(format, args...))
	}
	return api.Errorf(api.ErrInvalid, "policy: %s", fmt.Sprintf(format, args...))
}

// tomlMessage is the decoder's error as one line of a policy's error.
func tomlMessage(s string) string {
	return oneLine(strings.TrimPrefix(strings.TrimSpace(s), "toml: "))
}

// oneLine puts s on one line, its runs of spaces and line breaks one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkKinds checks the type of every known key, in the document's
// tables, so that ParsePolicy words a wrong type itself.
func checkKinds(raw map[string]any, lines keyLines) error {
	if err := checkTableKinds(raw, policyKeys, "", lines); err != nil {
		return err
	}
	for _, t := range []struct {
		name string
		keys []keyKind
	}{{"guardrails", guardrailKeys}, {"ranges", rangeKeys}} {
		for i, tbl := range tableList(raw[t.name]) {
			if err := checkTableKinds(tbl, t.keys, t.name+"."+strconv.Itoa(i), lines); err != nil {
				return err
			}
		}
	}
	for _, t := range []struct {
		name string
		keys []keyKind
	}{{"slices", sliceKeys}, {"drift", driftKeys}, {"shadow", shadowKeys}} {
		if tbl, ok := raw[t.name].(map[string]any); ok {
			if err := checkTableKinds(tbl, t.keys, t.name, lines); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkTableKinds(tbl map[string]any, keys []keyKind, path string, lines keyLines) error {
	for _, k := range keys {
		v, ok := tbl[k.key]
		full := joinPath(path, k.key)
		if i, isInt := v.(int64); isInt && k.kind == kindNumber && (i > 1<<53 || i < -(1<<53)) {
			return policyError(lines.at(full), "%s %d is too large to hold exactly: write it as a float (%s)", displayPath(full), i, tomlFloat(float64(i)))
		}
		if list, isList := v.([]any); isList && k.kind == kindStrings {
			for i, e := range list {
				if _, isString := e.(string); !isString {
					return policyError(lines.at(full), "%s[%d] is %s: want a string", displayPath(full), i+1, describe(e))
				}
			}
		}
		if !ok || kindOf(v, k.kind) {
			continue
		}
		return policyError(lines.at(full), "%s is %s: want %s", displayPath(full), describe(v), k.kind)
	}
	return nil
}

func kindOf(v any, want valueKind) bool {
	switch v.(type) {
	case string:
		return want == kindString
	case float64:
		return want == kindNumber
	case int64:
		return want == kindNumber || want == kindInteger
	case bool:
		return want == kindBool
	case map[string]any:
		return want == kindTable
	case []map[string]any:
		return want == kindTables
	case []any:
		// An empty list is either; checkTableKinds checked a list of
		// strings element by element.
		return want == kindStrings || want == kindTables && tableList(v) != nil
	}
	return false
}

// tableList is an array of tables, written as [[name]] tables or as an
// array of inline tables; nil if v is not one.
func tableList(v any) []map[string]any {
	switch v := v.(type) {
	case []map[string]any:
		return v
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, e := range v {
			t, ok := e.(map[string]any)
			if !ok {
				return nil
			}
			out = append(out, t)
		}
		return out
	}
	return nil
}

// describe says what kind of TOML value v is, quoting short strings.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) <= 40 && !strings.ContainsFunc(v, unicode.IsControl) {
			return "the string " + strconv.Quote(v)
		}
		return "a string"
	case int64:
		return "the integer " + strconv.FormatInt(v, 10)
	case float64:
		return "the number " + tomlFloat(v)
	case bool:
		return strconv.FormatBool(v)
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "a list of tables"
	case []any:
		return "a list"
	}
	return "a date or time"
}

// unknownKeys are the keys, in the document's order, that a policy does
// not take (with those inside them).
func unknownKeys(keys []toml.Key) []toml.Key {
	var unknown []toml.Key
	for _, k := range keys {
		if !knownKey(k) {
			unknown = append(unknown, k)
		}
	}
	return unknown
}

func knownKey(k toml.Key) bool {
	has := func(keys []keyKind, name string) bool {
		return slices.ContainsFunc(keys, func(kk keyKind) bool { return kk.key == name })
	}
	switch {
	case len(k) == 1:
		return has(policyKeys, k[0])
	// A key three deep, inside the value of a table's key (drift.ignore.id),
	// is let through for checkKinds to say that value is a table; deeper
	// ones are unknown.
	case len(k) > 3:
		return false
	case k[0] == "guardrails":
		return has(guardrailKeys, k[1])
	case k[0] == "slices":
		return has(sliceKeys, k[1])
	case k[0] == "ranges":
		return has(rangeKeys, k[1])
	case k[0] == "drift":
		return has(driftKeys, k[1])
	case k[0] == "shadow":
		return has(shadowKeys, k[1])
	}
	return false
}

func unknownKey(keys []toml.Key, lines keyLines) error {
	k := keys[0]
	path := strings.Join(k, ".")
	var takes string
	switch {
	case len(k) == 1:
		takes = "a policy takes " + keyNames(policyKeys)
	case k[0] == "guardrails":
		takes = "a guardrail takes " + keyNames(guardrailKeys)
	case k[0] == "slices":
		takes = "[slices] takes " + keyNames(sliceKeys)
	case k[0] == "ranges":
		takes = "a range takes " + keyNames(rangeKeys)
	case k[0] == "drift":
		takes = "[drift] takes " + keyNames(driftKeys)
	case k[0] == "shadow":
		takes = "[shadow] takes " + keyNames(shadowKeys)
	}
	more := ""
	if len(keys) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(keys)-1)
	}
	if takes != "" {
		takes = ": " + takes
	}
	return policyError(lines.at(path), "unknown key %s%s%s", k, more, takes)
}

func keyNames(keys []keyKind) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.key
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// check is what ParsePolicy asks of a decoded policy; raw tells a key left
// out from one set to its zero value.
func (p Policy) check(raw map[string]any, lines keyLines) error {
	if _, ok := raw["primary_metric"]; !ok {
		return policyError(0, `primary_metric is missing: name the metric a version is judged by, e.g. primary_metric = "val_acc"`)
	}
	if p.PrimaryMetric != "" {
		if err := checkMetric("primary_metric", p.PrimaryMetric, lines); err != nil {
			return err
		}
		if _, ok := raw["direction"]; !ok {
			return policyError(0, `direction is missing: "max" if a higher %s is better, "min" if lower`, p.PrimaryMetric)
		}
	}
	if p.Direction != "" || p.PrimaryMetric != "" {
		if err := checkDirection("direction", p.Direction, lines); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		key string
		v   float64
	}{{"min_improvement", p.MinImprovement}, {"min_improvement_rel", p.MinImprovementRel}} {
		if err := checkThreshold(t.key, t.v, lines); err != nil {
			return err
		}
	}
	if p.RequiredApprovals < 1 {
		return policyError(lines.at("required_approvals"), "required_approvals %d: want 1 or more", p.RequiredApprovals)
	}
	rawGuardrails := tableList(raw["guardrails"])
	for i, g := range p.Guardrails {
		if err := g.check(i, rawGuardrails[i], lines); err != nil {
			return err
		}
	}
	if p.Slices != nil {
		rawSlices, _ := raw["slices"].(map[string]any)
		if err := p.Slices.check(p.Direction, rawSlices, lines); err != nil {
			return err
		}
	}
	for i, r := range p.Ranges {
		if err := r.check(i, lines); err != nil {
			return err
		}
	}
	rawDrift, _ := raw["drift"].(map[string]any)
	if err := p.Drift.check(rawDrift, lines); err != nil {
		return err
	}
	if p.Shadow != nil {
		rawShadow, _ := raw["shadow"].(map[string]any)
		return p.Shadow.check(rawShadow, lines)
	}
	return nil
}

func (g Guardrail) check(i int, raw map[string]any, lines keyLines) error {
	path := "guardrails." + strconv.Itoa(i)
	name := fmt.Sprintf("guardrail %d", i+1)
	if g.Metric == "" {
		return policyError(lines.at(path+".metric"), `%s: metric is missing: name the metric that may not get worse, e.g. metric = "latency_ms"`, name)
	}
	if err := checkMetric(path+".metric", g.Metric, lines); err != nil {
		return err
	}
	name = "guardrail " + g.Metric
	if _, ok := raw["direction"]; !ok {
		return policyError(lines.at(path), `%s: direction is missing: "max" if a higher %s is better, "min" if lower`, name, g.Metric)
	}
	if err := checkDirection(path+".direction", g.Direction, lines); err != nil {
		return err
	}
	if _, ok := raw["max_regression"]; !ok {
		return policyError(lines.at(path), "%s: max_regression is missing: how much worse than the champion's %s may be, in its units (0: not at all)", name, g.Metric)
	}
	if err := checkThreshold(path+".max_regression", g.MaxRegression, lines); err != nil {
		return err
	}
	return checkThreshold(path+".max_regression_rel", g.MaxRegressionRel, lines)
}

func (s SlicePolicy) check(direction string, raw map[string]any, lines keyLines) error {
	if s.Metric == "" {
		return policyError(lines.at("slices.metric"), `slices.metric is missing: name the eval metric every slice is compared on, e.g. metric = "acc"`)
	}
	if err := checkMetric("slices.metric", s.Metric, lines); err != nil {
		return err
	}
	if _, ok := raw["direction"]; ok {
		if err := checkDirection("slices.direction", s.Direction, lines); err != nil {
			return err
		}
	} else if direction == "" {
		return policyError(lines.at("slices"), `slices.direction is missing, and the policy has no direction to lend: "max" if a higher %s is better, "min" if lower`, s.Metric)
	}
	if _, ok := raw["max_regression"]; !ok {
		return policyError(lines.at("slices"), "slices.max_regression is missing: how much worse than the champion's any slice's %s may be (0: not at all)", s.Metric)
	}
	if err := checkThreshold("slices.max_regression", s.MaxRegression, lines); err != nil {
		return err
	}
	if s.MinCount < 0 {
		return policyError(lines.at("slices.min_count"), "slices.min_count %d: want 0 or more", s.MinCount)
	}
	return nil
}

func (r Range) check(i int, lines keyLines) error {
	path := "ranges." + strconv.Itoa(i)
	if r.Metric == "" {
		return policyError(lines.at(path+".metric"), `range %d: metric is missing: name the metric whose plausible values it bounds, e.g. metric = "val_acc"`, i+1)
	}
	if err := checkMetric(path+".metric", r.Metric, lines); err != nil {
		return err
	}
	if r.Min == nil && r.Max == nil {
		return policyError(lines.at(path), "range %s: give min, max or both", r.Metric)
	}
	for _, end := range []struct {
		key string
		v   *float64
	}{{"min", r.Min}, {"max", r.Max}} {
		if end.v != nil && !finite(*end.v) {
			return policyError(lines.at(path+"."+end.key), "range %s: %s %s: want a finite number (leave %s out for an open end)",
				r.Metric, end.key, formatNumber(*end.v), end.key)
		}
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		return policyError(lines.at(path+".min"), "range %s: min %s is above max %s", r.Metric, formatNumber(*r.Min), formatNumber(*r.Max))
	}
	return nil
}

// driftWindows are the windows a DriftPolicy may set.
var driftWindows = []string{"batch", "hour", "day"}

// check is what ParsePolicy asks of [drift]; raw (nil when the policy
// leaves it out) tells a key the policy sets from a default.
func (d DriftPolicy) check(raw map[string]any, lines keyLines) error {
	for _, t := range []struct {
		key string
		v   float64
	}{{"psi_warn", d.PSIWarn}, {"psi_alert", d.PSIAlert}} {
		if !finite(t.v) || t.v <= 0 {
			return policyError(lines.at("drift."+t.key), "drift.%s %s: want a finite number above 0", t.key, formatNumber(t.v))
		}
	}
	if d.PSIAlert < d.PSIWarn {
		if _, ok := raw["psi_alert"]; !ok {
			return policyError(lines.at("drift.psi_warn"), "drift.psi_warn %s is above psi_alert %s (the default): set psi_alert too, at least psi_warn",
				formatNumber(d.PSIWarn), formatNumber(d.PSIAlert))
		}
		byDefault := ""
		if _, ok := raw["psi_warn"]; !ok {
			byDefault = " (the default)"
		}
		return policyError(lines.at("drift.psi_alert"), "drift.psi_alert %s is below psi_warn %s%s: an alert is worse than a warning",
			formatNumber(d.PSIAlert), formatNumber(d.PSIWarn), byDefault)
	}
	if !(d.DatasetShare > 0 && d.DatasetShare <= 1) {
		return policyError(lines.at("drift.dataset_share"), "drift.dataset_share %s: want a share above 0 and at most 1 (0.5: half the features)", formatNumber(d.DatasetShare))
	}
	if !slices.Contains(driftWindows, d.Window) {
		return policyError(lines.at("drift.window"), `drift.window %q: want "batch" (each batch its own window), "hour" or "day"`, d.Window)
	}
	columns := []struct{ key, v, what string }{
		{"prediction", d.Prediction, "the model's predictions"},
		{"label", d.Label, "the true labels"},
		{"challenger", d.Challenger, "a challenger's predictions"},
	}
	for i, c := range columns {
		if c.v == "" {
			return policyError(lines.at("drift."+c.key), "drift.%s is empty: name the column of %s, e.g. %s = %q", c.key, c.what, c.key, c.key)
		}
		for _, o := range columns[:i] {
			if c.v != o.v {
				continue
			}
			// Name the key the policy sets: the other may be a default.
			key, other := c.key, o.key
			if _, ok := raw[key]; !ok {
				key, other = other, key
			}
			return policyError(lines.at("drift."+key), "drift.%s %q is also the %s column: the prediction, label and challenger columns must differ", key, c.v, other)
		}
	}
	for i, col := range d.Ignore {
		if col == "" {
			return policyError(lines.at("drift.ignore"), `drift.ignore[%d] "": want a column name`, i+1)
		}
		if slices.Contains(d.Ignore[:i], col) {
			return policyError(lines.at("drift.ignore"), "drift.ignore[%d] %q is listed twice", i+1, col)
		}
	}
	switch v, ok := parseCooldown(d.Cooldown); {
	case !ok:
		return policyError(lines.at("drift.cooldown"), `drift.cooldown %q: want a duration such as "24h", "90m" or "1d"`, d.Cooldown)
	case v < minCooldown:
		return policyError(lines.at("drift.cooldown"), "drift.cooldown %q: want at least 1m", d.Cooldown)
	}
	if d.Watch != "" && !filepath.IsAbs(d.Watch) {
		return policyError(lines.at("drift.watch"), `drift.watch %q: want an absolute path, or "" to watch no folder`, d.Watch)
	}
	return nil
}

func (s ShadowPolicy) check(raw map[string]any, lines keyLines) error {
	if _, ok := raw["min_rows"]; !ok {
		return policyError(lines.at("shadow"), "shadow.min_rows is missing: how many paired rows of live traffic the comparison needs, e.g. min_rows = 1000")
	}
	if s.MinRows < 1 {
		return policyError(lines.at("shadow.min_rows"), "shadow.min_rows %d: want 1 or more", s.MinRows)
	}
	if !(s.Alpha > 0 && s.Alpha <= 0.5) {
		return policyError(lines.at("shadow.alpha"), "shadow.alpha %s: want a level above 0 and at most 0.5, e.g. 0.05", formatNumber(s.Alpha))
	}
	return nil
}

// checkMetric refuses metric names that could never match: surrounding
// spaces, control characters.
func checkMetric(path, name string, lines keyLines) error {
	if strings.TrimSpace(name) != name || strings.ContainsFunc(name, unicode.IsControl) {
		return policyError(lines.at(path), "%s %q: a metric name has no surrounding spaces or control characters", displayPath(path), name)
	}
	return nil
}

func checkDirection(path, dir string, lines keyLines) error {
	if dir != "max" && dir != "min" {
		return policyError(lines.at(path), `%s %q: want "max" (higher is better) or "min" (lower is better)`, displayPath(path), dir)
	}
	return nil
}

func checkThreshold(path string, v float64, lines keyLines) error {
	if !finite(v) || v < 0 {
		return policyError(lines.at(path), "%s %s: want a finite number, 0 or more", displayPath(path), formatNumber(v))
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// keyLines maps a key's path to the line that sets it: "direction",
// "slices.metric", "guardrails.1.metric" (in the second [[guardrails]]),
// and "guardrails.metric" for the first such key in any of them.
type keyLines map[string]int

// at is the line of path, or of the nearest table that holds it, or 0.
func (l keyLines) at(path string) int {
	for path != "" {
		if n, ok := l[path]; ok {
			return n
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// findKeyLines scans text that parsed as TOML for where its keys are set.
// It is a best effort for messages (the decoder keeps positions to itself):
// a key inside an inline table is placed on the line of the table's key.
func findKeyLines(text string) keyLines {
	lines := keyLines{}
	set := func(path string, n int) {
		if _, ok := lines[path]; !ok {
			lines[path] = n
		}
	}
	var table, plain string // "guardrails.1" and "guardrails"
	count := map[string]int{}
	open := "" // the delimiter of a multi-line string that has not ended
	for i, line := range strings.Split(text, "\n") {
		n, s := i+1, strings.TrimSpace(line)
		if open != "" {
			if strings.Count(s, open)%2 == 1 {
				open = ""
			}
			continue
		}
		switch {
		case s == "" || s[0] == '#':
		case strings.HasPrefix(s, "[["):
			name, _, _ := strings.Cut(s[2:], "]]")
			plain = keyPath(name)
			table = plain + "." + strconv.Itoa(count[plain])
			count[plain]++
			set(table, n)
			set(plain, n)
		case s[0] == '[':
			name, _, _ := strings.Cut(s[1:], "]")
			table = keyPath(name)
			plain = table
			set(table, n)
		default:
			k, _, ok := strings.Cut(s, "=")
			if !ok {
				continue
			}
			key := keyPath(k)
			set(joinPath(table, key), n)
			set(joinPath(plain, key), n)
			for _, d := range []string{`"""`, `'''`} {
				if strings.Count(s, d)%2 == 1 {
					open = d
					break
				}
			}
		}
	}
	return lines
}

// keyPath normalises a written key: `"slices" . metric` is slices.metric.
func keyPath(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && (p[0] == '"' || p[0] == '\'') && p[len(p)-1] == p[0] {
			p = p[1 : len(p)-1]
		}
		parts[i] = p
	}
	return strings.Join(parts, ".")
}

func joinPath(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

// displayPath writes an internal path as a user reads it:
// guardrails.0.direction is guardrails[1].direction.
func displayPath(path string) string {
	parts := strings.Split(path, ".")
	if len(parts) == 3 {
		if i, err := strconv.Atoi(parts[1]); err == nil {
			return fmt.Sprintf("%s[%d].%s", parts[0], i+1, parts[2])
		}
	}
	return path
}

// TOML writes p as a TOML document that ParsePolicy reads back to p, with a
// comment above each key saying what it does, and commented examples of
// the tables p leaves out; [drift] is always written, every key of it, so
// that users find it. The same p always gives the same text.
func (p Policy) TOML() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# The promotion policy: the gates a version must pass before reviewers can")
	line("# make it the champion. Change it with `lathe policy set`.")
	line("")
	if p.PrimaryMetric == "" {
		line("# The metric a version is judged by. None yet: nothing can be promoted until one is set.")
	} else {
		line("# The metric a version is judged by.")
	}
	line("primary_metric = %s", quote(p.PrimaryMetric))
	line(`# Which way is better: "max" (higher) or "min" (lower).`)
	line("direction = %s", quote(p.Direction))
	line("# The least improvement over the champion's value, in the metric's units.")
	line("min_improvement = %s", tomlFloat(p.MinImprovement))
	line("# The least improvement relative to the champion's value (0.01 is 1%%; 0: none).")
	line("min_improvement_rel = %s", tomlFloat(p.MinImprovementRel))
	line("# How many reviewers other than the registrant must approve.")
	line("required_approvals = %d", p.RequiredApprovals)
	line("# Block promotion while drift alerts on the challenger (not measured until drift is set up).")
	line("require_drift_ok = %t", p.RequireDriftOK)

	line("")
	if len(p.Guardrails) == 0 {
		line("# Guardrails: none. Each [[guardrails]] table names a metric that may not get")
		line("# worse than the champion's by more than max_regression, for example:")
		line("#   [[guardrails]]")
		line(`#   metric = "latency_ms"`)
		line(`#   direction = "min"`)
		line("#   max_regression = 5.0")
	}
	for i, g := range p.Guardrails {
		if i == 0 {
			line("# Guardrails: metrics that may not get worse than the champion's.")
		}
		line("[[guardrails]]")
		comment := func(s string) {
			if i == 0 {
				line("# %s", s)
			}
		}
		comment("The metric.")
		line("metric = %s", quote(g.Metric))
		comment(`Which way is better: "max" (higher) or "min" (lower).`)
		line("direction = %s", quote(g.Direction))
		comment("How much worse than the champion's it may be, in its units.")
		line("max_regression = %s", tomlFloat(g.MaxRegression))
		comment("How much worse relative to the champion's value (0.05 is 5%; 0: no such bound).")
		line("max_regression_rel = %s", tomlFloat(g.MaxRegressionRel))
	}

	line("")
	if s := p.Slices; s == nil {
		line("# Slices: none compared. A [slices] table compares every eval slice the champion")
		line("# has (a class, a group) with the challenger's, for example:")
		line("#   [slices]")
		line(`#   metric = "acc"`)
		line("#   max_regression = 0.02")
		line("#   min_count = 1")
	} else {
		line("# Slices: every eval slice the champion has, compared with the challenger's.")
		line("[slices]")
		line("# The eval metric compared.")
		line("metric = %s", quote(s.Metric))
		if s.Direction == "" {
			line(`# Which way is better: the policy's direction (set direction = "max" or "min" to change it).`)
		} else {
			line(`# Which way is better: "max" (higher) or "min" (lower).`)
			line("direction = %s", quote(s.Direction))
		}
		line("# How much worse than the champion's same slice any slice may be.")
		line("max_regression = %s", tomlFloat(s.MaxRegression))
		line("# How many slices the challenger must have; at 1 or more a slice it lacks fails.")
		line("min_count = %d", s.MinCount)
	}

	line("")
	if len(p.Ranges) == 0 {
		line("# Ranges: none. Each [[ranges]] table bounds a metric's plausible values")
		line("# (either end may be left out), for example:")
		line("#   [[ranges]]")
		line(`#   metric = "val_acc"`)
		line("#   min = 0.0")
		line("#   max = 1.0")
	}
	for i, r := range p.Ranges {
		if i == 0 {
			line("# Ranges: where a plausible value lies; an end left out is open.")
		}
		comment := func(s string) {
			if i == 0 {
				line("# %s", s)
			}
		}
		line("[[ranges]]")
		comment("The metric.")
		line("metric = %s", quote(r.Metric))
		if r.Min != nil {
			comment("The least plausible value.")
			line("min = %s", tomlFloat(*r.Min))
		}
		if r.Max != nil {
			comment("The greatest plausible value.")
			line("max = %s", tomlFloat(*r.Max))
		}
	}

	d := p.Drift
	line("")
	line("# Drift: how production data is judged against the data the model was trained")
	line("# on, feature by feature, by PSI (population stability index).")
	line("[drift]")
	line("# A feature warns at this PSI or above.")
	line("psi_warn = %s", tomlFloat(d.PSIWarn))
	line("# A feature alerts at this PSI or above (at least psi_warn).")
	line("psi_alert = %s", tomlFloat(d.PSIAlert))
	line("# The data set alerts when at least this share of its features alert (above 0, at most 1).")
	line("dataset_share = %s", tomlFloat(d.DatasetShare))
	line(`# What a window is: "batch" (each batch its own), "hour" or "day".`)
	line("window = %s", quote(d.Window))
	line("# The column of the model's predictions.")
	line("prediction = %s", quote(d.Prediction))
	line("# The column of the true labels (quality is measured on the rows that have one).")
	line("label = %s", quote(d.Label))
	line("# The column of a challenger's predictions, scored beside the model's (shadow evaluation).")
	line("challenger = %s", quote(d.Challenger))
	line("# Columns not scored, such as ids and timestamps.")
	line("ignore = %s", quoteList(d.Ignore))
	line("# On an alert, start the champion's training run again.")
	line("retrain = %t", d.Retrain)
	line(`# At most one retrain per this long: "24h", "90m", "1d" (at least 1m).`)
	line("cooldown = %s", quote(d.Cooldown))
	line(`# A folder (an absolute path) the engine watches for new batch files; "": none.`)
	line("watch = %s", quote(d.Watch))

	line("")
	if s := p.Shadow; s == nil {
		line("# Shadow: none. A [shadow] table asks that a challenger beat the champion on live")
		line("# traffic (its predictions in the drift.challenger column) before it can be promoted,")
		line("# for example:")
		line("#   [shadow]")
		line("#   min_rows = 1000")
		line("#   alpha = 0.05")
	} else {
		line("# Shadow: a challenger must beat the champion on live traffic (its predictions in")
		line("# the drift.challenger column) before it can be promoted.")
		line("[shadow]")
		line("# How many paired rows (both models' predictions and a label) the comparison needs.")
		line("min_rows = %d", s.MinRows)
		line("# The significance level: the paired test's p-value must be at most this.")
		line("alpha = %s", tomlFloat(s.Alpha))
	}
	return b.String()
}

// quoteList writes ss as a TOML array of basic strings.
func quoteList(ss []string) string {
	quoted := make([]string, len(ss))
	for i, s := range ss {
		quoted[i] = quote(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// quote writes s as a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlFloat writes v so that TOML reads it back as the same float (a
// decimal point or an exponent, so not an integer).
func tomlFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
