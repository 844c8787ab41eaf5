package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// bbolt's meta page, as laid out on disk (little-endian, after a 16-byte page
// header): magic, version, page size, flags, root bucket (16 bytes),
// freelist page, high-water page id, transaction id, checksum of what
// precedes it.
const (
	boltMagic       = 0xED0CDAED
	boltPageHeader  = 16
	metaPageSizeOff = 8
	metaPgidOff     = 40
	metaTxidOff     = 48
	metaChecksumOff = 56
	metaLen         = 64
)

// precheck refuses a file that bbolt would map past its end. bbolt reads
// pages through mmap, and touching a page beyond the end of a truncated file
// is a SIGBUS that no recover() can catch; so the length the file claims is
// checked against its real length before bbolt sees it.
func precheck(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		// bbolt would make it a new store, and what was there is gone
		// unseen: an empty file is no store lathe wrote.
		return fmt.Errorf("%w: %s is empty (0 bytes), not a store lathe wrote; if this data directory is new, remove it", ErrDamaged, path)
	}
	best, ok, err := readMeta(f)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s is not a lathe store (no valid header)", ErrDamaged, path)
	}
	if need := best.hwm * best.pageSize; uint64(fi.Size()) < need {
		return fmt.Errorf("%w: %s is truncated (%d bytes, it should hold at least %d); restore it from a backup", ErrDamaged, path, fi.Size(), need)
	}
	if err := checkFreelist(f, best); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrDamaged, path, err)
	}
	return nil
}
