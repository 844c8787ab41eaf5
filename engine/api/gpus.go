package api

import (
	"math"
	"time"
)

// GPUReport is the GPUs now.
type GPUReport struct {
	Info GPUInfo     `json:"info"`
	GPUs []GPUStatus `json:"gpus"`
	// Host is the machine's CPU, memory and disk at the same reading; Procs
	// is each running run's process tree then, by run ID.
	Host  *HostStats           `json:"host,omitempty"`
	Procs map[string]ProcStats `json:"procs,omitempty"`
}

// GPUInfo describes the driver, for `lathe doctor`.
type GPUInfo struct {
	Backend string `json:"backend"` // "nvml", "fake", "none"
	Driver  string `json:"driver,omitempty"`
	NVML    string `json:"nvml,omitempty"`
	CUDA    string `json:"cuda,omitempty"`
	// Notice is the one plain sentence to tell a user once, e.g. why there
	// are no GPUs.
	Notice string `json:"notice,omitempty"`
}

// GPUStatus is one device: what it is, its last sample, and who uses it.
type GPUStatus struct {
	GPUDevice
	Sample       *GPUSample   `json:"sample"`
	LeasedBy     string       `json:"leased_by,omitempty"`
	LeasedByName string       `json:"leased_by_name,omitempty"`
	Processes    []GPUProcess `json:"processes"`
	// Recent is the utilisation over the last minutes, oldest first, one
	// value a step (NaN where there was no reading).
	Recent []Float `json:"recent_util,omitempty"`
}

// GPUDevice is what does not change about a device while the engine runs.
type GPUDevice struct {
	Index       int    `json:"index"`
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	PCIBusID    string `json:"pci_bus_id"`
	MemoryTotal uint64 `json:"memory_total"` // bytes
}

// GPUSample is one reading of one device. A field the device does not
// support or that failed to read is nil: shown as n/a, never as 0.
type GPUSample struct {
	Index          int          `json:"index"`
	Time           time.Time    `json:"time"`
	Lost           bool         `json:"lost,omitempty"` // fell off the bus or vanished
	MemoryUsed     *uint64      `json:"memory_used"`    // bytes
	UtilGPU        *uint32      `json:"util_gpu"`       // percent
	UtilMemory     *uint32      `json:"util_memory"`    // percent
	TemperatureC   *uint32      `json:"temperature_c"`
	PowerW         *float64     `json:"power_w"`
	PowerLimitW    *float64     `json:"power_limit_w"`
	ClockSMMHz     *uint32      `json:"clock_sm_mhz"`
	ClockMemMHz    *uint32      `json:"clock_mem_mhz"`
	FanPercent     *uint32      `json:"fan_percent"`
	PCIeRxKBps     *uint32      `json:"pcie_rx_kbps"`
	PCIeTxKBps     *uint32      `json:"pcie_tx_kbps"`
	ECCCorrected   *uint64      `json:"ecc_corrected"` // volatile (since boot) totals
	ECCUncorrected *uint64      `json:"ecc_uncorrected"`
	Processes      []GPUProcess `json:"processes"` // by PID
}

// GPUProcess is a process on a GPU and, when it belongs to a lathe job, its
// run.
type GPUProcess struct {
	PID        int    `json:"pid"`
	UsedMemory uint64 `json:"used_memory"` // bytes; 0 when unknown
	RunID      string `json:"run_id,omitempty"`
	RunName    string `json:"run_name,omitempty"`
}

// GPUPoint is one reading of a GPU in its history; NaN means n/a.
type GPUPoint struct {
	Time       time.Time `json:"time"`
	Util       Float     `json:"util"`        // percent
	MemoryUsed Float     `json:"memory_used"` // bytes
	PowerW     Float     `json:"power_w"`
	TempC      Float     `json:"temp_c"`
}

// Point is the sample as a reading of the history, so that a client can
// extend a history it read with the samples of the event stream.
func (s GPUSample) Point() GPUPoint {
	p := GPUPoint{Time: s.Time, Util: Float(math.NaN()), MemoryUsed: Float(math.NaN()),
		PowerW: Float(math.NaN()), TempC: Float(math.NaN())}
	if s.Lost {
		return p
	}
	if s.UtilGPU != nil {
		p.Util = Float(*s.UtilGPU)
	}
	if s.MemoryUsed != nil {
		p.MemoryUsed = Float(*s.MemoryUsed)
	}
	if s.PowerW != nil {
		p.PowerW = Float(*s.PowerW)
	}
	if s.TemperatureC != nil {
		p.TempC = Float(*s.TemperatureC)
	}
	return p
}
