package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options say how to read a file; the zero value reads every column of a
// file whose format is told by its name or its content.
type Options struct {
	// Format is "csv", "jsonl" ("json" and "ndjson" also accepted) or
	// "parquet". Empty: from the file name's extension (.csv; .jsonl,
	// .ndjson, .json; .parquet, .pq), else from the content (Parquet's
	// magic "PAR1"; a first non-space byte '{' for JSON lines; else CSV).
	Format string
	// Columns, when set, are the only columns read, kept in file order.
	// Naming a column the file lacks is an error.
	Columns []string
	// Types sets the kind of a column instead of inferring it. Naming a
	// column the file lacks is an error.
	Types map[string]Kind
	// Hints are the kinds of another file's columns, typically those of
	// the reference a current file is compared with. Types win over them,
	// and naming a column the file lacks is no error. A column hinted
	// numeric is read as if forced numeric, so stray text is a bad cell,
	// missing in that column only; one hinted categorical is categorical
	// from its first row with its numbers written as inference writes them,
	// so its levels match the reference's.
	Hints map[string]Kind
}

// Formats.
const (
	formatCSV     = "csv"
	formatJSONL   = "jsonl"
	formatParquet = "parquet"
)

// sniffSize is how far the content is looked at for its format.
const sniffSize = 4096

// ReadFile reads the file at path. Errors name the file.
func ReadFile(path string, opt Options) (*Table, error) {
	t, err := readFile(path, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func readFile(path string, opt Options) (*Table, error) {
	format, err := formatOption(opt.Format)
	if err != nil {
		return nil, err
	}
	if format == "" {
		format = FormatOfName(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, osFailure(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, osFailure(err)
	}
	if info.IsDir() {
		return nil, fail(ErrUnreadable, "is a directory, not a data file")
	}
	if format == "" {
		// Parquet is read in place, not through the sniffing of readText.
		var magic [4]byte
		if n, _ := f.ReadAt(magic[:], 0); n == len(magic) && string(magic[:]) == "PAR1" {
			format = formatParquet
		}
	}
	if format == formatParquet {
		return readParquet(f, info.Size(), opt)
	}
	return readText(bufio.NewReaderSize(f, 1<<16), format, opt)
}

// Read reads a table from r. CSV and JSON lines are streamed; a Parquet
// file is read whole into memory first, as its index is at its end.
func Read(r io.Reader, opt Options) (*Table, error) {
	format, err := formatOption(opt.Format)
	if err != nil {
		return nil, err
	}
	if format == formatParquet {
		return readParquetStream(r, opt)
	}
	return readText(bufio.NewReaderSize(r, 1<<16), format, opt)
}

// readText reads CSV or JSON lines, or hands what turns out to be Parquet
// over, once the format is known.
func readText(br *bufio.Reader, format string, opt Options) (*Table, error) {
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fail(ErrUnreadable, "%v", err)
	}
	if format == "" {
		format = formatOfContent(head)
	}
	if format == formatParquet {
		return readParquetStream(br, opt)
	}
	if !isText(head) {
		return nil, fail(ErrUnreadable, "not a text file (CSV or JSON lines) nor Parquet")
	}
	if format == formatJSONL {
		return readJSONL(br, opt)
	}
	return readCSV(br, opt)
}

func readParquetStream(r io.Reader, opt Options) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fail(ErrUnreadable, "%v", err)
	}
	return readParquet(bytes.NewReader(data), int64(len(data)), opt)
}

// formatOption checks Options.Format; "" means to find it out.
func formatOption(s string) (string, error) {
	switch strings.ToLower(s) {
	case "":
		return "", nil
	case "csv":
		return formatCSV, nil
	case "jsonl", "json", "ndjson":
		return formatJSONL, nil
	case "parquet":
		return formatParquet, nil
	}
	return "", fail(ErrBadOption, "unknown format %q: use csv, jsonl or parquet", s)
}

// FormatOfName is the format a file's name tells ("csv", "jsonl",
// "parquet"), or "" when it tells none.
func FormatOfName(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return formatCSV
	case ".jsonl", ".ndjson", ".json":
		return formatJSONL
	case ".parquet", ".pq":
		return formatParquet
	}
	return ""
}

func formatOfContent(head []byte) string {
	if bytes.HasPrefix(head, []byte("PAR1")) {
		return formatParquet
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	if i := bytes.IndexFunc(head, func(r rune) bool { return !isJSONSpace(r) }); i >= 0 && head[i] == '{' {
		return formatJSONL
	}
	return formatCSV
}

// isText says whether the start of a file looks like text: no NUL byte, and
// at most 10% of control bytes other than tab, carriage return and newline.
// An executable or an archive named .csv fails this at once.
func isText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	control := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			control++
		}
	}
	return 10*control <= len(head)
}

func isJSONSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

var utf8BOM = []byte("\xef\xbb\xbf")

// osFailure drops the operation and path an *fs.PathError repeats, since
// ReadFile names the file once.
func osFailure(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fail(ErrUnreadable, "%v", err)
}

// selection is what Options ask of a file's columns, checked against the
// names the file has.
type selection struct {
	only  map[string]bool // nil: every column
	types map[string]Kind
	hints map[string]Kind
}

func newSelection(opt Options) selection {
	s := selection{types: opt.Types, hints: opt.Hints}
	if len(opt.Columns) > 0 {
		s.only = make(map[string]bool, len(opt.Columns))
		for _, name := range opt.Columns {
			s.only[name] = true
		}
	}
	return s
}

func (s selection) wants(name string) bool { return s.only == nil || s.only[name] }

// kind says how a column is read: fixed is the kind the options force on it
// (0: inferred), start the kind it starts as.
func (s selection) kind(name string) (fixed, start Kind) {
	if k := s.types[name]; k != 0 {
		return k, k
	}
	switch s.hints[name] {
	case Numeric:
		return Numeric, Numeric
	case Categorical:
		return 0, Categorical
	}
	return 0, Numeric
}

// check returns an error naming the first column the options name that is
// not among the file's columns, listing those.
func (s selection) check(opt Options, has []string) error {
	present := make(map[string]bool, len(has))
	for _, name := range has {
		present[name] = true
	}
	missing := func(name string) error {
		return fail(ErrNoColumn, "no column %q; the file has %s", name, listNames(has))
	}
	typed := make([]string, 0, len(opt.Types))
	for name := range opt.Types {
		typed = append(typed, name)
	}
	slices.Sort(typed) // the same error every time
	// Kinds first: an unknown kind is wrong whatever the file holds.
	for _, name := range typed {
		if k := opt.Types[name]; k != Numeric && k != Categorical {
			return fail(ErrBadOption, "column %q: unknown kind %d", name, k)
		}
	}
	for name, k := range opt.Hints {
		if k != Numeric && k != Categorical {
			return fail(ErrBadOption, "column %q: unknown kind %d", name, k)
		}
	}
	for _, name := range opt.Columns {
		if !present[name] {
			return missing(name)
		}
	}
	for _, name := range typed {
		if !present[name] {
			return missing(name)
		}
	}
	return nil
}

// listNames lists column names for an error message, cut after a few.
func listNames(names []string) string {
	const shown = 20
	if len(names) == 0 {
		return "no columns"
	}
	quoted := make([]string, 0, min(len(names), shown))
	for _, name := range names[:min(len(names), shown)] {
		quoted = append(quoted, fmt.Sprintf("%q", name))
	}
	list := strings.Join(quoted, ", ")
	if len(names) > shown {
		list += fmt.Sprintf(" and %d more", len(names)-shown)
	}
	return list
}
