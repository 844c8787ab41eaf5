package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lathe/engine/api"
	"lathe/engine/tfevents"
)

// appendFile adds b to the end of a file, as a writer does.
func appendFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// A job's TensorBoard event files are read while it runs: records split
// across writes wait for their end, a corrupt one is skipped and counted,
// and every point is stored once, across an engine restart too.
func TestTensorBoardEventsWhileRunning(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	cwd := t.TempDir()
	tb := filepath.Join(cwd, "logs")
	os.MkdirAll(filepath.Join(tb, "train"), 0o755)
	r := submit(t, e, api.SubmitRequest{Cwd: cwd, TensorBoard: "logs",
		Command: sh(`while [ ! -e done ]; do sleep 0.05; done`)})
	if r.TensorBoard != tb {
		t.Fatalf("tensorboard = %q, want %q", r.TensorBoard, tb)
	}
	file := filepath.Join(tb, "train", "events.out.tfevents.1.host")
	rec := func(step int64, v float32) []byte { return tfevents.ScalarRecord("loss", step, 1.7e9+float64(step), v) }
	points := func(e *Engine) []api.Point {
		pts, _ := e.Metric(context.Background(), r.ID, "train/loss")
		return pts
	}

	appendFile(t, file, slices.Concat(tfevents.VersionRecord(1.7e9), rec(0, 1)))
	half := rec(1, 0.5)
	appendFile(t, file, half[:7]) // a record being written
	waitFor(t, func() bool { return len(points(e)) == 1 })
	appendFile(t, file, half[7:])
	bad := rec(2, 99)
	bad[len(bad)-6] ^= 0xff
	appendFile(t, file, slices.Concat(bad, rec(3, 0.25)))
	waitFor(t, func() bool { return len(points(e)) == 3 })

	// The engine stops; the job and its writer go on.
	e.Close()
	appendFile(t, file, rec(4, 0.125))
	e = openEngine(t, home, nil)
	defer e.Close()
	waitFor(t, func() bool { return len(points(e)) == 4 })
	os.WriteFile(filepath.Join(cwd, "done"), nil, 0o644)
	got, err := e.Wait(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	pts := points(e)
	var steps []int64
	for _, p := range pts {
		steps = append(steps, p.Step)
	}
	if !slices.Equal(steps, []int64{0, 1, 3, 4}) || pts[3].Value != 0.125 || pts[1].Time != 1.7e9+1 {
		t.Errorf("points = %+v", pts)
	}
	if got.InvalidLines != 1 || !strings.Contains(got.FirstInvalid, "fails its checksum") || !strings.Contains(got.FirstInvalid, "train/events") {
		t.Errorf("invalid = %d %q", got.InvalidLines, got.FirstInvalid)
	}
}

// Event files in the run folder are read without --tensorboard, and a
// record cut short when the job ends is counted once.
func TestEventsInTheRunFolder(t *testing.T) {
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	b := slices.Concat(tfevents.VersionRecord(1.7e9), tfevents.ScalarRecord("acc", 7, 1.7e9, 0.9))
	cut := tfevents.ScalarRecord("acc", 8, 1.7e9, 0.95)
	r := submit(t, e, api.SubmitRequest{Command: []string{"/bin/sh", "-c", `printf "$0" > "$LATHE_RUN_DIR/events.out.tfevents.2.host"`,
		octal(slices.Concat(b, cut[:10]))}})
	got, err := e.Wait(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Metrics["acc"]; m.Count != 1 || m.Last != api.Float(float32(0.9)) || m.LastStep != 7 {
		t.Errorf("acc = %+v", m)
	}
	if got.InvalidLines != 1 || !strings.Contains(got.FirstInvalid, "cut short") {
		t.Errorf("invalid = %d %q", got.InvalidLines, got.FirstInvalid)
	}
}

// octal writes bytes as printf reads them.
func octal(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, "\\%03o", c)
	}
	return s.String()
}
