package store

import (
	"fmt"
	"os"
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

// Compact rewrites the store at path into a compact file: everything is
// copied into a new file, the new file is checked (it must hold every point
// the old one did, and pass Check), and only then does it replace the old
// one, by an atomic rename. Until then the old file is untouched; the caller
// must hold no other handle on it (the engine must be stopped). progress is
// called with keys copied and the total.
func Compact(path string, progress func(done, total int)) (CompactResult, error) {
	var res CompactResult
	src, err := Open(path, 200*time.Millisecond) // upgrades an old schema first
	if err != nil {
		return res, err
	}
	var before Stats
	var total int
	src.View(func(tx *Tx) error {
		before = tx.Stats()
		for _, b := range before.Buckets {
			total += b.Keys
		}
		return nil
	})
	res.Before = before.FileBytes
	tmp := path + ".compact"
	os.Remove(tmp)
	if err := copyInto(src.bolt, tmp, total, progress); err != nil {
		src.Close()
		os.Remove(tmp)
		return res, fmt.Errorf("compact: %w", err)
	}
	src.Close()
	dst, err := Open(tmp, time.Second)
	if err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("compact: the new file does not open: %w", err)
	}
	var rep CheckReport
	dst.View(func(tx *Tx) error { rep = tx.Check(nil); return nil })
	dst.Close()
	if len(rep.Problems) > 0 || rep.Points != before.Points {
		os.Remove(tmp)
		return res, fmt.Errorf("compact: the new file does not check out (%d points of %d; %v); the store is unchanged", rep.Points, before.Points, rep.Problems)
	}
	if fi, err := os.Stat(tmp); err == nil && fi.Size() >= res.Before {
		// bbolt grows a file in steps, so a small store can come out
		// larger: then the old one is already as compact as it gets.
		os.Remove(tmp)
		res.After, res.Points = res.Before, rep.Points
		return res, nil
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("compact: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return res, err
	}
	res.After, res.Points = fi.Size(), rep.Points
	return res, nil
}

// copyInto copies every bucket of src into a new file at path, in
// transactions of about compactTxBytes.
func copyInto(src *bolt.DB, path string, total int, progress func(done, total int)) error {
	dst, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return err
	}
	defer dst.Close()
	c := &copier{dst: dst, total: total, progress: progress}
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
	dst      *bolt.DB
	tx       *bolt.Tx
	size     int64
	done     int
	total    int
	progress func(done, total int)
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
			return c.bucket(append(path[:len(path):len(path)], k), src.Bucket(k))
		}
		if c.size+int64(len(k)+len(v)) > compactTxBytes {
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
		if c.progress != nil && c.done%10000 == 0 {
			c.progress(c.done, c.total)
		}
		return dst.Put(k, v)
	})
}
