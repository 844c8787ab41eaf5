package capture

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"slices"
	"strings"
	"time"

	"lathe/engine/api"
)

// maxUntracked is how many untracked files are listed; more are counted.
const maxUntracked = 1000

// gitEnv is what git runs with besides the job's environment: no writes to
// the index (a refresh would take index.lock under a user working in the
// same tree), and messages in English so they can be recognised.
var gitEnv = []string{"GIT_OPTIONAL_LOCKS=0", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0"}

// diffArgs make `git diff HEAD` a plain patch whatever the user configured:
// no colour, external diff drivers or textconv filters (binary files are
// noted, "Binary files a/x and b/x differ"), the usual a/ b/ prefixes.
var diffArgs = []string{"diff", "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "HEAD"}

// Git returns the git tree dir is in, with its whole patch (`git diff
// HEAD`, not cut; the whole diff is held in memory): PatchBytes and
// PatchSHA256 are of it, PatchTruncated says whether it is longer than
// limit (0: 1 MiB). Outside a work tree, or without git or a first commit,
// it returns nil and no error. Git runs with this process's environment,
// each command for at most timeout (0: 10 s). The error says what could
// not be read, the GitEnv then being as complete as it could be (a diff cut
// short by its timeout leaves PatchSHA256 empty and the patch partial).
// Untracked files beyond the first 1000 are left out without an error.
func Git(ctx context.Context, dir string, limit int64, timeout time.Duration) (*api.GitEnv, []byte, error) {
	opt := Options{PatchLimit: limit, Timeout: timeout}.withDefaults()
	p := prober{env: os.Environ(), dir: dir, timeout: opt.Timeout}
	g, patch, errs := p.git(ctx, opt.PatchLimit, -1)
	// A long list of untracked files is worth a line in a record, but is
	// not a failure to read the tree.
	errs = slices.DeleteFunc(errs, func(err error) bool { return errors.Is(err, errManyUntracked) })
	return g, patch, errors.Join(errs...)
}

// errManyUntracked marks the note that not every untracked file is listed.
var errManyUntracked = errors.New("untracked files")

// git reads the tree p.dir is in. The patch is hashed whole; keep bytes of
// it are returned (keep < 0: all). PatchTruncated is set when it is longer
// than limit.
func (p prober) git(ctx context.Context, limit, keep int64) (*api.GitEnv, []byte, []error) {
	p.env = append(append([]string{}, p.env...), gitEnv...)
	top, err := p.output(ctx, "git", "rev-parse", "--show-toplevel")
	if err != nil {
		var ee *exitError
		if errors.Is(err, errNotInstalled) || errors.As(err, &ee) && notWorkTree(ee.stderr) {
			return nil, nil, nil
		}
		return nil, nil, []error{fmt.Errorf("git rev-parse: %w", err)}
	}
	p.dir = strings.TrimSpace(string(top))
	commit, err := p.output(ctx, "git", "rev-parse", "-q", "--verify", "HEAD^{commit}")
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return nil, nil, nil // no commit yet: nothing to diff against
		}
		return nil, nil, []error{fmt.Errorf("git rev-parse HEAD: %w", err)}
	}
	g := &api.GitEnv{Commit: strings.TrimSpace(string(commit))}
	var errs []error
	// Detached HEAD: symbolic-ref fails, and there is no branch to name.
	if branch, err := p.output(ctx, "git", "symbolic-ref", "-q", "--short", "HEAD"); err == nil {
		g.Branch = strings.TrimSpace(string(branch))
	}

	sink := &patchSink{hash: sha256.New(), keep: keep}
	if err := p.run(ctx, sink, "git", diffArgs...); err != nil {
		errs = append(errs, fmt.Errorf("git diff: %w", err))
		// A part of a patch: its size is a lower bound, its digest is not
		// the tree's, and it is incomplete.
		g.Dirty = sink.n > 0
		g.PatchBytes = sink.n
		g.PatchTruncated = sink.n > 0
	} else {
		g.Dirty = sink.n > 0
		g.PatchBytes = sink.n
		g.PatchTruncated = sink.n > limit
		if sink.n > 0 {
			g.PatchSHA256 = hex.EncodeToString(sink.hash.Sum(nil))
		}
	}

	files := &nulList{max: maxUntracked}
	if err := p.run(ctx, files, "git", "ls-files", "--others", "--exclude-standard", "-z"); err != nil {
		errs = append(errs, fmt.Errorf("git ls-files: %w", err))
	}
	files.flush()
	g.Untracked = files.names
	if files.count > len(files.names) {
		errs = append(errs, fmt.Errorf("%w: %d of %d listed", errManyUntracked, len(files.names), files.count))
	}
	return g, sink.buf.Bytes(), errs
}

// notWorkTree recognises git's refusals of a folder that is not in a work
// tree (outside any repository, or inside a .git folder).
func notWorkTree(stderr string) bool {
	return strings.Contains(stderr, "not a git repository") || strings.Contains(stderr, "must be run in a work tree")
}

// patchSink hashes and counts everything written to it and keeps the first
// keep bytes (keep < 0: all).
type patchSink struct {
	hash hash.Hash
	n    int64
	keep int64
	buf  bytes.Buffer
}

func (s *patchSink) Write(p []byte) (int, error) {
	s.hash.Write(p)
	s.n += int64(len(p))
	if s.keep < 0 {
		s.buf.Write(p)
	} else if room := s.keep - int64(s.buf.Len()); room > 0 {
		s.buf.Write(p[:min(int64(len(p)), room)])
	}
	return len(p), nil
}

// nulList splits NUL-terminated names written to it, keeping the first max
// and counting all.
type nulList struct {
	max     int
	names   []string
	count   int
	partial []byte
}

func (l *nulList) Write(p []byte) (int, error) {
	n := len(p)
	for {
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			if len(l.names) < l.max {
				l.partial = append(l.partial, p...)
			}
			return n, nil
		}
		l.add(p[:i])
		p = p[i+1:]
	}
}

func (l *nulList) add(tail []byte) {
	l.count++
	if len(l.names) < l.max {
		l.names = append(l.names, string(l.partial)+string(tail))
	}
	l.partial = l.partial[:0]
}

// flush takes a last name that had no NUL after it (output cut short).
func (l *nulList) flush() {
	if len(l.partial) > 0 {
		l.add(nil)
	}
}
