package store

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// compactTxBytes bounds what one transaction of a compaction copies, so
// memory stays flat however large the file.
const compactTxBytes = 64 << 20

// CompactResult says what Compact did.
type CompactResult struct {
	Before, After int64 // file sizes
	Points        int64
}

// Compact rewrites the open store into a compact file and puts it in place,
// while the store goes on working: everything is copied into a new file next
// to it, the new file is checked (it must hold every point the old one did,
// and pass Check) and made durable, and only then does it replace the old
// one, by an atomic rename. Until then the old file is untouched; if
// anything fails before, the new one is removed. A new file no smaller than
// the old is dropped, and the old one kept.
//
// It runs on the writer: writes given to Update meanwhile wait for it, then
// are made to the new file. Reads go on, from the old file and then from the
// new. ctx bounds the wait for the writer and can stop the compaction up to
// the rename. progress is called with keys copied and the total.
func (db *DB) Compact(ctx context.Context, progress func(done, total int)) (CompactResult, error) {
	var res CompactResult
	o := &op{done: make(chan error, 1)}
	o.alone = func() error {
		var err error
		res, err = db.compact(ctx, progress)
		return err
	}
	if err := db.send(ctx, o); err != nil {
		return res, err
	}
	err := <-o.done
	return res, err
}

// compact does DB.Compact's work, on the writer goroutine (so nothing is
// written meanwhile).
func (db *DB) compact(ctx context.Context, progress func(done, total int)) (res CompactResult, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverPanic(&err)
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("compact: %w; the store is unchanged", err)
	}
	src := db.bolt.Load()
	// A tree bbolt cannot walk would hold the copy forever: such a store
	// is salvaged, not compacted.
	if bad, err := walkTree(db.path); err != nil || len(bad) > 0 {
		for path, why := range bad {
			err = fmt.Errorf("%w: the page tree of %s: %s", ErrDamaged, cmp.Or(path, "the list of buckets"), why)
			break
		}
		return res, fmt.Errorf("compact: %w; the store is unchanged (stop the engine and run lathe store salvage)", err)
	}
	fi, err := os.Stat(db.path)
	if err != nil {
		return res, fmt.Errorf("compact: %w", err)
	}
	res.Before = fi.Size()
	var points int64
	var total int
	src.View(func(btx *bolt.Tx) error {
		st := (&Tx{btx: btx, db: db}).Stats()
		points = st.Points
		for _, b := range st.Buckets {
			total += b.Keys
		}
		return nil
	})

	tmp := compactPath(db.path)
	os.Remove(tmp)
	var dst *bolt.DB
	swapped := false
	defer func() {
		if !swapped {
			if dst != nil {
				dst.Close()
			}
			os.Remove(tmp)
		}
	}()
	if err := copyInto(ctx, src, tmp, total, progress); err != nil {
		return res, fmt.Errorf("compact: %w; the store is unchanged", err)
	}
	// The new file is opened once, to be checked and then used: this
	// handle holds its lock across the rename, so no other process can
	// take the store in between.
	if dst, err = openBolt(tmp, time.Second); err != nil {
		return res, fmt.Errorf("compact: the new file does not open: %w; the store is unchanged", err)
	}
	var rep CheckReport
	dst.View(func(btx *bolt.Tx) error { rep = (&Tx{btx: btx}).Check(nil); return nil })
	if len(rep.Problems) > 0 || rep.Points != points {
		return res, fmt.Errorf("compact: the new file does not check out (%d points of %d; %v); the store is unchanged", rep.Points, points, rep.Problems)
	}
	res.Points = rep.Points
	if fi, err = os.Stat(tmp); err != nil {
		return res, fmt.Errorf("compact: %w; the store is unchanged", err)
	}
	if fi.Size() >= res.Before {
		// bbolt grows a file in steps, so a small store can come out
		// larger: then the old one is already as compact as it gets.
		res.After = res.Before
		return res, nil
	}
	if err := syncPath(tmp); err != nil {
		return res, fmt.Errorf("compact: %w; the store is unchanged", err)
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("compact: %w; the store is unchanged", err)
	}
	if err := os.Rename(tmp, db.path); err != nil {
		return res, fmt.Errorf("compact: %w; the store is unchanged", err)
	}
	// The new file is the store now: use it. Reads begun on the old one end
	// on it; its handle closes once they have.
	swapped = true
	db.bolt.Store(dst)
	db.open.reset()
	db.retired.Go(func() { src.Close() })
	res.After = fi.Size()
	if err := syncPath(filepath.Dir(db.path)); err != nil {
		return res, fmt.Errorf("compact: the store is compacted, but the rename may not survive a crash: %w", err)
	}
	return res, nil
}

// syncPath makes a file, or a folder's entries, durable.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyInto copies every bucket of src into a new file at path, in
// transactions of about compactTxBytes.
func copyInto(ctx context.Context, src *bolt.DB, path string, total int, progress func(done, total int)) error {
	dst, err := openBolt(path, time.Second)
	if err != nil {
		return err
	}
	defer dst.Close()
	c := &copier{ctx: ctx, dst: dst, total: total, progress: progress}
	if c.tx, err = dst.Begin(true); err != nil {
		return err
	}
	err = src.View(func(stx *bolt.Tx) error {
		return stx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return c.bucket([][]byte{name}, b)
		})
	})
	if err != nil {
		c.tx.Rollback()
		return err
	}
	if progress != nil {
		progress(c.done, total)
	}
	return c.tx.Commit()
}

type copier struct {
	ctx      context.Context
	dst      *bolt.DB
	tx       *bolt.Tx
	size     int64
	done     int
	total    int
	progress func(done, total int)
	// salvage, when set, makes a sub-bucket that cannot be read a loss
	// recorded there, not the end of the copy.
	salvage *SalvageReport
	// bad are the buckets whose page tree is damaged (walkTree).
	bad map[string]string
}

// target opens the bucket at path in the current transaction.
func (c *copier) target(path [][]byte) (*bolt.Bucket, error) {
	b, err := c.tx.CreateBucketIfNotExists(path[0])
	for _, name := range path[1:] {
		if err != nil {
			return nil, err
		}
		b, err = b.CreateBucketIfNotExists(name)
	}
	return b, err
}

func (c *copier) bucket(path [][]byte, src *bolt.Bucket) error {
	dst, err := c.target(path)
	if err != nil {
		return err
	}
	dst.FillPercent = 1.0 // keys arrive in order: pack pages full
	if err := dst.SetSequence(src.Sequence()); err != nil {
		return err
	}
	return src.ForEach(func(k, v []byte) error {
		if v == nil {
			sub := append(path[:len(path):len(path)], k)
			if c.salvage != nil {
				c.salvageBucket(sub, src.Bucket(k))
				return nil
			}
			return c.bucket(sub, src.Bucket(k))
		}
		if c.size+int64(len(k)+len(v)) > compactTxBytes {
			if err := c.ctx.Err(); err != nil {
				return err
			}
			if err := c.tx.Commit(); err != nil {
				return err
			}
			var err error
			if c.tx, err = c.dst.Begin(true); err != nil {
				return err
			}
			if dst, err = c.target(path); err != nil {
				return err
			}
			dst.FillPercent = 1.0
			c.size = 0
		}
		c.size += int64(len(k) + len(v))
		c.done++
		if c.done%10000 == 0 {
			if err := c.ctx.Err(); err != nil {
				return err
			}
			if c.progress != nil {
				c.progress(c.done, c.total)
			}
		}
		return dst.Put(k, v)
	})
}

// compactPath is where a compaction writes the new file before it takes the
// store's place.
func compactPath(path string) string { return path + ".compact" }
