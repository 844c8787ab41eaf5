package engine

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lathe/engine/api"
)

// BenchmarkRegister1GiB measures registering a version whose artifact is a
// 1 GiB file, and on the same file a plain copy (written and synced, as
// the registry's copy is) and a plain sha256 pass. A registration reads the
// file once, hashing as it copies: its budget is the copy and the hash
// together, x-copy+sha ≤ 1.
func BenchmarkRegister1GiB(b *testing.B) {
	if testing.Short() {
		b.Skip("writes 1 GiB")
	}
	const size = 1 << 30
	dir := b.TempDir()
	src := filepath.Join(dir, "model.bin")
	writeRandom(b, src, size)

	e, err := Open(testOptions(b, filepath.Join(dir, "home"), nil))
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := b.Context()
	r, err := e.Submit(ctx, api.SubmitRequest{Command: sh(fmt.Sprintf(`echo '{"artifact": {"name": "model", "path": %q}}' >> "$LATHE_METRICS_FILE"`, src)),
		Cwd: dir, Env: os.Environ()})
	if err != nil {
		b.Fatal(err)
	}
	if r, err = e.Wait(ctx, r.ID); err != nil || r.Status != api.Succeeded {
		b.Fatalf("job: %v %v", r.Status, err)
	}

	var reg, cp, sum time.Duration
	for b.Loop() {
		start := time.Now()
		v, err := e.Register(ctx, api.RegisterRequest{Run: r.ID, Model: "big"}, nil)
		if err != nil {
			b.Fatal(err)
		}
		reg += time.Since(start)
		b.StopTimer()
		if _, err := e.RemoveVersion(ctx, api.RemoveVersionRequest{Model: "big", Version: v.Version}); err != nil {
			b.Fatal(err)
		}
		cp += timed(b, func() error { return copySynced(src, filepath.Join(dir, "copy.bin")) })
		os.Remove(filepath.Join(dir, "copy.bin"))
		sum += timed(b, func() error {
			f, err := os.Open(src)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(sha256.New(), f)
			return err
		})
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(reg.Seconds()/n, "s/register")
	b.ReportMetric(cp.Seconds()/n, "s/copy")
	b.ReportMetric(sum.Seconds()/n, "s/sha256")
	b.ReportMetric(float64(size)/(1<<20)/(reg.Seconds()/n), "MiB/s-register")
	b.ReportMetric(reg.Seconds()/(cp+sum).Seconds(), "x-copy+sha")
}

// writeRandom writes size bytes that do not compress to path, synced.
func writeRandom(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(f, rng, size); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
}

// copySynced copies src to dst and syncs dst.
func copySynced(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
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

func timed(b *testing.B, f func() error) time.Duration {
	start := time.Now()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
