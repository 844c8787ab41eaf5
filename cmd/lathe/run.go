package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"lathe/engine/api"
	"lathe/engine/metricline"
)

func newRunCmd() *cobra.Command {
	var (
		req          api.SubmitRequest
		params, tags []string
		cwd          string
		asJSON       bool
		gpuIDs       []int
		minMem       string
	)
	cmd := &cobra.Command{
		Use:   "run [flags] -- COMMAND [ARGS...]",
		Short: "Queue a job and print its run id",
		Long: `Queue a job and print its run id alone on stdout, so scripts can write
id=$(lathe run -- python3 train.py).

The job runs in the background under the engine, in its own process group,
with its output in the run's output.log. It appends metrics to the file named
by $LATHE_METRICS_FILE (runners/python/lathe.py does it for Python), or prints
JSON lines with a "metrics" field. --parse reads more of its output as metrics:
  (none)  only JSON lines with a "metrics" field
  kv      also name=value pairs, as in "epoch 3 loss=0.31 acc=0.9"
  auto    also what trainers print unmodified: Hugging Face Trainer dicts
          ({'loss': 0.41, 'epoch': 0.5}), Keras "Epoch 3/10" and
          "- loss: 0.31 - accuracy: 0.9" lines, lines of name: value pairs
          ("loss: 0.31, acc: 0.9"), then name=value pairs

--runner slurm hands the job to Slurm (sbatch, with the [slurm] settings of
the config): it waits in Slurm's queue, not lathe's, and runs under lathe's
shim on a compute node that sees the run folder; everything else (logs,
metrics, the app) works as for a local job. --array N runs N tasks, each its
own run with LATHE_ARRAY_INDEX set: a seed sweep is one command.`,
		Example: `  lathe run -- python3 train.py --lr 0.01
  lathe run --exp digits --param lr=0.01 --tag team=vision -- python3 train_digits.py
  lathe run --after $(lathe run -- ./prepare.sh) -- python3 train.py
  lathe run --parse kv -- ./legacy_train.sh     # "loss=0.31 acc=0.9" lines become metrics
  lathe run --parse auto -- python3 keras_mnist.py   # Keras and Hugging Face progress lines too
  lathe run --gpus 2 --min-gpu-mem 40GiB -- torchrun --nproc-per-node 2 train.py
  lathe run --runner slurm --gpus 4 -- torchrun --nproc-per-node 4 train.py
  lathe run --runner slurm --array 8 --name seeds -- sh -c 'python3 train.py --seed $LATHE_ARRAY_INDEX'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("no command: give it after --, as in `lathe run -- python3 train.py`")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if req.Params, err = keyValues("--param", params); err != nil {
				return err
			}
			if req.Tags, err = keyValues("--tag", tags); err != nil {
				return err
			}
			if _, err := metricline.ParseMode(req.Parse); err != nil {
				return err
			}
			req.GPUIDs = gpuIDs
			if minMem != "" {
				if req.MinGPUMem, err = parseSize(minMem); err != nil {
					return fmt.Errorf("--min-gpu-mem %q: %v", minMem, err)
				}
			}
			req.Command = args
			req.Env = os.Environ()
			if req.Cwd, err = absDir(cwd); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := connect(ctx)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("array") {
				runs, err := c.SubmitArray(ctx, req)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), runs)
				}
				for _, r := range runs {
					fmt.Fprintln(cmd.OutOrStdout(), r.ID)
				}
				return nil
			}
			r, err := c.Submit(ctx, req)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), r)
			}
			fmt.Fprintln(cmd.OutOrStdout(), r.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Name, "name", "", "name of the run (default: the script's name and a number)")
	f.StringVar(&req.Experiment, "exp", "", "experiment to file the run under (default from config: \"default\"); created on first use")
	f.StringArrayVar(&params, "param", nil, "a parameter `k=v` to record (repeatable)")
	f.StringArrayVar(&tags, "tag", nil, "a tag `k=v` to record (repeatable)")
	f.IntVar(&req.Priority, "priority", 0, "queue priority: higher starts first")
	f.IntVar(&req.GPUs, "gpus", 0, "GPUs the job needs; it waits until that many are free")
	f.IntSliceVar(&gpuIDs, "gpu-ids", nil, "exactly these GPUs (`0,2`), by NVML index")
	f.StringVar(&minMem, "min-gpu-mem", "", "only GPUs with at least this much memory (`20GiB`)")
	f.StringVar(&req.After, "after", "", "start only once `RUN` has succeeded (fail if it does not)")
	f.StringVar(&req.Parse, "parse", "", "read metrics from output lines too: `kv` (name=value pairs) or auto (trainers' own lines, then kv)")
	f.BoolVar(&req.WandB, "wandb", false, "give the job a wandb module that logs into lathe: a script written for Weights & Biases runs unchanged")
	f.StringVar(&req.TensorBoard, "tensorboard", "", "read the TensorBoard event files the job writes under `DIR` as metrics, while it runs")
	f.StringVar(&req.Runner, "runner", "", "what runs the job: `local` (this machine, the default unless [jobs] runner says otherwise) or slurm (sbatch, with the [slurm] settings)")
	f.IntVar(&req.Array, "array", 0, "run the command as `N` tasks, each its own run told its LATHE_ARRAY_INDEX (0 to N-1): one Slurm job array with --runner slurm, N queued runs here")
	f.StringVar(&cwd, "cwd", "", "working directory of the job (default: the current one)")
	jsonFlag(cmd, &asJSON, "print the whole run as JSON instead of its id")
	f.SetInterspersed(false)
	cmd.RegisterFlagCompletionFunc("after", completeRuns)
	cmd.RegisterFlagCompletionFunc("parse", cobra.FixedCompletions(parseModes(), cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("runner", cobra.FixedCompletions([]string{"local", "slurm"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// keyValues parses repeated k=v flags.
func keyValues(flag string, items []string) (map[string]string, error) {
	if len(items) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(items))
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want key=value", flag, it)
		}
		out[k] = v
	}
	return out, nil
}

func absDir(dir string) (string, error) {
	if dir == "" {
		return os.Getwd()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("--cwd %s: no such directory", dir)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("--cwd %s: not a directory", dir)
	}
	return abs, nil
}

// parseSize reads a memory size with its unit: 20GiB, 1.5G, 512MiB, 64KiB
// (binary units; GB, MB and KB mean the same as GiB, MiB and KiB here, as
// GPU memory is counted that way). A bare number is refused: 20 bytes is
// never what was meant.
func parseSize(s string) (uint64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10}, {"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10},
		{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}}
	lower := strings.ToLower(strings.TrimSpace(s))
	for _, u := range units {
		num, ok := strings.CutSuffix(lower, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) || v*u.mult > math.MaxUint64/2 {
			break
		}
		return uint64(v * u.mult), nil
	}
	return 0, fmt.Errorf("want a size with its unit, such as 20GiB or 512MiB")
}

// parseModes are the --parse modes, for completion.
func parseModes() []string {
	out := make([]string, len(metricline.Modes))
	for i, m := range metricline.Modes {
		out[i] = string(m)
	}
	return out
}
