// Command benchtable turns the output of `go test -bench` into the table of
// BENCHMARKS.md: each measured number beside its budget, met or missed, and
// the machine it was measured on. `make bench` runs it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// budget is a speed or size promise a benchmark metric is held to.
type budget struct {
	bench, unit string
	what        string
	limit       float64
	atMost      bool // the value must not exceed limit (else: must reach it)
}

var budgets = []budget{
	{"RunToRunning", "ms/run-median", "`lathe run` to the job running, engine up (median of 30)", 100, true},
	{"RunToRunning", "ms/run-p90", "`lathe run` to the job running, engine up (90th percentile)", 100, true},
	{"Ingest100Jobs", "points/s", "ingest through the engine from 100 jobs' metrics files at once", 500_000, false},
}

type row struct {
	bench, unit string
	value       float64
}

func main() {
	var rows []row
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		// After the name and the iteration count come value-unit pairs.
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			rows = append(rows, row{name, f[i+1], v})
		}
	}
	fmt.Println("# Benchmarks")
	fmt.Println()
	fmt.Printf("Measured by `make bench` on %s, %d cores, %s, %s.\n\n", cpuModel(), runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"))
	fmt.Println("## Budgets")
	fmt.Println()
	fmt.Println("| what | measured | budget | met |")
	fmt.Println("|---|---|---|---|")
	for _, b := range budgets {
		r, ok := find(rows, b.bench, b.unit)
		if !ok {
			fmt.Printf("| %s | not measured | %s | missed |\n", b.what, limitText(b))
			continue
		}
		met := r.value <= b.limit
		if !b.atMost {
			met = r.value >= b.limit
		}
		verdict := "met"
		if !met {
			verdict = "**missed**"
		}
		fmt.Printf("| %s | %s %s | %s | %s |\n", b.what, num(r.value), b.unit, limitText(b), verdict)
	}
	fmt.Println()
	fmt.Println("## Every measurement")
	fmt.Println()
	fmt.Println("| benchmark | value | unit |")
	fmt.Println("|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s |\n", r.bench, num(r.value), r.unit)
	}
}

func find(rows []row, bench, unit string) (row, bool) {
	for _, r := range rows {
		if r.bench == bench && r.unit == unit {
			return r, true
		}
	}
	return row{}, false
}

func limitText(b budget) string {
	if b.atMost {
		return fmt.Sprintf("≤ %s %s", num(b.limit), b.unit)
	}
	return fmt.Sprintf("≥ %s %s", num(b.limit), b.unit)
}

func num(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
