// Package localtest helps tests prove that nothing they started outlives
// them: every process a test starts carries a marker in its environment,
// and Leftovers finds the ones still running.
package localtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Leftovers lists the live processes (zombies aside) whose environment
// holds the entry marker ("NAME=value").
func Leftovers(marker string) []string {
	entries, _ := filepath.Glob("/proc/[0-9]*/environ")
	self := os.Getpid()
	var out []string
	for _, path := range entries {
		pid, err := strconv.Atoi(strings.Split(path, "/")[2])
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile(path)
		if err != nil || !hasEntry(env, marker) {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || len(stat) < i+3 || stat[i+2] == 'Z' {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		out = append(out, fmt.Sprintf("%d %s", pid, bytes.ReplaceAll(bytes.TrimRight(cmd, "\x00"), []byte{0}, []byte{' '})))
	}
	return out
}

func hasEntry(env []byte, entry string) bool {
	for _, e := range bytes.Split(env, []byte{0}) {
		if string(e) == entry {
			return true
		}
	}
	return false
}

// Check is for TestMain: it reports leftovers on stderr and turns a passing
// exit code into a failing one when there are any.
func Check(marker string, code int) int {
	left := Leftovers(marker)
	if len(left) == 0 {
		return code
	}
	fmt.Fprintf(os.Stderr, "FAIL: %d processes started by the tests are still running:\n  %s\n", len(left), strings.Join(left, "\n  "))
	if code == 0 {
		return 1
	}
	return code
}
