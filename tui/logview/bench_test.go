package logview

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lathe/engine"
	"lathe/engine/api"
	"lathe/engine/client"
)

// socketOutput is the output read through a client of the engine's
// socket, as the app reads it.
type socketOutput struct{ c *client.Client }

func (o socketOutput) LogLines(ctx context.Context, req api.LogLinesRequest) (api.LogLines, error) {
	return o.c.LogLines(ctx, runID, req)
}

func (o socketOutput) SearchLogs(ctx context.Context, req api.LogSearchRequest, fn func(api.LogSearchEvent) error) error {
	return o.c.SearchLogs(ctx, runID, req, fn)
}

// serve serves o's engine on a socket until the benchmark ends.
func serve(b *testing.B, o output) socketOutput {
	b.Helper()
	sock := filepath.Join(b.TempDir(), "engine.sock")
	l, err := engine.Listen(sock)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- engine.Serve(ctx, o.eng, l, slog.New(slog.DiscardHandler)) }()
	c := client.New(sock)
	b.Cleanup(func() { c.Close(); cancel(); <-served })
	return socketOutput{c}
}

// fillGiB makes o's output about a GiB of training-like lines.
func fillGiB(b *testing.B, o output) {
	b.Helper()
	f, err := os.Create(o.path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i, n := 0, 0; n < 1<<30; i++ {
		k, _ := fmt.Fprintf(w, "epoch %d step %d loss=%.4f lr=0.001 | throughput 1234.5 samples/s, data 12 ms\n", i/10000, i, 2.5/float64(i%1000+1))
		n += k
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLogViewOpen1GiB measures opening the logs tab of a run whose
// output is 1 GiB, at 120×40: the view reads its end through the engine's
// socket, as the app does, and draws it. Budget: 100 ms/open.
func BenchmarkLogViewOpen1GiB(b *testing.B) {
	o := newOutput(b, "", "")
	fillGiB(b, o)
	src := serve(b, o)
	st := testStyles(b)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		v := New(context.Background(), runID, src, st, DefaultKeyMap())
		v.SetSize(120, 40)
		drive(b, v, v.Refresh())
		if len(v.lines) < 39 || v.View() == "" {
			b.Fatalf("%d lines", len(v.lines))
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/open")
}

// BenchmarkLogViewSearch1GiB measures a search from the view of all of a
// 1 GiB output, back from its end to a match in its first line, through
// the engine's socket. Budget: 200 MB/s.
func BenchmarkLogViewSearch1GiB(b *testing.B) {
	o := newOutput(b, "", "")
	fillGiB(b, o)
	src := serve(b, o)
	st := testStyles(b)
	fi, err := os.Stat(o.path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		v := New(context.Background(), runID, src, st, DefaultKeyMap())
		v.SetSize(120, 40)
		drive(b, v, v.Refresh())
		search(b, v, "step 0 ")
		if v.mark != 0 {
			b.Fatalf("the match at %d, not the first line", v.mark)
		}
	}
	b.ReportMetric(float64(fi.Size())*float64(b.N)/1e6/time.Since(start).Seconds(), "MB/s")
}
