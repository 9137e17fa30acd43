// Package redact scrubs known secrets out of text (error messages, server
// bodies) before it is logged or returned, and truncates long text.
//
// Minimal use:
//
//	msg := redact.String(string(body), jwt.Reveal()) // the JWT becomes REDACTED
//	msg = redact.Truncate(msg, 512)
//	err = redact.Error(err, token.Reveal()) // same text scrubbed, errors.Is still works
//
// # Concurrency
//
// The functions are pure and safe for concurrent use.
package redact
