package cas

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed)})
	r.Read(b)
	return b
}

// partialSum is the digest of a file over the limit, computed apart from
// the package's code.
func partialSum(content []byte, mtime time.Time) string {
	h := sha256.New()
	binary.Write(h, binary.BigEndian, int64(len(content)))
	binary.Write(h, binary.BigEndian, mtime.UnixNano())
	n := min(len(content), 1<<20)
	h.Write(content[:n])
	h.Write(content[len(content)-n:])
	return hex.EncodeToString(h.Sum(nil))
}

func TestDigestFile(t *testing.T) {
	dir := t.TempDir()
	content := randomBytes(3<<20+17, 1)
	p := filepath.Join(dir, "train.csv")
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	os.Chtimes(p, mtime, mtime)
	full := sha256.Sum256(content)
	tests := []struct {
		name    string
		limit   int64
		sha     string
		partial bool
	}{
		{"under the limit", 1 << 30, hex.EncodeToString(full[:]), false},
		{"at the limit", int64(len(content)), hex.EncodeToString(full[:]), false},
		{"no limit", -1, hex.EncodeToString(full[:]), false},
		{"over the limit", int64(len(content)) - 1, partialSum(content, mtime), true},
		{"limit zero", 0, partialSum(content, mtime), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp, err := Digest(context.Background(), p, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			want := Fingerprint{Kind: KindFile, Size: int64(len(content)), Modified: fp.Modified, SHA256: tt.sha, Partial: tt.partial}
			if fp != want || !fp.Modified.Equal(mtime) {
				t.Errorf("Digest = %+v\nwant %+v (modified %v)", fp, want, mtime)
			}
		})
	}
	// A partial digest sees the ends, the size and the time, not the middle.
	partial := func() string {
		fp, err := Digest(context.Background(), p, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return fp.SHA256
	}
	before := partial()
	content[len(content)/2] ^= 1
	os.WriteFile(p, content, 0o644)
	os.Chtimes(p, mtime, mtime)
	if partial() != before {
		t.Error("a change in the middle changed the partial digest")
	}
	content[len(content)-1] ^= 1
	os.WriteFile(p, content, 0o644)
	os.Chtimes(p, mtime, mtime)
	if partial() == before {
		t.Error("a change in the last MiB did not change the partial digest")
	}
	before = partial()
	os.Chtimes(p, mtime, mtime.Add(time.Nanosecond))
	if partial() == before {
		t.Error("a new modification time did not change the partial digest")
	}
}

func TestDigestSmallFileOverLimit(t *testing.T) {
	// Under 2 MiB the two ends overlap: both are hashed all the same.
	p := filepath.Join(t.TempDir(), "s.csv")
	content := []byte("a,b\n1,2\n")
	os.WriteFile(p, content, 0o644)
	info, _ := os.Stat(p)
	fp, err := Digest(context.Background(), p, 4)
	if err != nil || !fp.Partial || fp.SHA256 != partialSum(content, info.ModTime()) {
		t.Errorf("Digest = %+v, %v", fp, err)
	}
}

func TestDigestFolder(t *testing.T) {
	files := map[string]string{
		"train/a.csv":       "x,y\n1,2\n",
		"train/b.csv":       "x,y\n3,4\n",
		"labels.txt":        "cat\ndog\n",
		"train/deep/c.json": `{"k": 1}`,
	}
	order1 := []string{"train/a.csv", "train/b.csv", "labels.txt", "train/deep/c.json"}
	order2 := []string{"train/deep/c.json", "labels.txt", "train/b.csv", "train/a.csv"}
	newest := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	build := func(order []string, mode fs.FileMode) string {
		dir := filepath.Join(t.TempDir(), "data")
		for i, rel := range order {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			write(t, p, files[rel], mode)
			when := newest.Add(-time.Duration(i+1) * time.Hour)
			if rel == "labels.txt" {
				when = newest
			}
			os.Chtimes(p, when, when)
		}
		return dir
	}
	a, err := Digest(context.Background(), build(order1, 0o644), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	// Made in another order, with other modes and times: the same digest.
	b, err := Digest(context.Background(), build(order2, 0o755), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 != b.SHA256 || a.Kind != KindDir || a.Files != 4 || a.Size != 32 || a.Partial {
		t.Errorf("digests %+v and %+v", a, b)
	}
	if !a.Modified.Equal(newest) {
		t.Errorf("modified %v, want the newest file's %v", a.Modified, newest)
	}
	// The same as a folder artifact's manifest, without exec bits.
	man := `{"files":[{"path":"labels.txt","size":8,"sha256":"` + sum(files["labels.txt"]) + `"},` +
		`{"path":"train/a.csv","size":8,"sha256":"` + sum(files["train/a.csv"]) + `"},` +
		`{"path":"train/b.csv","size":8,"sha256":"` + sum(files["train/b.csv"]) + `"},` +
		`{"path":"train/deep/c.json","size":8,"sha256":"` + sum(files["train/deep/c.json"]) + `"}]}`
	if a.SHA256 != sum(man) {
		t.Errorf("digest %s is not that of %s", a.SHA256, man)
	}
	// A change to one file changes the folder's digest.
	dir := build(order1, 0o644)
	os.WriteFile(filepath.Join(dir, "train", "b.csv"), []byte("x,y\n3,5\n"), 0o644)
	if c, _ := Digest(context.Background(), dir, 1<<30); c.SHA256 == a.SHA256 {
		t.Error("a changed file left the digest as it was")
	}
	// Over the limit, a file of the folder is digested partially.
	p, err := Digest(context.Background(), dir, 4)
	if err != nil || !p.Partial || p.SHA256 == a.SHA256 {
		t.Errorf("partial folder %+v, %v", p, err)
	}
}

func TestDigestErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "data", "train.csv")
	_, err := Digest(context.Background(), missing, 1<<30)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) || e.Brief() != "no such file" ||
		err.Error() != `data set "`+missing+`": no such file` {
		t.Errorf("missing: %v", err)
	}
	folder := filepath.Join(dir, "d")
	write(t, filepath.Join(folder, "a.csv"), "a", 0o644)
	os.Symlink("/etc/hostname", filepath.Join(folder, "host"))
	_, err = Digest(context.Background(), folder, 1<<30)
	if !errors.As(err, &e) || !errors.Is(err, ErrEscapes) || !strings.HasPrefix(e.Brief(), `"host": symbolic link leads outside`) {
		t.Errorf("escaping link: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := filepath.Join(dir, "big")
	os.WriteFile(big, randomBytes(2<<20, 2), 0o644)
	if _, err := Digest(ctx, big, 1<<30); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
