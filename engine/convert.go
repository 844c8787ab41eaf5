package engine

import (
	"lathe/engine/api"
	"lathe/engine/gpu"
	"lathe/store"
)

// The engine's edge: stored records and probe readings mapped into the
// contract's types, so that what is stored or read can change without
// changing the wire or `--json`.

// apiRun is what clients see of a stored run, before the engine adds what
// it knows now (summaries, unread lines, why it waits).
func apiRun(r *store.Run) api.Run {
	v := api.Run{ID: r.ID, Name: r.Name, Experiment: r.Experiment, Status: api.Status(r.Status), Reason: r.Reason,
		ExitCode: r.ExitCode, Signal: r.Signal, Command: r.Command, Cwd: r.Cwd, Env: r.Env, Params: r.Params,
		Tags: r.Tags, Priority: r.Priority, GPUs: r.GPUs, GPUIDs: r.GPUIDs, MinGPUMem: r.MinGPUMem,
		Devices: r.Devices, After: r.After, Parse: r.Parse, Runner: r.Runner, User: r.User, Host: r.Host,
		Dir: r.Dir, Created: r.Created, Started: r.Started, Ended: r.Ended, Total: r.Total,
		KillRequested: r.KillRequested, Deleted: r.Deleted}
	if r.Usage != nil {
		u := api.GPUUsage(*r.Usage)
		v.Usage = &u
	}
	if r.Git != nil {
		g := api.Git(*r.Git)
		v.Git = &g
	}
	for _, a := range r.Artifacts {
		v.Artifacts = append(v.Artifacts, api.Artifact(a))
	}
	for _, d := range r.Datasets {
		v.Datasets = append(v.Datasets, api.Dataset(d))
	}
	if r.Evals != nil {
		v.Evals = make(map[string]map[string]api.Float, len(r.Evals))
		for slice, ms := range r.Evals {
			m := make(map[string]api.Float, len(ms))
			for k, x := range ms {
				m[k] = api.Float(x)
			}
			v.Evals[slice] = m
		}
	}
	return v
}

func apiSummary(s store.Summary) api.MetricSummary {
	return api.MetricSummary{Last: api.Float(s.Last), Min: api.Float(s.Min), Max: api.Float(s.Max),
		Count: s.Count, LastStep: s.LastStep}
}

func apiDevice(d gpu.Device) api.GPUDevice { return api.GPUDevice(d) }

func apiInfo(i gpu.Info) api.GPUInfo { return api.GPUInfo(i) }

func apiSample(s gpu.Sample) api.GPUSample {
	v := api.GPUSample{Index: s.Index, Time: s.Time, Lost: s.Lost, MemoryUsed: s.MemoryUsed, UtilGPU: s.UtilGPU,
		UtilMemory: s.UtilMemory, TemperatureC: s.TemperatureC, PowerW: s.PowerW, PowerLimitW: s.PowerLimitW,
		ClockSMMHz: s.ClockSMMHz, ClockMemMHz: s.ClockMemMHz, FanPercent: s.FanPercent, PCIeRxKBps: s.PCIeRxKBps,
		PCIeTxKBps: s.PCIeTxKBps, ECCCorrected: s.ECCCorrected, ECCUncorrected: s.ECCUncorrected}
	for _, p := range s.Processes {
		v.Processes = append(v.Processes, api.GPUProcess{PID: p.PID, UsedMemory: p.UsedMemory})
	}
	return v
}

func apiGPUPoint(p store.GPUPoint) api.GPUPoint {
	return api.GPUPoint{Time: p.Time, Util: api.Float(p.Util), MemoryUsed: api.Float(p.MemoryUsed),
		PowerW: api.Float(p.PowerW), TempC: api.Float(p.TempC)}
}

func apiCheck(r store.CheckReport) api.CheckReport {
	return api.CheckReport{Runs: r.Runs, Series: r.Series, Chunks: r.Chunks, Points: r.Points, Versions: r.Versions, Problems: r.Problems}
}

func apiStats(s store.Stats) api.StoreStats {
	v := api.StoreStats{Path: s.Path, FileBytes: s.FileBytes, FreeBytes: s.FreeBytes, Points: s.Points, Schema: s.Schema}
	for _, b := range s.Buckets {
		v.Buckets = append(v.Buckets, api.BucketStats(b))
	}
	return v
}

func apiUpgrade(u *store.Upgrade) *api.Upgrade {
	if u == nil {
		return nil
	}
	return &api.Upgrade{From: u.From, To: u.To, Backup: u.Backup}
}
