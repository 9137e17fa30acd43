package httpx

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/internal/clock"
)

// TestEveryRetryWaitRunsOnTheClock is the done-when test of issue 12: each
// kind of wait between two attempts — the jittered backoff, a server's
// Retry-After, and a Retry-After over MaxRetryAfter (capped) — is a timer
// on the injected clock, for exactly the wait it should be, and none is a
// real sleep: the waits configured add up to about half a minute, the
// test takes milliseconds, and a wait on the real clock would leave the
// fake clock without a timer and fail the test.
func TestEveryRetryWaitRunsOnTheClock(t *testing.T) {
	start := time.Now()
	fake := clock.NewFake(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1: // no Retry-After: the backoff, up to BaseDelay
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 3: // a day, capped at MaxRetryAfter
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	c := New(func(o *Options) {
		o.Clock = fake
		o.MaxAttempts = 4
		o.BaseDelay, o.MaxDelay = 3*time.Second, 3*time.Second
		o.MaxRetryAfter = 20 * time.Second
	})
	defer c.CloseIdleConnections()

	type result struct {
		resp *Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.Do(t.Context(), &Request{Op: "Waits", URL: srv.URL, Retry: RetryIdempotent})
		done <- result{resp, err}
	}()
	// A real-time bound on waiting for each timer: a wait made on the
	// real clock never shows up on the fake one.
	for i, want := range []struct {
		name     string
		min, max time.Duration
	}{
		{"backoff", 0, 3 * time.Second},
		{"Retry-After: 7", 7 * time.Second, 7 * time.Second},
		{"Retry-After: 86400, capped", 20 * time.Second, 20 * time.Second},
	} {
		timeout := make(chan struct{})
		timer := time.AfterFunc(5*time.Second, func() { close(timeout) })
		if !fake.BlockUntilTimers(1, timeout) {
			select {
			case r := <-done:
				t.Fatalf("wait %d (%s): Do returned (%v, %v) without waiting on the fake clock", i+1, want.name, r.resp, r.err)
			default:
			}
			t.Fatalf("wait %d (%s): no timer on the fake clock after 5s: the wait runs on the real clock", i+1, want.name)
		}
		timer.Stop()
		if got := int(n.Load()); got != i+1 {
			t.Fatalf("wait %d (%s): the server saw %d attempts before it", i+1, want.name, got)
		}
		before := fake.Now()
		fake.AdvanceToNextTimer()
		if waited := fake.Now().Sub(before); waited < want.min || waited > want.max || waited <= 0 {
			t.Errorf("wait %d (%s) = %v on the fake clock, want in [%v, %v]", i+1, want.name, waited, want.min, want.max)
		}
	}
	r := <-done
	if r.err != nil || r.resp.StatusCode != 200 || r.resp.Attempts != 4 || n.Load() != 4 {
		t.Fatalf("Do = %+v, %v; want 200 after 4 attempts (server saw %d)", r.resp, r.err, n.Load())
	}
	if real := time.Since(start); real > 2*time.Second {
		t.Errorf("the test took %v of real time for ~30s of waits: a wait slept", real)
	}
}

// TestContextCancelDuringBackoff: a caller that gives up while Do waits
// (an hour's Retry-After, on the fake clock) gets its context's error at
// once, after one attempt, and leaves no timer behind.
func TestContextCancelDuringBackoff(t *testing.T) {
	fake := clock.NewFake(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	s := newStatusServer(t, 503)
	s.header = http.Header{"Retry-After": {"3600"}}
	c := New(func(o *Options) { o.Clock = fake; o.MaxRetryAfter = time.Hour })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(ctx, &Request{URL: s.URL})
		done <- err
	}()
	if !fake.BlockUntilTimers(1, nil) {
		t.Fatal("no wait")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Do did not return after cancel")
	}
	if s.n.Load() != 1 {
		t.Errorf("server saw %d requests, want 1", s.n.Load())
	}
	if fake.Timers() != 0 {
		t.Errorf("%d timers left on the clock", fake.Timers())
	}
}

// TestAttemptTimeout: an attempt that gets no answer within the client's
// Timeout fails with an AttemptTimeoutError (not the caller's
// context.DeadlineExceeded) and is retried as a transport error.
func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	defer close(release)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 50 * time.Millisecond}

	resp, err := New(fast, func(o *Options) { o.HTTPClient = hc }).Do(t.Context(), &Request{Op: "Slow", URL: srv.URL, Retry: RetryIdempotent})
	if err != nil || resp.StatusCode != 200 || resp.Attempts != 2 {
		t.Fatalf("Do = %+v, %v; want 200 after a timed-out attempt and a retry", resp, err)
	}

	n.Store(0)
	_, err = New(fast, func(o *Options) { o.HTTPClient = hc }).Do(t.Context(), &Request{Op: "Slow", URL: srv.URL, Retry: RetryUnprocessed})
	var te *AttemptTimeoutError
	if !errors.As(err, &te) || te.Limit != 50*time.Millisecond {
		t.Fatalf("err = %v, want an AttemptTimeoutError of 50ms", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v matches context.DeadlineExceeded, which is the caller's", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("err = %v is not a net.Error timeout", err)
	}
	if !strings.Contains(err.Error(), "no answer within the attempt timeout of 50ms") {
		t.Errorf("err = %q", err)
	}
	if hc.Timeout != 50*time.Millisecond {
		t.Errorf("the caller's client was changed: Timeout %v", hc.Timeout)
	}
}

// TestAttemptTimeoutOption: Options.AttemptTimeout replaces the
// client's Timeout (above 0) or removes the bound (negative), on the
// default client and on a caller's, without changing the caller's client.
func TestAttemptTimeoutOption(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
				return
			case <-release:
			}
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	defer close(release)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	callers := &http.Client{Transport: tr, Timeout: time.Hour}
	for _, tc := range []struct {
		name string
		hc   *http.Client
	}{{"default client", nil}, {"caller's client", callers}} {
		c := New(fast, func(o *Options) { o.HTTPClient, o.AttemptTimeout, o.MaxAttempts = tc.hc, 30*time.Millisecond, 1 })
		_, err := c.Do(t.Context(), &Request{Op: "Slow", URL: srv.URL + "/slow"})
		var te *AttemptTimeoutError
		if !errors.As(err, &te) || te.Limit != 30*time.Millisecond {
			t.Errorf("%s: err = %v, want an AttemptTimeoutError of 30ms", tc.name, err)
		}
		c.CloseIdleConnections()

		// Disabled: only the caller's context ends the attempt.
		c = New(fast, func(o *Options) { o.HTTPClient, o.AttemptTimeout, o.MaxAttempts = tc.hc, -1, 1 })
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		_, err = c.Do(ctx, &Request{Op: "Slow", URL: srv.URL + "/slow"})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) {
			t.Errorf("%s, disabled: err = %v, want the caller's deadline", tc.name, err)
		}
		c.CloseIdleConnections()
	}
	if callers.Timeout != time.Hour {
		t.Errorf("the caller's client was changed: Timeout %v", callers.Timeout)
	}
}

// TestAttemptTimeoutCoversTheBody: the timeout ends when the body has
// been read (a connection is then reused), and bounds reading it.
func TestAttemptTimeoutCoversTheBody(t *testing.T) {
	s := newIdleServer(t)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	c := New(fast, func(o *Options) { o.HTTPClient = &http.Client{Transport: tr, Timeout: 10 * time.Second} })
	for range 5 {
		resp, err := c.Do(t.Context(), &Request{URL: s.URL})
		if err != nil || string(resp.Body) != "ok" {
			t.Fatalf("Do = %+v, %v", resp, err)
		}
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("%d connections for 5 sequential calls, want 1", n)
	}
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer stall.Close()
	short := New(fast, func(o *Options) { o.HTTPClient = &http.Client{Transport: tr, Timeout: 50 * time.Millisecond} })
	_, err := short.Do(t.Context(), &Request{URL: stall.URL, Retry: RetryNever})
	var te *AttemptTimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want an AttemptTimeoutError while reading the body", err)
	}
}

// TestOwnPool: a Client made without HTTPClient has a pool of its own,
// shared by its calls and by no other Client; CloseIdleConnections closes
// it.
func TestOwnPool(t *testing.T) {
	s := newIdleServer(t)
	a, b := New(fast), New(fast)
	get := func(c *Client) {
		t.Helper()
		if _, err := c.Do(t.Context(), &Request{URL: s.URL}); err != nil {
			t.Fatal(err)
		}
	}
	get(a)
	get(a)
	if n := s.conns.Load(); n != 1 {
		t.Fatalf("one client, two calls: %d connections, want 1", n)
	}
	get(b)
	if n := s.conns.Load(); n != 2 {
		t.Fatalf("a second client: %d connections in all, want 2 (pools are not shared)", n)
	}
	if a.own == nil || a.own == b.own || a.o.HTTPClient.Transport != a.own {
		t.Fatal("the clients do not have pools of their own")
	}
	a.CloseIdleConnections()
	b.CloseIdleConnections()
	get(a)
	if n := s.conns.Load(); n != 3 {
		t.Errorf("after CloseIdleConnections: %d connections in all, want 3 (a new one)", n)
	}
	a.CloseIdleConnections()

	// With a caller's client, CloseIdleConnections leaves its pool alone.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	c := New(fast, func(o *Options) { o.HTTPClient = &http.Client{Transport: tr} })
	get(c)
	c.CloseIdleConnections()
	get(c)
	if n := s.conns.Load(); n != 4 {
		t.Errorf("caller's client: %d connections in all, want 4 (its idle one reused)", n)
	}
}

// TestRequestMaxAttempts: a request may cap its attempts below the
// client's, not raise them.
func TestRequestMaxAttempts(t *testing.T) {
	for _, tt := range []struct{ req, want int }{{0, 4}, {2, 2}, {1, 1}, {9, 4}} {
		s := newStatusServer(t, 503)
		resp, err := New(fast).Do(t.Context(), &Request{URL: s.URL, MaxAttempts: tt.req})
		if err != nil || resp.Attempts != tt.want || int(s.n.Load()) != tt.want {
			t.Errorf("MaxAttempts %d: %+v, %v; want %d attempts", tt.req, resp, err, tt.want)
		}
	}
}
