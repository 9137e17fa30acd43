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
// [String] finds each secret also in the forms an echo gives it:
// percent-encoded, without its base64 padding, in base64url.
//
// [RequestID] is the scrubber for request IDs a server supplies: besides
// the known secrets it removes anything that looks like a credential (an
// echoed Authorization header, a JWT, a base64 login:password), and caps
// the length at [MaxRequestID]. It looks through percent-encoding too.
//
// # Concurrency
//
// The functions are pure and safe for concurrent use.
package redact
