package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SalvageReport says what a salvage copied and what it could not read.
type SalvageReport struct {
	// Path is the new store.
	Path string `json:"path"`
	Keys int    `json:"keys"`
	// Lost names each bucket the copy could not read to its end, with why
	// (its keys before the damage are copied).
	Lost []string `json:"lost"`
	// Problems are what check finds in the new store (a run whose series
	// was lost, an index that names a lost record).
	Problems []string `json:"problems"`
}

// Salvage copies every bucket and key of the store at path that can be
// read into a new store at to, which must not exist, and reports what it
// could not read. The damaged file is opened read-only and never written;
// no engine may hold it. A bucket whose page tree does not walk whole
// (walkTree: a cycle, a page out of the file) is reported lost, not read.
func Salvage(ctx context.Context, path, to string) (rep SalvageReport, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverPanic(&err)
	rep = SalvageReport{Path: to, Lost: []string{}, Problems: []string{}}
	if _, err := os.Stat(to); err == nil {
		return rep, fmt.Errorf("%s exists: name a new file with --to", to)
	}
	if err := precheck(path); err != nil {
		return rep, err
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 300 * time.Millisecond})
	if errors.Is(err, bolt.ErrTimeout) {
		return rep, fmt.Errorf("%w: %s (stop the engine first: lathe engine stop)", ErrLocked, path)
	}
	if err != nil {
		return rep, translateOpenError(path, err)
	}
	defer src.Close()
	dst, err := openBolt(to, time.Second)
	if err != nil {
		return rep, err
	}
	ok := false
	defer func() {
		dst.Close()
		if !ok {
			os.Remove(to)
		}
	}()
	// Buckets whose page tree bbolt cannot walk safely are not read.
	bad, err := walkTree(path)
	if err != nil {
		return rep, err
	}
	c := &copier{ctx: ctx, dst: dst, salvage: &rep, bad: bad}
	if c.tx, err = dst.Begin(true); err != nil {
		return rep, err
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				rep.Lost = append(rep.Lost, fmt.Sprintf("the list of buckets: %v", v))
			}
		}()
		if why := bad[""]; why != "" {
			panic(why) // the tree that lists the buckets cannot be walked
		}
		src.View(func(stx *bolt.Tx) error {
			return stx.ForEach(func(name []byte, b *bolt.Bucket) error {
				c.salvageBucket([][]byte{name}, b)
				return nil
			})
		})
	}()
	if err := c.tx.Commit(); err != nil {
		return rep, err
	}
	rep.Keys = c.done
	// Without its schema version no lathe opens a store: one lost is
	// taken to be this lathe's, and said.
	err = dst.Update(func(btx *bolt.Tx) error {
		meta, err := btx.CreateBucketIfNotExists(bucketMeta)
		if err != nil || len(meta.Get(keySchema)) == 4 {
			return err
		}
		rep.Lost = append(rep.Lost, fmt.Sprintf("the schema version: taken to be %d, this lathe's", SchemaVersion))
		return meta.Put(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion))
	})
	if err != nil {
		return rep, err
	}
	dst.View(func(btx *bolt.Tx) (err error) {
		// What is lost may be whole buckets, which check wants: say so,
		// an engine makes them anew.
		defer func() {
			if err != nil {
				rep.Problems = append(rep.Problems, err.Error())
			}
		}()
		defer recoverPanic(&err)
		rep.Problems = append(rep.Problems, (&Tx{btx: btx}).Check(nil).Problems...)
		return nil
	})
	ok = true
	return rep, nil
}

// salvageBucket copies what can be read of a bucket: a panic while reading
// it (a damaged page) ends its copy, is recorded, and the copy goes on with
// the next bucket.
func (c *copier) salvageBucket(path [][]byte, src *bolt.Bucket) {
	if why := treeDamaged(c.bad, path); why != "" {
		c.salvage.Lost = append(c.salvage.Lost, fmt.Sprintf("%s: not read: %s", bucketPath(path), why))
		return
	}
	defer func() {
		if v := recover(); v != nil {
			c.salvage.Lost = append(c.salvage.Lost, fmt.Sprintf("%s: %v", bucketPath(path), v))
		}
	}()
	if err := c.bucket(path, src); err != nil {
		c.salvage.Lost = append(c.salvage.Lost, fmt.Sprintf("%s: %v", bucketPath(path), err))
	}
}

func bucketPath(path [][]byte) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprintf("%q", p)
	}
	return strings.Join(parts, "/")
}
