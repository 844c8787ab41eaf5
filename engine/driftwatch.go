package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/store"
)

// batchExts are the names of files a watched folder's batches may have.
var batchExts = map[string]bool{".csv": true, ".jsonl": true, ".ndjson": true, ".json": true, ".parquet": true, ".pq": true}

// watchDrift looks, every [drift] watch_interval, for new batch files in
// the folders models' policies watch ([drift] watch), and ingests each
// once, when its size and time have held still between two looks (a
// writer still copying it is left alone).
func (e *Engine) watchDrift() {
	defer e.wg.Done()
	tick := time.NewTicker(time.Duration(e.opts.Config.Drift.WatchInterval))
	defer tick.Stop()
	seen := map[string]string{} // path → its signature at the last look
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-tick.C:
			e.watchOnce(seen)
		}
	}
}

// watched is a model's folder and the files it has given.
type watched struct {
	model, dir string
	done       map[string]string
}

func (e *Engine) watchOnce(seen map[string]string) {
	var folders []watched
	err := e.db.View(func(tx *store.Tx) error {
		models, err := tx.Models()
		if err != nil {
			return err
		}
		for i := range models {
			pol, err := policyOf(tx, &models[i])
			if err != nil || pol.Drift.Watch == "" {
				continue
			}
			st, err := readDriftState(tx, models[i].Name)
			if err != nil {
				return err
			}
			folders = append(folders, watched{models[i].Name, pol.Drift.Watch, st.Watched})
		}
		return nil
	})
	if err != nil {
		e.log.Warn("drift watch", "err", err)
		return
	}
	for _, w := range folders {
		entries, err := os.ReadDir(w.dir)
		if err != nil {
			e.log.Warn("drift watch: read the folder", "model", w.model, "dir", w.dir, "err", err)
			continue
		}
		for _, ent := range entries {
			name := ent.Name()
			if ent.IsDir() || strings.HasPrefix(name, ".") || !batchExts[strings.ToLower(filepath.Ext(name))] {
				continue
			}
			info, err := ent.Info()
			if err != nil {
				continue
			}
			path := filepath.Join(w.dir, name)
			sig := fmt.Sprintf("%d %d", info.Size(), info.ModTime().UnixNano())
			if done, ok := w.done[name]; ok && strings.HasPrefix(done, sig) {
				continue
			}
			if seen[path] != sig {
				seen[path] = sig // still being written, perhaps: next look
				continue
			}
			_, err = e.ingestBatch(e.ctx, api.DriftIngestRequest{Ref: w.model, Data: path, Time: info.ModTime()}, sig)
			if err != nil {
				// Kept with the file, so a bad batch is tried once, not at
				// every look.
				e.log.Warn("drift watch: ingest", "model", w.model, "file", path, "err", err)
				e.markWatched(w.model, name, sig+" failed: "+err.Error())
			}
		}
	}
}

// markWatched records a watched file as done.
func (e *Engine) markWatched(model, name, sig string) {
	err := e.db.Update(e.ctx, func(tx *store.Tx) error {
		st, err := readDriftState(tx, model)
		if err != nil {
			return err
		}
		if st.Watched == nil {
			st.Watched = map[string]string{}
		}
		st.Watched[name] = sig
		return putDriftState(tx, model, st)
	})
	if err != nil {
		e.log.Warn("drift watch: record a file", "model", model, "file", name, "err", err)
	}
}
