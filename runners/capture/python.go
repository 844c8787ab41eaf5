package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"lathe/engine/api"
	"lathe/runners/process"
)

// Where a Python job's package list came from (api.Environment.PackagesFrom).
const (
	FromPip  = "pip freeze"
	FromDpkg = "dpkg"
)

// pythonName matches the names of Python interpreters: python, python3,
// python3.12.
var pythonName = regexp.MustCompile(`^python([0-9]+(\.[0-9]+)?)?$`)

// maxShebang is how much of a script is read to find its #! line.
const maxShebang = 256

// Python returns the interpreter a command runs when it is Python: its
// program looked up in the PATH of env (relative to dir when it has a '/')
// when that is named python, python3 or python3.N, or the interpreter a
// script's #! line names (directly or through env). It returns "" for any
// other command, and for one that would not start.
func Python(command []string, dir string, env []string) string {
	path := process.PathOf(env)
	cmd, serr := process.Command(command, dir, path)
	if serr != nil {
		return ""
	}
	if pythonName.MatchString(filepath.Base(command[0])) || pythonName.MatchString(filepath.Base(cmd.Path)) {
		return cmd.Path
	}
	prog, ok := shebangProgram(cmd.Path)
	if !ok || !pythonName.MatchString(filepath.Base(prog)) {
		return ""
	}
	if strings.Contains(prog, "/") {
		return prog
	}
	resolved, serr := process.Command([]string{prog}, "", path)
	if serr != nil {
		return ""
	}
	return resolved.Path
}

// shebangProgram reads the #! line of the script at path and returns the
// program it runs: the interpreter, or with /usr/bin/env the program env
// runs (after env's options and NAME=value settings).
func shebangProgram(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(io.LimitReader(f, maxShebang), maxShebang).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false
	}
	return parseShebang(line)
}

// parseShebang returns the program a #! line runs (see shebangProgram).
func parseShebang(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "#!")
	if !ok {
		return "", false
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return "", false
	}
	if filepath.Base(f[0]) != "env" {
		return f[0], true
	}
	for _, a := range f[1:] {
		if strings.HasPrefix(a, "-") || strings.Contains(a, "=") {
			continue // env -S, -u…; NAME=value
		}
		return a, true
	}
	return "", false
}

// versionScript prints the interpreter's version, "3.11.2".
const versionScript = "import sys;print(sys.version.split()[0])"

// pythonVersion asks the interpreter for its version.
func (p prober) pythonVersion(ctx context.Context, python string) (string, error) {
	out, err := p.output(ctx, python, "-c", versionScript)
	if err != nil {
		return "", err
	}
	v := firstLine(string(out))
	if v == "" {
		return "", errors.New("printed nothing")
	}
	return v, nil
}

// Packages lists the Python packages installed for the interpreter python
// (an executable path or a name looked up in env's PATH), name → version,
// the way Environment does: `python -m pip freeze --all`, or without pip
// for the system's own interpreter, dpkg's python3-* packages. It returns
// where the list came from (FromPip or FromDpkg). python "" lists nothing.
// The probes run with env in the current directory, each for at most
// timeout (0: 10 s).
func Packages(ctx context.Context, python string, env []string, timeout time.Duration) (map[string]string, string, error) {
	if python == "" {
		return nil, "", nil
	}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	return prober{env: env, timeout: timeout}.packages(ctx, python)
}

// errNoPip says that an interpreter has no pip and dpkg cannot stand in.
var errNoPip = errors.New("no pip for this interpreter (and it is not the system's, whose packages dpkg would list)")

func (p prober) packages(ctx context.Context, python string) (map[string]string, string, error) {
	out, err := p.output(ctx, python, "-m", "pip", "freeze", "--all")
	if err == nil {
		return parseFreeze(string(out)), FromPip, nil
	}
	var ee *exitError
	if !errors.As(err, &ee) || !strings.Contains(ee.stderr, "No module named pip") {
		return nil, "", fmt.Errorf("pip freeze: %w", err)
	}
	prefix, err := p.output(ctx, python, "-c", "import sys;print(sys.prefix)")
	if err != nil {
		return nil, "", fmt.Errorf("python sys.prefix: %w", err)
	}
	if firstLine(string(prefix)) != "/usr" {
		return nil, "", fmt.Errorf("packages: %w", errNoPip)
	}
	pkgs, err := p.dpkgPackages(ctx)
	switch {
	case errors.Is(err, errNotInstalled):
		return nil, "", fmt.Errorf("packages: %w", errNoPip)
	case err != nil:
		return nil, "", fmt.Errorf("dpkg-query: %w", err)
	}
	return pkgs, FromDpkg, nil
}

// dpkgFormat is one line a package: its state, name and version.
const dpkgFormat = "${db:Status-Status} ${Package} ${Version}\n"

// dpkgPackages lists the python3-* packages dpkg has installed, by their
// Python names.
func (p prober) dpkgPackages(ctx context.Context) (map[string]string, error) {
	out, err := p.output(ctx, "dpkg-query", "-W", "-f", dpkgFormat, "python3-*")
	var ee *exitError
	if errors.As(err, &ee) && strings.Contains(ee.stderr, "no packages found") {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return parseDpkg(string(out)), nil
}

// parseDpkg reads dpkgFormat lines, keeping the installed packages, named
// without "python3-".
func parseDpkg(out string) map[string]string {
	pkgs := map[string]string{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "installed" {
			continue
		}
		name, ok := strings.CutPrefix(f[1], "python3-")
		if !ok || name == "" {
			continue
		}
		pkgs[normalise(name)] = f[2]
	}
	return pkgs
}

// parseFreeze reads `pip freeze` output: "name==version" lines, and other
// forms ("name @ file:///…", "name===x") kept verbatim after the name.
// Comments are skipped; an editable "-e URL#egg=name" line is kept under
// its egg name, "-e /path/to/name" under the folder's name.
func parseFreeze(out string) map[string]string {
	pkgs := map[string]string{}
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if url, ok := strings.CutPrefix(line, "-e "); ok {
			url = strings.TrimSpace(url)
			name := filepath.Base(url) // a local folder: its name
			if _, egg, ok := strings.Cut(url, "#egg="); ok && egg != "" {
				name, _, _ = strings.Cut(egg, "&")
			}
			pkgs[normalise(name)] = "-e " + url
			continue
		}
		if name, version, ok := strings.Cut(line, "=="); ok && !strings.HasPrefix(version, "=") {
			pkgs[normalise(name)] = strings.TrimSpace(version)
			continue
		}
		i := strings.IndexAny(line, " =@<>!~;[")
		if i <= 0 {
			pkgs[normalise(line)] = ""
			continue
		}
		pkgs[normalise(line[:i])] = strings.TrimSpace(line[i:])
	}
	return pkgs
}

var nameSeparators = regexp.MustCompile(`[-_.]+`)

// normalise gives a package name as PEP 503 compares them.
func normalise(name string) string {
	return nameSeparators.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-")
}

// pythonEnv captures the interpreter's version and packages, side by side.
func (p prober) pythonEnv(ctx context.Context, python string, e *api.Environment) []string {
	var (
		wg         sync.WaitGroup
		version    string
		verr, perr error
		pkgs       map[string]string
		from       string
	)
	wg.Go(func() { version, verr = p.pythonVersion(ctx, python) })
	wg.Go(func() { pkgs, from, perr = p.packages(ctx, python) })
	wg.Wait()
	e.Python = &api.PythonEnv{Executable: python, Version: version}
	e.Packages, e.PackagesFrom = pkgs, from
	var errs []string
	if verr != nil {
		errs = append(errs, "python version: "+verr.Error())
	}
	if perr != nil {
		errs = append(errs, perr.Error())
	}
	return errs
}
