package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDriftStat runs `lathe drift stat` on files written by other tools and
// by hand: its JSON has the shape, statistics that do not apply are
// absent, bad rows are reported with their lines, and bad input is one line.
func TestDriftStat(t *testing.T) {
	h := newHome(t)
	plain, _ := filepath.Abs("../../../shared/fixtures/parquet/drift-sample.parquet")
	snappy, _ := filepath.Abs("../../../shared/fixtures/parquet/drift-sample-snappy.parquet")

	// The same rows, two writers' encodings: nothing drifted.
	var raw map[string]any
	if err := json.Unmarshal([]byte(h.ok("drift", "stat", "--reference", plain, "--current", snappy, "--json")), &raw); err != nil {
		t.Fatal(err)
	}
	if raw["dataset_status"] != "ok" || raw["drift_share"] != 0.0 {
		t.Errorf("identical files: %v %v", raw["dataset_status"], raw["drift_share"])
	}
	cols := raw["columns"].(map[string]any)
	age := cols["age"].(map[string]any)
	city := cols["city"].(map[string]any)
	for _, k := range []string{"type", "psi", "psi_pvalue", "ks_statistic", "ks_pvalue", "wasserstein", "wasserstein_norm", "js", "status", "n_ref", "n_cur", "missing_ref", "missing_cur"} {
		if _, ok := age[k]; !ok {
			t.Errorf("age lacks %s: %v", k, age)
		}
	}
	if age["type"] != "numeric" || age["psi"] != 0.0 || age["ks_statistic"] != 0.0 || age["n_ref"] != 941.0 || age["missing_cur"] != 59.0 {
		t.Errorf("age: %v", age)
	}
	if _, ok := age["chi2_pvalue"]; ok {
		t.Errorf("a numeric column has a χ² p-value: %v", age)
	}
	if city["type"] != "categorical" || city["n_ref"] != 956.0 || city["missing_ref"] != 44.0 || city["chi2_pvalue"] == nil {
		t.Errorf("city: %v", city)
	}
	if _, ok := city["ks_statistic"]; ok {
		t.Errorf("a categorical column has KS: %v", city)
	}

	// By hand: a shifted column, a new category, a bad row, a column only
	// one side has.
	ref := filepath.Join(h.dir, "ref.csv")
	cur := filepath.Join(h.dir, "cur.jsonl")
	var r, c strings.Builder
	r.WriteString("x,color\n")
	for i := range 500 {
		r.WriteString(strings.Join([]string{strconv.Itoa(i % 50), []string{"red", "blue"}[i%2]}, ",") + "\n")
	}
	for i := range 300 {
		color := "green"
		if i%3 == 0 {
			color = "red"
		}
		c.WriteString(`{"x": ` + strconv.Itoa(i%50+30) + `, "color": "` + color + `", "extra": 1}` + "\n")
	}
	c.WriteString(`{"x": "abc", "color": "red"}` + "\n")
	c.WriteString("not json\n")
	os.WriteFile(ref, []byte(r.String()), 0o644)
	os.WriteFile(cur, []byte(c.String()), 0o644)
	out := h.ok("drift", "stat", "--reference", ref, "--current", cur)
	for _, want := range []string{"x ", "ALERT", "color", "data set: ALERT, 100% of its features alert",
		"not in the reference (not compared): extra", "bad rows skipped: 0 in the reference, 1 in the current data", "current line 302:", `x: 1 current value is not a number, counted missing (line 301: column "x": "abc" is not a number)`} {
		if !strings.Contains(out, want) {
			t.Errorf("drift stat says no %q:\n%s", want, out)
		}
	}
	if r := h.run("drift", "stat", "--reference", ref, "--current", cur, "--fail-on", "warn"); r.code != 2 {
		t.Errorf("--fail-on warn with an alert: exit %d", r.code)
	}

	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"drift", "stat", "--reference", ref}, "--reference and --current are both needed"},
		{[]string{"drift", "stat", "--reference", ref, "--current", cur, "--types", "x=text"}, "--types x"},
		{[]string{"drift", "stat", "--reference", ref, "--current", ref + ".gone"}, "no such file"},
		{[]string{"drift", "stat", "--reference", ref, "--current", cur, "--columns", "nope"}, `no column "nope"`},
		{[]string{"drift", "stat", "--reference", ref, "--current", cur, "--fail-on", "maybe"}, "--fail-on"},
		{[]string{"drift", "stat", "--reference", ref, "--current", cur, "--types", "x=numeric,x=categorical"}, "names x twice"},
		{[]string{"drift", "stat", "--reference", ref, "--current", cur, "--columns", ",,"}, "names no column"},
		{[]string{"drift", "stat", "--reference", ref, "--current", cur, "--share", "2"}, "--share"},
		{[]string{"drift", "ingest", "nomodel", "--data", cur}, "nomodel"},
		{[]string{"drift", "ingest", "nomodel"}, "--data is needed"},
		{[]string{"drift", "ingest", "m", "--data", cur, "--time", "yesterday"}, "--time"},
	} {
		res := h.run(c.args...)
		if res.code == 0 || !strings.Contains(res.stderr, c.says) || strings.Count(strings.TrimSpace(res.stderr), "\n") > 0 {
			t.Errorf("lathe %s: exit %d, %q; want one line saying %q", strings.Join(c.args, " "), res.code, res.stderr, c.says)
		}
	}
}
