// Package sweep is the pure part of lathe's hyperparameter sweeps: it
// reads and checks a sweep file (Parse), proposes the params of the next
// trial (Next), and decides which trials stop early (ASHA). It does no
// I/O, starts no goroutines and keeps no global state, and its answers
// depend on its inputs alone, so the engine can store what it needs (the
// file, the trials, the early stopping's state), restart, and get the
// same answers again.
//
// Parse reports every problem of a file at once, one line each, naming
// the key and saying what to write instead: a sweep is often started from
// a terminal far from the GPUs, and a round trip per typo is slow.
//
// Next proposes trial n with one of three methods:
//
//   - grid runs the cartesian product of the params' values in a fixed
//     order (params by name, the last changing fastest; values as the
//     file lists them, an int range's every integer), then has nothing
//     more to propose.
//   - random draws each param on its own: evenly between min and max, in
//     log space for the log distributions, integers rounded so both ends
//     come up as often as the rest.
//   - tpe, the Tree-structured Parzen Estimator (Bergstra et al., NeurIPS
//     2011), as Optuna's TPESampler does it by default. After a few random
//     trials it splits the finished ones into the best few (γ(n) =
//     min(⌈n/10⌉, 25)) and the rest, builds for each param a density l(x)
//     from the best and g(x) from the rest, and proposes the one of 24
//     candidates drawn from l with the highest l(x)/g(x). Params are
//     modelled one at a time, so it does not learn how they interact; it
//     does learn where each one is good. A trial that failed or has no
//     value ranks worst, so its params count against, never for.
//
// Every random draw for trial n comes from a generator seeded with the
// sweep's seed and n alone, so trial n's proposal does not depend on how
// many numbers earlier trials drew, and the same history gives the same
// proposal after a restart.
//
// ASHA is asynchronous successive halving (Li et al., MLSys 2020) in its
// stopping form. Rung k is at step min_steps·reduction^k of a trial's
// metric. When a trial first reports at or past a rung, its value there
// joins the values of every trial that reached that rung, earlier or
// later, and it goes on only if it is among the top ⌊n/reduction⌋ of
// those n values (the first reduction−1 to arrive go on only if best so
// far). Nothing waits for a rung to fill, so no GPU idles for a
// straggler; the cost is that an early arrival is judged against few
// others, which is why it must at least be the best of them. The
// exported fields of ASHA are its whole state: stored as JSON and read
// back, it decides as it would have.
//
// Values are compared in the sweep's direction everywhere; a NaN is
// always the worst value.
package sweep
