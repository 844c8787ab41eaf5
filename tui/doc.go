// Package tui is lathe's full-screen app. A root model (App) routes to pages
// (dashboard, runs, GPUs, and over the runs a run or a comparison of runs);
// only the active page gets key messages. The app is a client of the engine
// like any other: it talks to it only through Engine, the slice of the
// engine's API it needs (tests pass a fake), and updates from the engine's
// event stream through a command that reads one event and is re-armed by
// Update. All I/O happens in commands; View only draws what Update stored.
package tui
