package filter

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"lathe/tui/format"
)

var exprSeeds = []string{
	benchExpr,
	"",
	"   ",
	"status = running",
	"STATUS=Running",
	"bert",
	`"resnet 50"`,
	"bert and status = failed",
	"a or b and not (c or d)",
	"not not x",
	`params."batch size" >= 32 and params.lr in (0.1, 1e-2) and params.opt not in (adam, 'sgd')`,
	`metrics.val/loss.min < 0.3 or metrics."a b".count > 2 or metrics.acc.min.last exists`,
	`name ~ "^bert\.v\d" and name !~ '(?i)tiny'`,
	"duration > 1h30m and duration <= 2d",
	"started = 2026-11-01 and ended < 2026-11-01T14:00 and created >= 2026-11-01T14:00:00+02:00",
	"started > -24h or created > -7d",
	"gpus >= 4 and experiment = vision-2 and id exists",
	`tags.note = "say \"hi\"" and tags.x = 'it\'s' and name = "a\\b"`,
	"metrics.loss <> 3",
	"statuss = running",
	"status = runing",
	"(a or b",
	`name = "abc`,
	"a b",
	"a)",
	"()",
	"params.lr in 1",
	"params.lr in (1,",
	"duration > 2x",
	"started > yesterday",
	`name ~ "("`,
	"metrics.loss ~ x",
	"params.lr ==1",
	"params.lr ! 1",
	"params.a+b = 1",
	`params."" = 1`,
	`metrics."a b"x > 1`,
	"name = \"é\" and statüs = x",
	"name = \"名前\"\tand\nx = 1",
	"params.\xff = 1",
	"\xff\xfe",
	"((((((((((a))))))))))",
	"not not not not not a",
}

func FuzzParse(f *testing.F) {
	for _, s := range exprSeeds {
		f.Add(s)
	}
	runs := fuzzRuns()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s, testNow)
		if err != nil {
			checkError(t, s, err)
			if e != nil {
				t.Fatalf("an Expr with the error %v", err)
			}
			return
		}
		canon, err := Parse(e.String(), testNow)
		if err != nil {
			t.Fatalf("canonical form %q of %q: %v", e.String(), s, err)
		}
		if canon.String() != e.String() {
			t.Fatalf("canonical form %q of %q reads back as %q", e.String(), s, canon.String())
		}
		if a, b := e.Fields(), canon.Fields(); !slices.Equal(a, b) {
			t.Fatalf("fields %v, canonical form's %v", a, b)
		}
		for _, r := range runs {
			if e.Match(r) != canon.Match(r) {
				t.Fatalf("%q and its canonical form %q disagree on %s", s, e.String(), describeRun(r))
			}
		}
	})
}

func FuzzParseField(f *testing.F) {
	for _, s := range []string{"metrics.val_loss.min", `params."batch size"`, "started", "Status", "metrics.a.min.last", "", "statuss", "params.lr desc", `metrics."a`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		field, err := ParseField(s)
		if err != nil {
			checkError(t, s, err)
			return
		}
		again, err := ParseField(field.String())
		if err != nil || again != field {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, field, field.String(), again, err)
		}
	})
}

// checkError checks what every parse error must be: an *Error for the
// expression with a position in it, one line of Error, and a caret (tui/format) of one line under it.
func checkError(t *testing.T, s string, err error) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if pe.Expr != s {
		t.Fatalf("Error.Expr = %q, want %q", pe.Expr, s)
	}
	if pe.Pos < 0 || pe.Pos > len(s) {
		t.Fatalf("Pos %d outside [0, %d]", pe.Pos, len(s))
	}
	if pe.Msg == "" || strings.ContainsAny(pe.Msg, "\n\r") {
		t.Fatalf("bad message %q", pe.Msg)
	}
	if msg := pe.Error(); strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("Error() is more than one line: %q", msg)
	}
	line, caret := format.Caret(pe.Expr, pe.Pos)
	if strings.ContainsAny(line, "\r\n") || strings.ContainsAny(caret, "\r\n") || strings.TrimLeft(caret, " ") != "^" {
		t.Fatalf("the caret is not one line of the expression and one ending in ^: %q %q", line, caret)
	}
}

// fuzzRuns are a few runs on which an expression and its canonical form
// must agree.
func fuzzRuns() []*testRun {
	g := &gen{rng: newRand(7), now: testNow}
	rs := []*testRun{{now: testNow}}
	for range 8 {
		rs = append(rs, g.run())
	}
	return rs
}
