package sweep

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Limits that keep a typo from queueing a million runs.
const (
	maxTrials   = 100_000
	maxParallel = 1000
)

// The keys a sweep file may hold, level by level. The file is decoded
// into maps and checked against these rather than into a struct:
// BurntSushi/toml matches struct fields without regard to case, so
// "Trials" and "trials" would both land in one field, the last silently
// winning, and a mistyped key would read as a correct one.
var (
	rootKeys      = []string{"name", "experiment", "command", "metric", "direction", "method", "trials", "parallel", "gpus", "seed", "params", "early_stop"}
	paramKeys     = []string{"distribution", "min", "max", "values"}
	earlyStopKeys = []string{"method", "min_steps", "reduction"}
	distributions = []string{"uniform", "log_uniform", "int", "log_int", "categorical"}
)

// Parse reads a sweep file; name is the file's name, used in messages and
// as the sweep's name when the file gives none (its base name without
// extension). The error holds every problem found, one line each,
// "NAME: KEY: what is wrong", in the order of the file.
func Parse(name string, data []byte) (Spec, error) {
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Spec{}, fmt.Errorf("%s: line %d: %s", name, pe.Position.Line, pe.Message)
		}
		return Spec{}, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "toml: "))
	}
	c := newChecker(name, md.Keys())
	c.unknownKeys(md.Keys())
	s := Spec{Method: "tpe", Parallel: 1}
	if name != "" {
		s.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	c.top(raw, &s)
	c.params(raw, &s)
	c.earlyStop(raw, &s)
	c.command(raw, &s)
	c.limits(raw, &s)
	if err := c.err(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// checker collects the problems of one file.
type checker struct {
	file     string
	place    map[string]int // where each key (and each table above one) first appears
	problems []problem
}

type problem struct {
	place int
	line  string
}

func newChecker(file string, keys []toml.Key) *checker {
	c := &checker{file: file, place: map[string]int{}}
	for i, k := range keys {
		for j := 1; j <= len(k); j++ {
			if _, ok := c.place[k[:j].String()]; !ok {
				c.place[k[:j].String()] = i
			}
		}
	}
	return c
}

// bad records a problem of a key.
func (c *checker) bad(key toml.Key, format string, args ...any) {
	c.badAt(key, key.String(), format, args...)
}

// badAt records a problem placed at key but labelled otherwise (an
// element of an array: "command[2]"). A key the file lacks is placed at
// its table, or after every key the file has, in the order the format
// lists them.
func (c *checker) badAt(key toml.Key, label, format string, args ...any) {
	place := math.MaxInt32 + slices.Index(rootKeys, key[0])
	for i := len(key); i > 0; i-- {
		if p, ok := c.place[key[:i].String()]; ok {
			place = p
			break
		}
	}
	c.problems = append(c.problems, problem{place, fmt.Sprintf("%s: %s: %s", c.file, label, fmt.Sprintf(format, args...))})
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(c.problems, func(a, b problem) int { return cmp.Compare(a.place, b.place) })
	lines := make([]string, len(c.problems))
	for i, p := range c.problems {
		lines[i] = p.line
	}
	return errors.New(strings.Join(lines, "\n"))
}

// unknownKeys reports each key the format does not have, once, at the
// shallowest level that is wrong; what lies under a known key that takes
// a value (an array of tables in values) is that key's check's business.
func (c *checker) unknownKeys(keys []toml.Key) {
	seen := map[string]bool{}
	for _, k := range keys {
		var at toml.Key
		var known []string
		switch {
		case !slices.Contains(rootKeys, k[0]):
			at, known = k[:1], rootKeys
		case k[0] == "params" && len(k) >= 3 && !slices.Contains(paramKeys, k[2]):
			at, known = k[:3], paramKeys
		case k[0] == "early_stop" && len(k) >= 2 && !slices.Contains(earlyStopKeys, k[1]):
			at, known = k[:2], earlyStopKeys
		default:
			continue
		}
		if seen[at.String()] {
			continue
		}
		seen[at.String()] = true
		var what string
		switch k[0] {
		case "params":
			what = "a param has distribution, min, max or values"
		case "early_stop":
			what = "[early_stop] has method, min_steps and reduction"
		default:
			what = "a sweep file has name, experiment, command, metric, direction, method, trials, parallel, gpus, seed, [params] and [early_stop]"
		}
		if near := nearKey(at[len(at)-1], known); near != "" {
			c.bad(at, "unknown key (%s): did you mean %s?", what, near)
		} else {
			c.bad(at, "unknown key (%s)", what)
		}
	}
}

// nearKey is the known key a mistyped one most likely meant: the same
// but for case or a dash written for an underscore.
func nearKey(k string, known []string) string {
	k = strings.ReplaceAll(k, "-", "_")
	for _, n := range known {
		if strings.EqualFold(k, n) {
			return n
		}
	}
	return ""
}

// presence says whether a key was given, and given well.
type presence int

const (
	absent presence = iota
	wrongType
	given
)

// get reads key from table t as a T, reporting a value of another type;
// want says what T is to the user ("an integer").
func get[T any](c *checker, t map[string]any, key toml.Key, want string) (T, presence) {
	var zero T
	v, ok := t[key[len(key)-1]]
	if !ok {
		return zero, absent
	}
	x, ok := v.(T)
	if !ok {
		c.bad(key, "must be %s, not %s", want, describe(v))
		return zero, wrongType
	}
	return x, given
}

// getNumber reads an integer or a float as a float.
func getNumber(c *checker, t map[string]any, key toml.Key) (float64, presence) {
	v, ok := t[key[len(key)-1]]
	if !ok {
		return 0, absent
	}
	switch v := v.(type) {
	case int64:
		return float64(v), given
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			c.bad(key, "must be a finite number, not %s", formatFloat(v))
			return 0, wrongType
		}
		return v, given
	}
	c.bad(key, "must be a number, not %s", describe(v))
	return 0, wrongType
}

// describe names a TOML value for a message.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return "the string " + strconv.Quote(v)
	case int64:
		return "the integer " + strconv.FormatInt(v, 10)
	case float64:
		return "the float " + formatFloat(v)
	case bool:
		return "the boolean " + strconv.FormatBool(v)
	case []any:
		return "an array"
	case []map[string]any:
		return "an array of tables"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("a %T", v)
}

// top checks the scalar keys that say what to run and how to rank it.
func (c *checker) top(raw map[string]any, s *Spec) {
	if v, p := get[string](c, raw, toml.Key{"name"}, "a string"); p == given {
		if v == "" {
			c.bad(toml.Key{"name"}, "is empty: give the sweep a name, or leave the key out to name it after the file")
		}
		s.Name = v
	}
	s.Experiment, _ = get[string](c, raw, toml.Key{"experiment"}, "a string")
	switch v, p := get[string](c, raw, toml.Key{"metric"}, "a string"); {
	case p == absent:
		c.bad(toml.Key{"metric"}, `missing: the metric to optimise, as the trials log it (metric = "val_acc")`)
	case p == given && v == "":
		c.bad(toml.Key{"metric"}, `is empty: name the metric to optimise, as the trials log it (metric = "val_acc")`)
	default:
		s.Metric = v
	}
	switch v, p := get[string](c, raw, toml.Key{"direction"}, `"max" or "min"`); {
	case p == absent:
		c.bad(toml.Key{"direction"}, `missing: "max" if a higher %s is better, "min" if a lower one is`, cmp.Or(s.Metric, "metric"))
	case p == given && v != "max" && v != "min":
		c.bad(toml.Key{"direction"}, `%q is not "max" or "min"`, v)
	default:
		s.Direction = v
	}
	switch v, p := get[string](c, raw, toml.Key{"method"}, `"grid", "random" or "tpe"`); {
	case p == given && v != "grid" && v != "random" && v != "tpe":
		c.bad(toml.Key{"method"}, `%q is not "grid", "random" or "tpe"`, v)
		s.Method = ""
	case p == given:
		s.Method = v
	case p == wrongType:
		s.Method = ""
	}
	if v, p := get[int64](c, raw, toml.Key{"parallel"}, "an integer"); p == given {
		if v < 1 || v > maxParallel {
			c.bad(toml.Key{"parallel"}, "%d is not between 1 and %d (how many trials run at once)", v, maxParallel)
		}
		s.Parallel = int(v)
	}
	if v, p := get[int64](c, raw, toml.Key{"gpus"}, "an integer"); p == given {
		if v < 0 {
			c.bad(toml.Key{"gpus"}, "%d is negative: give the GPUs each trial needs, 0 for none", v)
		}
		s.GPUs = int(v)
	}
	if v, p := get[int64](c, raw, toml.Key{"seed"}, "an integer"); p == given {
		if v < 0 {
			c.bad(toml.Key{"seed"}, "%d is negative: give 0 or more", v)
		}
		s.Seed = uint64(v)
	}
}

// command checks the command and that each placeholder names a param.
func (c *checker) command(raw map[string]any, s *Spec) {
	key := toml.Key{"command"}
	const example = `["python3", "train.py", "--lr", "{lr}"]`
	list, p := get[[]any](c, raw, key, "an array of strings such as "+example)
	switch {
	case p == absent:
		c.bad(key, "missing: the command each trial runs, with a {name} for each param: command = %s", example)
		return
	case p == wrongType:
		return
	case len(list) == 0:
		c.bad(key, "is empty: give the program and its arguments, such as %s", example)
		return
	}
	var names []string
	if t, ok := raw["params"].(map[string]any); ok {
		for n := range t {
			names = append(names, n)
		}
		slices.Sort(names)
	}
	known := "no params"
	if len(names) > 0 {
		known = "params: " + strings.Join(names, ", ")
	}
	reported := map[string]bool{}
	for i, v := range list {
		arg, ok := v.(string)
		if !ok {
			c.badAt(key, fmt.Sprintf("command[%d]", i), "must be a string, not %s: quote it", describe(v))
			continue
		}
		if i == 0 && arg == "" {
			c.badAt(key, "command[0]", "the program is empty")
		}
		s.Command = append(s.Command, arg)
		for _, m := range placeholder.FindAllStringSubmatch(arg, -1) {
			if !slices.Contains(names, m[1]) && !reported[m[1]] {
				reported[m[1]] = true
				c.bad(key, "{%s} names no param (%s)", m[1], known)
			}
		}
	}
}

// params checks [params]; s.Params gets the params that are well formed.
func (c *checker) params(raw map[string]any, s *Spec) {
	key := toml.Key{"params"}
	const example = `lr = { distribution = "log_uniform", min = 1e-4, max = 1e-1 }`
	t, p := get[map[string]any](c, raw, key, "a table of params ([params] then "+example+")")
	switch {
	case p == absent:
		c.bad(key, "missing: a sweep searches at least one param: [params] then %s", example)
		return
	case p == wrongType:
		return
	case len(t) == 0:
		c.bad(key, "is empty: a sweep searches at least one param, such as %s", example)
		return
	}
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if p, ok := c.param(n, t[n], s.Method); ok {
			s.Params = append(s.Params, p)
		}
	}
}

// param checks one param's table.
func (c *checker) param(name string, v any, method string) (Param, bool) {
	key := toml.Key{"params", name}
	before := len(c.problems)
	if !validName.MatchString(name) {
		c.bad(key, "%q is not a param name: use letters, digits and _, not starting with a digit", name)
	}
	t, ok := v.(map[string]any)
	if !ok {
		c.bad(key, `must be a table such as { distribution = "uniform", min = 0, max = 1 } or { values = [1, 2] }, not %s`, describe(v))
		return Param{}, false
	}
	p := Param{Name: name}
	dist, pd := get[string](c, t, sub(key, "distribution"), "a string: one of "+strings.Join(distributions, ", "))
	_, hasValues := t["values"]
	switch {
	case pd == given && !slices.Contains(distributions, dist):
		c.bad(sub(key, "distribution"), "%q is not one of %s", dist, strings.Join(distributions, ", "))
	case hasValues && pd == given && dist != "categorical":
		c.bad(key, "has both values and distribution %q: give values for a list to choose from, or a distribution with min and max", dist)
	case hasValues:
		p.Distribution = "categorical"
		p.Values = c.values(sub(key, "values"), t["values"])
		for _, k := range []string{"min", "max"} {
			if _, ok := t[k]; ok {
				c.bad(sub(key, k), "goes with a distribution, not with values: remove it")
			}
		}
	case pd == given && dist == "categorical":
		c.bad(key, "categorical needs values = [...], the list to choose from")
	case pd == absent:
		c.bad(key, `has neither values nor a distribution: write %s = { distribution = "uniform", min = 0, max = 1 } or %s = { values = [...] }`, name, name)
	case pd == given:
		p.Distribution = dist
		c.bounds(key, t, &p)
	}
	if method == "grid" && (p.Distribution == "uniform" || p.Distribution == "log_uniform") {
		c.bad(key, "grid needs values or an int range: %s is %s", name, p.Distribution)
	}
	return p, len(c.problems) == before
}

// bounds checks a numeric distribution's min and max.
func (c *checker) bounds(key toml.Key, t map[string]any, p *Param) {
	lo, plo := getNumber(c, t, sub(key, "min"))
	hi, phi := getNumber(c, t, sub(key, "max"))
	for _, m := range []struct {
		name string
		p    presence
	}{{"min", plo}, {"max", phi}} {
		if m.p == absent {
			c.bad(key, "missing %s: the %s distribution needs min and max", m.name, p.Distribution)
		}
	}
	if plo != given || phi != given {
		return
	}
	p.Min, p.Max = lo, hi
	if lo >= hi {
		c.bad(key, "min %s is not below max %s", formatFloat(lo), formatFloat(hi))
		return
	}
	if p.isLog() && lo <= 0 {
		c.bad(key, "%s needs min above 0, not %s: its values are drawn evenly in log space", p.Distribution, formatFloat(lo))
	}
	if p.isInt() {
		// 2^53: past it a float64 no longer holds every integer.
		for _, b := range []struct {
			name string
			v    float64
		}{{"min", lo}, {"max", hi}} {
			switch {
			case b.v != math.Trunc(b.v):
				c.bad(key, "%s needs whole bounds: %s %s is not a whole number", p.Distribution, b.name, formatFloat(b.v))
			case math.Abs(b.v) > 1<<53:
				c.bad(key, "%s %s is too large for an int range", b.name, formatFloat(b.v))
			}
		}
	}
}

// values checks a values list and gives it as the command will get it.
func (c *checker) values(key toml.Key, v any) []string {
	list, ok := v.([]any)
	if !ok {
		c.bad(key, "must be an array such as [64, 128, 256], not %s", describe(v))
		return nil
	}
	if len(list) == 0 {
		c.bad(key, "is empty: list at least one value")
		return nil
	}
	out := make([]string, 0, len(list))
	for i, v := range list {
		var text string
		switch v := v.(type) {
		case string:
			text = v
		case int64:
			text = strconv.FormatInt(v, 10)
		case float64:
			text = formatFloat(v)
		case bool:
			text = strconv.FormatBool(v)
		default:
			c.badAt(key, fmt.Sprintf("%s[%d]", key, i), "must be a number, a string or a boolean, not %s", describe(v))
			continue
		}
		if slices.Contains(out, text) {
			c.badAt(key, fmt.Sprintf("%s[%d]", key, i), "%s is listed twice: list each value once", text)
			continue
		}
		out = append(out, text)
	}
	return out
}

// earlyStop checks [early_stop].
func (c *checker) earlyStop(raw map[string]any, s *Spec) {
	key := toml.Key{"early_stop"}
	t, p := get[map[string]any](c, raw, key, "a table ([early_stop] then method, min_steps and reduction)")
	if p != given {
		return
	}
	e := &EarlyStop{Method: "asha", Reduction: 3}
	switch v, p := get[string](c, t, sub(key, "method"), `"asha"`); {
	case p == given && v != "asha":
		c.bad(sub(key, "method"), `%q is not supported: the only method is "asha"`, v)
	case p == given:
		e.Method = v
	}
	// No default for min_steps: whether a step is an epoch or a batch is
	// the training script's choice, and a guess of 1 would judge trials
	// by their first batch.
	switch v, p := get[int64](c, t, sub(key, "min_steps"), "an integer"); {
	case p == absent:
		c.bad(sub(key, "min_steps"), "missing: the step of the first rung, where trials are first compared (min_steps = 2)")
	case p == given && v < 1:
		c.bad(sub(key, "min_steps"), "%d is below 1: give the step of the first rung", v)
	default:
		e.MinSteps = v
	}
	if v, p := get[int64](c, t, sub(key, "reduction"), "an integer"); p == given {
		if v < 2 {
			c.bad(sub(key, "reduction"), "%d is below 2: each rung keeps the top 1/reduction (3 keeps a third)", v)
		}
		e.Reduction = int(min(v, math.MaxInt32))
	}
	s.EarlyStop = e
}

// limits checks trials, which depends on the method and the params.
func (c *checker) limits(raw map[string]any, s *Spec) {
	key := toml.Key{"trials"}
	v, p := get[int64](c, raw, key, "an integer")
	switch {
	case p == wrongType:
	case p == absent && (s.Method == "random" || s.Method == "tpe"):
		c.bad(key, "missing: how many trials to run at most (trials = 40)")
	case v > maxTrials:
		c.bad(key, "%d is more than %d", v, maxTrials)
	case v < 0 && s.Method == "grid":
		c.bad(key, "%d is negative: give how many combinations to run, or leave it out to run them all", v)
	case v < 1 && p == given && s.Method != "grid":
		c.bad(key, "%d is below 1: give how many trials to run at most", v)
	default:
		s.Trials = int(v)
	}
	if s.Method == "grid" && s.Trials == 0 && len(c.problems) == 0 {
		if n := s.Combinations(); n > maxTrials {
			c.bad(key, "the grid has %d combinations, more than %d: set trials to run the first ones, or give fewer values", n, maxTrials)
		}
	}
}

// sub is key with one more level.
func sub(key toml.Key, k string) toml.Key {
	return append(key[:len(key):len(key)], k)
}
