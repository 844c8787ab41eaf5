package api

import "time"

// HostStats is the machine's own load, read with each sample of the GPUs.
type HostStats struct {
	// CPUPercent is the busy share of all cores since the last sample,
	// 0–100.
	CPUPercent float64 `json:"cpu_percent"`
	Cores      int     `json:"cores"`
	MemUsed    uint64  `json:"mem_used"` // bytes, as `free` counts used (total − available)
	MemTotal   uint64  `json:"mem_total"`
	// DiskUsed and DiskTotal are of the file system holding the data
	// directory, where runs write their output.
	DiskUsed  uint64 `json:"disk_used"`
	DiskTotal uint64 `json:"disk_total"`
}

// ProcStats is what a run's process tree (the job and every process it
// started) uses at one reading.
type ProcStats struct {
	// CPUPercent is of one core, as top writes it: 250 is two and a half
	// cores busy.
	CPUPercent float64 `json:"cpu_percent"`
	RSS        uint64  `json:"rss"` // resident bytes, summed over the tree
	Procs      int     `json:"procs"`
}

// ProcSummary is what a run's process tree used over its life, from the
// readings taken with each sample of the GPUs (Run.Proc; none before the
// first reading).
type ProcSummary struct {
	PeakRSS uint64 `json:"peak_rss"` // bytes
	// MeanCPUPercent is of one core, as ProcStats.CPUPercent.
	MeanCPUPercent float64 `json:"mean_cpu_percent"`
	Samples        int64   `json:"samples"`
}

// ProcPoint is one reading of a run's process tree.
type ProcPoint struct {
	Time time.Time `json:"time"`
	ProcStats
}
