// Package httpx is the HTTP client under every iamkit REST client and token
// exchanger. It wraps github.com/hashicorp/go-retryablehttp with the rules
// iamkit needs:
//
//   - one retryablehttp.Client per [Client], and by default one connection
//     pool per Client too (a clone of http.DefaultTransport; never a
//     process-wide shared client); the state of a call rides on its
//     requests' context, so the hooks are set once, in [New];
//   - bodies are []byte, sent identically on every attempt;
//   - full-jitter exponential backoff (a random wait in
//     [0, min(BaseDelay·2^(n-1), MaxDelay)] before retry n, from
//     internal/backoff); a server's Retry-After (seconds or an HTTP date)
//     is honoured on 429 and 503 but capped at MaxRetryAfter;
//   - every wait between two attempts runs on Options.Clock (an
//     iam.Clock): retryablehttp's own timer is handed a zero wait, and the
//     real wait is a timer of the clock, within the caller's context, in
//     the PrepareRetry hook (after the last answer went back to the pool),
//     so a test with a fake clock drives each retry and never sleeps;
//   - a [RetryPolicy] per request: by default only what provably was not
//     processed is retried (429, 503, a connection never made — refused,
//     a name that does not resolve: internal/dialerr), so a POST without
//     an idempotency key is never sent twice by accident; 401 is never
//     retried; Request.MaxAttempts caps one request's attempts;
//   - a Sign hook runs before every attempt, so a SigV4 signature carries a
//     fresh date on each retry (and a token exchange can refuse to present
//     an aged JWT again);
//   - each attempt is bounded by the HTTP client's Timeout (default
//     DefaultAttemptTimeout), applied per request inside the transport as
//     a context deadline, not by net/http's per-request timer goroutine;
//     running out of it is an [AttemptTimeoutError], which is not the
//     caller's context.DeadlineExceeded;
//   - response bodies are size-limited ([ErrResponseTooLarge], never a
//     silent truncation);
//   - debug logs through log/slog that never carry a body, a header value,
//     a query string, a token or a secret; errors are scrubbed of
//     Request.Secrets and wrap the cause, so errors.Is(err,
//     context.DeadlineExceeded) works;
//   - a credential never leaves the origin the request addressed: a
//     redirect to another scheme, host or port is not followed (its 3xx is
//     the answer), also with a caller's HTTPClient that follows redirects,
//     so no Authorization, SigV4 header, X-Osc-Date or body (a signed JWT,
//     re-sent by 307/308) reaches it. [KeepOnHost] is that rule for any
//     *http.Client (the S3 client uses it), and [CrossOriginHop] with
//     [WithoutCredentials] the same rule for a RoundTripper that adds
//     credentials (auth.Transport);
//   - no call closes idle connections: retryablehttp closes the idle
//     connections of its HTTP client when a call fails, which on a shared
//     transport (the caller's) would close other clients' connections, and
//     on a Client's own pool those of its concurrent calls; its HTTP
//     client's transport ignores that. [Client.CloseIdleConnections]
//     closes the idle connections of a Client's own pool.
//
// A non-2xx answer is not an error here: [Client.Do] returns it as a
// [Response], and the provider client turns it into an *iam.Error.
//
// Example:
//
//	c := httpx.New(func(o *httpx.Options) { o.MaxAttempts = 3; o.Clock = opts.Clock })
//	resp, err := c.Do(ctx, &httpx.Request{
//		Op:     "TokenExchange",
//		Method: http.MethodPost,
//		URL:    "https://iam.api.cloud.yandex.net/iam/v1/tokens",
//		Header: http.Header{"Content-Type": {"application/json"}},
//		Body:   body,
//		Retry:  httpx.RetryIdempotent,
//	})
//
// # Concurrency
//
// A [Client] is safe for concurrent use and holds no goroutines of its own
// (its pool's connections have net/http's); make one per API client and
// share it. Each Do runs its attempts and waits on the calling goroutine,
// and returns promptly when ctx is done, also in the middle of a wait.
package httpx
