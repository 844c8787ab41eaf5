package cas

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Kinds of artifact.
const (
	KindFile = "file"
	KindDir  = "dir"
)

// staleAfter is the age at which a temporary file is taken for one a crash
// left behind.
const staleAfter = 24 * time.Hour

// Store is the content-addressed folder <home>/artifacts.
type Store struct {
	root  string
	sweep sync.Once
}

// New returns the store in root (<data dir>/artifacts). Nothing is created
// until the first Put.
func New(root string) *Store { return &Store{root: root} }

// Object is what Put stored.
type Object struct {
	SHA256  string // hex; a file's digest, or for a folder its manifest's
	Size    int64  // bytes of the file, or of all files of the folder
	Kind    string // "file" or "dir"
	Files   int    // a folder's file count (0 for a file)
	Created bool   // this call made the copy (false: it was already there)
}

// Put copies the file or folder src into the store, unless a copy of the
// same content is there already. progress, when not nil, is called now and
// then with the bytes read so far and the bytes to read (known up front),
// at the start and at the end. Errors are *Error, one line each:
// `artifact "x/model.pt": no such file`.
func (s *Store) Put(ctx context.Context, src string, progress func(done, total int64)) (Object, error) {
	s.sweep.Do(s.removeStale)
	info, err := os.Stat(src)
	if err != nil {
		return Object{}, fail("artifact", src, "", err)
	}
	switch {
	case info.Mode().IsRegular():
		return s.putFile(ctx, src, info, &meter{fn: progress, total: info.Size()})
	case info.IsDir():
		return s.putDir(ctx, src, progress)
	}
	return Object{}, failf("artifact", src, "", ErrNotRegular, "%s", special(info.Mode()))
}

func (s *Store) putFile(ctx context.Context, src string, info fs.FileInfo, m *meter) (Object, error) {
	if err := s.prepare(); err != nil {
		return Object{}, fail("artifact", src, "", err)
	}
	m.start()
	t, err := s.writeTemp(ctx, "artifact", src, "", src, m)
	if err != nil {
		return Object{}, err
	}
	defer os.Remove(t.name)
	created, err := s.place(t.name, t.sha256)
	if err != nil {
		return Object{}, s.storeErr(src, "", err)
	}
	m.finish()
	return Object{SHA256: t.sha256, Size: t.size, Kind: KindFile, Created: created}, nil
}

func (s *Store) putDir(ctx context.Context, src string, progress func(done, total int64)) (Object, error) {
	ents, err := walk(ctx, "artifact", src)
	if err != nil {
		return Object{}, err
	}
	if len(ents) == 0 {
		return Object{}, fail("artifact", src, "", ErrEmptyFolder)
	}
	if err := s.prepare(); err != nil {
		return Object{}, fail("artifact", src, "", err)
	}
	m := &meter{fn: progress}
	for _, e := range ents {
		m.total += e.info.Size()
	}
	m.start()
	// Every file is copied before any is put in place: a failure leaves
	// nothing behind.
	temps := make([]temp, 0, len(ents))
	defer func() {
		for _, t := range temps {
			os.Remove(t.name)
		}
	}()
	man := manifest{Files: make([]manifestFile, 0, len(ents))}
	var size int64
	for _, e := range ents {
		t, err := s.writeTemp(ctx, "artifact", src, e.rel, e.path, m)
		if err != nil {
			return Object{}, err
		}
		temps = append(temps, t)
		size += t.size
		man.Files = append(man.Files, manifestFile{Path: e.rel, Size: t.size, SHA256: t.sha256,
			Exec: e.info.Mode()&0o100 != 0})
	}
	for _, t := range temps {
		if _, err := s.place(t.name, t.sha256); err != nil {
			return Object{}, s.storeErr(src, "", err)
		}
	}
	raw := man.encode()
	sum := sha256.Sum256(raw)
	digest := hex.EncodeToString(sum[:])
	mt, err := s.writeBytes(raw)
	if err != nil {
		return Object{}, s.storeErr(src, "", err)
	}
	defer os.Remove(mt)
	if _, err := s.place(mt, digest); err != nil {
		return Object{}, s.storeErr(src, "", err)
	}
	created, err := s.materialise(digest, man)
	if err != nil {
		return Object{}, s.storeErr(src, "", err)
	}
	m.finish()
	return Object{SHA256: digest, Size: size, Kind: KindDir, Files: len(ents), Created: created}, nil
}

// storeErr names a failure of the store (not of the source) for src.
func (s *Store) storeErr(src, rel string, err error) error {
	return failf("artifact", src, rel, err, "writing the copy in %s", s.root)
}

// temp is a finished temporary copy.
type temp struct {
	name   string
	sha256 string
	size   int64
}

// writeTemp copies the file at p (rel inside the artifact src) to a new
// temporary file, synced and read-only, and hashes it on the way. On error
// no temporary file is left.
func (s *Store) writeTemp(ctx context.Context, what, src, rel, p string, m *meter) (temp, error) {
	f, err := openRegular(what, src, rel, p)
	if err != nil {
		return temp{}, err
	}
	defer f.Close()
	out, err := os.CreateTemp(s.tmpDir(), "put-*")
	if err != nil {
		return temp{}, s.storeErr(src, rel, err)
	}
	h := sha256.New()
	n, err := copyHash(ctx, f, &flusher{f: out}, h, m.add)
	if err == nil {
		if err = out.Sync(); err == nil {
			err = out.Chmod(0o444)
		}
		if err != nil {
			err = errWrite{err}
		}
	}
	if cerr := out.Close(); err == nil && cerr != nil {
		err = errWrite{cerr}
	}
	if err != nil {
		os.Remove(out.Name())
		var we errWrite
		if errors.As(err, &we) {
			return temp{}, s.storeErr(src, rel, we.err)
		}
		return temp{}, fail(what, src, rel, err)
	}
	return temp{name: out.Name(), sha256: hex.EncodeToString(h.Sum(nil)), size: n}, nil
}

// openRegular opens a file to read, refusing anything but a regular file
// (without blocking on a named pipe that took its place).
func openRegular(what, src, rel, p string) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fail(what, src, rel, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fail(what, src, rel, err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		if info.IsDir() {
			return nil, fail(what, src, rel, syscall.EISDIR)
		}
		return nil, failf(what, src, rel, ErrNotRegular, "%s", special(info.Mode()))
	}
	return f, nil
}

// writeBytes writes b to a new synced, read-only temporary file.
func (s *Store) writeBytes(b []byte) (string, error) {
	out, err := os.CreateTemp(s.tmpDir(), "put-*")
	if err != nil {
		return "", err
	}
	_, err = out.Write(b)
	if err == nil {
		if err = out.Sync(); err == nil {
			err = out.Chmod(0o444)
		}
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

// place links a finished temporary file to the blob of its digest. A blob
// already there wins. The caller removes the temporary file.
func (s *Store) place(tmp, digest string) (created bool, err error) {
	final := s.blob(digest)
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	// A link, unlike a rename, fails when the name is taken, so two Puts of
	// the same content agree on which made the copy.
	err = os.Link(tmp, final)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, syncDir(dir)
}

// materialise builds the read-only tree of a folder from its blobs, unless
// it is there already.
func (s *Store) materialise(digest string, man manifest) (created bool, err error) {
	final := s.Path(digest, KindDir)
	if _, err := os.Lstat(final); err == nil {
		return false, nil
	}
	tree, err := os.MkdirTemp(s.tmpDir(), "tree-*")
	if err != nil {
		return false, err
	}
	defer func() {
		if tree != "" {
			removeTree(tree)
		}
	}()
	var dirs []string // every folder of the tree, parents first
	made := map[string]bool{}
	for _, f := range man.Files {
		rel := filepath.FromSlash(f.Path)
		for d := filepath.Dir(rel); d != "." && !made[d]; d = filepath.Dir(d) {
			made[d] = true
			dirs = append(dirs, d)
		}
		p := filepath.Join(tree, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return false, err
		}
		if err := os.Link(s.blob(f.SHA256), p); err != nil {
			return false, err
		}
	}
	// Deepest first, so that a folder is still writable while its
	// subfolders are made read-only. The top one stays writable until it
	// is in place: moving a folder to another parent needs that.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chmod(filepath.Join(tree, dirs[i]), 0o555); err != nil {
			return false, err
		}
	}
	if err := os.Rename(tree, final); err != nil {
		if _, serr := os.Lstat(final); serr == nil {
			return false, nil // another Put of the same folder was quicker
		}
		return false, err
	}
	tree = ""
	if err := os.Chmod(final, 0o555); err != nil {
		return true, err
	}
	return true, syncDir(filepath.Dir(final))
}

// Path is where the copy is: the blob for a file, the materialised folder
// for a dir. It is "" for an invalid digest or kind.
func (s *Store) Path(sha256, kind string) string {
	if !validDigest(sha256) {
		return ""
	}
	switch kind {
	case KindFile:
		return s.blob(sha256)
	case KindDir:
		return s.blob(sha256) + ".d"
	}
	return ""
}

// Has reports whether the copy is there (for a dir: its tree and its
// manifest).
func (s *Store) Has(sha256, kind string) bool {
	p := s.Path(sha256, kind)
	if p == "" {
		return false
	}
	info, err := os.Lstat(p)
	if err != nil {
		return false
	}
	if kind == KindFile {
		return info.Mode().IsRegular()
	}
	m, err := os.Lstat(s.blob(sha256))
	return info.IsDir() && err == nil && m.Mode().IsRegular()
}

// Remove removes a copy; one that is not there is not an error. For a dir
// it removes the tree and the manifest, and leaves the blobs of its files
// (they may be file artifacts of their own, and a later Put of the same
// files links to them).
func (s *Store) Remove(sha256, kind string) error {
	p := s.Path(sha256, kind)
	if p == "" {
		return fmt.Errorf("remove %q (%s): %w", sha256, kind, ErrInvalid)
	}
	if kind == KindFile {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fail("artifact", p, "", err)
		}
		return nil
	}
	// Out of sight at once, then removed: a crash in between leaves it in
	// tmp/, where the next sweep finds it.
	if err := os.MkdirAll(s.tmpDir(), 0o755); err != nil {
		return fail("artifact", p, "", err)
	}
	gone := filepath.Join(s.tmpDir(), "rm-"+randomName())
	os.Chmod(p, 0o755) // moving a folder to another parent needs it writable
	switch err := os.Rename(p, gone); {
	case err == nil:
		if err := removeTree(gone); err != nil {
			return fail("artifact", p, "", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		os.Chmod(p, 0o555)
		return fail("artifact", p, "", err)
	}
	if err := os.Remove(s.blob(sha256)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail("artifact", s.blob(sha256), "", err)
	}
	return nil
}

func (s *Store) blob(digest string) string {
	return filepath.Join(s.root, "sha256", digest[:2], digest)
}

func (s *Store) tmpDir() string { return filepath.Join(s.root, "tmp") }

func (s *Store) prepare() error { return os.MkdirAll(s.tmpDir(), 0o755) }

// Clean removes everything in tmp/: what a crash left mid-copy. Only the
// holder of the data directory may call it, when no Put runs (the engine,
// as it opens: a 10 GiB copy cut short is not left for a day).
func (s *Store) Clean() { s.removeOlder(0) }

// removeStale removes what crashes left in tmp/: temporary files a day old,
// and folders that Remove had begun to remove.
func (s *Store) removeStale() { s.removeOlder(staleAfter) }

func (s *Store) removeOlder(age time.Duration) {
	des, err := os.ReadDir(s.tmpDir())
	if err != nil {
		return
	}
	for _, de := range des {
		info, err := de.Info()
		if err != nil {
			continue
		}
		if strings.HasPrefix(de.Name(), "rm-") || time.Since(info.ModTime()) >= age {
			removeTree(filepath.Join(s.tmpDir(), de.Name()))
		}
	}
}

// removeTree removes a file or a folder, read-only subfolders too.
func removeTree(p string) error {
	filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func validDigest(d string) bool {
	if len(d) != sha256.Size*2 {
		return false
	}
	for _, c := range d {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func randomName() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
