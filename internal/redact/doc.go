// Package redact scrubs known secrets out of text (error messages, server
// bodies) before it is logged or returned, and truncates long text.
//
// # Concurrency
//
// The functions are pure and safe for concurrent use.
package redact
