package store

import "errors"

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
)
