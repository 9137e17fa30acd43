package httpx

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"

	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// idleServer answers 200 and counts the connections it accepts.
type idleServer struct {
	*httptest.Server
	conns atomic.Int64
}

func newIdleServer(t *testing.T) *idleServer {
	t.Helper()
	s := &idleServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// cancelOnRetry is a slog handler that cancels a context when httpx logs
// that it is about to wait before a retry: the wait then ends at once.
type cancelOnRetry struct {
	slog.Handler
	cancel context.CancelFunc
}

func (h cancelOnRetry) Enabled(context.Context, slog.Level) bool { return true }

func (h cancelOnRetry) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "httpx: retrying" {
		h.cancel()
	}
	return nil
}

// checkBystanderKeepsIdle runs victim (a failing call of another iamkit
// client on the same HTTP client hc; nil is the default) between two calls
// of a bystander client to its own server, and fails t if the bystander
// needed a new connection for the second: its idle connection was closed.
func checkBystanderKeepsIdle(t *testing.T, name string, hc *http.Client, victim func(mk func(...func(*Options)) *Client)) {
	t.Helper()
	other := newIdleServer(t)
	mk := func(fns ...func(*Options)) *Client {
		return New(append([]func(*Options){fast, func(o *Options) { o.HTTPClient = hc }}, fns...)...)
	}
	bystander := mk()
	get := func() {
		t.Helper()
		resp, err := bystander.Do(t.Context(), &Request{Op: "Bystander", URL: other.URL})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: bystander call: %v", name, err)
		}
	}
	get()
	if n := other.conns.Load(); n != 1 {
		t.Fatalf("%s: bystander's server saw %d connections after one call, want 1", name, n)
	}
	victim(mk)
	get()
	if n := other.conns.Load(); n != 1 {
		t.Errorf("%s: bystander's server saw %d new connections, want 1: another client's failed call closed its idle connection", name, n)
	}
}

// idleClients are the HTTP clients of the idle-connection tests: the
// shared default and a caller's.
func idleClients(t *testing.T) map[string]*http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return map[string]*http.Client{"default": nil, "caller": {Transport: tr}}
}

// TestCancelDuringBackoffKeepsOthersIdle: a context that ends during a
// backoff wait must not close other clients' idle connections.
func TestCancelDuringBackoffKeepsOthersIdle(t *testing.T) {
	for name, hc := range idleClients(t) {
		checkBystanderKeepsIdle(t, name, hc, func(mk func(...func(*Options)) *Client) {
			s := newStatusServer(t, 503)
			s.header = http.Header{"Retry-After": {"3600"}}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			c := mk(func(o *Options) {
				o.MaxRetryAfter = time.Hour
				o.Logger = slog.New(cancelOnRetry{slog.DiscardHandler, cancel})
			})
			if _, err := c.Do(ctx, &Request{Op: "Victim", URL: s.URL}); !errors.Is(err, context.Canceled) {
				t.Fatalf("%s: victim err = %v, want context.Canceled", name, err)
			}
		})
	}
}

// TestExhaustedRetriesKeepOthersIdle: a call that fails after its last
// attempt must not close other clients' idle connections.
func TestExhaustedRetriesKeepOthersIdle(t *testing.T) {
	for name, hc := range idleClients(t) {
		checkBystanderKeepsIdle(t, name, hc, func(mk func(...func(*Options)) *Client) {
			c := mk(func(o *Options) { o.MaxAttempts = 2 })
			_, err := c.Do(t.Context(), &Request{Op: "Victim", URL: "http://" + loopbacktest.Refused(t) + "/path"})
			if err == nil || !strings.Contains(err.Error(), "after 2 attempts") {
				t.Fatalf("%s: victim err = %v, want a failure after 2 attempts", name, err)
			}
		})
	}
}

// TestFailedSignOnRetryKeepsOthersIdle: a Sign hook that fails before a
// retry (retryablehttp's PrepareRetry) must not close other clients' idle
// connections.
func TestFailedSignOnRetryKeepsOthersIdle(t *testing.T) {
	for name, hc := range idleClients(t) {
		checkBystanderKeepsIdle(t, name, hc, func(mk func(...func(*Options)) *Client) {
			s := newStatusServer(t, 503)
			n := 0
			_, err := mk().Do(t.Context(), &Request{Op: "Victim", URL: s.URL, Sign: func(*http.Request, []byte) error {
				if n++; n > 1 {
					return errors.New("no more signatures")
				}
				return nil
			}})
			if err == nil || !strings.Contains(err.Error(), "no more signatures") {
				t.Fatalf("%s: victim err = %v, want the Sign failure", name, err)
			}
		})
	}
}

// TestFailedRewindKeepsOthersIdle: retryablehttp closes idle connections
// when it cannot rewind a request body. Do's bodies are bytes and always
// rewind, so this drives retryablehttp directly with the HTTP client Do
// hands it, and a body that fails on its second read.
func TestFailedRewindKeepsOthersIdle(t *testing.T) {
	for name, hc := range idleClients(t) {
		checkBystanderKeepsIdle(t, name, hc, func(mk func(...func(*Options)) *Client) {
			s := newStatusServer(t, 503)
			c := mk()
			rc := retryablehttp.Client{
				HTTPClient:   c.hc,
				RetryMax:     1,
				CheckRetry:   retryablehttp.DefaultRetryPolicy,
				Backoff:      func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 },
				ErrorHandler: retryablehttp.PassthroughErrorHandler,
			}
			reads := 0
			req, err := retryablehttp.NewRequestWithContext(t.Context(), http.MethodPost, s.URL,
				retryablehttp.ReaderFunc(func() (io.Reader, error) {
					if reads++; reads > 1 {
						return nil, errors.New("cannot rewind")
					}
					return strings.NewReader("body"), nil
				}))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := rc.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "cannot rewind") {
				t.Fatalf("%s: victim err = %v, want the rewind failure", name, err)
			}
		})
	}
}
