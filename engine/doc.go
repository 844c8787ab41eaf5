// Package engine is lathe's engine: the API that every client calls
// (Service), the queue, the supervision of jobs, the ingestion of their
// metrics, and the unix-socket server and client that carry the API between
// processes.
//
// One engine runs per data directory ($LATHE_HOME). It owns the store, starts
// each job under a shim (runners/local) and tails the job's files; jobs outlive
// it, and a restarted engine re-adopts them. Clients see changes as a stream
// of events (run state, new points, new runs) and never poll the store.
//
// Service has two implementations with the same behaviour: *Engine, in the
// process (tests use it), and *Client, over the socket (HTTP and JSON).
package engine
