package gpu

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// Device is what does not change while the engine runs.
type Device struct {
	Index       int    `json:"index"`
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	PCIBusID    string `json:"pci_bus_id"`
	MemoryTotal uint64 `json:"memory_total"` // bytes
}

// Sample is one reading of one device. A field the device does not support
// (nvml.ERROR_NOT_SUPPORTED) or that failed to read is nil: shown as n/a,
// never as 0, and never an error for the whole device.
type Sample struct {
	Index          int       `json:"index"`
	Time           time.Time `json:"time"`
	Lost           bool      `json:"lost,omitempty"` // fell off the bus (nvml.ERROR_GPU_IS_LOST) or vanished
	MemoryUsed     *uint64   `json:"memory_used"`    // bytes
	UtilGPU        *uint32   `json:"util_gpu"`       // percent
	UtilMemory     *uint32   `json:"util_memory"`    // percent
	TemperatureC   *uint32   `json:"temperature_c"`
	PowerW         *float64  `json:"power_w"`
	PowerLimitW    *float64  `json:"power_limit_w"`
	ClockSMMHz     *uint32   `json:"clock_sm_mhz"`
	ClockMemMHz    *uint32   `json:"clock_mem_mhz"`
	FanPercent     *uint32   `json:"fan_percent"`
	PCIeRxKBps     *uint32   `json:"pcie_rx_kbps"`
	PCIeTxKBps     *uint32   `json:"pcie_tx_kbps"`
	ECCCorrected   *uint64   `json:"ecc_corrected"` // volatile (since boot) totals
	ECCUncorrected *uint64   `json:"ecc_uncorrected"`
	Processes      []Process `json:"processes"` // compute and graphics processes, by PID, deduplicated
}

// Process is one process holding a context on a device.
type Process struct {
	PID        int    `json:"pid"`
	UsedMemory uint64 `json:"used_memory"` // bytes; 0 when unknown
}

// Info describes the driver, for `lathe doctor`.
type Info struct {
	Backend string `json:"backend"` // "nvml", "fake", "none"
	Driver  string `json:"driver,omitempty"`
	NVML    string `json:"nvml,omitempty"`
	CUDA    string `json:"cuda,omitempty"` // e.g. "12.4" from SystemGetCudaDriverVersion
	// Notice is the one plain sentence to tell a user once, e.g. why there are no GPUs:
	// "no NVIDIA driver found (libnvidia-ml.so.1 is missing): lathe runs CPU jobs only".
	Notice string `json:"notice,omitempty"`
}

// Probe is what the engine samples. All methods are safe for concurrent use.
type Probe interface {
	Info() Info
	Devices() []Device
	// Sample reads every device now. A device that errors is marked Lost or has nil fields; the error
	// return is only for a failure of the whole probe.
	Sample(ctx context.Context) ([]Sample, error)
	Close() error
}

// ErrNoDriver is wrapped by the errors of Open("nvml") and NewNVML when there is
// no usable NVIDIA driver on the machine.
var ErrNoDriver = errors.New("no NVIDIA driver")

// maxFake bounds fake:N; 64 is more GPUs than any workstation has, and keeps a
// typo such as fake:800 from building a useless monster.
const maxFake = 64

const acceptedSpecs = `"auto", "nvml", "none" or "fake:N" (N fake GPUs, 1 to 64)`

// Open chooses a probe from a spec: "auto" (NVML if it loads, else none with a Notice),
// "nvml" (an error wrapping ErrNoDriver when it cannot load), "fake:N" (N fake GPUs, 1 ≤ N ≤ 64), "none".
// Anything else is an error naming the accepted forms.
func Open(spec string) (Probe, error) {
	if err := CheckSpec(spec); err != nil {
		return nil, err
	}
	switch spec {
	case "auto":
		p, err := NewNVML(nvml.New())
		if err != nil {
			// A machine without GPUs is normal for lathe: auto never fails, it
			// degrades to CPU jobs and says so once.
			return None(noticeFor(err)), nil
		}
		return p, nil
	case "nvml":
		return NewNVML(nvml.New())
	case "none":
		return None(""), nil
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(spec, "fake:"))
	return NewFake(n), nil
}

// CheckSpec says what is wrong with a probe's spec, without opening it (the
// config checks it so, before an engine refuses it).
func CheckSpec(spec string) error {
	switch spec {
	case "auto", "nvml", "none":
		return nil
	}
	if n, ok := strings.CutPrefix(spec, "fake:"); ok {
		count, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("gpu probe %q: N in fake:N must be a whole number from 1 to %d", spec, maxFake)
		}
		if count < 1 || count > maxFake {
			return fmt.Errorf("gpu probe %q: fake:N takes 1 to %d GPUs, not %d", spec, maxFake, count)
		}
		return nil
	}
	return fmt.Errorf("gpu probe %q is not known: use %s", spec, acceptedSpecs)
}

// noticeFor turns the error of NewNVML into the sentence "auto" shows the user.
func noticeFor(err error) string {
	var ret nvml.Return
	if errors.As(err, &ret) {
		switch ret {
		case nvml.ERROR_LIBRARY_NOT_FOUND:
			return "no NVIDIA driver found (libnvidia-ml.so.1 is missing): lathe runs CPU jobs only"
		case nvml.ERROR_DRIVER_NOT_LOADED:
			return "no NVIDIA driver loaded (libnvidia-ml.so.1 is installed but the kernel module is not running): lathe runs CPU jobs only"
		case nvml.ERROR_LIB_RM_VERSION_MISMATCH:
			return "the NVIDIA driver and libnvidia-ml.so.1 are different versions (a driver upgrade waiting for a reboot?): lathe runs CPU jobs only"
		case nvml.ERROR_NO_PERMISSION:
			return "no permission to use the NVIDIA driver (/dev/nvidia*): lathe runs CPU jobs only"
		}
	}
	return fmt.Sprintf("the NVIDIA driver could not be used (%v): lathe runs CPU jobs only", err)
}
