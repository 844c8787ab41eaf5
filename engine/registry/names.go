package registry

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"lathe/engine/api"
)

// maxName bounds model names and aliases (MLflow allows 255 for aliases).
const maxName = 255

var (
	modelName = regexp.MustCompile(`^[A-Za-z0-9][\w.\-]*$`)
	aliasName = regexp.MustCompile(`^[\w\-]+$`)
	// versionAlias is an alias MLflow reserves because it reads as a
	// version number.
	versionAlias = regexp.MustCompile(`^[vV]\d+$`)
)

// Latest is the reserved alias of a model's newest version.
const Latest = "latest"

// ValidModelName says why name cannot name a model, or nil.
func ValidModelName(name string) error {
	switch {
	case name == "":
		return api.Errorf(api.ErrInvalid, "model name is empty")
	case len(name) > maxName:
		return api.Errorf(api.ErrInvalid, "model name is longer than %d characters", maxName)
	case !modelName.MatchString(name):
		return api.Errorf(api.ErrInvalid, "model name %q: use letters, digits, '_', '-' and '.', starting with a letter or digit", name)
	}
	return nil
}

// ValidAlias says why alias cannot be set by hand, or nil: MLflow's rule
// (word characters and '-', not "latest", not v followed by digits), and
// champion, which only a completed promotion moves.
func ValidAlias(alias string) error {
	if err := validAliasName(alias); err != nil {
		return err
	}
	if alias == api.Champion {
		return api.Errorf(api.ErrInvalid, "alias %q is reserved: only a completed promotion moves it (`lathe promote`)", alias)
	}
	return nil
}

func validAliasName(alias string) error {
	switch {
	case alias == "":
		return api.Errorf(api.ErrInvalid, "alias is empty")
	case len(alias) > maxName:
		return api.Errorf(api.ErrInvalid, "alias is longer than %d characters", maxName)
	case !aliasName.MatchString(alias):
		return api.Errorf(api.ErrInvalid, "alias %q: use letters, digits, '_' and '-'", alias)
	case strings.EqualFold(alias, Latest):
		return api.Errorf(api.ErrInvalid, "alias %q is reserved: it always means the newest version", alias)
	case versionAlias.MatchString(alias):
		return api.Errorf(api.ErrInvalid, "alias %q is reserved: it reads as a version number", alias)
	}
	return nil
}

// Ref is a reference to a version: a model and either a version number or
// an alias (Latest included).
type Ref struct {
	Model   string
	Version int
	Alias   string
}

func (r Ref) String() string {
	if r.Alias != "" {
		return r.Model + "@" + r.Alias
	}
	return r.Model + "@" + strconv.Itoa(r.Version)
}

// ParseRef reads NAME@VERSION, NAME@vVERSION, NAME@ALIAS or NAME@latest.
func ParseRef(s string) (Ref, error) {
	name, at, ok := strings.Cut(s, "@")
	if !ok || at == "" {
		return Ref{}, api.Errorf(api.ErrInvalid, "%q names no version: write MODEL@VERSION or MODEL@ALIAS (digits@3, digits@champion)", s)
	}
	if err := ValidModelName(name); err != nil {
		return Ref{}, err
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(at, "v"), "V")); err == nil && at[0] != '+' && at[0] != '-' {
		if n <= 0 {
			return Ref{}, api.Errorf(api.ErrInvalid, "%q: versions are numbered from 1", s)
		}
		return Ref{Model: name, Version: n}, nil
	}
	if strings.EqualFold(at, Latest) {
		return Ref{Model: name, Alias: Latest}, nil
	}
	if err := validAliasName(at); err != nil {
		return Ref{}, err
	}
	return Ref{Model: name, Alias: at}, nil
}

// ParseVersion reads a version number as the command line gives it ("3"
// or "v3").
func ParseVersion(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V"))
	if err != nil || n <= 0 || s[0] == '+' {
		return 0, fmt.Errorf("version %q is not a number (1, 2, … or v1, v2, …)", s)
	}
	return n, nil
}
