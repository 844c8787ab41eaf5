package cas

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrName: a file name inside a folder that is not valid UTF-8 (a manifest
// is JSON, which could not keep it apart from another name).
var ErrName = errors.New("file name is not valid UTF-8")

// entry is a regular file found in a folder.
type entry struct {
	rel  string      // slash-separated path inside the folder
	path string      // where to read it (through a symbolic link: its target)
	info fs.FileInfo // of the file itself, links followed
}

// walk lists the regular files of the folder root, sorted by rel. what
// ("artifact", "data set") names root in errors. Symbolic links are
// followed when they stay inside root; anything that is not a regular file
// or a folder is an error.
func walk(ctx context.Context, what, root string) ([]entry, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fail(what, root, "", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fail(what, root, "", err)
	}
	var out []entry
	// chain holds the real paths of the folders being visited, outermost
	// first, to catch a link back into one of them.
	var visit func(dir, rel string, chain []string) error
	visit = func(dir, rel string, chain []string) error {
		if err := ctx.Err(); err != nil {
			return fail(what, root, rel, err)
		}
		des, err := os.ReadDir(dir)
		if err != nil {
			return fail(what, root, rel, err)
		}
		for _, de := range des {
			r := path.Join(rel, de.Name())
			if !utf8.ValidString(de.Name()) {
				return fail(what, root, r, ErrName)
			}
			p := filepath.Join(dir, de.Name())
			var info fs.FileInfo
			if de.Type()&fs.ModeSymlink != 0 {
				target, err := filepath.EvalSymlinks(p)
				if err != nil {
					return fail(what, root, r, err) // a dangling link: no such file
				}
				if !inside(real, target) {
					return failf(what, root, r, ErrEscapes, "to %s", target)
				}
				p = target
				info, err = os.Stat(target)
				if err != nil {
					return fail(what, root, r, err)
				}
			} else if info, err = de.Info(); err != nil {
				return fail(what, root, r, err)
			}
			switch {
			case info.IsDir():
				if slices.Contains(chain, p) {
					return fail(what, root, r, ErrLoop)
				}
				if err := visit(p, r, append(chain, p)); err != nil {
					return err
				}
			case info.Mode().IsRegular():
				out = append(out, entry{rel: r, path: p, info: info})
			default:
				return failf(what, root, r, ErrNotRegular, "%s", special(info.Mode()))
			}
		}
		return nil
	}
	if err := visit(real, "", []string{real}); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.rel, b.rel) })
	return out, nil
}

// inside reports whether p is dir or under it; both are clean absolute
// paths.
func inside(dir, p string) bool {
	if dir == string(filepath.Separator) {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}
