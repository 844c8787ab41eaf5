// Package metricline parses the lines a training job writes for lathe.
//
// This package is the reference for the metrics-file contract: the file
// named by LATHE_METRICS_FILE, to which a job (for example through
// runners/python/lathe.py) appends one JSON object a line. The engine tails
// that file and hands every complete line to [ParseLine]. It also tails the
// job's output and hands each output line to [ParseOutputLine], which
// recognises JSON metrics lines printed to stdout and, when the user asked
// for it (--parse kv), name=number pairs in ordinary text ([ParseKV]).
// [ParseOutput] does the same for any [Mode]; with --parse auto it also
// reads the lines popular trainers print unmodified ([ParseAuto]): Hugging
// Face Trainer dicts, Keras epoch headers and progress lines, and lines of
// name: number pairs.
//
// # Metrics lines
//
// A line is exactly one JSON object; whitespace around it (including the
// "\r" of a CRLF line end) and a leading UTF-8 byte order mark are ignored.
// Known top-level fields, which may be combined on one line:
//
//	{"step": 12, "time": 1732280000.123, "metrics": {"loss": 0.31, "acc": 0.9}}
//	{"params": {"lr": 0.01, "opt": "adam"}}
//	{"tags": {"dataset": "digits"}}
//	{"eval": {"slice": "class=3", "metrics": {"acc": 0.81}}}
//	{"artifact": {"name": "model", "path": "model.pt"}}
//	{"dataset": {"name": "digits-train", "path": "data/train.csv", "role": "train"}}
//	{"total": 5000}
//
// Field by field:
//
//   - step: an integer (a JSON number with an exact integer value, so 12 and
//     12.0 and 1.2e1 are all 12) that fits an int64.
//   - time: Unix seconds as a JSON number, kept as microseconds, rounded to
//     the nearest microsecond (halves away from zero).
//   - metrics: an object of name → value. A value is a JSON number within
//     float64 range or one of the strings "NaN", "Infinity", "-Infinity"
//     (any case, "inf" for "infinity", an optional sign on infinities: the
//     special values strconv.ParseFloat accepts). The object may be empty
//     only when the line has another known field.
//   - params, tags: an object of name → value; a value of any JSON type is
//     kept as a string: strings as they are, numbers as written, true/false,
//     null as "", arrays and objects as compact JSON text.
//   - eval: an object with a non-empty string "slice" and a "metrics"
//     object as above (which may be empty).
//   - artifact: an object with non-empty strings "name" and "path".
//   - dataset: an object with non-empty strings "name" and "path", and
//     optionally a non-empty string "role" (train, validation, test or any
//     other text).
//   - total: a positive integer, with the same integer rules as step.
//
// Names of metrics, params and tags are 1 to 250 bytes of UTF-8 without
// control characters. Inside one object a name, and at the top level and in
// eval, artifact and dataset a field, may appear only once. Unknown fields at
// the top level and inside eval, artifact and dataset are ignored (they must
// still be valid JSON), so writers can add fields without breaking older
// engines. A line without any known field is invalid.
//
// The parser is a small hand-written, iterative JSON scanner rather than
// encoding/json: it is several times faster, keeps metrics in the order they
// were written, rejects duplicate names, and cannot be driven into deep
// recursion by a hostile line. Every function in the package is total: any
// input yields a result or an error, never a panic.
//
// lathe's own JSON output writes floats with engine/api's AppendFloat or
// Float type, in the spellings this package reads, so NaN and infinities
// survive a round trip through JSON.
package metricline
