package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/engine/config"
)

// slurmCommands are what the Slurm runner calls (srun only for doctor).
var slurmCommands = []string{"sbatch", "squeue", "scontrol", "scancel", "sacct", "sinfo", "srun"}

// slurmChecks are doctor's lines on the Slurm runner: its commands, the
// controller, the folder the nodes must see, and a node running the same
// lathe binary (a one-task srun that hashes it and writes in that folder).
func slurmChecks(ctx context.Context, cfg config.Config, p api.Paths) []check {
	wanted := cfg.Jobs.Runner == "slurm"
	var missing []string
	for _, c := range slurmCommands {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) == len(slurmCommands) {
		status := "info"
		if wanted {
			status = "fail"
		}
		return []check{{"slurm", status, "not installed (no sbatch on PATH): --runner slurm needs Slurm's commands"}}
	}
	if len(missing) > 0 {
		return []check{{"slurm", "fail", "missing " + strings.Join(missing, ", ") + " on PATH"}}
	}
	var out []check
	sc := cfg.Slurm
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	args := []string{"-h", "-o", "%P %a %D %T"}
	if sc.Partition != "" {
		args = append(args, "-p", sc.Partition)
	}
	info, err := exec.CommandContext(ctx, "sinfo", args...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(info)) == 0 {
		msg := strings.TrimSpace(string(info))
		if msg == "" {
			msg = fmt.Sprint(cmp.Or(err, fmt.Errorf("no partition %q", sc.Partition)))
		}
		return append(out, check{"slurm", "fail", "the controller does not answer: " + oneLine(msg)})
	}
	out = append(out, check{"slurm", "ok", "partitions (name, availability, nodes, state): " +
		strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(info)), "\n", ";")), " ")})

	dir, where := sc.Shared, "[slurm] shared"
	if dir == "" {
		dir, where = p.Runs(), "the data directory's runs"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return append(out, check{"nodes", "fail", fmt.Sprintf("%s %s: %v", where, dir, err)})
	}
	exe := sc.Lathe
	if exe == "" {
		exe, _ = os.Executable()
	}
	sum, err := fileSHA256(exe)
	if err != nil {
		return append(out, check{"nodes", "fail", fmt.Sprintf("%s: %v ([slurm] lathe names the binary the nodes run)", exe, err)})
	}
	// One task on a node: hash the binary and write in the folder, as a
	// job's shim will. --immediate: a busy cluster says so, not hangs.
	srun := []string{"--immediate=20", "-N1", "-n1", "--time=1", "--job-name=lathe-doctor"}
	if sc.Partition != "" {
		srun = append(srun, "-p", sc.Partition)
	}
	if sc.Account != "" {
		srun = append(srun, "-A", sc.Account)
	}
	if sc.QoS != "" {
		srun = append(srun, "--qos="+sc.QoS)
	}
	probe := `f="$2/.lathe-doctor-$$" && echo > "$f" && rm -f "$f" && sha256sum "$1" && hostname`
	node, err := exec.CommandContext(ctx, "srun", append(srun, "sh", "-c", probe, "sh", exe, dir)...).CombinedOutput()
	fields := strings.Fields(string(node))
	switch {
	case err != nil:
		out = append(out, check{"nodes", "fail", fmt.Sprintf("a node cannot write in %s (%s) or run %s: %s", dir, where, exe, oneLine(strings.TrimSpace(string(node))))})
	case len(fields) < 3 || fields[0] != sum:
		out = append(out, check{"nodes", "warn", fmt.Sprintf("node %s runs another %s than this lathe's: set [slurm] lathe to a copy of this one on a shared path", fields[len(fields)-1], exe)})
	default:
		out = append(out, check{"nodes", "ok", fmt.Sprintf("node %s runs this lathe (%s) and writes in %s (%s)", fields[2], exe, dir, where)})
	}
	return out
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
