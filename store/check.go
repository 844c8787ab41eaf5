package store

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"lathe/store/series"
)

// CheckReport is what Check found.
type CheckReport struct {
	Runs     int      `json:"runs"`
	Series   int      `json:"series"`
	Chunks   int      `json:"chunks"`
	Points   int64    `json:"points"`
	Versions int      `json:"versions"`
	Problems []string `json:"problems"`

	// AuditEntries is how many entries the audit log holds.
	AuditEntries int `json:"audit_entries"`
}

// maxProblems bounds the report of a badly damaged file.
const maxProblems = 100

func (r *CheckReport) problem(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// Check verifies the file: bbolt's own consistency check, then lathe's:
// every run record reads and is in the indexes it belongs to, every chunk
// decodes and agrees with its header, every summary equals what its chunks
// say, no chunk belongs to nothing, and the audit log's chain is whole
// (AuditVerify). progress, when set, is called with runs checked and the
// total.
func (tx *Tx) Check(progress func(done, total int)) CheckReport {
	var rep CheckReport
	// The page tree first, read without bbolt: a tree it cannot walk
	// (a cycle) would hold the check forever, so its damage is the report.
	file := tx.btx.DB().Path()
	if tx.db != nil {
		file = tx.db.path // a compacted store's file was renamed into place
	}
	if bad, err := walkTree(file); err != nil || len(bad) > 0 {
		if err != nil {
			rep.problem("%v", err)
		}
		for path, why := range bad {
			rep.problem("the page tree of %s: %s", cmp.Or(path, "the list of buckets"), why)
		}
		return rep
	}
	for err := range tx.btx.Check() {
		rep.problem("bbolt: %v", err)
	}
	total := tx.bucket(bucketRuns).Stats().KeyN
	known := map[string]bool{} // series key prefixes (run id + metric id)
	tx.bucket(bucketRuns).ForEach(func(k, _ []byte) error {
		rep.Runs++
		if progress != nil && rep.Runs%1000 == 0 {
			progress(rep.Runs, total)
		}
		tx.checkRun(&rep, string(k), known)
		return nil
	})
	if progress != nil {
		progress(rep.Runs, total)
	}
	c := tx.bucket(bucketSeries).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) != IDLen+8 || !known[string(k[:IDLen+4])] {
			rep.problem("chunk %x belongs to no series", k)
		}
	}
	tx.bucket(bucketRunsByTime).ForEach(func(k, _ []byte) error {
		if len(k) != 8+IDLen || tx.bucket(bucketRuns).Get(k[8:]) == nil {
			rep.problem("runs_by_time entry %x names no run", k)
		}
		return nil
	})
	if b := tx.btx.Bucket(bucketDeleted); b != nil {
		b.ForEach(func(k, _ []byte) error {
			if len(k) != 8+IDLen {
				rep.problem("deleted entry %x is not a time and a run id", k)
				return nil
			}
			if r, err := tx.Run(string(k[8:])); err != nil || r.Deleted == nil || r.Deleted.UnixNano() != int64(binary.BigEndian.Uint64(k)) {
				rep.problem("deleted entry %x names no removed run", k)
			}
			return nil
		})
	}
	tx.checkRunKeys(&rep)
	tx.checkRegistry(&rep)
	tx.checkDrift(&rep)
	tx.checkProcHistory(&rep)
	audit := tx.AuditVerify()
	rep.AuditEntries = audit.Entries
	if !audit.OK {
		rep.problem("audit log: %s", audit.Problem)
	}
	return rep
}

// checkRunKeys verifies that each key names a run recorded under it.
func (tx *Tx) checkRunKeys(rep *CheckReport) {
	b := tx.btx.Bucket(bucketRunKeys)
	if b == nil {
		return
	}
	b.ForEach(func(k, v []byte) error {
		if r, err := tx.Run(string(v)); err != nil || r.Key != string(k) {
			rep.problem("run key %q names run %s, which is not recorded under it", k, v)
		}
		return nil
	})
}

// checkRegistry verifies that every model's record reads, its versions are
// numbered within what it gave and counted right, its aliases point at
// versions that remain, and no version belongs to no model.
func (tx *Tx) checkRegistry(rep *CheckReport) {
	models, err := tx.Models()
	if err != nil {
		rep.problem("models: %v", err)
		return
	}
	counted, unread := 0, false
	for _, m := range models {
		versions, err := tx.Versions(m.Name, 0)
		if err != nil {
			rep.problem("model %s: %v", m.Name, err)
			unread = true // its versions cannot be counted
			continue
		}
		counted += len(versions)
		rep.Versions += len(versions)
		have := map[int]bool{}
		for _, v := range versions {
			have[v.Version] = true
			if v.Version > m.LastVersion {
				rep.problem("model %s: version %d is past the last number given (%d)", m.Name, v.Version, m.LastVersion)
			}
		}
		if m.Count != len(versions) {
			rep.problem("model %s counts %d versions but has %d", m.Name, m.Count, len(versions))
		}
		for a, n := range m.Aliases {
			if !have[n] {
				rep.problem("model %s: alias %s points at version %d, which is gone", m.Name, a, n)
			}
		}
	}
	if b := tx.btx.Bucket(bucketVersions); b != nil && !unread && b.Stats().KeyN != counted {
		rep.problem("%d versions belong to no model", b.Stats().KeyN-counted)
	}
}

func (tx *Tx) checkRun(rep *CheckReport, id string, known map[string]bool) {
	r, err := tx.Run(id)
	if err != nil {
		rep.problem("run %s: %v", id, err)
		return
	}
	if tx.bucket(bucketRunsByTime).Get(timeKey(r.Created, r.ID)) == nil {
		rep.problem("run %s is missing from runs_by_time", id)
	}
	if tx.bucket(bucketRunNames).Get(nameKey(r.Name, r.ID)) == nil {
		rep.problem("run %s is missing from run_names", id)
	}
	if active := tx.bucket(bucketActive).Get([]byte(id)) != nil; active == r.Status.Ended() {
		rep.problem("run %s (%s): the active index says %v", id, r.Status, active)
	}
	if r.Deleted != nil {
		if b := tx.btx.Bucket(bucketDeleted); b == nil || b.Get(timeKey(*r.Deleted, r.ID)) == nil {
			rep.problem("run %s was removed but is missing from deleted", id)
		}
	}
	sums, err := tx.Summaries(id)
	if err != nil {
		rep.problem("run %s summaries: %v", id, err)
		return
	}
	for name, sum := range sums {
		rep.Series++
		known[string(seriesKey(id, sum.ID, 0)[:IDLen+4])] = true
		tx.checkSeries(rep, id, name, sum)
	}
}

func (tx *Tx) checkSeries(rep *CheckReport, id, name string, sum Summary) {
	b := tx.bucket(bucketSeries)
	var got Summary
	var buf []series.Point
	for i := uint32(0); i < sum.Chunks; i++ {
		raw := b.Get(seriesKey(id, sum.ID, i))
		if raw == nil {
			rep.problem("run %s metric %q: chunk %d is missing", id, name, i)
			return
		}
		rep.Chunks++
		var err error
		// Decode checks the points against the chunk's header.
		if buf, err = series.DecodeAppend(buf[:0], raw); err != nil {
			rep.problem("run %s metric %q chunk %d: %v", id, name, i, err)
			return
		}
		for _, p := range buf {
			got.add(p)
		}
	}
	rep.Points += got.Count
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
	}
	if got.Count != sum.Count || got.LastStep != sum.LastStep || !same(float64(got.Last), float64(sum.Last)) ||
		!same(float64(got.Min), float64(sum.Min)) || !same(float64(got.Max), float64(sum.Max)) {
		rep.problem("run %s metric %q: summary %+v, its points say %+v", id, name, sum, got)
	}
}

// BucketStats describes one bucket of the file.
type BucketStats struct {
	Name  string `json:"name"`
	Keys  int    `json:"keys"`
	Bytes int64  `json:"bytes"` // pages in use, with their headers and free space
	Data  int64  `json:"data"`  // keys and values alone
}

// Stats describes the file.
type Stats struct {
	Path      string        `json:"path"`
	FileBytes int64         `json:"file_bytes"`
	FreeBytes int64         `json:"free_bytes"`
	Points    int64         `json:"points"`
	Buckets   []BucketStats `json:"buckets"`
	Schema    int           `json:"schema"`
}

// Stats measures the file and each bucket.
func (tx *Tx) Stats() Stats {
	st := Stats{Path: tx.path(), FileBytes: tx.btx.Size(), Schema: SchemaVersion}
	pageSize := int64(tx.btx.DB().Info().PageSize)
	st.FreeBytes = int64(tx.btx.DB().Stats().FreePageN+tx.btx.DB().Stats().PendingPageN) * pageSize
	tx.btx.ForEach(func(name []byte, b *bolt.Bucket) error {
		s := b.Stats()
		st.Buckets = append(st.Buckets, BucketStats{
			Name:  string(name),
			Keys:  s.KeyN,
			Bytes: int64(s.BranchAlloc + s.LeafAlloc),
			Data:  int64(s.BranchInuse + s.LeafInuse),
		})
		return nil
	})
	tx.bucket(bucketSummaries).ForEach(func(k, v []byte) error {
		sums, err := tx.Summaries(string(k))
		if err == nil {
			for _, s := range sums {
				st.Points += s.Count
			}
		}
		return nil
	})
	if raw := tx.bucket(bucketMeta).Get(keySchema); len(raw) == 4 {
		st.Schema = int(binary.BigEndian.Uint32(raw))
	}
	return st
}

// checkDrift verifies that every drift reference belongs to a version that
// remains and every window record reads as JSON. (What the records hold is
// the engine's to read.)
func (tx *Tx) checkDrift(rep *CheckReport) {
	versions := tx.btx.Bucket(bucketVersions)
	if b := tx.btx.Bucket(bucketDriftRefs); b != nil {
		b.ForEach(func(k, _ []byte) error {
			if versions == nil || versions.Get(k) == nil {
				rep.problem("drift reference of %s: its version is gone", modelKeyString(k))
			}
			return nil
		})
	}
	if b := tx.btx.Bucket(bucketDriftWindows); b != nil {
		b.ForEach(func(k, v []byte) error {
			if !json.Valid(v) {
				rep.problem("drift window %s does not read", modelKeyString(k))
			}
			return nil
		})
	}
}

// modelKeyString writes a key of a model's records (model, 0x00, uint32 BE)
// as MODEL#N.
func modelKeyString(k []byte) string {
	if len(k) < 5 || k[len(k)-5] != 0 {
		return fmt.Sprintf("%q", k)
	}
	return fmt.Sprintf("%s#%d", k[:len(k)-5], binary.BigEndian.Uint32(k[len(k)-4:]))
}
