// Package api is the contract between lathe's engine and its clients: the
// requests and replies, the run status, the JSON float that carries NaN and
// ±Inf, the kinds of errors and their codes on the wire, the data
// directory's paths, and the services the engine offers, split by area.
//
// It is a leaf: it imports no store, no NVML and nothing that starts
// processes, so the app and the command line depend on it alone. The engine
// maps its stored records into these types at its edge: a field added to a
// stored record is not a change of `--json` or of the wire.
//
// Two implementations of Service behave alike: the engine in the process
// (package engine) and the client over the engine's unix socket (package
// engine/client). Each area has its own interface (RunService,
// MetricService, GPUService, StoreService, EngineService), so a new area
// adds an interface rather than growing one list, and a consumer asks only
// for the slice it uses.
package api
