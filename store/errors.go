package store

import (
	"errors"
	"fmt"
)

// Errors callers check with errors.Is. bbolt's own errors are translated into
// these at the package boundary.
var (
	ErrNotFound     = errors.New("not found")
	ErrAmbiguous    = errors.New("ambiguous")
	ErrNewerSchema  = errors.New("store was written by a newer lathe")
	ErrDamaged      = errors.New("store file is damaged")
	ErrLocked       = errors.New("store is in use by another process")
	ErrClosed       = errors.New("store is closed")
	ErrInvalidInput = errors.New("invalid input")
	// ErrExists is a record made again under a name that is taken.
	ErrExists = errors.New("already exists")
	// ErrInternal is a bug in lathe, not a fault of the file: a function
	// run in a transaction panicked. The error is a *PanicError.
	ErrInternal = errors.New("internal error (a bug in lathe)")
)

// WayBack says what a user can do about a damaged store, for the
// messages that report one: the ways back, from the one that keeps most.
const WayBack = "stop the engine (lathe engine stop; jobs go on), then `lathe store salvage --replace` copies what can be read into a new store, `lathe store rebuild` makes one from the run folders, or put a backup (backups/) in its place"

// PanicError is a panic inside a store transaction that was not caused by a
// damaged file (a function given to View or Update panicked on a bug of its
// own). The transaction was rolled back and the store goes on working.
// Stack is where it panicked, for a log; the user is shown Error.
type PanicError struct {
	Value any    // what was given to panic
	Stack []byte // runtime/debug.Stack, taken where the panic was recovered
}

func (e *PanicError) Error() string { return fmt.Sprintf("%v: panic: %v", ErrInternal, e.Value) }

// Unwrap makes a PanicError an ErrInternal to errors.Is.
func (e *PanicError) Unwrap() error { return ErrInternal }
