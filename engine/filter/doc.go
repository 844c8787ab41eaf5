// Package filter is the language that selects training runs, shared by the
// command line (lathe runs --filter EXPR --sort KEY) and the app, which
// shows parse errors under the input while the user types.
//
// [Parse] compiles an expression once into an [Expr]; [Expr.Match] then
// tests runs, read through the [Run] interface, without parsing or
// allocating, so that the engine can filter 100 000 runs in a few
// milliseconds. [ParseField] reads a field alone, for --sort.
//
// # Language
//
//	metrics.val_loss < 0.3 and params.lr >= 1e-4
//	status in (failed, killed) or duration > 2h
//	name ~ "^bert-" and not tags.dataset = imagenet
//	started > -24h and gpus >= 4
//	bert and status = failed
//
// Grammar (keywords in any case; and binds tighter than or):
//
//	expr       = [ or ] .
//	or         = and { "or" and } .
//	and        = unary { "and" unary } .
//	unary      = "not" unary | "(" or ")" | comparison | term .
//	comparison = field ( op value | [ "not" ] "in" "(" value { "," value } ")" | "exists" ) .
//	op         = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~" .
//	term       = word | string .      (no operator follows)
//	value      = word | string .      (not a keyword unless quoted)
//	field      = "params." name | "tags." name
//	           | "metrics." name [ ".last" | ".min" | ".max" | ".count" ]
//	           | "status" | "name" | "experiment" | "id" | "duration"
//	           | "started" | "created" | "ended" | "gpus" .
//	name       = bare name | string .  (a string directly after the dot)
//
// A word is a run of characters other than blanks, quotes, parentheses,
// commas and = ! < > ~. A string is in double or single quotes; a
// backslash escapes a backslash or a quote and otherwise stands for itself,
// so that "^bert\.v\d" is the regular expression as written. A bare name is
// letters, digits and _ - . / : (val/loss, train.loss); any other name is
// quoted: params."batch size". For metrics, a final .last, .min, .max or
// .count is the aggregate and the rest the name (metrics.acc.min.last is
// the last value of the metric "acc.min"); no aggregate means .last.
//
// # Meaning
//
//   - Params and tags compare as numbers when both the value and the
//     literal are numbers (params.lr = 0.01 holds for "1e-2"), as text
//     otherwise. A number is decimal (0.01, -3, 1e-4, .5) or inf; as a
//     literal, nan is text.
//   - Metrics and gpus compare with numbers only. A NaN metric fails every
//     comparison but exists.
//   - id, name, experiment compare as text (byte order for < and >).
//     status is one of queued, running, succeeded, failed, killed, lost
//     (in any case) and takes =, !=, in, not in, ~, !~ and exists.
//   - ~ and !~ take an RE2 regular expression, compiled by Parse; they do
//     not apply to numbers, durations or times.
//   - duration takes durations: 90s, 2h, 1h30m, 2d, 1.5d (days are 24h).
//   - started, created, ended take a date (2026-11-01), a date-time
//     (2026-11-01T14:00, 2026-11-01T14:00:05, RFC 3339 with a zone), or a
//     time relative to now (-24h, -7d). A literal names an interval: its
//     day, minute or second (or a fraction's last digit); a relative time
//     is an instant. = means within it, < before it, > after it, and <=
//     and >= include it. Times without a zone are in now's location.
//   - A value the run lacks (a param not set, a metric not logged, a run
//     not started) fails every comparison, != and not in included;
//     exists is false. not negates the whole: not (params.lr = 1) holds
//     for a run without lr.
//   - in (a, b) is = a or = b; not in (a, b) is != a and != b.
//   - A term alone (bert, "resnet 50") holds when the id, the name or the
//     experiment contains it, ignoring case. A word that names a field
//     (status, params.lr) is not a term; quote it to search for it.
//   - An expression of only blanks matches every run.
//
// # Errors
//
// A parse error is an [*Error] with the byte offset where it went wrong and
// a message that says what was expected, for example
//
//	filter "metrics.loss <> 3": column 15: expected a value after "<"
//
// Pos lets a caller draw a caret under the column (the app and the command
// line do, with tui/format, which measures terminal cells). An
// unclosed parenthesis or string is reported at its opening character;
// everything else at the token where the expression stopped making sense
// (the end of the expression when it ends too early).
package filter
