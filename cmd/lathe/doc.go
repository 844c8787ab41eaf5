// Command lathe is a terminal workbench for training models on GPU machines:
// it queues and launches training jobs, captures their logs and metrics, and
// keeps experiments and runs in one file.
//
// This package only parses flags and wires the pieces together; the engine
// (lathe/engine) does the work. One file a group of subcommands.
package main
