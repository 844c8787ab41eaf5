package store

import (
	"math"
	"testing"
	"time"
)

func TestGPUHistoryRings(t *testing.T) {
	db := openTemp(t)
	start := time.Unix(1_800_000_000, 0)
	// Two hours of one-second readings: the ring keeps the last hour.
	const n = 7200
	for i := 0; i < n; i += 600 {
		update(t, db, func(tx *Tx) error {
			for j := i; j < i+600; j++ {
				p := GPUPoint{Time: start.Add(time.Duration(j) * time.Second), Util: float64(j % 100), MemoryUsed: float64(j) * 1e6, PowerW: 250, TempC: math.NaN()}
				if err := tx.PutGPUPoint(GPUSecond, 3, p); err != nil {
					return err
				}
			}
			return nil
		})
	}
	now := start.Add((n - 1) * time.Second)
	db.View(func(tx *Tx) error {
		pts, err := tx.GPUHistory(GPUSecond, 3, start, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 3600 || !pts[0].Time.Equal(now.Add(-3599*time.Second)) || !pts[3599].Time.Equal(now) {
			t.Fatalf("%d points from %v to %v", len(pts), pts[0].Time, pts[len(pts)-1].Time)
		}
		if pts[3599].Util != float64((n-1)%100) || pts[3599].PowerW != 250 || !math.IsNaN(pts[3599].TempC) {
			t.Errorf("last point %+v", pts[3599])
		}
		// A minute-old window, and a device never written.
		recent, _ := tx.GPUHistory(GPUSecond, 3, now.Add(-59*time.Second), now)
		other, _ := tx.GPUHistory(GPUSecond, 4, start, now)
		if len(recent) != 60 || len(other) != 0 {
			t.Errorf("recent %d, other device %d", len(recent), len(other))
		}
		return nil
	})
	// The whole ring is bounded: two hours wrote 3600 keys, not 7200.
	db.View(func(tx *Tx) error {
		if n := tx.btx.Bucket(bucketGPUHistory).Stats().KeyN; n != 3600 {
			t.Errorf("%d keys in the ring", n)
		}
		return nil
	})
}
