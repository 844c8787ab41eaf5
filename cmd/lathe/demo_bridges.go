package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"lathe/engine/client"
	"lathe/engine/mlruns"
	"lathe/engine/tfevents"
)

// The demo's "bridges" experiment: work that other tools log or left on
// disk, read by lathe with nothing changed (a Keras fit, a TensorBoard
// writer, an MLflow client, a W&B script), and an MLflow file store and
// TensorBoard folders imported.

// demoBridgesExp is the experiment of the demo's bridged jobs.
const demoBridgesExp = "bridges"

// bridgeRuns are the demo's jobs that log as other tools do. home is the
// demo's data directory, where the TensorBoard writer writes.
func bridgeRuns(exe, home string) []demoRun {
	synth := func(args ...string) []string { return append([]string{exe, "synth"}, args...) }
	tb := filepath.Join(home, "tensorboard-live")
	runs := []demoRun{
		{name: "keras-fit", exp: demoBridgesExp, parse: "auto",
			command: synth("--format", "keras", "--steps", "600", "--rate", "8", "--metrics", "loss,accuracy", "--seed", "5")},
		{name: "tensorboard-writer", exp: demoBridgesExp, tensorboard: tb,
			command: synth("--format", "tfevents", "--out", tb, "--steps", "1500", "--rate", "6", "--metrics", "loss,acc", "--seed", "6")},
		{name: "mlflow-client", exp: demoBridgesExp,
			command: synth("--format", "mlflow", "--steps", "1200", "--rate", "5", "--metrics", "loss,val_loss", "--seed", "7")},
	}
	if py, err := exec.LookPath("python3"); err == nil {
		// No --exp: wandb.init's project moves the run to its experiment.
		runs = append(runs, demoRun{name: "wandb-script", wandb: true, command: []string{py, "-c", demoWandBScript}})
	}
	return runs
}

// demoWandBScript is a script written for Weights & Biases, unchanged.
const demoWandBScript = `import math, time, wandb
run = wandb.init(project="` + demoBridgesExp + `", config={"lr": 0.003, "layers": 4}, tags=["baseline"])
for i in range(400):
    wandb.log({"train/loss": 2 * math.exp(-i / 90) + 0.05, "train/acc": 1 - 0.9 * math.exp(-i / 70)})
    if i % 50 == 0:
        print(f"step {i}", flush=True)
    time.sleep(0.25)
wandb.log_artifact("model.pt")  # kept by W&B, not by lathe: one warning
wandb.summary["best_acc"] = 1 - 0.9 * math.exp(-399 / 70)
wandb.finish()
`

// demoMLflowPort has the demo's engine serve MLflow's API on a free port,
// unless the environment names one.
func demoMLflowPort() {
	if os.Getenv(envMLflowPort) != "" {
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	os.Setenv(envMLflowPort, strconv.Itoa(port))
}

// demoImports writes what other tools leave on disk (an MLflow file store,
// TensorBoard folders) into the demo's data directory and imports it.
func demoImports(ctx context.Context, c *client.Client, home string) error {
	root := filepath.Join(home, "imports")
	mlrunsDir := filepath.Join(root, "mlruns")
	if err := writeDemoMlruns(mlrunsDir); err != nil {
		return fmt.Errorf("demo mlruns: %w", err)
	}
	rep, err := mlruns.Import(ctx, c, mlrunsDir, nil)
	if err == nil && len(rep.Problems) > 0 {
		err = fmt.Errorf("%s: %s", rep.Problems[0].File, rep.Problems[0].Err)
	}
	if err != nil {
		return fmt.Errorf("demo import mlruns: %w", err)
	}
	tb := filepath.Join(root, "tensorboard")
	if err := writeDemoTensorBoard(tb); err != nil {
		return fmt.Errorf("demo tensorboard: %w", err)
	}
	tbRep, err := tfevents.Import(ctx, c, tb, "tensorboard-import", nil)
	if err == nil && len(tbRep.Problems) > 0 {
		err = fmt.Errorf("%s: %s", tbRep.Problems[0].File, tbRep.Problems[0].Err)
	}
	if err != nil {
		return fmt.Errorf("demo import tfevents: %w", err)
	}
	return nil
}

// writeDemoMlruns writes an MLflow file store as MLflow writes it: one
// experiment of four runs, a depth each, their RMSE falling with it.
func writeDemoMlruns(dir string) error {
	start := time.Now().Add(-48 * time.Hour).UnixMilli()
	files := map[string]string{
		"1/meta.yaml": fmt.Sprintf("artifact_location: file://%s/1\ncreation_time: %d\nexperiment_id: '1'\n"+
			"last_update_time: %d\nlifecycle_stage: active\nname: churn-mlflow\n", dir, start, start),
	}
	for i, depth := range []int{2, 4, 6, 8} {
		id := fmt.Sprintf("%032x", 0xc0ffee00+i)
		t0 := start + int64(i)*600_000
		files["1/"+id+"/meta.yaml"] = fmt.Sprintf("artifact_uri: file://%s/1/%s/artifacts\nend_time: %d\n"+
			"entry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: %s\nrun_name: gbm-depth-%d\n"+
			"run_uuid: %s\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: %d\nstatus: 3\ntags: []\n"+
			"user_id: analyst\n", dir, id, t0+300_000, id, depth, id, t0)
		files["1/"+id+"/params/max_depth"] = strconv.Itoa(depth)
		files["1/"+id+"/tags/mlflow.runName"] = fmt.Sprintf("gbm-depth-%d", depth)
		var rmse []byte
		for step := range 30 {
			v := 0.3 + 0.5/float64(step+1) + 0.02*float64((depth-5)*(depth-5))/float64(depth)
			rmse = fmt.Appendf(rmse, "%d %.5f %d\n", t0+int64(step)*10_000, v, step)
		}
		files["1/"+id+"/metrics/rmse"] = string(rmse)
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeDemoTensorBoard writes two TensorBoard runs, a folder each, as
// TensorBoard's writers do.
func writeDemoTensorBoard(dir string) error {
	wall := float64(time.Now().Add(-24 * time.Hour).Unix())
	for r, name := range []string{"gan-run-a", "gan-run-b"} {
		b := tfevents.VersionRecord(wall)
		for step := range 200 {
			x := float64(step) / 200
			b = append(b, tfevents.ScalarRecord("loss/generator", int64(step), wall+float64(step), float32(1.5-x+0.1*float64(r)))...)
			b = append(b, tfevents.ScalarRecord("loss/discriminator", int64(step), wall+float64(step), float32(0.7+0.2*x*float64(r+1)))...)
		}
		sub := filepath.Join(dir, name)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		file := fmt.Sprintf("events.out.tfevents.%d.demo", int64(wall))
		if err := os.WriteFile(filepath.Join(sub, file), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
