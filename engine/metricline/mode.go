package metricline

import (
	"fmt"
	"strings"
)

// Mode is how a job's output lines are read for metrics (lathe run --parse).
type Mode string

// The parse modes. Every mode reads JSON metrics lines first.
const (
	// ModeJSON reads only JSON metrics lines.
	ModeJSON Mode = ""
	// ModeKV also reads name=value pairs ([ParseKV]).
	ModeKV Mode = "kv"
	// ModeAuto also reads the progress lines popular trainers print
	// unmodified ([ParseAuto]), then name=value pairs.
	ModeAuto Mode = "auto"
)

// Modes are the modes a user names, for help and completion.
var Modes = []Mode{ModeKV, ModeAuto}

// ParseMode checks a mode as the user wrote it. The error is one line
// naming the valid modes.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeJSON, ModeKV, ModeAuto:
		return m, nil
	}
	names := make([]string, len(Modes))
	for i, m := range Modes {
		names[i] = string(m)
	}
	return "", fmt.Errorf("--parse %q: the parsers are %s (or none: JSON metrics lines only)", s, strings.Join(names, ", "))
}

// ParseOutput is [ParseOutputLine] for any mode: JSON metrics lines are
// read first in every mode; an unknown mode reads as ModeJSON.
func ParseOutput(line []byte, mode Mode) (rec Record, ok bool, err error) {
	switch mode {
	case ModeKV:
		return ParseOutputLine(line, true)
	case ModeAuto:
		rec, ok, err = ParseOutputLine(line, false)
		if ok || err != nil {
			return rec, ok, err
		}
		rec, ok = ParseAuto(line)
		return rec, ok, nil
	}
	return ParseOutputLine(line, false)
}
