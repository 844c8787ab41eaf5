// Package gpu is lathe's GPU probe: what the devices of a workstation are, and
// a reading of each one. The engine samples the probe once a second to chart
// the GPUs, to place jobs on free ones and to attribute GPU processes to jobs.
//
// Three probes share one interface, Probe, and Open chooses among them:
//
//   - NVML reads real NVIDIA GPUs through go-nvml (libnvidia-ml.so.1, loaded at
//     run time, so lathe builds and runs on machines without a driver).
//   - Fake is N simulated GPUs whose load follows the jobs the engine assigns
//     to them, for demos and for tests of placement and attribution.
//   - None has no devices and carries a Notice saying why, e.g. that there is no
//     NVIDIA driver and lathe runs CPU jobs only.
//
// GPUs differ in what they can report: data-centre boards have no fan, ECC may
// be off, MIG hides utilisation, a virtual machine hides PCIe counters. Every
// reading in a Sample is therefore a pointer, nil when the device does not
// support it or the read failed, so the user sees "n/a" and never a made-up 0;
// one failing field never fails the device, and one lost device (fallen off the
// bus) never fails the probe.
//
// The NVML probe is built on an nvml.Interface value (nvml.New() in
// production) and never on go-nvml's package-level functions. That is what lets
// go-nvml's mock servers (pkg/nvml/mock/dgxa100, dgxh100, …) stand in for an
// eight-GPU machine in tests and CI, where there is no GPU and no driver.
package gpu
