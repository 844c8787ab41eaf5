package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"lathe/engine/api"
	"lathe/engine/client"
	"lathe/tui"
	"lathe/tui/format"
)

// demoRun is one job of the demo.
type demoRun struct {
	name, exp string
	after     string
	parse     string
	gpus      int
	params    map[string]string
	command   []string
	// tensorboard is a folder of event files read as metrics; wandb
	// gives the job lathe's wandb module.
	tensorboard string
	wandb       bool
	// runner, when set, is the runner that runs it ("slurm").
	runner string
}

// demoRuns is the demo's scene: jobs with live curves, one queued behind
// another, one finished, one failed, a stdout-only script read with --parse
// kv, and the real PyTorch example when torch is installed.
func demoRuns(exe, home string) []demoRun {
	synth := func(args ...string) []string { return append([]string{exe, "synth"}, args...) }
	runs := []demoRun{
		{name: "bert-finetune", exp: "nlp", params: map[string]string{"lr": "3e-5", "epochs": "3"},
			command: synth("--steps", "300", "--metrics", "loss,acc", "--seed", "4")},
		{name: "bert-diverged", exp: "nlp", params: map[string]string{"lr": "1e-2"},
			command: synth("--steps", "60", "--rate", "100", "--metrics", "loss", "--diverge", "--exit", "1")},
		{name: "resnet-baseline", exp: "vision", gpus: 2, params: map[string]string{"lr": "0.1", "batch": "256"},
			command: synth("--steps", "3000", "--rate", "10", "--metrics", "loss,acc,lr", "--seed", "1")},
		{name: "resnet-lr-0.3", exp: "vision", gpus: 1, params: map[string]string{"lr": "0.3", "batch": "256"},
			command: synth("--steps", "3000", "--rate", "12", "--metrics", "loss,acc,lr", "--seed", "2")},
		{name: "vit-small", exp: "vision", gpus: 1, params: map[string]string{"lr": "3e-4", "patch": "16"},
			command: synth("--steps", "2000", "--rate", "8", "--metrics", "train_loss,val_loss,val_acc", "--seed", "3")},
		{name: "resnet-eval", exp: "vision", after: "resnet-baseline",
			command: synth("--steps", "100", "--metrics", "top1,top5")},
		{name: "llama-sweep", exp: "nlp", gpus: 2, params: map[string]string{"lr": "1e-4"},
			command: synth("--steps", "1000", "--rate", "5", "--metrics", "loss")},
		{name: "legacy-script", exp: "nlp", parse: "kv",
			command: []string{"/bin/sh", "-c", `i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "epoch $i loss=$(awk "BEGIN{print 3/($i+1)}") lr=0.001"; sleep 0.5; done`}},
	}
	// A sweep of the learning rate, whose loss is lowest near 3e-3: the
	// scatter (S on the runs) reads it at a glance.
	for i, lr := range []string{"1e-4", "3e-4", "1e-3", "3e-3", "1e-2", "3e-2"} {
		runs = append(runs, demoRun{name: "sweep-lr-" + lr, exp: "sweep",
			params: map[string]string{"lr": lr, "batch": []string{"64", "128"}[i%2]},
			command: []string{"/bin/sh", "-c", `m="$LATHE_METRICS_FILE"; echo '{"total": 120}' >> "$m"; i=0; while [ $i -lt 120 ]; do
  awk -v s=$i -v lr=` + lr + ` -v b=` + []string{"64", "128"}[i%2] + ` 'BEGIN{l=log(lr)/log(10)+2.5; printf "{\"step\": %d, \"metrics\": {\"loss\": %.4f, \"val_acc\": %.4f}}\n", s, 0.25+0.3*l*l+b/2000+2/(s+2), 0.97-0.08*l*l-b/8000-1/(s+8)}' >> "$m"
  i=$((i+1)); sleep 0.1; done`}})
	}
	// A job whose metric lines cannot be read (the run's page and the
	// dashboard say so, with the first), and one whose command is not
	// there (its logs tab says why it has no output).
	runs = append(runs,
		demoRun{name: "bad-metrics", exp: "nlp", command: []string{"/bin/sh", "-c",
			`echo '{"total": 60}' >> "$LATHE_METRICS_FILE"; i=0; while [ $i -lt 60 ]; do echo "{step: $i, loss: 0.5}" >> "$LATHE_METRICS_FILE"; i=$((i+1)); sleep 1; done`}},
		demoRun{name: "typo-command", exp: "nlp", command: []string{"trian.py", "--epochs", "3"}})
	if py, script := torchExample(); py != "" {
		runs = append(runs, demoRun{name: "digits-mlp", exp: "digits", params: map[string]string{"source": "runners/examples"},
			command: []string{py, script, "--epochs", "30"}})
	}
	if slurmAnswers() {
		// On a machine with Slurm: a job handed to it, shown like the rest.
		runs = append(runs, demoRun{name: "cluster-train", exp: "cluster", runner: "slurm", gpus: 1,
			command: synth("--steps", "900", "--rate", "5", "--metrics", "loss,acc", "--seed", "8")})
	}
	return append(runs, bridgeRuns(exe, home)...)
}

// slurmAnswers says whether a Slurm controller answers here.
func slurmAnswers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "sinfo", "-h").Run() == nil
}

// torchExample finds the PyTorch example and a Python that can run it.
func torchExample() (python, script string) {
	script, err := filepath.Abs(filepath.Join("runners", "examples", "train_digits.py"))
	if err != nil {
		return "", ""
	}
	if _, err := os.Stat(script); err != nil {
		return "", ""
	}
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import torch, sklearn").Run() == nil {
			return py, script
		}
	}
	return "", ""
}

// demoVersions is how many versions the demo registers of its model.
const demoVersions = 3

// demoModel trains a few short runs of a small model, registers each as a
// version of "digits" and sets aliases, so the Models page has something to
// show: each run names its data sets and declares its artifact.
func demoModel(ctx context.Context, c *client.Client, p api.Paths, cwd string) error {
	data := filepath.Join(p.Home, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	for name, rows := range map[string]int{"digits-train.csv": 1437, "digits-test.csv": 360} {
		var b []byte
		b = append(b, "pixel_mean,pixel_std,prediction,label\n"...)
		for i := range rows {
			b = fmt.Appendf(b, "%.3f,%.3f,%d,%d\n", float64(i%97)/10, float64(i%31)/7, i%10, i%10)
		}
		if err := os.WriteFile(filepath.Join(data, name), b, 0o644); err != nil {
			return err
		}
	}
	// A short training: a rising val_acc whose ceiling grows with the
	// version, eval slices per class, the data sets, and a model file.
	const script = `set -e
m="$LATHE_METRICS_FILE"
echo '{"total": 40}' >> "$m"
echo "{\"dataset\": {\"name\": \"digits-train\", \"path\": \"$DATA/digits-train.csv\", \"role\": \"train\"}}" >> "$m"
echo "{\"dataset\": {\"name\": \"digits-test\", \"path\": \"$DATA/digits-test.csv\", \"role\": \"test\"}}" >> "$m"
i=0
while [ $i -lt 40 ]; do
  i=$((i+1))
  awk -v i=$i -v top=$TOP 'BEGIN{printf "{\"step\": %d, \"metrics\": {\"loss\": %.4f, \"val_acc\": %.4f, \"latency_ms\": %.2f}}\n", i, 2.3/(1+i/4), top-(top-0.1)/(1+i/3), 4+top}' >> "$m"
  sleep 0.02
done
for k in 0 1 2 3 4 5 6 7 8 9; do
  awk -v k=$k -v top=$TOP -v weak=${WEAK:--1} 'BEGIN{acc=top-0.02*((k*7)%5); if (k==weak) acc-=0.08; printf "{\"eval\": {\"slice\": \"class=%d\", \"metrics\": {\"acc\": %.4f}}}\n", k, acc}' >> "$m"
done
head -c 262144 /dev/urandom > "$LATHE_RUN_DIR/model.pt"
echo "{\"artifact\": {\"name\": \"model\", \"path\": \"$LATHE_RUN_DIR/model.pt\"}}" >> "$m"
echo "trained digits-cnn to val_acc $TOP"
`
	train := filepath.Join(data, "train_cnn.sh")
	if err := os.WriteFile(train, []byte(script), 0o644); err != nil {
		return err
	}
	ids := make([]string, demoVersions)
	for i := range demoVersions {
		top := []string{"0.941", "0.957", "0.962"}[i]
		r, err := c.Submit(ctx, api.SubmitRequest{
			Name: fmt.Sprintf("digits-cnn-%d", i+1), Experiment: "digits",
			Params:  map[string]string{"lr": []string{"0.01", "0.005", "0.003"}[i], "epochs": "40"},
			Command: []string{"/bin/sh", train}, Cwd: cwd,
			// The last version regressed on the digit 7.
			Env: append(os.Environ(), "DATA="+data, "TOP="+top, "WEAK="+[]string{"-1", "-1", "7"}[i]),
		})
		if err != nil {
			return fmt.Errorf("demo model run: %w", err)
		}
		ids[i] = r.ID
	}
	for i, id := range ids {
		r, err := c.Wait(ctx, id)
		if err != nil {
			return err
		}
		if r.Status != api.Succeeded {
			return fmt.Errorf("demo model run %s %s: %s", r.Name, r.Status, r.Reason)
		}
		desc := []string{"first cut", "lower learning rate", "lower still"}[i]
		if _, err := c.Register(ctx, api.RegisterRequest{Run: id, Model: "digits", Description: desc}, nil); err != nil {
			return fmt.Errorf("demo model: %w", err)
		}
	}
	for alias, v := range map[string]int{"staging": 2, "challenger": 3} {
		if _, err := c.SetAlias(ctx, api.AliasRequest{Model: "digits", Alias: alias, Version: v}); err != nil {
			return fmt.Errorf("demo model: %w", err)
		}
	}
	// A policy with every kind of gate; v2 the champion; v3, better on the
	// whole but worse on one digit, waits: its slice gate fails.
	if _, err := c.SetPolicy(ctx, api.PolicyRequest{Model: "digits", TOML: demoPolicy}); err != nil {
		return fmt.Errorf("demo policy: %w", err)
	}
	for _, step := range []func(context.Context, api.ReviewRequest) (api.Request, error){c.Promote, c.Approve} {
		if _, err := step(ctx, api.ReviewRequest{Model: "digits", Version: 2, Comment: "the first champion"}); err != nil {
			return fmt.Errorf("demo promotion: %w", err)
		}
	}
	if _, err := c.Promote(ctx, api.ReviewRequest{Model: "digits", Version: 3, Comment: "better overall; check the digits"}); err != nil {
		return fmt.Errorf("demo promotion: %w", err)
	}
	return demoDrift(ctx, c, data)
}

// demoBatches is how many hourly batches of production data the demo
// scores; they start drifting at demoDriftFrom.
const (
	demoBatches   = 8
	demoDriftFrom = 5
)

// demoDrift scores a day's production batches against the champion's
// training data (its reference came from its run's train data set): the
// inputs move from the fifth batch on and the predictions get worse, so a
// window alerts and the policy's retrain = true starts the champion's
// training run again. Each batch also carries v3's predictions, scored
// beside the champion's (shadow evaluation).
func demoDrift(ctx context.Context, c *client.Client, data string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		d, err := c.Drift(ctx, api.DriftQuery{Model: "digits"})
		if err != nil {
			return fmt.Errorf("demo drift: %w", err)
		}
		if slices.ContainsFunc(d.References, func(r api.DriftReference) bool { return r.Version == 2 }) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo drift: the champion's reference was not made from its train data set")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now().Add(-demoBatches * time.Hour).Truncate(time.Hour)
	for k := range demoBatches {
		drifted := max(0, k+1-demoDriftFrom+1) // 0 before, then 1, 2, …
		var b []byte
		b = append(b, "pixel_mean,pixel_std,prediction,label,challenger\n"...)
		for i := range 400 {
			label := (i*7 + k) % 10
			pred, chal := label, label
			if (i+k)%max(2, 20-4*drifted) == 0 {
				pred = (label + 1) % 10 // the champion errs more as the data moves
			}
			if (i+k)%25 == 0 {
				chal = (label + 3) % 10
			}
			mean := float64((i*13+k*7)%97)/10 + 1.2*float64(drifted)
			b = fmt.Appendf(b, "%.3f,%.3f,%d,%d,%d\n", mean, float64((i*5+k)%31)/7, pred, label, chal)
		}
		path := filepath.Join(data, fmt.Sprintf("batch-%02d.csv", k+1))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		if _, err := c.IngestDrift(ctx, api.DriftIngestRequest{Ref: "digits", Data: path,
			Time: start.Add(time.Duration(k) * time.Hour), Challenger: 3}); err != nil {
			return fmt.Errorf("demo drift: %w", err)
		}
	}
	return nil
}

// demoPolicy is the demo model's policy.
const demoPolicy = `primary_metric = "val_acc"
direction = "max"
min_improvement = 0.002
required_approvals = 1

[[guardrails]]
metric = "latency_ms"
direction = "min"
max_regression = 1.0

[slices]
metric = "acc"
max_regression = 0.02
min_count = 1

[[ranges]]
metric = "val_acc"
min = 0.0
max = 1.0

[drift]
retrain = true
cooldown = "24h"
`

// demoHome is the demo's own data directory: never the user's.
func demoHome() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "lathe-demo")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "lathe-demo")
}

func newDemoCmd() *cobra.Command {
	var (
		keep     bool
		duration time.Duration
		theme    string
		mouse    bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start a demo: live jobs in a data directory of their own",
		Long: `Start a demo in its own data directory (never yours): an engine with four
simulated GPUs and real jobs over a few experiments, several running with live
curves, some queued waiting for GPUs or for another run, one finished, one
failed after its loss diverged.

On a terminal it opens the app on them: the dashboard, the runs table (2:
/ filters with the filter language, space marks, c compares the marked
runs), a run's charts, logs and GPUs (enter, then → or l), the GPUs (3), the
registry (4: a model "digits" of three versions registered from the demo's
runs, with aliases, v2 the champion and v3's promotion blocked by a slice
that regressed; enter down to a version's lineage), the sweeps (5: the
sweep "lr-search" from lr-search.toml in the demo's data directory, a TPE
search of 12 trials, 3 at a time, the weak ones stopped early from their
live curves; enter for its trials and their curves), the form that starts
a job (n), every key (?). The experiment "bridges" holds jobs that log as
other tools do, read unchanged: a Keras fit's progress bars (--parse auto),
a TensorBoard writer (--tensorboard), an MLflow client (the engine serves
MLflow's API on a free port) and a W&B script (--wandb, with python3); an
MLflow file store and TensorBoard folders are imported beside them. Where a
Slurm controller answers, "cluster-train" runs through Slurm (--runner
slurm), and the dashboard lists your jobs in its queue. Elsewhere (a pipe, --duration) it
prints a table that follows the jobs. q (or ctrl-c) ends the demo and stops
its jobs and engine; --keep leaves them running to explore with the other
commands.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			p, err := api.NewPaths(demoHome())
			if err != nil {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			// The demo's engine has four simulated GPUs whose load follows
			// the jobs placed on them.
			os.Setenv("LATHE_GPUS", "fake:4")
			cwd, _ := os.Getwd()
			// On a terminal the demo is the app, open at once while the
			// engine starts and the scene is set; elsewhere (a pipe, a
			// test, --duration) a table that follows the jobs.
			if duration == 0 && term.IsTerminal(int(os.Stdout.Fd())) && term.IsTerminal(int(os.Stdin.Fd())) {
				return demoApp(ctx, p, exe, cwd, keep, theme, mouse, w)
			}
			var c *client.Client
			seed := demoSeed{p: p, exe: exe, cwd: cwd, progress: func(tui.Startup) {}, up: func(cc *client.Client) { c = cc }}
			if err := seed.engine(ctx); err != nil {
				return err
			}
			if !keep || duration > 0 {
				defer stopDemo(p, exe, keep, w)
			}
			if err := seed.scene(ctx, c); err != nil {
				return err
			}
			fmt.Fprintf(w, "lathe demo: %d jobs in %s (the demo's own data, not yours)\n\n", len(demoRuns(exe, p.Home)), p.Home)
			fmt.Fprintf(w, "Explore it from another terminal:\n"+
				"  export LATHE_HOME=%s\n"+
				"  lathe ps                          queued and running jobs: progress, CPU and memory, what they wait for\n"+
				"  lathe runs                        every run with its last metric values\n"+
				"  lathe runs --filter 'experiment = vision and params.lr > 0.05' --sort metrics.loss\n"+
				"  lathe compare resnet-baseline resnet-lr-0.3   params that differ, best metrics ★\n"+
				"  lathe show resnet-baseline        one run: command, git, params, metric summaries\n"+
				"  lathe logs -f legacy-script       follow a job's output (--tail 20: its last lines)\n"+
				"  lathe show bad-metrics            a job whose metric lines could not be read, and the first one\n"+
				"  lathe metrics bert-finetune       a run's metrics: last, min, max, count (a NAME: every point)\n"+

				"  lathe logs keras-fit              Keras's progress bars, each as its last state\n"+
				"  lathe show mlflow-client          a job that logs through the MLflow endpoint\n"+
				"  lathe runs --exp churn-mlflow     runs imported from an MLflow file store\n"+
				"  lathe mlflow env                  the lines that point an MLflow script at lathe\n"+
				"  lathe cluster                     your jobs in Slurm's queue, where Slurm is installed\n"+
				"  lathe kill resnet-lr-0.3          stop a job and its whole process tree\n"+
				"  lathe gpus                        the (simulated) GPUs, their load, the jobs on each\n"+
				"  lathe models                      the model registry: digits, its versions and aliases\n"+
				"  lathe lineage digits 3            a version back to its run, data, code and environment\n"+
				"  lathe model path digits@challenger  where a version's artifact is, for scripts\n"+
				"  lathe requests show 2              the challenger's gates: one slice regressed, so it is blocked\n"+
				"  lathe audit verify                every registry change, chained by hashes, checked\n"+
				"  lathe drift show digits           production batches scored against the training data: an alert, a retrain\n"+
				"  lathe store stats                 the store: size per bucket, bytes a point\n"+
				"  lathe engine stop                 jobs keep running; the next command restarts it\n\n", p.Home)
			return followDemo(ctx, c, w, duration)
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "leave the demo's engine and jobs running when the demo ends")
	cmd.Flags().DurationVar(&duration, "duration", 0, "end the demo after this long (default: at ctrl-c)")
	cmd.Flags().StringVar(&theme, "theme", "", "colours of the app: dark, light, high-contrast or no-colour")
	cmd.Flags().BoolVar(&mouse, "mouse", false, "let the app take the mouse")
	return cmd
}

// demoSeed sets the demo's scene up: a fresh data directory, an engine,
// the jobs, then the model with its versions, promotions and drift. It
// says how far it is (progress) and hands the engine over once the jobs
// are in (up).
type demoSeed struct {
	p        api.Paths
	exe, cwd string
	progress func(tui.Startup)
	up       func(*client.Client)
}

// engine starts the demo's engine afresh and submits its jobs.
func (d demoSeed) engine(ctx context.Context) error {
	if err := resetDemo(ctx, d.p, d.exe); err != nil {
		return err
	}
	const starting = "starting the demo's engine…"
	d.progress(tui.Startup{Progress: starting})
	demoMLflowPort()
	c, err := client.Connect(ctx, d.p, d.exe, true)
	if err != nil {
		return err
	}
	d.up(c)
	runs := demoRuns(d.exe, d.p.Home)
	for i, r := range runs {
		_, err := c.Submit(ctx, api.SubmitRequest{
			Name: r.name, Experiment: r.exp, After: r.after, Parse: r.parse, GPUs: r.gpus,
			Params: r.params, Command: r.command, Cwd: d.cwd, Env: os.Environ(),
			TensorBoard: r.tensorboard, WandB: r.wandb, Runner: r.runner,
		})
		if err != nil {
			return fmt.Errorf("demo run %s: %w", r.name, err)
		}
		d.progress(tui.Startup{Progress: fmt.Sprintf("%s (seeding runs %d/%d)", starting, i+1, len(runs))})
	}
	return nil
}

// scene starts the demo's sweep and registers its model once its engine
// is up.
func (d demoSeed) scene(ctx context.Context, c *client.Client) error {
	if err := demoSweep(ctx, c, d.p.Home, d.cwd); err != nil {
		return err
	}
	if err := demoImports(ctx, c, d.p.Home); err != nil {
		return err
	}
	return demoModel(ctx, c, d.p, d.cwd)
}

// demoSweepFile is the demo's sweep: a TPE search of the learning rate and
// batch of a curve whose val_acc peaks near lr 3e-3, 3 trials at a time,
// the weak ones stopped early at steps 10, 30 and 90 (lathe sweeps, and
// the Sweeps page).
const demoSweepFile = `name = "lr-search"
experiment = "lr-search"
command = ["/bin/sh", "-c", '''m="$LATHE_METRICS_FILE"; echo '{"total": 120}' >> "$m"; i=0; while [ $i -lt 120 ]; do
  awk -v s=$i -v lr={lr} -v b={batch} 'BEGIN{l=log(lr)/log(10)+2.5; printf "{\"step\": %d, \"metrics\": {\"loss\": %.4f, \"val_acc\": %.4f}}\n", s, 0.25+0.3*l*l+b/2000+2/(s+2), 0.97-0.08*l*l-b/8000-1/(s+8)}' >> "$m"
  i=$((i+1)); sleep 0.1; done''']
metric = "val_acc"
direction = "max"
method = "tpe"
trials = 12
parallel = 3
seed = 7

[params]
lr = { distribution = "log_uniform", min = 1e-5, max = 1e-1 }
batch = { values = [64, 128, 256] }

[early_stop]
method = "asha"
min_steps = 10
reduction = 3
`

// demoSweep starts the demo's sweep from its file in the data directory.
func demoSweep(ctx context.Context, c *client.Client, home, cwd string) error {
	path := filepath.Join(home, "lr-search.toml")
	if err := os.WriteFile(path, []byte(demoSweepFile), 0o600); err != nil {
		return err
	}
	_, err := c.StartSweep(ctx, api.SweepRequest{File: path, TOML: demoSweepFile, Cwd: cwd, Env: os.Environ()})
	if err != nil {
		return fmt.Errorf("demo sweep: %w", err)
	}
	return nil
}

// demoApp opens the app at once and starts the demo behind it: the app
// shows the engine's start until the jobs are in, then the jobs while the
// model's versions come. When the app ends, so does the demo (but with
// keep), jobs started from the app included.
func demoApp(ctx context.Context, p api.Paths, exe, cwd string, keep bool, theme string, mouse bool, w io.Writer) error {
	steps := make(chan tui.Startup)
	seedCtx, cancel := context.WithCancel(ctx)
	var (
		mu      sync.Mutex
		started bool  // an engine was started: it is the demo's to stop
		seedErr error // why the scene could not be set, shown in the app too
	)
	send := func(s tui.Startup) {
		select {
		case steps <- s:
		case <-seedCtx.Done():
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(steps)
		var c *client.Client
		seed := demoSeed{p: p, exe: exe, cwd: cwd, progress: send, up: func(cc *client.Client) {
			mu.Lock()
			started, c = true, cc
			mu.Unlock()
		}}
		err := seed.engine(seedCtx)
		if err == nil {
			send(tui.Startup{Engine: c})
			err = seed.scene(seedCtx, c)
		}
		if err != nil && seedCtx.Err() == nil {
			mu.Lock()
			seedErr = err
			mu.Unlock()
			send(tui.Startup{Err: fmt.Errorf("the demo: %w", err)})
		}
	}()
	err := openApp(ctx, nil, theme, mouse, func(o *tui.Options) { o.Startup, o.Demo = steps, !keep })
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if started && !keep {
		stopDemo(p, exe, keep, w)
	}
	return cmp.Or(err, seedErr)
}

// followDemo shows the jobs as they go until ctx ends or duration passes.
func followDemo(ctx context.Context, c *client.Client, w io.Writer, duration time.Duration) error {
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		runs, err := c.Runs(ctx, api.RunQuery{})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if tty {
			fmt.Fprint(w, "\x1b[H\x1b[2J") // redraw in place
			fmt.Fprintln(w, "lathe demo: ctrl-c ends it (the jobs stop unless --keep)")
		}
		if err := printDemo(w, runs); err != nil {
			return err
		}
		if rep, err := c.GPUs(ctx); err == nil {
			printGPUs(w, rep)
			fmt.Fprintln(w)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func printDemo(w io.Writer, runs []api.Run) error {
	now := time.Now()
	tw := newTable(w)
	fmt.Fprintln(tw, "NAME\tEXPERIMENT\tSTATUS\tELAPSED\tGPUS\tPROGRESS\tLAST\tNOTE")
	for _, r := range runs {
		note := r.Waiting
		if note == "" {
			note = r.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Experiment, statusText(r),
			format.Elapsed(r.Started, r.Ended, now), devicesText(r), progress(r), clip(lastValues(r), 40), clip(note, 50))
	}
	fmt.Fprintln(tw)
	return tw.Flush()
}

// resetDemo stops what an earlier demo left and starts the folder over.
func resetDemo(ctx context.Context, p api.Paths, exe string) error {
	if _, err := os.Stat(p.Home); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	stopDemo(p, exe, false, io.Discard)
	return os.RemoveAll(p.Home)
}

// stopDemo kills the demo's jobs (unless keep) and stops its engine.
func stopDemo(p api.Paths, exe string, keep bool, w io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Connect(ctx, p, exe, !keep)
	if err != nil {
		return
	}
	if keep {
		fmt.Fprintf(w, "the demo goes on in %s: export LATHE_HOME=%s\n", p.Home, p.Home)
		return
	}
	// A sweep would start a trial in place of each one killed: stop them
	// first.
	sweeps, _ := c.Sweeps(ctx)
	for _, s := range sweeps {
		if s.State != api.SweepDone {
			c.StopSweep(ctx, s.ID, true)
		}
	}
	runs, _ := c.Runs(ctx, api.RunQuery{Statuses: []api.Status{api.Queued, api.Running}})
	for _, r := range runs {
		c.Kill(ctx, r.ID, true)
	}
	for _, r := range runs {
		c.Wait(ctx, r.ID)
	}
	s, err := c.Status(ctx)
	if err == nil && c.Shutdown(ctx) == nil {
		waitGone(ctx, s.PID, 15*time.Second)
	}
	fmt.Fprintf(w, "demo stopped: %d jobs killed, engine stopped (pid %s)\n", len(runs), strconv.Itoa(s.PID))
}
