package registry

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
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

// DefaultPolicy is the policy a model gets when it is created: judged by
// primary in direction (both may be empty: then the primary gate blocks
// every promotion until a policy names a metric), no least improvement,
// one approval, no other gates.
func DefaultPolicy(primary, direction string) Policy {
	return Policy{PrimaryMetric: primary, Direction: direction, RequiredApprovals: 1}
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
)

func (k valueKind) String() string {
	return [...]string{"a string", "a number", "a whole number", "true or false", "a table", "a list of tables"}[k]
}

// ParsePolicy reads a policy's TOML and checks it. An error is one line
// (of kind api.ErrInvalid) that names the key and, when it can, the line:
// `policy line 4: direction "up": want "max" (higher is better) or "min"
// (lower is better)`.
//
// primary_metric and direction are required (primary_metric = "" is taken,
// and says no metric is chosen yet: nothing can be promoted); each
// guardrail needs metric, direction and max_regression, [slices] needs
// metric and max_regression; required_approvals is 1 when left out.
func ParsePolicy(text string) (Policy, error) {
	var raw map[string]any
	rawMD, err := toml.Decode(text, &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Policy{}, policyError(pe.Position.Line, "%s", oneLine(pe.Message))
		}
		return Policy{}, policyError(0, "%s", oneLine(err.Error()))
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
	p := Policy{RequiredApprovals: 1}
	md, err := toml.Decode(text, &p)
	if err != nil { // checkKinds let through what the decoder refuses
		return Policy{}, policyError(0, "%s", oneLine(err.Error()))
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

func oneLine(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "toml: ")
	return strings.Join(strings.Fields(s), " ")
}

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
	if tbl, ok := raw["slices"].(map[string]any); ok {
		return checkTableKinds(tbl, sliceKeys, "slices", lines)
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
		return want == kindTables && tableList(v) != nil
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
	case len(k) > 2:
		return false
	case k[0] == "guardrails":
		return has(guardrailKeys, k[1])
	case k[0] == "slices":
		return has(sliceKeys, k[1])
	case k[0] == "ranges":
		return has(rangeKeys, k[1])
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
// the tables p leaves out. The same p always gives the same text.
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
	return b.String()
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
