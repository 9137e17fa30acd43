// Package httpx is the HTTP client under every iamkit REST client and token
// exchanger. It wraps github.com/hashicorp/go-retryablehttp with the rules
// iamkit needs:
//
//   - bodies are []byte, sent identically on every attempt;
//   - full-jitter exponential backoff (a random wait in
//     [0, min(BaseDelay·2^n, MaxDelay)]); a server's Retry-After (seconds or
//     an HTTP date) is honoured on 429 and 503 but capped at MaxRetryAfter;
//   - a [RetryPolicy] per request: by default only what provably was not
//     processed is retried (429, 503, connection refused), so a POST
//     without an idempotency key is never sent twice by accident; 401 is
//     never retried;
//   - a Sign hook runs before every attempt, so a SigV4 signature carries a
//     fresh date on each retry;
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
//     transport (the default one, or the caller's) would close other
//     clients' connections; Do hands it a copy whose transport ignores
//     that.
//
// A non-2xx answer is not an error here: [Client.Do] returns it as a
// [Response], and the provider client turns it into an *iam.Error.
//
// Example:
//
//	c := httpx.New(func(o *httpx.Options) { o.MaxAttempts = 3 })
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
// A [Client] is safe for concurrent use and holds no goroutines of its own;
// make one per API client and share it. Each Do runs its attempts and waits
// on the calling goroutine, and returns promptly when ctx is done, also in
// the middle of a backoff wait. The default transport is shared by all
// Clients and keeps idle connections pooled.
package httpx
