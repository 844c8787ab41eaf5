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
		Devices: r.Devices, After: r.After, Parse: r.Parse, TensorBoard: r.TensorBoard, WandB: r.WandB, Runner: r.Runner, Key: r.Key, User: r.User, Host: r.Host,
		Dir: r.Dir, Created: r.Created, Started: r.Started, Ended: r.Ended, Total: r.Total,
		KillRequested: r.KillRequested, KillReason: r.KillReason, Deleted: r.Deleted}
	if r.Usage != nil {
		u := api.GPUUsage(*r.Usage)
		v.Usage = &u
	}
	if r.Array != nil {
		a := api.ArrayTask(*r.Array)
		v.Array = &a
	}
	if r.Queue != nil {
		q := api.QueueState(*r.Queue)
		v.Queue = &q
	}
	if r.Proc != nil {
		v.Proc = apiProcSummary(*r.Proc)
	}
	if r.Git != nil {
		g := api.Git(*r.Git)
		v.Git = &g
	}
	for _, a := range r.Artifacts {
		v.Artifacts = append(v.Artifacts, api.Artifact(a))
	}
	v.Datasets = apiDatasets(r.Datasets)
	v.Evals = apiEvals(r.Evals)
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
	return api.CheckReport{Runs: r.Runs, Series: r.Series, Chunks: r.Chunks, Points: r.Points, Versions: r.Versions,
		AuditEntries: r.AuditEntries, Problems: r.Problems}
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

func apiModel(m *store.Model) api.Model {
	return api.Model{Name: m.Name, Created: m.Created, CreatedBy: m.CreatedBy, Description: m.Description, Tags: m.Tags,
		PrimaryMetric: m.PrimaryMetric, Direction: m.Direction, LastVersion: m.LastVersion,
		Aliases: nonNilAliases(m.Aliases), Versions: []api.ModelVersion{}}
}

func nonNilAliases(a map[string]int) map[string]int {
	if a == nil {
		return map[string]int{}
	}
	return a
}

func storeEvals(evals map[string]map[string]api.Float) map[string]map[string]store.Float {
	return mapEvals[store.Float](evals)
}

func apiEvals(evals map[string]map[string]store.Float) map[string]map[string]api.Float {
	return mapEvals[api.Float](evals)
}

// mapFloats and mapEvals carry metric values from one float type to
// another (stored, wire, plain), nil staying nil.
func mapFloats[T, F ~float64](ms map[string]F) map[string]T {
	if ms == nil {
		return nil
	}
	out := make(map[string]T, len(ms))
	for k, x := range ms {
		out[k] = T(x)
	}
	return out
}

func mapEvals[T, F ~float64](evals map[string]map[string]F) map[string]map[string]T {
	if evals == nil {
		return nil
	}
	out := make(map[string]map[string]T, len(evals))
	for slice, ms := range evals {
		out[slice] = mapFloats[T](ms)
	}
	return out
}

// storeDatasets and apiDatasets carry a run's data set records into a
// version and back out.
func storeDatasets(ds []api.Dataset) []store.Dataset {
	out := make([]store.Dataset, 0, len(ds))
	for _, d := range ds {
		out = append(out, store.Dataset(d))
	}
	return out
}

func apiDatasets(ds []store.Dataset) []api.Dataset {
	if len(ds) == 0 {
		return nil
	}
	out := make([]api.Dataset, 0, len(ds))
	for _, d := range ds {
		out = append(out, api.Dataset(d))
	}
	return out
}

func storeChecks(checks []api.Check) []store.Check {
	out := make([]store.Check, 0, len(checks))
	for _, c := range checks {
		out = append(out, store.Check{Gate: c.Gate, Metric: c.Metric, Slice: c.Slice, Direction: c.Direction, Verdict: c.Verdict,
			Challenger: (*store.Float)(c.Challenger), Champion: (*store.Float)(c.Champion), Threshold: (*store.Float)(c.Threshold), Detail: c.Detail})
	}
	return out
}

func apiRequest(r *store.Request) api.Request {
	out := api.Request{ID: r.ID, Model: r.Model, Version: r.Version, State: r.State, Rollback: r.Rollback, OpenedBy: r.OpenedBy,
		Opened: r.Opened, Comment: r.Comment, Champion: r.Champion, Previous: r.Previous, Checks: make([]api.Check, 0, len(r.Checks)),
		Approvals: approvers(r), Required: r.Required, Closed: r.Closed}
	for _, c := range r.Checks {
		out.Checks = append(out.Checks, api.Check{Gate: c.Gate, Metric: c.Metric, Slice: c.Slice, Direction: c.Direction, Verdict: c.Verdict,
			Challenger: (*api.Float)(c.Challenger), Champion: (*api.Float)(c.Champion), Threshold: (*api.Float)(c.Threshold), Detail: c.Detail})
	}
	for _, x := range r.Reviews {
		out.Reviews = append(out.Reviews, api.Review(x))
	}
	if r.Hook != nil {
		h := api.HookResult(*r.Hook)
		out.Hook = &h
	}
	return out
}
