package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// Paths are the files of a data directory (see DESIGN: the data directory).
type Paths struct {
	Home string
}

// DefaultHome is $LATHE_HOME, else $XDG_DATA_HOME/lathe, else
// ~/.local/share/lathe.
func DefaultHome() string {
	if h := os.Getenv("LATHE_HOME"); h != "" {
		return h
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "lathe")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "lathe")
}

// NewPaths resolves home to an absolute directory.
func NewPaths(home string) (Paths, error) {
	abs, err := filepath.Abs(home)
	if err != nil {
		return Paths{}, fmt.Errorf("data directory %s: %w", home, err)
	}
	return Paths{Home: abs}, nil
}

func (p Paths) DB() string              { return filepath.Join(p.Home, "lathe.db") }
func (p Paths) Log() string             { return filepath.Join(p.Home, "engine.log") }
func (p Paths) PIDFile() string         { return filepath.Join(p.Home, "engine.pid") }
func (p Paths) Runs() string            { return filepath.Join(p.Home, "runs") }
func (p Paths) RunDir(id string) string { return filepath.Join(p.Home, "runs", id) }

// Artifacts is the registry's content-addressed folder of model artifacts.
// Backups is where the engine keeps the store's rotating backups.
func (p Paths) Backups() string { return filepath.Join(p.Home, "backups") }

func (p Paths) Artifacts() string { return filepath.Join(p.Home, "artifacts") }

// MLflowToken holds the bearer token of the MLflow-compatible endpoint
// (mode 0600).
func (p Paths) MLflowToken() string { return filepath.Join(p.Home, "mlflow.token") }

// maxSocketPath is the longest path a unix socket address holds on Linux
// (sun_path is 108 bytes, one for the terminating NUL).
const maxSocketPath = 107

// Socket is engine.sock in the data directory, or, when that path is too long
// for a unix socket, a short path under $XDG_RUNTIME_DIR (else
// /tmp/lathe-$UID) named by a hash of the data directory, so every client
// finds the same one. Fallback says which it is.
func (p Paths) Socket() (path string, fallback bool) {
	path = filepath.Join(p.Home, "engine.sock")
	if len(path) <= maxSocketPath {
		return path, false
	}
	return filepath.Join(SocketFallbackDir(), socketName(p.Home)), true
}

// SocketFallbackDir is the folder of the sockets whose data directory's
// path is too long for one.
func SocketFallbackDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "lathe")
	}
	return fmt.Sprintf("/tmp/lathe-%d", os.Getuid())
}

func socketName(home string) string {
	sum := sha256.Sum256([]byte(home))
	return hex.EncodeToString(sum[:8]) + ".sock"
}

// PeerUID is the user on the other end of a unix socket, as the kernel
// knows it (SO_PEERCRED): the engine learns who calls from it, and a
// client makes sure the engine is its own user's.
func PeerUID(c net.Conn) (uint32, bool) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var cred *syscall.Ucred
	raw.Control(func(fd uintptr) {
		cred, err = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	})
	if err != nil || cred == nil {
		return 0, false
	}
	return cred.Uid, true
}
