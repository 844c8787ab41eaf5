package engine

import (
	"errors"
	"fmt"

	"lathe/engine/api"
	"lathe/store"
)

// translate turns a store error into one of the contract's kinds. A panic
// inside a store transaction is a bug of lathe's: its stack goes to the
// engine's log, and the client is told of an internal error.
func (e *Engine) translate(err error) error {
	var pe *store.PanicError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		e.log.Error("internal error", "panic", pe.Value, "stack", string(pe.Stack))
		return api.Errorf(api.ErrInternal, "internal error (a bug in lathe; the engine's log has the details): %v", pe.Value)
	case errors.Is(err, store.ErrNotFound):
		return api.WithKind(api.ErrNotFound, err)
	case errors.Is(err, store.ErrAmbiguous):
		return api.WithKind(api.ErrAmbiguous, err)
	case errors.Is(err, store.ErrExists):
		return api.WithKind(api.ErrConflict, err)
	case errors.Is(err, store.ErrInvalidInput):
		return api.WithKind(api.ErrInvalid, err)
	case errors.Is(err, store.ErrClosed):
		return api.WithKind(api.ErrStopped, err)
	case errors.Is(err, store.ErrDamaged):
		return api.WithKind(api.ErrDamaged, fmt.Errorf("%w (lathe store check names what; %s)", err, store.WayBack))
	}
	return err
}
