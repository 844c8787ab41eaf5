// Package memory runs jobs as plain child processes of the engine, and
// keeps what it knows of them in memory.
//
// It is the second implementation of the runner seam (package runners),
// next to runners/local: the engine's job tests run over both, so the seam
// is proven by more than the runner it was cut from. It needs no shim and
// no lathe binary, so it also suits an engine embedded in a test or a tool.
//
// Each job is started directly with os/exec in a process group of its own
// (no new session), with stdin /dev/null and stdout and stderr on the run
// folder's output.log; its metrics file is the folder's metrics.jsonl, as
// for the local runner. Signal reaches the whole group. When the job's main
// process exits, what is left of its group is killed: a job is over when
// its main process is. A process on a GPU is the job's when it is in the
// job's process group (Owners).
//
// A handle is a key into the Runner's own table, so a job is found again
// (Adopt) only by the same Runner value, by an engine re-opened in the same
// process. Jobs do not outlive the process: an engine that restarts in a new
// process finds none of them, and Adopt returns them already done, with no
// exit record. The table keeps every job the Runner started, as long as the
// Runner lives.
package memory
