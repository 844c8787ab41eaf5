package filter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"lathe/tui/format"
)

var testNow = time.Date(2026, 11, 5, 12, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{" \t\n ", ""},
		{"status = running", "status = running"},
		{"STATUS = Running", "status = running"},
		{"status=running", "status = running"},
		{`params.lr > 0.001 and metrics.val_loss < 0.5 and status = succeeded and name ~ "^sweep-"`,
			`params.lr > 0.001 and metrics.val_loss < 0.5 and status = succeeded and name ~ "^sweep-"`},
		{"name ~ ^sweep-", `name ~ "^sweep-"`},
		{"name !~ 'x'", `name !~ "x"`},
		{"a or b and c", "a or b and c"},
		{"(a or b) and c", "(a or b) and c"},
		{"a and (b and c)", "a and b and c"},
		{"(a or b) or (c or d)", "a or b or c or d"},
		{"a or (b and c)", "a or b and c"},
		{"((a))", "a"},
		{"not (a or b)", "not (a or b)"},
		{"not params.lr = 1", "not (params.lr = 1)"},
		{"NOT bert", "not bert"},
		{"not not bert", "not not bert"},
		{"not (not (a and b))", "not not (a and b)"},
		{"a AND b Or c", "a and b or c"},
		{`params."batch size" = 32`, `params."batch size" = 32`},
		{`params."lr" = 1`, "params.lr = 1"},
		{`params.'a"b' = 1`, `params."a\"b" = 1`},
		{"metrics.val/loss.min < 0.3", "metrics.val/loss.min < 0.3"},
		{"metrics.train.loss > 1", "metrics.train.loss > 1"},
		{"metrics.acc.min.last > 0.5", "metrics.acc.min.last > 0.5"},
		{`metrics."acc.min" > 0.5`, "metrics.acc.min.last > 0.5"},
		{`metrics."val loss".MAX > 1`, `metrics."val loss".max > 1`},
		{`metrics."val loss" > 1`, `metrics."val loss" > 1`},
		{"metrics.loss.LAST < 1", "metrics.loss < 1"},
		{"metrics.loss.count >= 100", "metrics.loss.count >= 100"},
		{"metrics.min > 1", "metrics.min > 1"},
		{"Params.LR exists", "params.LR exists"},
		{"params.lr not in (0.1, 0.01)", "params.lr not in (0.1, 0.01)"},
		{"params.lr NOT IN(0.1,0.01)", "params.lr not in (0.1, 0.01)"},
		{"status IN (failed,killed)", "status in (failed, killed)"},
		{`tags.note = "and"`, `tags.note = "and"`},
		{`tags.note = 'say "hi"'`, `tags.note = "say \"hi\""`},
		{`name = 'it\'s'`, `name = "it's"`},
		{`name = "a\\b"`, `name = a\b`},
		{`name = "a\\"`, `name = a\`},
		{`name = "a\\ b"`, `name = "a\ b"`},
		{`name = "a \\"`, `name = "a \\"`},
		{`name ~ "^bert\.v\d"`, `name ~ "^bert\.v\d"`},
		{`"resnet 50"`, `"resnet 50"`},
		{`"bert"`, "bert"},
		{`"status"`, `"status"`},
		{`'params.lr'`, `"params.lr"`},
		{"bert and status = failed", "bert and status = failed"},
		{"duration > 1h30m", "duration > 1h30m"},
		{"duration >= 2d", "duration >= 2d"},
		{`duration < "90s"`, "duration < 90s"},
		{"started = 2026-11-01", "started = 2026-11-01"},
		{"started > -24h", "started > -24h"},
		{"ended < 2026-11-01T14:00", "ended < 2026-11-01T14:00"},
		{"created >= 2026-11-01T14:00:00+02:00", "created >= 2026-11-01T14:00:00+02:00"},
		{"gpus >= 4", "gpus >= 4"},
		{"experiment = vision-2", "experiment = vision-2"},
		{"metrics.loss = inf", "metrics.loss = inf"},
		{"params.x = nan", "params.x = nan"},
		{"params.x>=-3", "params.x >= -3"},
		{"params.a:b/c = x", "params.a:b/c = x"},
		{"params.é = ü", "params.é = ü"},
		{"tags.team = ml:vision", "tags.team = ml:vision"},
		{"name = status", "name = status"},
		{`params.empty = ""`, `params.empty = ""`},
		{"id exists and gpus exists", "id exists and gpus exists"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in, testNow)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			continue
		}
		again, err := Parse(tt.want, testNow)
		if err != nil {
			t.Errorf("Parse(%q) (canonical): %v", tt.want, err)
		} else if again.String() != tt.want {
			t.Errorf("canonical %q reads back as %q", tt.want, again.String())
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in  string
		pos int
		msg string // a substring of Msg
	}{
		{"metrics.loss <> 3", 14, `expected a value after "<"`},
		{"statuss = running", 0, `unknown field "statuss"; ` + fieldList},
		{"bert = 3", 0, `unknown field "bert"`},
		{`"batch size" = 3`, 0, `unknown field "batch size"`},
		{"bert not in (a)", 0, `unknown field "bert"`},
		{"status = runing", 9, `"runing" is not a status: use queued, running, succeeded, failed, killed or lost`},
		{"status in (failed, x)", 19, `"x" is not a status`},
		{"(a or b", 0, "unclosed ("},
		{"a and (b or (c)", 6, "unclosed ("},
		{"(", 0, "unclosed ("},
		{`name = "abc`, 7, "unterminated string"},
		{`name = 'abc\'`, 7, "unterminated string"},
		{"a b", 2, `expected and, or or the end, found "b"`},
		{"(a b)", 3, `expected and, or or ), found "b"`},
		{"a)", 1, "unmatched )"},
		{"()", 1, "expected a condition inside ( )"},
		{"params.lr in 1", 13, "in wants a list in parentheses: in (a, b)"},
		{"params.lr not in 1", 17, "not in wants a list in parentheses: not in (a, b)"},
		{"params.lr in (1,", 13, "unclosed ("},
		{"params.lr in (1 2)", 16, "expected , or ) in the list"},
		{"params.lr in ()", 14, "in wants at least one value"},
		{"params.lr in (1,)", 16, `expected a value after ","`},
		{"duration > 2x", 11, `"2x" is not a duration: write 90s, 2h or 3d`},
		{"duration > 3600", 11, "is not a duration"},
		{"duration > -1h", 11, "is not a duration"},
		{"started > yesterday", 10, `"yesterday" is not a time`},
		{"started = 2026-13-01", 10, "is not a time"},
		{"ended < 24h", 8, "is not a time"},
		{`name ~ "("`, 7, `bad regular expression "(": missing closing )`},
		{`name ~ "a**"`, 7, "bad regular expression"},
		{"metrics.loss ~ x", 13, "~ does not apply to metrics.loss"},
		{"started !~ x", 8, "!~ does not apply to started"},
		{"status < running", 7, "< does not apply to status"},
		{"metrics.loss > abc", 15, `"abc" is not a number`},
		{"metrics.loss > nan", 15, `"nan" is not a number`},
		{"gpus = x", 7, "is not a number"},
		{"params.lr >", 11, `expected a value after ">"`},
		{"params.lr > )", 12, `expected a value after ">"`},
		{"params.lr = and", 12, `expected a value after "=", found "and"`},
		{"params.lr == 1", 10, `"==" is not an operator: write =`},
		{"params.lr ! 1", 10, `"!" must be followed by = or ~`},
		{"a and", 5, `expected a condition after "and"`},
		{"not", 3, `expected a condition after "not"`},
		{"a or not", 8, `expected a condition after "not"`},
		{"and", 0, `expected a condition, found "and"`},
		{"a and or b", 6, `expected a condition, found "or"`},
		{"= 3", 0, `expected a field before "="`},
		{", a", 0, `expected a condition, found ","`},
		{"params.lr", 9, `expected an operator after params.lr: =, !=, <, <=, >, >=, ~, !~, in, not in or exists (to search for the text, quote it: "params.lr")`},
		{"status and a", 7, "expected an operator after status"},
		{"params.lr 3", 10, "expected an operator after params.lr"},
		{"params.lr not = 1", 14, "expected in after not"},
		{"params.a+b = 1", 8, `'+' cannot be in a bare name; quote the name: params."a+b"`},
		{"params. = 1", 7, `expected a name after params.`},
		{`params."" = 1`, 7, "the name after params. is empty"},
		{`params."a" .b = 1`, 11, "expected an operator after params.a"},
		{`params."a".b = 1`, 10, `unexpected ".b" after params.a`},
		{`metrics."a b"x > 1`, 13, "expected .last, .min, .max or .count after metrics.\"a b\""},
		{`metrics."a b`, 8, "unterminated string"},
		{"params = 1", 0, "params needs a name: params.NAME"},
		{"name = \"é\" and statüs = x", 16, `unknown field "statüs"`},
		{"params.lr > 1 or", 16, `expected a condition after "or"`},
		{strings.Repeat("(", 101) + "a" + strings.Repeat(")", 101), 100, "nested more than 100 deep"},
		{strings.Repeat("not ", 101) + "a", 400, "nested more than 100 deep"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, testNow)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want an *Error", tt.in, err)
			continue
		}
		if pe.Expr != tt.in || pe.Pos != tt.pos || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("Parse(%q):\n got pos %d %q\nwant pos %d %q", tt.in, pe.Pos, pe.Msg, tt.pos, tt.msg)
		}
	}
	// The nesting limit is the limit, not less.
	if _, err := Parse(strings.Repeat("(", 100)+"a"+strings.Repeat(")", 100), testNow); err != nil {
		t.Errorf("100 levels: %v", err)
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		in, err, caret string
	}{
		{"metrics.loss <> 3",
			`filter "metrics.loss <> 3": column 15: expected a value after "<"`,
			"metrics.loss <> 3\n              ^"},
		{"params.lr >",
			`filter "params.lr >": column 12: expected a value after ">"`,
			"params.lr >\n           ^"},
		// Columns count characters; the caret (drawn by tui/format, which
		// measures terminal cells) counts display width.
		{"name = \"é\" and statüs = x",
			`filter "name = \"é\" and statüs = x": column 16: unknown field "statüs"; ` + fieldList,
			"name = \"é\" and statüs = x\n               ^"},
		{"name = \"名前\" and x = 1",
			`filter "name = \"名前\" and x = 1": column 17: unknown field "x"; ` + fieldList,
			"name = \"名前\" and x = 1\n                  ^"},
		// Newlines and tabs keep both texts to their lines.
		{"status = running and\n\tstatus = x",
			`filter "status = running and\n\tstatus = x": column 32: "x" is not a status: use ` + statusList,
			"status = running and  status = x\n                               ^"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, testNow)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("Parse(%q) = %v, want an *Error", tt.in, err)
		}
		if got := pe.Error(); got != tt.err {
			t.Errorf("Error()\n got %s\nwant %s", got, tt.err)
		}
		if line, caret := format.Caret(pe.Expr, pe.Pos); line+"\n"+caret != tt.caret {
			t.Errorf("caret\n got %q\nwant %q", line+"\n"+caret, tt.caret)
		}
	}
}

func TestParseField(t *testing.T) {
	tests := []struct {
		in   string
		want Field
		str  string
	}{
		{"metrics.val_loss.min", Field{Kind: Metric, Name: "val_loss", Agg: Min}, "metrics.val_loss.min"},
		{"metrics.val_loss", Field{Kind: Metric, Name: "val_loss"}, "metrics.val_loss"},
		{" metrics.val/loss.last ", Field{Kind: Metric, Name: "val/loss"}, "metrics.val/loss"},
		{"metrics.acc.max.last", Field{Kind: Metric, Name: "acc.max"}, "metrics.acc.max.last"},
		{`metrics."val loss".count`, Field{Kind: Metric, Name: "val loss", Agg: Count}, `metrics."val loss".count`},
		{`params."batch size"`, Field{Kind: Param, Name: "batch size"}, `params."batch size"`},
		{"params.lr", Field{Kind: Param, Name: "lr"}, "params.lr"},
		{"tags.team", Field{Kind: Tag, Name: "team"}, "tags.team"},
		{"started", Field{Kind: Started}, "started"},
		{"Duration", Field{Kind: Duration}, "duration"},
		{"gpus", Field{Kind: GPUs}, "gpus"},
		{"id", Field{Kind: ID}, "id"},
		{"name", Field{Kind: Name}, "name"},
		{"experiment", Field{Kind: Experiment}, "experiment"},
		{"status", Field{Kind: Status}, "status"},
		{"created", Field{Kind: Created}, "created"},
		{"ended", Field{Kind: Ended}, "ended"},
	}
	for _, tt := range tests {
		f, err := ParseField(tt.in)
		if err != nil {
			t.Errorf("ParseField(%q): %v", tt.in, err)
			continue
		}
		if f != tt.want || f.String() != tt.str {
			t.Errorf("ParseField(%q) = %+v %q, want %+v %q", tt.in, f, f, tt.want, tt.str)
		}
		if g, err := ParseField(f.String()); err != nil || g != f {
			t.Errorf("ParseField(%q) = %+v, %v; want %+v", f.String(), g, err, f)
		}
	}
	errs := []struct {
		in  string
		pos int
		msg string
	}{
		{"", 0, "expected a field; " + fieldList},
		{"statuss", 0, `unknown field "statuss"; ` + fieldList},
		{"params.lr desc", 10, `unexpected "desc" after the field`},
		{"params.a b", 9, `unexpected "b" after the field`},
		{`params."a`, 7, "unterminated string"},
		{"params.", 7, "expected a name after params."},
		{"and", 0, `unknown field "and"`},
		{"(", 0, `expected a field, found "("`},
	}
	for _, tt := range errs {
		_, err := ParseField(tt.in)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("ParseField(%q) = %v, want an *Error", tt.in, err)
			continue
		}
		if pe.Pos != tt.pos || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("ParseField(%q):\n got pos %d %q\nwant pos %d %q", tt.in, pe.Pos, pe.Msg, tt.pos, tt.msg)
		}
	}
}

func TestFieldString(t *testing.T) {
	tests := []struct {
		f    Field
		want string
	}{
		{Field{Kind: Metric, Name: "acc.min"}, "metrics.acc.min.last"},
		{Field{Kind: Metric, Name: "acc.min", Agg: Max}, "metrics.acc.min.max"},
		{Field{Kind: Metric, Name: ".min"}, "metrics..min"},
		{Field{Kind: Metric, Name: "a b", Agg: Min}, `metrics."a b".min`},
		{Field{Kind: Param, Name: `a"b\`}, `params."a\"b\\"`},
		{Field{Kind: Tag, Name: "x+y"}, `tags."x+y"`},
		{Field{}, "FieldKind(0)"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.f, got, tt.want)
		}
		if tt.f.Kind == 0 {
			continue
		}
		if g, err := ParseField(tt.want); err != nil || g != tt.f {
			t.Errorf("ParseField(%q) = %+v, %v; want %+v", tt.want, g, err, tt.f)
		}
	}
}

func TestFields(t *testing.T) {
	e, err := Parse(`bert and (params.lr > 1 or params.lr < 0.1) and metrics.loss.min < 1 and not status = failed and name ~ x`, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{Kind: ID}, {Kind: Name}, {Kind: Experiment},
		{Kind: Param, Name: "lr"},
		{Kind: Metric, Name: "loss", Agg: Min},
		{Kind: Status},
	}
	if got := e.Fields(); !reflect.DeepEqual(got, want) {
		t.Errorf("Fields() = %+v, want %+v", got, want)
	}
	e.Fields()[0] = Field{Kind: GPUs} // a copy: the Expr stays as it was
	if got := e.Fields(); !reflect.DeepEqual(got, want) {
		t.Errorf("Fields() after changing a copy = %+v", got)
	}
	empty, err := Parse("  ", testNow)
	if err != nil || len(empty.Fields()) != 0 || empty.String() != "" {
		t.Errorf(`Parse("  ") = %v %q, %v`, empty.Fields(), empty.String(), err)
	}
}
