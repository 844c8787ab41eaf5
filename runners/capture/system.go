package capture

import (
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"lathe/engine/api"
)

// osReleaseFiles are where the OS names itself, in the order
// os-release(5) says to read them.
var osReleaseFiles = []string{"/etc/os-release", "/usr/lib/os-release"}

// system fills in the OS, kernel, architecture and host.
func system(e *api.Environment) []string {
	var errs []string
	for _, path := range osReleaseFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		e.OS = prettyName(string(b))
		break
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		errs = append(errs, "uname: "+err.Error())
	} else {
		e.Kernel = unix.ByteSliceToString(u.Release[:])
		e.Arch = unix.ByteSliceToString(u.Machine[:])
	}
	host, err := os.Hostname()
	if err != nil {
		errs = append(errs, "host name: "+err.Error())
	}
	e.Host = host
	return errs
}

// prettyName reads PRETTY_NAME from os-release content (NAME when there is
// none), unquoting it as a shell would.
func prettyName(content string) string {
	values := map[string]string{}
	for line := range strings.Lines(content) {
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(key, "#") {
			continue
		}
		values[key] = unquote(value)
	}
	if v := values["PRETTY_NAME"]; v != "" {
		return v
	}
	return values["NAME"]
}

// unquote undoes the shell quoting os-release values may use.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		if v[0] == '\'' {
			return v[1 : len(v)-1]
		}
		v = v[1 : len(v)-1]
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("\"\\$`", v[i+1]) >= 0 {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return v
}

// cudaHeader finds the newest CUDA version the driver supports in the
// header of plain `nvidia-smi`.
var cudaHeader = regexp.MustCompile(`CUDA Version:\s*([0-9][0-9.]*)`)

// cuda asks nvidia-smi (on the job's PATH) for the driver version and the
// CUDA version it supports. No nvidia-smi: nil, and no error.
func (p prober) cuda(ctx context.Context) (*api.CUDAEnv, []string) {
	out, err := p.output(ctx, "nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader")
	if errors.Is(err, errNotInstalled) {
		return nil, nil
	}
	if err != nil {
		return nil, []string{"nvidia-smi: " + err.Error()}
	}
	c := &api.CUDAEnv{Driver: firstLine(string(out))}
	out, err = p.output(ctx, "nvidia-smi")
	if err != nil {
		return c, []string{"nvidia-smi: " + err.Error()}
	}
	if m := cudaHeader.FindSubmatch(out); m != nil {
		c.CUDA = string(m[1])
	}
	return c, nil
}

// cudaWheel matches the pip package of NVIDIA's CUDA runtime, as PyTorch
// wheels depend on it (nvidia-cuda-runtime-cu12).
var cudaWheel = regexp.MustCompile(`^nvidia-cuda-runtime-cu[0-9]+$`)

// torchCUDA matches the CUDA tag of a PyTorch build's version
// (2.1.0+cu121).
var torchCUDA = regexp.MustCompile(`\+cu([0-9]+)([0-9])$`)

// cudaRuntime is the CUDA runtime a job's packages were built with, read
// from the packages alone (importing torch would take seconds): the
// version of NVIDIA's runtime wheel, or the CUDA tag of torch's version
// (cu121: 12.1). "" when neither says.
func cudaRuntime(pkgs map[string]string) string {
	names := make([]string, 0, 2)
	for name := range pkgs {
		if cudaWheel.MatchString(name) {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		return pkgs[names[len(names)-1]]
	}
	if m := torchCUDA.FindStringSubmatch(pkgs["torch"]); m != nil {
		if major, err := strconv.Atoi(m[1]); err == nil {
			return strconv.Itoa(major) + "." + m[2]
		}
	}
	return ""
}
