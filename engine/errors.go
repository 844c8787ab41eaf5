package engine

import (
	"errors"
	"fmt"

	"lathe/store"
)

// Errors clients check with errors.Is; the socket client maps the server's
// error codes back to them, so both Service implementations fail alike.
var (
	ErrNotFound      = errors.New("not found")
	ErrAmbiguous     = errors.New("ambiguous")
	ErrInvalid       = errors.New("invalid request")
	ErrConflict      = errors.New("conflict")
	ErrNoEngine      = errors.New("no engine is running")
	ErrAPIMismatch   = errors.New("engine and client versions differ")
	ErrEngineBusy    = errors.New("an engine already runs on this data directory")
	ErrStopped       = errors.New("engine is stopping")
	ErrForeignEngine = errors.New("the engine belongs to another user")
)

// kindError gives an error one of the sentinels above as its kind while
// keeping its own message (a user reads "run \"x\": not found", not the
// kind twice).
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

func withKind(kind, err error) error { return &kindError{kind: kind, err: err} }

// errorf makes an error of a kind with a message.
func errorf(kind error, format string, args ...any) error {
	return withKind(kind, fmt.Errorf(format, args...))
}

// translate turns a store error into the engine's own.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return withKind(ErrNotFound, err)
	case errors.Is(err, store.ErrAmbiguous):
		return withKind(ErrAmbiguous, err)
	case errors.Is(err, store.ErrInvalidInput):
		return withKind(ErrInvalid, err)
	case errors.Is(err, store.ErrClosed):
		return withKind(ErrStopped, err)
	}
	return err
}
