package cas

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Verify re-reads a copy and checks its digest: a file's bytes, or a
// folder's manifest and every file of its tree. A damaged copy is an
// *Error wrapping ErrDamaged (or fs.ErrNotExist for a missing file) that
// names the file.
func (s *Store) Verify(sha256, kind string) error {
	p := s.Path(sha256, kind)
	if p == "" {
		return fmt.Errorf("verify %q (%s): %w", sha256, kind, ErrInvalid)
	}
	if kind == KindFile {
		return checkFile(p, "", p, sha256)
	}
	blob := s.blob(sha256)
	raw, err := os.ReadFile(blob)
	if err != nil {
		return fail("artifact", blob, "", err)
	}
	if got := hexSum(raw); got != sha256 {
		return failf("artifact", blob, "", ErrDamaged, "the manifest's sha256 is %s", got)
	}
	man, err := decodeManifest(raw)
	if err != nil {
		return failf("artifact", blob, "", ErrDamaged, "%v", err)
	}
	listed := make(map[string]bool, len(man.Files))
	for _, f := range man.Files {
		listed[f.Path] = true
		if err := checkFile(p, f.Path, filepath.Join(p, filepath.FromSlash(f.Path)), f.SHA256); err != nil {
			return err
		}
	}
	ents, err := walk(context.Background(), "artifact", p)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !listed[e.rel] {
			return failf("artifact", p, e.rel, ErrDamaged, "not in the manifest")
		}
	}
	return nil
}

// checkFile hashes the file at p (rel inside the copy at root) and compares.
func checkFile(root, rel, p, want string) error {
	f, err := os.Open(p)
	if err != nil {
		return fail("artifact", root, rel, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fail("artifact", root, rel, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return failf("artifact", root, rel, ErrDamaged, "sha256 %s, stored as %s", got[:12], want[:12])
	}
	return nil
}

func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CopyOut copies a stored file or folder to dst, which must not exist:
// files 0644 (0755 when the folder's manifest has their exec bit), folders
// 0755. The copy is built next to dst and renamed into place, so dst is
// whole or absent.
func CopyOut(src, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("copy to %q: %w", dst, fs.ErrExist)
	}
	info, err := os.Stat(src)
	if err != nil {
		return fail("artifact", src, "", err)
	}
	parent := filepath.Dir(dst)
	if info.Mode().IsRegular() {
		tmp, err := os.CreateTemp(parent, "."+filepath.Base(dst)+".lathe-*")
		if err != nil {
			return fmt.Errorf("copy to %q: %s", dst, reason(err))
		}
		tmp.Close()
		defer os.Remove(tmp.Name())
		if err := copyFile(src, "", src, tmp.Name(), 0o644); err != nil {
			return err
		}
		// A link fails, as a rename would not, if dst appeared meanwhile.
		if err := os.Link(tmp.Name(), dst); err != nil {
			return fmt.Errorf("copy to %q: %s", dst, reason(err))
		}
		return nil
	}
	if !info.IsDir() {
		return failf("artifact", src, "", ErrNotRegular, "%s", special(info.Mode()))
	}
	ents, err := walk(context.Background(), "artifact", src)
	if err != nil {
		return err
	}
	exec := execBits(src)
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+".lathe-*")
	if err != nil {
		return fmt.Errorf("copy to %q: %s", dst, reason(err))
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	for _, e := range ents {
		mode := fs.FileMode(0o644)
		if exec[e.rel] || e.info.Mode()&0o100 != 0 {
			mode = 0o755
		}
		out := filepath.Join(tmp, filepath.FromSlash(e.rel))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return fmt.Errorf("copy to %q: %s", dst, reason(err))
		}
		if err := copyFile(src, e.rel, e.path, out, mode); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("copy to %q: %s", dst, reason(err))
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("copy to %q: %s", dst, reason(err))
	}
	done = true
	return nil
}

// copyFile copies the file at p (rel inside src) to out with mode.
func copyFile(src, rel, p, out string, mode fs.FileMode) error {
	in, err := os.Open(p)
	if err != nil {
		return fail("artifact", src, rel, err)
	}
	defer in.Close()
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("copy to %q: %s", out, reason(err))
	}
	_, err = io.Copy(f, in)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(out, mode) // whatever the umask
	}
	if err != nil {
		return fmt.Errorf("copy %q to %q: %s", filepath.Join(src, rel), out, reason(err))
	}
	return nil
}

// execBits reads the exec bits of a stored folder from its manifest (the
// blob next to the tree: <digest> beside <digest>.d); nil for any other
// folder.
func execBits(tree string) map[string]bool {
	base := filepath.Base(tree)
	digest, ok := strings.CutSuffix(base, ".d")
	if !ok || !validDigest(digest) {
		return nil
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(tree), digest))
	if err != nil || hexSum(raw) != digest {
		return nil
	}
	man, err := decodeManifest(raw)
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, f := range man.Files {
		if f.Exec {
			out[f.Path] = true
		}
	}
	return out
}
