package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// A run's process tree readings: one key a point under the run's id, so a
// run's history is one prefix scan and is removed with it. The engine keeps
// it bounded (about a thousand points a run, however long it runs) by
// widening its step as the run ages and merging what it wrote finer with
// ThinProcHistory.
var bucketProcHistory = []byte("proc_history")

// ProcPoint is one reading of a run's process tree, or the merge of
// several: CPU is their mean, RSS and Procs their peak.
type ProcPoint struct {
	Time  time.Time
	CPU   float64 // percent of one core
	RSS   uint64  // bytes
	Procs int
}

// ProcUsage sums up what a run's process tree used over its life.
type ProcUsage struct {
	PeakRSS uint64  `json:"peak_rss"`
	MeanCPU float64 `json:"mean_cpu"` // percent of one core
	// Samples counts the readings MeanCPU averages.
	Samples int64 `json:"samples"`
}

const procPointLen = 4 + 8 + 4

func procKey(id string, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, IDLen+8), id...), uint64(t.Unix()))
}

func encodeProcPoint(p ProcPoint) []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 0, procPointLen), math.Float32bits(float32(p.CPU)))
	b = binary.BigEndian.AppendUint64(b, p.RSS)
	return binary.BigEndian.AppendUint32(b, uint32(p.Procs))
}

func decodeProcPoint(k, v []byte) (ProcPoint, error) {
	if len(k) != IDLen+8 || len(v) != procPointLen {
		return ProcPoint{}, fmt.Errorf("%w: process history entry of %d bytes", ErrDamaged, len(v))
	}
	return ProcPoint{Time: time.Unix(int64(binary.BigEndian.Uint64(k[IDLen:])), 0),
		CPU:   float64(math.Float32frombits(binary.BigEndian.Uint32(v))),
		RSS:   binary.BigEndian.Uint64(v[4:]),
		Procs: int(binary.BigEndian.Uint32(v[12:]))}, nil
}

// PutProcPoint writes a reading of a run's processes at its time (to the
// second; a later one of the same second replaces it).
func (tx *Tx) PutProcPoint(id string, p ProcPoint) error {
	b, err := tx.btx.CreateBucketIfNotExists(bucketProcHistory)
	if err != nil {
		return err
	}
	return b.Put(procKey(id, p.Time), encodeProcPoint(p))
}

// ProcHistory reads a run's readings, oldest first.
func (tx *Tx) ProcHistory(id string) ([]ProcPoint, error) {
	b := tx.btx.Bucket(bucketProcHistory)
	if b == nil {
		return nil, nil
	}
	var out []ProcPoint
	prefix := []byte(id)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		p, err := decodeProcPoint(k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ThinProcHistory merges a run's readings into one a step, counted from
// origin: CPU averaged, RSS and Procs at their peak, each kept at its
// step's start.
func (tx *Tx) ThinProcHistory(id string, origin time.Time, step time.Duration) error {
	pts, err := tx.ProcHistory(id)
	if err != nil || len(pts) == 0 {
		return err
	}
	var merged []ProcPoint
	var n int
	for _, p := range pts {
		slot := origin.Add(p.Time.Sub(origin) / step * step)
		if p.Time.Before(origin) {
			slot = p.Time // before the run started: left alone
		}
		if len(merged) > 0 && merged[len(merged)-1].Time.Equal(slot) {
			m := &merged[len(merged)-1]
			m.CPU = (m.CPU*float64(n) + p.CPU) / float64(n+1)
			m.RSS, m.Procs = max(m.RSS, p.RSS), max(m.Procs, p.Procs)
			n++
			continue
		}
		p.Time, n = slot, 1
		merged = append(merged, p)
	}
	if len(merged) == len(pts) {
		return nil
	}
	if err := tx.deleteProcHistory(id); err != nil {
		return err
	}
	for _, p := range merged {
		if err := tx.PutProcPoint(id, p); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) deleteProcHistory(id string) error {
	b := tx.btx.Bucket(bucketProcHistory)
	if b == nil {
		return nil
	}
	prefix := []byte(id)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// checkProcHistory verifies that every reading of a run's processes reads
// and belongs to a run (a purge removes a run's with it).
func (tx *Tx) checkProcHistory(rep *CheckReport) {
	b := tx.btx.Bucket(bucketProcHistory)
	if b == nil {
		return
	}
	runs := tx.bucket(bucketRuns)
	b.ForEach(func(k, v []byte) error {
		switch _, err := decodeProcPoint(k, v); {
		case err != nil:
			rep.problem("process history %q: %v", k, err)
		case runs.Get(k[:IDLen]) == nil:
			rep.problem("process history of run %s, which does not exist", k[:IDLen])
		}
		return nil
	})
}
