// Package local runs training jobs as ordinary processes on this machine in
// a way that survives the engine that launched them. Runner is its side of
// the runner seam (package runners), and the engine's default runner.
//
// # Process model
//
//	engine ──(Setsid)──▶ shim  (`lathe shim RUNDIR`, session leader, sid = shim pid)
//	                       └──(Setpgid)──▶ job  (group leader, pgid = job pid)
//	                                         └── the job's children, grandchildren…
//
// The engine never parents a job directly. It starts a small supervisor, the
// shim, in a new session. Being in its own session means the shim has no
// controlling terminal and is not in the engine's process group, so neither a
// terminal hang-up nor a signal aimed at the engine's group reaches it, and
// it keeps running when the engine is stopped or SIGKILLed. The shim starts
// the job as the leader of a new process group, waits for it and records how
// it ended. Because the shim is the job's parent, the exit status is never
// lost, even while no engine is running.
//
// Every process of the job inherits the shim's session id, and a process can
// leave the session only by calling setsid itself. Process groups are
// cheaper to signal (one kill(2)), but any child may move to a group of its
// own; so to reach the whole tree, Signal sends to the job's group and also
// to every process whose session id is the shim's pid (found by scanning
// /proc). The shim itself is skipped so that it can still record the exit.
//
// When the job's leader exits, the shim terminates whatever is left of the
// tree (SIGTERM, then SIGKILL after a short grace) before it writes
// exit.json: a job is over when its main process is, and stray data-loader
// workers or background helpers must not hold GPUs with nobody watching them.
//
// # Run directory
//
// The engine and the shim talk only through files in the run directory, so
// an engine that restarts needs nothing but the directory to pick a job up
// again:
//
//   - spec.json (engine → shim): the command and working directory, and how
//     much of the git patch to keep (patch_limit).
//   - output.log: the job's stdout and stderr, one O_APPEND descriptor shared
//     by both so lines interleave as on a terminal.
//   - metrics.jsonl: the metrics the job appends (LATHE_METRICS_FILE); the
//     shim does not touch it.
//   - shim.log: the shim's own diagnostics (normally empty).
//   - handle.json (shim → engine): pids and start times of the shim and job,
//     written once the job runs.
//   - exit.json (shim → engine): how the job ended, written before the shim
//     exits. A job that could not start still gets one, with Error set.
//   - environment.json and diff.patch (shim → engine): what the job started
//     in (package capture), recorded beside the job once it has started and
//     before exit.json; diff.patch only for a job in a git tree with
//     uncommitted changes.
//
// handle.json and exit.json are written to a temporary file, fsynced and
// renamed into place, so a reader sees either nothing or a complete file,
// even after a crash of the machine.
//
// # Adoption
//
// The engine stores the Handle (as JSON: Job.Handle of the runner seam) in
// the run's record and gives it back to Runner.Adopt after a restart; with
// none (the engine stopped before recording it), Runner.Adopt reads
// handle.json. Pids are recycled, so a pid alone could name an unrelated
// process; a process is identified by its pid together with its start time
// (field 22 of /proc/PID/stat, clock ticks since boot), which cannot repeat
// for the same pid until reboot. If the shim is gone (Adopt returns ErrGone),
// Runner.Adopt returns a job that is already done, whose Exit reads
// exit.json; if exit.json is missing too, the shim was killed, Exit says so
// (runners.ErrNoExit), and Signal can still end a job left running without
// its supervisor, as KillTree does.
//
// # Which job a process belongs to
//
// Runner.Owners tells the engine which job a process seen on a GPU belongs
// to: by its session (the shim's pid), or, for a process that left the
// session with setsid, through its parents up to the shim.
package local
