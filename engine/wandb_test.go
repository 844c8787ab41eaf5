package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lathe/engine/api"
)

const wandbScript = `import wandb
run = wandb.init(project="digits", config={"lr": 0.01, "model": {"hidden": 64}}, tags=["baseline"])
wandb.config.epochs = 3
for step in range(3):
    wandb.log({"loss": 1.0 / (step + 1), "val": {"acc": 0.5 + step / 10}})
wandb.log({"lr_now": 0.001}, step=10)
wandb.log({"image": wandb.Image("x.png")})
wandb.summary["best_acc"] = 0.7
wandb.log_artifact(wandb.Artifact("model", type="model"))
wandb.finish()
print("finished", run.id)
`

// A script written for W&B logs into its lathe run through --wandb.
func TestWandBScript(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	cwd := t.TempDir()
	os.WriteFile(filepath.Join(cwd, "train.py"), []byte(wandbScript), 0o644)
	r := submit(t, e, api.SubmitRequest{Cwd: cwd, WandB: true, Command: []string{python, "train.py"}})
	got, err := e.Wait(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(filepath.Join(got.Dir, "output.log"))
	if got.Status != api.Succeeded || !strings.Contains(string(out), "finished "+r.ID) {
		t.Fatalf("the job: %s\n%s", got.Status, out)
	}
	for _, warning := range []string{"wandb.Image is not kept", "wandb.Artifact is not kept", "wandb.log_artifact is not kept"} {
		if strings.Count(string(out), warning) != 1 {
			t.Errorf("output does not warn once %q:\n%s", warning, out)
		}
	}
	if got.Experiment != "digits" || got.Params["lr"] != "0.01" || got.Params["model/hidden"] != "64" || got.Params["epochs"] != "3" ||
		got.Tags["baseline"] != "true" || got.Tags["best_acc"] != "0.7" || got.InvalidLines != 0 {
		t.Errorf("run: exp %q params %v tags %v invalid %d %q", got.Experiment, got.Params, got.Tags, got.InvalidLines, got.FirstInvalid)
	}
	if m := got.Metrics["loss"]; m.Count != 3 || m.LastStep != 2 || m.Last != api.Float(1.0/3) {
		t.Errorf("loss = %+v", m)
	}
	if m := got.Metrics["val/acc"]; m.Count != 3 || m.Last != 0.7 {
		t.Errorf("val/acc = %+v", m)
	}
	if m := got.Metrics["lr_now"]; m.LastStep != 10 {
		t.Errorf("a step given: %+v", m)
	}

	// Started with --exp, the run keeps it, and the project is a tag.
	r = submit(t, e, api.SubmitRequest{Cwd: cwd, WandB: true, Experiment: "mine", Command: []string{python, "train.py"}})
	if got, _ = e.Wait(context.Background(), r.ID); got.Experiment != "mine" || got.Tags["project"] != "digits" {
		t.Errorf("with --exp: experiment %q, tags %v", got.Experiment, got.Tags)
	}
}

// Without --wandb nothing is injected.
func TestNoWandBWithoutTheFlag(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	if exec.Command(python, "-c", "import wandb").Run() == nil {
		t.Skip("this python3 has a wandb package of its own")
	}
	e := openEngine(t, t.TempDir(), nil)
	defer e.Close()
	r := submit(t, e, api.SubmitRequest{Command: []string{python, "-c", "import wandb"}})
	got, _ := e.Wait(context.Background(), r.ID)
	out, _ := os.ReadFile(filepath.Join(got.Dir, "output.log"))
	if got.Status != api.Failed || !strings.Contains(string(out), "No module named 'wandb'") {
		t.Errorf("import wandb without --wandb: %s\n%s", got.Status, out)
	}
}
