package main

import (
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
)

func TestShowEnvironment(t *testing.T) {
	captured := time.Date(2026, 3, 1, 12, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		name string
		env  *api.Environment
		want string
	}{
		{"none", nil, ""},
		{"python job in a dirty tree", &api.Environment{
			Captured: captured, OS: "Debian GNU/Linux 13 (trixie)", Kernel: "6.12.0", Arch: "x86_64", Host: "gpu1",
			Python:       &api.PythonEnv{Executable: "/usr/bin/python3", Version: "3.13.5"},
			Packages:     map[string]string{"torch": "2.6.0", "numpy": "2.2.4"},
			PackagesFrom: "pip freeze",
			CUDA:         &api.CUDAEnv{Driver: "550.54.14", CUDA: "12.4", Runtime: "12.1.105"},
			Git: &api.GitEnv{Commit: "0123456789abcdef0123456789abcdef01234567", Branch: "main", Dirty: true,
				PatchBytes: 3277, Untracked: []string{"notes.txt"}},
			Errors: []string{"python version: timed out after 10s"},
		}, `
environment  captured 2026-03-01 12:00:00
  python     3.13.5 (/usr/bin/python3), 2 packages from pip freeze
  cuda       driver 550.54.14, CUDA 12.4, runtime 12.1.105
  system     Debian GNU/Linux 13 (trixie), kernel 6.12.0, x86_64, host gpu1
  git        0123456789ab on main, dirty: patch 3.2 KiB (diff.patch), 1 untracked file
  error      python version: timed out after 10s
`},
		{"shell job, no GPU, patch cut", &api.Environment{
			Captured: captured, OS: "Alpine", Kernel: "6.1", Arch: "aarch64",
			Git: &api.GitEnv{Commit: "abc", Dirty: true, PatchBytes: 3 << 20, PatchTruncated: true,
				Untracked: []string{"a", "b"}},
		}, `
environment  captured 2026-03-01 12:00:00
  cuda       no NVIDIA driver
  system     Alpine, kernel 6.1, aarch64
  git        abc, dirty: patch 3.0 MiB (diff.patch, cut), 2 untracked files
`},
		{"no git, no packages", &api.Environment{
			Captured: captured, Python: &api.PythonEnv{Executable: "/venv/bin/python"},
		}, `
environment  captured 2026-03-01 12:00:00
  python     version unknown (/venv/bin/python), no packages listed
  cuda       no NVIDIA driver
  git        not in a git work tree
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			showEnvironment(&b, tc.env)
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}
