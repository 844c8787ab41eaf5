package table

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

const benchRows, benchColumns = 1_000_000, 20

// writeBenchFile writes a file of benchRows rows of benchColumns columns as
// a drift data set has them: measurements, counts, a few categories, some
// missing values. jsonl chooses JSON lines over CSV.
func writeBenchFile(b *testing.B, jsonl bool) (path string, size int64) {
	b.Helper()
	ext := ".csv"
	if jsonl {
		ext = ".jsonl"
	}
	path = filepath.Join(b.TempDir(), "bench"+ext)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	cities := []string{"Quito", "Kyoto", "Lyon", "Oslo", "Lagos", "Perth"}
	names := make([]string, benchColumns)
	for i := range names {
		names[i] = "col" + strconv.Itoa(i)
	}
	if !jsonl {
		for i, name := range names {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(name)
		}
		w.WriteByte('\n')
	}
	var buf []byte
	for range benchRows {
		buf = buf[:0]
		if jsonl {
			buf = append(buf, '{')
		}
		for i := range benchColumns {
			if i > 0 {
				buf = append(buf, ',')
			}
			if jsonl {
				buf = append(buf, '"')
				buf = append(buf, names[i]...)
				buf = append(buf, `":`...)
			}
			switch {
			case i%5 == 4: // categorical
				if jsonl {
					buf = strconv.AppendQuote(buf, cities[rng.IntN(len(cities))])
				} else {
					buf = append(buf, cities[rng.IntN(len(cities))]...)
				}
			case i%5 == 3: // a count
				buf = strconv.AppendInt(buf, int64(rng.IntN(1000)), 10)
			case i%5 == 2 && rng.IntN(20) == 0: // missing now and then
				if jsonl {
					buf = append(buf, "null"...)
				}
			default: // a measurement
				buf = strconv.AppendFloat(buf, rng.NormFloat64()*100, 'f', 4, 64)
			}
		}
		if jsonl {
			buf = append(buf, '}')
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, info.Size()
}

func benchmarkRead(b *testing.B, jsonl bool) {
	path, size := writeBenchFile(b, jsonl)
	b.SetBytes(size)
	b.ReportAllocs()
	var tb *Table
	for b.Loop() {
		var err error
		if tb, err = ReadFile(path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if tb.Rows != benchRows || len(tb.Columns) != benchColumns {
		b.Fatalf("%d rows, %d columns", tb.Rows, len(tb.Columns))
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	// What the table holds once read, the garbage of reading gone.
	runtime.GC()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	b.ReportMetric(float64(mem.HeapAlloc)/(1<<20), "MB-held")
	runtime.KeepAlive(tb)
}

func BenchmarkReadCSV1Mx20(b *testing.B)   { benchmarkRead(b, false) }
func BenchmarkReadJSONL1Mx20(b *testing.B) { benchmarkRead(b, true) }
