//go:build race

package filter

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// regexp's pooled machines are reallocated and allocation counts vary.
const raceEnabled = true
