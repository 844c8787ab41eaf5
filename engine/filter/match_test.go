package filter

import (
	"math"
	"regexp"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin, for a day of 25 hours
)

func TestMatch(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02T15:04:05", s, testNow.Location())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	full := &testRun{
		text:   map[FieldKind]string{ID: "01abc", Name: "bert-base", Experiment: "nlp", Status: "failed"},
		params: map[string]string{"lr": "1e-2", "opt": "adam", "batch size": "32", "x": "nan", "seed": "007"},
		tags:   map[string]string{"team": "ml"},
		metrics: map[string][4]float64{
			"loss":     {0.3, 0.1, 1, 100},
			"val/loss": {math.NaN(), math.NaN(), math.NaN(), 3},
			"acc.min":  {0.9, 0.5, 0.95, 10},
		},
		times: map[FieldKind]time.Time{Started: at("2026-11-01T10:00:00"), Ended: at("2026-11-01T12:30:00")},
		now:   testNow,
		gpus:  4,
	}
	bare := &testRun{text: map[FieldKind]string{ID: "02", Status: "running"}, now: testNow}
	tests := []struct {
		expr       string
		full, bare bool
	}{
		{"", true, true},
		{"params.lr = 0.01", true, false},
		{"params.lr != 0.01", false, false},
		{"params.lr != 1", true, false},
		{"not (params.lr = 1)", true, true},
		{"not params.lr != 1", false, true},
		{"params.lr > 0.001", true, false},
		{"params.lr < 1e-1", true, false},
		{`params.lr = "0.01"`, true, false},
		{"params.lr exists", true, false},
		{"not params.lr exists", false, true},
		{"params.opt = adam", true, false},
		{"params.opt = Adam", false, false},
		{"params.opt > 0.5", true, false}, // "adam" > "0.5" as text
		{"params.opt in (sgd, adam)", true, false},
		{"params.opt not in (sgd, adam)", false, false},
		{"params.opt not in (sgd)", true, false},
		{"params.opt ~ ^ad", true, false},
		{"params.opt !~ ^ad", false, false},
		{`params."batch size" >= 32`, true, false},
		{"params.seed = 7", true, false},
		{"params.seed = 007", true, false},
		{"params.seed = '7.0'", true, false},
		{"params.x = nan", true, false},
		{"params.x > 0", false, false},
		{"params.x != 0", false, false},
		{"params.x not in (0, 1)", false, false},
		{"params.x not in (a)", true, false},
		{"params.x exists", true, false},
		{"tags.team = ml", true, false},
		{"tags.team != ml", false, false},
		{"metrics.loss < 0.5", true, false},
		{"metrics.loss.last = 0.3", true, false},
		{"metrics.loss.min = 0.1", true, false},
		{"metrics.loss.max >= 1", true, false},
		{"metrics.loss.count > 99", true, false},
		{"metrics.loss in (0.2, 0.3)", true, false},
		{"metrics.loss not in (0.2, 0.3)", false, false},
		{"metrics.loss not in (0.2)", true, false},
		{"metrics.val/loss exists", true, false},
		{"metrics.val/loss != 1", false, false},
		{"metrics.val/loss not in (1)", false, false},
		{"not metrics.val/loss > 1", true, true},
		{"metrics.val/loss.count = 3", true, false},
		{"metrics.acc.min.last = 0.9", true, false},
		{"metrics.acc.min.min = 0.5", true, false},
		{`metrics."acc.min" = 0.9`, true, false},
		{"metrics.acc.min = 0.9", false, false}, // the metric "acc", not logged
		{"status = failed", true, false},
		{"status != failed", false, true},
		{"status in (failed, killed)", true, false},
		{"status not in (failed, killed)", false, true},
		{"status ~ ^fail", true, false},
		{"status exists", true, true},
		{`name ~ "^bert-"`, true, false},
		{"name !~ x", true, false},
		{"name = bert-base", true, false},
		{"name < c", true, false},
		{"name exists", true, false},
		{"id = 02", false, true},
		{"bert", true, false},
		{"BERT-B", true, false},
		{"02", false, true},
		{"NLP", true, false},
		{`""`, true, true},
		{"bert and status = failed", true, false},
		{"bert and status = running", false, false},
		{"status = running or status = failed and gpus = 0", false, true},
		{"(status = running or status = failed) and gpus = 0", false, true},
		{"(status = running or status = failed) and gpus = 4", true, false},
		{"started = 2026-11-01", true, false},
		{"started != 2026-11-01", false, false},
		{"started > 2026-10-31", true, false},
		{"started >= 2026-11-01", true, false},
		{"started > 2026-11-01", false, false},
		{"started <= 2026-11-01", true, false},
		{"started < 2026-11-01", false, false},
		{"started < 2026-11-02", true, false},
		{"started = 2026-11-01T10:00", true, false},
		{"started = 2026-11-01T10:00:00", true, false},
		{"started = 2026-11-01T10:01", false, false},
		{"started > 2026-11-01T09:59", true, false},
		{"started > 2026-11-01T10:00", false, false},
		{"started >= 2026-11-01T10:00", true, false},
		{"started = 2026-11-01T04:30:00Z", true, false},
		{"started = 2026-11-01T04:30Z", true, false},
		{"started in (2026-10-30, 2026-11-01)", true, false},
		{"started not in (2026-10-30, 2026-11-01)", false, false},
		{"started > -7d", true, false},
		{"started > -4d2h", false, false},
		{"started > -4d1h59m", false, false},
		{"started > -4d2h1m", true, false},
		{"started exists", true, false},
		{"not started exists", false, true},
		{"ended = 2026-11-01T12:30:00+05:30", true, false},
		{"created exists", false, false},
		{"duration > 2h", true, false},
		{"duration < 2h30m", false, false},
		{"duration = 2h30m", true, false},
		{"duration = 150m", true, false},
		{"duration in (1h, 9000s)", true, false},
		{"duration > 0.1d", true, false},
		{"duration > 1d", false, false},
		{"gpus >= 4", true, false},
		{"gpus = 0", false, true},
		{"gpus exists", true, true},
		{"gpus in (1, 2)", false, false},
		{"gpus not in (1, 2)", true, true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr, testNow)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if got := e.Match(full); got != tt.full {
			t.Errorf("%q on the full run = %v, want %v", tt.expr, got, tt.full)
		}
		if got := e.Match(bare); got != tt.bare {
			t.Errorf("%q on the bare run = %v, want %v", tt.expr, got, tt.bare)
		}
	}
	var nilExpr *Expr
	if !nilExpr.Match(bare) || nilExpr.String() != "" || nilExpr.Fields() != nil {
		t.Error("a nil *Expr should match every run")
	}
}

// TestDayLength: a date is its day in now's location, even a day of 25
// hours.
func TestDayLength(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, berlin)
	late := &testRun{times: map[FieldKind]time.Time{Started: time.Date(2026, 10, 25, 23, 30, 0, 0, berlin)}}
	for expr, want := range map[string]bool{
		"started = 2026-10-25": true,
		"started > 2026-10-25": false,
		"started < 2026-10-26": true,
		"started = 2026-10-26": false,
	} {
		e, err := Parse(expr, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Match(late); got != want {
			t.Errorf("%q = %v, want %v", expr, got, want)
		}
	}
}

func TestContainsFold(t *testing.T) {
	tests := []struct {
		s, sub string
		want   bool
	}{
		{"bert-base", "BERT", true},
		{"bert-base", "base", true},
		{"bert-base", "bases", false},
		{"abc", "", true},
		{"", "", true},
		{"", "a", false},
		{"\u212Aelvin", "kelvin", true}, // KELVIN SIGN folds to k
		{"kelvin", "\u212A", true},
		{"ſtatus", "STATUS", true},
		{"héllo wörld", "ÉLLO WÖ", true},
		{"héllo", "hel", false},
		{"aaab", "aab", true},
		{"日本語", "本", true},
	}
	for _, tt := range tests {
		if got := containsFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tt.s, tt.sub, got, tt.want)
		}
		if got := oracleContainsFold(tt.s, tt.sub); got != tt.want {
			t.Errorf("oracleContainsFold(%q, %q) = %v, want %v", tt.s, tt.sub, got, tt.want)
		}
	}
}

// TestMatcher checks the literal fast paths against regexp itself.
func TestMatcher(t *testing.T) {
	patterns := []string{
		"", "^", "$", "^$", "abc", "^abc", "abc$", "^abc$", "a.c", `a\.c`, "(?i)abc", "^(?i)abc",
		"a|b", "^^abc", "$^", "(?m)^abc", `^\x{FFFD}`, "ab+", "^sweep-", `^sweep-\d+$`, "é", "^é$",
	}
	subjects := []string{"", "abc", "xabc", "abcx", "ABC", "a.c", "axc", "sweep-12", "sweep-x", "x\nabc", "\xff", "é", "e"}
	for _, p := range patterns {
		m, msg := compileMatcher(p)
		if m == nil {
			t.Fatalf("compileMatcher(%q): %s", p, msg)
		}
		re := regexp.MustCompile(p)
		for _, s := range subjects {
			if got, want := m.match(s), re.MatchString(s); got != want {
				t.Errorf("%q (kind %d) on %q = %v, regexp says %v", p, m.kind, s, got, want)
			}
		}
	}
	for p, kind := range map[string]matchKind{"abc": matchContains, "^sweep-": matchPrefix, "abc$": matchSuffix, "^abc$": matchEqual, "a.c": matchRegexp, "(?i)abc": matchRegexp} {
		if m, _ := compileMatcher(p); m.kind != kind {
			t.Errorf("%q: kind %d, want %d", p, m.kind, kind)
		}
	}
}

func TestFieldValue(t *testing.T) {
	start := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	r := &testRun{
		text:    map[FieldKind]string{ID: "01", Status: "running"},
		params:  map[string]string{"lr": "0.01", "opt": "adam"},
		metrics: map[string][4]float64{"loss": {0.5, 0.1, 1, 7}},
		times:   map[FieldKind]time.Time{Started: start},
		now:     start.Add(90 * time.Second),
		gpus:    2,
	}
	type value struct {
		num       float64
		text      string
		isNum, ok bool
	}
	tests := []struct {
		f    Field
		want value
	}{
		{Field{Kind: Param, Name: "lr"}, value{0.01, "0.01", true, true}},
		{Field{Kind: Param, Name: "opt"}, value{0, "adam", false, true}},
		{Field{Kind: Param, Name: "none"}, value{}},
		{Field{Kind: Tag, Name: "none"}, value{}},
		{Field{Kind: Metric, Name: "loss", Agg: Count}, value{7, "", true, true}},
		{Field{Kind: Metric, Name: "none"}, value{}},
		{Field{Kind: ID}, value{0, "01", false, true}},
		{Field{Kind: Name}, value{}},
		{Field{Kind: Status}, value{0, "running", false, true}},
		{Field{Kind: Started}, value{float64(start.Unix()), "", true, true}},
		{Field{Kind: Ended}, value{}},
		{Field{Kind: Duration}, value{90, "", true, true}},
		{Field{Kind: GPUs}, value{2, "", true, true}},
	}
	for _, tt := range tests {
		var got value
		got.num, got.text, got.isNum, got.ok = tt.f.Value(r)
		if got != tt.want {
			t.Errorf("%v.Value = %+v, want %+v", tt.f, got, tt.want)
		}
	}
}

// TestParseNumber pins which texts count as numbers.
func TestParseNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-3": true, "+3": true, "0.01": true, ".5": true, "5.": true, "1e-4": true, "1E+4": true,
		"inf": true, "-Infinity": true, "NaN": true, "1e400": true,
		"": false, "-": false, ".": false, "e5": false, "1e": false, "1e+": false, "0x10": false, "1_000": false,
		"1.2.3": false, " 1": false, "1 ": false, "infinit": false, "adam": false,
	} {
		if _, got := parseNumber(s); got != want {
			t.Errorf("parseNumber(%q) = %v, want %v", s, got, want)
		}
	}
	if v, _ := parseNumber("1e400"); !math.IsInf(v, 1) {
		t.Errorf("1e400 = %v", v)
	}
	if _, ok := literalNumber("nan"); ok {
		t.Error("nan is a number as a literal")
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"90s": 90 * time.Second, "2h": 2 * time.Hour, "1h30m": 90 * time.Minute, "2d": 48 * time.Hour,
		"1.5d": 36 * time.Hour, "2d12h": 60 * time.Hour, "0": 0, "1ms": time.Millisecond, "1µs": time.Microsecond,
	} {
		if got, ok := parseDuration(s); !ok || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "2x", "3600", "-1h", "+1h", "d", "1h2d", "2d-1h", "1e3d", "infd", "999999999d", "106751d24h"} {
		if got, ok := parseDuration(s); ok {
			t.Errorf("parseDuration(%q) = %v, want an error", s, got)
		}
	}
}

// TestConcurrentMatch: an Expr is shared by the engine's request handlers
// (run with -race).
func TestConcurrentMatch(t *testing.T) {
	runs := benchRuns(2000)
	e, err := Parse(`name ~ "^(sweep|bert)-\d*7$" or `+benchExpr+` or bert`, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range runs {
		if e.Match(r) {
			want++
		}
	}
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range counts {
		wg.Go(func() {
			for _, r := range runs {
				if e.Match(r) {
					counts[i]++
				}
			}
		})
	}
	wg.Wait()
	for i, got := range counts {
		if got != want {
			t.Errorf("goroutine %d kept %d runs, want %d", i, got, want)
		}
	}
}
