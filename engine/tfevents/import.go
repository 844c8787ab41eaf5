package tfevents

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lathe/engine/api"
)

// Importer is what an import asks of the engine.
type Importer interface {
	Track(ctx context.Context, req api.TrackRequest) (api.TrackResult, error)
}

// Problem is a file, or part of one, that could not be imported.
type Problem struct {
	File string `json:"file"`
	Err  string `json:"error"`
}

// Report says what an import did.
type Report struct {
	Runs        int       `json:"runs"`
	RunsSkipped int       `json:"runs_skipped"` // imported before
	Files       int       `json:"files"`
	Points      int       `json:"points"`
	Corrupt     int       `json:"corrupt_records"`
	Problems    []Problem `json:"problems"`
}

// Import reads the event files at path (a file, or a folder searched
// whole) into runs as TensorBoard shows them: each folder holding event
// files is one run, named by its path under path, its files read in name
// order. A run is recorded whole, under the key "tfevents:<folder>", so an
// import done twice adds nothing.
func Import(ctx context.Context, svc Importer, path, experiment string, progress func(done, total int)) (Report, error) {
	rep := Report{Problems: []Problem{}}
	abs, err := filepath.Abs(path)
	if err != nil {
		return rep, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return rep, err
	}
	runs := map[string][]string{} // folder → its event files
	root := abs
	if fi.IsDir() {
		filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				rep.Problems = append(rep.Problems, Problem{File: p, Err: err.Error()})
				return nil
			}
			if !d.IsDir() && strings.Contains(d.Name(), "tfevents") {
				runs[filepath.Dir(p)] = append(runs[filepath.Dir(p)], p)
			}
			return nil
		})
	} else {
		root = filepath.Dir(abs)
		runs[root] = []string{abs}
	}
	if len(runs) == 0 {
		return rep, fmt.Errorf("%s: no TensorBoard event files (files named *tfevents*)", path)
	}
	dirs := slices.Sorted(maps.Keys(runs))
	for i, dir := range dirs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if progress != nil {
			progress(i, len(dirs))
		}
		files := runs[dir]
		slices.Sort(files)
		name, _ := filepath.Rel(root, dir)
		if name == "." {
			name = filepath.Base(dir)
		}
		req := api.TrackRequest{Key: "tfevents:" + dir, Runner: api.RunnerImport, Name: name, Experiment: experiment,
			Status: api.Succeeded, Cwd: dir, Tags: map[string]string{"tensorboard.dir": dir}}
		first, last := math.Inf(1), math.Inf(-1)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				rep.Problems = append(rep.Problems, Problem{File: file, Err: err.Error()})
				continue
			}
			f := Read(b)
			if f.Records == 0 && f.Corrupt > 0 {
				rep.Problems = append(rep.Problems, Problem{File: file, Err: "not a TFRecord file"})
				continue
			}
			rep.Files++
			if f.Corrupt > 0 {
				rep.Corrupt += f.Corrupt
				rep.Problems = append(rep.Problems, Problem{File: file, Err: fmt.Sprintf("%d damaged records skipped (the first: %s)", f.Corrupt, f.FirstCorrupt)})
			}
			if f.Truncated {
				rep.Problems = append(rep.Problems, Problem{File: file, Err: fmt.Sprintf("the last record is cut short at byte %d (the writer may still be writing it)", f.End)})
			}
			for _, s := range f.Scalars {
				req.Metrics = append(req.Metrics, api.LoggedPoint{Name: s.Tag, Step: s.Step, Time: s.WallTime, Value: api.Float(s.Value)})
				first, last = min(first, s.WallTime), max(last, s.WallTime)
			}
		}
		if len(req.Metrics) == 0 {
			rep.Problems = append(rep.Problems, Problem{File: dir, Err: "no scalars in its event files: nothing to import"})
			continue
		}
		started, ended := unixTime(first), unixTime(last)
		req.Started, req.Ended = &started, &ended
		res, err := svc.Track(ctx, req)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{File: dir, Err: err.Error()})
			continue
		}
		if res.Created {
			rep.Runs++
			rep.Points += len(req.Metrics)
		} else {
			rep.RunsSkipped++
		}
	}
	if progress != nil {
		progress(len(dirs), len(dirs))
	}
	return rep, nil
}

func unixTime(s float64) time.Time {
	sec, frac := math.Modf(s)
	return time.Unix(int64(sec), int64(frac*1e9))
}
