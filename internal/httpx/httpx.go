package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/version"
)

// Defaults of [Options].
const (
	// DefaultMaxAttempts is the default total number of attempts.
	DefaultMaxAttempts = 4
	// DefaultBaseDelay is the default backoff base.
	DefaultBaseDelay = 100 * time.Millisecond
	// DefaultMaxDelay is the default backoff ceiling.
	DefaultMaxDelay = 5 * time.Second
	// DefaultMaxRetryAfter is the default cap on a server's Retry-After.
	DefaultMaxRetryAfter = 30 * time.Second
	// DefaultMaxResponseBytes is the default response body limit (4 MiB).
	DefaultMaxResponseBytes = 4 << 20
	// DefaultAttemptTimeout bounds one attempt (connect, send, read) of the
	// default HTTP client; the caller's context bounds the whole call.
	DefaultAttemptTimeout = 30 * time.Second
)

// ErrResponseTooLarge is returned (wrapped) by [Client.Do] when a response
// body is longer than Options.MaxResponseBytes.
var ErrResponseTooLarge = errors.New("httpx: response body too large")

// Options configure a [Client]. Zero values mean the defaults.
type Options struct {
	// HTTPClient carries the requests: its transport holds TLS settings and
	// client certificates. Default: a client of this Client's own, with its
	// own connection pool (a clone of http.DefaultTransport, never a
	// process-wide shared client), whose attempts time out after
	// DefaultAttemptTimeout and that does not follow redirects (a 3xx comes
	// back as the response); [Client.CloseIdleConnections] closes its idle
	// connections. A client given here is not changed, and is used through
	// a copy that never follows a redirect to another origin (see
	// [KeepOnHost]), that never closes the transport's idle connections
	// (which other users of the transport may be about to reuse), and whose
	// Timeout bounds each request an attempt sends (each redirect hop) rather
	// than the whole chain.
	HTTPClient *http.Client
	// MaxAttempts is the total number of attempts, the first included
	// (default 4; values below 1 mean the default).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the full-jitter exponential backoff: the
	// wait before retry n (n = 1, 2, …) is uniformly random in
	// [0, min(BaseDelay·2^(n-1), MaxDelay)] (internal/backoff). Defaults
	// 100ms and 5s; a MaxDelay below BaseDelay is raised to BaseDelay.
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds each attempt (connect, send, read the whole
	// answer): above 0 it replaces HTTPClient's Timeout (the copy's; the
	// caller's client is not changed), negative disables the bound, and 0
	// keeps HTTPClient's Timeout (DefaultAttemptTimeout for the default
	// client). The caller's context bounds the whole call either way.
	AttemptTimeout time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 30s): a server
	// asking for hours is waited for MaxRetryAfter at most.
	MaxRetryAfter time.Duration
	// MaxResponseBytes limits a response body (default 4 MiB); a longer body
	// fails the call with [ErrResponseTooLarge].
	MaxResponseBytes int64
	// UserAgent is sent as the User-Agent header (default
	// "iamkit/<version>"). A value that does not contain the iamkit product
	// token is appended to it: "iamkit/<version> myapp/1.2".
	UserAgent string
	// Clock is what every wait between two attempts runs on (the backoff, a
	// server's Retry-After, capped or not); nil means the system clock. A
	// test that injects a fake clock advances it to let a retry happen.
	// Only the waits run on it: the attempt timeout and the caller's
	// deadline are real time, as the network is.
	Clock iam.Clock
	// Logger receives debug records of each attempt (op, method, URL without
	// its query, status, attempt, wait). It never receives a body, a header
	// value, a token or a secret. Default: discard.
	Logger *slog.Logger
}

// Client sends HTTP requests with retries, backoff, body limits and
// redaction. It is safe for concurrent use; make one per API client and
// reuse it: it holds one retryablehttp.Client and, unless the caller gave
// Options.HTTPClient, its own connection pool.
type Client struct {
	o     Options
	clock clock.Clock
	hc    *http.Client         // what retryablehttp sends with: see sendingClient
	rc    retryablehttp.Client // one for every call; per-call state rides on the request's context
	own   *http.Transport      // the pool this Client made, nil with a caller's HTTPClient
}

// newDefaultHTTPClient returns the HTTP client of a Client made without
// Options.HTTPClient: its own pool, attempts bounded by
// DefaultAttemptTimeout, redirects handed back.
func newDefaultHTTPClient() (*http.Client, *http.Transport) {
	// No ResponseHeaderTimeout: the attempt timeout (attemptTransport)
	// bounds the wait for headers too, and a second bound would race it
	// and end the attempt with a less clear error.
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	return &http.Client{
		Transport: t,
		Timeout:   DefaultAttemptTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, t
}

// New returns a Client. Out-of-range options are replaced by their
// defaults (see [Options]).
func New(optFns ...func(*Options)) *Client {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	var own *http.Transport
	if o.HTTPClient == nil {
		o.HTTPClient, own = newDefaultHTTPClient()
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxDelay < o.BaseDelay {
		o.MaxDelay = o.BaseDelay
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	o.UserAgent = version.UserAgent(o.UserAgent)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	timeout := o.HTTPClient.Timeout
	switch {
	case o.AttemptTimeout > 0:
		timeout = o.AttemptTimeout
	case o.AttemptTimeout < 0:
		timeout = 0
	}
	c := &Client{o: o, clock: clock.Or(o.Clock), hc: sendingClient(o.HTTPClient, timeout), own: own}
	c.rc = retryablehttp.Client{
		HTTPClient: c.hc,
		Logger:     nil, // retryablehttp's own logging is off; checkRetry logs
		RetryMax:   o.MaxAttempts - 1,
		CheckRetry: c.checkRetry,
		// retryablehttp waits Backoff's duration on a timer of its own:
		// none here. The wait runs in prepareRetry, on c.clock, after the
		// last answer's body went back to the pool.
		Backoff:      func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 },
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		PrepareRetry: c.prepareRetry,
	}
	return c
}

// CloseIdleConnections closes the idle connections of the pool this Client
// made for itself (Options.HTTPClient nil); it does nothing to a caller's
// HTTPClient, whose transport others may share. Call it when the Client
// is no longer needed, or let the pool close them after their idle
// timeout.
func (c *Client) CloseIdleConnections() {
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
}

// sendingClient returns the client that retryablehttp is handed for hc: a
// copy that keeps credentials on the origin ([KeepOnHost]), whose Timeout
// moves into its transport as the attempt timeout (see [attemptTransport];
// 0: none) and whose transport ignores CloseIdleConnections.
func sendingClient(hc *http.Client, timeout time.Duration) *http.Client {
	c := KeepOnHost(hc)
	c.Transport = &attemptTransport{rt: c.Transport, timeout: timeout}
	c.Timeout = 0
	return c
}

// attemptTransport passes requests to its transport (nil:
// http.DefaultTransport), bounding each by timeout, and hides the
// transport's CloseIdleConnections from http.Client.
//
// CloseIdleConnections: retryablehttp calls it on its client when a context
// ends during a backoff wait, when the last attempt fails and when a body
// cannot be rewound; on a transport shared with other users (the caller's)
// that would close their idle connections too, and on this Client's own
// pool those of its concurrent calls.
//
// The timeout: http.Client.Timeout on a client whose transport is not a
// bare *http.Transport makes net/http run a timer goroutine per request
// (about a dozen allocations); a context deadline per request does the
// same job inside the transport.
type attemptTransport struct {
	rt      http.RoundTripper
	timeout time.Duration
}

// RoundTrip sends r with the wrapped transport, within the attempt
// timeout: it covers the connection, the request and the whole response
// body, until the body is closed.
func (t *attemptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt := t.rt
	if rt == nil {
		rt = http.DefaultTransport
	}
	if t.timeout <= 0 {
		return rt.RoundTrip(r)
	}
	ctx, cancel := context.WithTimeoutCause(r.Context(), t.timeout, &AttemptTimeoutError{Limit: t.timeout})
	resp, err := rt.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, attemptErr(ctx, r.Context(), err)
	}
	resp.Body = &attemptBody{ReadCloser: resp.Body, ctx: ctx, parent: r.Context(), cancel: cancel}
	return resp, nil
}

// AttemptTimeoutError is the error of an attempt that ran out of its
// timeout (Options.AttemptTimeout, else http.Client.Timeout, default
// DefaultAttemptTimeout) while the caller's context had not ended: the
// server did not answer in time. It is
// a net.Error whose Timeout is true, and unlike a context's deadline it
// does not match context.DeadlineExceeded, which is the caller's.
type AttemptTimeoutError struct {
	// Limit is the attempt timeout that ran out.
	Limit time.Duration
}

// Error says which timeout ran out.
func (e *AttemptTimeoutError) Error() string {
	return fmt.Sprintf("no answer within the attempt timeout of %s", e.Limit)
}

// Timeout reports true: the error is a timeout.
func (e *AttemptTimeoutError) Timeout() bool { return true }

// Temporary reports true, as for any timeout (net.Error).
func (e *AttemptTimeoutError) Temporary() bool { return true }

// attemptErr replaces err by the attempt timeout's error when that timeout
// ended the attempt while the caller's context (parent) is still live.
func attemptErr(ctx, parent context.Context, err error) error {
	if parent.Err() != nil || ctx.Err() == nil {
		return err
	}
	var te *AttemptTimeoutError
	if errors.As(err, &te) {
		return err // net/http reported the cause itself
	}
	if cause, ok := context.Cause(ctx).(*AttemptTimeoutError); ok {
		return fmt.Errorf("%w (%v)", cause, err)
	}
	return err
}

// attemptBody ends an attempt's timeout when its body is closed, and
// reports a read that the timeout cut short as an [AttemptTimeoutError].
type attemptBody struct {
	io.ReadCloser
	ctx, parent context.Context
	cancel      context.CancelFunc
}

func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = attemptErr(b.ctx, b.parent, err)
	}
	return n, err
}

func (b *attemptBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// RetryPolicy says when a failed attempt is retried.
type RetryPolicy int

const (
	// RetryUnprocessed (the default) retries only what provably was not
	// processed: HTTP 429, HTTP 503, and connection failures before the
	// request was sent (connection refused, a name that does not resolve,
	// other dial errors: see internal/dialerr). Safe for
	// any request, including a POST without an idempotency key.
	RetryUnprocessed RetryPolicy = iota
	// RetryIdempotent also retries HTTP 500, 502, 504 and other transport
	// errors (resets, timeouts). Use it for GET and for a POST whose
	// effect is idempotent (an idempotency key the API honours, a token
	// exchange).
	RetryIdempotent
	// RetryNever makes exactly one attempt.
	RetryNever
)

// String returns the policy's name.
func (p RetryPolicy) String() string {
	switch p {
	case RetryUnprocessed:
		return "RetryUnprocessed"
	case RetryIdempotent:
		return "RetryIdempotent"
	case RetryNever:
		return "RetryNever"
	}
	return fmt.Sprintf("RetryPolicy(%d)", int(p))
}

// Request is one logical call; [Client.Do] may send it several times.
type Request struct {
	// Op names the call in logs and errors, e.g. "TokenExchange".
	Op string
	// Method is the HTTP method (default GET).
	Method string
	// URL is the absolute URL.
	URL string
	// Header is sent with every attempt (cloned per attempt). A User-Agent
	// here is appended to the client's.
	Header http.Header
	// Body is sent with every attempt, identically.
	Body []byte
	// Retry says which failures are retried.
	Retry RetryPolicy
	// MaxAttempts, when above 0, caps the attempts of this request below
	// Options.MaxAttempts (a token exchange that re-signs its JWT carries
	// on with the attempts it has left).
	MaxAttempts int
	// Sign, when set, is called before every attempt (the first and each
	// retry) on a fresh *http.Request whose Body is set and whose headers
	// are a fresh copy of Header, with the body bytes. A signer such as
	// SigV4 sets its date and Authorization here. An error stops the call.
	Sign func(r *http.Request, body []byte) error
	// Secrets are extra values scrubbed from error text (tokens, passwords
	// that could be echoed).
	Secrets []string
	// Observe, when set, is called after every attempt with its number
	// (1 for the first), its answer's status (0 when there is none) or
	// its transport error, and whether another attempt follows (the
	// telemetry of a call counts attempts and retries with it).
	Observe func(attempt, status int, err error, retrying bool)
}

// Response is the final answer to a request, whatever its status.
type Response struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Header is the response header.
	Header http.Header
	// Body is the whole response body (at most MaxResponseBytes).
	Body []byte
	// Attempts is how many attempts were made.
	Attempts int
}

// Do sends r, retrying as r.Retry allows, and returns the final response.
// A non-2xx final response is returned as a *Response, not an error; the
// error is for transport failures (after retries), a body over the limit, a
// failed Sign, or ctx being done (errors.Is(err, ctx.Err()) holds). Error
// text names the op, method and URL (without query) and never a secret
// listed in r.Secrets.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	if ctx == nil {
		return nil, errors.New("httpx: nil context")
	}
	if r == nil {
		return nil, errors.New("httpx: nil request")
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}

	maxAttempts := c.o.MaxAttempts
	if r.MaxAttempts > 0 {
		maxAttempts = min(maxAttempts, r.MaxAttempts)
	}
	if r.Retry == RetryNever {
		maxAttempts = 1
	}
	ua := c.o.UserAgent
	if extra := strings.TrimSpace(r.Header.Get("User-Agent")); extra != "" {
		ua += " " + extra
	}
	// The per-call state is the request's context: retryablehttp hands
	// that context to checkRetry and the request to prepareRetry, so the
	// one retryablehttp.Client of c serves every call.
	a := &attempt{Context: ctx, c: c, r: r, method: method, ua: ua, maxAttempts: maxAttempts}

	var body any // nil for no body, so that GET carries none
	if r.Body != nil {
		body = r.Body
	}
	// NewRequestWithContext parses the URL; it is parsed again (for error
	// and log text) only when something goes wrong or debug logging is on.
	rreq, err := retryablehttp.NewRequestWithContext(a, method, r.URL, body)
	if err != nil || rreq.URL.Scheme == "" || rreq.URL.Host == "" {
		u, perr := url.Parse(r.URL)
		if perr != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("httpx %s: invalid URL %q: must be absolute", r.Op, cleanURLString(r.URL))
		}
		return nil, c.wrap(r, method, 0, err)
	}
	if err := a.prepare(rreq.Request); err != nil {
		return nil, c.wrap(r, method, 0, err)
	}

	resp, err := c.rc.Do(rreq)
	if err != nil {
		if resp != nil {
			drain(resp.Body)
		}
		return nil, c.wrap(r, method, a.attempts, err)
	}
	defer resp.Body.Close()
	data, err := readBody(resp.Body, resp.ContentLength, c.o.MaxResponseBytes)
	if err != nil {
		return nil, c.wrap(r, method, a.attempts, fmt.Errorf("reading response body (http %d): %w", resp.StatusCode, err))
	}
	if int64(len(data)) > c.o.MaxResponseBytes {
		return nil, c.wrap(r, method, a.attempts,
			fmt.Errorf("%w: http %d body exceeds %d bytes", ErrResponseTooLarge, resp.StatusCode, c.o.MaxResponseBytes))
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data, Attempts: a.attempts}, nil
}

// attempt is the state of one [Client.Do] call, shared by the retryablehttp
// hooks. It is the context of the call's requests: the caller's context
// (embedded, so its deadline, cancellation and values are the requests'),
// carrying the state along.
type attempt struct {
	context.Context
	c           *Client
	r           *Request
	method      string
	ua          string // the User-Agent header value
	maxAttempts int
	attempts    int           // attempts made so far
	nextWait    time.Duration // the wait checkRetry chose, waited in prepareRetry
}

// attemptOf returns the state of the call a request context belongs to.
func attemptOf(ctx context.Context) *attempt {
	a, _ := ctx.(*attempt)
	return a
}

// prepare gives an attempt its own header map and a readable body, then
// signs it.
func (a *attempt) prepare(hr *http.Request) error {
	hr.Header = cloneHeader(a.r.Header, a.ua)
	if a.r.Body == nil {
		hr.Body = http.NoBody
	}
	if a.r.Sign == nil {
		return nil
	}
	if a.r.Body != nil {
		// retryablehttp rewinds the body again before sending; this one is
		// for a signer that reads it.
		hr.Body = &byteBody{Reader: *bytes.NewReader(a.r.Body)}
	}
	if err := a.r.Sign(hr, a.r.Body); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	return nil
}

// checkRetry is retryablehttp's CheckRetry: it logs the attempt, decides
// whether another one follows and how long to wait before it.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	a := attemptOf(ctx)
	if a == nil {
		return false, nil // not a request of Do
	}
	retry, rerr := c.decideRetry(ctx, a, resp, err)
	if a.r.Observe != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		a.r.Observe(a.attempts, status, err, retry)
	}
	return retry, rerr
}

// decideRetry counts the attempt, logs it and decides whether another one
// follows and how long to wait before it.
func (c *Client) decideRetry(ctx context.Context, a *attempt, resp *http.Response, err error) (bool, error) {
	a.attempts++
	r, log := a.r, c.o.Logger
	c.logAttempt(ctx, log, r, a.method, a.attempts, resp, err)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if !shouldRetry(r.Retry, resp, err) || a.attempts >= a.maxAttempts {
		return false, nil
	}
	a.nextWait = c.backoff(a.attempts, resp, c.clock.Now())
	debug := log.Enabled(ctx, slog.LevelDebug)
	// Do not start a wait that the caller's deadline would cut short: hand
	// back what we have (a 429 says more than a deadline error).
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < a.nextWait {
		if debug {
			log.DebugContext(ctx, "httpx: not retrying, deadline before next attempt",
				"op", r.Op, "method", a.method, "url", logURL(r.URL), "attempt", a.attempts, "wait", a.nextWait)
		}
		return false, nil
	}
	if debug {
		log.DebugContext(ctx, "httpx: retrying",
			"op", r.Op, "method", a.method, "url", logURL(r.URL), "attempt", a.attempts, "wait", a.nextWait)
	}
	return true, nil
}

// prepareRetry is retryablehttp's PrepareRetry, run before every retry:
// it waits the wait checkRetry chose, on the Client's clock and within the
// caller's context, then prepares the attempt. An error (the context
// ended, Sign failed) ends the call.
func (c *Client) prepareRetry(hr *http.Request) error {
	a := attemptOf(hr.Context())
	if a == nil {
		return errors.New("httpx: request of another client")
	}
	if err := clock.Sleep(a.Context, c.clock, a.nextWait); err != nil {
		return err
	}
	return a.prepare(hr)
}

// cloneHeader returns a copy of h (which may be nil) with User-Agent set
// to ua, sized for the headers a signer adds: one map and one array of
// values, as http.Header.Clone makes, with room for ua.
func cloneHeader(h http.Header, ua string) http.Header {
	nv := 1
	for _, v := range h {
		nv += len(v)
	}
	out := make(http.Header, len(h)+3)
	sv := make([]string, nv)
	for k, v := range h {
		if v == nil {
			out[k] = nil
			continue
		}
		n := copy(sv, v)
		out[k] = sv[:n:n]
		sv = sv[n:]
	}
	sv[0] = ua // the last free slot
	out["User-Agent"] = sv[:1:1]
	return out
}

// byteBody is a request body over bytes, in one allocation.
type byteBody struct{ bytes.Reader }

func (*byteBody) Close() error { return nil }

// readBody reads a body of at most limit bytes; it reads limit+1 so that
// the caller sees an overflow. With a known size (Content-Length) it reads
// into one buffer of that size, and falls back to reading on if the body
// turns out longer.
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	if size < 0 || size > limit {
		return io.ReadAll(io.LimitReader(r, limit+1))
	}
	buf := make([]byte, 0, size+1)
	for {
		if len(buf) == cap(buf) {
			rest, err := io.ReadAll(io.LimitReader(r, limit+1-int64(len(buf))))
			return append(buf, rest...), err
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (c *Client) logAttempt(ctx context.Context, log *slog.Logger, r *Request, method string, attempt int, resp *http.Response, err error) {
	if !log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	if err != nil {
		log.DebugContext(ctx, "httpx: attempt failed",
			"op", r.Op, "method", method, "url", logURL(r.URL), "attempt", attempt,
			"error", redact.String(transportErrorText(err), r.Secrets...))
		return
	}
	log.DebugContext(ctx, "httpx: attempt",
		"op", r.Op, "method", method, "url", logURL(r.URL), "attempt", attempt, "status", resp.StatusCode)
}

// wrap turns err into the error Do returns: op, method and clean URL in
// front, secrets scrubbed, the cause kept for errors.Is.
func (c *Client) wrap(r *Request, method string, attempts int, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error prints the full URL, query included; we print our own.
		err = &cleanURLError{op: ue.Op, err: ue.Err}
	}
	var e error
	if attempts > 1 {
		e = fmt.Errorf("httpx %s: %s %s (after %d attempts): %w", r.Op, method, logURL(r.URL), attempts, err)
	} else {
		e = fmt.Errorf("httpx %s: %s %s: %w", r.Op, method, logURL(r.URL), err)
	}
	return redact.Error(e, r.Secrets...)
}

// logURL returns the request URL as logs and errors show it:
// scheme://host/path.
func logURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return cleanURLString(raw)
	}
	return cleanURL(u)
}

// cleanURLError replaces *url.Error so that the query never prints. It
// keeps Timeout for callers that check it.
type cleanURLError struct {
	op  string
	err error
}

func (e *cleanURLError) Error() string { return e.err.Error() }
func (e *cleanURLError) Unwrap() error { return e.err }

// Timeout reports whether the cause is a timeout.
func (e *cleanURLError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}

func transportErrorText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// cleanURL returns scheme://host/path: no user info, query or fragment.
func cleanURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return v.String()
}

func cleanURLString(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "@"); i >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			s = s[:j+3] + s[i+1:]
		}
	}
	return redact.Truncate(s, 200)
}

func drain(b io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(b, 64<<10))
	_ = b.Close()
}
