package client

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
