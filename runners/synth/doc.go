// Package synth is a synthetic training job: it writes a metrics file as a
// training script would (a total, then a line a step of plausible curves:
// losses fall, accuracies rise, learning rates follow a cosine schedule),
// paced or as fast as it can, with an optional progress log for people and
// a run that diverges to NaN. `lathe synth` runs it for the demo, the tests
// and the benchmarks, with no Python needed.
package synth
