package slurm

import (
	"bytes"
	"fmt"
	"strings"

	"lathe/runners"
)

// queueFormat is what squeue prints of a job, one line each:
// id|state|reason|partition|nodes|time limit.
const queueFormat = "%i|%T|%r|%P|%N|%l"

// entry is one job as squeue, scontrol or sacct show it.
type entry struct {
	ID, State, Reason, Partition, Node, TimeLimit string
	// ExitCode is "code:signal", from scontrol or sacct; "" from squeue.
	ExitCode string
}

// parseQueue reads squeue's lines in queueFormat.
func parseQueue(out []byte) (map[string]entry, error) {
	jobs := map[string]entry{}
	err := eachRecord(out, 6, "squeue", queueFormat, func(f []string) {
		jobs[f[0]] = entry{ID: f[0], State: baseState(f[1]), Reason: f[2], Partition: f[3], Node: f[4], TimeLimit: f[5]}
	})
	return jobs, err
}

// eachRecord calls fn with the fields of each line of a command's
// "|"-separated output that has n of them (at least n with n < 0: -n),
// an id and a state; another line is an error naming the format.
func eachRecord(out []byte, n int, cmd, format string, fn func(f []string)) error {
	for line := range bytes.Lines(out) {
		line = bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		f := strings.Split(string(line), "|")
		if (n > 0 && len(f) != n || n < 0 && len(f) < -n) || f[0] == "" || baseState(f[1]) == "" {
			return fmt.Errorf("%s printed %q: want %s", cmd, line, format)
		}
		fn(f)
	}
	return nil
}

// parseScontrol reads `scontrol show job -o ID`: one line of Key=Value
// fields separated by spaces. A value may hold spaces only in fields
// lathe does not read (Command, WorkDir are last on the line).
func parseScontrol(out []byte) (entry, error) {
	line, _, _ := bytes.Cut(bytes.TrimSpace(out), []byte("\n"))
	fields := map[string]string{}
	for _, kv := range strings.Fields(string(line)) {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			if _, seen := fields[k]; !seen {
				fields[k] = v
			}
		}
	}
	e := entry{ID: fields["JobId"], State: baseState(fields["JobState"]), Reason: fields["Reason"],
		Partition: fields["Partition"], Node: fields["NodeList"], TimeLimit: fields["TimeLimit"], ExitCode: fields["ExitCode"]}
	if e.ID == "" || e.State == "" {
		return entry{}, fmt.Errorf("scontrol printed no JobId and JobState: %.200q", line)
	}
	if e.Node == "(null)" {
		e.Node = ""
	}
	return e, nil
}

// acctFormat is what sacct prints of a job: -o with these fields, -P.
const acctFormat = "JobID,State,ExitCode,NodeList,Partition,Timelimit"

// parseAcct reads `sacct -X -n -P -o acctFormat` lines.
func parseAcct(out []byte) (map[string]entry, error) {
	jobs := map[string]entry{}
	err := eachRecord(out, 6, "sacct", acctFormat, func(f []string) {
		jobs[f[0]] = entry{ID: f[0], State: baseState(f[1]), ExitCode: f[2], Node: f[3], Partition: f[4], TimeLimit: f[5]}
	})
	return jobs, err
}

// baseState is Slurm's state without what follows it ("CANCELLED by 0",
// "RUNNING+" in some versions).
func baseState(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), " ")
	return strings.TrimRight(s, "+")
}

// parseExitCode reads Slurm's "code:signal".
func parseExitCode(s string) (code, sig int, ok bool) {
	c, g, found := strings.Cut(s, ":")
	if !found {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(c+" "+g, "%d %d", &code, &sig); err != nil || code < 0 || code > 255 || sig < 0 || sig > 128 {
		return 0, 0, false
	}
	return code, sig, true
}

// States, as squeue's %T and scontrol's JobState name them.
var (
	// pendingStates wait for resources; a job in them has not run yet.
	pendingStates = map[string]bool{"PENDING": true, "REQUEUED": true, "REQUEUE_HOLD": true, "REQUEUE_FED": true,
		"RESV_DEL_HOLD": true, "CONFIGURING": true}
	// endedStates are final.
	endedStates = map[string]bool{"COMPLETED": true, "FAILED": true, "CANCELLED": true, "TIMEOUT": true,
		"OUT_OF_MEMORY": true, "NODE_FAIL": true, "PREEMPTED": true, "BOOT_FAIL": true, "DEADLINE": true,
		"SPECIAL_EXIT": true, "REVOKED": true}
)

// parseCluster reads squeue's lines in clusterFormat, in its order.
func parseCluster(out []byte) ([]runners.ClusterJob, error) {
	var jobs []runners.ClusterJob
	err := eachRecord(out, -8, "squeue", clusterFormat, func(f []string) {
		// A name may hold "|": the fields after it are fixed.
		name := strings.Join(f[6:len(f)-1], "|")
		reason := f[2]
		if reason == "None" {
			reason = ""
		}
		st := baseState(f[1])
		jobs = append(jobs, runners.ClusterJob{
			QueueState: runners.QueueState{Scheduler: "slurm", ID: f[0], State: st, Pending: pendingStates[st],
				Reason: reason, Partition: f[3], Node: f[4]},
			Name: name, Limit: f[5], Elapsed: f[len(f)-1]})
	})
	return jobs, err
}
