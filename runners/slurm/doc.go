// Package slurm runs jobs on a Slurm cluster: `lathe run --runner slurm`.
//
// Start writes a batch script into the run folder that execs `lathe shim`
// on the run folder inside the allocation, so output.log, metrics.jsonl
// and exit.json land there exactly as for a local job, and hands it to
// sbatch with the job's environment (Slurm adds CUDA_VISIBLE_DEVICES for
// the GPUs it gives). The run folder must be seen by the compute nodes:
// either the data directory is on a shared file system, or Config.Shared
// names a folder that is, and each run folder is moved there and left as
// a symbolic link in the data directory.
//
// One poller follows every job of the runner: a `squeue` a poll interval
// for all of them, `scontrol show job` and then `sacct` only for a job
// squeue no longer shows. A job that ended is settled from the shim's
// exit.json (its exact exit code and signal) and from Slurm's state:
// TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED and the like become the
// run's reason ("TIMEOUT after 00:01:00"). The handle the engine stores is
// the Slurm job id; without one (the engine stopped between sbatch and
// storing it) the job is found by its name, lathe-<run id>.
package slurm
