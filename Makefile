# lathe: `make run` opens lathe on the demo, `make test` runs every test.

SHELL   := /bin/bash
GO      ?= go
PYTHON  ?= python3
BIN     := bin/lathe
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

# go-nvml's headers use declarations NVIDIA marks deprecated; silence them
# here rather than by editing the module.
export CGO_ENABLED := 1
export CGO_CFLAGS  := -Wno-deprecated-declarations

.PHONY: all build run test test-go test-python lint bench fuzz clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/lathe

run: build
	./$(BIN) demo

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Every Go test with the race detector (fuzz tests run their seed corpora),
# then the Python helper's own tests. The list of tests that ran is printed,
# then one summary line.
test: lint test-go test-python

test-go:
	@set -o pipefail; $(GO) test -race -count=1 -v -timeout 20m ./... 2>&1 | tee .test-go.log | \
		grep -E '^(\s*--- (PASS|FAIL|SKIP)|ok |FAIL|panic:)|^\s+[a-z_0-9]+\.go:[0-9]+: '; status=$$?; \
	pass=$$(grep -cE '^\s*--- PASS' .test-go.log); fail=$$(grep -cE '^\s*--- FAIL' .test-go.log); \
	skip=$$(grep -cE '^\s*--- SKIP' .test-go.log); \
	echo "go: $$pass passed, $$fail failed, $$skip skipped"; rm -f .test-go.log; exit $$status

test-python:
	cd runners/python && $(PYTHON) -m unittest discover -v 2>&1

# Every fuzz target for FUZZTIME each (default 30s); new corpus entries
# land in each package's testdata/fuzz, to commit.
fuzz:
	GO=$(GO) FUZZTIME=$(or $(FUZZTIME),30s) bash .ci/fuzz

# Benchmarks: the speed budgets of BENCHMARKS.md, measured on this machine.
# The end-to-end ones run once (they repeat inside); the small ones as long
# as Go's benchmark runner needs for a stable number.
bench:
	@set -o pipefail; { $(GO) test -run '^$$' -bench 'RunToRunning|AppIdle|FilterSort100k|Ingest100Jobs|IngestOneFile2M|Ingest200PacedJobs|SortRuns100k|Model1000Versions|Register1GiB|Store' -benchtime 1x -count 1 -timeout 60m ./cmd/lathe ./engine ./store/compare && \
		$(GO) test -run '^$$' -bench . -count 1 -timeout 30m ./store/series ./engine/metricline ./engine/sched ./engine/gpu ./tui ./tui/logview ./engine/termline ./engine/tfevents ./engine/sweep && \
		$(GO) test -run '^$$' -bench 'SampleAttribute8|SampleProcs' -count 1 ./engine && \
		$(GO) test -run '^$$' -bench 'LogOpen1GiB|LogSearch1GiB' -benchtime 3x -count 1 -timeout 30m ./engine && \
		$(GO) test -run '^$$' -bench 'KSWassersteinVsScipy1M|SortFloats1M|ScoreBatch' -count 1 -timeout 30m ./engine/drift; } 2>&1 | tee .bench.log; \
	status=$$?; $(GO) run ./cmd/benchtable -json BENCHMARKS.json < .bench.log > BENCHMARKS.md; rm -f .bench.log; \
	cat BENCHMARKS.md; exit $$status

clean:
	rm -rf bin
