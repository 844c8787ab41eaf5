package api

import (
	"errors"
	"fmt"
	"net/http"
)

// The kinds of error clients check with errors.Is. Both implementations of
// Service fail with them alike: the socket client maps the wire codes back.
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
	ErrDamaged       = errors.New("the store is damaged")
	// ErrForbidden is a caller who may not do what they ask (not a
	// reviewer, approving their own version).
	ErrForbidden = errors.New("not allowed")
	// ErrInternal is a fault of lathe's own (a bug); the engine's log has
	// the details.
	ErrInternal = errors.New("internal error")
)

// kindError gives an error one of the kinds above while keeping its own
// message (a user reads "run \"x\": not found", not the kind twice).
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// WithKind gives err a kind.
func WithKind(kind, err error) error { return &kindError{kind: kind, err: err} }

// Errorf makes an error of a kind with a message.
func Errorf(kind error, format string, args ...any) error {
	return WithKind(kind, fmt.Errorf(format, args...))
}

// wireCodes are the kinds on the wire: a code and an HTTP status for each.
var wireCodes = []struct {
	code   string
	kind   error
	status int
}{
	{"not_found", ErrNotFound, http.StatusNotFound},
	{"ambiguous", ErrAmbiguous, http.StatusConflict},
	{"invalid", ErrInvalid, http.StatusBadRequest},
	{"conflict", ErrConflict, http.StatusConflict},
	{"forbidden", ErrForbidden, http.StatusForbidden},
	{"api_mismatch", ErrAPIMismatch, http.StatusPreconditionFailed},
	{"stopped", ErrStopped, http.StatusServiceUnavailable},
	{"damaged", ErrDamaged, http.StatusInternalServerError},
	{"internal", ErrInternal, http.StatusInternalServerError},
}

// WireError is an error as the engine sends it.
type WireError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// ToWire is an error's message, code and HTTP status; an error of no kind
// is internal.
func ToWire(err error) (WireError, int) {
	for _, c := range wireCodes {
		if errors.Is(err, c.kind) {
			return WireError{Error: err.Error(), Code: c.code}, c.status
		}
	}
	return WireError{Error: err.Error(), Code: "internal"}, http.StatusInternalServerError
}

// Err is the error a WireError stands for, of its kind.
func (w WireError) Err() error {
	for _, c := range wireCodes {
		if c.code == w.Code {
			return Errorf(c.kind, "%s", w.Error)
		}
	}
	return errors.New(w.Error)
}
