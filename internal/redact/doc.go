// Package redact scrubs known secrets out of text (error messages, server
// bodies, request IDs) before it is logged or returned, and truncates long
// text.
//
// Minimal use:
//
//	msg := redact.String(string(body), jwt.Reveal()) // the JWT becomes REDACTED
//	msg = redact.Truncate(msg, 512)
//	err = redact.Error(err, token.Reveal()) // same text scrubbed, errors.Is still works
//	e.RequestID = redact.RequestID(resp.Header.Get("X-Request-Id"), token.Reveal())
//
// [RequestID] is the scrubber for request IDs a server supplies: besides
// the known secrets it removes anything that looks like a credential (an
// echoed Authorization header, a JWT, a base64 login:password), and caps
// the length at [MaxRequestID].
//
// # Concurrency
//
// The functions are pure and safe for concurrent use.
package redact
