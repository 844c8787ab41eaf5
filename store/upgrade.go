package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Upgrade says that Open brought a store of an older schema up to date.
type Upgrade struct {
	From, To int
	// Backup is the copy of the file as it was before the upgrade.
	Backup string
}

// upgrades[v] brings a store of schema v to v+1, in one transaction.
var upgrades = map[uint32]func(*Tx) error{
	1: upgrade1to2,
	2: upgrade2to3,
}

// upgrade brings the file to SchemaVersion after copying it aside. It does
// nothing to a new file or a current one.
func upgrade(bdb *bolt.DB, path string) (*Upgrade, error) {
	var version uint32
	err := bdb.View(func(btx *bolt.Tx) error {
		if meta := btx.Bucket(bucketMeta); meta != nil {
			raw := meta.Get(keySchema)
			if len(raw) != 4 {
				return fmt.Errorf("%w: meta bucket has no schema version", ErrDamaged)
			}
			version = binary.BigEndian.Uint32(raw)
			if version == 0 {
				return fmt.Errorf("%w: its schema version is 0, which no lathe writes", ErrDamaged)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case version == 0 || version == SchemaVersion: // 0: a new file, no meta yet
		return nil, nil
	case version > SchemaVersion:
		return nil, fmt.Errorf("%w (schema %d, this lathe reads up to %d): upgrade lathe", ErrNewerSchema, version, SchemaVersion)
	}
	backup := fmt.Sprintf("%s.schema%d.bak", path, version)
	if err := copyFile(path, backup); err != nil {
		os.Remove(backup)
		return nil, fmt.Errorf("back up %s before upgrading it: %w", path, err)
	}
	for v := version; v < SchemaVersion; v++ {
		step := upgrades[v]
		err := bdb.Update(func(btx *bolt.Tx) error {
			if err := step(&Tx{btx: btx, writable: true}); err != nil {
				return err
			}
			return btx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint32(nil, v+1))
		})
		if err != nil {
			return nil, fmt.Errorf("upgrade %s from schema %d to %d (the original is in %s): %w", path, v, v+1, backup, err)
		}
	}
	return &Upgrade{From: int(version), To: SchemaVersion, Backup: backup}, nil
}

// upgrade1to2 adds the index of schema 2 that later schemas keep: the
// active runs. (Schema 2 also indexed each metric's last values, in a
// `latest` bucket that schema 3 removes; it is not built only to go.)
func upgrade1to2(tx *Tx) error {
	if _, err := tx.btx.CreateBucketIfNotExists(bucketActive); err != nil {
		return err
	}
	return tx.bucket(bucketRuns).ForEach(func(k, _ []byte) error {
		r, err := tx.Run(string(k))
		if err != nil {
			return err
		}
		return tx.markActive(r)
	})
}

// upgrade2to3 drops schema 2's index of each metric's last values (the
// `latest` bucket): it was written at every point and read by nothing, as
// the engine sorts runs from the summaries it keeps in memory.
func upgrade2to3(tx *Tx) error {
	err := tx.btx.DeleteBucket([]byte("latest"))
	if errors.Is(err, bolterrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// copyFile copies the store byte for byte (nothing writes to it meanwhile:
// this process holds its lock) and makes the copy durable.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
