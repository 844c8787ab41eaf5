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
//     strings (which may hold numbers), booleans or null. A key first seen
//     on a later line becomes a new column, missing in the rows before. The
//     bare NaN, Infinity and -Infinity that Python writes are read as
//     numbers.
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
// In CSV a field is missing when, trimmed, it is empty or spells a missing
// value: NA, N/A, #N/A, null, NaN, -NaN and +NaN in any case; None, nil
// and <NA> as Python, Go and pandas write them ("none" and "NIL" are
// text). A JSON string is read as a CSV field is, so "NA", "None" and ""
// are missing too (other text is kept as written, untrimmed); so are null
// and an absent key. In Parquet null is missing, and so are the spellings
// above in a text column read as numeric. A NaN in a numeric column is missing. Infinities ("inf", "+inf",
// "-inf", "Infinity", "-Infinity", in any case) are kept as ±Inf, for the
// caller to count apart.
//
// # Inference
//
// A value is a number when it is a JSON number, or a CSV field or JSON
// string that strconv.ParseFloat reads once trimmed: JSON writers often
// quote numbers, so "41.3" is 41.3. A column is numeric when at least 99%
// of its values that are not missing are numbers and, when it has fewer
// than 100 such values, all of them are; the few others are its bad cells
// (below). Otherwise it is categorical, every value a level. A column with
// no value at all is numeric. JSON booleans are text.
//
// In a column inferred (or hinted) categorical a number is written as text
// with strconv.FormatFloat(v, 'g', -1, 64) wherever it stands in the file,
// so "1.0" is the level "1" and "007" the level "7". The raw text of numbers
// is not kept, and neither are all the texts of a column that is numeric
// so far: only as many as 1% of its rows so far, and 32 more. Past that it
// turns categorical as it reads, and back to numeric at the end if 99% of
// its values were numbers after all. This keeps the memory of a large
// file to its values.
//
// Options.Types sets a column's kind instead. Forced categorical, a value
// is kept as its text as written (a JSON number as written, true/false
// for JSON booleans), missing spellings aside. Forced numeric, a JSON
// boolean is 1 or 0, a text value is read as a CSV field is, and a value
// that is not a number is a bad cell. Options.Hints carry the kinds of a
// reference file to the file compared with it: hinted numeric is forced
// numeric; hinted categorical is categorical from the start, its numbers
// written as inference writes them, so both files' levels match.
// A Parquet column's kind is its type's, unless Types or Hints set it.
//
// # Bad cells
//
// A value of a numeric column that is not a number (text in a column
// forced or hinted numeric, or one of the 1% of an inferred one) is a bad
// cell: it is read as missing (NaN) for that column only, its row is kept,
// and it is counted in Column.BadCells (and, over all columns, in
// Table.BadCells), the first kept in Column.FirstBadCell with its line and
// the reason, which names the column and the value cut to 40 characters.
//
// # Bad rows
//
// A bad row never makes reading fail: it is skipped, counted in Table.Bad,
// and the first MaxBadKept are kept in Table.FirstBad with their line (the
// file's 1-based line where the row starts, the CSV header being line 1)
// and the reason. A row is bad only when it cannot be cut into values: a
// CSV record with another number of fields than the header or a misplaced
// quote; a JSON line that is not a JSON object, holds a nested object or
// array, repeats a key, or is over 16 MiB. An unterminated quote swallows
// the rest of a CSV file into one bad row, as encoding/csv cannot resume
// after it. A Parquet file has no bad rows. When no row of a file is good
// the table has no rows, and FirstBad says why; for JSON lines, whose
// columns are then unknown, the columns the options name are not checked.
//
// Reading fails (ErrUnreadable) only when the file cannot be read, is empty,
// is not text (a NUL byte, or over 10% of control bytes other than tab, CR
// and LF, in its first 4 KiB: "not a text file (CSV or JSON lines) nor
// Parquet"), has no header or a header with an empty or duplicate name, or
// is not a readable Parquet file; and (ErrNoColumn, ErrBadOption) when the
// options name a column the file lacks or an unknown format or kind. Errors
// are one line; ReadFile's start with the file's path.
package table
