package metricline

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"lathe/engine/api"
)

// sameFloat compares bit for bit, except that any NaN equals any NaN.
func sameFloat(a, b float64) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func sameMetrics(a, b []Metric) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !sameFloat(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func sameMap(a, b map[string]string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// diffRecord returns "" when a and b are the same record, else what differs.
func diffRecord(a, b Record) string {
	var d []string
	if a.HasStep != b.HasStep || a.Step != b.Step {
		d = append(d, fmt.Sprintf("step %v/%d != %v/%d", a.HasStep, a.Step, b.HasStep, b.Step))
	}
	if a.HasTime != b.HasTime || a.Time != b.Time {
		d = append(d, fmt.Sprintf("time %v/%d != %v/%d", a.HasTime, a.Time, b.HasTime, b.Time))
	}
	if !sameMetrics(a.Metrics, b.Metrics) {
		d = append(d, fmt.Sprintf("metrics %v != %v", a.Metrics, b.Metrics))
	}
	if !sameMap(a.Params, b.Params) {
		d = append(d, fmt.Sprintf("params %#v != %#v", a.Params, b.Params))
	}
	if !sameMap(a.Tags, b.Tags) {
		d = append(d, fmt.Sprintf("tags %#v != %#v", a.Tags, b.Tags))
	}
	switch {
	case (a.Eval == nil) != (b.Eval == nil):
		d = append(d, fmt.Sprintf("eval %v != %v", a.Eval, b.Eval))
	case a.Eval != nil && (a.Eval.Slice != b.Eval.Slice || !sameMetrics(a.Eval.Metrics, b.Eval.Metrics)):
		d = append(d, fmt.Sprintf("eval %+v != %+v", *a.Eval, *b.Eval))
	}
	switch {
	case (a.Artifact == nil) != (b.Artifact == nil):
		d = append(d, fmt.Sprintf("artifact %v != %v", a.Artifact, b.Artifact))
	case a.Artifact != nil && *a.Artifact != *b.Artifact:
		d = append(d, fmt.Sprintf("artifact %+v != %+v", *a.Artifact, *b.Artifact))
	}
	switch {
	case (a.Dataset == nil) != (b.Dataset == nil):
		d = append(d, fmt.Sprintf("dataset %v != %v", a.Dataset, b.Dataset))
	case a.Dataset != nil && *a.Dataset != *b.Dataset:
		d = append(d, fmt.Sprintf("dataset %+v != %+v", *a.Dataset, *b.Dataset))
	}
	if a.Total != b.Total {
		d = append(d, fmt.Sprintf("total %d != %d", a.Total, b.Total))
	}
	if a.HasNextStep != b.HasNextStep || a.NextStep != b.NextStep {
		d = append(d, fmt.Sprintf("next step %v/%d != %v/%d", a.HasNextStep, a.NextStep, b.HasNextStep, b.NextStep))
	}
	return strings.Join(d, "; ")
}

// nameProblem checks the name rules independently of the package's code.
func nameProblem(name string) string {
	switch {
	case name == "":
		return "empty"
	case len(name) > 250:
		return "too long"
	case !utf8.ValidString(name):
		return "invalid UTF-8"
	case strings.ContainsFunc(name, unicode.IsControl):
		return "control character"
	}
	return ""
}

func recordNameProblems(r Record) string {
	var ms []Metric
	ms = append(ms, r.Metrics...)
	if r.Eval != nil {
		ms = append(ms, r.Eval.Metrics...)
	}
	for _, m := range ms {
		if p := nameProblem(m.Name); p != "" {
			return fmt.Sprintf("metric %q: %s", m.Name, p)
		}
	}
	for _, m := range []map[string]string{r.Params, r.Tags} {
		for k := range m {
			if p := nameProblem(k); p != "" {
				return fmt.Sprintf("name %q: %s", k, p)
			}
		}
	}
	return ""
}

func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return append(b, q...)
}

func appendMetrics(b []byte, ms []Metric) []byte {
	b = append(b, '{')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, m.Name)
		b = append(b, ':')
		b = api.AppendFloat(b, m.Value)
	}
	return append(b, '}')
}

func appendStringMap(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

// formatMicros writes microseconds as exact decimal seconds.
func formatMicros(us int64) string {
	sign, u := "", uint64(us)
	if us < 0 {
		sign, u = "-", -u
	}
	return fmt.Sprintf("%s%d.%06d", sign, u/1e6, u%1e6)
}

// encodeRecord writes r as a metrics line, floats with AppendFloat.
func encodeRecord(r Record) []byte {
	b := []byte{'{'}
	field := func(name string) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, strconv.Quote(name)...)
		b = append(b, ':')
	}
	if r.HasStep {
		field("step")
		b = strconv.AppendInt(b, r.Step, 10)
	}
	if r.HasTime {
		field("time")
		b = append(b, formatMicros(r.Time)...)
	}
	if r.Metrics != nil {
		field("metrics")
		b = appendMetrics(b, r.Metrics)
	}
	if r.Params != nil {
		field("params")
		b = appendStringMap(b, r.Params)
	}
	if r.Tags != nil {
		field("tags")
		b = appendStringMap(b, r.Tags)
	}
	if r.Eval != nil {
		field("eval")
		b = append(b, `{"slice":`...)
		b = appendJSONString(b, r.Eval.Slice)
		b = append(b, `,"metrics":`...)
		b = appendMetrics(b, r.Eval.Metrics)
		b = append(b, '}')
	}
	if r.Artifact != nil {
		field("artifact")
		b = append(b, `{"name":`...)
		b = appendJSONString(b, r.Artifact.Name)
		b = append(b, `,"path":`...)
		b = appendJSONString(b, r.Artifact.Path)
		b = append(b, '}')
	}
	if r.Dataset != nil {
		field("dataset")
		b = append(b, `{"name":`...)
		b = appendJSONString(b, r.Dataset.Name)
		b = append(b, `,"path":`...)
		b = appendJSONString(b, r.Dataset.Path)
		if r.Dataset.Role != "" {
			b = append(b, `,"role":`...)
			b = appendJSONString(b, r.Dataset.Role)
		}
		b = append(b, '}')
	}
	if r.Total != 0 {
		field("total")
		b = strconv.AppendInt(b, r.Total, 10)
	}
	return append(b, '}')
}
