package engine

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"lathe/engine/api"
	"lathe/store"
)

// A panic inside a store transaction (a bug, not damage) fails the request
// as an internal error, keeps the engine working, and leaves its stack in
// the engine's log.
func TestPanicIsInternalAndLogged(t *testing.T) {
	var log bytes.Buffer
	opts := testOptions(t, t.TempDir(), nil)
	opts.Log = slog.New(slog.NewTextHandler(&log, nil))
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	err = e.translate(e.db.Update(context.Background(), func(tx *store.Tx) error {
		var m map[string]int
		m["boom"]++ // a nil map: a bug
		return nil
	}))
	if !errors.Is(err, api.ErrInternal) || errors.Is(err, api.ErrDamaged) {
		t.Fatalf("error %v: want an internal error, not damage", err)
	}
	if !strings.Contains(log.String(), "TestPanicIsInternalAndLogged") || !strings.Contains(log.String(), "nil map") {
		t.Errorf("the log lacks the panic and its stack:\n%s", log.String())
	}
	if _, err := e.Runs(ctxT(t), api.RunQuery{}); err != nil {
		t.Errorf("the engine after the panic: %v", err)
	}
	if we, status := api.ToWire(err); we.Code != "internal" || status != 500 {
		t.Errorf("on the wire: %+v %d", we, status)
	}
}
