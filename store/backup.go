package store

import (
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the store to path, as of one read
// transaction, while writes go on: a file that opens as the store did at
// that moment. It is written beside path first and renamed in place, so a
// backup is whole or not there.
func (db *DB) Backup(path string) (size int64, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	err = db.View(func(tx *Tx) error {
		size, err = tx.btx.WriteTo(f)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("back up the store: %w", err)
	}
	if err = f.Sync(); err != nil {
		return 0, err
	}
	if err = f.Close(); err != nil {
		return 0, err
	}
	if err = os.Rename(tmp, path); err != nil {
		return 0, err
	}
	return size, syncPath(filepath.Dir(path))
}
