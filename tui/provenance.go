package tui

import (
	"cmp"
	"fmt"
	"strings"

	"lathe/engine/api"
	"lathe/tui/format"
	"lathe/tui/styles"
)

// How the app writes where a run or a version came from: its data sets,
// its code and what it ran in. The run's overview and a version's lineage
// write them alike.

// shortDigest is a sha256 as people compare it at a glance.
func shortDigest(sha string) string { return sha[:min(12, len(sha))] }

// datasetLine is a data set a run named: its name and role, its path as
// the run wrote it, its size and digest, or why it could not be read.
func datasetLine(s styles.Styles, d api.Dataset) string {
	head := d.Name
	if d.Role != "" {
		head += " (" + d.Role + ")"
	}
	parts := []string{head, d.Path}
	switch {
	case d.Error != "":
		return strings.Join(parts, "  ") + "  " + s.Error.Render("cannot be read: "+d.Error)
	case d.Kind == "dir":
		parts = append(parts, fmt.Sprintf("folder, %d files, %s", d.Files, format.Bytes(uint64(max(d.Size, 0)))))
	default:
		parts = append(parts, format.Bytes(uint64(max(d.Size, 0))))
	}
	switch {
	case d.SHA256 == "":
		parts = append(parts, s.Muted.Render("digest pending"))
	case d.Partial:
		parts = append(parts, "sha256 "+shortDigest(d.SHA256)+s.Muted.Render(" (of its size, time and ends: a large file)"))
	default:
		parts = append(parts, "sha256 "+shortDigest(d.SHA256))
	}
	return strings.Join(parts, "  ")
}

// gitText is the code a run started from: the commit and whether the tree
// had changes, with the branch and the size of the diff when the job's
// supervisor captured them.
func gitText(g *api.Git, env *api.Environment) string {
	var ge *api.GitEnv
	if env != nil {
		ge = env.Git
	}
	if g == nil && ge == nil {
		return "not a git tree"
	}
	commit, dirty := "", false
	if g != nil {
		commit, dirty = g.Commit, g.Dirty
	}
	if ge != nil {
		commit, dirty = cmp.Or(commit, ge.Commit), dirty || ge.Dirty
	}
	text := commit[:min(10, len(commit))]
	if ge != nil && ge.Branch != "" {
		text += " on " + ge.Branch
	}
	if !dirty {
		return text + ", clean"
	}
	text += ", dirty"
	if ge != nil {
		patch := "patch " + format.Bytes(uint64(max(ge.PatchBytes, 0)))
		if ge.PatchTruncated {
			patch += ", cut in diff.patch"
		}
		text += " (" + patch
		if n := len(ge.Untracked); n > 0 {
			text += fmt.Sprintf(", %d untracked %s", n, plural(n, "file", "files"))
		}
		text += ")"
	}
	return text
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// pythonText is the interpreter of a Python job.
func pythonText(env *api.Environment) string {
	if env.Python == nil {
		return "not a Python job"
	}
	return env.Python.Version + " (" + env.Python.Executable + ")"
}

// packagesText is how many packages the job could import, and what listed
// them.
func packagesText(env *api.Environment) string {
	if len(env.Packages) == 0 {
		return "none listed"
	}
	text := fmt.Sprintf("%d %s", len(env.Packages), plural(len(env.Packages), "package", "packages"))
	if env.PackagesFrom != "" {
		text += " (" + env.PackagesFrom + ")"
	}
	return text
}

// cudaText is what the machine's NVIDIA driver said of itself.
func cudaText(env *api.Environment) string {
	c := env.CUDA
	if c == nil || c.Driver == "" {
		return "no NVIDIA driver"
	}
	text := "driver " + c.Driver
	if c.CUDA != "" {
		text += ", CUDA " + c.CUDA
	}
	if c.Runtime != "" {
		text += ", runtime " + c.Runtime
	}
	return text
}

// systemText is the machine: the OS, its kernel, the architecture, the host.
func systemText(env *api.Environment) string {
	var parts []string
	if env.OS != "" {
		parts = append(parts, env.OS)
	}
	if env.Kernel != "" {
		parts = append(parts, "kernel "+env.Kernel)
	}
	for _, p := range []string{env.Arch, env.Host} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, " · ")
}

// environmentLine is what a job ran in, on one line: the interpreter, the
// packages and the driver (systemText says the machine).
func environmentLine(env *api.Environment) string {
	var parts []string
	if env.Python != nil {
		parts = append(parts, "Python "+env.Python.Version, packagesText(env))
	} else if len(env.Packages) > 0 {
		parts = append(parts, packagesText(env))
	}
	return strings.Join(append(parts, cudaText(env)), " · ")
}
