package engine

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lathe/engine/api"
)

// rawRequest sends a request over the engine's socket as it is and
// returns the reply's status and body.
func rawRequest(t *testing.T, sock, method, path string, body io.Reader) (int, string, error) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	req, err := http.NewRequest(method, "http://lathe"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(api.HeaderVersion, fmt.Sprint(api.Version))
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// endless is a body that never ends (a 1 GiB body and more).
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// A hostile request gets a one-line refusal, and never holds the engine:
// a slow client is cut off after the header timeout while others are
// answered; an endless body stops at the limit; invalid UTF-8, wrong types,
// unknown fields and trailing values are refused.
func TestHostileRequests(t *testing.T) {
	old := serverTimeouts
	// The header timeout is what cuts the slow client off; the read
	// timeout stays long enough for 64 MiB to arrive under -race.
	serverTimeouts.header, serverTimeouts.read = 300*time.Millisecond, time.Minute
	t.Cleanup(func() { serverTimeouts = old })
	e := openEngine(t, t.TempDir(), nil)
	t.Cleanup(func() { killAll(t, e); e.Close() })
	c := serveOverSocket(t, e)
	sock, _ := e.opts.Paths.Socket()

	// A client that sends half a header and stops.
	slow, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprint(slow, "GET /v1/status HTTP/1.1\r\nHost: lathe\r\n")
	start := time.Now()
	if _, err := c.Status(context.Background()); err != nil || time.Since(start) > time.Second {
		t.Errorf("another client waited %v (%v) behind a slow one", time.Since(start), err)
	}
	slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bufio.NewReader(slow).ReadString('\n'); err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("the slow client was not cut off after %v: %v", time.Since(start), err)
	}

	for _, tc := range []struct {
		name string
		body io.Reader
		want string
	}{
		{"endless body", endless{}, "the body is over 64 MiB"},
		{"invalid UTF-8", strings.NewReader("{\"command\": [\"echo\", \"\xff\xfe\"], \"cwd\": \"/\"}"), "not valid UTF-8"},
		{"wrong type", strings.NewReader(`{"command": "echo", "cwd": "/"}`), "cannot unmarshal string"},
		{"unknown field", strings.NewReader(`{"command": ["true"], "cwd": "/", "rm_rf": true}`), "unknown field \\\"rm_rf"},
		{"two values", strings.NewReader(`{"command": ["true"], "cwd": "/"} {}`), "more than one JSON value"},
		{"not JSON", strings.NewReader(`<xml/>`), "invalid character"},
	} {
		start := time.Now()
		status, body, err := rawRequest(t, sock, http.MethodPost, "/v1/runs", tc.body)
		if _, endless := tc.body.(endless); endless && err != nil &&
			(strings.Contains(err.Error(), "broken pipe") || strings.Contains(err.Error(), "connection reset")) {
			// The engine answered and closed while the client still wrote:
			// it stopped reading, which is the point.
		} else if status != http.StatusBadRequest || !strings.Contains(body, tc.want) || strings.Count(strings.TrimSpace(body), "\n") > 0 {
			t.Errorf("%s: %d %s (%v), want 400 saying %q", tc.name, status, body, err, tc.want)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("%s took %v", tc.name, d)
		}
	}
	runs, err := c.Runs(context.Background(), api.RunQuery{})
	if err != nil || len(runs) != 0 {
		t.Errorf("after the refusals: %d runs, %v", len(runs), err)
	}
}
