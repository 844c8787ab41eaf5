package gpu

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// memoryNotAvailable is NVML_VALUE_NOT_AVAILABLE ((unsigned long long)-1), which
// NVML puts in ProcessInfo.UsedGpuMemory when it cannot tell a process's memory
// (Windows WDDM, some vGPU and MIG setups). Reported as 0, "unknown".
const memoryNotAvailable = ^uint64(0)

var errClosed = errors.New("gpu: probe is closed")

// nvmlProbe reads real GPUs through an nvml.Interface.
type nvmlProbe struct {
	lib     nvml.Interface
	info    Info
	devices []Device
	handles []nvml.Device // nil where the handle could not be had at open: that device samples as Lost

	// sem (capacity 1) serialises samples with each other and with Close.
	// NVML itself is thread-safe, but a driver call that hangs must not pile up
	// a goroutine per device per second, and Shutdown must not pull the library
	// out from under a read in flight.
	sem    chan struct{}
	closed bool // guarded by sem
}

// NewNVML builds the NVML probe on lib (nvml.New() in production, a mock in tests): it calls lib.Init,
// reads the devices once, and Close calls lib.Shutdown. When Init returns nvml.ERROR_LIBRARY_NOT_FOUND,
// it returns an error wrapping ErrNoDriver.
func NewNVML(lib nvml.Interface) (Probe, error) {
	if ret := lib.Init(); ret != nvml.SUCCESS {
		switch ret {
		case nvml.ERROR_LIBRARY_NOT_FOUND:
			return nil, fmt.Errorf("gpu: %w: libnvidia-ml.so.1 could not be loaded (%w)", ErrNoDriver, ret)
		case nvml.ERROR_DRIVER_NOT_LOADED:
			return nil, fmt.Errorf("gpu: %w: the NVIDIA kernel driver is not loaded (%w)", ErrNoDriver, ret)
		}
		return nil, fmt.Errorf("gpu: NVML init: %w", ret)
	}
	count, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		lib.Shutdown()
		return nil, fmt.Errorf("gpu: NVML device count: %w", ret)
	}

	p := &nvmlProbe{
		lib:     lib,
		info:    nvmlInfo(lib),
		devices: make([]Device, count),
		handles: make([]nvml.Device, count),
		sem:     make(chan struct{}, 1),
	}
	var unanswered []string
	for i := range count {
		p.devices[i] = Device{Index: i}
		h, ret := lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			// Keep the index so the others keep NVML's numbering; this one
			// samples as Lost rather than vanishing from the list.
			unanswered = append(unanswered, fmt.Sprintf("GPU %d (%v)", i, ret))
			continue
		}
		p.handles[i] = h
		p.devices[i] = readDevice(i, h)
	}
	switch {
	case count == 0:
		p.info.Notice = "the NVIDIA driver is loaded but shows no GPUs: lathe runs CPU jobs only"
	case len(unanswered) > 0:
		p.info.Notice = fmt.Sprintf("NVML could not open %s: shown as lost", strings.Join(unanswered, ", "))
	}
	return p, nil
}

func nvmlInfo(lib nvml.Interface) Info {
	info := Info{Backend: "nvml"}
	if v, ret := lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		info.Driver = v
	}
	if v, ret := lib.SystemGetNVMLVersion(); ret == nvml.SUCCESS {
		info.NVML = v
	}
	if v, ret := lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS && v > 0 {
		// NVML encodes CUDA 12.4 as 12040 (1000*major + 10*minor).
		info.CUDA = fmt.Sprintf("%d.%d", v/1000, v%1000/10)
	}
	return info
}

// readDevice reads what does not change. A field that fails stays empty: a
// device without a name is still a device the engine can show and sample.
func readDevice(index int, d nvml.Device) Device {
	dev := Device{Index: index}
	if v, ret := d.GetUUID(); ret == nvml.SUCCESS {
		dev.UUID = v
	}
	if v, ret := d.GetName(); ret == nvml.SUCCESS {
		dev.Name = v
	}
	if v, ret := d.GetPciInfo(); ret == nvml.SUCCESS {
		dev.PCIBusID = cString(v.BusId[:])
	}
	if v, ret := d.GetMemoryInfo(); ret == nvml.SUCCESS {
		dev.MemoryTotal = v.Total
	}
	return dev
}

// cString converts a C char array (NUL-terminated, int8 in go-nvml) to a string.
func cString(b []int8) string {
	buf := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		buf = append(buf, byte(c))
	}
	return string(buf)
}

func (p *nvmlProbe) Info() Info        { return p.info }
func (p *nvmlProbe) Devices() []Device { return slices.Clone(p.devices) }

// Sample reads the devices in parallel, one goroutine each: some NVML reads
// are slow by design (PCIe throughput counts bytes over a 20 ms window, twice
// per device), so eight GPUs read in turn would take a third of a second.
//
// When ctx ends first, Sample returns ctx's error at once; the reads in flight
// finish in the background and the next Sample (or Close) waits for them.
func (p *nvmlProbe) Sample(ctx context.Context) ([]Sample, error) {
	// select picks at random among ready cases: an ended ctx must not start reads.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("gpu: sample: %w", err)
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("gpu: sample: %w", ctx.Err())
	}
	if p.closed {
		<-p.sem
		return nil, errClosed
	}

	now := time.Now()
	out := make([]Sample, len(p.handles))
	panics := make([]any, len(p.handles))
	var wg sync.WaitGroup
	for i, h := range p.handles {
		wg.Go(func() {
			// go-nvml's mocks panic on a method the test left unset; in a
			// goroutine that would kill the engine, so it becomes an error.
			defer func() {
				if r := recover(); r != nil {
					panics[i] = r
				}
			}()
			out[i] = sampleDevice(i, h, now)
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		<-p.sem
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("gpu: sample: %w", ctx.Err())
	}
	for i, r := range panics {
		if r != nil {
			return nil, fmt.Errorf("gpu: NVML panicked reading GPU %d: %v", i, r)
		}
	}
	return out, nil
}

// Close shuts NVML down once the reads in flight are over.
func (p *nvmlProbe) Close() error {
	p.sem <- struct{}{}
	defer func() { <-p.sem }()
	if p.closed {
		return nil
	}
	p.closed = true
	if ret := p.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("gpu: NVML shutdown: %w", ret)
	}
	return nil
}

// reader turns NVML returns into optional fields and remembers whether the
// device fell off the bus.
type reader struct{ lost bool }

func (r *reader) ok(ret nvml.Return) bool {
	switch ret {
	case nvml.SUCCESS:
		return true
	case nvml.ERROR_GPU_IS_LOST:
		r.lost = true
	}
	// NOT_SUPPORTED, NO_PERMISSION, UNKNOWN…: that field is n/a, nothing more.
	return false
}

func (r *reader) u32(v uint32, ret nvml.Return) *uint32 {
	if r.ok(ret) {
		return &v
	}
	return nil
}

func (r *reader) u64(v uint64, ret nvml.Return) *uint64 {
	if r.ok(ret) {
		return &v
	}
	return nil
}

func (r *reader) watts(milliwatts uint32, ret nvml.Return) *float64 {
	if r.ok(ret) {
		w := float64(milliwatts) / 1000
		return &w
	}
	return nil
}

// sampleDevice reads one device. Any ERROR_GPU_IS_LOST makes the whole sample
// Lost with no fields: half a reading of a dying GPU would mislead.
func sampleDevice(index int, d nvml.Device, now time.Time) Sample {
	lost := Sample{Index: index, Time: now, Lost: true}
	if d == nil {
		return lost
	}
	var r reader
	s := Sample{Index: index, Time: now}

	if mem, ret := d.GetMemoryInfo(); r.ok(ret) {
		s.MemoryUsed = &mem.Used
	}
	if r.lost {
		// A lost GPU fails its first call; stop before a dozen more.
		return lost
	}
	if util, ret := d.GetUtilizationRates(); r.ok(ret) {
		s.UtilGPU, s.UtilMemory = &util.Gpu, &util.Memory
	}
	s.TemperatureC = r.u32(d.GetTemperature(nvml.TEMPERATURE_GPU))
	s.PowerW = r.watts(d.GetPowerUsage())
	// The enforced limit is what the GPU obeys (the lower of the management
	// limit and others); older GPUs only know the management limit.
	s.PowerLimitW = r.watts(d.GetEnforcedPowerLimit())
	if s.PowerLimitW == nil && !r.lost {
		s.PowerLimitW = r.watts(d.GetPowerManagementLimit())
	}
	s.ClockSMMHz = r.u32(d.GetClockInfo(nvml.CLOCK_SM))
	s.ClockMemMHz = r.u32(d.GetClockInfo(nvml.CLOCK_MEM))
	s.FanPercent = r.u32(d.GetFanSpeed())
	s.PCIeRxKBps = r.u32(d.GetPcieThroughput(nvml.PCIE_UTIL_RX_BYTES))
	s.PCIeTxKBps = r.u32(d.GetPcieThroughput(nvml.PCIE_UTIL_TX_BYTES))
	s.ECCCorrected = r.u64(d.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_CORRECTED, nvml.VOLATILE_ECC))
	s.ECCUncorrected = r.u64(d.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC))
	s.Processes = r.processes(d)
	if r.lost {
		return lost
	}
	return s
}

// processes merges compute and graphics processes by PID, sorted by PID. It is
// nil when neither list could be read (n/a) and empty when the GPU is idle.
func (r *reader) processes(d nvml.Device) []Process {
	compute, cret := d.GetComputeRunningProcesses()
	graphics, gret := d.GetGraphicsRunningProcesses()
	cok, gok := r.ok(cret), r.ok(gret)
	if !cok && !gok {
		return nil
	}
	all := make([]Process, 0, len(compute)+len(graphics))
	for _, list := range [][]nvml.ProcessInfo{compute, graphics} {
		for _, pi := range list {
			mem := pi.UsedGpuMemory
			if mem == memoryNotAvailable {
				mem = 0
			}
			all = append(all, Process{PID: int(pi.Pid), UsedMemory: mem})
		}
	}
	slices.SortFunc(all, func(a, b Process) int { return cmp.Compare(a.PID, b.PID) })
	// A process with both a compute and a graphics context is listed twice
	// with the same memory (NVML counts per process, not per context): keep
	// one, with the larger figure in case one of the two is unknown.
	out := all[:0]
	for _, pr := range all {
		if n := len(out); n > 0 && out[n-1].PID == pr.PID {
			out[n-1].UsedMemory = max(out[n-1].UsedMemory, pr.UsedMemory)
			continue
		}
		out = append(out, pr)
	}
	return out
}
