package cas

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"syscall"
)

// Errors callers check with errors.Is. A failure about a path is an *Error
// that wraps one of these, or the operating system's error (fs.ErrNotExist,
// fs.ErrPermission, syscall.ENOSPC…), or the context's.
var (
	// ErrEmptyFolder: a folder artifact without a single file.
	ErrEmptyFolder = errors.New("is an empty folder")
	// ErrEscapes: a symbolic link inside a folder leads out of it.
	ErrEscapes = errors.New("symbolic link leads outside the folder")
	// ErrLoop: a symbolic link inside a folder leads to a folder that
	// contains it.
	ErrLoop = errors.New("symbolic link loops back to a folder that contains it")
	// ErrNotRegular: neither a regular file nor a folder (a named pipe, a
	// socket, a device).
	ErrNotRegular = errors.New("is not a regular file or folder")
	// ErrDamaged: a stored copy no longer has the digest it is stored
	// under, or misses a file.
	ErrDamaged = errors.New("damaged copy")
	// ErrInvalid: a digest that is not 64 lowercase hex digits, or a kind
	// other than "file" and "dir".
	ErrInvalid = errors.New("invalid digest or kind")
)

// Error is a failure about one path: an artifact being stored or checked,
// or a data set being digested.
type Error struct {
	// What the path is: "artifact" or "data set".
	What string
	// Path is the artifact or data set as given (or, for a stored copy,
	// where the copy is).
	Path string
	// Rel is the file inside the folder Path that is at fault; "" when it
	// is Path itself.
	Rel string
	// Err is why: a sentinel of this package, the system's error, or the
	// context's.
	Err error
	// detail adds to the reason (the type of a special file, the digests
	// of a damaged copy, where a symbolic link leads).
	detail string
}

// Error is one line: `artifact "x/model.pt": no such file`.
func (e *Error) Error() string {
	p := e.Path
	if e.Rel != "" {
		p = filepath.Join(e.Path, filepath.FromSlash(e.Rel))
	}
	return e.What + " " + strconv.Quote(p) + ": " + e.Reason()
}

// Unwrap gives the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Reason says why, without the path: "no such file", "permission denied",
// "is an empty folder".
func (e *Error) Reason() string {
	r := reason(e.Err)
	if e.detail != "" {
		r += " (" + e.detail + ")"
	}
	return r
}

// Brief says why with the file inside the folder at fault, if any, but not
// the path that was given: "no such file", `"sub/a.csv": permission denied`.
// It fits a record that keeps the path apart.
func (e *Error) Brief() string {
	if e.Rel == "" {
		return e.Reason()
	}
	return strconv.Quote(e.Rel) + ": " + e.Reason()
}

// reason is the short text of a cause.
func reason(err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &errno):
		return errno.Error() // "no space left on device", "input/output error"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// fail builds an *Error; a context error is kept as it is so that the
// caller sees the cancellation, still named by the path.
func fail(what, path, rel string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{What: what, Path: path, Rel: rel, Err: err}
}

// failf is fail with a detail after the reason.
func failf(what, path, rel string, err error, format string, args ...any) error {
	return &Error{What: what, Path: path, Rel: rel, Err: err, detail: fmt.Sprintf(format, args...)}
}

// special names the kind of a file that is neither regular nor a folder.
func special(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "of mode " + m.String()
}
