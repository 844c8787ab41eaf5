package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lathe/engine/api"
	"lathe/engine/mlflow"
)

// MLflowOptions is the MLflow-compatible endpoint an engine serves: jobs
// are told where it is (MLFLOW_TRACKING_URI…).
type MLflowOptions struct {
	URI   string
	Token string
	// Error says why it is not serving, when it is configured but could
	// not start (URI and Token are then empty).
	Error string
}

// listenMLflow opens the endpoint's port, at 127.0.0.1 only, before the
// engine opens, so that every job it launches is told where it is.
func listenMLflow(paths api.Paths, port int) (net.Listener, MLflowOptions) {
	token, err := mlflowToken(paths)
	if err != nil {
		return nil, MLflowOptions{Error: err.Error()}
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, MLflowOptions{Error: fmt.Sprintf("cannot listen on 127.0.0.1:%d: %v", port, errors.Unwrap(err))}
	}
	return l, MLflowOptions{URI: "http://" + l.Addr().String(), Token: token}
}

// mlflowToken reads the endpoint's token, making it on first use: 32
// random bytes, in a file only the engine's owner reads.
func mlflowToken(paths api.Paths) (string, error) {
	raw, err := os.ReadFile(paths.MLflowToken())
	if err == nil && len(strings.TrimSpace(string(raw))) >= 32 {
		return strings.TrimSpace(string(raw)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read the MLflow token: %w", err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	token := hex.EncodeToString(b)
	if err := writeSecret(paths.MLflowToken(), token+"\n"); err != nil {
		return "", fmt.Errorf("write the MLflow token: %w", err)
	}
	return token, nil
}

// writeSecret writes a file only its owner reads, whole or not at all.
func writeSecret(path, data string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".secret.tmp*") // mode 0600
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// serveMLflow serves the endpoint on l until ctx ends.
func serveMLflow(ctx context.Context, e *Engine, l net.Listener) {
	srv := &http.Server{
		Handler:           mlflow.New(e, mlflow.Options{Token: e.opts.MLflow.Token, Log: e.log}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	e.log.Info("serving MLflow's REST API", "uri", e.opts.MLflow.URI)
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.log.Error("MLflow endpoint stopped", "err", err)
	}
}

// mlflowEnv tells a job where the endpoint is, and which run is its own.
func (e *Engine) mlflowEnv(id string) []string {
	m := e.opts.MLflow
	if m.URI == "" {
		return nil
	}
	return []string{"MLFLOW_TRACKING_URI=" + m.URI, "MLFLOW_TRACKING_TOKEN=" + m.Token, "MLFLOW_RUN_ID=" + id}
}

// mlflowStatus is what Status says of the endpoint.
func (e *Engine) mlflowStatus() *api.MLflowEndpoint {
	m := e.opts.MLflow
	if m.URI == "" && m.Error == "" {
		return nil
	}
	return &api.MLflowEndpoint{URI: m.URI, Error: m.Error}
}
