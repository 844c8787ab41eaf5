package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lathe/engine/api"
)

// BackupStore writes a consistent copy of the store while jobs go on: to
// path, or into the data directory's backups/ (the engine's rotating
// backups, of which [store] backup_keep are kept).
func (e *Engine) BackupStore(ctx context.Context, path string) (api.BackupResult, error) {
	now := time.Now().UTC()
	rotating := path == ""
	if rotating {
		path = filepath.Join(e.opts.Paths.Backups(), "lathe-"+now.Format("20060102-150405.000")+".db")
	} else if !filepath.IsAbs(path) {
		return api.BackupResult{}, api.Errorf(api.ErrInvalid, "backup path %q: give an absolute path", path)
	}
	size, err := e.db.Backup(path)
	if err != nil {
		return api.BackupResult{}, e.translate(err)
	}
	e.log.Info("store backed up", "path", path, "bytes", size)
	if rotating {
		e.pruneBackups()
	}
	return api.BackupResult{Path: path, Bytes: size, Taken: now}, nil
}

// backups are the engine's rotating backups, oldest first (their names
// sort by time).
func (e *Engine) backups() []string {
	paths, _ := filepath.Glob(filepath.Join(e.opts.Paths.Backups(), "lathe-*.db"))
	slices.Sort(paths)
	return paths
}

// pruneBackups keeps the newest [store] backup_keep backups.
func (e *Engine) pruneBackups() {
	keep := e.opts.Config.Store.BackupKeep
	all := e.backups()
	for len(all) > max(keep, 1) {
		if err := os.Remove(all[0]); err != nil {
			e.log.Warn("an old backup stays", "path", all[0], "err", err)
		}
		all = all[1:]
	}
}

// backUp takes the rotating backups: one when the newest is older than
// [store] backup_every, checked every ten minutes (the first time ten
// minutes after the engine starts: a command that starts one for a moment
// does not copy the store).
func (e *Engine) backUp() {
	defer e.wg.Done()
	every := time.Duration(e.opts.Config.Store.BackupEvery)
	if every <= 0 {
		return
	}
	tick := time.NewTicker(min(every, 10*time.Minute))
	defer tick.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-tick.C:
		}
		all := e.backups()
		due := len(all) == 0
		if !due {
			name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(all[len(all)-1]), "lathe-"), ".db")
			last, err := time.Parse("20060102-150405.000", name)
			due = err != nil || time.Since(last) >= every
		}
		if due {
			if _, err := e.BackupStore(e.ctx, ""); err != nil {
				e.log.Error("rotating backup", "err", err)
			}
		}
	}
}
