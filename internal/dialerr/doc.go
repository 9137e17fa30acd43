// Package dialerr classifies a failed HTTP or gRPC request by whether it
// was ever sent: iamkit's one rule for "the server cannot have processed
// it", which decides whether a call that is not idempotent (an OUTSCALE
// CreateAccessKey, a POST without an idempotency key) may be retried and
// whether its outcome is known.
//
// The rule: a request whose connection was never established — the error
// is a *net.OpError of a dial (to the server, or to the proxy in front of
// it) — was not sent, so it was not processed. That includes a host name
// that does not resolve (DNS "no such host"): no connection was made, and
// a name that fails to resolve now may resolve on the next attempt (DNS
// propagation, split-horizon resolvers, a resolver restart). Callers
// report it as unavailable (iam.ErrUnavailable) and may retry it under
// their attempt limit. Anything after the connection was made (a reset, a
// timeout waiting for the answer, a TLS failure) is not classified here:
// the request may have been received.
//
// Minimal use:
//
//	if dialerr.Is(err) { … not sent: safe to retry, outcome known … }
//
// # Concurrency
//
// [Is] is pure and safe for concurrent use.
package dialerr
