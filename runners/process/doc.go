// Package process starts a job's command as a process of this machine the
// way a shell would, and says how it ended in the words a shell uses: it is
// shared by the runners whose jobs are local processes (runners/local's
// shim, runners/memory).
//
// A command that cannot start is refused before anything is forked, with a
// short reason and the exit code a shell would give (127: not found, 126:
// found but not executable), so the user reads "command not found: trian.py"
// rather than a Go error.
package process
