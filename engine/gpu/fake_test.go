package gpu

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// stepped returns a fake on a clock the test moves by hand.
func stepped(n int) (*Fake, func(time.Duration)) {
	f := NewFake(n)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.now = func() time.Time { return now }
	for i := range f.gpus {
		f.gpus[i].last = now
	}
	return f, func(d time.Duration) { now = now.Add(d) }
}

func u32(p *uint32) int64 {
	if p == nil {
		return -1
	}
	return int64(*p)
}

func u64(p *uint64) int64 {
	if p == nil {
		return -1
	}
	return int64(*p)
}

func near(got int64, want, tol int64) bool { return got >= want-tol && got <= want+tol }

func TestFakeDevices(t *testing.T) {
	f := NewFake(12)
	devs := f.Devices()
	if len(devs) != 12 {
		t.Fatalf("%d devices", len(devs))
	}
	for i, d := range devs {
		want := Device{
			Index:       i,
			UUID:        fmt.Sprintf("GPU-fake-%03d", i),
			Name:        "NVIDIA Fake A100",
			PCIBusID:    fmt.Sprintf("0000:%02x:00.0", i+1),
			MemoryTotal: 80 * gib,
		}
		if d != want {
			t.Errorf("device %d = %+v, want %+v", i, d, want)
		}
	}
	if info := f.Info(); info.Backend != "fake" || info.Notice == "" {
		t.Errorf("Info = %+v", info)
	}
	ss := sample(t, f)
	for i, s := range ss {
		if s.Index != i || s.Lost || u32(s.UtilGPU) != 0 || u64(s.MemoryUsed) != 0 || s.Processes == nil || len(s.Processes) != 0 {
			t.Errorf("idle GPU %d = %+v", i, s)
		}
		// Every field but the fan (an SXM board has none) is there.
		if s.UtilMemory == nil || s.TemperatureC == nil || s.PowerW == nil || s.PowerLimitW == nil || s.ClockSMMHz == nil ||
			s.ClockMemMHz == nil || s.PCIeRxKBps == nil || s.PCIeTxKBps == nil || s.ECCCorrected == nil || s.ECCUncorrected == nil || s.FanPercent != nil {
			t.Errorf("GPU %d fields: %+v", i, s)
		}
	}
}

func TestFakeLoadFollowsJobs(t *testing.T) {
	f, step := stepped(3)
	idle := sample(t, f)[1]

	f.Assign(1, 4242, 20*gib, 60)
	f.Assign(1, 4243, 10*gib, 30)
	f.Assign(7, 1, gib, 50) // no GPU 7: ignored
	step(time.Second)
	first := sample(t, f)[1]
	// One second in: on the way, not there (smooth, no jump).
	if u := u32(first.UtilGPU); u < 20 || u > 50 {
		t.Errorf("util after 1 s = %d, want on the way to 90", u)
	}
	if m := u64(first.MemoryUsed); m <= 0 || m >= int64(30*gib) {
		t.Errorf("memory after 1 s = %d, want on the way to 30 GiB", m)
	}
	want := []Process{{4242, 20 * gib}, {4243, 10 * gib}}
	if !reflect.DeepEqual(first.Processes, want) {
		t.Errorf("processes = %v, want %v at once", first.Processes, want)
	}

	var busy Sample
	for range 120 {
		step(time.Second)
		busy = sample(t, f)[1]
	}
	if u := u32(busy.UtilGPU); !near(u, 90, 3) {
		t.Errorf("busy util = %d, want 90±3", u)
	}
	if m := u64(busy.MemoryUsed); m != int64(30*gib) {
		t.Errorf("busy memory = %d, want 30 GiB", m)
	}
	if *busy.PowerW < *idle.PowerW+200 || *busy.PowerW > *busy.PowerLimitW {
		t.Errorf("power idle %v busy %v limit %v", *idle.PowerW, *busy.PowerW, *busy.PowerLimitW)
	}
	if tc := u32(busy.TemperatureC); !near(tc, 70, 2) || tc <= u32(idle.TemperatureC)+20 {
		t.Errorf("temperature idle %d busy %d", u32(idle.TemperatureC), tc)
	}
	if u32(busy.ClockSMMHz) <= u32(idle.ClockSMMHz) || u32(busy.PCIeRxKBps) <= 0 || u32(busy.UtilMemory) <= 0 {
		t.Errorf("busy clocks / PCIe / memory util did not rise: %+v", busy)
	}
	for _, i := range []int{0, 2} {
		if s := sample(t, f)[i]; u32(s.UtilGPU) != 0 || u64(s.MemoryUsed) != 0 || len(s.Processes) != 0 {
			t.Errorf("GPU %d carries GPU 1's load: %+v", i, s)
		}
	}

	// A process that exits frees its memory at once; its utilisation
	// fades within a second or two.
	f.Release(4242)
	step(time.Second)
	if m := u64(sample(t, f)[1].MemoryUsed); m != int64(10*gib) {
		t.Errorf("memory 1 s after releasing 4242 = %d, want 10 GiB", m)
	}
	step(2 * time.Second)
	half := sample(t, f)[1]
	if u := u32(half.UtilGPU); !near(u, 30, 3) || u64(half.MemoryUsed) != int64(10*gib) {
		t.Errorf("after releasing 4242: util %d memory %d, want 30, 10 GiB", u, u64(half.MemoryUsed))
	}
	if !reflect.DeepEqual(half.Processes, want[1:]) {
		t.Errorf("processes = %v, want %v", half.Processes, want[1:])
	}

	f.Release(4243)
	f.Release(99) // unknown: nothing happens
	step(3 * time.Second)
	gone := sample(t, f)[1]
	if u32(gone.UtilGPU) != 0 || u64(gone.MemoryUsed) != 0 || len(gone.Processes) != 0 {
		t.Errorf("after releasing all: %+v", gone)
	}
}

func TestFakeMultiGPUProcess(t *testing.T) {
	f, step := stepped(4)
	for i := range 4 {
		f.Assign(i, 500, 8*gib, 100)
	}
	f.Assign(2, 500, 4*gib, 100) // re-assigning replaces
	step(time.Minute)
	ss := sample(t, f)
	for i, s := range ss {
		mem := 8 * gib
		if i == 2 {
			mem = 4 * gib
		}
		if !reflect.DeepEqual(s.Processes, []Process{{500, mem}}) || u32(s.UtilGPU) < 95 {
			t.Errorf("GPU %d: %+v", i, s)
		}
	}
	f.Release(500)
	if ss := sample(t, f); len(ss[0].Processes)+len(ss[3].Processes) != 0 {
		t.Errorf("Release left processes: %v %v", ss[0].Processes, ss[3].Processes)
	}
}

func TestFakeForeign(t *testing.T) {
	f, step := stepped(2)
	f.SetForeign(0, 5*gib, 40)
	step(time.Minute)
	s := sample(t, f)[0]
	if u64(s.MemoryUsed) != int64(5*gib) || !near(u32(s.UtilGPU), 40, 3) || len(s.Processes) != 0 {
		t.Errorf("foreign load: memory %d util %d processes %v", u64(s.MemoryUsed), u32(s.UtilGPU), s.Processes)
	}
	// More than the GPU holds saturates, it does not overflow.
	f.SetForeign(1, 100*gib, 80)
	f.Assign(1, 7, 10*gib, 80)
	step(time.Minute)
	s = sample(t, f)[1]
	if u64(s.MemoryUsed) != int64(80*gib) || u32(s.UtilGPU) != 100 {
		t.Errorf("saturated: memory %d util %d", u64(s.MemoryUsed), u32(s.UtilGPU))
	}
	f.SetForeign(0, 0, 0)
	step(time.Minute)
	if s := sample(t, f)[0]; u64(s.MemoryUsed) != 0 || u32(s.UtilGPU) != 0 {
		t.Errorf("cleared foreign load: %+v", s)
	}
}

func TestFakeLost(t *testing.T) {
	f, step := stepped(3)
	f.Assign(1, 10, gib, 50)
	f.SetLost(1, true)
	step(time.Second)
	ss := sample(t, f)
	if want := (Sample{Index: 1, Time: ss[1].Time, Lost: true}); !reflect.DeepEqual(ss[1], want) {
		t.Errorf("lost GPU = %+v, want %+v", ss[1], want)
	}
	if ss[0].Lost || ss[2].Lost || ss[0].UtilGPU == nil {
		t.Errorf("other GPUs: %+v %+v", ss[0], ss[2])
	}
	f.SetLost(1, false)
	step(time.Second)
	if s := sample(t, f)[1]; s.Lost || len(s.Processes) != 1 {
		t.Errorf("back on the bus: %+v", s)
	}
}

// The noise is deterministic: the same story gives the same readings, and a
// busy GPU does move between samples.
func TestFakeDeterministic(t *testing.T) {
	run := func() [][]Sample {
		f, step := stepped(2)
		f.Assign(0, 1, 4*gib, 70)
		var out [][]Sample
		for range 30 {
			step(time.Second)
			out = append(out, sample(t, f))
		}
		return out
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Error("two identical runs differ")
	}
	moved := false
	for k := 20; k < 30; k++ {
		if *a[k][0].UtilGPU != *a[k-1][0].UtilGPU || *a[k][0].PowerW != *a[k-1][0].PowerW {
			moved = true
		}
	}
	if !moved {
		t.Error("a busy fake GPU reads the same every second: charts would look dead")
	}
}

func TestFakeConcurrent(t *testing.T) {
	f := NewFake(4)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 200 {
				pid := g*1000 + k
				f.Assign(k%4, pid, gib, 10)
				f.SetForeign(g%4, gib, 5)
				f.SetLost(g%4, k%7 == 0)
				if _, err := f.Sample(context.Background()); err != nil {
					t.Error(err)
				}
				_ = f.Devices()
				_ = f.Info()
				f.Release(pid)
			}
		})
	}
	wg.Wait()
}

func TestFakeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewFake(1).Sample(ctx); err == nil {
		t.Error("Sample(cancelled) succeeded")
	}
}

func BenchmarkSampleFake8(b *testing.B) {
	f := NewFake(8)
	for i := range 8 {
		for k := range 4 {
			f.Assign(i, 1000*i+k, gib, 20)
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Sample(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
