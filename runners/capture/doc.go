// Package capture records the environment a job starts in: the machine (OS,
// kernel, architecture, host), the Python interpreter and its installed
// packages when the job is Python, what the NVIDIA driver says of itself,
// and the git tree the job runs in with its uncommitted changes as a patch.
// The shim of runners/local runs it beside the job, after the job started,
// and writes environment.json (an api.Environment) and diff.patch into the
// run folder; `lathe rerun` uses Packages and Git to compare a run's record
// with what is there now.
//
// # Probes
//
// Each fact comes from a probe: a program run with the job's environment
// (so the job's PATH and virtualenv are the ones seen) in the job's working
// directory, under a timeout of its own. A probe runs in a session of its
// own, so the shim never takes it for a leftover of the job (nor do signals
// meant for the job reach it), and is killed with the shim (SIGKILL as
// parent-death signal) or, with its process group, when its time is up. What
// fails or times out becomes a line of Environment.Errors; nothing is fatal.
// A tool that is not installed (git, nvidia-smi) is not an error: its part
// is simply absent.
//
// # Python
//
// A command is Python when its program, looked up in the job's PATH as the
// shim does, is named python, python3 or python3.N, or is a script whose #!
// line names one (directly or through env). Packages come from
// `python -m pip freeze --all`; when that interpreter has no pip and is the
// system's own (sys.prefix is /usr), from the python3-* packages dpkg says
// are installed. Names are normalised as PEP 503 says (lower case, runs of
// "-", "_" and "." as one "-"), so "PyYAML" is "pyyaml" and Debian's
// python3-typing-extensions is "typing-extensions". Torch is never imported
// (that takes seconds): the CUDA runtime is read from the packages (the
// nvidia-cuda-runtime-cuNN wheel, or torch's "+cuNNN" local version).
//
// # Git
//
// The patch is `git diff HEAD` from the top of the work tree: staged and
// unstaged changes to tracked files, binary files noted as git does
// ("Binary files … differ"), with the user's diff drivers, textconv filters
// and prefixes switched off so that the patch applies with `git apply`
// anywhere. Untracked files are listed apart (not in the patch). A tree is
// dirty when the patch is not empty, as the engine decides it at submission
// (untracked files do not make it dirty). Git runs with
// GIT_OPTIONAL_LOCKS=0 so that it never writes the index under a user who
// works in the same tree. The patch is hashed whole (PatchSHA256) while only
// its first PatchLimit bytes are kept.
//
// Environment variable values are never recorded.
package capture
