package slurm

import (
	"testing"
)

// Lines as Slurm 22.05 printed them on a one-node cluster.
const (
	squeueOut = "7|PENDING|Resources|debug||1:00\n" +
		"6|RUNNING|None|debug|vm|365-00:00:00\n" +
		"5|FAILED|NonZeroExitCode|debug|vm|365-00:00:00\n" +
		"4|CANCELLED|None|debug|vm|10:00\n"
	scontrolOut = "JobId=1 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 " +
		"Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 " +
		"BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:02 TimeLimit=365-00:00:00 TimeMin=N/A Partition=debug " +
		"AllocNode:Sid=localhost:2303 ReqNodeList=(null) ExcNodeList=(null) NodeList=vm BatchHost=vm NumNodes=1 " +
		"Command=(null) WorkDir=/tmp/sl StdErr=/tmp/sl/out-1.log StdIn=/dev/null StdOut=/tmp/sl/out-1.log Power= TresPerJob=gres:gpu:1 \n"
	sacctOut = "1|FAILED|3:0|vm|debug|525600\n2|CANCELLED by 0|0:0|vm|debug|1\n"
)

func TestParseQueue(t *testing.T) {
	jobs, err := parseQueue([]byte(squeueOut))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]entry{
		"7": {ID: "7", State: "PENDING", Reason: "Resources", Partition: "debug", TimeLimit: "1:00"},
		"6": {ID: "6", State: "RUNNING", Reason: "None", Partition: "debug", Node: "vm", TimeLimit: "365-00:00:00"},
		"5": {ID: "5", State: "FAILED", Reason: "NonZeroExitCode", Partition: "debug", Node: "vm", TimeLimit: "365-00:00:00"},
		"4": {ID: "4", State: "CANCELLED", Reason: "None", Partition: "debug", Node: "vm", TimeLimit: "10:00"},
	}
	if len(jobs) != len(want) {
		t.Fatalf("%d jobs, want %d: %+v", len(jobs), len(want), jobs)
	}
	for id, w := range want {
		if jobs[id] != w {
			t.Errorf("job %s: %+v, want %+v", id, jobs[id], w)
		}
	}
	for _, bad := range []string{"7|PENDING\n", "|PENDING|a|b|c|d\n", "1|2|3|4|5|6|7\n"} {
		if _, err := parseQueue([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseScontrol(t *testing.T) {
	e, err := parseScontrol([]byte(scontrolOut))
	if err != nil {
		t.Fatal(err)
	}
	want := entry{ID: "1", State: "FAILED", Reason: "NonZeroExitCode", Partition: "debug", Node: "vm",
		TimeLimit: "365-00:00:00", ExitCode: "3:0"}
	if e != want {
		t.Errorf("%+v, want %+v", e, want)
	}
	if _, err := parseScontrol([]byte("slurm_load_jobs error: Invalid job id specified")); err == nil {
		t.Error("an error message read as a job")
	}
}

func TestParseAcct(t *testing.T) {
	jobs, err := parseAcct([]byte(sacctOut))
	if err != nil {
		t.Fatal(err)
	}
	if j := jobs["2"]; j.State != "CANCELLED" || j.ExitCode != "0:0" || j.Node != "vm" {
		t.Errorf("job 2: %+v", j)
	}
	if j := jobs["1"]; j.State != "FAILED" || j.ExitCode != "3:0" || j.TimeLimit != "525600" {
		t.Errorf("job 1: %+v", j)
	}
}

func TestParseCluster(t *testing.T) {
	jobs, err := parseCluster([]byte("12_3|PENDING|QOSMaxGRESPerUser|gpu||1-00:00:00|a|b|0:00\n13|RUNNING|None|gpu|node07|UNLIMITED|lathe-abc|1:02:03\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].ID != "12_3" || !jobs[0].Pending || jobs[0].Reason != "QOSMaxGRESPerUser" || jobs[0].Name != "a|b" ||
		jobs[1].Node != "node07" || jobs[1].Reason != "" || jobs[1].Elapsed != "1:02:03" || jobs[1].Name != "lathe-abc" {
		t.Errorf("%+v", jobs)
	}
}

func TestExitCodeAndClock(t *testing.T) {
	for _, c := range []struct {
		in        string
		code, sig int
		ok        bool
	}{{"3:0", 3, 0, true}, {"0:15", 0, 15, true}, {"x:0", 0, 0, false}, {"3", 0, 0, false}, {"300:0", 0, 0, false}} {
		code, sig, ok := parseExitCode(c.in)
		if code != c.code || sig != c.sig || ok != c.ok {
			t.Errorf("%q: %d %d %v", c.in, code, sig, ok)
		}
	}
	for in, want := range map[string]string{"1:00": "00:01:00", "01:00:00": "01:00:00", "2-00:00:00": "48:00:00",
		"1-02:03:04": "26:03:04", "UNLIMITED": "UNLIMITED", "5": "00:00:05"} {
		if got := clock(in); got != want {
			t.Errorf("clock(%q) = %q, want %q", in, got, want)
		}
	}
}

// Whatever the commands print, the parsers return an error or entries
// with an id and a state, never panic.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{squeueOut, scontrolOut, sacctOut, "", "\n\n", "a|b|c|d|e|f", "JobId= JobState="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if jobs, err := parseQueue(b); err == nil {
			for id, e := range jobs {
				if id == "" || e.ID != id || e.State == "" {
					t.Fatalf("squeue %q: %+v", b, e)
				}
			}
		}
		if e, err := parseScontrol(b); err == nil && (e.ID == "" || e.State == "") {
			t.Fatalf("scontrol %q: %+v", b, e)
		}
		if jobs, err := parseAcct(b); err == nil {
			for id, e := range jobs {
				if id == "" || e.ID != id || e.State == "" {
					t.Fatalf("sacct %q: %+v", b, e)
				}
			}
		}
		if jobs, err := parseCluster(b); err == nil {
			for _, j := range jobs {
				if j.ID == "" || j.State == "" {
					t.Fatalf("cluster %q: %+v", b, j)
				}
			}
		}
		clock(string(b))
		parseExitCode(string(b))
	})
}
