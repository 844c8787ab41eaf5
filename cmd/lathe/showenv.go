package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/tui/format"
)

// showEnvironment says what was captured of the environment a run started
// in (nothing when it was not captured).
func showEnvironment(w io.Writer, e *api.Environment) {
	if e == nil {
		return
	}
	row := func(k, v string) { fmt.Fprintf(w, "  %-10s %s\n", k, v) }
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-12s captured %s\n", "environment", e.Captured.Local().Format(time.DateTime))
	if e.Python != nil {
		py := e.Python.Version
		if py == "" {
			py = "version unknown"
		}
		py += " (" + e.Python.Executable + "), "
		if len(e.Packages) == 0 {
			py += "no packages listed"
		} else {
			py += fmt.Sprintf("%s from %s", format.Plural(len(e.Packages), "package"), e.PackagesFrom)
		}
		row("python", py)
	}
	if c := e.CUDA; c != nil {
		parts := []string{"driver " + c.Driver}
		if c.CUDA != "" {
			parts = append(parts, "CUDA "+c.CUDA)
		}
		if c.Runtime != "" {
			parts = append(parts, "runtime "+c.Runtime)
		}
		row("cuda", strings.Join(parts, ", "))
	} else {
		row("cuda", "no NVIDIA driver")
	}
	var sys []string
	for _, s := range []string{e.OS, "kernel " + e.Kernel, e.Arch, "host " + e.Host} {
		if s != "" && s != "kernel " && s != "host " {
			sys = append(sys, s)
		}
	}
	if len(sys) > 0 {
		row("system", strings.Join(sys, ", "))
	}
	if g := e.Git; g != nil {
		s := g.Commit[:min(12, len(g.Commit))]
		if g.Branch != "" {
			s += " on " + g.Branch
		}
		if g.Dirty {
			s += ", dirty: patch " + format.Bytes(uint64(g.PatchBytes))
			if g.PatchTruncated {
				s += " (diff.patch, cut)"
			} else {
				s += " (diff.patch)"
			}
		} else {
			s += ", clean"
		}
		if n := len(g.Untracked); n > 0 {
			s += ", " + format.Plural(n, "untracked file")
		}
		row("git", s)
	} else {
		row("git", "not in a git work tree")
	}
	for _, msg := range e.Errors {
		row("error", msg)
	}
}
