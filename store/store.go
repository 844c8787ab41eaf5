package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout this code reads and writes (see doc.go).
const SchemaVersion = 3

var (
	bucketMeta        = []byte("meta")
	bucketExperiments = []byte("experiments")
	bucketRuns        = []byte("runs")
	bucketRunNames    = []byte("run_names")
	bucketRunsByTime  = []byte("runs_by_time")
	bucketSummaries   = []byte("summaries")
	bucketSeries      = []byte("series")
	bucketTails       = []byte("tails")
	bucketPendingEnv  = []byte("pending_env")
	bucketActive      = []byte("active")

	allBuckets = [][]byte{bucketMeta, bucketExperiments, bucketRuns, bucketRunNames,
		bucketRunsByTime, bucketSummaries, bucketSeries, bucketTails, bucketPendingEnv,
		bucketActive}

	keySchema  = []byte("schema")
	keyCreated = []byte("created")
)

// DB is an open store. Reads (View) run concurrently; writes (Update) are
// serialised through one writer goroutine that groups them.
type DB struct {
	path string
	// bolt is the open file. A compaction puts a new one in its place, on
	// the writer goroutine; a View that finds the handle it loaded closed
	// begins again on the new one. An atomic pointer, not a lock, so that
	// reads on every processor share nothing that they write.
	bolt atomic.Pointer[bolt.DB]
	// retired counts the handles a compaction replaced that are still
	// closing (each waits for the reads begun on it).
	retired sync.WaitGroup

	ops      chan *op
	stop     chan struct{}
	stopped  chan struct{}
	closeMu  sync.Mutex
	isClosed bool

	// Owned by the writer goroutine: the open (last) chunk of recently
	// written series, so an append does not decode the chunk again.
	open *openChunks

	upgraded *Upgrade
	watch    atomic.Pointer[func(runIDs []string)]
}

// Watch has f told, after each durable transaction, of the runs it wrote
// (their record, their points, their removal): a cache of runs stays true
// without knowing every path that writes. f runs on the writer's goroutine
// and must be quick.
func (db *DB) Watch(f func(runIDs []string)) { db.watch.Store(&f) }

// Upgraded reports whether Open upgraded the file, and from what.
func (db *DB) Upgraded() *Upgrade { return db.upgraded }

type op struct {
	fn func(*Tx) error
	// alone, when set instead of fn, runs on the writer outside any
	// transaction, after the writes queued before it and before those
	// queued after it (a compaction).
	alone func() error
	done  chan error
}

// Open opens (creating if needed) the store at path. A file from a newer lathe
// gives ErrNewerSchema and a damaged one ErrDamaged; neither is written to.
// When another process holds the file, Open waits up to timeout and then gives
// ErrLocked.
func Open(path string, timeout time.Duration) (db *DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	// bbolt validates the meta pages on open, but a damaged file can still
	// make it panic deeper in; a store must never take the process down.
	defer recoverPanic(&err)
	if err := precheck(path); err != nil {
		return nil, err
	}
	bdb, err := openBolt(path, timeout)
	if err != nil {
		return nil, translateOpenError(path, err)
	}
	// A compaction that a crash cut short leaves its new file beside the
	// store (never in its place: the rename is the last step). Holding the
	// store's lock, nothing else can be writing it.
	os.Remove(compactPath(path))
	up, err := upgrade(bdb, path)
	if err != nil {
		bdb.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// A store that has every bucket is not written at open: a file is
	// written only once it has been read as whole as bbolt can tell.
	if !complete(bdb) {
		if err := bdb.Update(initSchema); err != nil {
			bdb.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	db = &DB{
		path:     path,
		upgraded: up,
		ops:      make(chan *op, 1024),
		stop:     make(chan struct{}),
		stopped:  make(chan struct{}),
		open:     newOpenChunks(),
	}
	db.bolt.Store(bdb)
	go db.writer()
	return db, nil
}

func openBolt(path string, timeout time.Duration) (*bolt.DB, error) {
	return bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      timeout,
		FreelistType: bolt.FreelistMapType,
	})
}

func translateOpenError(path string, err error) error {
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("%w: %s", ErrLocked, path)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrInvalidMapping):
		return fmt.Errorf("%w: %s: %v", ErrDamaged, path, err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("open store %s: %w", path, err)
	}
	return fmt.Errorf("open store %s: %w", path, err)
}

// complete says whether the file has its schema version and every bucket.
func complete(bdb *bolt.DB) bool {
	ok := true
	bdb.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta == nil || len(meta.Get(keySchema)) != 4 {
			ok = false
			return nil
		}
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				ok = false
			}
		}
		return nil
	})
	return ok
}

func initSchema(tx *bolt.Tx) error {
	// upgrade has checked the version of an existing file.
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if tx.Bucket(bucketRuns) != nil {
			return fmt.Errorf("%w: runs without a meta bucket", ErrDamaged)
		}
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return err
		}
		if err := meta.Put(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion)); err != nil {
			return err
		}
		if err := meta.Put(keyCreated, []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
			return err
		}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// Path is the file the store lives in.
func (db *DB) Path() string { return db.path }

// Close waits for pending writes and closes the file.
func (db *DB) Close() error {
	db.closeMu.Lock()
	if db.isClosed {
		db.closeMu.Unlock()
		return nil
	}
	db.isClosed = true
	close(db.stop)
	db.closeMu.Unlock()
	<-db.stopped
	db.retired.Wait()
	return db.bolt.Load().Close()
}

// View runs fn in a read-only transaction. Values read from it must be copied
// before fn returns (the Tx methods do so). A panic in fn is an error:
// ErrDamaged when it says the file is damaged, else a *PanicError
// (ErrInternal).
func (db *DB) View(fn func(*Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverPanic(&err)
	for {
		bdb := db.bolt.Load()
		began := false
		err = bdb.View(func(btx *bolt.Tx) error {
			began = true
			return fn(&Tx{btx: btx, db: db})
		})
		if began || !errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
			return err
		}
		if db.bolt.Load() == bdb {
			return ErrClosed
		}
		// A compaction put a new file in place as this began: read that.
	}
}

// Update runs fn in a write transaction, grouped with whatever other writes
// arrive at the same time, and returns once that transaction is durable.
// fn may run more than once (see doc.go). A panic in fn fails it alone, as
// an error does: ErrDamaged when it says the file is damaged, else a
// *PanicError (ErrInternal).
//
// ctx only bounds the wait for a place in the queue. Once queued, Update
// waits for the outcome whatever ctx does, so an error always means that
// nothing of fn was written: a caller that took a cancelled context for a
// failed write would read its data again and store it twice.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	o := &op{fn: fn, done: make(chan error, 1)}
	if err := db.send(ctx, o); err != nil {
		return err
	}
	return <-o.done
}

// send queues o for the writer; ctx bounds the wait for a place.
func (db *DB) send(ctx context.Context, o *op) error {
	db.closeMu.Lock()
	if db.isClosed {
		db.closeMu.Unlock()
		return ErrClosed
	}
	select {
	case db.ops <- o:
	case <-ctx.Done():
		db.closeMu.Unlock()
		return ctx.Err()
	}
	db.closeMu.Unlock()
	return nil
}

// maxGroup bounds how many functions share one transaction, so one commit
// does not grow without limit under a flood of writes.
const maxGroup = 512

func (db *DB) writer() {
	defer close(db.stopped)
	group := make([]*op, 0, maxGroup)
	for {
		select {
		case o := <-db.ops:
			group = append(group[:0], o)
		case <-db.stop:
			// Drain what was queued before Close.
			for {
				select {
				case o := <-db.ops:
					db.commitAll([]*op{o})
				default:
					return
				}
			}
		}
	more:
		for len(group) < maxGroup {
			select {
			case o := <-db.ops:
				group = append(group, o)
			default:
				break more
			}
		}
		db.commitAll(group)
	}
}

// commitAll commits a group in order. An op that runs alone (a compaction)
// splits it: the writes before it are committed, then it runs, then the
// writes after it are committed.
func (db *DB) commitAll(group []*op) {
	for len(group) > 0 {
		i := slices.IndexFunc(group, func(o *op) bool { return o.alone != nil })
		if i < 0 {
			db.commit(group)
			return
		}
		if i > 0 {
			db.commit(group[:i])
		}
		group[i].done <- group[i].alone()
		group = group[i+1:]
	}
}

// commit runs a group in one transaction. If any function fails, the group
// is rolled back and each function is retried alone, so one bad write does not
// fail its neighbours.
func (db *DB) commit(group []*op) {
	after, err := db.run(group)
	if err == nil {
		db.committed(group, after)
		return
	}
	if len(group) == 1 {
		group[0].done <- err
		return
	}
	for _, o := range group {
		after, err := db.run([]*op{o})
		if err != nil {
			o.done <- err
			continue
		}
		db.committed([]*op{o}, after)
	}
}

// committed runs the OnCommit functions of a durable transaction, then
// releases its callers.
func (db *DB) committed(group []*op, after []func()) {
	for _, f := range after {
		f()
	}
	for _, o := range group {
		o.done <- nil
	}
}

func (db *DB) run(group []*op) (after []func(), err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if err != nil {
			// The in-memory open chunks may hold points of the rolled-back
			// transaction (also when a function panicked): forget them,
			// they are reloaded from the file.
			db.open.reset()
		}
	}()
	defer recoverPanic(&err)
	err = db.bolt.Load().Update(func(btx *bolt.Tx) error {
		tx := &Tx{btx: btx, db: db, writable: true}
		for _, o := range group {
			if err := o.fn(tx); err != nil {
				return err
			}
		}
		if err := tx.flush(); err != nil {
			return err
		}
		after = tx.onCommit
		if w := db.watch.Load(); w != nil && len(tx.touched) > 0 {
			ids := make([]string, 0, len(tx.touched))
			for id := range tx.touched {
				ids = append(ids, id)
			}
			after = append(after, func() { (*w)(ids) })
		}
		return nil
	})
	return after, err
}
