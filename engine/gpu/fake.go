package gpu

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// What a fake GPU looks like: an 80 GB A100 (SXM, so no fan: FanPercent is nil,
// which also shows n/a in demos).
const (
	fakeName        = "NVIDIA Fake A100"
	fakeMemory      = 80 << 30 // bytes
	fakeIdleW       = 55.0
	fakeMaxW        = 400.0
	fakeIdleC       = 30.0
	fakeHotC        = 75.0 // at 100% utilisation
	fakeIdleSMMHz   = 210.0
	fakeBoostSMMHz  = 1410.0
	fakeMemMHz      = 1593
	fakePCIeMaxKBps = 2_000_000.0 // host→device at 100% utilisation; device→host is half

	// Time constants of the smoothing. A job allocates its memory over a
	// second or so and ramps up over a couple; when its process exits the
	// driver frees the memory at once and the utilisation (an average over
	// NVML's last window) drops within a second. The die warms and cools slowly.
	fakeMemUpTau    = time.Second
	fakeUtilUpTau   = 2 * time.Second
	fakeUtilDownTau = 300 * time.Millisecond
	fakeTempTau     = 20 * time.Second
)

// Fake is N simulated GPUs ("NVIDIA Fake A100", 80 GiB each, UUIDs GPU-fake-000…, bus ids 0000:01:00.0…).
// Its load follows what the engine places on it: utilisation, memory, power and temperature rise with the
// jobs assigned to a device (smoothly, with a little deterministic noise so charts look alive), and its
// Processes are the assigned PIDs — real PIDs of real jobs, so the engine's attribution can be tested.
//
// The smoothing runs on the time between samples: a job's memory is ~95% visible
// 3 s after Assign, its utilisation 6 s after, its heat a minute after. After
// Release the memory is free at the next sample and the utilisation is gone
// within a second or two, as on a real GPU when a process exits; the heat
// lingers. Processes change at once. Close does nothing.
type Fake struct {
	mu      sync.Mutex
	now     func() time.Time // the clock; tests step it instead of sleeping
	devices []Device
	gpus    []fakeGPU
}

type fakeLoad struct {
	memory uint64
	util   uint32
}

type fakeGPU struct {
	procs   map[int]fakeLoad // by PID
	foreign fakeLoad
	lost    bool

	// Smoothed state, advanced by each sample.
	last      time.Time // of the last sample, or of NewFake
	util, mem float64
	temp      float64
	tick      uint64 // samples taken: the seed of the noise
}

// NewFake returns n simulated GPUs. Open("fake:N") bounds n to 1…64; NewFake
// itself takes any n ≥ 0.
func NewFake(n int) *Fake {
	n = max(n, 0)
	f := &Fake{now: time.Now, devices: make([]Device, n), gpus: make([]fakeGPU, n)}
	start := f.now()
	for i := range n {
		f.devices[i] = Device{
			Index:       i,
			UUID:        fmt.Sprintf("GPU-fake-%03d", i),
			Name:        fakeName,
			PCIBusID:    fmt.Sprintf("0000:%02x:00.0", i+1), // bus 00 is the host bridge on a real machine
			MemoryTotal: fakeMemory,
		}
		// Idle and settled: a load assigned before the first sample has been
		// ramping since NewFake.
		f.gpus[i] = fakeGPU{procs: map[int]fakeLoad{}, temp: fakeIdleC, last: start}
	}
	return f
}

// Assign records a job's process on a device (memory bytes, util percent). A
// process on several GPUs is assigned once per device; assigning it again on
// the same device replaces its load. An index out of range is ignored.
func (f *Fake) Assign(index, pid int, memory uint64, util uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if index < 0 || index >= len(f.gpus) {
		return
	}
	f.gpus[index].procs[pid] = fakeLoad{memory: memory, util: util}
}

// Release says the process is gone, from every device.
func (f *Fake) Release(pid int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.gpus {
		delete(f.gpus[i].procs, pid)
	}
}

// SetForeign sets someone else's load on a device (another user's notebook): it
// counts in memory and utilisation but lists no process, as a process in
// another container or PID namespace would. Zero clears it.
func (f *Fake) SetForeign(index int, memory uint64, util uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if index < 0 || index >= len(f.gpus) {
		return
	}
	f.gpus[index].foreign = fakeLoad{memory: memory, util: util}
}

// SetLost makes a device fall off the bus (lost) or come back.
func (f *Fake) SetLost(index int, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if index < 0 || index >= len(f.gpus) {
		return
	}
	f.gpus[index].lost = lost
}

func (f *Fake) Info() Info {
	n := len(f.devices)
	what := "fake GPUs"
	if n == 1 {
		what = "fake GPU"
	}
	return Info{
		Backend: "fake",
		Driver:  "fake",
		Notice:  fmt.Sprintf("%d %s: their readings are simulated, not measured", n, what),
	}
}

func (f *Fake) Devices() []Device { return slices.Clone(f.devices) }

func (f *Fake) Close() error { return nil }

// Sample advances every device to now and reads it.
func (f *Fake) Sample(ctx context.Context) ([]Sample, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("gpu: sample: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	out := make([]Sample, len(f.gpus))
	for i := range f.gpus {
		out[i] = f.gpus[i].sample(i, now)
	}
	return out, nil
}

// targets is where the load on the device would settle.
func (g *fakeGPU) targets() (util, mem float64) {
	var u, m uint64
	for _, l := range g.procs {
		u += uint64(l.util)
		m += l.memory
	}
	u += uint64(g.foreign.util)
	m += g.foreign.memory
	return float64(min(u, 100)), float64(min(m, fakeMemory))
}

func (g *fakeGPU) sample(index int, now time.Time) Sample {
	utilT, memT := g.targets()
	dt := max(now.Sub(g.last), 0) // a wall clock stepped back is no time at all
	g.last = now
	g.tick++
	if memT < g.mem {
		g.mem = memT
	} else {
		g.mem = approach(g.mem, memT, dt, fakeMemUpTau, 1<<20)
	}
	utilTau := fakeUtilUpTau
	if utilT < g.util {
		utilTau = fakeUtilDownTau
	}
	g.util = approach(g.util, utilT, dt, utilTau, 0.5)
	g.temp = approach(g.temp, fakeIdleC+(fakeHotC-fakeIdleC)*g.util/100, dt, fakeTempTau, 0.05)

	// The device goes on warming or cooling while lost, so it comes back
	// where it would have been.
	if g.lost {
		return Sample{Index: index, Time: now, Lost: true}
	}

	// Three independent noises in [-1, 1), the same for the same device and tick.
	n1, n2, n3 := noise(index, g.tick, 1), noise(index, g.tick, 2), noise(index, g.tick, 3)

	util := g.util
	if util >= 1 {
		util = clamp(util+3*n1, 1, 100) // a busy GPU flickers; an idle one reads a steady 0
	}
	utilPct := uint32(math.Round(util))
	utilMem := uint32(math.Round(util * 0.45))
	mem := uint64(g.mem)
	temp := uint32(math.Round(g.temp + 0.5*n2))
	power := math.Round((fakeIdleW+(fakeMaxW-fakeIdleW)*util/100+3*n3)*1000) / 1000 // NVML reads whole mW
	limit := fakeMaxW
	sm := uint32(fakeIdleSMMHz + (fakeBoostSMMHz-fakeIdleSMMHz)*clamp(util/20, 0, 1))
	memClock := uint32(fakeMemMHz)
	rx := uint32(fakePCIeMaxKBps * util / 100 * (1 + 0.1*n2))
	tx := rx / 2
	var corrected, uncorrected uint64

	procs := make([]Process, 0, len(g.procs))
	for pid, l := range g.procs {
		procs = append(procs, Process{PID: pid, UsedMemory: l.memory})
	}
	slices.SortFunc(procs, func(a, b Process) int { return a.PID - b.PID })

	return Sample{
		Index:          index,
		Time:           now,
		MemoryUsed:     &mem,
		UtilGPU:        &utilPct,
		UtilMemory:     &utilMem,
		TemperatureC:   &temp,
		PowerW:         &power,
		PowerLimitW:    &limit,
		ClockSMMHz:     &sm,
		ClockMemMHz:    &memClock,
		FanPercent:     nil, // passively cooled, like a real SXM board
		PCIeRxKBps:     &rx,
		PCIeTxKBps:     &tx,
		ECCCorrected:   &corrected,
		ECCUncorrected: &uncorrected,
		Processes:      procs,
	}
}

// approach moves x toward target as a first-order lag with time constant tau
// over dt, and snaps to target once within eps so an idle GPU reads exactly idle.
func approach(x, target float64, dt, tau time.Duration, eps float64) float64 {
	x = target + (x-target)*math.Exp(-dt.Seconds()/tau.Seconds())
	if math.Abs(x-target) < eps {
		return target
	}
	return x
}

func clamp(x, lo, hi float64) float64 { return min(max(x, lo), hi) }

// noise is a deterministic value in [-1, 1) from (device, tick, stream), by
// splitmix64: runs and tests see the same wiggles, with no shared rand state.
func noise(index int, tick uint64, stream uint64) float64 {
	z := uint64(index)*0x9e3779b97f4a7c15 ^ tick*0xbf58476d1ce4e5b9 ^ stream*0x94d049bb133111eb
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11)/float64(1<<52) - 1
}
