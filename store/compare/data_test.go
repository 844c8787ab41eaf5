package compare

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// workload is the shape of the data both sides ingest.
type workload struct {
	runs, metrics, steps int
	batch                int // points a commit
}

func (w workload) points() int { return w.runs * w.metrics * w.steps }

// point is one logged value; time in milliseconds (MLflow's unit; lathe
// stores microseconds, and gets ms×1000).
type point struct {
	run, metric int
	step        int64
	timeMS      int64
	value       float64
}

func runUUID(i int) string { return fmt.Sprintf("%012x", 0xa00000000000+i) }
func metricName(i int) string {
	return []string{"loss", "acc", "lr", "grad_norm", "val_loss", "val_acc", "throughput", "mem", "loss_scale", "wd"}[i%10] + suffix(i)
}

func suffix(i int) string {
	if i < 10 {
		return ""
	}
	return fmt.Sprintf("_%d", i/10)
}

// batches yields the points in commits of w.batch points, the order
// concurrent training jobs produce them: each run logs every metric of a
// stretch of steps, runs take turns.
func (w workload) batches(yield func([]point) bool) {
	stepsPerBatch := max(1, w.batch/w.metrics)
	gens := make([]*curve, w.runs*w.metrics)
	for i := range gens {
		gens[i] = newCurve(uint64(i))
	}
	buf := make([]point, 0, w.batch)
	for s0 := 0; s0 < w.steps; s0 += stepsPerBatch {
		for r := range w.runs {
			buf = buf[:0]
			for s := s0; s < min(s0+stepsPerBatch, w.steps); s++ {
				for m := range w.metrics {
					buf = append(buf, point{run: r, metric: m, step: int64(s + 1),
						timeMS: 1_732_280_000_000 + int64(s)*1000 + int64(r), value: gens[r*w.metrics+m].next()})
				}
			}
			if !yield(buf) {
				return
			}
		}
	}
}

// curve is a training curve: a decaying loss with realistic noise, in float32
// precision as PyTorch logs it (loss.item() of a float32 tensor).
type curve struct {
	rng   *rand.Rand
	x     float64
	scale float64
}

func newCurve(seed uint64) *curve {
	rng := rand.New(rand.NewPCG(seed, 0x1a7e))
	return &curve{rng: rng, scale: 1 + rng.Float64()*3}
}

func (c *curve) next() float64 {
	c.x++
	v := c.scale*math.Exp(-c.x/3000) + 0.05 + c.rng.NormFloat64()*0.02*math.Exp(-c.x/10000)
	return float64(float32(v))
}
