// Package engine is lathe's engine: the implementation of the contract every
// client calls (engine/api's Service): the queue, the supervision of jobs,
// the ingestion of their metrics, GPU accounting, and the unix-socket server
// that carries the contract to other processes (the client is
// engine/client, which depends on the contract alone). At its edge it maps
// the store's records and the probes' readings into the contract's types,
// so a field added to a stored record does not change the wire.
//
// One engine runs per data directory ($LATHE_HOME). It owns the store, starts
// each job with a runner (package runners: the local one by default, which
// runs each job under a shim so that it outlives the engine), records in the
// run which runner started it and the handle to find it again, and tails the
// job's files; a restarted engine re-adopts running jobs through the same
// runner. engine/runners.go is the one place that names the implementations.
// Clients see changes as a stream of events (run state, new points, new
// runs, GPU samples) and never poll the store.
//
// api.Service has two implementations with the same behaviour: *Engine, in
// the process (tests use it), and client.Client, over the socket (HTTP and
// JSON).
package engine
