// Package client is the engine's service over its unix socket (HTTP and
// JSON), for the command line and the app. It depends on the contract
// (engine/api) alone: a client never links the store, NVML or the runners.
//
// Connect finds the engine of a data directory, or starts one in the
// background (`lathe engine start --foreground`, detached in its own
// session) when none runs, the way tmux starts its server.
package client
