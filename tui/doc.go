// Package tui will hold lathe's full-screen app: a root model routing to
// pages (dashboard, runs, run, GPUs, …) that talks to the engine only
// through engine.Service and updates from its event stream. Until it lands,
// `lathe` without arguments prints its help.
package tui
