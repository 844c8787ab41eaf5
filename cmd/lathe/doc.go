// Command lathe is a terminal workbench for training models on GPU machines:
// it queues and launches training jobs, captures their logs and metrics, and
// keeps experiments and runs in one file.
//
// This package only parses flags, wires the pieces together and prints: a
// command asks the engine through engine/client (answer connects, calls,
// and prints JSON with --json or text with tui/format); `lathe engine start`
// runs lathe/engine, `lathe shim` runs a job for runners/local. One file a
// group of subcommands.
package main
