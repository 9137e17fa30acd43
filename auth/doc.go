// Package auth is the generic half of iamkit's token pipeline: it caches
// the access tokens of any exchanger, keeps them fresh, and puts them on
// HTTP requests. The cloud-specific halves live in its subpackages:
// auth/nebiusauth (Nebius AI Cloud) and auth/yandexauth (Yandex Cloud)
// read their clouds' key files, sign the JWTs and exchange them.
//
// The pipeline has one type per job, and each part can be used alone
// (key file → ServiceAccountKey → signer → exchanger → Cache → Transport):
//
//   - [ServiceAccountKey] is a service account's RSA private key with its
//     IDs. [LoadPrivateKeyFile] and [ParsePrivateKeyPEM] read a plain
//     private.pem; the providers' loaders (nebiusauth.LoadCredentialsFile,
//     yandexauth.LoadKeyFile) read their credentials files. Errors are
//     [*KeyFileError] values that name the file and the field and never
//     contain key material.
//   - A [JWTSigner] makes the short-lived JWT a token exchange needs
//     (nebiusauth.Signer, RS256; yandexauth.Signer, PS256).
//   - An [Exchanger] trades the JWT for an access token
//     (nebiusauth.Exchanger, yandexauth.Exchanger; [ExchangerFunc] adapts a
//     function).
//   - [Cache] caches the tokens of any [Exchanger] and refreshes them
//     before they expire; it is an oauth2.TokenSource.
//   - [Transport] adds "Authorization: Bearer" to HTTP requests and retries
//     once with a fresh token after a 401.
//
// nebiusauth.ServiceAccount and yandexauth.ServiceAccount build the whole
// chain from a key in one call, configured by [ServiceAccountOptions].
// [NewStaticTokenSource] (and the providers' EnvTokenSource) serve a token
// you already have.
//
// Minimal use:
//
//	key, err := nebiusauth.LoadCredentialsFile("credentials.json")
//	if err != nil { ... }
//	ts, err := nebiusauth.ServiceAccount(key)
//	if err != nil { ... }
//	defer ts.Close()
//	client := auth.NewClient(ts)
//
// # HTTP clients
//
// Put tokens on requests with [NewClient] (or [NewTransport] around your
// own transport). It keeps three things: the request's context bounds the
// wait for a token (the [Cache] is a [ContextTokenSource]); a 401 answer
// drops the token and the request is sent once more with a fresh one (when
// its body can be replayed); and a redirect hop to another origin carries
// no token.
//
// A Cache is also an oauth2.TokenSource, so oauth2.NewClient(ctx, ts) and
// oauth2.Transport work, for code that expects them, but they lose all
// three: oauth2.TokenSource.Token takes no context (a slow token service
// holds the request past its deadline, up to the cache's RefreshTimeout),
// a token the server rejects keeps being sent until its scheduled refresh,
// and oauth2.Transport puts the token on every hop of a redirect, whatever
// the host. TestNewClientKeepsWhatOAuth2ClientLoses shows each.
//
// # Caching
//
// A [Cache] serves a cached token with one atomic load and one clock read
// (one time.Now, which gives both the wall time and the monotonic time): no
// lock, no allocation. A token is fresh until a fraction of
// its lifetime has passed (RefreshFraction, default 0.5, with jitter); then
// it is stale: callers still get it at once and one background refresh
// starts. Below MinValidity it is expired and callers wait for one shared
// refresh, each bounded by its own context. Only one upstream exchange runs
// at a time, also while the upstream fails: a failure is shared by the
// callers waiting on it and followed by a jittered backoff, and a token that
// is still valid keeps being served meanwhile. Invalidate (or
// InvalidateToken) drops a token a server rejected. The lifetime always
// comes from the token response, counted from before the request was sent.
//
// A [DiskStore] keeps tokens in a 0600 file so that short-lived processes
// reuse them across runs.
//
// The cache measures a token's life on both clocks, and a token is stale
// or expired as soon as either says so. A token whose wall-clock expiry has
// passed is never served, also after a system suspend (the monotonic clock
// stands still while a laptop or VM sleeps), and a step back of the wall
// clock does not make a token live longer. Far-future expiries (year 9999)
// are cached like any other: the arithmetic saturates instead of wrapping.
// Tests can simulate a suspend with iamtest.FakeClock's JumpWall.
//
// # Concurrency
//
// Every type in this package is safe for concurrent use. Call Close on a
// [Cache] when done: it stops the background refresh and leaves no
// goroutine behind.
//
// # Secrets
//
// Tokens, JWTs and private keys are [iam.Secret] values or unexported
// fields: they print as REDACTED under fmt, slog and encoding/json, and
// never appear in errors or logs. Only the *oauth2.Token returned by
// [Cache.Token], a peer type, holds the token in plain text.
//
// # Redirects
//
// A credential never leaves the origin (scheme, host and port) the caller
// addressed. The exchangers do not follow a redirect to another origin,
// whatever the HTTPClient given to them does (its 3xx answer becomes the
// error), so a signed JWT in a body that a 307 or 308 would re-send never
// travels. [Transport] (and so [NewClient]) authorizes only a request on the
// origin of its redirect chain and sends a hop to another origin without
// the token or any credential header the request carried; net/http itself
// keeps Authorization for the same host name on another port and for
// subdomains.
package auth
