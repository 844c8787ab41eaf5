package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lathe/engine/metricline"
)

// synth writes synthetic training metrics: for tests, benchmarks and the
// demo. It is hidden from help.
func newSynthCmd() *cobra.Command {
	var (
		steps    int
		rate     float64
		metrics  []string
		seed     uint64
		out      string
		exit     int
		noTime   bool
		logEvery int
		diverge  bool
	)
	cmd := &cobra.Command{
		Use:    "synth",
		Short:  "Write synthetic training metrics (tests, benchmarks, demo)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := out
			if path == "" {
				path = os.Getenv("LATHE_METRICS_FILE")
			}
			var w *bufio.Writer
			switch path {
			case "", "-":
				w = bufio.NewWriter(os.Stdout)
			default:
				f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
				if err != nil {
					return err
				}
				defer f.Close()
				w = bufio.NewWriterSize(f, 1<<16)
			}
			// Written to a file, the metrics leave stdout for a log a
			// person reads, as a training script prints.
			var log *bufio.Writer
			if path != "" && path != "-" && logEvery > 0 {
				log = bufio.NewWriter(os.Stdout)
				defer log.Flush()
				fmt.Fprintf(log, "synthetic training: %d steps of %s\n", steps, strings.Join(metrics, ", "))
			}
			rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
			fmt.Fprintf(w, "{\"total\": %d}\n", steps)
			var interval time.Duration
			if rate > 0 {
				interval = time.Duration(float64(time.Second) / rate)
			}
			start := time.Now()
			line := make([]byte, 0, 512)
			for step := 1; step <= steps; step++ {
				line = append(line[:0], `{"step":`...)
				line = fmt.Appendf(line, "%d", step)
				if !noTime {
					line = append(line, `,"time":`...)
					line = fmt.Appendf(line, "%.6f", float64(time.Now().UnixMicro())/1e6)
				}
				line = append(line, `,"metrics":{`...)
				logNow := log != nil && (step%logEvery == 0 || step == steps)
				if logNow {
					fmt.Fprintf(log, "step %d/%d", step, steps)
				}
				for i, m := range metrics {
					if i > 0 {
						line = append(line, ',')
					}
					line = append(line, '"')
					line = append(line, m...)
					line = append(line, `":`...)
					v := synthValue(m, i, step, steps, rng)
					if diverge && i == 0 && step > steps*7/10 {
						// Blows up, then NaN: how a diverged run looks.
						v = math.Exp(float64(step-steps*7/10) / 4)
						if step > steps*17/20 {
							v = math.NaN()
						}
					}
					line = metricline.AppendFloat(line, v)
					if logNow {
						fmt.Fprintf(log, " %s=%.4g", m, v)
					}
				}
				line = append(line, "}}\n"...)
				w.Write(line)
				if logNow {
					fmt.Fprintf(log, " (%.1f s)\n", time.Since(start).Seconds())
					log.Flush()
				}
				if interval > 0 {
					// Paced runs flush each line so the engine sees it live.
					w.Flush()
					if d := time.Until(start.Add(time.Duration(step) * interval)); d > 0 {
						time.Sleep(d)
					}
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if exit != 0 {
				return exitError{exit}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&steps, "steps", 100, "number of steps")
	f.Float64Var(&rate, "rate", 0, "steps a second (0: as fast as possible)")
	f.StringSliceVar(&metrics, "metrics", []string{"loss", "acc"}, "metric names")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	f.StringVar(&out, "out", "", "file to append to (default $LATHE_METRICS_FILE, else stdout)")
	f.IntVar(&exit, "exit", 0, "exit with this code at the end (to play a failed run)")
	f.BoolVar(&noTime, "no-time", false, "leave time out and let the engine stamp it")
	f.IntVar(&logEvery, "log-every", 25, "print a progress line to stdout every this many steps, when the metrics go to a file (0: never)")
	f.BoolVar(&diverge, "diverge", false, "the first metric blows up after 70% of the steps, then turns NaN")
	return cmd
}

// synthValue is a plausible curve: losses fall, accuracies rise, learning
// rates follow a cosine schedule, with noise.
func synthValue(name string, i, step, steps int, rng *rand.Rand) float64 {
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
