package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"lathe/engine/api"
	"lathe/runners"
)

// Names of the files Write makes in a run folder.
const (
	EnvironmentFile = "environment.json"
	PatchFile       = "diff.patch"
)

// Defaults of Options.
const (
	DefaultPatchLimit = 1 << 20
	defaultTimeout    = 10 * time.Second
)

// Options tune a capture.
type Options struct {
	// PatchLimit is how many bytes of the patch are kept (0 or less: 1 MiB).
	PatchLimit int64
	// Timeout is how long each probe may take (0 or less: 10 s).
	Timeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.PatchLimit <= 0 {
		o.PatchLimit = DefaultPatchLimit
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	return o
}

// Environment captures what a job with this command, working directory
// and environment (the job's whole environment, "NAME=value") starts in,
// and returns it with the patch of its git tree cut to opt.PatchLimit bytes
// (nil when the tree is clean or there is none). What cannot be captured is
// said in the result's Errors. The error is not nil only when ctx ended
// before the capture did; the result then holds what was captured.
func Environment(ctx context.Context, command []string, dir string, env []string, opt Options) (api.Environment, []byte, error) {
	opt = opt.withDefaults()
	e := api.Environment{Captured: time.Now()}
	p := prober{env: env, dir: dir, timeout: opt.Timeout}
	errs := system(&e)

	// The three parts are independent; they run side by side, so the
	// capture takes as long as the slowest.
	var (
		wg               sync.WaitGroup
		pyErrs, cudaErrs []string
		gitErrs          []error
		patch            []byte
	)
	if python := Python(command, dir, env); python != "" {
		wg.Go(func() { pyErrs = p.pythonEnv(ctx, python, &e) })
	}
	wg.Go(func() { e.CUDA, cudaErrs = p.cuda(ctx) })
	wg.Go(func() { e.Git, patch, gitErrs = p.git(ctx, opt.PatchLimit, opt.PatchLimit) })
	wg.Wait()

	if e.CUDA != nil {
		e.CUDA.Runtime = cudaRuntime(e.Packages)
	}
	errs = append(append(errs, pyErrs...), cudaErrs...)
	for _, err := range gitErrs {
		errs = append(errs, err.Error())
	}
	e.Errors = errs
	if len(patch) == 0 {
		patch = nil
	}
	if err := ctx.Err(); err != nil {
		return e, patch, fmt.Errorf("capture environment: %w", err)
	}
	return e, patch, nil
}

// Write saves e as environment.json and patch as diff.patch in runDir (a
// diff.patch left there before is removed when patch is empty). Each file
// is written whole or not at all (temporary file, fsync, rename); the
// patch goes first, so that an environment.json that names one finds it.
func Write(runDir string, e api.Environment, patch []byte) error {
	if len(patch) > 0 {
		if err := runners.WriteFileAtomic(runDir, PatchFile, patch); err != nil {
			return err
		}
	} else if err := os.Remove(filepath.Join(runDir, PatchFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale %s: %w", PatchFile, err)
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", EnvironmentFile, err)
	}
	return runners.WriteFileAtomic(runDir, EnvironmentFile, append(b, '\n'))
}

// Read reads the environment.json of runDir. The error satisfies
// errors.Is(err, fs.ErrNotExist) when there is none (the job has not
// started, its capture has not finished, or it ran before lathe captured
// environments).
func Read(runDir string) (api.Environment, error) {
	var e api.Environment
	b, err := os.ReadFile(filepath.Join(runDir, EnvironmentFile))
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("parse %s: %w", filepath.Join(runDir, EnvironmentFile), err)
	}
	return e, nil
}
