// Package version holds iamkit's version and the User-Agent every client
// sends.
//
// Minimal use:
//
//	req.Header.Set("User-Agent", version.UserAgent) // "iamkit/<version>"
//
// # Concurrency
//
// The package holds only constants.
package version
