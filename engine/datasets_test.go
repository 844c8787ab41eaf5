package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lathe/engine/api"
	"lathe/engine/config"
	"lathe/store"
)

// digested waits for a run event in which run id names n data sets, each
// digested or failed, and returns that run.
func digested(t *testing.T, ch <-chan api.Event, id string, n int) api.Run {
	t.Helper()
	for ev := range ch {
		switch ev.Type {
		case api.EventError:
			t.Fatalf("stream broke: %s", ev.Error)
		case api.EventRun:
			if ev.Run.ID != id || len(ev.Run.Datasets) != n {
				continue
			}
			done := true
			for _, d := range ev.Run.Datasets {
				done = done && (d.SHA256 != "" || d.Error != "")
			}
			if done {
				return *ev.Run
			}
		}
	}
	t.Fatal("the event stream ended before the data sets were digested")
	return api.Run{}
}

func fileSum(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// The job writes its data and names it; the run records the data set at
// once and its digest after, published as a change of the run.
func TestDatasetsAreDigested(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		ctx, cancel := context.WithCancel(ctxT(t))
		defer cancel()
		events, err := svc.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cwd := t.TempDir()
		script := `
mkdir -p data/images
i=0; while [ $i -lt 2000 ]; do echo "$i,$((i*i)),label$((i%10))"; i=$((i+1)); done > data/train.csv
echo a > data/images/a.png; echo b > data/images/b.png
m=$LATHE_METRICS_FILE
echo '{"dataset": {"name": "digits-train", "path": "old.csv"}}' >> $m
echo '{"dataset": {"name": "digits-train", "path": "data/train.csv", "role": "train"}}' >> $m
echo '{"dataset": {"name": "images", "path": "'$PWD'/data/images"}}' >> $m
echo '{"dataset": {"name": "gone", "path": "no/such.csv", "role": "test"}}' >> $m
echo '{"step": 1, "metrics": {"loss": 1}}' >> $m
`
		r := submit(t, svc, api.SubmitRequest{Command: sh(script), Cwd: cwd})
		got := digested(t, events, r.ID, 3)
		if end := wait(t, svc, r.ID); end.Status != api.Succeeded {
			t.Fatalf("run %s: %s", end.Status, end.Reason)
		}
		train := filepath.Join(cwd, "data", "train.csv")
		info, err := os.Stat(train)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Datasets) != 3 {
			t.Fatalf("datasets %+v", got.Datasets)
		}
		d := got.Datasets[0]
		want := api.Dataset{Name: "digits-train", Path: "data/train.csv", Abs: train, Role: "train", Kind: "file",
			Size: info.Size(), Modified: d.Modified, SHA256: fileSum(t, train)}
		if d != want || !d.Modified.Equal(info.ModTime()) {
			t.Errorf("train data set\n got %+v\nwant %+v (modified %v)", d, want, info.ModTime())
		}
		if img := got.Datasets[1]; img.Kind != "dir" || img.Files != 2 || img.Size != 4 || len(img.SHA256) != 64 || img.Partial {
			t.Errorf("image folder %+v", img)
		}
		// A path that is not there fails the data set, not the run.
		gone := got.Datasets[2]
		if gone.Error != "no such file" || gone.SHA256 != "" || gone.Abs != filepath.Join(cwd, "no", "such.csv") || gone.Role != "test" {
			t.Errorf("missing data set %+v", gone)
		}
		// What a client reads later is what was published.
		later, err := svc.Run(ctxT(t), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(later.Datasets) != 3 || later.Datasets[0] != d || later.Datasets[2].Error != "no such file" {
			t.Errorf("run reads %+v", later.Datasets)
		}
	})
}

// Over the configured limit a file is fingerprinted by its size, time and
// ends.
func TestDatasetDigestLimit(t *testing.T) {
	tune := func(c *config.Config) { c.Jobs.DatasetDigestLimit = 1000 }
	implsOver(t, localOnly, tune, func(t *testing.T, svc api.Service, e *Engine) {
		ctx, cancel := context.WithCancel(ctxT(t))
		defer cancel()
		events, err := svc.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cwd := t.TempDir()
		script := `
head -c 3000000 /dev/urandom > big.bin
printf 'small' > small.txt
echo '{"dataset": {"name": "big", "path": "big.bin"}}' >> $LATHE_METRICS_FILE
echo '{"dataset": {"name": "small", "path": "small.txt"}}' >> $LATHE_METRICS_FILE
`
		r := submit(t, svc, api.SubmitRequest{Command: sh(script), Cwd: cwd})
		got := digested(t, events, r.ID, 2)
		big := filepath.Join(cwd, "big.bin")
		content, err := os.ReadFile(big)
		if err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat(big)
		h := sha256.New()
		binary.Write(h, binary.BigEndian, info.Size())
		binary.Write(h, binary.BigEndian, info.ModTime().UnixNano())
		h.Write(content[:1<<20])
		h.Write(content[len(content)-1<<20:])
		if d := got.Datasets[0]; !d.Partial || d.SHA256 != hex.EncodeToString(h.Sum(nil)) || d.Size != 3000000 {
			t.Errorf("big data set %+v", d)
		}
		if d := got.Datasets[1]; d.Partial || d.SHA256 != fileSum(t, filepath.Join(cwd, "small.txt")) {
			t.Errorf("small data set %+v", d)
		}
	})
}

// A data set named again as it was keeps its entry and digest; the batch
// that names it is not changed by being applied (the store may apply it
// twice).
func TestMergeDatasets(t *testing.T) {
	digestedTrain := store.Dataset{Name: "train", Path: "a.csv", Abs: "/w/a.csv", SHA256: strings.Repeat("a", 64), Size: 3}
	batch := []store.Dataset{
		{Name: "train", Path: "a.csv"},
		{Name: "val", Path: "/d/../v.csv", Role: "validation"},
	}
	got := mergeDatasets([]store.Dataset{digestedTrain}, batch, "/w")
	if len(got) != 2 || got[0] != digestedTrain || got[1].Abs != "/v.csv" || got[1].Role != "validation" {
		t.Errorf("merged %+v", got)
	}
	if batch[1].Abs != "" {
		t.Error("the batch was changed")
	}
	got = mergeDatasets(got, []store.Dataset{{Name: "train", Path: "b/c.csv", Role: "train"}}, "/w")
	if got[0] != (store.Dataset{Name: "train", Path: "b/c.csv", Abs: "/w/b/c.csv", Role: "train"}) {
		t.Errorf("renamed %+v", got[0])
	}
}

// An engine that stops before it digested a run's data set leaves it
// undone; the next one digests it when asked (a registration asks).
func TestDatasetDigestResumed(t *testing.T) {
	home := t.TempDir()
	e := openEngine(t, home, nil)
	data := filepath.Join(t.TempDir(), "d.csv")
	os.WriteFile(data, []byte("x\n1\n"), 0o644)
	r := submit(t, e, api.SubmitRequest{Command: sh("true")})
	wait(t, e, r.ID)
	// As if the line had been read just before the engine stopped.
	_, err := e.updateRun(context.Background(), r.ID, func(tx *store.Tx, sr *store.Run) error {
		sr.Datasets = mergeDatasets(sr.Datasets, []store.Dataset{{Name: "d", Path: data}}, sr.Cwd)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e = openEngine(t, home, nil)
	defer e.Close()
	if err := e.awaitDatasets(ctxT(t), r.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.Run(ctxT(t), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Datasets) != 1 || got.Datasets[0].SHA256 != fileSum(t, data) {
		t.Errorf("datasets %+v", got.Datasets)
	}
}
