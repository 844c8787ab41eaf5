package client

import (
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lathe/engine/api"
)

// A log grown past maxLog is set aside when the next engine starts; a
// small one stays.
func TestRotateLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.log")
	os.WriteFile(path, []byte("small\n"), 0o644)
	rotateLog(path)
	if _, err := os.Stat(path + ".1"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a small log was set aside: %v", err)
	}
	os.WriteFile(path, make([]byte, maxLog+1), 0o644)
	rotateLog(path)
	if fi, err := os.Stat(path + ".1"); err != nil || fi.Size() != maxLog+1 {
		t.Fatalf("the big log: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the big log is still in place: %v", err)
	}
}

// Why a request did not reach the engine, in one line a user can act on.
func TestDialError(t *testing.T) {
	dial := func(errno syscall.Errno) error {
		return &url.Error{Op: "Get", URL: "http://lathe/v1/status", Err: &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", errno)}}
	}
	for _, c := range []struct {
		err  error
		kind error
		says string
	}{
		{dial(syscall.ECONNREFUSED), api.ErrNoEngine, "no engine answers on /s"},
		{dial(syscall.ENOENT), api.ErrNoEngine, "no engine answers on /s"},
		{dial(syscall.EACCES), api.ErrForeignEngine, "the engine on /s belongs to another user (permission denied)"},
		{&url.Error{Op: "Get", URL: "u", Err: api.Errorf(api.ErrForeignEngine, "runs as uid 7")}, api.ErrForeignEngine, "runs as uid 7"},
		// The engine crashed mid-request: said plainly, and still one a
		// client reconnects after.
		{&url.Error{Op: "Post", URL: "http://lathe/v1/models/register", Err: io.EOF}, io.EOF, "the engine on /s went away before answering"},
	} {
		got := dialError("/s", c.err)
		if !errors.Is(got, c.kind) || !strings.HasPrefix(got.Error(), c.says) || strings.Contains(got.Error(), "http://") {
			t.Errorf("%v: got %v", c.err, got)
		}
		if errors.Is(c.err, io.EOF) && !Reconnectable(got) {
			t.Errorf("%v: not reconnectable", got)
		}
	}
}
