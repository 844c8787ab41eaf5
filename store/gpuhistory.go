package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// GPU history is kept in rings of fixed size, so the store stays bounded
// however long the engine runs: one slot a second for the last hour, one a
// minute for the last 30 days, per device. A slot holds its own time, so a
// reader skips slots that the ring has not written since.
var bucketGPUHistory = []byte("gpu_history")

// The two resolutions of GPU history.
const (
	GPUSecond GPUResolution = 's'
	GPUMinute GPUResolution = 'm'
)

// GPUResolution names a ring.
type GPUResolution byte

func (r GPUResolution) ring() (step time.Duration, slots int64) {
	if r == GPUMinute {
		return time.Minute, 30 * 24 * 60
	}
	return time.Second, 3600
}

// GPUPoint is one reading of a device. NaN means n/a.
type GPUPoint struct {
	Time       time.Time `json:"time"`
	Util       float64   `json:"util"`        // percent
	MemoryUsed float64   `json:"memory_used"` // bytes
	PowerW     float64   `json:"power_w"`
	TempC      float64   `json:"temp_c"`
}

const gpuPointLen = 8 + 4*4

func gpuKey(r GPUResolution, device int, t time.Time) []byte {
	step, slots := r.ring()
	slot := (t.Unix() / int64(step/time.Second)) % slots
	k := []byte{byte(r)}
	k = binary.BigEndian.AppendUint16(k, uint16(device))
	return binary.BigEndian.AppendUint32(k, uint32(slot))
}

func encodeGPUPoint(p GPUPoint) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, gpuPointLen), uint64(p.Time.Unix()))
	for _, v := range []float64{p.Util, p.MemoryUsed, p.PowerW, p.TempC} {
		b = binary.BigEndian.AppendUint32(b, math.Float32bits(float32(v)))
	}
	return b
}

func decodeGPUPoint(b []byte) (GPUPoint, error) {
	if len(b) != gpuPointLen {
		return GPUPoint{}, fmt.Errorf("%w: GPU history entry of %d bytes", ErrDamaged, len(b))
	}
	p := GPUPoint{Time: time.Unix(int64(binary.BigEndian.Uint64(b)), 0)}
	vals := []*float64{&p.Util, &p.MemoryUsed, &p.PowerW, &p.TempC}
	for i, v := range vals {
		*v = float64(math.Float32frombits(binary.BigEndian.Uint32(b[8+4*i:])))
	}
	return p, nil
}

// PutGPUPoint writes a reading into a device's ring at its time.
func (tx *Tx) PutGPUPoint(r GPUResolution, device int, p GPUPoint) error {
	b, err := tx.btx.CreateBucketIfNotExists(bucketGPUHistory)
	if err != nil {
		return err
	}
	return b.Put(gpuKey(r, device, p.Time), encodeGPUPoint(p))
}

// GPUHistory reads a device's readings from since to now, oldest first.
func (tx *Tx) GPUHistory(r GPUResolution, device int, since, now time.Time) ([]GPUPoint, error) {
	b := tx.btx.Bucket(bucketGPUHistory)
	if b == nil {
		return nil, nil
	}
	step, slots := r.ring()
	if oldest := now.Add(-time.Duration(slots-1) * step); since.Before(oldest) {
		since = oldest
	}
	var out []GPUPoint
	for t := since.Truncate(step); !t.After(now); t = t.Add(step) {
		raw := b.Get(gpuKey(r, device, t))
		if raw == nil {
			continue
		}
		p, err := decodeGPUPoint(raw)
		if err != nil {
			return nil, err
		}
		// A slot last written a lap of the ring ago is not this time's.
		if p.Time.Unix()/int64(step/time.Second) == t.Unix()/int64(step/time.Second) {
			out = append(out, p)
		}
	}
	return out, nil
}
