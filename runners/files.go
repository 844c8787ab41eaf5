package runners

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to dir/name so that readers, and the file
// system after a crash, see the old state (usually: no file) or the whole
// new file, never a truncated one: a temporary file, fsync, rename, fsync
// of the folder. The file is its owner's alone (0600), like the rest of a
// run folder: a job's output and spec may hold secrets.
func WriteFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	// The rename is durable only once the folder's entry is on disk.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
