// Package version holds iamkit's version and the User-Agent every client
// sends.
//
// Minimal use:
//
//	req.Header.Set("User-Agent", version.UserAgent(opts.UserAgent)) // "iamkit/<version> myapp/1.2"
//
// # Concurrency
//
// The package holds constants and a pure function, safe for concurrent
// use.
package version
