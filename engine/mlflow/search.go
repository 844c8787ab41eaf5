package mlflow

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"lathe/engine/api"
)

// paged cuts a listing to the page a request asks for (max_results,
// page_token), with the token of the next page ("" at the end).
func paged[T any](q request, all []T) ([]T, string, error) {
	return pagedUpTo(q, all, defaultResults, maxResults)
}

func pagedUpTo[T any](q request, all []T, def, most int64) ([]T, string, error) {
	n, ok, err := q.int64("max_results")
	if err != nil {
		return nil, "", err
	}
	if !ok || n == 0 {
		n = def
	}
	if n < 0 || n > most {
		return nil, "", invalid("Invalid value %d for parameter 'max_results' supplied. It must be at most %d", n, most)
	}
	tok, err := q.str("page_token")
	if err != nil {
		return nil, "", err
	}
	offset := 0
	if tok != "" {
		var t struct {
			Offset int `json:"offset"`
		}
		raw, err := base64.StdEncoding.DecodeString(tok)
		if err == nil {
			err = json.Unmarshal(raw, &t)
		}
		if err != nil || t.Offset < 0 {
			return nil, "", invalid("Invalid page token, could not base64-decode")
		}
		offset = t.Offset
	}
	if offset > len(all) {
		offset = len(all)
	}
	end := offset + int(n)
	if end >= len(all) {
		return emptyNotNil(all[offset:]), "", nil
	}
	raw, _ := json.Marshal(map[string]int{"offset": end})
	return all[offset:end], base64.StdEncoding.EncodeToString(raw), nil
}

func emptyNotNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// A clause of MLflow's search filter: `metrics.acc > 0.9`, `params.lr =
// '0.01'`, `tags."a b" != 'x'`, `attributes.status = 'FINISHED'`, `run_name
// LIKE 'bert%'`, joined by AND.
type clause struct {
	kind, key, op string
	str           string
	num           float64
	isNum         bool
}

var clauseRE = regexp.MustCompile(`(?i)^\s*(?:(metrics?|params?|parameters?|tags?|attributes?|attr|run)\.)?` +
	"(\"[^\"]+\"|`[^`]+`|[A-Za-z0-9_./:-]+)" +
	`\s*(<=|>=|!=|=|<|>|NOT\s+LIKE|ILIKE|LIKE|NOT\s+ILIKE)\s*` +
	`('(?:[^']|'')*'|"[^"]*"|[-+0-9.eE]+|[-+]?inf(?:inity)?|nan)\s*$`)

var andRE = regexp.MustCompile(`(?i)\s+and\s+`)

func parseFilter(filter string) ([]clause, error) {
	if strings.TrimSpace(filter) == "" {
		return nil, nil
	}
	var out []clause
	for _, part := range andRE.Split(filter, -1) {
		m := clauseRE.FindStringSubmatch(part)
		if m == nil {
			return nil, invalid("Invalid filter '%s': lathe reads clauses like metrics.acc > 0.9, params.lr = '0.01', tags.x = 'y', attributes.status = 'FINISHED' joined by AND", strings.TrimSpace(part))
		}
		c := clause{kind: strings.ToLower(m[1]), key: strings.Trim(m[2], "\"`"), op: strings.ToUpper(strings.Join(strings.Fields(m[3]), " "))}
		switch {
		case strings.HasPrefix(c.kind, "metric"):
			c.kind = "metrics"
		case strings.HasPrefix(c.kind, "param"):
			c.kind = "params"
		case strings.HasPrefix(c.kind, "tag"):
			c.kind = "tags"
		default:
			c.kind = "attributes"
		}
		v := m[4]
		if strings.HasPrefix(v, "'") || strings.HasPrefix(v, "\"") {
			c.str = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		} else {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, invalid("Invalid filter '%s': %q is not a number", strings.TrimSpace(part), v)
			}
			c.num, c.isNum, c.str = f, true, v
		}
		if c.kind == "metrics" && !c.isNum {
			return nil, invalid("Invalid filter '%s': a metric is compared with a number", strings.TrimSpace(part))
		}
		out = append(out, c)
	}
	return out, nil
}

// like is SQL's LIKE: % any run, _ one character.
func like(pattern, s string, fold bool) bool {
	var b strings.Builder
	b.WriteString("^")
	if fold {
		b.WriteString("(?is)")
	} else {
		b.WriteString("(?s)")
	}
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}

func compareStr(op, got, want string) bool {
	switch op {
	case "=":
		return got == want
	case "!=":
		return got != want
	case "LIKE":
		return like(want, got, false)
	case "ILIKE":
		return like(want, got, true)
	case "NOT LIKE":
		return !like(want, got, false)
	case "NOT ILIKE":
		return !like(want, got, true)
	}
	c := strings.Compare(got, want)
	return compareOrder(op, c)
}

func compareOrder(op string, c int) bool {
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "=":
		return c == 0
	case "!=":
		return c != 0
	}
	return false
}

// matches reports whether a run passes every clause.
func matches(cs []clause, r api.Run, info runInfo) bool {
	for _, c := range cs {
		switch c.kind {
		case "metrics":
			m, ok := r.Metrics[c.key]
			v := float64(m.Last)
			if !ok || math.IsNaN(v) || !compareOrder(c.op, cmp.Compare(v, c.num)) {
				return false
			}
		case "params", "tags":
			src := r.Params
			if c.kind == "tags" {
				src = r.Tags
			}
			v, ok := src[c.key]
			if !ok || !compareStr(c.op, v, c.str) {
				return false
			}
		default:
			if !attributeMatches(c, info) {
				return false
			}
		}
	}
	return true
}

func attributeMatches(c clause, info runInfo) bool {
	switch strings.ToLower(c.key) {
	case "status":
		return compareStr(c.op, info.Status, c.str)
	case "run_name", "name":
		return compareStr(c.op, info.RunName, c.str)
	case "run_id", "run_uuid", "id":
		return compareStr(c.op, info.RunID, c.str)
	case "user_id":
		return compareStr(c.op, info.UserID, c.str)
	case "start_time", "created":
		return c.isNum && compareOrder(c.op, cmp.Compare(float64(info.StartTime), c.num))
	case "end_time":
		return c.isNum && info.EndTime != nil && compareOrder(c.op, cmp.Compare(float64(*info.EndTime), c.num))
	}
	return false
}

// orderKey is one term of order_by: `metrics.acc DESC`, `start_time`.
type orderKey struct {
	kind, key string
	desc      bool
}

func parseOrder(terms []string) ([]orderKey, error) {
	var out []orderKey
	for _, t := range terms {
		f := strings.Fields(t)
		if len(f) == 0 || len(f) > 2 {
			return nil, invalid("Invalid order_by clause '%s'", t)
		}
		o := orderKey{kind: "attributes", key: f[0]}
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "DESC":
				o.desc = true
			case "ASC":
			default:
				return nil, invalid("Invalid order_by clause '%s': ASC or DESC", t)
			}
		}
		if kind, key, ok := strings.Cut(f[0], "."); ok {
			o.kind, o.key = strings.ToLower(kind), strings.Trim(key, "\"`")
			switch {
			case strings.HasPrefix(o.kind, "metric"):
				o.kind = "metrics"
			case strings.HasPrefix(o.kind, "param"):
				o.kind = "params"
			case strings.HasPrefix(o.kind, "tag"):
				o.kind = "tags"
			default:
				o.kind = "attributes"
			}
		}
		out = append(out, o)
	}
	return out, nil
}

type found struct {
	run  api.Run
	info runInfo
}

// compareBy orders runs as order_by says, then newest first (MLflow's
// default). Runs without the key come last.
func compareBy(order []orderKey) func(a, b found) int {
	return func(a, b found) int {
		for _, o := range order {
			c, decided := compareOne(o, a, b)
			if decided {
				return c
			}
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(b.info.StartTime, a.info.StartTime), strings.Compare(a.info.RunID, b.info.RunID))
	}
}

// compareOne compares a and b on one key; decided says a missing value
// settled it (last in either direction).
func compareOne(o orderKey, a, b found) (int, bool) {
	switch o.kind {
	case "metrics":
		x, okA := a.run.Metrics[o.key]
		y, okB := b.run.Metrics[o.key]
		if c, done := missingLast(okA, okB); done {
			return c, true
		}
		return cmp.Compare(float64(x.Last), float64(y.Last)), false
	case "params", "tags":
		src := func(f found) map[string]string {
			if o.kind == "tags" {
				return f.run.Tags
			}
			return f.run.Params
		}
		x, okA := src(a)[o.key]
		y, okB := src(b)[o.key]
		if c, done := missingLast(okA, okB); done {
			return c, true
		}
		return strings.Compare(x, y), false
	}
	switch strings.ToLower(o.key) {
	case "run_name", "name":
		return strings.Compare(a.info.RunName, b.info.RunName), false
	case "status":
		return strings.Compare(a.info.Status, b.info.Status), false
	case "end_time":
		return cmp.Compare(endOf(a.info), endOf(b.info)), false
	}
	return cmp.Compare(a.info.StartTime, b.info.StartTime), false
}

func endOf(i runInfo) int64 {
	if i.EndTime == nil {
		return math.MaxInt64
	}
	return *i.EndTime
}

func missingLast(okA, okB bool) (int, bool) {
	switch {
	case okA && okB:
		return 0, false
	case okA:
		return -1, true
	case okB:
		return 1, true
	}
	return 0, false
}

func (s *server) searchRuns(ctx context.Context, q request) (any, error) {
	ids, err := q.strs("experiment_ids")
	if err != nil {
		return nil, err
	}
	filter, err := q.str("filter")
	if err != nil {
		return nil, err
	}
	clauses, err := parseFilter(filter)
	if err != nil {
		return nil, err
	}
	terms, err := q.strs("order_by")
	if err != nil {
		return nil, err
	}
	order, err := parseOrder(terms)
	if err != nil {
		return nil, err
	}
	view, err := q.str("run_view_type")
	if err != nil {
		return nil, err
	}
	x, err := s.experiments(ctx)
	if err != nil {
		return nil, err
	}
	var runs []api.Run
	for _, id := range ids {
		e, err := x.find(id)
		if err != nil {
			return nil, err
		}
		if view != "DELETED_ONLY" {
			rs, err := s.svc.Runs(ctx, api.RunQuery{Experiment: e.Name})
			if err != nil {
				return nil, err
			}
			runs = append(runs, rs...)
		}
		if view == "DELETED_ONLY" || view == "ALL" {
			rs, err := s.svc.Runs(ctx, api.RunQuery{Experiment: e.Name, Deleted: true})
			if err != nil {
				return nil, err
			}
			runs = append(runs, rs...)
		}
	}
	var out []found
	for _, r := range runs {
		f := found{run: r, info: s.runInfo(r, x)}
		if matches(clauses, r, f.info) {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, compareBy(order))
	page, next, err := paged(q, out)
	if err != nil {
		return nil, err
	}
	res := make([]runJSON, len(page))
	for i, f := range page {
		res[i] = s.runJSON(f.run, x)
	}
	return map[string]any{"runs": res, "next_page_token": next}, nil
}

// nameFilter reads the filters of experiments and registered models:
// `name = 'x'`, `name LIKE '%x%'`, `name ILIKE …`.
func nameFilter(filter string) (func(string) bool, error) {
	cs, err := parseFilter(filter)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.kind != "attributes" || c.key != "name" {
			return nil, invalid("Invalid filter '%s': lathe filters these by name only", filter)
		}
	}
	return func(name string) bool {
		for _, c := range cs {
			if !compareStr(c.op, name, c.str) {
				return false
			}
		}
		return true
	}, nil
}
