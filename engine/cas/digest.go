package cas

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"time"
)

// edgeSize is how much of each end of a file over the limit is hashed.
const edgeSize = 1 << 20

// Fingerprint is what Digest found of a data set.
type Fingerprint struct {
	Kind     string // "file" or "dir"
	Size     int64  // bytes of the file, or of every file of the folder
	Files    int    // a folder's file count (0 for a file)
	Modified time.Time
	SHA256   string
	// Partial: SHA256 is of size, mtime, first and last MiB only (file
	// larger than limit).
	Partial bool
}

// Digest fingerprints the file or folder at path without copying it. A file
// of at most limit bytes is digested whole; a larger one by its size,
// modification time (Unix nanoseconds) and first and last MiB, with Partial
// set (limit < 0: always whole). A folder is digested by a manifest of its
// files (each by the same rule; Partial when any is), like a folder
// artifact's but without exec bits; Modified is its newest file's. Errors
// are *Error, naming the data set.
func Digest(ctx context.Context, path string, limit int64) (Fingerprint, error) {
	info, err := os.Stat(path)
	if err != nil {
		return Fingerprint{}, fail("data set", path, "", err)
	}
	switch {
	case info.Mode().IsRegular():
		f, err := digestFile(ctx, path, "", path, limit)
		if err != nil {
			return Fingerprint{}, err
		}
		return Fingerprint{Kind: KindFile, Size: f.size, Modified: f.modified, SHA256: f.sha256, Partial: f.partial}, nil
	case info.IsDir():
	default:
		return Fingerprint{}, failf("data set", path, "", ErrNotRegular, "%s", special(info.Mode()))
	}
	ents, err := walk(ctx, "data set", path)
	if err != nil {
		return Fingerprint{}, err
	}
	fp := Fingerprint{Kind: KindDir, Files: len(ents), Modified: info.ModTime()}
	man := manifest{Files: make([]manifestFile, 0, len(ents))}
	for _, e := range ents {
		f, err := digestFile(ctx, path, e.rel, e.path, limit)
		if err != nil {
			return Fingerprint{}, err
		}
		man.Files = append(man.Files, manifestFile{Path: e.rel, Size: f.size, SHA256: f.sha256, Partial: f.partial})
		fp.Size += f.size
		fp.Partial = fp.Partial || f.partial
		if len(man.Files) == 1 || f.modified.After(fp.Modified) {
			fp.Modified = f.modified
		}
	}
	fp.SHA256 = hexSum(man.encode())
	return fp, nil
}

type fileDigest struct {
	sha256   string
	size     int64
	modified time.Time
	partial  bool
}

// digestFile digests the file at p (rel inside the data set path).
func digestFile(ctx context.Context, path, rel, p string, limit int64) (fileDigest, error) {
	f, err := openRegular("data set", path, rel, p)
	if err != nil {
		return fileDigest{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fileDigest{}, fail("data set", path, rel, err)
	}
	d := fileDigest{size: info.Size(), modified: info.ModTime()}
	h := sha256.New()
	if limit < 0 || info.Size() <= limit {
		n, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, chunkSize))
		if err != nil {
			return fileDigest{}, fail("data set", path, rel, err)
		}
		d.size = n
	} else {
		var head [16]byte
		binary.BigEndian.PutUint64(head[:8], uint64(info.Size()))
		binary.BigEndian.PutUint64(head[8:], uint64(info.ModTime().UnixNano()))
		h.Write(head[:])
		n := min(info.Size(), edgeSize)
		for _, off := range []int64{0, info.Size() - n} {
			if _, err := io.Copy(h, io.NewSectionReader(f, off, n)); err != nil {
				return fileDigest{}, fail("data set", path, rel, err)
			}
		}
		if err := ctx.Err(); err != nil {
			return fileDigest{}, fail("data set", path, rel, err)
		}
		d.partial = true
	}
	d.sha256 = hex.EncodeToString(h.Sum(nil))
	return d, nil
}

// ctxReader stops a long read when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
