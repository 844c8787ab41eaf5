package cas

import (
	"context"
	"errors"
	"hash"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// chunkSize is how much is read at a time, and chunks how many reads may be
// in flight between the reader, the hasher and the writer.
const (
	chunkSize = 1 << 20
	chunks    = 4
)

// progressEvery is how often a Put reports progress, at most (a variable
// for tests).
var progressEvery = 100 * time.Millisecond

// chunk is one read, hashed and written at the same time; the one of the
// two that finishes last gives it back.
type chunk struct {
	b    []byte
	n    int
	refs atomic.Int32
}

// errWrite marks an error of the destination, not of the source.
type errWrite struct{ err error }

func (e errWrite) Error() string { return e.err.Error() }
func (e errWrite) Unwrap() error { return e.err }

// copyHash copies r to w and hashes what it copies, reading r once: the
// hash and the write of a chunk run side by side while the next chunk is
// read, so a copy costs about the slowest of the three, not their sum.
// onRead is called in the caller's goroutine with each read's size. An
// error of w is an errWrite; the context is checked between reads.
func copyHash(ctx context.Context, r io.Reader, w io.Writer, h hash.Hash, onRead func(int)) (int64, error) {
	free := make(chan *chunk, chunks)
	for range chunks {
		free <- &chunk{b: make([]byte, chunkSize)}
	}
	release := func(c *chunk) {
		if c.refs.Add(-1) == 0 {
			free <- c // never blocks: there are only `chunks` of them
		}
	}
	toHash := make(chan *chunk, chunks)
	toWrite := make(chan *chunk, chunks)
	broken := make(chan struct{}) // closed when a write fails
	var werr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for c := range toHash {
			h.Write(c.b[:c.n])
			release(c)
		}
	}()
	go func() {
		defer wg.Done()
		for c := range toWrite {
			if werr == nil {
				if _, err := w.Write(c.b[:c.n]); err != nil {
					werr = err
					close(broken)
				}
			}
			release(c)
		}
	}()
	var total int64
	var rerr error
read:
	for {
		var c *chunk
		select {
		case c = <-free:
		case <-broken:
			break read
		}
		if err := ctx.Err(); err != nil {
			rerr = err
			break
		}
		n, err := io.ReadFull(r, c.b)
		if n > 0 {
			c.n = n
			c.refs.Store(2)
			toHash <- c
			toWrite <- c
			total += int64(n)
			onRead(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			rerr = err
			break
		}
	}
	close(toHash)
	close(toWrite)
	wg.Wait()
	if werr != nil {
		return total, errWrite{werr}
	}
	return total, rerr
}

// meter reports progress now and then.
type meter struct {
	fn          func(done, total int64)
	done, total int64
	last        time.Time
}

func (m *meter) start() {
	if m.fn != nil {
		m.fn(0, m.total)
		m.last = time.Now()
	}
}

func (m *meter) add(n int) {
	m.done += int64(n)
	if m.fn != nil && time.Since(m.last) >= progressEvery {
		m.fn(m.done, max(m.done, m.total))
		m.last = time.Now()
	}
}

func (m *meter) finish() {
	if m.fn != nil {
		m.fn(m.done, max(m.done, m.total))
	}
}

// flushEvery is how much a copy writes before it starts the writeback of
// what it wrote.
const flushEvery = 8 << 20

// flusher writes to a file and starts writing it back to disk as it goes,
// so that the final sync overlaps with the copy instead of following it.
type flusher struct {
	f                *os.File
	written, flushed int64
}

func (w *flusher) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	if w.written-w.flushed >= flushEvery {
		startWriteback(w.f, w.flushed, w.written-w.flushed)
		w.flushed = w.written
	}
	return n, err
}
