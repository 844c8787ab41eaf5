package engine

import (
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"lathe/engine/api"
	"lathe/engine/gpu"
)

// closeCounting is a probe whose Close is counted.
type closeCounting struct {
	gpu.Probe
	closed atomic.Int32
}

func (p *closeCounting) Close() error {
	p.closed.Add(1)
	return p.Probe.Close()
}

// An engine that fails to open half-way leaves nothing behind: no
// goroutine, the probe closed, the store closed (another engine opens it).
func TestOpenFailingHalfWayLeavesNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		// spoil makes Open fail; given says whether Open is given a probe
		// (else it opens the one LATHE_GPUS names).
		spoil func(t *testing.T, home string)
		given bool
	}{
		// After the store, the probe and the catalogue's loader.
		{"pid file", func(t *testing.T, home string) {
			if err := os.MkdirAll(api.Paths{Home: home}.PIDFile(), 0o755); err != nil {
				t.Fatal(err)
			}
		}, true},
		// After the store, at the probe.
		{"probe", func(t *testing.T, home string) { t.Setenv("LATHE_GPUS", "no-such-probe") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			// A first engine leaves a run, so that the loader has one to read.
			e := openEngine(t, home, nil)
			wait(t, e, submit(t, e, api.SubmitRequest{Command: []string{"true"}}).ID)
			e.Close()

			tc.spoil(t, home)
			before := runtime.NumGoroutine()
			probe := &closeCounting{Probe: gpu.NewFake(1)}
			opts := testOptions(t, home, nil)
			if tc.given {
				opts.Probe = probe
			}
			if e, err := Open(opts); err == nil {
				e.Close()
				t.Fatal("Open did not fail")
			}
			if tc.given && probe.closed.Load() != 1 {
				t.Errorf("the probe was closed %d times, want once", probe.closed.Load())
			}
			// Open waited for what it started; a goroutine may still be
			// on its way out after saying it is done.
			for deadline := time.Now().Add(time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
				runtime.Gosched()
			}
			if n := runtime.NumGoroutine(); n > before {
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines before Open, %d after it failed:\n%s", before, n, buf[:runtime.Stack(buf, true)])
			}
			// The store is closed: an engine opens it.
			os.RemoveAll(api.Paths{Home: home}.PIDFile())
			os.Unsetenv("LATHE_GPUS")
			e = openEngine(t, home, nil)
			e.Close()
			if _, err := os.Stat(filepath.Join(home, "engine.pid")); !os.IsNotExist(err) {
				t.Errorf("pid file left: %v", err)
			}
		})
	}
}
