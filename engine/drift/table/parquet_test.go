package table

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// fixtureDir holds Parquet files written by another project's writer.
const fixtureDir = "../../../../shared/fixtures/parquet/"

var fixtures = []string{"drift-sample.parquet", "drift-sample-snappy.parquet"}

// TestParquetFixtures checks the numbers the fixtures' README gives.
func TestParquetFixtures(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tb, err := ReadFile(fixtureDir+name, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tb.Format != "parquet" || tb.Rows != 1000 || tb.Bad != 0 || len(tb.Skipped) != 0 {
				t.Fatalf("format %s, %d rows, %d bad, skipped %v; want parquet, 1000, 0, none",
					tb.Format, tb.Rows, tb.Bad, tb.Skipped)
			}
			var names []string
			for _, c := range tb.Columns {
				names = append(names, c.Name+":"+c.Kind.String())
			}
			if got, want := strings.Join(names, " "), "age:numeric visits:numeric city:categorical label:numeric"; got != want {
				t.Errorf("columns %s, want %s", got, want)
			}

			age := tb.Column("age")
			sum, n := finiteSum(age.Values)
			if n != 941 || age.Missing() != 59 || math.Abs(sum-41980.797) > 1e-6*41980.797 {
				t.Errorf("age: %d values summing to %v, %d missing; want 941, 41980.797, 59", n, sum, age.Missing())
			}
			if sum, n := finiteSum(tb.Column("visits").Values); n != 1000 || sum != 24709 {
				t.Errorf("visits: %d values summing to %v; want 1000, 24709", n, sum)
			}
			city := tb.Column("city")
			want := map[string]int{"Quito": 227, "Kyoto": 247, "Lyon": 242, "Oslo": 240}
			if got := city.Counts(); !equalCounts(got, want) || city.Missing() != 44 {
				t.Errorf("city: %v, %d missing; want %v, 44", got, city.Missing(), want)
			}
			ones, zeros := 0, 0
			for _, v := range tb.Column("label").Values {
				switch v {
				case 1:
					ones++
				case 0:
					zeros++
				}
			}
			if ones != 334 || zeros != 666 {
				t.Errorf("label: %d ones, %d zeros; want 334, 666", ones, zeros)
			}
		})
	}
}

func TestParquetOptions(t *testing.T) {
	path := fixtureDir + fixtures[1]
	tb, err := ReadFile(path, Options{
		Columns: []string{"label", "city", "age"},
		Types:   map[string]Kind{"label": Categorical, "city": Numeric, "age": Categorical},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Forced numeric, every city that is not null is a bad cell; no row is
	// lost.
	if tb.Rows != 1000 || tb.Bad != 0 || tb.BadCells != 956 {
		t.Fatalf("%d rows, %d bad, %d bad cells; want 1000, 0, 956", tb.Rows, tb.Bad, tb.BadCells)
	}
	plain, err := ReadFile(path, Options{Columns: []string{"city"}})
	if err != nil {
		t.Fatal(err)
	}
	first := slices.IndexFunc(plain.Column("city").Codes, func(code int32) bool { return code >= 0 })
	wantBad := BadRow{Line: first + 1, Reason: fmt.Sprintf("column \"city\": %q is not a number", plain.Column("city").Levels[0])}
	if c := tb.Column("city"); c.Kind != Numeric || c.Missing() != 1000 || c.BadCells != 956 || c.FirstBadCell == nil || *c.FirstBadCell != wantBad {
		t.Errorf("city: %v with %d missing, %d bad cells, first %+v; want numeric, 1000, 956, %+v",
			c.Kind, c.Missing(), c.BadCells, c.FirstBadCell, wantBad)
	}
	if c := tb.Column("age"); c.BadCells != 0 || c.FirstBadCell != nil {
		t.Errorf("age: %d bad cells", c.BadCells)
	}
	if c := tb.Column("label"); c.Kind != Categorical || strings.Join(c.Levels, " ") == "" {
		t.Errorf("label: %v %v, want categorical", c.Kind, c.Levels)
	}
	if tb.Column("visits") != nil {
		t.Error("visits was read though not asked for")
	}

	tb, err = ReadFile(path, Options{Hints: map[string]Kind{"label": Categorical, "height": Numeric}})
	if err != nil {
		t.Fatalf("hints: %v", err)
	}
	if c := tb.Column("label"); c.Kind != Categorical || tb.Rows != 1000 {
		t.Errorf("hinted label: %v, %d rows; want categorical, 1000", c.Kind, tb.Rows)
	}

	_, err = ReadFile(path, Options{Columns: []string{"age", "height"}})
	want := path + `: no column "height"; the file has "age", "visits", "city", "label"`
	if err == nil || err.Error() != want || !errors.Is(err, ErrNoColumn) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// pqRow is written by parquet-go to cover the types the fixtures lack.
type pqRow struct {
	Flag   bool     `parquet:"flag"`
	F32    float32  `parquet:"f32"`
	U32    uint32   `parquet:"u32"`
	U64    uint64   `parquet:"u64"`
	I32    int32    `parquet:"i32"`
	Cents  int64    `parquet:"cents,decimal(2:18)"`
	Note   *string  `parquet:"note,optional"`
	Mood   string   `parquet:"mood,enum"`
	Blob   []byte   `parquet:"blob"`
	Tags   []string `parquet:"tags,list"`
	Nested struct {
		X int64 `parquet:"x"`
	} `parquet:"nested"`
}

func TestParquetTypes(t *testing.T) {
	note := "hi"
	rows := []pqRow{
		{Flag: true, F32: 0.1, U32: math.MaxUint32, U64: 1 << 63, I32: -7, Cents: 1234, Note: &note, Mood: "ok", Blob: []byte{0}},
		{Flag: false, F32: float32(math.NaN()), U32: 1, U64: 2, I32: 8, Cents: -5, Mood: "sad", Tags: []string{"a"}},
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	tb, err := Read(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := lines("parquet rows=2 bad=0",
		"flag categorical: true false",
		"f32 numeric: 0.10000000149011612 .",
		"u32 numeric: 4.294967295e+09 1",
		"u64 numeric: 9.223372036854776e+18 2",
		"i32 numeric: -7 8",
		"cents numeric: 12.34 -0.05",
		"note categorical: hi .",
		"mood categorical: ok sad",
		"skipped: blob tags nested")
	if got := dump(tb); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	buf.Reset()
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	tb, err = Read(bytes.NewReader(data), Options{Types: map[string]Kind{
		"flag": Numeric, "f32": Categorical, "u64": Categorical, "i32": Categorical, "cents": Categorical,
	}})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"flag":  "flag numeric: 1 0",
		"f32":   "f32 categorical: 0.1 .",
		"u64":   "u64 categorical: 9223372036854775808 2",
		"i32":   "i32 categorical: -7 8",
		"cents": "cents categorical: 12.34 -0.05",
	} {
		if got := dumpColumn(tb, name); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}

	_, err = Read(bytes.NewReader(data), Options{Columns: []string{"u32", "tags"}})
	if want := `column "tags" cannot be read: it is a nested group`; err == nil || err.Error() != want || !errors.Is(err, ErrNoColumn) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestParquetBadCells forces text columns numeric: values that are not
// numbers are bad cells with their row numbers, across row groups, and no
// row is lost.
func TestParquetBadCells(t *testing.T) {
	type row struct {
		Amount string  `parquet:"amount"`
		Code   *string `parquet:"code,optional"`
		N      int64   `parquet:"n"`
	}
	text := func(s string) *string { return &s }
	rows := []row{
		{Amount: "1.5", Code: text("7"), N: 1},
		{Amount: " 2 ", N: 2},
		{Amount: "NA", Code: text("x9"), N: 3},
		{Amount: "twelve", Code: text("None"), N: 4},
		{Amount: "inf", Code: text("8"), N: 5},
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(2)); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || len(f.RowGroups()) != 3 {
		t.Fatalf("the file has not 3 row groups: %v", err)
	}
	tb, err := Read(&buf, Options{Types: map[string]Kind{"amount": Numeric, "code": Numeric}})
	if err != nil {
		t.Fatal(err)
	}
	want := lines("parquet rows=5 bad=0 bad cells=2",
		"amount numeric: 1.5 2 . . +Inf",
		`amount bad cells=1, first line 4: column "amount": "twelve" is not a number`,
		"code numeric: 7 . . . 8",
		`code bad cells=1, first line 3: column "code": "x9" is not a number`,
		"n numeric: 1 2 3 4 5")
	if got := dump(tb); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// dumpColumn is the line of dump that shows one column.
func dumpColumn(tb *Table, name string) string {
	for _, line := range strings.Split(dump(tb), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return line
		}
	}
	return ""
}

// TestParquetDamaged reads damaged copies of the fixtures: each must give an
// error, never a panic or a table.
func TestParquetDamaged(t *testing.T) {
	for _, name := range fixtures {
		data, err := os.ReadFile(fixtureDir + name)
		if err != nil {
			t.Fatal(err)
		}
		middle := bytes.Clone(data)
		for i := len(middle) / 3; i < 2*len(middle)/3; i++ {
			middle[i] = byte(i * 7)
		}
		footer := bytes.Clone(data)
		for i := len(footer) - 200; i < len(footer)-8; i++ {
			footer[i] = 0xff
		}
		for _, tt := range []struct {
			name string
			data []byte
		}{
			{"middle overwritten", middle},
			{"cut in half", data[:len(data)/2]},
			{"cut in half, end kept", append(bytes.Clone(data[:len(data)/2]), data[len(data)-8:]...)},
			{"footer overwritten", footer},
			{"magic only", []byte("PAR1")},
			{"magic twice", []byte("PAR1PAR1")},
		} {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				_, err := Read(bytes.NewReader(tt.data), Options{Format: "parquet"})
				if err == nil || !strings.HasPrefix(err.Error(), "unreadable Parquet file: ") || !errors.Is(err, ErrUnreadable) {
					t.Errorf("got %v, want an unreadable Parquet file", err)
				}
			})
		}
	}
}

func finiteSum(values []float64) (sum float64, n int) {
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			sum += v
			n++
		}
	}
	return sum, n
}

func equalCounts(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// TestParquetClaims reads files whose metadata claims far more than their
// bytes hold; the library would allocate what they claim.
func TestParquetClaims(t *testing.T) {
	// A footer whose schema (field 2) is a list of ten million elements.
	footer := binary.AppendUvarint([]byte{0x29, 0xfc}, 10_000_000)
	hugeList := append([]byte("PAR1"), footer...)
	hugeList = binary.LittleEndian.AppendUint32(hugeList, uint32(len(footer)))
	hugeList = append(hugeList, "PAR1"...)

	// The uncompressed fixture, with the definition levels of the first
	// page of "age" rewritten as one run of 2³¹−1 values.
	data, err := os.ReadFile(fixtureDir + fixtures[0])
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)), parquet.SkipPageIndex(true))
	if err != nil {
		t.Fatal(err)
	}
	age := f.Metadata().RowGroups[0].Columns[0].MetaData
	h, err := readPageHeader(bytes.NewReader(data), age.DataPageOffset, age.DataPageOffset+age.TotalCompressedSize)
	if err != nil || h.typ != format.DataPageV2 || h.defLength < 6 {
		t.Fatalf("the fixture's first page is not as expected: %+v, %v", h, err)
	}
	longRun := bytes.Clone(data)
	levels := age.DataPageOffset + h.length + h.repLength
	copy(longRun[levels:], []byte{0xfe, 0xff, 0xff, 0xff, 0x0f, 0x01})

	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"a footer list", hugeList, "unreadable Parquet file: its footer runs past its end"},
		{"a run of levels", longRun, `unreadable Parquet file: column "age": a page's levels claim more values than its 400`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Read(bytes.NewReader(tt.data), Options{})
			runtime.ReadMemStats(&after)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("reading allocated %d MiB", alloc>>20)
			}
		})
	}
}
