package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/client"
)

// writeBigLog writes an output of about size bytes of training-like lines.
func writeBigLog(tb testing.TB, path string, size int64) int64 {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	for i := 0; n < size; i++ {
		k, _ := fmt.Fprintf(w, "epoch %d step %d loss=%.4f lr=0.001 grad_norm=%.3f | throughput 1234.5 samples/s, data 12 ms\n",
			i/10000, i, 2.5/float64(i%1000+1), float64(i%97)/10)
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return n
}

// bigLogRun is an engine served on its socket with one ended run whose
// output is about a GiB, and a client of it, as the app has.
func bigLogRun(b *testing.B) (c *client.Client, id string, size int64) {
	b.Helper()
	home := b.TempDir()
	e, err := Open(testOptions(b, home, nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	ctx := context.Background()
	r, err := e.Submit(ctx, api.SubmitRequest{Command: []string{"true"}, Cwd: home})
	if err != nil {
		b.Fatal(err)
	}
	if r, err = e.Wait(ctx, r.ID); err != nil {
		b.Fatal(err)
	}
	files, err := e.files(r.ID, r.Runner)
	if err != nil {
		b.Fatal(err)
	}
	size = writeBigLog(b, files.Output, 1<<30)
	sock, _ := e.opts.Paths.Socket()
	l, err := Listen(sock)
	if err != nil {
		b.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- Serve(sctx, e, l, e.log) }()
	c = client.New(sock)
	b.Cleanup(func() { c.Close(); cancel(); <-served })
	return c, r.ID, size
}

// BenchmarkLogOpen1GiB measures what opening the logs tab asks of the
// engine: the last screens of lines (120 of them) of a 1 GiB output, over
// the socket. Budget: 100 ms/open.
func BenchmarkLogOpen1GiB(b *testing.B) {
	c, id, _ := bigLogRun(b)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		ls, err := c.LogLines(ctx, id, api.LogLinesRequest{From: -1, Back: true, Count: 120})
		if err != nil || len(ls.Lines) != 120 {
			b.Fatalf("%d lines, %v", len(ls.Lines), err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/open")
}

// BenchmarkLogSearch1GiB measures a search of all of a 1 GiB output for a
// query it does not hold, over the socket, with the case ignored (the
// usual: a lower-case query) and kept. Budget: 200 MB/s.
func BenchmarkLogSearch1GiB(b *testing.B) {
	c, id, size := bigLogRun(b)
	ctx := context.Background()
	for _, fold := range []bool{true, false} {
		b.Run(map[bool]string{true: "fold", false: "exact"}[fold], func(b *testing.B) {
			start := time.Now()
			for range b.N {
				var scanned int64
				err := c.SearchLogs(ctx, id, api.LogSearchRequest{Query: "nan loss", Fold: fold}, func(ev api.LogSearchEvent) error {
					if ev.Match != nil {
						b.Fatalf("a match: %+v", ev.Match)
					}
					scanned = ev.Scanned
					return nil
				})
				if err != nil || scanned != size {
					b.Fatalf("scanned %d of %d: %v", scanned, size, err)
				}
			}
			b.ReportMetric(float64(size)*float64(b.N)/1e6/time.Since(start).Seconds(), "MB/s")
		})
	}
}
