package mlflow

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// request is a request's fields: strings from a query, JSON values (numbers
// as json.Number) from a body.
type request struct {
	method string
	fields map[string]any
}

func missing(name string) *Error {
	return invalid("Missing value for required parameter '%s'. See the API docs for more information about request parameters.", name)
}

// str is a string field; "" when absent.
func (q request) str(name string) (string, error) {
	switch v := q.fields[name].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", invalid("Invalid value for parameter '%s': a string is expected", name)
}

// need is a string field that must be there.
func (q request) need(name string) (string, error) {
	s, err := q.str(name)
	if err == nil && s == "" {
		err = missing(name)
	}
	return s, err
}

// int64 is an integer field, written as a JSON number or a string (as
// protobuf's JSON writes int64).
func (q request) int64(name string) (int64, bool, error) {
	var s string
	switch v := q.fields[name].(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		s = v.String()
	case string:
		s = v
	default:
		return 0, false, invalid("Invalid value for parameter '%s': an integer is expected", name)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		// 1.7e12 is an integer written as JSON numbers often are.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
			return 0, false, invalid("Invalid value %q for parameter '%s': an integer is expected", s, name)
		}
		n = int64(f)
	}
	return n, true, nil
}

// float is a double field: a JSON number, or "NaN", "Infinity",
// "-Infinity" (and a number in a string).
func (q request) float(name string) (float64, bool, error) {
	switch v := q.fields[name].(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return 0, false, invalid("Invalid value %s for parameter '%s': %v", v, name, err)
		}
		return f, true, nil
	case string:
		switch v {
		case "NaN", "nan":
			return math.NaN(), true, nil
		case "Infinity", "inf":
			return math.Inf(1), true, nil
		case "-Infinity", "-inf":
			return math.Inf(-1), true, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, false, invalid("Invalid value %q for parameter '%s': a number is expected", v, name)
		}
		return f, true, nil
	}
	return 0, false, invalid("Invalid value for parameter '%s': a number is expected", name)
}

// strs is a repeated string field (experiment_ids).
func (q request) strs(name string) ([]string, error) {
	switch v := q.fields[name].(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			sub := request{fields: map[string]any{name: x}}
			s, err := sub.str(name)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, invalid("Invalid value for parameter '%s': a list of strings is expected", name)
}

// objects is a repeated message field (metrics, params, tags).
func (q request) objects(name string) ([]request, error) {
	switch v := q.fields[name].(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]request, 0, len(v))
		for _, x := range v {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, invalid("Invalid value for parameter '%s': a list of objects is expected", name)
			}
			out = append(out, request{fields: m})
		}
		return out, nil
	}
	return nil, invalid("Invalid value for parameter '%s': a list of objects is expected", name)
}

// pairs reads a list of {key, value} (tags, params) into a map, checking
// MLflow's limits on their sizes.
func (q request) pairs(name string, maxValue int) (map[string]string, []string, error) {
	objs, err := q.objects(name)
	if err != nil || len(objs) == 0 {
		return nil, nil, err
	}
	out := make(map[string]string, len(objs))
	order := make([]string, 0, len(objs))
	for _, o := range objs {
		k, err := o.need("key")
		if err != nil {
			return nil, nil, err
		}
		v, err := o.str("value")
		if err != nil {
			return nil, nil, err
		}
		if err := checkKeyValue(name, k, v, maxValue); err != nil {
			return nil, nil, err
		}
		if _, dup := out[k]; !dup {
			order = append(order, k)
		}
		out[k] = v
	}
	return out, order, nil
}

func checkKeyValue(what, k, v string, maxValue int) error {
	switch {
	case utf8.RuneCountInString(k) > maxKey:
		return invalid("'%s' exceeds the maximum length of %d characters (a %s key)", truncate(k), maxKey, what)
	case utf8.RuneCountInString(v) > maxValue:
		return invalid("The value of %s '%s' exceeds the maximum length of %d characters", what, truncate(k), maxValue)
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
