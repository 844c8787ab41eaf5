package cas

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// write makes the file p (and its folders) with content and mode.
func write(t *testing.T, p, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func newStore(t *testing.T) (*Store, string) {
	root := filepath.Join(t.TempDir(), "artifacts")
	// The tree's folders are read-only: let the test's cleanup remove them.
	t.Cleanup(func() { removeTree(root) })
	return New(root), root
}

// contents lists what is under dir (slash-separated, folders with a
// trailing slash), sorted; nothing for a missing dir.
func contents(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	return out
}

// blobs lists the blobs of a store (files directly in sha256/xx/).
func blobs(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, p := range contents(t, filepath.Join(root, "sha256")) {
		if parts := strings.Split(p, "/"); len(parts) == 2 && parts[1] != "" {
			out = append(out, parts[1])
		}
	}
	return out
}

func nlink(t *testing.T, p string) uint64 {
	t.Helper()
	info, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(info.Sys().(*syscall.Stat_t).Nlink)
}

func TestPutFile(t *testing.T) {
	s, root := newStore(t)
	src := filepath.Join(t.TempDir(), "model.pt")
	write(t, src, "weights", 0o644)
	var calls [][2]int64
	obj, err := s.Put(context.Background(), src, func(done, total int64) { calls = append(calls, [2]int64{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	want := Object{SHA256: sum("weights"), Size: 7, Kind: KindFile, Created: true}
	if obj != want {
		t.Errorf("Put = %+v, want %+v", obj, want)
	}
	p := s.Path(obj.SHA256, KindFile)
	if p != filepath.Join(root, "sha256", obj.SHA256[:2], obj.SHA256) {
		t.Errorf("Path = %s", p)
	}
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o444 {
		t.Errorf("blob mode %v, want read-only", info.Mode())
	}
	if b, _ := os.ReadFile(p); string(b) != "weights" {
		t.Errorf("blob holds %q", b)
	}
	if !s.Has(obj.SHA256, KindFile) || s.Has(obj.SHA256, KindDir) {
		t.Error("Has")
	}
	if len(calls) < 2 || calls[0] != [2]int64{0, 7} || calls[len(calls)-1] != [2]int64{7, 7} {
		t.Errorf("progress calls %v", calls)
	}
	// The same content again: no second copy.
	again, err := s.Put(context.Background(), src, nil)
	if err != nil || again.Created || again.SHA256 != obj.SHA256 {
		t.Errorf("second Put = %+v, %v", again, err)
	}
	if got := contents(t, filepath.Join(root, "tmp")); len(got) != 0 {
		t.Errorf("tmp holds %v", got)
	}
	if got := blobs(t, root); len(got) != 1 {
		t.Errorf("blobs %v", got)
	}
}

func TestPutEmptyFile(t *testing.T) {
	s, _ := newStore(t)
	src := filepath.Join(t.TempDir(), "empty")
	write(t, src, "", 0o644)
	obj, err := s.Put(context.Background(), src, nil)
	if err != nil || obj.SHA256 != sum("") || obj.Size != 0 {
		t.Errorf("Put = %+v, %v", obj, err)
	}
}

// makeTree writes a nested folder: two identical files, an executable one.
func makeTree(t *testing.T, dir string) {
	write(t, filepath.Join(dir, "model.pt"), "weights", 0o644)
	write(t, filepath.Join(dir, "a", "b", "copy.pt"), "weights", 0o644)
	write(t, filepath.Join(dir, "a", "vocab.txt"), "hello\nworld\n", 0o600)
	write(t, filepath.Join(dir, "run.sh"), "#!/bin/sh\n", 0o755)
}

func TestPutDir(t *testing.T) {
	s, root := newStore(t)
	src := filepath.Join(t.TempDir(), "model")
	makeTree(t, src)
	obj, err := s.Put(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if obj.Kind != KindDir || obj.Files != 4 || obj.Size != 7+7+12+10 || !obj.Created {
		t.Errorf("Put = %+v", obj)
	}
	// The manifest, stored as its own blob, is the folder's digest.
	raw, err := os.ReadFile(s.Path(obj.SHA256, KindFile))
	if err != nil {
		t.Fatal(err)
	}
	wantManifest := `{"files":[` +
		`{"path":"a/b/copy.pt","size":7,"sha256":"` + sum("weights") + `"},` +
		`{"path":"a/vocab.txt","size":12,"sha256":"` + sum("hello\nworld\n") + `"},` +
		`{"path":"model.pt","size":7,"sha256":"` + sum("weights") + `"},` +
		`{"path":"run.sh","size":10,"sha256":"` + sum("#!/bin/sh\n") + `","exec":true}]}`
	if string(raw) != wantManifest {
		t.Errorf("manifest\n got %s\nwant %s", raw, wantManifest)
	}
	if sum(wantManifest) != obj.SHA256 {
		t.Errorf("digest %s is not the manifest's", obj.SHA256)
	}
	// Identical files are stored once: three file blobs and the manifest.
	if got := blobs(t, root); len(got) != 4 {
		t.Errorf("blobs %v, want 4", got)
	}
	tree := s.Path(obj.SHA256, KindDir)
	if tree != s.Path(obj.SHA256, KindFile)+".d" || !s.Has(obj.SHA256, KindDir) {
		t.Errorf("tree %s", tree)
	}
	wantTree := []string{"a/", "a/b/", "a/b/copy.pt", "a/vocab.txt", "model.pt", "run.sh"}
	if got := contents(t, tree); !slices.Equal(got, wantTree) {
		t.Errorf("tree holds %v, want %v", got, wantTree)
	}
	// The tree's files are links to the blobs: one copy on disk. The
	// weights blob has three names: itself and two in the tree.
	if n := nlink(t, s.Path(sum("weights"), KindFile)); n != 3 {
		t.Errorf("weights blob has %d links, want 3", n)
	}
	if b, _ := os.ReadFile(filepath.Join(tree, "a", "vocab.txt")); string(b) != "hello\nworld\n" {
		t.Errorf("tree file holds %q", b)
	}
	for _, d := range []string{tree, filepath.Join(tree, "a"), filepath.Join(tree, "a", "b")} {
		if info, _ := os.Stat(d); info.Mode().Perm() != 0o555 {
			t.Errorf("%s is %v, want read-only", d, info.Mode())
		}
	}
	// A second folder sharing a file adds only what is new.
	other := filepath.Join(t.TempDir(), "other")
	write(t, filepath.Join(other, "w.pt"), "weights", 0o644)
	write(t, filepath.Join(other, "new.txt"), "new", 0o644)
	if _, err := s.Put(context.Background(), other, nil); err != nil {
		t.Fatal(err)
	}
	if got := blobs(t, root); len(got) != 6 { // + new.txt + the second manifest
		t.Errorf("blobs %v, want 6", got)
	}
	if n := nlink(t, s.Path(sum("weights"), KindFile)); n != 4 {
		t.Errorf("weights blob has %d links, want 4", n)
	}
	again, err := s.Put(context.Background(), src, nil)
	if err != nil || again.Created || again.SHA256 != obj.SHA256 {
		t.Errorf("second Put = %+v, %v", again, err)
	}
	if got := contents(t, filepath.Join(root, "tmp")); len(got) != 0 {
		t.Errorf("tmp holds %v", got)
	}
}

func TestPutDirFollowsLinksInside(t *testing.T) {
	s, _ := newStore(t)
	src := filepath.Join(t.TempDir(), "model")
	write(t, filepath.Join(src, "real", "w.pt"), "weights", 0o644)
	os.Symlink("real/w.pt", filepath.Join(src, "latest.pt"))
	os.Symlink("real", filepath.Join(src, "alias"))
	obj, err := s.Put(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alias/", "alias/w.pt", "latest.pt", "real/", "real/w.pt"}
	if got := contents(t, s.Path(obj.SHA256, KindDir)); !slices.Equal(got, want) {
		t.Errorf("tree %v, want %v", got, want)
	}
	// A link to the folder itself leads nowhere new.
	os.Symlink(".", filepath.Join(src, "real", "self"))
	_, err = s.Put(context.Background(), src, nil)
	if !errors.Is(err, ErrLoop) || !strings.Contains(err.Error(), `/self": symbolic link loops`) {
		t.Errorf("loop: %v", err)
	}
}

func TestPutErrors(t *testing.T) {
	base := t.TempDir()
	fifo := func(p string) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(base, "secret")
	write(t, outside, "secret", 0o644)
	tests := []struct {
		name string
		make func(t *testing.T, dir string) string // returns the path to Put
		is   error
		msg  string // the error is `artifact "<path>`+msg
		root bool   // the case works as root too
	}{
		{name: "missing", root: true, make: func(t *testing.T, dir string) string { return filepath.Join(dir, "model.pt") },
			is: fs.ErrNotExist, msg: `": no such file`},
		{name: "missing in a missing folder", root: true, make: func(t *testing.T, dir string) string { return filepath.Join(dir, "x", "model.pt") },
			is: fs.ErrNotExist, msg: `": no such file`},
		{name: "empty folder", root: true, make: func(t *testing.T, dir string) string {
			os.MkdirAll(filepath.Join(dir, "m", "sub"), 0o755)
			return filepath.Join(dir, "m")
		}, is: ErrEmptyFolder, msg: `": is an empty folder`},
		{name: "named pipe", root: true, make: func(t *testing.T, dir string) string {
			fifo(filepath.Join(dir, "pipe"))
			return filepath.Join(dir, "pipe")
		}, is: ErrNotRegular, msg: `": is not a regular file or folder (a named pipe)`},
		{name: "named pipe in a folder", root: true, make: func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "m", "a.pt"), "a", 0o644)
			fifo(filepath.Join(dir, "m", "sub", "pipe"))
			return filepath.Join(dir, "m")
		}, is: ErrNotRegular, msg: `/sub/pipe": is not a regular file or folder (a named pipe)`},
		{name: "socket in a folder", root: true, make: func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "m", "a.pt"), "a", 0o644)
			fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer syscall.Close(fd)
			if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: filepath.Join(dir, "m", "s.sock")}); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "m")
		}, is: ErrNotRegular, msg: `/s.sock": is not a regular file or folder (a socket)`},
		{name: "link out of the folder", root: true, make: func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "m", "a.pt"), "a", 0o644)
			os.Symlink(outside, filepath.Join(dir, "m", "leak"))
			return filepath.Join(dir, "m")
		}, is: ErrEscapes, msg: `/leak": symbolic link leads outside the folder (to ` + outside + `)`},
		{name: "link up and out", root: true, make: func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "m", "a.pt"), "a", 0o644)
			os.Symlink("../secret", filepath.Join(dir, "m", "up"))
			write(t, filepath.Join(dir, "secret"), "s", 0o644)
			return filepath.Join(dir, "m")
		}, is: ErrEscapes, msg: `/up": symbolic link leads outside the folder`},
		{name: "dangling link", root: true, make: func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "m", "a.pt"), "a", 0o644)
			os.Symlink("gone", filepath.Join(dir, "m", "b.pt"))
			return filepath.Join(dir, "m")
		}, is: fs.ErrNotExist, msg: `/b.pt": no such file`},
		// As root everything is readable: these two prove nothing then.
		{name: "unreadable file", make: func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "model.pt"), "w", 0o000)
			return filepath.Join(dir, "model.pt")
		}, is: fs.ErrPermission, msg: `": permission denied`},
		{name: "unreadable file in a folder", make: func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "m", "a.pt"), "a", 0o644)
			write(t, filepath.Join(dir, "m", "z.pt"), "z", 0o000)
			return filepath.Join(dir, "m")
		}, is: fs.ErrPermission, msg: `/z.pt": permission denied`},
		{name: "unreadable folder in a folder", make: func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "m", "a.pt"), "a", 0o644)
			sub := filepath.Join(dir, "m", "sub")
			write(t, filepath.Join(sub, "b.pt"), "b", 0o644)
			os.Chmod(sub, 0o000)
			t.Cleanup(func() { os.Chmod(sub, 0o755) })
			return filepath.Join(dir, "m")
		}, is: fs.ErrPermission, msg: `/sub": permission denied`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.root && os.Geteuid() == 0 {
				t.Skip("root reads any file; the named pipe and socket cases cover an unreadable file")
			}
			s, root := newStore(t)
			dir := filepath.Join(t.TempDir(), tt.name)
			os.MkdirAll(dir, 0o755)
			src := tt.make(t, dir)
			obj, err := s.Put(context.Background(), src, nil)
			if err == nil {
				t.Fatalf("Put = %+v, want an error", obj)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			want := `artifact "` + src + tt.msg
			if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error\n got %s\nwant %s…", err, want)
			}
			// Nothing is left: no temporary file, no blob, no tree.
			for _, sub := range []string{"tmp", "sha256"} {
				if got := contents(t, filepath.Join(root, sub)); len(got) != 0 {
					t.Errorf("%s holds %v", sub, got)
				}
			}
		})
	}
}

func TestPutCancelled(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0 // report every chunk
	big := strings.Repeat("0123456789abcdef", 8<<20/16)
	file := filepath.Join(t.TempDir(), "big.pt")
	write(t, file, big, 0o644)
	folder := filepath.Join(t.TempDir(), "m")
	write(t, filepath.Join(folder, "a.pt"), "first file, whole", 0o644)
	write(t, filepath.Join(folder, "b.pt"), big, 0o644)
	for _, src := range []string{file, folder} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			s, root := newStore(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var seen int64
			_, err := s.Put(ctx, src, func(done, total int64) {
				seen = done
				if done >= 2<<20 {
					cancel() // half way through
				}
			})
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), ": cancelled") {
				t.Errorf("error %v, want cancelled", err)
			}
			if seen < 2<<20 || seen >= int64(len(big)) {
				t.Errorf("cancelled after %d bytes", seen)
			}
			for _, sub := range []string{"tmp", "sha256"} {
				if got := contents(t, filepath.Join(root, sub)); len(got) != 0 {
					t.Errorf("%s holds %v", sub, got)
				}
			}
		})
	}
}

func TestPutSameContentAtOnce(t *testing.T) {
	s, root := newStore(t)
	file := filepath.Join(t.TempDir(), "w.pt")
	write(t, file, strings.Repeat("w", 3<<20), 0o644)
	folder := filepath.Join(t.TempDir(), "m")
	makeTree(t, folder)
	for _, src := range []string{file, folder} {
		const n = 8
		objs := make([]Object, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { objs[i], errs[i] = s.Put(context.Background(), src, nil) })
		}
		wg.Wait()
		created := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("Put %d: %v", i, errs[i])
			}
			if objs[i].SHA256 != objs[0].SHA256 {
				t.Errorf("digests differ: %s, %s", objs[i].SHA256, objs[0].SHA256)
			}
			if objs[i].Created {
				created++
			}
		}
		if created != 1 {
			t.Errorf("%s: %d Puts say they made the copy, want 1", src, created)
		}
		if err := s.Verify(objs[0].SHA256, objs[0].Kind); err != nil {
			t.Error(err)
		}
	}
	if got := blobs(t, root); len(got) != 5 { // the file, 3 of the folder, its manifest
		t.Errorf("blobs %v", got)
	}
	if got := contents(t, filepath.Join(root, "tmp")); len(got) != 0 {
		t.Errorf("tmp holds %v", got)
	}
}

func TestCopySurvivesItsSource(t *testing.T) {
	s, _ := newStore(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "w.pt")
	write(t, file, "weights", 0o644)
	folder := filepath.Join(dir, "m")
	makeTree(t, folder)
	fo, err := s.Put(context.Background(), file, nil)
	if err != nil {
		t.Fatal(err)
	}
	do, err := s.Put(context.Background(), folder, nil)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(file)
	os.RemoveAll(folder)
	for _, o := range []Object{fo, do} {
		if err := s.Verify(o.SHA256, o.Kind); err != nil {
			t.Errorf("%s: %v", o.Kind, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(s.Path(do.SHA256, KindDir), "run.sh")); string(b) != "#!/bin/sh\n" {
		t.Errorf("tree file holds %q", b)
	}
}

// flip changes one byte of a read-only file in place.
func flip(t *testing.T, p string, at int64) {
	t.Helper()
	os.Chmod(p, 0o644)
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	f.ReadAt(b, at)
	b[0] ^= 0x20
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, 0o444)
}

func TestVerify(t *testing.T) {
	s, _ := newStore(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "w.pt"), "weights", 0o644)
	makeTree(t, filepath.Join(dir, "m"))
	fo, err := s.Put(context.Background(), filepath.Join(dir, "w.pt"), nil)
	if err != nil {
		t.Fatal(err)
	}
	do, err := s.Put(context.Background(), filepath.Join(dir, "m"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Object{fo, do} {
		if err := s.Verify(o.SHA256, o.Kind); err != nil {
			t.Errorf("intact %s: %v", o.Kind, err)
		}
	}
	// A byte flipped in the folder's vocab.txt (a blob of its own, linked
	// into the tree).
	tree := s.Path(do.SHA256, KindDir)
	flip(t, filepath.Join(tree, "a", "vocab.txt"), 3)
	err = s.Verify(do.SHA256, KindDir)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Join(tree, "a", "vocab.txt")+`": damaged copy`) {
		t.Errorf("damaged folder: %v", err)
	}
	if err := s.Verify(fo.SHA256, KindFile); err != nil {
		t.Errorf("the file shares no blob with vocab.txt: %v", err)
	}
	// The weights blob is shared by the file and the folder: both see it.
	flip(t, s.Path(fo.SHA256, KindFile), 0)
	err = s.Verify(fo.SHA256, KindFile)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), s.Path(fo.SHA256, KindFile)+`": damaged copy (sha256 `) {
		t.Errorf("damaged file: %v", err)
	}
	// Both repaired; then a file gone from the tree, and one added to it.
	flip(t, filepath.Join(tree, "a", "vocab.txt"), 3)
	flip(t, s.Path(fo.SHA256, KindFile), 0)
	if err := s.Verify(do.SHA256, KindDir); err != nil {
		t.Errorf("repaired: %v", err)
	}
	os.Chmod(tree, 0o755)
	os.Remove(filepath.Join(tree, "run.sh"))
	if err := s.Verify(do.SHA256, KindDir); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `run.sh": no such file`) {
		t.Errorf("missing file: %v", err)
	}
	write(t, filepath.Join(tree, "run.sh"), "#!/bin/sh\n", 0o444)
	write(t, filepath.Join(tree, "extra"), "x", 0o444)
	if err := s.Verify(do.SHA256, KindDir); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "not in the manifest") {
		t.Errorf("extra file: %v", err)
	}
	if err := s.Verify(sum("nothing"), KindFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("absent copy: %v", err)
	}
	if err := s.Verify("../../etc", KindFile); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad digest: %v", err)
	}
}

func TestRemove(t *testing.T) {
	s, root := newStore(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "w.pt"), "weights", 0o644)
	makeTree(t, filepath.Join(dir, "m"))
	fo, _ := s.Put(context.Background(), filepath.Join(dir, "w.pt"), nil)
	do, err := s.Put(context.Background(), filepath.Join(dir, "m"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(do.SHA256, KindDir); err != nil {
		t.Fatal(err)
	}
	if s.Has(do.SHA256, KindDir) {
		t.Error("folder still there")
	}
	// The blobs of its files stay: the file artifact is one of them.
	if !s.Has(fo.SHA256, KindFile) || s.Verify(fo.SHA256, KindFile) != nil {
		t.Error("the file artifact went with the folder")
	}
	if got := blobs(t, root); len(got) != 3 {
		t.Errorf("blobs %v, want the folder's three files", got)
	}
	if err := s.Remove(fo.SHA256, KindFile); err != nil {
		t.Fatal(err)
	}
	if s.Has(fo.SHA256, KindFile) {
		t.Error("file still there")
	}
	for _, o := range []Object{fo, do} {
		if err := s.Remove(o.SHA256, o.Kind); err != nil {
			t.Errorf("removing it again: %v", err)
		}
	}
	if got := contents(t, filepath.Join(root, "tmp")); len(got) != 0 {
		t.Errorf("tmp holds %v", got)
	}
	if err := s.Remove("zz", KindFile); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad digest: %v", err)
	}
	// Put again after a removal: the copy comes back.
	again, err := s.Put(context.Background(), filepath.Join(dir, "m"), nil)
	if err != nil || !again.Created || s.Verify(again.SHA256, KindDir) != nil {
		t.Errorf("Put after Remove: %+v, %v", again, err)
	}
}

func TestStaleTempsAreSwept(t *testing.T) {
	s, root := newStore(t)
	tmp := filepath.Join(root, "tmp")
	write(t, filepath.Join(tmp, "put-old"), "x", 0o444)
	write(t, filepath.Join(tmp, "tree-old", "a", "b"), "x", 0o444)
	write(t, filepath.Join(tmp, "put-new"), "x", 0o444)
	write(t, filepath.Join(tmp, "rm-new", "f"), "x", 0o444)
	os.Chmod(filepath.Join(tmp, "tree-old", "a"), 0o555)
	old := time.Now().Add(-25 * time.Hour)
	for _, p := range []string{"put-old", "tree-old"} {
		os.Chtimes(filepath.Join(tmp, p), old, old)
	}
	src := filepath.Join(t.TempDir(), "w")
	write(t, src, "w", 0o644)
	if _, err := s.Put(context.Background(), src, nil); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, tmp); !slices.Equal(got, []string{"put-new"}) {
		t.Errorf("tmp holds %v, want only the recent temporary file", got)
	}
}

func TestCopyOut(t *testing.T) {
	s, _ := newStore(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "w.pt"), "weights", 0o600)
	makeTree(t, filepath.Join(dir, "m"))
	fo, _ := s.Put(context.Background(), filepath.Join(dir, "w.pt"), nil)
	do, err := s.Put(context.Background(), filepath.Join(dir, "m"), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	dst := filepath.Join(out, "model.pt")
	if err := CopyOut(s.Path(fo.SHA256, KindFile), dst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "weights" {
		t.Errorf("copy holds %q", b)
	}
	if info, _ := os.Stat(dst); info.Mode().Perm() != 0o644 || nlink(t, dst) != 1 {
		t.Errorf("copy is %v with %d links, want 0644 and a file of its own", info.Mode(), nlink(t, dst))
	}
	ddst := filepath.Join(out, "model")
	if err := CopyOut(s.Path(do.SHA256, KindDir), ddst); err != nil {
		t.Fatal(err)
	}
	modes := map[string]fs.FileMode{}
	filepath.WalkDir(ddst, func(p string, d fs.DirEntry, err error) error {
		info, _ := d.Info()
		rel, _ := filepath.Rel(ddst, p)
		modes[filepath.ToSlash(rel)] = info.Mode()
		return nil
	})
	want := map[string]fs.FileMode{".": fs.ModeDir | 0o755, "a": fs.ModeDir | 0o755, "a/b": fs.ModeDir | 0o755,
		"a/b/copy.pt": 0o644, "a/vocab.txt": 0o644, "model.pt": 0o644, "run.sh": 0o755}
	for k, m := range want {
		if modes[k] != m {
			t.Errorf("%s is %v, want %v", k, modes[k], m)
		}
	}
	if len(modes) != len(want) {
		t.Errorf("copy holds %v", modes)
	}
	if b, _ := os.ReadFile(filepath.Join(ddst, "a", "vocab.txt")); string(b) != "hello\nworld\n" {
		t.Errorf("copy holds %q", b)
	}
	// The copy is the user's: writing to it leaves the store alone.
	os.WriteFile(filepath.Join(ddst, "model.pt"), []byte("changed"), 0o644)
	if err := s.Verify(do.SHA256, KindDir); err != nil {
		t.Error(err)
	}
	// dst must not exist; a failed copy leaves nothing.
	if err := CopyOut(s.Path(fo.SHA256, KindFile), dst); !errors.Is(err, fs.ErrExist) {
		t.Errorf("existing dst: %v", err)
	}
	if err := CopyOut(s.Path(sum("gone"), KindDir), filepath.Join(out, "gone")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing src: %v", err)
	}
	names, _ := os.ReadDir(out)
	if len(names) != 2 {
		t.Errorf("out holds %d entries, want 2", len(names))
	}
}

func TestErrorBrief(t *testing.T) {
	e := &Error{What: "data set", Path: "/d", Rel: "sub/a.csv", Err: fs.ErrPermission}
	if got := e.Brief(); got != `"sub/a.csv": permission denied` {
		t.Errorf("Brief = %s", got)
	}
	if got := e.Error(); got != `data set "/d/sub/a.csv": permission denied` {
		t.Errorf("Error = %s", got)
	}
	e = &Error{What: "artifact", Path: "/m", Err: syscall.ENOSPC, detail: "writing the copy in /a"}
	if got := e.Error(); got != `artifact "/m": no space left on device (writing the copy in /a)` {
		t.Errorf("Error = %s", got)
	}
}

func TestPathRefusesBadDigests(t *testing.T) {
	s, _ := newStore(t)
	for _, d := range []string{"", "../x", strings.Repeat("A", 64), strings.Repeat("a", 63), strings.Repeat("a", 64) + "/"} {
		if p := s.Path(d, KindFile); p != "" {
			t.Errorf("Path(%q) = %s", d, p)
		}
	}
	if p := s.Path(strings.Repeat("a", 64), "tar"); p != "" {
		t.Errorf("Path of an unknown kind = %s", p)
	}
	if !bytes.HasSuffix([]byte(s.Path(strings.Repeat("a", 64), KindDir)), []byte("aa/"+strings.Repeat("a", 64)+".d")) {
		t.Error("dir path")
	}
}

// TestCleanEmptiesTmp: the data directory's holder, opening, removes every
// temporary file, however recent: no Put runs then.
func TestCleanEmptiesTmp(t *testing.T) {
	s, root := newStore(t)
	tmp := filepath.Join(root, "tmp")
	write(t, filepath.Join(tmp, "put-new"), "x", 0o444)
	write(t, filepath.Join(tmp, "tree-new", "a", "b"), "x", 0o444)
	os.Chmod(filepath.Join(tmp, "tree-new", "a"), 0o555)
	s.Clean()
	if got := contents(t, tmp); len(got) != 0 {
		t.Errorf("tmp holds %v after Clean", got)
	}
}
