// Command benchtable turns the output of `go test -bench` into the table of
// BENCHMARKS.md and the rows of BENCHMARKS.json: each measured number beside
// SQLite's (MLflow's schema) where both were measured, their ratio, the
// budget and whether it was met, and the machine. `make bench` runs it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// A budget is a promise a measurement is held to.
type budget struct {
	key string // "Benchmark:unit", or "Store:id" for the side-by-side rows
	// sqlite, when set, is where SQLite's number of the row comes from,
	// when lathe's is measured by another benchmark than SQLite's.
	sqlite string
	what   string
	unit   string
	kind   string // "max": lathe ≤ limit; "min": lathe ≥ limit; "ratio": lathe better than SQLite by ≥ limit
	limit  float64
	higher bool // a larger number is better (throughput)
}

var budgets = []budget{
	{"Store:ingest-main", "", "ingest 10M points, 1 000 a commit, durable", "points/s", "ratio", 10, true},
	{"Store:ingest-wide", "", "ingest, 10 000 points a commit, durable", "points/s", "min", 1_000_000, true},
	{"Ingest100Jobs:points/s", "", "ingest through the engine, 100 jobs at once", "points/s", "min", 500_000, true},
	{"Ingest100Jobs:MB-peak-rss", "", "engine's peak memory during that ingest", "MB", "max", 256, false},
	{"IngestOneFile2M:points/s", "", "one job's 2 000 000-point metrics file, appended at once, stored end to end", "points/s", "min", 1_000_000, true},
	{"IngestOneFile2M:x-faster", "", "that file, against SQLite with MLflow's schema in the same run (times faster)", "×", "min", 10, true},
	{"Ingest200PacedJobs:points-lost", "", "load: 200 jobs logging 1 000 points/s each for 60 s, 20 clients listing and showing: points lost", "points", "max", 0, false},
	{"Ingest200PacedJobs:ms-ps-p99", "", "lathe ps meanwhile, 99th percentile", "ms", "max", 500, false},
	{"Ingest200PacedJobs:%core", "", "the engine's CPU meanwhile, the 20 clients included (they run in its process; 200 is the machine's 2 cores)", "% of a core", "max", 200, false},
	{"Ingest200PacedJobs:MB-peak-anon", "", "the engine's own peak memory meanwhile (its resident set less the store's file, which it maps)", "MB", "max", 256, false},
	{"Ingest200PacedJobs:MB-anon-after", "", "its own memory 5 s after the jobs ended", "MB", "max", 100, false},
	{"Store:history-short", "", "history of one metric, 10 000 points, warm", "ms", "max", 1, false},
	{"Store:history-long", "", "history of one metric, 1 000 000 points", "ms", "max", 50, false},
	{"Store:chart", "", "1 000-point chart of the 1M-point series", "ms", "max", 5, false},
	{"SortRuns100k:ms/sort-all", "Store:sort-all", "last value of one metric for 100 000 runs, sorted", "ms", "max", 50, false},
	{"SortRuns100k:ms/sort-top", "Store:sort-top", "the top 1 000 of those", "ms", "max", 10, false},
	{"Store:size", "", "size on disk of the 10M points, against SQLite", "bytes/point", "ratio", 10, false},
	{"Store:size#abs", "", "size on disk of the 10M points", "bytes/point", "max", 20, false},
	{"Store:open", "", "open the store of 10M points and 100 000 runs", "ms", "max", 50, false},
	{"Store:first-listing", "", "first `lathe runs --limit 50` on it, end to end", "ms", "max", 200, false},
	{"SampleAttribute8:%core", "", "sampling 8 GPUs with 4 processes each, attributing them to runs", "% of a core", "max", 1, false},
	{"SampleNVML8:%core", "", "reading 8 GPUs through NVML (go-nvml's DGX A100 mock)", "% of a core", "max", 1, false},
	{"SampleProcs:%core", "", "reading the process trees of 50 running jobs and the host's CPU, memory and disk", "% of a core", "max", 1, false},
	{"Schedule1000:ms/placement", "", "placing from a queue of 1 000 jobs", "ms", "max", 1, false},
	{"DashboardView:ms/frame", "", "the app's dashboard frame, 8 GPUs and 50 jobs", "ms", "max", 5, false},
	{"ChartsFrame:ms/frame", "", "a frame of 4 live charts of 1 000 000 points each, views read from the store", "ms", "max", 16, false},
	{"ChartsPaging:ms/frame", "", "a charts page of 16 metrics of 1 000 000 points each, paged a frame at a time", "ms", "max", 16, false},
	{"DashboardFrameRows:ms/frame", "", "the dashboard's frame with its rows and cursor, 5 000 runs", "ms", "max", 5, false},
	{"FilterAsTyped100k:ms/key", "", "the runs table filtering 100 000 runs as each key of a filter is typed, over the socket (mean)", "ms", "max", 50, false},
	{"FilterAsTyped100k:ms/key-max", "", "the same, the slowest key", "ms", "max", 50, false},
	{"FirstFrame:ms/first-frame", "", "the app's first frame on a store of 100 000 runs, over the socket", "ms", "max", 200, false},
	{"AppIdle:%core", "", "the app idle on the dashboard (4 GPUs sampled every second)", "% of a core", "max", 2, false},
	{"CompareOpen:ms/open", "", "the app's comparison of 10 runs of 1 000 000 points each, opened to its curves", "ms", "max", 100, false},
	{"FilterSort100k:ms/query-median", "", "`lathe runs --filter … --sort … --limit 50` over 100 000 runs, end to end (median)", "ms", "max", 100, false},
	{"FilterSort100k:ms/query-p90", "", "the same, 90th percentile", "ms", "max", 100, false},
	{"RunToRunning:ms/run-median", "", "`lathe run` to the job running, engine up (median)", "ms", "max", 100, false},
	{"RunToRunning:ms/run-p90", "", "`lathe run` to the job running, engine up (90th percentile)", "ms", "max", 100, false},
	{"Model1000Versions:ms/op-median", "", "`lathe model NAME --json`, a model of 1 000 versions, end to end (median)", "ms", "max", 50, false},
	{"Model1000Versions:ms/op-p90", "", "the same, 90th percentile", "ms", "max", 50, false},
	{"Register1GiB:s/register", "", "register a version whose artifact is 1 GiB (copied and hashed in one read)", "s", "max", 30, false},
	{"Register1GiB:s/copy", "", "for reference: a synced copy of that file", "s", "max", 30, false},
	{"Register1GiB:s/sha256", "", "for reference: one sha256 pass over it", "s", "max", 30, false},
	{"Register1GiB:x-copy+sha", "", "registering against the copy and the hash together (one read, not two)", "×", "max", 1, false},
	{"LogOpen1GiB:ms/open", "", "a 1 GiB output.log opened at its end through the socket (its last 120 lines)", "ms", "max", 100, false},
	{"LogViewOpen1GiB:ms/open", "", "the app's log view opening that file at its end, over the socket, drawn", "ms", "max", 100, false},
	{"LogSearch1GiB/fold:MB/s", "", "searching all of it in the engine, ignoring case", "MB/s", "min", 200, true},
	{"LogSearch1GiB/exact:MB/s", "", "the same, matching case", "MB/s", "min", 200, true},
	{"LogViewSearch1GiB:MB/s", "", "the log view's search of all of it, end to first line, matches streamed over the socket", "MB/s", "min", 200, true},
	{"RenderProgressBar:MB/s", "", "a tqdm line redrawn 10 000 times (1 MB) rendered as a terminal shows it (log view, output tailer)", "MB/s", "min", 100, true},
	{"Read1MScalars:MB/s", "", "a TensorBoard event file of 1 000 000 scalars read, CRCs checked (import, live tail)", "MB/s", "min", 100, true},
	{"KSWassersteinVsScipy1M:x-faster", "", "KS (with p-value) and Wasserstein-1 on 1 000 000 values a side, against Debian's python3-scipy in the same run", "× scipy", "min", 10, true},
	{"TPENext1000:ms/proposal", "", "a sweep's next TPE trial, sampled from 1 000 finished ones (3 params)", "ms", "max", 10, false},
	{"ASHAReport/no_rung:ns/point", "", "early stopping's look at a point of a sweep's metric between rungs (ingest spends about 300 ns a point)", "ns", "max", 100, false},
	{"ASHAReport/rung:µs/decision", "", "its decision at a rung 1 000 trials reached", "µs", "max", 1000, false},
	{"ScoreBatch1Mx20:ms/op", "", "one batch of 1 000 000 rows × 20 numeric features scored against a stored reference", "ms", "max", 1000, false},
}

// Row is one line of BENCHMARKS.json.
type Row struct {
	Name     string   `json:"name"`
	Lathe    *float64 `json:"lathe"`
	Baseline *float64 `json:"baseline"`
	Unit     string   `json:"unit"`
	Ratio    *float64 `json:"ratio"`
	Budget   string   `json:"budget"`
	Met      bool     `json:"met"`
}

type measured struct {
	lathe, sqlite float64
	hasLathe      bool
	hasSQLite     bool
}

func main() {
	jsonPath := flag.String("json", "", "also write the rows as JSON to this file")
	flag.Parse()
	values := map[string]*measured{}
	var order []string
	get := func(key string) *measured {
		if values[key] == nil {
			values[key] = &measured{}
			order = append(order, key)
		}
		return values[key]
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			unit := f[i+1]
			// The side-by-side benchmark reports side:id:unit.
			if side, rest, ok := strings.Cut(unit, ":"); ok && (side == "lathe" || side == "sqlite") {
				id, _, _ := strings.Cut(rest, ":")
				m := get(name + ":" + id)
				if side == "lathe" {
					m.lathe, m.hasLathe = v, true
				} else {
					m.sqlite, m.hasSQLite = v, true
				}
				continue
			}
			m := get(name + ":" + unit)
			m.lathe, m.hasLathe = v, true
		}
	}
	var rows []Row
	used := map[string]bool{}
	for _, b := range budgets {
		key, _, _ := strings.Cut(b.key, "#")
		used[key] = true
		m := values[key]
		if b.sqlite != "" && m != nil && values[b.sqlite] != nil {
			used[b.sqlite] = true
			m = &measured{lathe: m.lathe, hasLathe: m.hasLathe, sqlite: values[b.sqlite].sqlite, hasSQLite: values[b.sqlite].hasSQLite}
		}
		rows = append(rows, row(b, m))
	}
	fmt.Println("# Benchmarks")
	fmt.Println()
	fmt.Printf("Measured by `make bench` on %s, %d cores, %s, %s. SQLite is modernc.org/sqlite holding MLflow's own\n", cpuModel(), runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"))
	fmt.Println("metric tables (WAL, synchronous FULL), written and read as MLflow's SQLAlchemy store does, in the same process")
	fmt.Println("and run as lathe's store, on the same data; both sides return the same series before a time counts.")
	fmt.Println("The two sort rows time the engine's in-memory catalogue (SortRuns100k), which `lathe runs --sort` and the")
	fmt.Println("app's table use, on 100 000 runs of the same shape: the store keeps no index of last values.")
	fmt.Println()
	fmt.Println("| what | lathe | SQLite (MLflow schema) | unit | ratio | budget | met |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		verdict := "met"
		if !r.Met {
			verdict = "**missed**"
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", r.Name, numPtr(r.Lathe), numPtr(r.Baseline), r.Unit, ratioText(r.Ratio), r.Budget, verdict)
	}
	fmt.Println()
	fmt.Println("## Every other measurement")
	fmt.Println()
	fmt.Println("| benchmark | value | unit |")
	fmt.Println("|---|---|---|")
	for _, key := range order {
		if used[key] {
			continue
		}
		name, unit, _ := strings.Cut(key, ":")
		m := values[key]
		fmt.Printf("| %s | %s | %s |\n", name, num(m.lathe), unit)
		if m.hasSQLite {
			fmt.Printf("| %s (SQLite) | %s | %s |\n", name, num(m.sqlite), unit)
		}
	}
	if *jsonPath != "" {
		raw, _ := json.MarshalIndent(rows, "", "  ")
		if err := os.WriteFile(*jsonPath, append(raw, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func row(b budget, m *measured) Row {
	r := Row{Name: b.what, Unit: b.unit, Budget: budgetText(b)}
	if m == nil || !m.hasLathe {
		r.Budget += " (not measured)"
		return r
	}
	l := m.lathe
	r.Lathe = &l
	if m.hasSQLite && m.sqlite > 0 && l > 0 {
		s := m.sqlite
		r.Baseline = &s
		ratio := s / l
		if b.higher {
			ratio = l / s
		}
		r.Ratio = &ratio
	}
	switch b.kind {
	case "max":
		r.Met = l <= b.limit
	case "min":
		r.Met = l >= b.limit
	case "ratio":
		r.Met = r.Ratio != nil && *r.Ratio >= b.limit
	}
	return r
}

func budgetText(b budget) string {
	switch b.kind {
	case "max":
		return "≤ " + num(b.limit) + " " + b.unit
	case "min":
		return "≥ " + num(b.limit) + " " + b.unit
	}
	return "≥ " + num(b.limit) + "× SQLite"
}

func ratioText(r *float64) string {
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', 1, 64) + "×"
}

func numPtr(v *float64) string {
	if v == nil {
		return ""
	}
	return num(*v)
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 10:
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
