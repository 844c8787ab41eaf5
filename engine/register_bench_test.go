package engine

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
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

	// The disk of a shared machine varies from one second to the next:
	// each round times the three side by side, and the medians count.
	const rounds = 3
	var reg, cp, sum []float64
	for b.Loop() {
		for range rounds {
			cp = append(cp, timed(b, func() error { return copySynced(src, filepath.Join(dir, "copy.bin")) }))
			os.Remove(filepath.Join(dir, "copy.bin"))
			sum = append(sum, timed(b, func() error {
				f, err := os.Open(src)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.Copy(sha256.New(), f)
				return err
			}))
			var v api.ModelVersion
			reg = append(reg, timed(b, func() (err error) {
				v, err = e.Register(ctx, api.RegisterRequest{Run: r.ID, Model: "big"}, nil)
				return err
			}))
			// Freed, so the next round copies anew.
			if _, err := e.RemoveVersion(ctx, api.RemoveVersionRequest{Model: "big", Version: v.Version}); err != nil {
				b.Fatal(err)
			}
		}
	}
	median := func(xs []float64) float64 { slices.Sort(xs); return xs[len(xs)/2] }
	mr, mc, ms := median(reg), median(cp), median(sum)
	b.ReportMetric(mr, "s/register")
	b.ReportMetric(mc, "s/copy")
	b.ReportMetric(ms, "s/sha256")
	b.ReportMetric(float64(size)/(1<<20)/mr, "MiB/s-register")
	b.ReportMetric(mr/(mc+ms), "x-copy+sha")
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

// timed is how many seconds f takes.
func timed(b *testing.B, f func() error) float64 {
	start := time.Now()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start).Seconds()
}
