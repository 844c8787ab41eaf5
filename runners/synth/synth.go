package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"lathe/engine/api"
)

// Job is what the synthetic job does.
type Job struct {
	Steps   int
	Rate    float64 // steps a second; 0: as fast as it can
	Metrics []string
	Seed    uint64
	// NoTime leaves time out of the lines, for the engine to stamp.
	NoTime bool
	// LogEvery is how often a progress line goes to the log (0: never).
	LogEvery int
	// Diverge makes the first metric blow up after 70% of the steps, then
	// turn NaN: how a diverged run looks.
	Diverge bool
}

// Run writes the job's metrics lines to metrics and, when log is set, a
// progress line every LogEvery steps to it. A paced job flushes each line,
// so the engine sees it live.
func (j Job) Run(metrics, log io.Writer) error {
	w := bufio.NewWriterSize(metrics, 1<<16)
	var lw *bufio.Writer
	if log != nil && j.LogEvery > 0 {
		lw = bufio.NewWriter(log)
		defer lw.Flush()
		fmt.Fprintf(lw, "synthetic training: %d steps of %s\n", j.Steps, strings.Join(j.Metrics, ", "))
	}
	fmt.Fprintf(w, "{\"total\": %d}\n", j.Steps)
	start := time.Now()
	line := make([]byte, 0, 512)
	err := j.steps(func(step int, values []float64) error {
		line = append(line[:0], `{"step":`...)
		line = fmt.Appendf(line, "%d", step)
		if !j.NoTime {
			line = append(line, `,"time":`...)
			line = fmt.Appendf(line, "%.6f", float64(time.Now().UnixMicro())/1e6)
		}
		line = append(line, `,"metrics":{`...)
		for i, m := range j.Metrics {
			if i > 0 {
				line = append(line, ',')
			}
			line = append(line, '"')
			line = append(line, m...)
			line = append(line, `":`...)
			line = api.AppendFloat(line, values[i])
		}
		line = append(line, "}}\n"...)
		if _, err := w.Write(line); err != nil {
			return err
		}
		if lw != nil && (step%j.LogEvery == 0 || step == j.Steps) {
			fmt.Fprintf(lw, "step %d/%d", step, j.Steps)
			for i, m := range j.Metrics {
				fmt.Fprintf(lw, " %s=%.4g", m, values[i])
			}
			fmt.Fprintf(lw, " (%.1f s)\n", time.Since(start).Seconds())
			lw.Flush()
		}
		if j.Rate > 0 {
			return w.Flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.Flush()
}

// steps calls fn with each step's values, one a metric, paced at Rate.
func (j Job) steps(fn func(step int, values []float64) error) error {
	rng := rand.New(rand.NewPCG(j.Seed, j.Seed^0x9e3779b97f4a7c15))
	var interval time.Duration
	if j.Rate > 0 {
		interval = time.Duration(float64(time.Second) / j.Rate)
	}
	start := time.Now()
	values := make([]float64, len(j.Metrics))
	for step := 1; step <= j.Steps; step++ {
		for i, m := range j.Metrics {
			v := value(m, i, step, j.Steps, rng)
			if j.Diverge && i == 0 && step > j.Steps*7/10 {
				v = math.Exp(float64(step-j.Steps*7/10) / 4)
				if step > j.Steps*17/20 {
					v = math.NaN()
				}
			}
			values[i] = v
		}
		if err := fn(step, values); err != nil {
			return err
		}
		if interval > 0 {
			if d := time.Until(start.Add(time.Duration(step) * interval)); d > 0 {
				time.Sleep(d)
			}
		}
	}
	return nil
}

// value is a plausible curve: losses fall, accuracies rise, learning rates
// follow a cosine schedule, with noise.
func value(name string, i, step, steps int, rng *rand.Rand) float64 {
	x := float64(step) / float64(max(steps, 1))
	noise := rng.NormFloat64() * 0.02
	switch {
	case strings.Contains(name, "acc") || strings.Contains(name, "top"):
		return math.Min(1, 1-0.9*math.Exp(-4*x)+noise)
	case name == "lr" || strings.HasSuffix(name, "_lr"):
		return 0.1 * 0.5 * (1 + math.Cos(math.Pi*x))
	}
	return (2.5+float64(i)*0.3)*math.Exp(-3*x) + 0.05 + math.Abs(noise)
}
