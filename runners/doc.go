// Package runners is the seam between the engine and what runs its jobs.
//
// The engine needs five things of a runner: start a job from its run folder
// and Spec; find it again from a handle after the engine restarted; signal
// it; learn how and when it ended; and know where its output and metrics
// files are, to tail them. Runner and Job say exactly that, and nothing
// more; ProcessOwner is the optional sixth, for runners whose jobs are
// processes of this machine, so the engine can tell which job uses a GPU.
//
// Implementations: runners/local (a shim per job, in its own session, that
// outlives the engine; the default) and runners/memory (plain child
// processes of the engine, found again only by the same runner value; the
// engine's tests run every job test over both). The engine names them in one
// place, engine/runners.go, and records in each run the name of the runner
// that started it.
//
// # Handles
//
// Job.Handle is opaque to the engine: bytes the runner can turn back into
// the job. The engine records the run as running (and the GPUs it holds)
// before it calls Start, stores the handle in the run's record as soon as
// Start returns, and gives it back to Adopt when a later engine finds the
// run still running. If the engine stopped between Start and storing the handle, Adopt
// gets none, and the runner looks for the job in the run folder (the local
// runner reads the handle.json its shim wrote there). A job that cannot be
// found alive is returned already Done: its Exit says how it ended, or
// wraps ErrNoExit when it left no record, and the engine then sends SIGKILL
// through Signal so that nothing of it goes on unsupervised.
package runners
