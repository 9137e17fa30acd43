package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
	"github.com/iamkit/iamkit/internal/version"
)

// fast returns options with ~1ms waits, so retries take no real time.
func fast(o *Options) {
	o.BaseDelay = time.Millisecond
	o.MaxDelay = time.Millisecond
	o.MaxRetryAfter = time.Millisecond
}

// statusServer answers the i-th request with statuses[i] (the last one
// repeats) and counts requests.
type statusServer struct {
	*httptest.Server
	n        atomic.Int32
	statuses []int
	header   http.Header // added to every answer
}

func newStatusServer(t *testing.T, statuses ...int) *statusServer {
	t.Helper()
	s := &statusServer{statuses: statuses}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(s.n.Add(1)) - 1
		if i >= len(s.statuses) {
			i = len(s.statuses) - 1
		}
		for k, v := range s.header {
			w.Header()[k] = v
		}
		w.WriteHeader(s.statuses[i])
		fmt.Fprintf(w, "answer %d", i)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestRetryRules(t *testing.T) {
	tests := []struct {
		name     string
		policy   RetryPolicy
		statuses []int
		attempts int
		final    int
	}{
		{"unprocessed 429 then ok", RetryUnprocessed, []int{429, 200}, 2, 200},
		{"unprocessed 503 until exhausted", RetryUnprocessed, []int{503}, 4, 503},
		{"unprocessed no retry on 500", RetryUnprocessed, []int{500, 200}, 1, 500},
		{"unprocessed no retry on 502", RetryUnprocessed, []int{502, 200}, 1, 502},
		{"unprocessed no retry on 504", RetryUnprocessed, []int{504, 200}, 1, 504},
		{"unprocessed no retry on 401", RetryUnprocessed, []int{401, 200}, 1, 401},
		{"idempotent 500 502 504 then ok", RetryIdempotent, []int{500, 502, 504, 200}, 4, 200},
		{"idempotent 429 then ok", RetryIdempotent, []int{429, 200}, 2, 200},
		{"idempotent never 401", RetryIdempotent, []int{401, 200}, 1, 401},
		{"idempotent never 400", RetryIdempotent, []int{400, 200}, 1, 400},
		{"idempotent never 501", RetryIdempotent, []int{501, 200}, 1, 501},
		{"idempotent never 404", RetryIdempotent, []int{404, 200}, 1, 404},
		{"never 503", RetryNever, []int{503, 200}, 1, 503},
		{"never 429", RetryNever, []int{429, 200}, 1, 429},
		{"ok at once", RetryUnprocessed, []int{200}, 1, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStatusServer(t, tt.statuses...)
			c := New(fast)
			resp, err := c.Do(t.Context(), &Request{Op: "Test", Method: http.MethodPost, URL: s.URL, Body: []byte("x"), Retry: tt.policy})
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if resp.StatusCode != tt.final {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.final)
			}
			if resp.Attempts != tt.attempts || int(s.n.Load()) != tt.attempts {
				t.Errorf("attempts = %d (server saw %d), want %d", resp.Attempts, s.n.Load(), tt.attempts)
			}
			if want := fmt.Sprintf("answer %d", min(tt.attempts, len(tt.statuses))-1); string(resp.Body) != want {
				t.Errorf("body = %q, want %q (the last answer)", resp.Body, want)
			}
		})
	}
}

func TestMaxAttemptsOption(t *testing.T) {
	s := newStatusServer(t, 503)
	c := New(fast, func(o *Options) { o.MaxAttempts = 2 })
	resp, err := c.Do(t.Context(), &Request{URL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 2 || s.n.Load() != 2 {
		t.Errorf("attempts = %d, server saw %d, want 2", resp.Attempts, s.n.Load())
	}
}

// resetServer hijacks every request and closes the connection without an
// answer; it counts requests.
func resetServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func TestTransportErrors(t *testing.T) {
	// A name that does not resolve ("no such host", as the resolver says
	// of a name that does not exist) is a dial failure too: not processed
	// (internal/dialerr's one rule).
	noDNSTransport := &http.Transport{DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}}
	defer noDNSTransport.CloseIdleConnections()
	for _, tt := range []struct {
		name, url, prefix string
		hc                *http.Client
	}{
		{"connection refused", "http://" + loopbacktest.Refused(t) + "/path", "httpx Unsent: POST http://127.0.0.1:", nil},
		{"name does not resolve", "https://iam.example.test/v1", "httpx Unsent: POST https://iam.example.test/v1", &http.Client{Transport: noDNSTransport}},
	} {
		t.Run(tt.name+" is retried under every policy but never", func(t *testing.T) {
			for _, p := range []RetryPolicy{RetryUnprocessed, RetryIdempotent, RetryNever} {
				logs := &logCapture{}
				c := New(fast, func(o *Options) { o.Logger = logs.logger(); o.HTTPClient = tt.hc })
				_, err := c.Do(t.Context(), &Request{Op: "Unsent", Method: http.MethodPost, URL: tt.url, Body: []byte("b"), Retry: p})
				if err == nil {
					t.Fatalf("%v: want an error", p)
				}
				want := 4
				if p == RetryNever {
					want = 1
				}
				if got := logs.count("httpx: attempt failed"); got != want {
					t.Errorf("%v: attempts = %d, want %d (err %v)", p, got, want, err)
				}
				if !strings.HasPrefix(err.Error(), tt.prefix) {
					t.Errorf("%v: error %q does not name op, method and URL", p, err)
				}
			}
		})
	}
	t.Run("reset after sending", func(t *testing.T) {
		for _, tt := range []struct {
			p    RetryPolicy
			want int32
		}{{RetryUnprocessed, 1}, {RetryIdempotent, 4}, {RetryNever, 1}} {
			s, n := resetServer(t)
			c := New(fast)
			_, err := c.Do(t.Context(), &Request{Method: http.MethodPost, URL: s.URL, Body: []byte("b"), Retry: tt.p})
			if err == nil {
				t.Fatalf("%v: want an error", tt.p)
			}
			if n.Load() != tt.want {
				t.Errorf("%v: server saw %d attempts, want %d", tt.p, n.Load(), tt.want)
			}
		}
	})
}

func TestRetryAfterCapped(t *testing.T) {
	// The server asks for 484289 hours; with a 1ms cap the retry happens at
	// once. The deadline makes an uncapped wait visible: the client would
	// give up and return the 429 instead of retrying.
	s := newStatusServer(t, 429, 200)
	s.header = http.Header{"Retry-After": {strconv.Itoa(484289 * 3600)}}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	resp, err := New(fast).Do(ctx, &Request{URL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Attempts != 2 {
		t.Errorf("status %d after %d attempts, want 200 after 2", resp.StatusCode, resp.Attempts)
	}
}

func TestRetryAfterBeyondDeadlineReturnsResponse(t *testing.T) {
	s := newStatusServer(t, 429, 200)
	s.header = http.Header{"Retry-After": {"3600"}}
	c := New(func(o *Options) { o.MaxRetryAfter = time.Hour })
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	resp, err := c.Do(ctx, &Request{URL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 429 || resp.Attempts != 1 {
		t.Errorf("status %d after %d attempts, want the 429 after 1", resp.StatusCode, resp.Attempts)
	}
}

func TestBackoff(t *testing.T) {
	now := time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)
	c := New(func(o *Options) {
		o.BaseDelay = 10 * time.Millisecond
		o.MaxDelay = 80 * time.Millisecond
		o.MaxRetryAfter = 20 * time.Second
	})
	resp := func(status int, ra string) *http.Response {
		h := http.Header{}
		if ra != "" {
			h.Set("Retry-After", ra)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	exact := []struct {
		name string
		resp *http.Response
		want time.Duration
	}{
		{"429 seconds", resp(429, "7"), 7 * time.Second},
		{"503 seconds", resp(503, "2"), 2 * time.Second},
		{"429 capped", resp(429, "1743456000"), 20 * time.Second},
		{"429 huge number capped", resp(429, "99999999999999999"), 20 * time.Second},
		{"503 http date", resp(503, now.Add(5*time.Second).Format(http.TimeFormat)), 5 * time.Second},
		{"503 http date capped", resp(503, now.Add(48*time.Hour).Format(http.TimeFormat)), 20 * time.Second},
		{"429 date in the past", resp(429, now.Add(-time.Hour).Format(http.TimeFormat)), 0},
		{"429 zero", resp(429, "0"), 0},
	}
	for _, tt := range exact {
		if got := c.backoff(1, tt.resp, now); got != tt.want {
			t.Errorf("%s: backoff = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Ignored Retry-After: jitter applies.
	jittered := []struct {
		name string
		resp *http.Response
	}{
		{"500 with Retry-After", resp(500, "7")},
		{"429 negative", resp(429, "-5")},
		{"429 garbage", resp(429, "soon")},
		{"transport error", nil},
	}
	for _, tt := range jittered {
		for n := 1; n <= 5; n++ {
			ceil := min(10*time.Millisecond<<(n-1), 80*time.Millisecond)
			if got := c.backoff(n, tt.resp, now); got < 0 || got > ceil {
				t.Errorf("%s: backoff(%d) = %v, want in [0, %v]", tt.name, n, got, ceil)
			}
		}
	}
}

func TestSignCalledPerAttempt(t *testing.T) {
	body := []byte(`{"jwt":"payload-that-must-replay"}`)
	var (
		mu     sync.Mutex
		sigs   [][]string
		bodies []string
		n      int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		sigs = append(sigs, r.Header.Values("X-Sig"))
		bodies = append(bodies, string(b))
		n++
		i := n
		mu.Unlock()
		if i < 3 {
			w.WriteHeader(503)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()

	calls := 0
	sign := func(r *http.Request, b []byte) error {
		calls++
		// The body is set and equal to the bytes handed in.
		got, err := io.ReadAll(r.Body)
		if err != nil || !bytes.Equal(got, b) || !bytes.Equal(b, body) {
			return fmt.Errorf("sign saw body %q (%v), bytes %q", got, err, b)
		}
		r.Body = io.NopCloser(bytes.NewReader(got))
		r.Header.Add("X-Sig", "sig-"+strconv.Itoa(calls))
		return nil
	}
	resp, err := New(fast).Do(t.Context(), &Request{
		Method: http.MethodPost, URL: srv.URL, Body: body, Retry: RetryUnprocessed, Sign: sign,
		Header: http.Header{"Content-Type": {"application/json"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Attempts != 3 || calls != 3 {
		t.Fatalf("status %d, attempts %d, sign calls %d; want 200, 3, 3", resp.StatusCode, resp.Attempts, calls)
	}
	for i, s := range sigs {
		// One fresh signature per attempt: no header left over from the
		// previous attempt.
		if want := []string{"sig-" + strconv.Itoa(i+1)}; strings.Join(s, ",") != strings.Join(want, ",") {
			t.Errorf("attempt %d: X-Sig = %q, want %q", i+1, s, want)
		}
	}
	for i, b := range bodies {
		if b != string(body) {
			t.Errorf("attempt %d: body %q, want %q", i+1, b, body)
		}
	}
}

func TestSignError(t *testing.T) {
	s := newStatusServer(t, 200)
	_, err := New(fast).Do(t.Context(), &Request{Op: "Signed", URL: s.URL, Sign: func(*http.Request, []byte) error {
		return errors.New("no key")
	}})
	if err == nil || !strings.Contains(err.Error(), "sign: no key") {
		t.Fatalf("err = %v, want the sign error", err)
	}
	if s.n.Load() != 0 {
		t.Errorf("server saw %d requests, want 0", s.n.Load())
	}
}

func TestResponseSizeLimit(t *testing.T) {
	const limit = 1024
	for _, tt := range []struct {
		size    int
		wantErr bool
	}{{limit - 1, false}, {limit, false}, {limit + 1, true}, {10 * limit, true}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			w.Write(bytes.Repeat([]byte("a"), tt.size))
		}))
		resp, err := New(fast, func(o *Options) { o.MaxResponseBytes = limit }).Do(t.Context(), &Request{Op: "Big", URL: srv.URL})
		srv.Close()
		if tt.wantErr {
			if !errors.Is(err, ErrResponseTooLarge) {
				t.Errorf("size %d: err = %v, want ErrResponseTooLarge", tt.size, err)
			}
			continue
		}
		if err != nil || len(resp.Body) != tt.size {
			t.Errorf("size %d: err %v, body %d bytes", tt.size, err, len(resp.Body))
		}
	}
}

func TestContextDeadlineWhileWaitingForAnswer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := New(fast).Do(ctx, &Request{Op: "Hang", URL: srv.URL, Retry: RetryIdempotent})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want errors.Is DeadlineExceeded", err)
	}
	if !strings.HasPrefix(err.Error(), "httpx Hang: GET http://127.0.0.1:") {
		t.Errorf("err = %q", err)
	}
}

func TestContextDoneBeforeCall(t *testing.T) {
	s := newStatusServer(t, 200)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := New(fast).Do(ctx, &Request{URL: s.URL, Retry: RetryIdempotent})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if s.n.Load() != 0 {
		t.Errorf("server saw %d requests", s.n.Load())
	}
}

func TestUserAgent(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("User-Agent"))
	}))
	defer srv.Close()
	tests := []struct {
		opt, hdr, want string
	}{
		{"", "", version.Product},
		{"myapp/1.2", "", version.Product + " myapp/1.2"},
		{version.Product + " custom", "", version.Product + " custom"},
		{"wrapper/2 " + version.Product, "", "wrapper/2 " + version.Product}, // contains it: not added again
		{"", "tool/3", version.Product + " tool/3"},
		{"myapp/1.2", "tool/3", version.Product + " myapp/1.2 tool/3"},
	}
	for _, tt := range tests {
		c := New(func(o *Options) { o.UserAgent = tt.opt })
		h := http.Header{}
		if tt.hdr != "" {
			h.Set("User-Agent", tt.hdr)
		}
		if _, err := c.Do(t.Context(), &Request{URL: srv.URL, Header: h}); err != nil {
			t.Fatal(err)
		}
		if g := got.Load().(string); g != tt.want {
			t.Errorf("option %q header %q: User-Agent %q, want %q", tt.opt, tt.hdr, g, tt.want)
		}
	}
}

func TestNoRedirectByDefault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	resp, err := New().Do(t.Context(), &Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status = %d, want 302 handed back", resp.StatusCode)
	}
}

func TestInvalidRequest(t *testing.T) {
	c := New()
	for _, u := range []string{"", "/relative", "no-scheme.example", "http://%zz", "http://user:pass@[::1"} {
		_, err := c.Do(t.Context(), &Request{Op: "Bad", URL: u})
		if err == nil {
			t.Errorf("URL %q: want an error", u)
			continue
		}
		if strings.Contains(err.Error(), "pass") {
			t.Errorf("URL %q: error leaks user info: %v", u, err)
		}
	}
	if _, err := c.Do(t.Context(), nil); err == nil {
		t.Error("nil request: want an error")
	}
}

func TestOptionsDefaults(t *testing.T) {
	c := New(func(o *Options) {
		o.MaxAttempts = -1
		o.BaseDelay = time.Second
		o.MaxDelay = time.Millisecond
	})
	o := c.o
	if o.MaxAttempts != DefaultMaxAttempts || o.MaxDelay != time.Second || o.MaxRetryAfter != DefaultMaxRetryAfter ||
		o.MaxResponseBytes != DefaultMaxResponseBytes || o.HTTPClient == nil || o.Logger == nil || o.UserAgent != version.Product {
		t.Errorf("normalised options = %+v", o)
	}
}

const canary = "CANARY-s3cr3t-7f1e9"

func TestLogsAndErrorsNeverCarrySecrets(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", canary)
		if n.Add(1) == 1 {
			w.WriteHeader(503)
		}
		fmt.Fprintf(w, `{"access_token":%q}`, canary)
	}))
	defer srv.Close()
	logs := &logCapture{}
	c := New(fast, func(o *Options) { o.Logger = logs.logger() })
	req := &Request{
		Op:      "Canary",
		Method:  http.MethodPost,
		URL:     srv.URL + "/path?token=" + canary,
		Header:  http.Header{"Authorization": {"Bearer " + canary}},
		Body:    []byte("subject_token=" + canary),
		Secrets: []string{canary},
		Sign: func(r *http.Request, _ []byte) error {
			r.Header.Set("X-Signature", canary)
			return nil
		},
	}
	resp, err := c.Do(t.Context(), req)
	if err != nil || resp.StatusCode != 200 || resp.Attempts != 2 {
		t.Fatalf("Do: %v %+v", err, resp)
	}
	// A failing call: refused connection, and a Sign failure echoing the
	// secret.
	req.URL = "http://" + loopbacktest.Refused(t) + "/path" + "?token=" + canary
	_, err1 := c.Do(t.Context(), req)
	req.Sign = func(*http.Request, []byte) error { return errors.New("bad key " + canary) }
	_, err2 := c.Do(t.Context(), req)
	for _, err := range []error{err1, err2} {
		if err == nil {
			t.Fatal("want an error")
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(fmt.Sprintf("%+v", err), canary) {
			t.Errorf("error text carries the secret: %v", err)
		}
	}
	out := logs.String()
	if strings.Contains(out, canary) {
		t.Errorf("debug log carries the secret:\n%s", out)
	}
	for _, want := range []string{`"op":"Canary"`, `"attempt":2`, `"status":503`, `"wait":`, `"url":"http://127.0.0.1:`} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %s:\n%s", want, out)
		}
	}
}

// logCapture collects JSON slog output at debug level; notify, when set,
// receives each record's message.
type logCapture struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan string
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logCapture) count(msg string) int {
	return strings.Count(l.String(), `"msg":"`+msg+`"`)
}

func (l *logCapture) logger() *slog.Logger {
	h := slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})
	if l.notify == nil {
		return slog.New(h)
	}
	return slog.New(notifyHandler{h, l.notify})
}

type notifyHandler struct {
	slog.Handler
	c chan string
}

func (h notifyHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	select {
	case h.c <- r.Message:
	default:
	}
	return err
}
