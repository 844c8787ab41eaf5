package gpu

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

const (
	gib = uint64(1) << 30
	mib = uint64(1) << 20
)

// complete fills the DeviceMock funcs that go-nvml's mock server leaves nil (and
// that panic when called) with fixed readings, so every field of a Sample has a
// value. Device i uses 10+i GiB, runs at 50+i % and hosts procs compute
// processes with PIDs 1000*(i+1)+k, 1 GiB each. With graphics, it also has a
// graphics context for the first compute PID (memory unknown) and two
// graphics-only processes, one of unknown memory.
func complete(s *server.Server, procs int, graphics bool) {
	for i, nd := range s.Devices {
		d := nd.(*server.Device)
		d.MemoryInfo.Used = uint64(10+i) * gib
		d.MemoryInfo.Free = d.MemoryInfo.Total - d.MemoryInfo.Used
		busID := d.PciBusID
		// The server's GetPciInfo leaves BusId empty; a real driver fills it.
		d.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) {
			var p nvml.PciInfo
			for j := range len(busID) {
				p.BusId[j] = int8(busID[j])
			}
			return p, nvml.SUCCESS
		}
		d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: uint32(50 + i), Memory: uint32(20 + i)}, nvml.SUCCESS
		}
		d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return uint32(40 + i), nvml.SUCCESS }
		d.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 250_500, nvml.SUCCESS }
		d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 400_000, nvml.SUCCESS }
		d.GetPowerManagementLimitFunc = func() (uint32, nvml.Return) { return 500_000, nvml.SUCCESS }
		d.GetClockInfoFunc = func(c nvml.ClockType) (uint32, nvml.Return) {
			switch c {
			case nvml.CLOCK_SM:
				return 1410, nvml.SUCCESS
			case nvml.CLOCK_MEM:
				return 1215, nvml.SUCCESS
			}
			return 0, nvml.ERROR_INVALID_ARGUMENT
		}
		d.GetFanSpeedFunc = func() (uint32, nvml.Return) { return 30, nvml.SUCCESS }
		d.GetPcieThroughputFunc = func(c nvml.PcieUtilCounter) (uint32, nvml.Return) {
			if c == nvml.PCIE_UTIL_RX_BYTES {
				return 1000, nvml.SUCCESS
			}
			return 500, nvml.SUCCESS
		}
		d.GetTotalEccErrorsFunc = func(t nvml.MemoryErrorType, c nvml.EccCounterType) (uint64, nvml.Return) {
			if c != nvml.VOLATILE_ECC {
				return 0, nvml.ERROR_INVALID_ARGUMENT
			}
			if t == nvml.MEMORY_ERROR_TYPE_CORRECTED {
				return 3, nvml.SUCCESS
			}
			return 1, nvml.SUCCESS
		}
		base := uint32(1000 * (i + 1))
		compute := make([]nvml.ProcessInfo, procs)
		for k := range compute {
			compute[k] = nvml.ProcessInfo{Pid: base + uint32(k), UsedGpuMemory: gib}
		}
		var gfx []nvml.ProcessInfo
		if graphics {
			gfx = []nvml.ProcessInfo{
				{Pid: base + 999, UsedGpuMemory: 256 * mib},
				{Pid: base, UsedGpuMemory: memoryNotAvailable},
				{Pid: base + 998, UsedGpuMemory: memoryNotAvailable},
			}
		}
		d.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return compute, nvml.SUCCESS }
		d.GetGraphicsRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return gfx, nvml.SUCCESS }
	}
}

func dev(s *server.Server, i int) *server.Device { return s.Devices[i].(*server.Device) }

func openMock(t testing.TB, s *server.Server) Probe {
	t.Helper()
	p, err := NewNVML(s)
	if err != nil {
		t.Fatalf("NewNVML: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func sample(t testing.TB, p Probe) []Sample {
	t.Helper()
	ss, err := p.Sample(context.Background())
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	if len(ss) != len(p.Devices()) {
		t.Fatalf("Sample gave %d samples for %d devices", len(ss), len(p.Devices()))
	}
	return ss
}

func TestNVMLDevicesAndInfo(t *testing.T) {
	for _, tc := range []struct {
		name   string
		server *server.Server
		gpu    string
		memory uint64
	}{
		{"dgxa100", dgxa100.New(), "Mock NVIDIA A100-SXM4-40GB", 40 * gib},
		{"dgxh100", dgxh100.New(), "NVIDIA H100 80GB HBM3", 80 * gib},
	} {
		t.Run(tc.name, func(t *testing.T) {
			complete(tc.server, 2, false)
			p := openMock(t, tc.server)
			devs := p.Devices()
			if len(devs) != 8 {
				t.Fatalf("%d devices, want 8", len(devs))
			}
			seen := map[string]bool{}
			for i, d := range devs {
				want := dev(tc.server, i)
				if d.Index != i || d.UUID != want.UUID || d.Name != tc.gpu || d.MemoryTotal != tc.memory || d.PCIBusID != want.PciBusID {
					t.Errorf("device %d = %+v, want uuid %s name %q memory %d bus %s", i, d, want.UUID, tc.gpu, tc.memory, want.PciBusID)
				}
				if !strings.HasPrefix(d.UUID, "GPU-") || seen[d.UUID] {
					t.Errorf("device %d: bad or repeated UUID %q", i, d.UUID)
				}
				seen[d.UUID] = true
			}
			devs[0].Name = "changed"
			if p.Devices()[0].Name == "changed" {
				t.Error("Devices returns the probe's own slice")
			}
			info := p.Info()
			want := Info{Backend: "nvml", Driver: "550.54.15", NVML: "12.550.54.15", CUDA: "12.4"}
			if info != want {
				t.Errorf("Info = %+v, want %+v", info, want)
			}
		})
	}
}

func TestNVMLSampleEveryField(t *testing.T) {
	s := dgxa100.New()
	complete(s, 4, true)
	p := openMock(t, s)
	ss := sample(t, p)
	for i, sm := range ss {
		if sm.Index != i || sm.Lost || sm.Time.IsZero() {
			t.Fatalf("sample %d: index %d lost %v time %v", i, sm.Index, sm.Lost, sm.Time)
		}
		check := func(name string, got any, want any) {
			t.Helper()
			if got != want {
				t.Errorf("GPU %d %s = %v, want %v", i, name, got, want)
			}
		}
		for name, ptr := range map[string]bool{
			"MemoryUsed": sm.MemoryUsed == nil, "UtilGPU": sm.UtilGPU == nil, "UtilMemory": sm.UtilMemory == nil,
			"TemperatureC": sm.TemperatureC == nil, "PowerW": sm.PowerW == nil, "PowerLimitW": sm.PowerLimitW == nil,
			"ClockSMMHz": sm.ClockSMMHz == nil, "ClockMemMHz": sm.ClockMemMHz == nil, "FanPercent": sm.FanPercent == nil,
			"PCIeRxKBps": sm.PCIeRxKBps == nil, "PCIeTxKBps": sm.PCIeTxKBps == nil,
			"ECCCorrected": sm.ECCCorrected == nil, "ECCUncorrected": sm.ECCUncorrected == nil,
		} {
			if ptr {
				t.Fatalf("GPU %d: %s is nil", i, name)
			}
		}
		check("MemoryUsed", *sm.MemoryUsed, uint64(10+i)*gib)
		check("UtilGPU", *sm.UtilGPU, uint32(50+i))
		check("UtilMemory", *sm.UtilMemory, uint32(20+i))
		check("TemperatureC", *sm.TemperatureC, uint32(40+i))
		check("PowerW", *sm.PowerW, 250.5)
		check("PowerLimitW", *sm.PowerLimitW, 400.0)
		check("ClockSMMHz", *sm.ClockSMMHz, uint32(1410))
		check("ClockMemMHz", *sm.ClockMemMHz, uint32(1215))
		check("FanPercent", *sm.FanPercent, uint32(30))
		check("PCIeRxKBps", *sm.PCIeRxKBps, uint32(1000))
		check("PCIeTxKBps", *sm.PCIeTxKBps, uint32(500))
		check("ECCCorrected", *sm.ECCCorrected, uint64(3))
		check("ECCUncorrected", *sm.ECCUncorrected, uint64(1))

		// Four compute processes, a graphics context of the first one (listed
		// once, keeping its known memory), and two graphics-only processes,
		// one whose memory NVML does not know (0).
		base := 1000 * (i + 1)
		want := []Process{
			{base, gib}, {base + 1, gib}, {base + 2, gib}, {base + 3, gib},
			{base + 998, 0}, {base + 999, 256 * mib},
		}
		if len(sm.Processes) != len(want) {
			t.Fatalf("GPU %d processes = %v, want %v", i, sm.Processes, want)
		}
		for k := range want {
			if sm.Processes[k] != want[k] {
				t.Errorf("GPU %d processes = %v, want %v", i, sm.Processes, want)
				break
			}
		}
	}
}

func TestNVMLNotSupported(t *testing.T) {
	s := dgxh100.New()
	complete(s, 1, false)
	d := dev(s, 2)
	notSupported := func() (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
	d.GetFanSpeedFunc = notSupported
	d.GetTotalEccErrorsFunc = func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) {
		return 0, nvml.ERROR_NOT_SUPPORTED
	}
	d.GetPcieThroughputFunc = func(nvml.PcieUtilCounter) (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
	d.GetClockInfoFunc = func(nvml.ClockType) (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
	// MIG mode hides utilisation; an odd error is n/a too, not a failure.
	d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{}, nvml.ERROR_UNKNOWN }
	// Older boards have no enforced limit: the management limit stands in.
	d.GetEnforcedPowerLimitFunc = notSupported
	d.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.ERROR_NOT_SUPPORTED }
	d.GetGraphicsRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) {
		return []nvml.ProcessInfo{{Pid: 77, UsedGpuMemory: mib}}, nvml.SUCCESS
	}
	d6 := dev(s, 6)
	d6.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.ERROR_NOT_SUPPORTED }
	d6.GetGraphicsRunningProcessesFunc = d6.GetComputeRunningProcessesFunc
	d6.GetPowerUsageFunc = notSupported

	p := openMock(t, s)
	ss := sample(t, p)
	got := ss[2]
	if got.Lost {
		t.Fatal("GPU 2 is lost; NOT_SUPPORTED must not lose a device")
	}
	if got.FanPercent != nil || got.ECCCorrected != nil || got.ECCUncorrected != nil || got.PCIeRxKBps != nil ||
		got.PCIeTxKBps != nil || got.ClockSMMHz != nil || got.ClockMemMHz != nil || got.UtilGPU != nil || got.UtilMemory != nil {
		t.Errorf("unsupported fields are not nil: %+v", got)
	}
	if got.MemoryUsed == nil || *got.MemoryUsed != 12*gib || got.TemperatureC == nil || got.PowerW == nil {
		t.Errorf("supported fields missing: %+v", got)
	}
	if got.PowerLimitW == nil || *got.PowerLimitW != 500 {
		t.Errorf("PowerLimitW = %v, want the management limit 500 W", got.PowerLimitW)
	}
	if len(got.Processes) != 1 || got.Processes[0] != (Process{77, mib}) {
		t.Errorf("processes = %v, want the graphics process 77", got.Processes)
	}

	// n/a is null in JSON, never 0; an idle GPU's processes are [], unknown ones null.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"fan_percent":null`, `"ecc_corrected":null`, `"clock_sm_mhz":null`, `"util_gpu":null`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if ss[6].Processes != nil || ss[6].PowerW != nil || ss[6].MemoryUsed == nil {
		t.Errorf("GPU 6: processes %v power %v memory %v, want nil, nil, set", ss[6].Processes, ss[6].PowerW, ss[6].MemoryUsed)
	}
	if b, _ := json.Marshal(ss[6]); !strings.Contains(string(b), `"processes":null`) {
		t.Errorf("unknown processes are not null in %s", b)
	}

	for i, sm := range ss {
		if i == 2 || i == 6 {
			continue
		}
		if sm.Lost || sm.FanPercent == nil || sm.ECCCorrected == nil || sm.ClockSMMHz == nil || sm.PCIeRxKBps == nil || len(sm.Processes) != 1 {
			t.Errorf("GPU %d is affected by GPU 2: %+v", i, sm)
		}
	}
}

func TestNVMLGPUIsLost(t *testing.T) {
	s := dgxa100.New()
	complete(s, 2, false)
	// GPU 3 fails its first call, GPU 5 only halfway through the sample.
	dev(s, 3).GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) { return nvml.Memory{}, nvml.ERROR_GPU_IS_LOST }
	p := openMock(t, s)
	dev(s, 5).GetTotalEccErrorsFunc = func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) {
		return 0, nvml.ERROR_GPU_IS_LOST
	}
	if d := p.Devices()[3]; d.UUID != dev(s, 3).UUID || d.MemoryTotal != 0 {
		t.Errorf("device 3 = %+v: want its UUID and no memory total", d)
	}
	ss := sample(t, p)
	for _, i := range []int{3, 5} {
		want := Sample{Index: i, Time: ss[i].Time, Lost: true}
		if got := ss[i]; !got.Lost || got.MemoryUsed != nil || got.UtilGPU != nil || got.Processes != nil || got.Index != i {
			t.Errorf("GPU %d = %+v, want %+v", i, got, want)
		}
	}
	for i, sm := range ss {
		if i != 3 && i != 5 && (sm.Lost || sm.MemoryUsed == nil || sm.ECCCorrected == nil || len(sm.Processes) != 2) {
			t.Errorf("GPU %d = %+v, want a full sample", i, sm)
		}
	}
	if b, _ := json.Marshal(ss[3]); !strings.Contains(string(b), `"lost":true`) {
		t.Errorf("lost sample JSON %s", b)
	}
	if b, _ := json.Marshal(ss[0]); strings.Contains(string(b), `"lost"`) {
		t.Errorf("healthy sample JSON %s mentions lost", b)
	}
}

func TestNVMLHandleFailsAtOpen(t *testing.T) {
	s := dgxa100.New()
	complete(s, 1, false)
	handle := s.DeviceGetHandleByIndexFunc
	s.DeviceGetHandleByIndexFunc = func(i int) (nvml.Device, nvml.Return) {
		if i == 2 {
			return nil, nvml.ERROR_GPU_IS_LOST
		}
		return handle(i)
	}
	p := openMock(t, s)
	devs := p.Devices()
	if len(devs) != 8 || devs[2].Index != 2 || devs[2].UUID != "" || devs[3].UUID != dev(s, 3).UUID {
		t.Fatalf("devices = %+v: want 8, GPU 2 blank, the others in place", devs)
	}
	if n := p.Info().Notice; !strings.Contains(n, "GPU 2") {
		t.Errorf("Notice %q does not name GPU 2", n)
	}
	ss := sample(t, p)
	if !ss[2].Lost || ss[3].Lost || ss[3].Index != 3 {
		t.Errorf("GPU 2 lost %v, GPU 3 lost %v", ss[2].Lost, ss[3].Lost)
	}
}

func TestNVMLNoLibrary(t *testing.T) {
	for _, tc := range []struct {
		ret      nvml.Return
		noDriver bool
		notice   string
	}{
		{nvml.ERROR_LIBRARY_NOT_FOUND, true, "no NVIDIA driver found (libnvidia-ml.so.1 is missing): lathe runs CPU jobs only"},
		{nvml.ERROR_DRIVER_NOT_LOADED, true, "no NVIDIA driver loaded"},
		{nvml.ERROR_LIB_RM_VERSION_MISMATCH, false, "different versions"},
		{nvml.ERROR_UNKNOWN, false, "could not be used"},
	} {
		lib := &mock.Interface{InitFunc: func() nvml.Return { return tc.ret }}
		p, err := NewNVML(lib)
		if p != nil || err == nil {
			t.Fatalf("%v: NewNVML = %v, %v; want an error", tc.ret, p, err)
		}
		if errors.Is(err, ErrNoDriver) != tc.noDriver {
			t.Errorf("%v: errors.Is(%v, ErrNoDriver) = %v", tc.ret, err, !tc.noDriver)
		}
		if !errors.Is(err, tc.ret) {
			t.Errorf("%v: %v does not wrap the NVML return", tc.ret, err)
		}
		if n := noticeFor(err); !strings.Contains(n, tc.notice) || !strings.Contains(n, "CPU jobs only") {
			t.Errorf("%v: notice %q", tc.ret, n)
		}
		if len(lib.ShutdownCalls()) != 0 {
			t.Errorf("%v: Shutdown called after a failed Init", tc.ret)
		}
	}

	// Init works but the count does not: Shutdown balances the Init.
	s := dgxa100.New()
	s.DeviceGetCountFunc = func() (int, nvml.Return) { return 0, nvml.ERROR_UNKNOWN }
	if _, err := NewNVML(s); err == nil || len(s.ShutdownCalls()) != 1 {
		t.Errorf("count failure: err %v, %d Shutdown calls", err, len(s.ShutdownCalls()))
	}
}

func TestNVMLNoDevices(t *testing.T) {
	s := dgxa100.NewWithGPUs()
	p := openMock(t, s)
	if len(p.Devices()) != 0 || !strings.Contains(p.Info().Notice, "no GPUs") {
		t.Errorf("devices %v, notice %q", p.Devices(), p.Info().Notice)
	}
	if ss := sample(t, p); len(ss) != 0 {
		t.Errorf("samples %v", ss)
	}
}

// On this machine (and in CI) there is no driver: nvml.New().Init() really
// returns LIBRARY_NOT_FOUND.
func TestOpenWithoutDriver(t *testing.T) {
	p, err := Open("auto")
	if err != nil {
		t.Fatalf(`Open("auto") = %v; it must not fail for want of a GPU`, err)
	}
	defer p.Close()
	info := p.Info()
	if info.Backend == "nvml" {
		t.Skip("this machine has an NVIDIA driver")
	}
	if info.Backend != "none" || len(p.Devices()) != 0 {
		t.Errorf(`Open("auto") = %+v with %d devices, want none`, info, len(p.Devices()))
	}
	if !strings.Contains(info.Notice, "no NVIDIA driver") || !strings.Contains(info.Notice, "CPU jobs") {
		t.Errorf("notice %q does not say plainly there is no driver and jobs run on CPU", info.Notice)
	}
	if ss, err := p.Sample(context.Background()); err != nil || len(ss) != 0 {
		t.Errorf("none Sample = %v, %v", ss, err)
	}

	p, err = Open("nvml")
	if !errors.Is(err, ErrNoDriver) || p != nil {
		t.Errorf(`Open("nvml") = %v, %v; want an error wrapping ErrNoDriver`, p, err)
	}
}

func TestNVMLClose(t *testing.T) {
	s := dgxa100.New()
	complete(s, 1, false)
	p, err := NewNVML(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.ShutdownCalls()); n != 1 {
		t.Errorf("%d Shutdown calls, want 1", n)
	}
	if _, err := p.Sample(context.Background()); err == nil {
		t.Error("Sample after Close succeeded")
	}
}

func TestNVMLSampleErrors(t *testing.T) {
	s := dgxa100.New()
	complete(s, 1, false)
	p := openMock(t, s)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Sample(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Sample(cancelled) = %v", err)
	}

	// A mock method left unset panics; in the probe's goroutines that would
	// kill the engine, so it must come back as an error.
	dev(s, 4).GetFanSpeedFunc = nil
	if _, err := p.Sample(context.Background()); err == nil || !strings.Contains(err.Error(), "GPU 4") {
		t.Errorf("Sample with a panicking device = %v", err)
	}
}

func TestNVMLConcurrent(t *testing.T) {
	s := dgxh100.New()
	complete(s, 3, true)
	p, err := NewNVML(s)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if _, err := p.Sample(context.Background()); err != nil && !errors.Is(err, errClosed) {
					t.Error(err)
				}
				_ = p.Devices()
				_ = p.Info()
			}
		})
	}
	wg.Go(func() { p.Close() })
	wg.Wait()
}

func BenchmarkSampleNVML8(b *testing.B) {
	s := dgxa100.New()
	complete(s, 4, false)
	p := openMock(b, s)
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := p.Sample(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// The engine samples once a second: the share of one core that costs.
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N)*100, "%core")
}
