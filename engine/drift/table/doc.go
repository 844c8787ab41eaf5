// Package table reads a data file (CSV, JSON lines, Parquet) into typed
// columns for drift scoring: numeric columns as float64 values, categorical
// ones as codes into their distinct levels.
//
// # Formats
//
// The format is Options.Format, else the file name's extension (.csv;
// .jsonl, .ndjson, .json; .parquet, .pq), else the content: Parquet's magic
// "PAR1", JSON lines when the first non-space byte is '{', CSV otherwise.
//
//   - CSV: a header line, then one row per record, comma-separated, with
//     double quotes as RFC 4180 has them (a quoted field may hold commas and
//     newlines). A UTF-8 byte order mark is dropped, header names and
//     fields are trimmed of spaces, blank lines are skipped.
//   - JSON lines: one flat JSON object per line whose values are numbers,
//     strings, booleans or null. A key first seen on a later line becomes a
//     new column, missing in the rows before. The bare NaN, Infinity and
//     -Infinity that Python writes are read as numbers.
//   - Parquet: the top-level columns of physical type BOOLEAN (categorical
//     "true"/"false"), INT32, INT64, FLOAT, DOUBLE (numeric; decimals are
//     scaled, dates and times are their stored integers) and text
//     (BYTE_ARRAY marked String, UTF8 or Enum; categorical). Other columns
//     (nested, repeated, INT96, plain binary) are listed in Table.Skipped,
//     or are an error when Options.Columns names them. A damaged file is an
//     error, never a crash: what its metadata claims is checked against its
//     size before the library allocates it (at most 1 024 rows a byte, or
//     4 194 304 rows; pages of at most 1 GiB).
//
// # Missing values
//
// In CSV an empty field, NA, N/A, null and NaN (in any case) are missing;
// in JSON lines null and an absent key; in Parquet null. A NaN in a numeric
// column is missing. Infinities ("inf", "+inf", "-inf", "Infinity",
// "-Infinity", in any case) are kept as ±Inf, for the caller to count
// apart. A JSON string is text as written: "" or "NA" in quotes is a level.
//
// # Inference
//
// A column is numeric when every value that is not missing is a number
// (a CSV field that strconv.ParseFloat reads once trimmed, a JSON number);
// otherwise it is categorical. A column with no value at all is numeric.
// JSON booleans and strings are categorical, even a string such as "3".
//
// A column can turn categorical late, at its millionth row. The numbers
// read before are then written back as text with
// strconv.FormatFloat(v, 'g', -1, 64), and so is every later number in
// the column, so "1.0" becomes the level "1" however late the column
// turned: the raw text of earlier rows is not kept, which is what keeps
// the memory of a large file to its values.
//
// Options.Types sets a column's kind instead. Forced categorical, a number
// is kept as its text (a JSON number as written, true/false for JSON
// booleans). Forced numeric, a JSON boolean is 1 or 0, a text value is read
// as a CSV field is, and a row with a value that is not a number is bad.
// Options.Hints carry the kinds of a reference file to the file compared
// with it: hinted numeric is forced numeric; hinted categorical starts
// categorical but writes numbers as inference does, so both files' levels
// match.
//
// # Bad rows
//
// A bad row never makes reading fail: it is skipped, counted in Table.Bad,
// and the first MaxBadKept are kept with their line (the file's 1-based
// line where the row starts, the CSV header being line 1; the row number
// in a Parquet file) and the reason. A row is bad when a CSV record has
// another number of fields than the header or a misplaced quote, when a
// JSON line is not a flat JSON object or repeats a key, or when a value of
// a column forced numeric is not a number. JSON lines over 16 MiB are bad
// rows. An unterminated quote swallows the rest of a CSV file into one bad
// row, as encoding/csv cannot resume after it.
//
// Reading fails (ErrUnreadable) only when the file cannot be read, is empty,
// has no header or a header with an empty or duplicate name, or is not a
// readable Parquet file; and (ErrNoColumn, ErrBadOption) when the options
// name a column the file lacks or an unknown format or kind. Errors are one
// line; ReadFile's start with the file's path.
package table
