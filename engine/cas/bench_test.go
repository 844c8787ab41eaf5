package cas

import (
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchSize is the file the benchmarks copy: 1 GiB, like a mid-size model.
const benchSize = 1 << 30

// benchFile writes a 1 GiB file of random bytes (so nothing along the way
// can make less of it) in b's temporary folder. With b.Loop the benchmark
// function runs once, so the file is written once.
func benchFile(b *testing.B) string {
	b.Helper()
	if testing.Short() {
		b.Skip("writes a 1 GiB file")
	}
	p := filepath.Join(b.TempDir(), "model.bin")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.NewChaCha8([32]byte{42})
	if _, err := io.CopyN(f, r, benchSize); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkPut1GiB stores the file in a new store each time: read once,
// hashed and written side by side, synced, linked into place.
func BenchmarkPut1GiB(b *testing.B) {
	src := benchFile(b)
	dir := b.TempDir()
	b.SetBytes(benchSize)
	i := 0
	for b.Loop() {
		root := filepath.Join(dir, strconv.Itoa(i))
		if _, err := New(root).Put(context.Background(), src, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		removeTree(root)
		b.StartTimer()
		i++
	}
}

// BenchmarkCopy1GiB is a plain io.Copy of the file on the same filesystem,
// without a sync: what Put costs at best, if hashing were free.
func BenchmarkCopy1GiB(b *testing.B) {
	src := benchFile(b)
	dst := filepath.Join(b.TempDir(), "copy.bin")
	b.SetBytes(benchSize)
	for b.Loop() {
		in, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		out, err := os.Create(dst)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			b.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.Remove(dst)
		b.StartTimer()
	}
}

// BenchmarkSHA256_1GiB hashes the file: what Put costs at best, if writing
// were free.
func BenchmarkSHA256_1GiB(b *testing.B) {
	src := benchFile(b)
	b.SetBytes(benchSize)
	for b.Loop() {
		in, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, in, make([]byte, chunkSize)); err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
}
